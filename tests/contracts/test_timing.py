"""Early close once the outcome cannot change, and the late-quorum extension."""

from __future__ import annotations

import pytest

from ccsi_dao.errors import ContractRevertError
from ccsi_dao.governance import actions
from ccsi_dao.governance.consortium import Consortium
from ccsi_dao.governance.deployment import deploy_suite
from ccsi_dao.types import ProposalState
from tests.support.consortium import suite_params
from tests.support.scenario import AGAINST, FOR, Round


@pytest.fixture
def timed(dao, chain, accounts) -> Round:
    """A consortium with early close and a 300 s late-quorum extension (dao's snapshot rolls it back)."""
    record = deploy_suite(chain, accounts[0], suite_params(accounts, early_close=True, late_quorum_extension=300))
    return Round(Consortium(chain, record), accounts)


def test_closes_early_once_passing_is_certain(timed: Round, accounts) -> None:
    dao = timed.dao
    proposal = timed.open([actions.signal()])  # ordinary: quorum 3 of 12, more for than against
    timed.vote(proposal, range(1, 6), FOR)
    assert dao.state(proposal.id) == ProposalState.ACTIVE  # 5 for; 7 uncast could still win 7 to 5
    timed.vote(proposal, [6], AGAINST)
    timed.vote(proposal, [7], FOR)
    assert dao.state(proposal.id) == ProposalState.ACTIVE  # 6 to 1; 5 uncast could still tie it 6 to 6
    timed.vote(proposal, [8], FOR)
    assert dao.state(proposal.id) == ProposalState.SUCCEEDED  # 7 to 1; 4 uncast: at worst 7 to 5
    assert timed.now() < dao.governor.functions.proposalDeadline(proposal.id).call()
    with pytest.raises(ContractRevertError, match="is succeeded, but this needs it to be active"):
        dao.vote(accounts[9], proposal.id, AGAINST)
    timed.enact(proposal)
    assert dao.state(proposal.id) == ProposalState.EXECUTED


def test_closes_early_once_failing_is_certain(timed: Round) -> None:
    dao = timed.dao
    proposal = timed.open([actions.signal()])
    timed.vote(proposal, range(1, 6), AGAINST)
    assert dao.state(proposal.id) == ProposalState.ACTIVE  # 7 uncast could still win 7 to 5
    timed.vote(proposal, [6], AGAINST)
    assert dao.state(proposal.id) == ProposalState.DEFEATED  # 6 uncast can at best tie


def test_without_early_close_voting_runs_to_the_deadline(rounds_plain: Round) -> None:
    dao = rounds_plain.dao
    proposal = rounds_plain.open([actions.signal()])
    rounds_plain.vote(proposal, range(1, 13), FOR)
    assert dao.state(proposal.id) == ProposalState.ACTIVE


@pytest.fixture
def rounds_plain(dao, accounts) -> Round:
    return Round(dao, accounts)


def test_late_quorum_extends_the_deadline(timed: Round) -> None:
    dao = timed.dao
    amend = actions.amend_agreement(dao.record.membership, b"\x33" * 32, "ipfs://v2")  # quorum 8 of 12
    proposal = timed.open([amend])
    deadline = dao.governor.functions.proposalDeadline(proposal.id).call()
    timed.vote(proposal, range(1, 5), FOR)
    timed.advance(deadline - timed.now() - 10)  # ten seconds before the end
    timed.vote(proposal, range(5, 9), FOR)  # quorum reached now
    extended = dao.governor.functions.proposalDeadline(proposal.id).call()
    assert extended >= deadline - 10 + 300 - 2
    assert extended > deadline
    timed.advance(deadline - timed.now() + 1)  # past the original deadline: still open
    assert dao.state(proposal.id) == ProposalState.ACTIVE
    timed.advance(extended - timed.now() + 1)
    assert dao.state(proposal.id) == ProposalState.SUCCEEDED


def test_quorum_reached_early_does_not_extend(timed: Round) -> None:
    dao = timed.dao
    amend = actions.amend_agreement(dao.record.membership, b"\x33" * 32, "ipfs://v2")
    proposal = timed.open([amend])
    deadline = dao.governor.functions.proposalDeadline(proposal.id).call()
    timed.vote(proposal, range(1, 9), FOR)
    assert dao.governor.functions.proposalDeadline(proposal.id).call() == deadline
