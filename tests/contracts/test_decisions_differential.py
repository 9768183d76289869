"""Differential test: the decision rules in Python (``ccsi_dao.governance.decisions``, through
``ccsi_dao.governance.progress``) against the deployed governor and its ``DecisionRules`` library, on random
consortia, chamber conditions, choices and ballots.

Each seed deploys a consortium of 12 partners with random roles, stakeholder groups and weights, and 1 to 3
random chamber conditions on the ordinary category (text-only choices and signals are ordinary); then it proposes
a choice among 2 to 5 options (single or approval voting) and a plain signal, and casts random ballots. After
every ballot, Python and the chain must agree on:

- the winner (``winningOption``: decided and which option);
- the certain outcome (early close: the state is Succeeded, Defeated or still Active);
- quorum reached (the late-quorum extension, set to the whole voting period, moves the deadline exactly when the
  category's quorum and every chamber's quorum are first reached).
"""

from __future__ import annotations

import random
from collections.abc import Iterator

import pytest
from eth_account.signers.local import LocalAccount

from ccsi_dao.chain import Chain
from ccsi_dao.governance import actions
from ccsi_dao.governance.consortium import Consortium
from ccsi_dao.governance.decisions import ChamberCondition, Outcome, pack_conditions, quorum_reached, winner
from ccsi_dao.governance.deployment import InitialMember, deploy_suite
from ccsi_dao.governance.proposals import Proposal
from ccsi_dao.types import Category, ProposalState, Ratio, Role, StakeholderGroup, VoteType
from tests.support.cli import Rpc
from tests.support.consortium import VOTING_DELAY, VOTING_PERIOD, suite_params

SEEDS = range(16)


def random_condition(rng: random.Random) -> ChamberCondition:
    """A well-formed condition: any non-empty set of classes, each measure used or not (at least one), with shares
    around the boundaries real agreements use, so outcomes turn on them."""
    while True:
        measures = {
            "quorum": rng.choice([Ratio(1, 4), Ratio(1, 3), Ratio(1, 2), Ratio(2, 3)]) if rng.random() < 0.4 else None,
            "approval": rng.choice([Ratio(1, 2), Ratio(3, 5), Ratio(2, 3)]) if rng.random() < 0.4 else None,
            "support": rng.choice([Ratio(1, 4), Ratio(1, 3), Ratio(1, 2)]) if rng.random() < 0.3 else None,
            "blocking": rng.choice([Ratio(0, 1), Ratio(1, 1), Ratio(1, 3), Ratio(1, 2)])
            if rng.random() < 0.5 else None,
        }  # fmt: skip
        if any(measures.values()):
            break
    return ChamberCondition(
        members=rng.randint(1, (1 << 12) - 1) if rng.random() < 0.6 else rng.choice([0x3F, 0xFC0, 0xFFF]),
        each_group=rng.random() < 0.3,
        by_count=rng.random() < 0.5,
        strict_support=measures["support"] is not None and rng.random() < 0.3,
        **measures,
    )


@pytest.fixture
def fresh(chain: Chain) -> Iterator[Chain]:
    with Rpc(chain.url).rolled_back():
        yield chain


def _advance(chain: Chain, seconds: int) -> None:
    chain.transport.request("evm_increaseTime", [seconds])
    chain.transport.request("evm_mine", [])


def _agree(dao: Consortium, proposal: Proposal, deadline: int, context: str) -> bool:
    """Python's judgement equals the governor's; returns whether voting is still open."""
    progress = dao.progress(proposal)
    assert progress is not None
    d = progress.decision
    decided, option = dao.chain.read(dao.governor.functions.winningOption(proposal.id))
    found = winner(d) if quorum_reached(d) else None
    assert (decided, option if decided else None) == (found is not None, found), context
    moved = dao.chain.read(dao.governor.functions.proposalDeadline(proposal.id)) != deadline
    assert moved == quorum_reached(d), context
    state = dao.state(proposal.id)
    expected = {Outcome.OPEN: ProposalState.ACTIVE, Outcome.PASSED: ProposalState.SUCCEEDED,
                Outcome.FAILED: ProposalState.DEFEATED}[progress.judgement.outcome]  # fmt: skip
    assert state == expected, context
    return state == ProposalState.ACTIVE


@pytest.mark.parametrize("seed", SEEDS)
def test_python_judges_as_the_governor(seed: int, fresh: Chain, accounts: list[LocalAccount]) -> None:
    rng = random.Random(seed)
    members = tuple(
        InitialMember(a.address, f"Partner {i}", rng.choice([Role.FOUNDING_PARTNER, Role.PARTNER]),
                      StakeholderGroup(rng.randrange(6)), rng.randint(1, 3))
        for i, a in enumerate(accounts[1:13], start=1)
    )  # fmt: skip
    conditions = [random_condition(rng) for _ in range(rng.randint(1, 3))]
    approval_voting = rng.random() < 0.5
    params = suite_params(
        accounts, members=members, chambers={Category.ORDINARY: pack_conditions(conditions)},
        approval_voting=approval_voting, early_close=True, late_quorum_extension=VOTING_PERIOD,
        rules={**suite_params(accounts).rules, Category.ORDINARY: (rng.choice([Ratio(1, 10), Ratio(1, 5), Ratio(1, 4), Ratio(1, 3)]), Ratio(1, 2))},
    )  # fmt: skip
    dao = Consortium(fresh, deploy_suite(fresh, accounts[0], params))
    options = rng.randint(2, 5)
    most = rng.randint(1, options) if approval_voting else 1
    choice = dao.propose_choice(accounts[1], [(f"Option {i}", []) for i in range(options)], "Which?",
                                max_selections=most)  # fmt: skip
    plain = dao.propose(accounts[1], [actions.signal()], "Agreed?")
    _advance(fresh, VOTING_DELAY + 1)
    favourite = rng.randrange(options)
    context = f"seed {seed}: {conditions}, rules {params.rules[Category.ORDINARY]}"
    for proposal, n in ((choice, options), (plain, 0)):
        deadline = proposal.deadline
        open_ = True
        for voter in rng.sample(range(1, 13), rng.randint(1, 12)):
            support = rng.choices([VoteType.FOR, VoteType.AGAINST, VoteType.ABSTAIN], [6, 2, 1])[0]
            chosen = []
            if n and support == VoteType.FOR:  # most back a favourite, some spread their ballots
                chosen = [favourite] if rng.random() < 0.6 else sorted(rng.sample(range(n), rng.randint(1, most)))
            dao.vote(accounts[voter], proposal.id, support, options=chosen)
            open_ = _agree(dao, proposal, deadline, f"{context}, after partner {voter} voted {support.name} {chosen}")
            if not open_:
                break
