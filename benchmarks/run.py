"""Run the benchmarks side by side and write their figures.

    .venv/bin/python benchmarks/run.py            # everything, about 11 minutes here (the test suite is 5 of them)
    .venv/bin/python benchmarks/run.py --only gas,scale
    .venv/bin/python benchmarks/run.py --only dashboard   # the dashboard's pages at 1,000 proposals (~2 minutes)
    .venv/bin/python benchmarks/run.py --only reads       # proposals list/show and a vote's lookup, 10 vs 1,000 (~4 min)

Writes benchmarks/results/<name>.json and benchmarks/results/SUMMARY.md, and prints the table of ratios. Ratios
(measured in the same run, on the same chain) are the figures that count; absolute times are context.
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "results"
sys.path.insert(0, str(HERE))

from eth_account import Account  # noqa: E402

from ccsi_dao.chain import Chain  # noqa: E402
from ccsi_dao.devnet import DEV_MNEMONIC, free_port, start_anvil  # noqa: E402
from ccsi_dao.fileio import write_atomic  # noqa: E402

SIZES = (15, 150, 1500)
# What the profile of a missed aim shows, in words (the figures come from the profile in the same run).
EXPLAINED = {
    "propose": "the membership gate's call to the registry and the category derived from the actions (no storage of "
    "ours is written at creation: the category is in the proposal id)",
    "castVote (member admitted last)": "members numbered 24 and above are kept in per-proposal bitmap words of 256; "
    "the first of them to vote in a word writes it fresh (the reference writes a fresh slot for every voter). Any "
    "separate word costs at least a cold read and a write (about 5,000 gas) over a bit kept in the proposal's record, "
    "so no layout keeps every member within 5%",
    "execute (admit a member)": "the registry's admission writes more than a token mint: the membership record and "
    "name, the member list, and the ERC-5805 checkpoints (OpenZeppelin's ERC721Votes mint writes a token owner and "
    "balance and the same checkpoints); since the chambers (issue 12) it also checkpoints the power of the new "
    "member's class, one fresh slot (22,100 gas) and a call to the ClassPower library (2,600 cold), about 35,000 in "
    "all over the registry before chambers: chamber conditions are judged against each class's power at the snapshot, "
    "which only a checkpoint per class keeps (four 32-bit lanes need 128 bits, so one class per checkpoint slot)",
    "castVote (later voter, two chambers)": "the governor counts the everyday ballot (a plain proposal, the "
    "voter's own power, each condition one chamber) in its own code, without a call to the DecisionRules library: "
    "the proposal's conditions word and its tally word read cold (2 x 2,100) and the tally word updated (2,900) are "
    "7,100 of it; then the voter's class from its state at the snapshot and one lane per chamber. With early close, a "
    "later For vote that leaves every chamber's verdict as it was (no weight chamber's uncast power above the "
    "electorate's, checked on the tally word just written) is judged by the category's own measures, from the "
    "proposal's record read once. Choices, proxies' ballots and conditions applied to each stakeholder group are "
    "counted by the library",
    "castVote (later voter, two chambers, no early close)": "as the reference, no judgment after each vote: the "
    "counting alone, 7,100 gas of storage (conditions and tally words read cold, the tally word updated) and the "
    "arithmetic, in the governor's own code",
    "castVote (choice of 5 options)": "a choice is counted and judged by the DecisionRules library: the choice word "
    "and the options' tally word read cold and updated, and with early close each of the five options judged for "
    "the leader and against the others after each vote",
    "admit a member (registry call)": "see 'execute (admit a member)'",
}
# Issue 10's aims against OpenZeppelin 5.7's reference composition (same compiler settings).
AIMS = {
    "castVote (later voter)": 0.90,
    "castVote (member admitted last)": 0.90,
    "castVote (first voter)": 1.0,
    "castVoteWithReason": 1.0,
    "castVoteBySig": 0.95,
    "queue": 1.0,
    "execute (1 action)": 1.0,
    "propose (1 action)": 1.25,
    "propose (10 actions)": 1.25,
    # Issue 12: with two chambers configured, a later voter stays within the reference's cost.
    "castVote (later voter, two chambers)": 1.0,
    "castVote (choice of 5 options)": 1.0,
    "castVote (later voter, two chambers, no early close)": 1.0,
}
# Profiled whether or not they meet their aim (issue 12 asks for the profile of a vote on a choice).
ALWAYS_PROFILED = (
    "castVote (later voter, two chambers)",
    "castVote (choice of 5 options)",
    "castVote (later voter, two chambers, no early close)",
)
WHOLE_DECISION_AIM = 0.90


def _node(url: str):  # noqa: ANN202
    import gas

    Account.enable_unaudited_hdwallet_features()
    accounts = [Account.from_mnemonic(DEV_MNEMONIC, account_path=f"m/44'/60'/0'/0/{i}") for i in range(12)]
    return gas.Node(Chain.connect(url), accounts)


def _profile(url: str, measured: Any) -> dict:  # a gas.Measured
    import gas_profile
    from web3 import HTTPProvider, Web3

    return gas_profile.breakdown(Web3(HTTPProvider(url)), measured.tx_hash)["by_kind"]


def bench_gas(url: str) -> dict:
    import gas

    ours, reference = gas.measure_ccsi(_node(url), 15), gas.measure_reference(_node(url), 15)
    rows = {}
    for op in ours:
        aim = AIMS.get(op, 1.15)
        against = reference[gas.REFERENCE_OF.get(op, op)]
        ratio = ours[op].gas / against.gas
        rows[op] = {
            "ccsi_dao": ours[op].gas,
            "reference": against.gas,
            "ratio": round(ratio, 3),
            "aim": aim,
            "met": ratio <= aim,
        }
        if op in gas.REFERENCE_OF:
            rows[op]["reference_operation"] = gas.REFERENCE_OF[op]
        if not rows[op]["met"] or op in ALWAYS_PROFILED:
            rows[op]["profile"] = {"ccsi_dao": _profile(url, ours[op]), "reference": _profile(url, against)}
    voters = 15
    whole = {
        name: m["propose (1 action)"].gas
        + m["castVote (first voter)"].gas
        + (voters - 1) * m["castVote (later voter)"].gas
        + m["queue"].gas
        + m["execute (1 action)"].gas
        for name, m in (("ccsi_dao", ours), ("reference", reference))
    }
    ratio = round(whole["ccsi_dao"] / whole["reference"], 3)
    decision = {
        **whole,
        "voters": voters,
        "ratio": ratio,
        "aim": WHOLE_DECISION_AIM,
        "met": ratio <= WHOLE_DECISION_AIM,
    }
    return {"members": 15, "operations": rows, "whole_decision": decision, "sizes": contract_sizes()}


# The contracts deployed, and EIP-170's runtime limit less the build's margin (tools/build.py's SIZE_MARGIN).
DEPLOYED = (
    "ConsortiumGovernor",
    "ConsortiumMembership",
    "ConsortiumTimelock",
    "RuleBook",
    "ClassPower",
    "DecisionRules",
)
RUNTIME_LIMIT_WITH_MARGIN = 24_576 - 1_024


def contract_sizes() -> dict[str, dict[str, int]]:
    """Runtime and creation code sizes of the committed artifacts, and the room left under the build's margin."""
    from ccsi_dao.abi.artifacts import load_artifact

    sizes = {}
    for name in DEPLOYED:
        artifact = load_artifact(name)
        runtime = len(artifact.runtime_code)
        sizes[name] = {
            "runtime": runtime,
            "init": len(artifact.creation_code),
            "room": RUNTIME_LIMIT_WITH_MARGIN - runtime,
        }
    return sizes


