"""Chambers and choices through the decision log, ``audit verify`` and the report, on the history of
:mod:`tests.support.chambers_history` (founders' consent on ordinary decisions, a treasury choice with approval
voting, a text-only choice without a winner)."""

from __future__ import annotations

import csv
import io
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from eth_utils import keccak
from web3 import Web3

from ccsi_dao.audit import verify as verify_module
from ccsi_dao.audit.report import build_report, render_html, render_markdown
from ccsi_dao.audit.verify import verify
from ccsi_dao.chain.codec import text_bytes
from ccsi_dao.decisionlog.check import proposal_id, self_check
from ccsi_dao.decisionlog.entries import entries, render
from ccsi_dao.decisionlog.history import load_history
from ccsi_dao.decisionlog.judge import _encode_operation, judge, operation_id
from ccsi_dao.decisionlog.store import DecisionIndex
from ccsi_dao.governance import actions
from ccsi_dao.governance.consortium import Consortium
from ccsi_dao.governance.decisions import pack_conditions
from ccsi_dao.governance.deployment import deploy_suite
from ccsi_dao.types import Category, ProposalState, StakeholderGroup
from tests.support.chambers_history import (
    FOUNDERS_CONSENT,
    TEXT_LABELS,
    ChambersBuilt,
    choice_actions,
    vote_options,
)
from tests.support.consortium import suite_params
from tests.support.scenario import AGAINST, FOR, Round

VOTE_WITH_PARAMS = "0x" + Web3.keccak(text="VoteCastWithParams(address,uint256,uint8,uint256,string,bytes)").hex()


def index_of(built: ChambersBuilt, path: Path) -> DecisionIndex:
    index = DecisionIndex(path, built.dao.record)
    index.sync(built.chain.w3, confirmations=0)
    return index


def by_check(result: Any, proposal: int) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = {}
    for f in result.findings:
        if f.proposal == proposal:
            out.setdefault(f.check, []).append(f)
    return out


def test_the_log_records_option_votes_chamber_classes_and_winners(chambers: ChambersBuilt, tmp_path: Path) -> None:
    with index_of(chambers, tmp_path / "i.sqlite") as index:
        history = load_history(index)
        log = entries(history)
    assert self_check(history) == []  # each id is the one its actions give (bit 252 for choices, manifest aside)
    assert [proposal_id(history.record, p) >> 252 & 1 for p in history.proposal_list()] == [0, 0, 1, 1, 0]
    choice, text_choice = chambers.number("choice"), chambers.number("no-winner")
    founder_2 = chambers.accounts[2].address
    vote = next(e for e in log if e.kind == "vote" and e.proposal == choice and e.member == founder_2)
    assert vote.options == ["Association", "Cooperative"] and vote.details["option_numbers"] == [1, 2]
    assert vote.chamber_class == "founding-partner, academia"
    assert "voted for (Association, Cooperative) on #3" in vote.summary
    against = next(e for e in log if e.kind == "vote" and e.proposal == choice and e.choice == "against")
    assert against.options == [] and against.chamber_class == "partner, civil-society"  # partner 7: 7 % 6 = 1

    created = next(e for e in log if e.kind == "proposal" and e.proposal == choice)
    assert "a choice (up to 2 options a ballot): 1. Association (pay 0.000000000000001 ETH from the treasury" in (
        created.summary
    )
    assert [o["label"] for o in created.details["options"]] == ["Association", "Cooperative", "Foundation"]

    outcomes = {e.proposal: e for e in log if e.kind == "outcome"}
    won = outcomes[choice]
    assert won.winner == "Cooperative" and won.details["outcome"] == "executed"
    assert [(o["label"], o["votes"], o["qualifies"]) for o in won.details["options"]] == [
        ("Association", 2, False),
        ("Cooperative", 4, True),
        ("Foundation", 2, False),
    ]
    assert won.summary.startswith("voting on #3 closed: passed: Cooperative won with 4 votes")
    lost = outcomes[text_choice]
    assert lost.winner is None and lost.details["reason"] == "no option qualifies"
    assert "Two-tier board: approval: 2 for, 3 against" in lost.details["no_winner"]
    blocked = outcomes[chambers.number("blocked")]
    assert blocked.details["reason"] == "chamber condition failed"
    assert blocked.details["blocked_by"] == ["founding partners"]
    founders = blocked.details["chambers"][0]
    assert (founders["chamber"], founders["power"], founders["for"], founders["against"], founders["met"]) == (
        "founding partners",
        2,
        0,
        1,
        False,
    )
    proxied = outcomes[chambers.number("proxy-blocked")]
    assert proxied.details["blocked_by"] == ["founding partners"]
    proxy_vote = next(e for e in log if e.kind == "vote" and e.proposal == chambers.number("proxy-blocked"))
    assert proxy_vote.weight == 2 and proxy_vote.chamber_class == "partner, business"
    assert "also as proxy for" in proxy_vote.summary
    # only the winner's payment left the treasury
    paid = [e for e in log if e.kind == "treasury" and e.details.get("direction") == "out"]
    assert [(e.proposal, e.details["counterparty"], e.details["amount"]) for e in paid] == [
        (choice, chambers.accounts[16].address, 1_001)
    ]

    rows = list(csv.DictReader(io.StringIO(render(log, "csv"))))
    assert {"options", "chamber_class", "winner"} <= set(rows[0])
    voted = next(r for r in rows if r["kind"] == "vote" and r["proposal"] == str(choice) and r["member"] == founder_2)
    assert (voted["options"], voted["chamber_class"]) == ("Association; Cooperative", "founding-partner, academia")
    closed = next(r for r in rows if r["kind"] == "outcome" and r["proposal"] == str(choice))
    assert closed["winner"] == "Cooperative" and closed["options"] == "Association: 2; Cooperative: 4; Foundation: 2"


