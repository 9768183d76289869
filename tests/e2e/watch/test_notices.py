"""What partners are told, through the real ``ccsi-dao watch --once``: every kind of notice, to the right recipients,
once, judged by the chain's clock (anvil time travel)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ccsi_dao.governance import actions
from ccsi_dao.types import ProposalState, Role, StakeholderGroup
from tests.e2e.watch.conftest import World, assert_once, jsonl, kinds, write_subs
from tests.support.cli import Cli
from tests.support.scenario import AGAINST, FOR

SUBS = """
reminder_before: 1h
watchdog:
  treasury_threshold: 1
  usual_voting_period: 3h
recipients:
  - name: secretariat
    channels: [{type: jsonl, path: secretariat.jsonl}]
  - name: partner3
    member: partner3            # a keystore alias
    notices: [decisions, reminders]
    channels: [{type: jsonl, path: partner3.jsonl}]
  - name: partner4
    member: Partner 4           # a member's name on chain
    notices: [reminders]
    channels: [{type: jsonl, path: partner4.jsonl}]
  - name: partner5
    member: {partner5}          # an address
    notices: [reminders]
    channels: [{type: jsonl, path: partner5.jsonl}]
"""


def _by_kind(lines: list[dict], kind: str) -> list[dict]:
    return [line for line in lines if line["kind"] == kind]


@pytest.mark.slow
def test_a_decision_from_proposal_to_outcome(w: World, cli: Cli, tmp_path: Path) -> None:
    r, acc = w.round, w.accounts
    subs = write_subs(tmp_path, SUBS.replace("{partner5}", acc[5].address))
    files = {name: tmp_path / f"{name}.jsonl" for name in ("secretariat", "partner3", "partner4", "partner5")}

    # the first run learns the past (the founding admissions) without announcing it
    first = cli.ok("watch", str(subs), "--once")
    assert first.stdout == "" and all(jsonl(f) == [] for f in files.values())

    p = r.propose([actions.transfer_eth(acc[15].address, 2 * 10**18)], "Fund the pilot in Maribor")
    cli.ok("watch", str(subs), "--once")
    sec = jsonl(files["secretariat"])
    assert kinds(sec) == ["proposal-created", "treasury-outflow", "short-window"]
    created = sec[0]
    assert created["headline"] == "New proposal #1: Fund the pilot in Maribor"
    assert created["proposal"]["category"] == "treasury" and created["proposal"]["id"] == str(p.id)
    assert f"Proposed by Partner 1 ({acc[1].address})" in created["lines"]
    assert any(line.startswith("Voting: ") and line.endswith("(2 hours)") for line in created["lines"])
    assert f"  1. pay 2 ETH from the treasury to {acc[15].address}" in created["lines"]
    assert created["details"]["voting_starts"] == p.snapshot and created["details"]["voting_ends"] == p.deadline
    assert "2 ETH (threshold 1 ETH)" in sec[1]["lines"][0] and sec[1]["warning"] is True
    assert "shorter than the usual 3 hours" in sec[2]["headline"]
    assert kinds(jsonl(files["partner3"])) == ["proposal-created"]  # decisions and reminders, no watchdog
    assert jsonl(files["partner4"]) == []

    # voting opens; partners 1, 2 and 3 vote; half an hour before the end, 3 votes of the 4 the quorum needs
    r.advance(p.snapshot - r.now() + 1)
    r.vote(p, [1, 2, 3], FOR)
    r.advance(p.deadline - r.now() - 1_800)
    cli.ok("watch", str(subs), "--once")
    sec = jsonl(files["secretariat"])
    assert kinds(sec)[3:] == ["voting-opened", "quorum-at-risk"]
    assert "3 votes cast; the quorum needs 4 (1/3 of 12)." in sec[4]["lines"][0]
    # the reminder goes to the members who have not voted (4 and 5), only to them, by their own recipients
    reminders = jsonl(files["partner4"])
    assert kinds(reminders) == ["reminder", "quorum-at-risk"]
    assert reminders[0]["member"] == acc[4].address and reminders[0]["headline"].startswith(
        "30 minutes left"
    )  # judged at the head block: deadline - 1800
    assert reminders[0]["headline"].endswith("left to vote on #1: Fund the pilot in Maribor")
    assert kinds(jsonl(files["partner5"])) == ["reminder", "quorum-at-risk"]
    assert jsonl(files["partner5"])[0]["member"] == acc[5].address
    assert kinds(jsonl(files["partner3"])) == ["proposal-created", "voting-opened", "quorum-at-risk"]

    # the deadline passes: defeated, and why
    assert r.close(p) == ProposalState.DEFEATED
    cli.ok("watch", str(subs), "--once")
    defeated = _by_kind(jsonl(files["secretariat"]), "defeated")
    assert len(defeated) == 1 and defeated[0]["details"]["reason"] == "quorum"
    assert defeated[0]["lines"][0] == "Why: the quorum was missed: 3 votes cast, 4 needed."

    # nothing is said twice, however often the watch runs
    before = {name: jsonl(f) for name, f in files.items()}
    cli.ok("watch", str(subs), "--once")
    assert {name: jsonl(f) for name, f in files.items()} == before
    for lines in before.values():
        assert_once(lines)


def test_passed_queued_executed_cancelled_and_approval_failed(w: World, cli: Cli, tmp_path: Path) -> None:
    r, dao, acc = w.round, w.dao, w.accounts
    subs = write_subs(tmp_path, SUBS.replace("{partner5}", acc[5].address))
    cli.ok("watch", str(subs), "--once")

    passed = r.pass_([actions.signal()], "Adopt the 2027 work plan", voters=range(1, 7))
    lost, state = r.tally([actions.signal()], for_=[1], against=[2, 3, 4], description="Move the office to Celje")
    assert state == ProposalState.DEFEATED
    withdrawn = r.propose([actions.signal()], "Withdrawn idea", proposer=2)
    dao.cancel(acc[2], withdrawn)
    cli.ok("watch", str(subs), "--once")

    sec = jsonl(tmp_path / "secretariat.jsonl")
    assert_once(sec)
    about = {n: [line["kind"] for line in sec if line["proposal"] and line["proposal"]["id"] == str(n.id)]
             for n in (passed, lost, withdrawn)}  # fmt: skip
    # decided before the watch looked: the outcome and the acts, in order (no stale "voting opened")
    assert about[passed] == ["proposal-created", "short-window", "passed", "queued", "executed"]
    assert about[lost] == ["proposal-created", "short-window", "defeated"]
    assert about[withdrawn] == ["proposal-created", "short-window", "cancelled"]
    queued = _by_kind(sec, "queued")[0]
    eta = dao.governor.functions.proposalEta(passed.id).call()
    assert queued["details"]["executable_from"] == eta and queued["lines"][0].startswith("Executable from ")
    failed = _by_kind(sec, "defeated")[0]
    assert failed["details"]["reason"] == "approval"
    assert failed["lines"][0] == "Why: approval failed: 1 for, 3 against (more than 1/2 of for and against needed)."
    assert _by_kind(sec, "passed")[0]["lines"][0] == "For 6, against 0, abstain 0; quorum 3 reached."


def test_watchdog(w: World, cli: Cli, tmp_path: Path) -> None:
    r, dao, acc = w.round, w.dao, w.accounts
    subs = write_subs(
        tmp_path,
        """
        recipients:
          - name: watchdog
            notices: [watchdog]
            channels: [{type: jsonl, path: watchdog.jsonl}]
        """,
    )
    cli.ok("watch", str(subs), "--once")
    gov = dao.record.governor

    first = r.propose([actions.set_voting_period(gov, 3_600)], "Faster decisions")
    r.propose([actions.set_voting_period(gov, 3_600)], "Faster decisions!", proposer=2)  # a lookalike
    r.propose([actions.signal()], "Unrelated topic entirely", proposer=3)
    m = dao.membership.functions
    r.as_timelock(m.admit(acc[13].address, int(Role.PARTNER), int(StakeholderGroup.BUSINESS), 2, "Startup d.o.o."))
    r.as_timelock(m.setWeight(acc[4].address, 3))
    r.as_timelock(m.suspend(acc[6].address))
    r.as_timelock(m.setGroup(acc[5].address, int(StakeholderGroup.ACADEMIA)))
    dao.appoint_proxy(acc[7], acc[8].address)
    cli.ok("watch", str(subs), "--once")

    lines = jsonl(tmp_path / "watchdog.jsonl")
    assert_once(lines)
    heads = [line["headline"] for line in lines]
    assert heads[:3] == [
        "Watchdog: #1 calls the governor: Faster decisions",
        "Watchdog: #1 would change the rules: Faster decisions",
        "Watchdog: #2 calls the governor: Faster decisions!",
    ]
    assert "  1. set the voting period to 1h" in lines[0]["lines"]
    lookalike = [line for line in lines if line["kind"] == "lookalike"]
    assert len(lookalike) == 1 and lookalike[0]["details"]["resembles_id"] == str(first.id)
    assert lookalike[0]["headline"] == "Watchdog: #2 closely resembles #1: Faster decisions!"
    assert lookalike[0]["lines"][1].startswith("the same actions and a title 97% alike; #1 was proposed")
    power = [line["headline"] for line in lines if line["kind"] == "power-change"]
    assert power == [
        f"Voting power changed: Startup d.o.o. ({acc[13].address}) admitted as partner, group business, weight 2",
        f"Voting power changed: the weight of Partner 4 ({acc[4].address}) changed from 1 to 3",
        f"Voting power changed: Partner 6 ({acc[6].address}) suspended",
        f"Voting power changed: Partner 5 ({acc[5].address}) is now in group academia (was other)",
        f"Voting power changed: Partner 7 ({acc[7].address}) appointed Partner 8 ({acc[8].address}) as proxy",
    ]
    assert not [line for line in lines if line["kind"] == "short-window"]  # the usual: the deployed period


def test_reminder_skips_members_whose_proxy_votes(w: World, cli: Cli, tmp_path: Path) -> None:
    """A member that gave its power to a proxy is not reminded; the proxy is, once, for both."""
    r, dao, acc = w.round, w.dao, w.accounts
    dao.appoint_proxy(acc[5], acc[3].address)
    subs = write_subs(
        tmp_path,
        f"""
        reminder_before: 1h
        recipients:
          - {{name: p3, member: partner3, notices: [reminder], channels: [{{type: jsonl, path: p3.jsonl}}]}}
          - {{name: p5, member: "{acc[5].address}", notices: [reminder], channels: [{{type: jsonl, path: p5.jsonl}}]}}
        """,
    )
    cli.ok("watch", str(subs), "--once")
    p = r.open([actions.signal()], "Meet in Koper")
    r.vote(p, [1], AGAINST)
    r.advance(p.deadline - r.now() - 600)
    cli.ok("watch", str(subs), "--once")
    p3 = jsonl(tmp_path / "p3.jsonl")
    assert kinds(p3) == ["reminder"] and "(2 votes)" in p3[0]["lines"][0]
    assert jsonl(tmp_path / "p5.jsonl") == []


def test_closed_early_through_the_library(w: World, tmp_path: Path) -> None:
    """``ccsi_dao.watch`` used from Python (what the CLI wraps): a consortium with early close, where voting ends
    as soon as the remaining votes could not change the outcome; the outcome says so."""
    from ccsi_dao.governance.consortium import Consortium
    from ccsi_dao.governance.deployment import deploy_suite
    from ccsi_dao.watch import Kind, Watcher, load_subscriptions
    from tests.support.consortium import suite_params
    from tests.support.scenario import Round

    acc = w.accounts
    dao = Consortium(w.dao.chain, deploy_suite(w.dao.chain, acc[0], suite_params(acc, early_close=True)))
    r = Round(dao, acc)
    subs = write_subs(
        tmp_path, "recipients: [{name: all, notices: [decisions], channels: [{type: jsonl, path: a.jsonl}]}]"
    )
    with Watcher(dao, load_subscriptions(subs), state_path=tmp_path / "state.sqlite",
                 index_path=tmp_path / "index.sqlite") as watcher:  # fmt: skip
        assert watcher.run_once().raised == []  # the past
        p = r.open([actions.signal()], "Adopt the 2027 work plan")
        r.vote(p, range(1, 8), FOR)  # 7 of 12: passed whatever the other 5 do
        assert dao.state(p.id) == ProposalState.SUCCEEDED and r.now() < p.deadline
        result = watcher.run_once()
        assert [n.kind for n in result.raised] == [Kind.PROPOSAL_CREATED, Kind.PASSED]
        assert result.delivered == 2 and result.waiting == 0 and result.failures == []
        lost = r.open([actions.signal()], "Move the secretariat to Maribor")
        r.vote(lost, range(1, 7), AGAINST)  # 6 against of 12: the other 6 could at best tie, which fails
        assert dao.state(lost.id) == ProposalState.DEFEATED and r.now() < lost.deadline
        assert [n.kind for n in watcher.run_once().raised] == [Kind.PROPOSAL_CREATED, Kind.DEFEATED]
    notices = jsonl(tmp_path / "a.jsonl")
    passed = notices[1]
    assert passed["details"]["closed_early"] is True
    assert passed["lines"] == [
        "For 7, against 0, abstain 0; quorum 3 reached. "
        "(voting closed early: the remaining votes could not change the outcome)"
    ]
    # defeated before its deadline: why, in the decision log's judgement (ccsi-dao log says the same)
    defeated = notices[3]
    assert defeated["details"]["closed_early"] is True and defeated["details"]["reason"] == "closed-early"
    why = defeated["lines"][0]
    assert why.startswith("Why: voting closed early on ") and "because approval could no longer be met" in why
    assert defeated["lines"][1] == "For 0, against 6, abstain 0."
