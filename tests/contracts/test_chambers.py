"""Chamber conditions on the deployed contracts: the issue's four examples, each at its exact boundary, votes staying
in the chamber of the snapshot (role changes, proxies), early close and the late-quorum extension per chamber, and
rule sets that weaken the entrenched conditions or name no class refused.

The consortium (tests/support/chambers.py): accounts 1-3 founding partners of weight 3, 4-12 partners of weight 1
(18 in all), account i in stakeholder group i % 6. Ordinary: 55% of the members by count and 65% of the weight;
treasury: founders' consent; membership: 2/3 and no group all against; constitutional: 3/4 and more than half of the
founding partners for (entrenched).

Each stakeholder group holds two members, ``i`` and ``i + 6``: a group is all against with both against, split with
one for; a member moved to another group after a snapshot splits or unites a group only for later proposals."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from eth_account.signers.local import LocalAccount

from ccsi_dao.chain import Chain
from ccsi_dao.errors import ContractRevertError
from ccsi_dao.governance import actions
from ccsi_dao.types import Category, ProposalState, Role, StakeholderGroup
from tests.support.chambers import (
    EVERYONE,
    EXAMPLE_CHAMBERS,
    FOUNDERS,
    MAJORITY_OF_FOUNDERS,
    Condition,
    conditions,
    deploy_example,
    rule_set,
    set_rules,
)
from tests.support.cli import Rpc
from tests.support.scenario import ABSTAIN, AGAINST, FOR, Round

PARTNERS_ = range(4, 13)
EVERY = range(1, 13)


@pytest.fixture(scope="module")
def example(chain: Chain, accounts: list[LocalAccount]) -> Iterator[Round]:
    """The example consortium, deployed once for the module and removed afterwards."""
    with Rpc(chain.url).rolled_back():
        yield deploy_example(chain, accounts)


@pytest.fixture
def rounds(example: Round, chain: Chain) -> Iterator[Round]:
    """The example consortium, rolled back after each test."""
    with Rpc(chain.url).rolled_back():
        yield example


def others(*excluded: int) -> list[int]:
    return [i for i in EVERY if i not in excluded]


# ---------------------------------------------------------------- double majority (ordinary)


@pytest.mark.parametrize(
    ("voters", "expected"),
    [
        # weight 12 of 18 (65%: 11.7) but 6 members of 12 (55%: 6.6): one member short
        ([1, 2, 3, 4, 5, 6], ProposalState.DEFEATED),
        ([1, 2, 3, 4, 5, 6, 7], ProposalState.SUCCEEDED),  # 7 members, weight 13
        # 7 members (enough) but weight 11: one unit short
        ([1, 2, 4, 5, 6, 7, 8], ProposalState.DEFEATED),
        ([1, 2, 4, 5, 6, 7, 8, 9], ProposalState.SUCCEEDED),  # 8 members, weight 12
        ([4, 5, 6, 7, 8, 9, 10, 11, 12], ProposalState.DEFEATED),  # every partner: 9 members, weight 9
    ],
)
def test_double_majority_needs_both_shares(rounds: Round, voters: list[int], expected: ProposalState) -> None:
    """55% of the members by count AND 65% of the weight; the others abstain (the overall rule is met)."""
    _, state = rounds.tally([actions.signal()], for_=voters, abstain=others(*voters))
    assert state == expected


# ---------------------------------------------------------------- founders' consent (treasury)


def test_founders_consent_one_founder_against_blocks(rounds: Round) -> None:
    pay = [actions.transfer_eth(rounds.accounts[15].address, 1)]
    _, state = rounds.tally(pay, for_=others(3), against=[3], description="one founder against")
    assert state == ProposalState.DEFEATED  # 15 of 18 for overall, but founder 3 said no
    _, state = rounds.tally(pay, for_=others(3), abstain=[3], description="one founder abstains")
    assert state == ProposalState.SUCCEEDED
    _, state = rounds.tally(pay, for_=[1, 2], against=list(PARTNERS_)[:5], description="partners against")
    assert state == ProposalState.SUCCEEDED  # 6 for, 5 against: partners against do not block


# ---------------------------------------------------------------- no group all against (membership)


def test_no_stakeholder_group_all_against(rounds: Round) -> None:
    admit = [actions.admit(rounds.dao.record.membership, rounds.accounts[15].address, "Newcomer")]
    # group 0 is accounts 6 and 12
    _, state = rounds.tally(admit, for_=others(6, 12), against=[6, 12], description="group 0 against")
    assert state == ProposalState.DEFEATED  # 16 of 18 for overall (above 2/3), group 0 all against
    _, state = rounds.tally(admit, for_=others(6, 12), against=[6], abstain=[12], description="against, abstain")
    assert state == ProposalState.DEFEATED  # the group's decisive votes are all against
    _, state = rounds.tally(admit, for_=others(6), against=[6], description="group 0 split")
    assert state == ProposalState.SUCCEEDED


# ---------------------------------------------------------------- majority of founders (constitutional)


def test_constitutional_needs_three_quarters_and_a_majority_of_founders(rounds: Round) -> None:
    amend = [actions.amend_agreement(rounds.dao.record.membership, b"\x22" * 32, "ipfs://agreement-v2")]
    # 9 partners and founder 1 for (12 of 18), founders 2 and 3 abstain: 1 founder of 3 for
    _, state = rounds.tally(amend, for_=[1, *PARTNERS_], abstain=[2, 3], description="one founder")
    assert state == ProposalState.DEFEATED
    _, state = rounds.tally(amend, for_=[1, 2, *PARTNERS_], abstain=[3], description="two founders")
    assert state == ProposalState.SUCCEEDED  # 2 of 3: more than half
    # the overall 3/4 still applies: founders 1 and 2 for (6) and 3 partners for, founder 3 and 6 partners against
    _, state = rounds.tally(amend, for_=[1, 2, 4, 5, 6], against=[3, 7, 8, 9, 10, 11, 12], description="3/4 missed")
    assert state == ProposalState.DEFEATED


# ---------------------------------------------------------------- votes stay in the chamber of the snapshot


def test_founder_demoted_after_the_snapshot_still_votes_as_a_founder(rounds: Round) -> None:
    dao = rounds.dao
    proposal = rounds.open([actions.transfer_eth(rounds.accounts[15].address, 1)], "demoted")
    rounds.as_timelock(dao.membership.functions.setRole(rounds.accounts[3].address, int(Role.PARTNER)))
    assert dao.member(rounds.accounts[3].address).role == Role.PARTNER
    rounds.vote(proposal, [3], AGAINST)
    rounds.vote(proposal, others(3), FOR)
    assert rounds.close(proposal) == ProposalState.DEFEATED  # a founder at the snapshot: its no blocks


def test_partner_promoted_after_the_snapshot_still_votes_as_a_partner(rounds: Round) -> None:
    dao = rounds.dao
    proposal = rounds.open([actions.transfer_eth(rounds.accounts[15].address, 1)], "promoted")
    rounds.as_timelock(dao.membership.functions.setRole(rounds.accounts[4].address, int(Role.FOUNDING_PARTNER)))
    rounds.vote(proposal, [4], AGAINST)
    rounds.vote(proposal, others(4), FOR)
    assert rounds.close(proposal) == ProposalState.SUCCEEDED  # a partner at the snapshot: no veto


# One initial partner's lanes in its class: 1 unit, 1 constitutional unit, 1 member, 1 with a constitutional vote.
PARTNER_LANES = 1 | 1 << 32 | 1 << 64 | 1 << 96
PARTNERS_OF_GROUP_0, PARTNERS_OF_GROUP_1 = 6, 7  # class 6 * r + g: partners (r 1) of groups 0 and 1


def _admission(rounds: Round) -> list[actions.Action]:
    """A membership proposal's action: its chamber condition is that no stakeholder group is all against."""
    return [actions.admit(rounds.dao.record.membership, rounds.accounts[15].address, "Newcomer")]


