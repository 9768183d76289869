"""The auditors' report: made only of verified chain data, with every section an auditor reads, and the falsified
facts of a tampered index shown as such, with both values, and a non-zero exit."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ccsi_dao import __version__
from ccsi_dao.audit.report import build_report, render_html, render_markdown
from ccsi_dao.audit.verify import verify
from ccsi_dao.decisionlog.store import DecisionIndex
from tests.e2e.audit.conftest import falsify_first_vote, synced
from tests.support.history import Built


def test_the_report_has_everything_an_auditor_reads(built: Built, tmp_path: Path) -> None:
    result = verify(built.dao)
    when = datetime(2026, 11, 30, 9, 15, tzinfo=UTC)
    report = build_report(result, consortium_name="CCSI Test Consortium", generated_at=when)
    page = render_html(report)
    md = render_markdown(report)
    # made when, by what, on which chain and block; the verification result
    for text in (page, md):
        assert "2026-11-30 09:15:00 UTC" in text and f"ccsi-dao {__version__}" in text
        assert f"chain id {built.dao.record.chain_id}" in text and result.block_hash in text
        assert f"blocks {built.dao.record.start_block}..{result.last_block}" in text
    assert '<span class="pass">PASS</span>' in page
    # every proposal's outcome and why
    outcomes = {p.number: (p.outcome, p.reason) for p in report.proposals}
    n = built.number
    assert outcomes[n("signal")] == ("executed", "executed")
    assert outcomes[n("remove-defeated")] == ("defeated", "approval failed")
    assert outcomes[n("no-quorum")] == ("defeated", "quorum missed")
    assert outcomes[n("closed-early")] == ("defeated", "closed early")
    assert outcomes[n("canceled")] == ("cancelled", "cancelled")
    assert outcomes[n("late-quorum")] == ("succeeded", "passed")
    assert "defeated: quorum missed: 1 of 5 needed (1/3 of 13)" in page
    # who voted how, with reasons, via whom
    signal = report.proposals[n("signal") - 1]
    rows = {v.name: v for v in signal.votes}
    assert (rows["Partner 8"].choice, rows["Partner 8"].reason) == ("abstain", "conflict of interest")
    assert rows["Partner 8"].via.startswith("signed ballot relayed by Partner 9")
    assert rows["Partner 11"].weight == 2 and "as proxy for Partner 10" in rows["Partner 11"].via
    assert "own units, its proxy Partner 6" in page
    # a tally chart per proposal, each with its quorum and approval markers
    charts = re.findall(r"<svg.*?</svg>", page, flags=re.S)
    tallies = [c for c in charts if 'aria-label="tally of proposal' in c]
    assert len(tallies) == len(built.proposals)
    assert all(">quorum " in c and ">approval " in c and c.count("stroke-dasharray") == 2 for c in tallies)
    assert ">quorum 8</text>" in tallies[n("sanction") - 1]  # 2/3 of 12 less the sanctioned partner's 1
    # the agreement's versions, the treasury, rule and settings changes, proxies, the membership timeline
    assert [r.subject for r in report.agreements] == ["version 1", "version 2"] and report.agreements[1].proposal == n(
        "amend"
    )
    flows = [(r.subject, r.what) for r in report.treasury_flows]
    assert ("in", f"5 ETH from the deployer ({built.round.accounts[0].address})") in flows
    assert any(d == "in" and w.startswith("1000 base units of token") for d, w in flows)
    assert any(d == "out" and w.startswith("1 ETH to") for d, w in flows)
    assert any(d == "out" and w.startswith("250 base units of token") for d, w in flows)
    balances = {b.asset: b for b in report.balances}
    assert (balances["ETH"].inflow, balances["ETH"].outflow) == (5 * 10**18, 10**18)
    assert balances[built.token].on_chain == 750 and balances[built.token].unexplained == 0
    assert [r.subject for r in report.rule_changes] == ["rule set 0", "rule set 1"]
    assert report.rule_changes[1].proposal == n("rules") and "ordinary: quorum 1/3" in report.rule_changes[1].what
    assert ("voting delay", "1h -> 2h") in [(r.subject, r.what) for r in report.settings_changes]
    assert any("appointed Partner 11" in r.what for r in report.proxies)
    timeline = [(r.subject.split(" (")[0], r.what) for r in report.membership_timeline]
    assert ("Partner 9", "active -> resigned") in timeline and ("Partner 8", "active -> suspended") in timeline
    assert ("Startup d.o.o.", "given a constitutional vote") in timeline
    assert ("Mestna obcina Ljubljana", "given a constitutional vote") in timeline
    # participation per stakeholder group, as a chart
    assert report.participation and any('aria-label="participation per stakeholder group"' in c for c in charts)
    assert {g.group for g in report.participation} >= {"municipality", "academia"}
    # self-contained and printable; the Markdown twin carries the same sections
    assert "src=" not in page and "<link" not in page and "url(" not in page and "@media print" in page
    for heading in ("Outcomes", "Agreement versions", "Treasury", "Rule changes", "Proxies", "Membership timeline",
                    "Participation per stakeholder group", "Verification"):  # fmt: skip
        assert f"<h2>{heading}</h2>" in page and f"## {heading}" in md


def test_a_tampered_index_shows_in_the_report_as_falsified_with_both_values(built: Built, tmp_path: Path) -> None:
    path = tmp_path / "i.sqlite"
    synced(built, path).close()
    block, log_index, _ = falsify_first_vote(path)
    with DecisionIndex(path, built.dao.record) as index:
        result = verify(built.dao, index=index)
    report = build_report(result, consortium_name="x")
    page = render_html(report)
    first = report.proposals[0]
    # the body says what the chain says: 8 for, 1 against, 1 abstain, the first voter's weight 1
    assert first.tally == {"for": 8, "against": 1, "abstain": 1} and first.votes[0].weight == 1
    assert "weight: index 9, chain 1" in first.votes[0].note
    # the failing fact, both values, at the top and at the proposal
    assert not report.ok and '<span class="fail">FAIL</span>' in page
    assert page.count("Verification FAILED for what follows") == 2
    top = page.split("<h2>Failed checks</h2>")[1].split("<h2>Outcomes</h2>")[0]
    assert f"block {block} log {log_index} differs from the chain in data" in top and "weight: index 9, chain 1" in top
    assert "<td>index</td>" in top and "<td>chain</td>" in top
    assert "weight: index 9, chain 1" in render_markdown(report)


def test_cli_report_exits_non_zero_on_a_tampered_index(cli: Any, tmp_path: Path) -> None:
    run = cli()
    assert run("log", "--kind", "vote").exit_code == 0  # creates and syncs the default index
    falsify_first_vote(run.index_path)
    out = run("audit", "report", "--output", str(tmp_path / "r.html"))
    assert out.exit_code == 1, out.stdout + out.stderr
    assert "VERIFICATION FAILED" in out.stdout and "marked in the report with both values" in out.stdout
    page = (tmp_path / "r.html").read_text()
    assert "weight: index 9, chain 1" in page and (tmp_path / "r.md").exists()