def bench_scale(url: str) -> dict:
    import gas

    by_size = {n: gas.measure_ccsi(_node(url), n, full=False) for n in SIZES}
    rows = {}
    for op in by_size[SIZES[0]]:
        base = by_size[SIZES[0]][op].gas
        growth = by_size[SIZES[-1]][op].gas / base
        rows[op] = {
            **{str(n): by_size[n][op].gas for n in SIZES},
            "growth_15_to_1500": round(growth, 3),
            "aim": 1.05,
            "met": growth <= 1.05,
        }
        if not rows[op]["met"]:
            rows[op]["profile"] = {str(n): _profile(url, by_size[n][op]) for n in (SIZES[0], SIZES[-1])}
    return {"sizes": list(SIZES), "operations": rows}


def bench_cli(_url: str) -> dict:
    import cli_latency

    result = cli_latency.measure(runs=12, port=free_port())
    result["aims"] = {"ratio_ccsi_to_web3_script": 1.2, "help_startup_median_seconds": 0.3}
    result["met"] = {
        "ratio_ccsi_to_web3_script": result["ratio_ccsi_to_web3_script"] <= 1.2,
        "help_startup_median_seconds": result["help_startup_median_seconds"] <= 0.3,
    }
    return result


def bench_decisionlog(_url: str) -> dict:
    import decisionlog_scale

    return decisionlog_scale.measure()