def test_verify_re_derives_every_chamber_and_option_outcome(chambers: ChambersBuilt, tmp_path: Path) -> None:
    with index_of(chambers, tmp_path / "i.sqlite") as index:
        result = verify(chambers.dao, index=index)
    assert result.ok, [f.line() for f in result.discrepancies]
    blocked = by_check(result, chambers.number("blocked"))
    assert "power at the snapshot 2 (classPowerAt 2)" in blocked["chamber"][0].evidence
    assert "1 against, 0 for: blocked" in blocked["chamber"][0].evidence
    assert blocked["winner"][0].evidence.startswith("rebuilt: no winner (the proposal: founding partners: 1 against")
    assert blocked["winner"][0].evidence.endswith("winningOption: no winner")
    assert "rebuilt 0/1/1/0/0/0/2/1/1/2/2/2, classPowerAt 0/1/1/0/0/0/2/1/1/2/2/2" in blocked["classes"][0].evidence
    choice = by_check(result, chambers.number("choice"))
    assert (
        "votes per option rebuilt from the ballots' params: Association 2, Cooperative 4, Foundation 2; optionVotes "
        "Association 2, Cooperative 4, Foundation 2" in choice["options"][0].evidence
    )
    assert choice["winner"][0].evidence == "rebuilt: Cooperative; winningOption: Cooperative"
    assert "1 call(s) scheduled, 1 voted" in choice["scheduled"][0].evidence  # the winner's action alone
    assert choice["passed"][0].ok and "winner Cooperative" in choice["passed"][0].evidence
    proxied = by_check(result, chambers.number("proxy-blocked"))
    assert "power at the snapshot 2 (classPowerAt 2); 0 for, 1 against, 0 abstain" in proxied["chamber"][0].evidence
    assert proxied["outcome"][0].evidence.endswith("expected defeated, state() says defeated")
    text_choice = by_check(result, chambers.number("no-winner"))
    assert "at most 1 a ballot" in text_choice["options"][0].evidence
    assert text_choice["winner"][0].evidence.startswith("rebuilt: no winner (Two-tier board: approval: 2 for, 3")


