"""The governance properties of contracts v2 (issue 10), each tried the way an attacker would, through the library.

The test consortium is the issue's: 12 partners of weight 1 (accounts 1..12), membership quorum 1/2 and approval 2/3,
constitutional quorum 2/3 and approval 3/4. Partners 1-8 want the rules lowered; partners 9-12 do not.

- P1, no capture: power that protects a minority under the constitutional rule cannot be removed, diluted or
  outweighed by decisions taken under a weaker rule: raising one's own weight, suspending or removing opponents and
  admitting allies all fail to lower the rules unless each step itself met the constitutional rule.
- P2, never frozen: no member can be given more than the cap (1/3) of the power, and a member who never votes cannot
  make the quorum of its own suspension unreachable.
- P3, ballots are independent: ballots signed for different proposals can be relayed in any order; replay fails.
- P4, bounded cost: sanctioning a proxy with the most principals allowed fits easily in a block at 1,500 members.
- P5, a window to react: governance contracts can never be members; delays never below their floors.
- P6, no lost votes: a sanction against a proxy never takes the vote away from the members it represented.
"""

from __future__ import annotations

import pytest
from eth_account import Account

from ccsi_dao.errors import ContractRevertError
from ccsi_dao.governance import actions
from ccsi_dao.governance.consortium import Consortium
from ccsi_dao.governance.deployment import InitialMember, deploy_suite
from ccsi_dao.types import Category, MemberStatus, ProposalState, Ratio, Role, StakeholderGroup
from tests.support.attackkit import decide, queue_ready
from tests.support.consortium import TEST_RULES, suite_params
from tests.support.scenario import AGAINST, FOR, Round

MAJORITY, MINORITY = range(1, 9), range(9, 13)
FLOORS = {c: (Ratio(1, 10), Ratio(1, 2)) for c in Category}


@pytest.fixture
def rounds(dao, accounts) -> Round:
    return Round(dao, accounts)


def _split_vote(rounds: Round, proposals) -> list[ProposalState]:
    """The majority (1-8) votes for, the minority (9-12) against."""
    rounds.advance(max(max(p.snapshot for p in proposals) - rounds.now() + 1, 1))
    for p in proposals:
        rounds.vote(p, MAJORITY, FOR)
        rounds.vote(p, MINORITY, AGAINST)
    return [rounds.close(p) for p in proposals]


def _lower_the_rules(rounds: Round, dao) -> ProposalState:
    """The majority's goal: every rule down to the floors, voted 8 for and 4 against (or fewer, see the callers)."""
    proposal = rounds.propose([actions.update_rules(dao.record.membership, FLOORS, True)], "Lower every rule")
    return _split_vote(rounds, [proposal])[0]


def _rules_unchanged(dao) -> bool:
    return dao.rules_now()[0] == TEST_RULES


# ---------------------------------------------------------------- P1: no capture through a weaker rule


def test_p1_the_rules_change_only_with_the_constitutional_majority(rounds: Round, dao) -> None:
    assert _lower_the_rules(rounds, dao) == ProposalState.DEFEATED  # 8/12 = 2/3 < 3/4
    assert _rules_unchanged(dao)


def test_p1_raising_ones_own_weight_is_constitutional(rounds: Round, dao, accounts) -> None:
    """Shape 1: eight proposals setWeight(partner_i, 1,000,000) that each passed 8/4 under the membership rule."""
    reg = dao.record.membership
    raises = [
        rounds.propose([actions.set_weight(reg, accounts[i].address, 1_000_000)], f"Weight of {i}") for i in MAJORITY
    ]
    assert {p.category for p in raises} == {Category.CONSTITUTIONAL}
    assert _split_vote(rounds, raises) == [ProposalState.DEFEATED] * len(raises)
    assert [dao.member(accounts[i].address).weight for i in MAJORITY] == [1] * 8
    assert _lower_the_rules(rounds, dao) == ProposalState.DEFEATED
    assert _rules_unchanged(dao)