def _move_to_group_1(rounds: Round, account: int) -> None:
    receipt = rounds.as_timelock(
        rounds.dao.membership.functions.setGroup(rounds.accounts[account].address, int(StakeholderGroup.CIVIL_SOCIETY))
    )
    (event,) = rounds.dao.membership.events.MemberGroupChanged().process_receipt(receipt)
    assert (event.args.previous, event.args.group) == (StakeholderGroup.MINISTRY_AGENCY, StakeholderGroup.CIVIL_SOCIETY)
    assert rounds.dao.member(rounds.accounts[account].address).group == StakeholderGroup.CIVIL_SOCIETY
    rounds.advance(1)


def test_member_moved_to_another_group_after_the_snapshot_votes_in_its_former_group(rounds: Round) -> None:
    """Partner 12 leaves group 0 (with partner 6) for group 1 after the snapshot: its For still splits group 0, whose
    power at the snapshot still holds it; a proposal made after the move finds partner 6 alone in group 0."""
    reg = rounds.dao.membership.functions
    proposal = rounds.open(_admission(rounds), "before the move")
    _move_to_group_1(rounds, 12)

    at_snapshot = reg.classPowerAt(proposal.snapshot, EVERYONE).call()
    now = reg.classPowerAt(rounds.now() - 1, EVERYONE).call()
    assert (at_snapshot[PARTNERS_OF_GROUP_0], at_snapshot[PARTNERS_OF_GROUP_1]) == (2 * PARTNER_LANES, PARTNER_LANES)
    assert (now[PARTNERS_OF_GROUP_0], now[PARTNERS_OF_GROUP_1]) == (PARTNER_LANES, 2 * PARTNER_LANES)
    assert [now[c] for c in range(12) if c not in (6, 7)] == [at_snapshot[c] for c in range(12) if c not in (6, 7)]

    rounds.vote(proposal, [6], AGAINST)
    rounds.vote(proposal, others(6), FOR)
    assert rounds.close(proposal) == ProposalState.SUCCEEDED  # group 0 at the snapshot: 6 against, 12 for

    _, state = rounds.tally(_admission(rounds), for_=others(6), against=[6], description="after the move")
    assert state == ProposalState.DEFEATED  # group 0 now: partner 6 alone, all against