def test_a_withheld_option_vote_is_a_failure_with_both_values(
    chambers: ChambersBuilt, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A provider that hides one ballot: the options and the winner re-derived differ from the governor's."""
    voter_3 = "0x" + "00" * 12 + chambers.accounts[3].address.lower()[2:]
    original = verify_module.read_rows

    def reader(*args: Any) -> Any:
        for end, logs, blocks in original(*args):
            kept = [g for g in logs if not (g.topics[0] == VOTE_WITH_PARAMS and voter_3 in g.topics[1:])]
            yield end, kept, blocks

    monkeypatch.setattr(verify_module, "read_rows", reader)
    result = verify(chambers.dao)
    bad = {f.check: f for f in result.discrepancies if f.proposal == chambers.number("choice")}
    assert {"options", "winner", "totals"} <= set(bad), [f.line() for f in result.discrepancies]
    (conflict,) = bad["options"].conflicts
    assert conflict.first == ("rebuilt", "Association 2, Cooperative 3, Foundation 2")
    assert conflict.second == ("optionVotes", "Association 2, Cooperative 4, Foundation 2")
    (conflict,) = bad["winner"].conflicts
    assert (conflict.first, conflict.second) == (("rebuilt", "no winner"), ("winningOption", "Cooperative"))
    assert "FAIL  winner" in bad["winner"].line()


def test_an_edited_option_vote_in_the_index_is_caught(chambers: ChambersBuilt, tmp_path: Path) -> None:
    """Founding partner 1 chose Cooperative (option 2); the index is edited to say Association."""
    path = tmp_path / "i.sqlite"
    index_of(chambers, path).close()
    voter_1 = "0x" + "00" * 12 + chambers.accounts[1].address.lower()[2:]
    with sqlite3.connect(path) as db:
        block, log_index, data = db.execute(
            "SELECT block_number, log_index, data FROM logs WHERE topic0 = ? AND topic1 = ? "
            "ORDER BY block_number LIMIT 1",
            (VOTE_WITH_PARAMS, voter_1),
        ).fetchone()
        assert data.endswith("0" * 63 + "1")  # abi.encode(uint256[]) of [1]: the last word is the option
        db.execute(
            "UPDATE logs SET data = ? WHERE block_number = ? AND log_index = ?",
            (data[:-1] + "0", block, log_index),
        )
    with DecisionIndex(path, chambers.dao.record) as index:
        tampered = entries(load_history(index))
        result = verify(chambers.dao, index=index)
    forged = next(e for e in tampered if e.kind == "vote" and e.block == block and e.log_index == log_index)
    assert forged.options == ["Association"]  # what the edited index would make the log say
    assert not result.ok
    (finding,) = [f for f in result.discrepancies if f.check == "index"]
    assert finding.proposal == chambers.number("choice")
    assert "options (numbered from 1): index 1, chain 2" in finding.evidence
    assert all(f.check == "index" for f in result.discrepancies)  # the chain's own history is sound
    report = build_report(result, consortium_name="CCSI Test Consortium")
    markdown = render_markdown(report)
    assert "the local index differs" in markdown, markdown
    assert "options \\(numbered from 1\\): index 1, chain 2" in markdown
    with sqlite3.connect(path) as db:  # an option the choice does not offer: shown, never counted, no crash
        db.execute(
            "UPDATE logs SET data = ? WHERE block_number = ? AND log_index = ?",
            (data[:-1] + "7", block, log_index),
        )
    with DecisionIndex(path, chambers.dao.record) as index:
        forged = next(e for e in entries(load_history(index)) if e.block == block and e.log_index == log_index)
        assert forged.options == ["option 8"]
        assert not verify(chambers.dao, index=index).ok


def test_the_report_shows_chambers_options_and_winners(chambers: ChambersBuilt) -> None:
    report = build_report(verify(chambers.dao), consortium_name="CCSI Test Consortium")
    views = {p.number: p for p in report.proposals}
    choice = views[chambers.number("choice")]
    assert choice.decision == "winner: Cooperative, with 4 votes"
    assert choice.actions[0] == (
        "offer a choice among 3 options, a ballot selecting up to 2 options: 1. Association; 2. Cooperative; "
        "3. Foundation"
    )
    assert choice.actions[2].startswith("option 2, Cooperative: pay 0.000000000000001001 ETH from the treasury")
    assert [(o.label, o.votes, o.qualifies, o.winner) for o in choice.options] == [
        ("Association", 2, False, False),
        ("Cooperative", 4, True, True),
        ("Foundation", 2, False, False),
    ]
    assert views[chambers.number("blocked")].decision.startswith(
        "blocked by founding partners: the proposal: founding partners: 1 against, 0 for: blocked"
    )
    assert views[chambers.number("no-winner")].decision.startswith("no option qualifies: Two-tier board: approval")
    html = render_html(report)
    assert "<h4>Chambers</h4>" in html and "<h4>Options</h4>" in html
    assert "<td>Cooperative (winner)</td><td>4</td><td>yes</td>" in html
    assert "<td>founding partners</td><td>founding partners: any vote against blocks</td><td>2</td>" in html
    assert "for: Association, Cooperative" in html  # the ballot's options in the votes table
    markdown = render_markdown(report)
    assert "**winner: Cooperative, with 4 votes**" in markdown
    assert "| 2 | Cooperative \\(winner\\) | 4 | yes |  |" in markdown
    assert "| founding partners | founding partners: any vote against blocks | 2 | 0 | 1 | 0 | NOT met |" in markdown
    assert "**no option qualifies: Two-tier board: approval: 2 for, 3 against" in markdown
    assert (
        "| Partner 2 0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC | founding-partner, academia | for: Association, "
        in (markdown)
    )


def test_early_close_follows_the_chambers_and_the_leading_option(chambers: ChambersBuilt) -> None:
    """With early close on: a founding partner against closes a proposal at once (no later vote can lift the
    block); a choice closes as soon as its leader can no longer be caught or disqualified."""
    acc = chambers.accounts
    params = suite_params(acc, early_close=True, chambers={Category.ORDINARY: pack_conditions([FOUNDERS_CONSENT])})
    dao = Consortium(chambers.chain, deploy_suite(chambers.chain, acc[0], params))
    r = Round(dao, acc)
    blocked = r.open([actions.signal()], "Signal: blocked at once")
    r.vote(blocked, range(3, 6), FOR)
    r.vote(blocked, [2], AGAINST)
    assert dao.state(blocked.id) == ProposalState.DEFEATED and r.now() < blocked.deadline
    choice = r.open(choice_actions(dao.record.governor, TEXT_LABELS, [[], [], []], 1), "Choice: closed early")
    for voter in range(1, 7):
        vote_options(dao, acc[voter], choice.id, [2])
    assert dao.state(choice.id) == ProposalState.ACTIVE  # 6 for, 6 uncast: the others could still catch up
    vote_options(dao, acc[7], choice.id, [2])
    assert dao.state(choice.id) == ProposalState.SUCCEEDED and r.now() < choice.deadline
    result = verify(dao)
    assert result.ok, [f.line() for f in result.discrepancies]
    first, second = result.judgements[1], result.judgements[2]
    assert (first.closed_early, first.reason) == ("failed", "closed early")
    assert "because the proposal could no longer pass (the proposal: founding partners: 1 against" in (
        first.explanation
    )
    assert (second.closed_early, second.winner_label) == ("passed", "Rotating chair")
    assert second.explanation.startswith("passed: Rotating chair won with 7 votes")
    assert "voting closed early on" in second.explanation


def test_a_queued_choice_is_the_timelock_operation_of_its_winner(chambers: ChambersBuilt, tmp_path: Path) -> None:
    """A choice's timelock operation is its winner's actions alone, salted with the proposal id xor-ed into the
    description hash: the id the decision log derives is the one the timelock scheduled, and neither OpenZeppelin's
    salt nor all of the choice's actions give it."""
    with index_of(chambers, tmp_path / "i.sqlite") as index:
        history = load_history(index)
    [p] = [q for q in history.proposal_list() if q.number == chambers.number("choice")]
    assert p.is_choice and p.queued is not None
    j = judge(history, p)
    assert j.rules_judged is not None and j.rules_judged.winner is not None
    winner = j.rules_judged.option_actions(p.actions, j.rules_judged.winner)
    assert j.operation is not None and j.operation in history.scheduled
    assert len(history.scheduled[j.operation]) == len(winner) == 1
    assert chambers.dao.timelock.functions.isOperation(j.operation).call()
    governor = bytes.fromhex(chambers.dao.record.governor[2:]) + bytes(12)
    plain = bytes(x ^ y for x, y in zip(governor, keccak(text_bytes(p.description)), strict=True))
    assert keccak(_encode_operation(p, plain, winner)) not in history.scheduled  # OpenZeppelin's salt
    assert operation_id(chambers.dao.record.governor, p) not in history.scheduled  # every option's actions


def test_a_member_moved_to_another_group_is_counted_in_its_group_at_each_snapshot(
    chambers: ChambersBuilt, tmp_path: Path
) -> None:
    """Partner 7 (civil society) is moved to academia by a proposal the timelock executes, then to business while a
    later signal is open: the log, ``audit verify`` (class power rebuilt at each snapshot against ``classPowerAt``)
    and the report place it in civil society before the move, in academia on the signal whose snapshot precedes
    the second move."""
    r, dao, acc = chambers.round, chambers.dao, chambers.accounts
    partner_7 = acc[7].address
    move = r.pass_(
        [actions.set_group(dao.record.membership, partner_7, StakeholderGroup.ACADEMIA)], "Move partner 7 to academia"
    )
    assert move.category == Category.CONSTITUTIONAL and dao.member(partner_7).group == StakeholderGroup.ACADEMIA
    after = r.open([actions.signal()], "Signal: after the move")
    r.as_timelock(dao.membership.functions.setGroup(partner_7, int(StakeholderGroup.BUSINESS)))
    r.vote(after, range(1, 9), FOR)
    assert r.close(after) == ProposalState.SUCCEEDED
    moved, signalled = 6, 7  # proposal numbers: after the history's five

    with index_of(chambers, tmp_path / "i.sqlite") as index:
        history = load_history(index)
        log = entries(history)
        result = verify(dao, index=index)
    assert result.ok, [f.line() for f in result.discrepancies]

    def class_of_7(number: int) -> str | None:
        vote = next(e for e in log if e.kind == "vote" and e.proposal == number and e.member == partner_7)
        return vote.chamber_class

    assert class_of_7(chambers.number("choice")) == "partner, civil-society"
    assert class_of_7(signalled) == "partner, academia"  # its group at the snapshot, not business
    changes = [e.summary for e in log if e.kind == "membership" and e.member == partner_7]
    assert [s[s.index("group") :] for s in changes if " -> " in s] == [
        "group civil-society -> academia",
        "group academia -> business",
    ]
    # units per class 0..11: partner 7 counted in group 1 (class 7) before the move, in group 2 (class 8) after it
    before = by_check(result, chambers.number("proxy-blocked"))["classes"][0].evidence
    assert "rebuilt 0/1/1/0/0/0/2/1/1/2/2/2, classPowerAt 0/1/1/0/0/0/2/1/1/2/2/2" in before
    after_move = by_check(result, signalled)["classes"][0].evidence
    assert "rebuilt 0/1/1/0/0/0/2/0/2/2/2/2, classPowerAt 0/1/1/0/0/0/2/0/2/2/2/2" in after_move

    report = build_report(result, consortium_name="CCSI Test Consortium")
    views = {p.number: p for p in report.proposals}
    assert views[moved].actions == (f"move {partner_7} (Partner 7) to stakeholder group academia",)
    rows = [(row.what, row.proposal) for row in report.membership_timeline if partner_7 in row.subject]
    assert rows[-2:] == [("group civil-society -> academia", moved), ("group academia -> business", None)]