def test_p1_suspending_or_removing_opponents_is_constitutional(rounds: Round, dao, accounts) -> None:
    """Shape 2: suspend (or remove) the four opponents, then amend the agreement 8/0."""
    reg = dao.record.membership
    sanctions = [rounds.propose([actions.suspend(reg, accounts[i].address)], f"Suspend {i}") for i in MINORITY]
    sanctions.append(
        rounds.propose([actions.remove(reg, accounts[i].address) for i in MINORITY], "Remove all four at once")
    )
    assert {p.category for p in sanctions} == {Category.CONSTITUTIONAL}
    assert _split_vote(rounds, sanctions) == [ProposalState.DEFEATED] * len(sanctions)
    assert {dao.member(accounts[i].address).status for i in MINORITY} == {MemberStatus.ACTIVE}
    amend = rounds.propose([actions.amend_agreement(reg, b"\x66" * 32, "ipfs://captured")], "Amend")
    assert _split_vote(rounds, [amend]) == [ProposalState.DEFEATED]
    assert dao.membership.functions.agreementVersion().call() == 1
    assert _lower_the_rules(rounds, dao) == ProposalState.DEFEATED


def test_p1_admitted_allies_have_no_constitutional_vote(rounds: Round, dao, accounts) -> None:
    """Shape 3: admit allies by membership decisions (each passes 8/4 = 2/3), then vote the rules down with them."""
    reg = dao.record.membership
    allies = [accounts[i].address for i in range(13, 19)]
    admissions = [rounds.propose([actions.admit(reg, a, f"Ally {n}")], f"Admit ally {n}") for n, a in enumerate(allies)]
    assert {p.category for p in admissions} == {Category.MEMBERSHIP}
    assert _split_vote(rounds, admissions) == [ProposalState.SUCCEEDED] * len(allies)
    queue_ready(rounds, admissions)
    for p in admissions:
        dao.execute(accounts[1], p)
    assert all(dao.member(a).votes and not dao.member(a).constitutional_vote for a in allies)

    lower = rounds.propose([actions.update_rules(reg, FLOORS, True)], "Lower every rule, with our allies")
    assert lower.category == Category.CONSTITUTIONAL
    rounds.advance(lower.snapshot - rounds.now() + 1)
    rounds.vote(lower, MAJORITY, FOR)
    rounds.vote(lower, MINORITY, AGAINST)
    for n in range(13, 19):  # the allies vote in ordinary, treasury and membership decisions, not in this one
        with pytest.raises(ContractRevertError) as err:
            dao.vote(accounts[n], lower.id, FOR)
        assert err.value.error_name == "GovernorNoVotingPower"
    assert rounds.close(lower) == ProposalState.DEFEATED
    assert _rules_unchanged(dao)

    # Giving them a constitutional vote is itself constitutional, so the same 8 cannot do it either.
    enfranchise = rounds.propose([actions.set_constitutional_vote(reg, a, True) for a in allies], "Enfranchise")
    assert enfranchise.category == Category.CONSTITUTIONAL
    assert _split_vote(rounds, [enfranchise]) == [ProposalState.DEFEATED]


def test_p1_an_admission_with_a_constitutional_vote_needs_the_constitutional_rule(rounds: Round, dao, accounts) -> None:
    """The positive control: when each step meets the constitutional rule (9 of 12 for), new members vote in
    constitutional decisions too."""
    reg, ally = dao.record.membership, accounts[13].address
    admission = [actions.admit(reg, ally, "Full member"), actions.set_constitutional_vote(reg, ally, True)]
    proposal = rounds.propose(admission, "Admit with a constitutional vote")
    assert proposal.category == Category.CONSTITUTIONAL
    rounds.advance(proposal.snapshot - rounds.now() + 1)
    rounds.vote(proposal, range(1, 10), FOR)
    rounds.vote(proposal, range(10, 13), AGAINST)
    assert rounds.close(proposal) == ProposalState.SUCCEEDED  # 9/12 = 3/4
    rounds.enact(proposal)
    assert dao.member(ally).constitutional_vote
    # And a founding partner's admission is constitutional, with a constitutional vote of its own.
    founder = actions.admit(reg, accounts[14].address, "New founder", Role.FOUNDING_PARTNER)
    assert dao.categorize([founder]) == Category.CONSTITUTIONAL