def test_proxy_carries_a_moved_principals_vote_in_the_principals_group_at_the_snapshot(rounds: Round) -> None:
    """Partner 12 (group 0) hands its vote to partner 5 (group 5), then moves to group 1 after the snapshot: the
    proxy's For still counts in group 0 for that proposal, in group 1 for later ones."""
    dao, reg = rounds.dao, rounds.dao.membership.functions
    proxy = rounds.accounts[5].address
    dao.appoint_proxy(rounds.accounts[12], proxy)
    rounds.advance(1)
    proposal = rounds.open(_admission(rounds), "principal moved")
    _move_to_group_1(rounds, 12)

    own = PARTNER_LANES  # partner 5's own lanes, in class 6 + 5
    at_snapshot = reg.votesByClassAt(proxy, proposal.snapshot).call()
    now = reg.votesByClassAt(proxy, rounds.now() - 1).call()
    assert (at_snapshot[11], at_snapshot[PARTNERS_OF_GROUP_0], at_snapshot[PARTNERS_OF_GROUP_1]) == (own, own, 0)
    assert (now[11], now[PARTNERS_OF_GROUP_0], now[PARTNERS_OF_GROUP_1]) == (own, 0, own)
    assert reg.classPowerAt(rounds.now() - 1, EVERYONE).call()[PARTNERS_OF_GROUP_1] == 2 * PARTNER_LANES

    rounds.vote(proposal, [6], AGAINST)
    rounds.vote(proposal, others(6, 12), FOR)
    assert rounds.close(proposal) == ProposalState.SUCCEEDED  # group 0 at the snapshot: 6 against, 12 (by 5) for

    _, state = rounds.tally(_admission(rounds), for_=others(6, 12), against=[6], description="after the move")
    assert state == ProposalState.DEFEATED  # group 0 now: partner 6 alone, all against


def test_proxy_votes_count_in_each_principals_own_chamber(rounds: Round) -> None:
    """Founder 1 hands its vote to partner 4: partner 4's Against carries a founder's power, and blocks."""
    dao = rounds.dao
    dao.appoint_proxy(rounds.accounts[1], rounds.accounts[4].address)
    rounds.advance(1)
    pay = [actions.transfer_eth(rounds.accounts[15].address, 1)]
    _, state = rounds.tally(pay, for_=others(1, 4), against=[4], description="proxy against")
    assert state == ProposalState.DEFEATED
    _, state = rounds.tally(pay, for_=others(1), description="proxy for")
    assert state == ProposalState.SUCCEEDED


