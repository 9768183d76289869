"""The whole governance lifecycle through execution, and the proposal rules around it."""

from __future__ import annotations

import pytest

from ccsi_dao.errors import ContractRevertError
from ccsi_dao.governance import actions
from ccsi_dao.types import Category, MemberStatus, ProposalState, Role, StakeholderGroup
from tests.support.scenario import AGAINST, FOR, Round


@pytest.fixture
def rounds(dao, accounts) -> Round:
    return Round(dao, accounts)


def test_admitting_a_partner_goes_through_every_state(rounds: Round, dao, accounts) -> None:
    newcomer = accounts[13].address
    admit = actions.admit(
        dao.record.membership, newcomer, "Università di Bologna", Role.PARTNER, StakeholderGroup.ACADEMIA
    )
    proposal = rounds.propose([admit], "Admit the University of Bologna")
    assert dao.state(proposal.id) == ProposalState.PENDING
    assert dao.governor.functions.proposalCategory(proposal.id).call() == Category.MEMBERSHIP

    rounds.advance(proposal.snapshot - rounds.now() + 1)
    assert dao.state(proposal.id) == ProposalState.ACTIVE
    rounds.vote(proposal, range(1, 9), FOR)
    rounds.vote(proposal, [9], AGAINST)
    assert rounds.close(proposal) == ProposalState.SUCCEEDED

    dao.queue(accounts[5], proposal)
    assert dao.state(proposal.id) == ProposalState.QUEUED
    with pytest.raises(ContractRevertError):  # the timelock delay has not passed
        dao.execute(accounts[5], proposal)
    eta = dao.governor.functions.proposalEta(proposal.id).call()
    rounds.advance(eta - rounds.now())
    dao.execute(accounts[5], proposal)
    assert dao.state(proposal.id) == ProposalState.EXECUTED

    member = dao.member(newcomer)
    assert (member.status, member.role, member.group, member.power) == (
        MemberStatus.ACTIVE,
        Role.PARTNER,
        StakeholderGroup.ACADEMIA,
        1,
    )
    assert member.name == "Università di Bologna"


def test_defeated_proposal_cannot_be_queued(rounds: Round, dao, accounts) -> None:
    proposal, state = rounds.tally([actions.signal()], for_=[1, 2], against=[3, 4, 5])
    assert state == ProposalState.DEFEATED
    with pytest.raises(ContractRevertError, match="is defeated, but this needs it to be succeeded"):
        dao.queue(accounts[1], proposal)


def test_execution_cannot_skip_the_timelock(rounds: Round, dao, accounts) -> None:
    proposal, state = rounds.tally([actions.signal()], for_=range(1, 5))
    assert state == ProposalState.SUCCEEDED
    # OpenZeppelin 5.7 (audit H-03): execution requires the Queued state whenever queuing is needed.
    with pytest.raises(ContractRevertError, match="is succeeded, but this needs it to be queued"):
        dao.execute(accounts[1], proposal)


def test_only_members_with_a_vote_may_propose(rounds: Round, dao, accounts) -> None:
    with pytest.raises(ContractRevertError, match="cannot propose") as err:
        dao.propose(accounts[15], [actions.signal()], "An outsider's idea")
    assert err.value.error_name == "GovernorProposerNotMember"
    rounds.as_timelock(dao.membership.functions.setRole(accounts[3].address, int(Role.OBSERVER)))
    with pytest.raises(ContractRevertError, match="cannot propose"):
        dao.propose(accounts[3], [actions.signal()], "An observer's idea")


def test_proposer_suffix_stops_front_running(dao, accounts) -> None:
    description = f"Fund the DiSi Lab#proposer={accounts[1].address.lower()}"
    with pytest.raises(ContractRevertError) as err:
        dao.propose(accounts[2], [actions.signal()], description)
    assert err.value.error_name == "GovernorRestrictedProposer"
    assert dao.propose(accounts[1], [actions.signal()], description).proposer == accounts[1].address


def test_proposer_cannot_cancel_once_voting_started(rounds: Round, dao, accounts) -> None:
    pending = rounds.propose([actions.signal()], "Withdrawn idea")
    dao.cancel(accounts[1], pending)
    assert dao.state(pending.id) == ProposalState.CANCELED

    active = rounds.open([actions.signal()], "Contested idea")
    rounds.vote(active, [2, 3], AGAINST)
    with pytest.raises(ContractRevertError, match="only while it is pending") as err:
        dao.cancel(accounts[1], active)
    assert err.value.error_name == "GovernorUnableToCancel"


def test_each_member_votes_once(rounds: Round, dao, accounts) -> None:
    proposal = rounds.open([actions.signal()])
    dao.vote(accounts[4], proposal.id, FOR, reason="Agreed at the Ljubljana meeting")
    with pytest.raises(ContractRevertError, match="already voted"):
        dao.vote(accounts[4], proposal.id, AGAINST)
    assert dao.tally(proposal.id)[FOR] == 1


def test_queued_proposal_stays_executable_after_the_delay(rounds: Round, dao, accounts) -> None:
    proposal, _ = rounds.tally([actions.signal()], for_=range(1, 5))
    dao.queue(accounts[1], proposal)
    grace = dao.timelock.functions.getMinDelay().call()
    rounds.advance(grace + 10)
    # OpenZeppelin's TimelockController has no expiry: a queued operation stays executable.
    dao.execute(accounts[1], proposal)
    assert dao.state(proposal.id) == ProposalState.EXECUTED
