"""Wall time of the everyday read commands at 10 and at 1,000 proposals, in one run: `ccsi-dao
proposals list`, `proposals show 1` and a vote's lookup (`ccsi-dao vote 1 for`, which finds #1 and refuses it since
its voting ended: the lookup without a key or a transaction). The history is :mod:`decisionlog_scale`'s generator
(as the dashboard benchmark holds it to contracts v2) on two anvils, one grown to 10 proposals, one to 1,000. Each
command runs once per chain to sync that home's decision index, then ``RUNS`` times on each, alternating (the median
is kept): the index warm, as a partner uses it day to day.

    .venv/bin/python benchmarks/run.py --only reads
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

CLI = str(Path(sys.executable).with_name("ccsi-dao"))
SIZES = (10, 1000)
RUNS = 7
COMMANDS = {
    "proposals list": ("proposals", "list"),
    "proposals list --all": ("proposals", "list", "--all"),
    "proposals show 1": ("proposals", "show", "1"),
    "vote lookup (vote 1 for)": ("vote", "1", "for", "--from", "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"),
}
EXPECTED_CODE = {"vote lookup (vote 1 for)": 2}  # voting on #1 ended: refused after the lookup


def _time(args: tuple[str, ...], url: str, home: Path, expected: int) -> float:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CCSI_DAO_")}
    env["CCSI_DAO_HOME"] = str(home)
    start = time.perf_counter()
    result = subprocess.run(
        [CLI, "--rpc-url", url, *args], env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL
    )
    elapsed = time.perf_counter() - start
    if result.returncode != expected:
        raise RuntimeError(f"ccsi-dao {' '.join(args)}: exit {result.returncode}: {result.stderr.strip()[-400:]}")
    return elapsed


def measure() -> dict[str, Any]:
    import dashboard
    from decisionlog_scale import GAS_LIMIT, MEMBERS, PERIOD

    from ccsi_dao.devnet import start_anvil

    builder_class = dashboard._builder_class()
    nodes = []
    try:
        with tempfile.TemporaryDirectory(prefix="ccsi-reads-") as tmp:
            homes: dict[int, tuple[str, Path]] = {}
            for size in SIZES:  # a chain of its own per size, so that the runs can alternate
                proc, url = start_anvil("--gas-limit", str(GAS_LIMIT), accounts=MEMBERS + 1, port=dashboard._port())
                nodes.append(proc)
                builder = builder_class(url)
                builder.grow_to(size, hold_last_vote=False)
                builder.rpc("evm_increaseTime", 2 * PERIOD)  # every vote over at both sizes: the same lookup path
                builder.rpc("evm_mine")
                home = Path(tmp) / f"home-{size}"
                home.mkdir()
                builder.record.save(home / "deployment.json")
                homes[size] = (url, home)
            figures: dict[str, dict[str, float]] = {str(size): {} for size in SIZES}
            for name, args in COMMANDS.items():
                expected = EXPECTED_CODE.get(name, 0)
                runs: dict[int, list[float]] = {size: [] for size in SIZES}
                for url, home in homes.values():
                    _time(args, url, home, expected)  # syncs the index: the runs that follow find it warm
                for _ in range(RUNS):  # alternating, so the machine's noise hits both sizes alike
                    for size, (url, home) in homes.items():
                        runs[size].append(_time(args, url, home, expected))
                for size in SIZES:
                    figures[str(size)][name] = round(statistics.median(runs[size]), 3)
    finally:
        for proc in nodes:
            proc.terminate()
            proc.wait(timeout=10)
    small, large = (figures[str(s)] for s in SIZES)
    ratios = {name: round(large[name] / small[name], 2) for name in COMMANDS}
    return {
        "sizes": list(SIZES),
        "runs": RUNS,
        "seconds": figures,
        "ratio": ratios,
        "aim": 1.2,
        "command": ".venv/bin/python benchmarks/run.py --only reads",
        "load_average_1min_at_end": round(os.getloadavg()[0], 1),
    }


def summary_lines(result: dict[str, Any]) -> list[str]:
    """The table for SUMMARY.md."""
    small, large = (str(s) for s in result["sizes"])
    lines = [
        f"| command (warm index, median of {result['runs']}) | {small} proposals | {large} proposals | ratio | aim |",
        "|---|---|---|---|---|",
    ]
    for name, ratio in result["ratio"].items():
        s, big = result["seconds"][small][name], result["seconds"][large][name]
        aim = "none: 1,000 rows shown against 10" if name.endswith("--all") else f"≤ {result['aim']}x"
        lines.append(f"| `ccsi-dao {name}` | {s:.3f} s | {big:.3f} s | {ratio:.2f}x | {aim} |")
    return lines


if __name__ == "__main__":
    import json

    out = measure()
    print(json.dumps(out, indent=2))
    print("\n".join(summary_lines(out)))