# ---------------------------------------------------------------- early close and late quorum per chamber


def test_early_close_waits_for_every_chamber(rounds: Round) -> None:
    set_rules(rounds, EXAMPLE_CHAMBERS, early_close=True)
    dao = rounds.dao
    amend = [actions.amend_agreement(dao.record.membership, b"\x33" * 32, "ipfs://agreement-v3")]
    proposal = rounds.open(amend, "early close")
    rounds.vote(proposal, [1, *PARTNERS_], FOR)  # 12 for of 18; 3/4 certain overall (12 of at most 18... 12/15)
    rounds.vote(proposal, [2], ABSTAIN)
    # Overall the outcome is certain (12 for, at most 3 against: 80%), but only 1 founder of 3 is for and
    # founder 3 could still make it 2: open.
    assert dao.state(proposal.id) == ProposalState.ACTIVE
    rounds.vote(proposal, [3], FOR)
    assert dao.state(proposal.id) == ProposalState.SUCCEEDED


def test_early_close_passes_once_no_chamber_can_change(rounds: Round) -> None:
    set_rules(rounds, EXAMPLE_CHAMBERS, early_close=True)
    dao = rounds.dao
    amend = [actions.amend_agreement(dao.record.membership, b"\x33" * 32, "ipfs://agreement-v3")]
    proposal = rounds.open(amend, "passes early")
    rounds.vote(proposal, [1, 3, 4, 5, 6, 7, 8, 9, 10], FOR)  # 13 for, 5 uncast: 13 of 18 is below 3/4
    assert dao.state(proposal.id) == ProposalState.ACTIVE
    rounds.vote(proposal, [11], FOR)  # 14 for of at most 18 (3/4 certain); founders 1 and 3 for, 2 has not voted
    assert dao.state(proposal.id) == ProposalState.SUCCEEDED
    assert rounds.now() < dao.governor.functions.proposalDeadline(proposal.id).call()


def test_early_close_fails_once_a_chamber_cannot_be_met(rounds: Round) -> None:
    set_rules(rounds, EXAMPLE_CHAMBERS, early_close=True)
    dao = rounds.dao
    proposal = rounds.open([actions.transfer_eth(rounds.accounts[15].address, 1)], "vetoed")
    rounds.vote(proposal, [4, 5, 6], FOR)
    assert dao.state(proposal.id) == ProposalState.ACTIVE
    rounds.vote(proposal, [2], AGAINST)  # a founder's no can never be undone
    assert dao.state(proposal.id) == ProposalState.DEFEATED


def test_a_for_vote_that_leaves_every_chamber_open_is_not_judged_again(rounds: Round) -> None:
    """Early close with chambers: a later For vote that cannot have changed any chamber's verdict is judged by the
    category's own measures alone: it costs less than 5,000 gas more than without early close (judging every chamber
    again cost some 11,700 more)."""
    used = {}
    for early_close in (False, True):
        set_rules(rounds, EXAMPLE_CHAMBERS, early_close=early_close)
        proposal = rounds.open([actions.signal()], f"double majority, early close {early_close}")
        rounds.vote(proposal, [4], FOR)
        used[early_close] = rounds.dao.vote(rounds.accounts[5], proposal.id, FOR)["gasUsed"]
        assert rounds.dao.state(proposal.id) == ProposalState.ACTIVE
    assert used[True] - used[False] <= 5_000, used