def bench_dashboard(_url: str) -> dict:
    import dashboard

    return dashboard.measure()


def bench_reads(_url: str) -> dict:
    import read_latency

    return read_latency.measure()


def bench_suite(_url: str) -> dict:
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
    )
    elapsed = time.perf_counter() - start
    summary = [line for line in proc.stdout.splitlines() if " passed" in line or " failed" in line]
    return {"wall_seconds": round(elapsed, 1), "exit_code": proc.returncode, "summary": summary[-1] if summary else ""}


BENCHES = {
    "gas": bench_gas,
    "scale": bench_scale,
    "cli": bench_cli,
    "decisionlog": bench_decisionlog,
    "dashboard": bench_dashboard,
    "reads": bench_reads,
    "suite": bench_suite,
}


def _cost_difference(ours: dict[str, int], base: dict[str, int], top: int = 4) -> str:
    """The largest differences between two gas breakdowns, as text."""
    kinds = set(ours) | set(base)
    diff = sorted(((ours.get(k, 0) - base.get(k, 0), k) for k in kinds), key=lambda d: -abs(d[0]))
    return ", ".join(f"{k} {d:+,}" for d, k in diff[:top] if d)


def _explained(op: str) -> str:
    text = EXPLAINED.get(op) or next((t for key, t in EXPLAINED.items() if op.startswith(key)), None)
    return f". Why: {text}." if text else ""


