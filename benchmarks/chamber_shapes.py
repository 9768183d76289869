"""A later voter's castVote under the chamber shapes real agreements carry, against the reference's later voter.

    .venv/bin/python benchmarks/chamber_shapes.py      # about 20 s; writes benchmarks/results/chamber_shapes.json

The consortium is the gas benchmark's (15 members; voters 1..8 are partners of the group "other" with weight 1,000);
each shape is set on ordinary decisions by the timelock (anvil impersonation), with and without early close, and a
second For vote is measured on a signal proposal. Issue 12's aim (at most 1.0x the reference's later voter) is for
two chambers; the shapes show where the governor counts a ballot itself (every condition one chamber) and where the
DecisionRules library does (a condition applied to each stakeholder group).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import gas  # noqa: E402
from run import _node  # noqa: E402

from ccsi_dao.devnet import start_anvil  # noqa: E402
from ccsi_dao.fileio import write_atomic  # noqa: E402
from ccsi_dao.governance import actions  # noqa: E402
from ccsi_dao.types import Category, VoteType  # noqa: E402

FOUNDERS = 0x03F  # classes 0..5: founding partners of every group
MUNICIPALITIES = (1 << 4) | (1 << 10)  # founding partners and partners of the group "municipality"
FOUNDERS_MAJORITY = FOUNDERS | 1 << 32 | 2 << 40  # approval 1/2
NO_MUNICIPALITIES_AGAINST = MUNICIPALITIES | 1 << 64 | 1 << 72  # blocking 1/1: not all of them against
NO_GROUP_AGAINST = 0xFFF | 1 << 12 | 1 << 64 | 1 << 72  # the same, for each stakeholder group
SHAPES = {
    "double majority: 55% of members, 65% of weight (2 chambers)": gas.DOUBLE_MAJORITY,
    "founders' majority and no municipalities all against (2 chambers)": FOUNDERS_MAJORITY
    | NO_MUNICIPALITIES_AGAINST << 80
    | 2 << 240,
    "founders' majority (1 chamber)": FOUNDERS_MAJORITY | 1 << 240,
    "no stakeholder group all against (a chamber per group)": NO_GROUP_AGAINST | 1 << 240,
}


def measure(url: str) -> dict[str, dict[str, float]]:
    """Gas of a later For vote under each shape, with and without early close, and its ratio to the reference."""
    node = _node(url)
    dao = gas.deploy_consortium(node, 15)
    reference = gas.measure_reference(_node(url), 15)["castVote (later voter)"].gas
    rules = [(gas.RULES[c][0].as_tuple(), gas.RULES[c][1].as_tuple()) for c in Category]
    acc = node.accounts
    rows: dict[str, dict[str, float]] = {}
    for label, chambers in SHAPES.items():
        for early_close in (True, False):
            node.as_account(
                dao.record.timelock,
                dao.membership.functions.updateRules((rules, early_close, [chambers, 0, 0, 0], False)),
            )
            proposal = dao.propose(acc[1], [actions.signal()], f"{label}, early close {early_close}")
            node.advance(gas.DELAY + 1)
            dao.vote(acc[1], proposal.id, VoteType.FOR)
            used = gas._gas(dao.vote(acc[2], proposal.id, VoteType.FOR)).gas
            key = "early close" if early_close else "no early close"
            rows.setdefault(label, {"reference": reference})[key] = used
            rows[label][f"ratio ({key})"] = round(used / reference, 3)
    return rows


def main() -> None:
    proc, url = start_anvil("--gas-limit", "3000000000")
    try:
        rows = measure(url)
    finally:
        proc.terminate()
    write_atomic(HERE / "results" / "chamber_shapes.json", json.dumps(rows, indent=2) + "\n")
    print("| shape | early close | ratio | no early close | ratio |\n|---|---:|---:|---:|---:|")
    for label, r in rows.items():
        print(
            f"| {label} | {r['early close']:,.0f} | {r['ratio (early close)']} | {r['no early close']:,.0f} "
            f"| {r['ratio (no early close)']} |"
        )


if __name__ == "__main__":
    main()