def test_late_quorum_waits_for_every_chambers_quorum(rounds: Round) -> None:
    """Quorum reached means the category's and every chamber's: the deadline moves only when the founders' quorum
    (2 of 3 taking part) is reached, late."""
    founders_take_part = Condition(FOUNDERS, quorum=(2, 3), by_count=True)
    set_rules(rounds, {**EXAMPLE_CHAMBERS, Category.ORDINARY: conditions(founders_take_part)})
    dao = rounds.dao
    proposal = rounds.open([actions.signal()], "late quorum")
    deadline = dao.governor.functions.proposalDeadline(proposal.id).call()
    rounds.advance(deadline - rounds.now() - 100)  # 100 s before the deadline, inside the 300 s extension
    rounds.vote(proposal, PARTNERS_, FOR)  # 9 of 18: the category's quorum (1/4), not the founders'
    assert dao.governor.functions.proposalDeadline(proposal.id).call() == deadline
    rounds.vote(proposal, [1], FOR)
    assert dao.governor.functions.proposalDeadline(proposal.id).call() == deadline  # 1 founder of 3
    rounds.vote(proposal, [2], ABSTAIN)  # 2 of 3 take part: quorum reached now
    extended = dao.governor.functions.proposalDeadline(proposal.id).call()
    assert extended == rounds.now() + 300 > deadline


# ---------------------------------------------------------------- rule sets: floors and malformed chambers


def refused(rounds: Round, chambers: dict[Category, int]) -> ContractRevertError:
    with pytest.raises(ContractRevertError) as caught:
        rounds.as_timelock(rounds.dao.membership.functions.updateRules(rule_set(chambers)))
    return caught.value


@pytest.mark.parametrize(
    "constitutional",
    [
        0,  # dropped
        conditions(Condition(FOUNDERS, support=(1, 2), by_count=True)),  # not strict
        conditions(Condition(FOUNDERS, support=(1, 3), strict_support=True, by_count=True)),  # lower share
        conditions(Condition(FOUNDERS, support=(1, 2), strict_support=True)),  # by weight, not by count
        conditions(Condition(0x007, support=(1, 2), strict_support=True, by_count=True)),  # another chamber
        conditions(Condition(FOUNDERS, approval=(1, 2), by_count=True)),  # another measure
    ],
)
def test_rules_weaker_than_the_entrenched_condition_are_refused(rounds: Round, constitutional: int) -> None:
    error = refused(rounds, {**EXAMPLE_CHAMBERS, Category.CONSTITUTIONAL: constitutional})
    assert error.error_name == "RulesWeakerThanFloor"
    assert list(error.error_args["args"]) == [int(Category.CONSTITUTIONAL), 0]


def test_rules_at_or_above_the_entrenched_condition_are_accepted(rounds: Round) -> None:
    stricter = Condition(FOUNDERS, support=(2, 3), strict_support=True, by_count=True, quorum=(1, 1))
    for kept in (conditions(MAJORITY_OF_FOUNDERS), conditions(Condition(EVERYONE, blocking=(1, 2)), stricter)):
        rounds.as_timelock(
            rounds.dao.membership.functions.updateRules(rule_set({**EXAMPLE_CHAMBERS, Category.CONSTITUTIONAL: kept}))
        )
        assert rounds.dao.membership.functions.rulesAt(rounds.now() + 1).call()[2][3] == kept


@pytest.mark.parametrize(
    ("ordinary", "index"),
    [
        (conditions(Condition(0, support=(1, 2))), 0),  # no class
        (conditions(Condition(EVERYONE, support=(1, 2))) | 1 << 15, 0),  # a bit outside the layout
        (conditions(Condition(EVERYONE, support=(3, 2))), 0),  # a share above one
        (conditions(Condition(EVERYONE, support=(1, 0))), 0),  # a numerator without a denominator
        (conditions(Condition(EVERYONE)), 0),  # no measure
        (conditions(Condition(EVERYONE, quorum=(1, 2), strict_support=True)), 0),  # strict without support
        (conditions(Condition(EVERYONE, quorum=(1, 2)), Condition(0, quorum=(1, 2))), 1),  # the second names no class
        (conditions(*[Condition(EVERYONE, quorum=(1, 2))] * 3) + (1 << 240), 3),  # four conditions
    ],
)
def test_malformed_chambers_are_refused(rounds: Round, ordinary: int, index: int) -> None:
    error = refused(rounds, {**EXAMPLE_CHAMBERS, Category.ORDINARY: ordinary})
    assert error.error_name == "RulesInvalidChamber"
    assert list(error.error_args["args"]) == [int(Category.ORDINARY), index]
