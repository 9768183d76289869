"""Run the benchmarks side by side and write their figures.

    .venv/bin/python benchmarks/run.py            # everything, about 5 minutes here
    .venv/bin/python benchmarks/run.py --only gas,scale

Writes benchmarks/results/<name>.json and benchmarks/results/SUMMARY.md, and prints the table of ratios. Ratios
(measured in the same run, on the same chain) are the figures that count; absolute times are context.
"""

from __future__ import annotations

import argparse
import json
import platform
import socket
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "results"
sys.path.insert(0, str(HERE))

from eth_account import Account  # noqa: E402

from ccsi_dao.chain import Chain  # noqa: E402
from ccsi_dao.devnet import DEV_MNEMONIC, find_anvil  # noqa: E402
from ccsi_dao.fileio import write_atomic  # noqa: E402

SIZES = (15, 150, 1500)
CAST_VOTE_OPS = ("castVote (first voter)", "castVote (later voter)", "castVote (member admitted last)")


def _anvil() -> tuple[subprocess.Popen, str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [str(find_anvil()), "--port", str(port), "--accounts", "20", "--gas-limit", "3000000000", "--silent"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            Chain.connect(url, request_timeout=1)
            return proc, url
        except Exception:  # not up yet
            time.sleep(0.05)
    proc.kill()
    raise SystemExit("anvil did not start")


def _node(url: str):  # noqa: ANN202
    import gas

    Account.enable_unaudited_hdwallet_features()
    accounts = [Account.from_mnemonic(DEV_MNEMONIC, account_path=f"m/44'/60'/0'/0/{i}") for i in range(12)]
    return gas.Node(Chain.connect(url), accounts)


def bench_gas(url: str) -> dict:
    import gas

    ours, reference = gas.measure_ccsi(_node(url), 15), gas.measure_reference(_node(url), 15)
    rows = {}
    for op in ours:
        aim = 1.0 if op.startswith("castVote") else 1.15
        ratio = ours[op] / reference[op]
        rows[op] = {"ccsi_dao": ours[op], "reference": reference[op], "ratio": round(ratio, 3), "aim": aim,
                    "met": ratio <= aim}
    return {"members": 15, "operations": rows}


def bench_scale(url: str) -> dict:
    import gas

    by_size = {n: gas.measure_ccsi(_node(url), n, full=False) for n in SIZES}
    rows = {}
    for op in by_size[SIZES[0]]:
        base = by_size[SIZES[0]][op]
        growth = by_size[SIZES[-1]][op] / base
        rows[op] = {**{str(n): by_size[n][op] for n in SIZES}, "growth_15_to_1500": round(growth, 3),
                    "aim": 1.05, "met": growth <= 1.05}
    return {"sizes": list(SIZES), "operations": rows}


def bench_cli(_url: str) -> dict:
    import cli_latency

    result = cli_latency.measure(runs=12, port=_free_port())
    result["aims"] = {"ratio_ccsi_to_web3_script": 1.2, "help_startup_median_seconds": 0.3}
    result["met"] = {
        "ratio_ccsi_to_web3_script": result["ratio_ccsi_to_web3_script"] <= 1.2,
        "help_startup_median_seconds": result["help_startup_median_seconds"] <= 0.3,
    }
    return result


def bench_suite(_url: str) -> dict:
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"], cwd=ROOT,
                          capture_output=True, text=True, stdin=subprocess.DEVNULL)
    elapsed = time.perf_counter() - start
    summary = [line for line in proc.stdout.splitlines() if " passed" in line or " failed" in line]
    return {"wall_seconds": round(elapsed, 1), "exit_code": proc.returncode, "summary": summary[-1] if summary else ""}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


BENCHES = {"gas": bench_gas, "scale": bench_scale, "cli": bench_cli, "suite": bench_suite}


def summary_markdown(results: dict[str, dict]) -> str:
    lines = [f"# Benchmark summary ({datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, {platform.machine()}, "
             f"{platform.python_version()})", "", "Command: `.venv/bin/python benchmarks/run.py`", ""]
    if "gas" in results:
        lines += ["## Gas against OpenZeppelin's reference governor (15 members, same chain, same run)", "",
                  "| operation | ccsi-dao | reference | ratio | aim | |", "|---|---:|---:|---:|---:|---|"]
        for op, r in results["gas"]["operations"].items():
            lines.append(f"| {op} | {r['ccsi_dao']:,} | {r['reference']:,} | {r['ratio']:.3f} | ≤ {r['aim']} | "
                         f"{'met' if r['met'] else 'missed'} |")
        lines.append("")
    if "scale" in results:
        sizes = results["scale"]["sizes"]
        lines += ["## Gas by consortium size (ccsi-dao)", "",
                  "| operation | " + " | ".join(f"{n} members" for n in sizes) + " | growth | aim | |",
                  "|---|" + "---:|" * len(sizes) + "---:|---:|---|"]
        for op, r in results["scale"]["operations"].items():
            lines.append(f"| {op} | " + " | ".join(f"{r[str(n)]:,}" for n in sizes)
                         + f" | {r['growth_15_to_1500']:.3f} | ≤ {r['aim']} | {'met' if r['met'] else 'missed'} |")
        lines.append("")
    if "cli" in results:
        c = results["cli"]
        m = c["median_seconds"]
        lines += ["## `ccsi-dao vote`, end to end (median of %d, same keystore and devnet)" % c["runs"], "",
                  "| tool | median s | ccsi-dao / tool |", "|---|---:|---:|",
                  f"| ccsi-dao vote | {m['ccsi-dao vote']:.2f} | 1.00 |",
                  f"| minimal web3.py script | {m['web3.py script']:.2f} | {c['ratio_ccsi_to_web3_script']:.2f} (aim ≤ 1.2) |",
                  f"| cast send --keystore | {m['cast send']:.2f} | {c['ratio_ccsi_to_cast']:.2f} |", "",
                  f"`ccsi-dao --help` start-up: {c['help_startup_median_seconds']:.2f} s (aim < 0.3 s). "
                  f"Keystores: scrypt n={c['keystore_kdf']['n']}, r=8, p=1; one unlock "
                  f"{c['keystore_kdf']['unlock_median_seconds']:.2f} s.", ""]
    if "suite" in results:
        s = results["suite"]
        lines += [f"## Test suite: {s['wall_seconds']} s wall ({s['summary']})", ""]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", help="Comma-separated subset of: " + ", ".join(BENCHES))
    args = parser.parse_args()
    names = args.only.split(",") if args.only else list(BENCHES)
    RESULTS.mkdir(exist_ok=True)
    proc, url = _anvil()
    results: dict[str, dict] = {}
    try:
        for name in names:
            started = time.perf_counter()
            print(f"== {name} ...", flush=True)
            results[name] = BENCHES[name](url)
            results[name]["benchmark_seconds"] = round(time.perf_counter() - started, 1)
            write_atomic(RESULTS / f"{name}.json", json.dumps(results[name], indent=2) + "\n")
    finally:
        proc.terminate()
    previous = {p.stem: json.loads(p.read_text()) for p in RESULTS.glob("*.json") if p.stem not in results}
    text = summary_markdown({**previous, **results})
    write_atomic(RESULTS / "SUMMARY.md", text + "\n")
    print(text)


if __name__ == "__main__":
    main()