def summary_markdown(results: dict[str, dict]) -> str:
    lines = [
        f"# Benchmark summary ({datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.machine()}, "
        f"{platform.python_version()})",
        "",
        "Command: `.venv/bin/python benchmarks/run.py`",
        "",
    ]
    if "gas" in results:
        lines += [
            "## Gas against OpenZeppelin's reference governor (15 members, same chain, same run)",
            "",
            "| operation | ccsi-dao | reference | ratio | aim | |",
            "|---|---:|---:|---:|---:|---|",
        ]
        for op, r in results["gas"]["operations"].items():
            lines.append(
                f"| {op} | {r['ccsi_dao']:,} | {r['reference']:,} | {r['ratio']:.3f} | ≤ {r['aim']} | "
                f"{'met' if r['met'] else 'missed'} |"
            )
        w = results["gas"]["whole_decision"]
        lines += [
            "",
            f"A whole decision (propose, {w['voters']} votes, queue, execute): {w['ccsi_dao']:,} gas against "
            f"{w['reference']:,}, ratio {w['ratio']:.3f}, aim ≤ {w.get('aim', WHOLE_DECISION_AIM)}: "
            f"{'met' if w.get('met', w['ratio'] <= WHOLE_DECISION_AIM) else 'missed'} (sum of the rows above).",
        ]
        if sizes := results["gas"].get("sizes"):
            lines += [
                "",
                f"Contract sizes (bytes; room: under EIP-170's 24,576 less the build's 1,024 margin, "
                f"{RUNTIME_LIMIT_WITH_MARGIN:,}):",
                "",
                "| contract | runtime | init | room |",
                "|---|---:|---:|---:|",
            ]
            lines += [f"| {n} | {z['runtime']:,} | {z['init']:,} | {z['room']:,} |" for n, z in sizes.items()]
        profiled = {op: r for op, r in results["gas"]["operations"].items() if not r["met"] or op in ALWAYS_PROFILED}
        if profiled:
            lines += [
                "",
                "Missed (and the chamber and choice votes, always), and what costs it (opcode-level profile from "
                "`debug_traceTransaction`, ccsi-dao minus reference, by kind of work; `benchmarks/gas_profile.py`):",
                "",
            ]
            for op, r in profiled.items():
                over = r["ccsi_dao"] - r["reference"]
                lines.append(
                    f"- {op}: {over:+,} gas (ratio {r['ratio']:.3f}, aim ≤ {r['aim']}, {'met' if r['met'] else 'missed'}): "
                    + _cost_difference(r["profile"]["ccsi_dao"], r["profile"]["reference"])
                    + _explained(op)
                )
        lines.append("")
    if "scale" in results:
        sizes = results["scale"]["sizes"]
        lines += [
            "## Gas by consortium size (ccsi-dao)",
            "",
            "| operation | " + " | ".join(f"{n} members" for n in sizes) + " | growth | aim | |",
            "|---|" + "---:|" * len(sizes) + "---:|---:|---|",
        ]
        for op, r in results["scale"]["operations"].items():
            lines.append(
                f"| {op} | "
                + " | ".join(f"{r[str(n)]:,}" for n in sizes)
                + f" | {r['growth_15_to_1500']:.3f} | ≤ {r['aim']} | {'met' if r['met'] else 'missed'} |"
            )
        missed = {op: r for op, r in results["scale"]["operations"].items() if not r["met"]}
        if missed:
            lines += ["", f"Missed, and what costs it (profile at {sizes[-1]} minus at {sizes[0]} members):", ""]
            for op, r in missed.items():
                lines.append(
                    f"- {op}: "
                    + _cost_difference(r["profile"][str(sizes[-1])], r["profile"][str(sizes[0])])
                    + _explained(op)
                )
        lines.append("")
    if "cli" in results:
        c = results["cli"]
        m = c["median_seconds"]
        lines += [
            f"## `ccsi-dao vote`, end to end (median of {c['runs']}, same keystore and devnet)",
            "",
            "| tool | median s | ccsi-dao / tool |",
            "|---|---:|---:|",
            f"| ccsi-dao vote | {m['ccsi-dao vote']:.2f} | 1.00 |",
            f"| minimal web3.py script | {m['web3.py script']:.2f} | {c['ratio_ccsi_to_web3_script']:.2f} (aim ≤ 1.2) |",
            f"| cast send --keystore | {m['cast send']:.2f} | {c['ratio_ccsi_to_cast']:.2f} |",
            "",
            f"`ccsi-dao --help` start-up: {c['help_startup_median_seconds']:.2f} s (aim < 0.3 s). "
            f"Keystores: scrypt n={c['keystore_kdf']['n']}, r=8, p=1; one unlock "
            f"{c['keystore_kdf']['unlock_median_seconds']:.2f} s.",
            "",
        ]
    if "decisionlog" in results:
        d = results["decisionlog"]
        one, two = d["sizes"]["1x"], d["sizes"]["2x"]
        h1 = one["history"]
        aim = {k: a["aim"].replace("<=", "≤") for k, a in d["aims"].items()}
        lines += [
            f"## Decision log: {h1['proposals']:,} proposals / {h1['votes']:,} votes, and twice that",
            "",
            "| | floor (bare eth_getLogs) | full sync | incremental sync (1 block) | audit verify | report "
            "| sync / floor | verify / floor |",
            "|---|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for label, size in (("1x", one), ("2x", two)):
            h = size["history"]
            lines.append(
                f"| {label}: {h['logs']:,} logs, {h['blocks']:,} blocks | {size['floor']['seconds']:.2f} s | "
                f"{size['full_sync']['seconds']:.2f} s | {size['incremental_sync']['seconds']:.3f} s | "
                f"{size['verify']['seconds']:.2f} s | {size['report']['seconds']:.2f} s | "
                f"{size['ratios']['sync_over_floor']:.1f} (aim {aim['sync_over_floor_' + label]}) | "
                f"{size['ratios']['verify_over_floor']:.1f} (aim {aim['verify_over_floor_' + label]}) |"
            )
        g = d.get("growth_paired", {}).get("growth", {})
        lines += [
            "",
            f"Doubling the history (measured in pairs on the same chain): floor x{g.get('floor')}, full sync "
            f"x{g.get('sync')}, verify x{g.get('verify')} (aim {aim['growth_full_sync']} each). Peak memory (MB, whole "
            f"process): sync {one['full_sync']['peak_rss_mb']} / {two['full_sync']['peak_rss_mb']}, verify "
            f"{one['verify']['peak_rss_mb']} / {two['verify']['peak_rss_mb']}, report {one['report']['peak_rss_mb']} / "
            f"{two['report']['peak_rss_mb']} (a process that only imports and connects: {d['baseline_rss_mb']}).",
            "",
            "Aims: "
            + "; ".join(
                f"{k} {a['value']} ({'met' if a['met'] else 'missed, ' + a['missed_by']})" for k, a in d["aims"].items()
            )
            + ".",
            "",
            "What the time is made of (measured):",
            "",
        ]
        lines += [f"- {line}" for line in d["summary"] if not line.startswith(tuple(d["aims"]))]
        lines += ["", "cProfile of each missed operation: `profile` in `decisionlog.json`.", ""]
    if "dashboard" in results:
        d = results["dashboard"]
        h = d["history"]
        lines += [
            f"## Dashboard (`ccsi-dao serve`): {h['proposals']:,} proposals / {h['votes']:,} votes",
            "",
            "Each page asked for 30 times in a row on loopback (one keep-alive connection); milliseconds from the "
            "request to the whole answer. Aim: every page under 200 ms.",
            "",
            "| page | median | 95th pct | worst | size | 95th pct during a verification |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        for label, r in d["pages_idle"].items():
            busy = d["pages_during_verification"][label]
            lines.append(
                f"| {label} (`{r['path']}`) | {r['median_ms']} | {r['p95_ms']} | {r['max_ms']} | "
                f"{r['bytes'] / 1024:.0f} KiB | {busy['p95_ms']} |"
            )
        lines += (
            [""]
            + [f"- {line}" for line in d["summary"]]
            + [
                f"- server peak memory {d['server_peak_rss_mb']} MB; machine load when measured "
                f"{d.get('load_average_1min_at_end', '?')} on {d.get('cpus', '?')} cores",
                "",
            ]
        )
    if "reads" in results:
        import read_latency

        lines += [
            "## Everyday reads through the decision index: 10 and 1,000 proposals, one run (`--only reads`)",
            "",
            *read_latency.summary_lines(results["reads"]),
            "",
        ]
    if "suite" in results:
        s = results["suite"]
        lines += [f"## Test suite: {s['wall_seconds']} s wall ({s['summary']})", ""]
    spent = {
        name: results[name]["benchmark_seconds"] for name in BENCHES if "benchmark_seconds" in results.get(name, {})
    }
    lines += [
        "Time per benchmark: "
        + ", ".join(f"{name} {sec:.0f} s" for name, sec in spent.items())
        + f"; {sum(spent.values()) / 60:.1f} minutes in all.",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", help="Comma-separated subset of: " + ", ".join(BENCHES))
    parser.add_argument("--summarize", action="store_true", help="Only rewrite SUMMARY.md from the results files.")
    args = parser.parse_args()
    names = [] if args.summarize else args.only.split(",") if args.only else list(BENCHES)
    if unknown := set(names) - set(BENCHES):
        parser.error(f"unknown benchmark(s) {', '.join(sorted(unknown))}; choose from {', '.join(BENCHES)}")
    RESULTS.mkdir(exist_ok=True)
    results: dict[str, dict] = {}
    # opcode traces kept for the gas profiles; a block gas limit that takes a 1,500-member deployment
    proc, url = start_anvil("--gas-limit", "3000000000", "--steps-tracing") if names else (None, "")
    try:
        for name in names:
            started = time.perf_counter()
            print(f"== {name} ...", flush=True)
            results[name] = BENCHES[name](url)
            results[name]["benchmark_seconds"] = round(time.perf_counter() - started, 1)
            write_atomic(RESULTS / f"{name}.json", json.dumps(results[name], indent=2) + "\n")
    finally:
        if proc is not None:
            proc.terminate()
    previous = {p.stem: json.loads(p.read_text()) for p in RESULTS.glob("*.json") if p.stem not in results}
    text = summary_markdown({**previous, **results})
    write_atomic(RESULTS / "SUMMARY.md", text + "\n")
    print(text)


if __name__ == "__main__":
    main()