# ---------------------------------------------------------------- P2: never frozen


def test_p2_nobody_can_be_given_more_than_the_cap(rounds: Round, dao, accounts) -> None:
    """The frozen-for-good shape: one membership decision admitting weight 1,000,000 passes but cannot be executed."""
    heavy = rounds.propose(
        [actions.admit(dao.record.membership, accounts[13].address, "Heavy", weight=1_000_000)], "Heavy"
    )
    assert decide(rounds, [heavy]) == [ProposalState.SUCCEEDED]
    queue_ready(rounds, [heavy])
    with pytest.raises(ContractRevertError) as err:
        dao.execute(accounts[1], heavy)
    assert err.value.error_name == "MembershipShareAboveCap"
    assert dao.member(accounts[13].address).status == MemberStatus.NONE
    assert dao.max_share() == Ratio(1, 3)
    # The largest admission the cap allows: 6 of 18 votes is exactly a third.
    rounds.as_timelock(dao.membership.functions.admit(accounts[13].address, int(Role.PARTNER), 0, 6, "Heavy"))
    with pytest.raises(ContractRevertError) as err:
        rounds.as_timelock(dao.membership.functions.setWeight(accounts[13].address, 7))
    assert err.value.error_name == "MembershipShareAboveCap"


def test_p2_a_silent_member_cannot_block_its_own_suspension(rounds: Round, dao, accounts) -> None:
    """A member with the largest share the cap allows, which lost its key (never votes): its suspension passes with
    nine of the twelve others, because the quorum leaves out the silent member's own power."""
    silent = accounts[13]
    reg = dao.membership.functions
    rounds.as_timelock(reg.admit(silent.address, int(Role.PARTNER), 0, 6, "Lost key Ltd"))
    rounds.as_timelock(reg.setConstitutionalVote(silent.address, True))  # 6 of 18 constitutional votes: a third
    proposal = rounds.propose([actions.suspend(dao.record.membership, silent.address)], "Suspend the silent member")
    assert proposal.category == Category.CONSTITUTIONAL and proposal.id >> 253 & 1
    rounds.advance(proposal.snapshot - rounds.now() + 1)
    rounds.vote(proposal, range(1, 10), FOR)  # 9 votes: 2/3 of the 12 others, but only half of all 18
    assert dao.governor.functions.proposalQuorum(proposal.id).call() == 8
    assert rounds.close(proposal) == ProposalState.SUCCEEDED
    rounds.enact(proposal)
    assert dao.member(silent.address).status == MemberStatus.SUSPENDED
    # Governance goes on: the rules can still change with the constitutional majority of those left.
    assert decide(rounds, [rounds.propose([actions.signal()], "Back to work")]) == [ProposalState.SUCCEEDED]


def test_p2_a_member_named_in_a_sanction_still_votes_against_it(rounds: Round, dao, accounts) -> None:
    """The quorum leaves the named members' power out, but their votes still count: a coalition cannot sanction an
    opponent that votes against (8 for, the target and three others against)."""
    target = accounts[12].address
    proposal = rounds.propose([actions.suspend(dao.record.membership, target)], "Suspend an opponent")
    assert _split_vote(rounds, [proposal]) == [ProposalState.DEFEATED]


# ---------------------------------------------------------------- P3: ballots are independent


