"""Watch notices for chambers and choices: a choice's outcome names its winner and each option's votes, a proposal
blocked by a chamber names the chamber (``ccsi_dao.watch`` from Python, on the watch world's anvil)."""

from __future__ import annotations

from pathlib import Path

from ccsi_dao.governance import actions
from ccsi_dao.governance.consortium import Consortium
from ccsi_dao.governance.decisions import pack_conditions
from ccsi_dao.governance.deployment import deploy_suite
from ccsi_dao.types import Category, ProposalState
from ccsi_dao.watch import Kind, Watcher, load_subscriptions
from tests.e2e.watch.conftest import World, jsonl, write_subs
from tests.support.chambers_history import CHOICE_LABELS, FOUNDERS_CONSENT, choice_actions, vote_options
from tests.support.consortium import suite_params
from tests.support.scenario import AGAINST, FOR, Round


def test_outcomes_name_the_winner_and_the_blocking_chamber(w: World, tmp_path: Path) -> None:
    acc = w.accounts
    params = suite_params(acc, chambers={Category.ORDINARY: pack_conditions([FOUNDERS_CONSENT])})
    dao = Consortium(w.dao.chain, deploy_suite(w.dao.chain, acc[0], params))
    r = Round(dao, acc)
    subs = write_subs(
        tmp_path, "recipients: [{name: all, notices: [decisions], channels: [{type: jsonl, path: a.jsonl}]}]"
    )
    with Watcher(dao, load_subscriptions(subs), state_path=tmp_path / "state.sqlite",
                 index_path=tmp_path / "index.sqlite") as watcher:  # fmt: skip
        assert watcher.run_once().raised == []
        blocked = r.open([actions.signal()], "Join the regional network")
        r.vote(blocked, range(3, 10), FOR)
        r.vote(blocked, [1], AGAINST)  # a founding partner against
        choice = r.open(choice_actions(dao.record.governor, CHOICE_LABELS, [[], [], []], 1), "Our legal model")
        for voter, option in ((2, 1), (3, 1), (4, 1), (5, 1), (6, 0), (7, 2)):
            vote_options(dao, acc[voter], choice.id, [option])
        assert r.close(choice) == ProposalState.SUCCEEDED and dao.state(blocked.id) == ProposalState.DEFEATED
        result = watcher.run_once()
        assert sorted(n.kind for n in result.raised) == sorted(
            [Kind.PROPOSAL_CREATED, Kind.PROPOSAL_CREATED, Kind.DEFEATED, Kind.PASSED]
        )
    notices = {n["kind"]: n for n in jsonl(tmp_path / "a.jsonl")}
    created = [n for n in jsonl(tmp_path / "a.jsonl") if n["kind"] == "proposal-created"][1]
    assert created["details"]["actions"] == [
        "offer a choice among 3 options, a ballot selecting one option: 1. Association; 2. Cooperative; 3. Foundation"
    ]
    defeated, passed = notices["defeated"], notices["passed"]
    assert defeated["details"]["reason"] == "chamber" and defeated["details"]["blocked_by"] == ["founding partners"]
    assert defeated["lines"][0] == (
        "Blocked by the founding partners: the proposal: founding partners: 1 against, 0 for: blocked (any vote "
        "against blocks)."
    )
    assert passed["details"]["winner"] == "Cooperative"
    assert passed["lines"] == ["Winner: Cooperative.", "Votes per option: Association 1, Cooperative 4, Foundation 1."]
