"""Choices among options on the deployed contracts: only the winner's actions are queued and executed, ties and
no qualifying option are no decision, one ballot per member across all options, approval-voting subsets only where
the rules allow them, malformed manifests and ballots refused, the category is the strictest over every option's
actions, early close once the winner cannot change, and chamber conditions judged per option.

The consortium: the test consortium (12 partners of weight 1, accounts 1 and 2 founding) with approval voting
allowed."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from eth_account.signers.local import LocalAccount

from ccsi_dao.chain import Chain
from ccsi_dao.errors import ContractRevertError
from ccsi_dao.governance import actions
from ccsi_dao.governance.consortium import Consortium, Proposal
from ccsi_dao.governance.deployment import deploy_suite
from ccsi_dao.types import Category, ProposalState
from tests.support.chambers import (
    FOUNDERS,
    Condition,
    choice,
    conditions,
    manifest,
    options_params,
    set_rules,
    vote_options,
    vote_with_params,
)
from tests.support.cli import Rpc
from tests.support.consortium import TEST_RULES, suite_params
from tests.support.scenario import AGAINST, FOR, Round


@pytest.fixture(scope="module")
def consortium(chain: Chain, accounts: list[LocalAccount]) -> Iterator[Round]:
    """The test consortium with approval voting allowed, deployed once for the module and removed afterwards."""
    with Rpc(chain.url).rolled_back():
        record = deploy_suite(chain, accounts[0], suite_params(accounts, approval_voting=True))
        yield Round(Consortium(chain, record), accounts)


@pytest.fixture
def rounds(consortium: Round, chain: Chain) -> Iterator[Round]:
    with Rpc(chain.url).rolled_back():
        yield consortium


def pay(rounds: Round, account: int, wei: int) -> actions.Action:
    return actions.transfer_eth(rounds.accounts[account].address, wei)


def three_options(rounds: Round, max_selections: int = 1) -> list[actions.Action]:
    """A: pay account 15 1 wei; B: pay account 16 2 wei and account 17 3 wei; C: text only."""
    return choice(
        rounds.dao,
        [("A", [pay(rounds, 15, 1)]), ("B", [pay(rounds, 16, 2), pay(rounds, 17, 3)]), ("C", [])],
        max_selections,
    )


def cast(rounds: Round, proposal: Proposal, voters: range | list[int], *options: int) -> None:
    for i in voters:
        vote_options(rounds.dao, rounds.accounts[i], proposal.id, *options)


@contextmanager
def rejected(error_name: str) -> Iterator[None]:
    """The block must be refused by the contracts with custom error ``error_name``."""
    with pytest.raises(ContractRevertError) as caught:
        yield
    assert caught.value.error_name == error_name, caught.value


def winning(rounds: Round, proposal: Proposal) -> tuple[bool, int]:
    decided, option = rounds.dao.governor.functions.winningOption(proposal.id).call()
    return decided, option


# ---------------------------------------------------------------- the winner, and only its actions


def test_only_the_winners_actions_are_queued_and_executed(rounds: Round) -> None:
    dao, w3 = rounds.dao, rounds.w3
    rounds.rpc("anvil_setBalance", [dao.record.timelock, hex(10**18)])
    proposal = rounds.open(three_options(rounds), "pick one")
    cast(rounds, proposal, range(1, 4), 0)
    cast(rounds, proposal, range(4, 11), 1)
    cast(rounds, proposal, [11, 12], 2)
    assert rounds.close(proposal) == ProposalState.SUCCEEDED
    assert winning(rounds, proposal) == (True, 1)
    assert dao.governor.functions.optionVotes(proposal.id).call() == [3, 7, 2]
    before = [w3.eth.get_balance(rounds.accounts[i].address) for i in (15, 16, 17)]
    rounds.enact(proposal)
    after = [w3.eth.get_balance(rounds.accounts[i].address) for i in (15, 16, 17)]
    assert [b - a for a, b in zip(before, after, strict=True)] == [0, 2, 3]
    # The timelock's operation is B's batch alone, salted as OpenZeppelin's (governor address xor description hash)
    # with the proposal id xor-ed into the description hash.
    description = int.from_bytes(proposal.description_hash, "big") ^ proposal.id
    salt = (int(dao.record.governor, 16) << 96 ^ description).to_bytes(32, "big")
    b_actions = proposal.actions[2:4]
    operation = dao.timelock.functions.hashOperationBatch(
        [a.target for a in b_actions], [a.value for a in b_actions], [a.data for a in b_actions], b"\0" * 32, salt
    ).call()
    assert dao.timelock.functions.isOperationDone(operation).call()
    everything = dao.timelock.functions.hashOperationBatch(*proposal.call_args()[:3], b"\0" * 32, salt).call()
    assert not dao.timelock.functions.isOperation(everything).call()


def test_a_text_only_winner_executes_nothing(rounds: Round) -> None:
    dao, w3 = rounds.dao, rounds.w3
    rounds.rpc("anvil_setBalance", [dao.record.timelock, hex(10**18)])
    proposal = rounds.open(three_options(rounds), "text wins")
    cast(rounds, proposal, range(1, 8), 2)
    cast(rounds, proposal, range(8, 13), 0)
    assert rounds.close(proposal) == ProposalState.SUCCEEDED
    balance = w3.eth.get_balance(dao.record.timelock)
    rounds.enact(proposal)
    assert dao.state(proposal.id) == ProposalState.EXECUTED
    assert w3.eth.get_balance(dao.record.timelock) == balance


def test_two_choices_with_the_same_description_and_text_only_winners_both_execute(rounds: Round) -> None:
    """Both winners' batches are empty: with OpenZeppelin's salt alone they would be one timelock operation, and the
    second choice could never be queued."""
    dao = rounds.dao
    first = rounds.open(choice(dao, [("association", []), ("cooperative", [])]), "Our legal model")
    cast(rounds, first, range(1, 13), 0)
    assert rounds.close(first) == ProposalState.SUCCEEDED
    rounds.enact(first)
    second = rounds.open(choice(dao, [("association", []), ("cooperative", []), ("foundation", [])]), "Our legal model")
    cast(rounds, second, range(1, 13), 1)
    assert rounds.close(second) == ProposalState.SUCCEEDED
    rounds.enact(second)
    assert [dao.state(p.id) for p in (first, second)] == [ProposalState.EXECUTED] * 2


def test_a_tie_at_the_top_is_no_decision_and_nothing_can_be_queued(rounds: Round) -> None:
    proposal = rounds.open(three_options(rounds), "tie")
    cast(rounds, proposal, range(1, 6), 0)
    cast(rounds, proposal, range(6, 11), 1)
    rounds.vote(proposal, [11, 12], AGAINST)
    assert rounds.close(proposal) == ProposalState.DEFEATED
    assert winning(rounds, proposal) == (False, 0)
    with rejected("GovernorUnexpectedProposalState"):
        rounds.dao.queue(rounds.accounts[1], proposal)


def test_no_qualifying_option_is_no_decision(rounds: Round) -> None:
    proposal = rounds.open(three_options(rounds), "split")
    cast(rounds, proposal, range(1, 6), 0)  # 5 against 7 others: no option beats the rest
    cast(rounds, proposal, range(6, 10), 1)
    cast(rounds, proposal, range(10, 13), 2)
    assert rounds.close(proposal) == ProposalState.DEFEATED
    assert winning(rounds, proposal) == (False, 0)
    with rejected("GovernorUnexpectedProposalState"):
        rounds.dao.queue(rounds.accounts[1], proposal)


# ---------------------------------------------------------------- ballots


def test_a_member_votes_once_across_all_options(rounds: Round) -> None:
    dao = rounds.dao
    proposal = rounds.open(three_options(rounds), "once")
    vote_options(dao, rounds.accounts[1], proposal.id, 0)
    with rejected("GovernorAlreadyCastVote"):
        vote_options(dao, rounds.accounts[1], proposal.id, 1)
    with rejected("GovernorAlreadyCastVote"):
        dao.vote(rounds.accounts[1], proposal.id, AGAINST)
    assert dao.governor.functions.optionVotes(proposal.id).call() == [1, 0, 0]


@pytest.mark.parametrize(
    "options",
    [[0, 1, 2], [2, 0], [1, 1], [3], [0, 3], [], [2**256 - 1]],
    ids=["more than allowed", "unsorted", "repeated", "unknown", "one unknown", "none", "huge"],
)
def test_approval_ballots_must_be_sorted_known_and_within_the_maximum(rounds: Round, options: list[int]) -> None:
    dao = rounds.dao
    proposal = rounds.open(three_options(rounds, max_selections=2), "approval")
    with rejected("GovernorInvalidOptions"):
        vote_with_params(dao, rounds.accounts[1], proposal.id, int(FOR), options_params(*options))
    vote_options(dao, rounds.accounts[1], proposal.id, 0, 2)  # a valid subset still goes through
    assert dao.governor.functions.optionVotes(proposal.id).call() == [1, 0, 1]
    assert dao.tally(proposal.id)[FOR] == 1  # For: the power that voted for any option, once


def test_ballots_that_do_not_fit_the_proposal_are_refused(rounds: Round) -> None:
    dao = rounds.dao
    single = rounds.open(three_options(rounds), "single")
    voter = rounds.accounts[1]
    with rejected("GovernorInvalidOptions"):
        vote_options(dao, voter, single.id, 0, 1)  # a subset where one option is allowed
    with rejected("GovernorInvalidOptions"):
        dao.vote(voter, single.id, FOR)  # For without options
    with rejected("GovernorInvalidOptions"):
        vote_with_params(dao, voter, single.id, int(AGAINST), options_params(0))  # Against with options
    with rejected("GovernorInvalidOptions"):
        vote_with_params(dao, voter, single.id, 1, b"\x01\x02")  # params that are not a list
    plain = rounds.open([actions.signal()], "plain")
    with rejected("GovernorInvalidOptions"):
        vote_options(dao, voter, plain.id, 0)  # options on a plain proposal
    dao.vote(voter, single.id, AGAINST)
    dao.vote(voter, plain.id, FOR)


def test_approval_voting_only_where_the_rules_allow_it(rounds: Round) -> None:
    set_rules(rounds, {}, approval_voting=False)
    with rejected("GovernorApprovalVotingNotAllowed"):
        rounds.propose(three_options(rounds, max_selections=2), "approval not allowed")
    rounds.propose(three_options(rounds, max_selections=1), "a single choice is")


@pytest.mark.parametrize(
    ("labels", "counts", "max_selections", "extra_actions"),
    [
        (["only"], [0], 1, 0),
        ([str(i) for i in range(11)], [0] * 11, 1, 0),
        (["A", ""], [0, 0], 1, 0),
        (["A", "B"], [1, 0], 1, 0),  # counts name an action that is not there
        (["A", "B"], [0, 0], 1, 1),  # an action no option owns
        (["A", "B"], [0, 0], 0, 0),
        (["A", "B"], [0, 0], 3, 0),
    ],
    ids=["one option", "eleven", "empty label", "missing action", "orphan action", "no selection", "too many"],
)
def test_malformed_manifests_are_refused(
    rounds: Round, labels: list[str], counts: list[int], max_selections: int, extra_actions: int
) -> None:
    offer = manifest(rounds.dao.record.governor, labels, counts, max_selections)
    with rejected("GovernorInvalidChoice"):
        rounds.propose([offer] + [actions.signal()] * extra_actions, "malformed")


# ---------------------------------------------------------------- the category is the strictest over all options


def test_an_option_that_changes_the_rules_makes_the_whole_choice_constitutional(rounds: Round) -> None:
    dao = rounds.dao
    same_rules = actions.update_rules(dao.record.membership, TEST_RULES, False, {}, True)
    disguised = choice(dao, [("keep", []), ("tweak", [same_rules])])
    harmless = choice(dao, [("keep", []), ("other", [])])
    assert dao.categorize(disguised) == Category.CONSTITUTIONAL
    assert dao.categorize(harmless) == Category.ORDINARY
    for offered, expected in ((disguised, ProposalState.DEFEATED), (harmless, ProposalState.SUCCEEDED)):
        proposal = rounds.open(offered, f"keep the rules ({len(offered)})")
        assert proposal.id >> 254 == (3 if offered is disguised else 0)
        cast(rounds, proposal, range(1, 9), 0)  # 8 of 12 for "keep": 2/3, below the constitutional 3/4
        rounds.vote(proposal, range(9, 13), AGAINST)
        assert rounds.close(proposal) == expected


# ---------------------------------------------------------------- early close and chambers per option


def test_closes_early_once_the_winner_cannot_change(rounds: Round) -> None:
    set_rules(rounds, {}, early_close=True)
    dao = rounds.dao
    proposal = rounds.open(three_options(rounds), "early")
    cast(rounds, proposal, range(1, 7), 0)  # 6 for A, 6 uncast: B could still tie
    assert dao.state(proposal.id) == ProposalState.ACTIVE
    cast(rounds, proposal, [7], 0)  # 7 for A, 5 uncast: A qualifies whatever they do
    assert dao.state(proposal.id) == ProposalState.SUCCEEDED
    assert winning(rounds, proposal) == (True, 0)


def test_a_chamber_condition_is_judged_per_option(rounds: Round) -> None:
    """Founders' consent on treasury decisions (the options pay): an option the founders did not vote for is blocked
    by their votes for another; with approval ballots the founders may consent to both."""
    set_rules(rounds, {Category.TREASURY: conditions(Condition(FOUNDERS, blocking=(0, 1)))})
    proposal = rounds.open(three_options(rounds, max_selections=2), "founders for B")
    cast(rounds, proposal, range(3, 10), 0)  # 7 partners for A
    cast(rounds, proposal, [1, 2], 1)  # the founders for B only
    cast(rounds, proposal, range(10, 13), 1)
    assert rounds.close(proposal) == ProposalState.DEFEATED  # A: founders' votes for B count against it
    proposal = rounds.open(three_options(rounds, max_selections=2), "founders for A and B")
    cast(rounds, proposal, range(3, 10), 0)
    cast(rounds, proposal, [1, 2], 0, 1)
    cast(rounds, proposal, range(10, 13), 1)
    assert rounds.close(proposal) == ProposalState.SUCCEEDED
    assert winning(rounds, proposal) == (True, 0)