def test_p3_ballots_for_different_proposals_can_be_relayed_in_any_order(rounds: Round, dao, accounts) -> None:
    first, second = rounds.propose([actions.signal()], "First"), rounds.propose([actions.signal()], "Second")
    rounds.advance(second.snapshot - rounds.now() + 1)
    voter, relayer = accounts[3], accounts[0]
    ballots = [dao.sign_ballot(voter, p.id, FOR) for p in (first, second)]  # both signed before either is relayed
    with_reason = dao.sign_ballot(accounts[4], second.id, AGAINST, reason="Signed ahead")
    dao.relay(relayer, ballots[1])
    dao.relay(relayer, ballots[0])
    dao.relay(relayer, with_reason)
    assert dao.tally(first.id)[FOR] == 1 and dao.tally(second.id)[FOR] == 1 and dao.tally(second.id)[AGAINST] == 1
    for ballot in (*ballots, with_reason):  # replay is still impossible
        with pytest.raises(ContractRevertError):
            dao.relay(relayer, ballot)


# ---------------------------------------------------------------- P4: bounded cost


@pytest.mark.slow
def test_p4_sanctioning_the_busiest_proxy_fits_in_a_block_at_1500_members(chain, accounts) -> None:
    """1,500 members; a proxy holding the most principals allowed (40); every operation that sanctions or changes it
    costs at most 5M gas, and a 41st principal is refused."""
    principals = [Account.create() for _ in range(41)]
    members = [
        InitialMember(
            a.address, f"Member {i}", Role.FOUNDING_PARTNER if i == 0 else Role.PARTNER, StakeholderGroup(i % 6)
        )
        for i, a in enumerate(accounts[1:13])
    ]
    members += [InitialMember(p.address, f"Principal {i}") for i, p in enumerate(principals)]
    members += [InitialMember(Account.create().address, f"Member {i}") for i in range(len(members), 1_500)]
    big = Consortium(chain, deploy_suite(chain, accounts[0], suite_params(accounts, members=tuple(members))))
    rounds = Round(big, accounts)
    reg, proxy = big.membership.functions, accounts[2].address
    # A second between the steps, so every checkpoint the sanction writes is a new one (the costliest case).
    rounds.advance(1)
    for p in principals[:40]:
        rounds.rpc("anvil_setBalance", [p.address, hex(10**18)])
        big.appoint_proxy(p, proxy)
    rounds.rpc("anvil_setBalance", [principals[40].address, hex(10**18)])
    with pytest.raises(ContractRevertError) as err:
        big.appoint_proxy(principals[40], proxy)
    assert err.value.error_name == "MembershipTooManyPrincipals"
    assert len(reg.principalsOf(proxy).call()) == 40

    rounds.advance(1)
    snapshot = rounds.rpc("evm_snapshot", [])
    costs = {}
    for name, fn in (
        ("suspend", reg.suspend(proxy)),
        ("remove", reg.remove(proxy)),
        ("setRole", reg.setRole(proxy, int(Role.OBSERVER))),
        ("setWeight", reg.setWeight(proxy, 2)),
    ):
        costs[name] = rounds.as_timelock(fn)["gasUsed"]
        rounds.rpc("evm_revert", [snapshot])
        snapshot = rounds.rpc("evm_snapshot", [])
    costs["resign"] = big.resign(accounts[2])["gasUsed"]
    assert max(costs.values()) <= 5_000_000, costs
    print(f"\ngas of sanctioning a proxy with 40 principals at 1,500 members: {costs}")
    assert big.member(principals[0].address).power == 1  # after the resignation every principal votes itself


# ---------------------------------------------------------------- P5: a window to react


def test_p5_governance_contracts_can_never_be_members(rounds: Round, dao) -> None:
    reg = dao.membership.functions
    for who in (dao.record.governor, dao.record.timelock, dao.record.membership):
        with pytest.raises(ContractRevertError) as err:
            rounds.as_timelock(reg.admit(who, int(Role.PARTNER), 0, 1, "Governance itself"))
        assert err.value.error_name == "MembershipInvalidAccount"


def test_p5_delays_never_go_below_their_floors(rounds: Round, dao, chain, accounts) -> None:
    gov, tl = dao.governor.functions, dao.timelock.functions
    for fn, error in (
        (gov.setVotingDelay(3_599), "GovernorInvalidTiming"),
        (gov.setVotingPeriod(3_599), "GovernorInvalidTiming"),
        (gov.setLateQuorumVoteExtension(7_201), "GovernorPreventLateQuorumVoteExtensionTooLarge"),
    ):
        proposal = rounds.propose(
            [actions.raw(dao.record.governor, bytes.fromhex(fn._encode_transaction_data()[2:]))], error
        )
        assert decide(rounds, [proposal]) == [ProposalState.SUCCEEDED]
        queue_ready(rounds, [proposal])
        with pytest.raises(ContractRevertError) as err:
            dao.execute(accounts[1], proposal)
        assert err.value.error_name in (error, "FailedCall")
    with pytest.raises(ContractRevertError) as err:
        rounds.as_timelock(tl.updateDelay(86_399))
    assert err.value.error_name == "TimelockDelayOutOfBounds"
    # A consortium cannot even be deployed without the window: no voting delay, a timelock delay of an hour.
    for change in ({"voting_delay": 0}, {"timelock_delay": 3_600}):
        with pytest.raises(ContractRevertError):
            deploy_suite(chain, accounts[0], suite_params(accounts, **change))


# ---------------------------------------------------------------- P6: no lost votes


def test_p6_principals_vote_themselves_when_their_proxy_is_sanctioned(rounds: Round, dao, accounts) -> None:
    reg = dao.membership.functions
    dao.appoint_proxy(accounts[4], accounts[6].address)
    dao.appoint_proxy(accounts[5], accounts[6].address)
    proposal = rounds.open([actions.signal()], "Open while the proxy is sanctioned")
    rounds.as_timelock(reg.suspend(accounts[6].address))
    with pytest.raises(ContractRevertError) as err:  # the sanctioned proxy cannot vote
        dao.vote(accounts[6], proposal.id, FOR)
    assert err.value.error_name == "GovernorVoterNotActive"
    dao.vote(accounts[4], proposal.id, FOR)  # each principal votes with its own power at the snapshot
    dao.vote(accounts[5], proposal.id, AGAINST)
    assert dao.tally(proposal.id)[FOR] == 1 and dao.tally(proposal.id)[AGAINST] == 1
    rounds.as_timelock(reg.reinstate(accounts[6].address))
    with pytest.raises(ContractRevertError):  # reinstated, the proxy still cannot vote on it: nothing counts twice
        dao.vote(accounts[6], proposal.id, FOR)


def test_p6_a_proxy_that_voted_before_its_sanction_voted_for_its_principals(rounds: Round, dao, accounts) -> None:
    dao.appoint_proxy(accounts[4], accounts[6].address)
    proposal = rounds.open([actions.signal()], "The proxy votes first")
    dao.vote(accounts[6], proposal.id, FOR)  # with its own and its principal's power: 2
    dao.resign(accounts[6])
    with pytest.raises(ContractRevertError) as err:
        dao.vote(accounts[4], proposal.id, AGAINST)
    assert err.value.error_name == "GovernorNoVotingPower"
    assert dao.tally(proposal.id)[FOR] == 2


def test_p6_constitutional_votes_follow_the_same_rule(rounds: Round, dao, accounts) -> None:
    dao.appoint_proxy(accounts[4], accounts[6].address)
    proposal = rounds.open([actions.amend_agreement(dao.record.membership, b"\x77" * 32, "ipfs://v2")], "Amend")
    rounds.as_timelock(dao.membership.functions.remove(accounts[6].address))
    dao.vote(accounts[4], proposal.id, FOR)
    assert dao.tally(proposal.id)[FOR] == 1
