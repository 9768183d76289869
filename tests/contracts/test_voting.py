"""Who may vote on a proposal: the electorate frozen at the snapshot, active membership when voting, and votes
by EIP-712 signature that cannot be replayed or moved."""

from __future__ import annotations

import dataclasses

import pytest
from eth_account import Account
from eth_account.messages import encode_typed_data
from web3.logs import DISCARD

from ccsi_dao.errors import ContractRevertError, UserError
from ccsi_dao.governance import actions
from ccsi_dao.governance.consortium import Ballot, Consortium
from ccsi_dao.governance.deployment import deploy_suite
from ccsi_dao.types import Role, StakeholderGroup
from tests.support.consortium import suite_params
from tests.support.scenario import AGAINST, FOR, Round

BALLOT_TYPE = [
    {"name": "proposalId", "type": "uint256"},
    {"name": "support", "type": "uint8"},
    {"name": "voter", "type": "address"},
    {"name": "nonce", "type": "uint256"},
]


@pytest.fixture
def rounds(dao, accounts) -> Round:
    return Round(dao, accounts)


def test_admitted_after_the_snapshot_cannot_vote(rounds: Round, dao, accounts) -> None:
    proposal = rounds.open([actions.signal()])
    rounds.as_timelock(
        dao.membership.functions.admit(
            accounts[13].address, int(Role.PARTNER), int(StakeholderGroup.BUSINESS), 5, "Late Ltd"
        )
    )
    # It has not been a voting member without interruption since the snapshot (and held nothing then).
    with pytest.raises(ContractRevertError, match="without interruption since the proposal's snapshot") as err:
        dao.vote(accounts[13], proposal.id, FOR)
    assert err.value.error_name == "GovernorVoterNotActive"


def test_weight_raised_after_the_snapshot_does_not_count(rounds: Round, dao, accounts) -> None:
    proposal = rounds.open([actions.signal()])
    rounds.as_timelock(dao.membership.functions.setWeight(accounts[3].address, 5))
    dao.vote(accounts[3], proposal.id, FOR)
    assert dao.tally(proposal.id)[FOR] == 1


def test_proxy_appointed_after_the_snapshot_adds_nothing(rounds: Round, dao, accounts) -> None:
    proposal = rounds.open([actions.signal()])
    dao.appoint_proxy(accounts[4], accounts[5].address)
    dao.vote(accounts[5], proposal.id, FOR)
    dao.vote(accounts[4], proposal.id, AGAINST)  # the principal's power was its own at the snapshot
    assert (dao.tally(proposal.id)[FOR], dao.tally(proposal.id)[AGAINST]) == (1, 1)


def test_suspended_member_cannot_vote(rounds: Round, dao, accounts) -> None:
    proposal = rounds.open([actions.signal()])
    rounds.as_timelock(dao.membership.functions.suspend(accounts[6].address))
    with pytest.raises(ContractRevertError, match="not an active voting member") as err:
        dao.vote(accounts[6], proposal.id, FOR)
    assert err.value.error_name == "GovernorVoterNotActive"


def test_resigned_member_cannot_vote_or_propose(rounds: Round, dao, accounts) -> None:
    proposal = rounds.open([actions.signal()])
    dao.resign(accounts[7])
    with pytest.raises(ContractRevertError, match="not an active voting member"):
        dao.vote(accounts[7], proposal.id, FOR)
    with pytest.raises(ContractRevertError, match="cannot propose"):
        dao.propose(accounts[7], [actions.signal()], "After leaving")


def test_signed_ballot_is_relayed_by_anyone(rounds: Round, dao, accounts) -> None:
    proposal = rounds.open([actions.signal()])
    ballot = dao.sign_ballot(accounts[3], proposal.id, FOR, reason="Signed offline in Bucharest")
    restored = Ballot.from_json(ballot.to_json())
    assert restored == ballot
    receipt = dao.relay(accounts[18], restored)  # a non-member pays the gas
    cast = dao.governor.events.VoteCast().process_receipt(receipt, errors=DISCARD)[0]["args"]
    assert (cast["voter"], cast["support"], cast["reason"]) == (
        accounts[3].address,
        int(FOR),
        "Signed offline in Bucharest",
    )
    assert dao.governor.functions.hasVoted(proposal.id, accounts[3].address).call()


def test_a_ballot_cannot_be_replayed(rounds: Round, dao, accounts) -> None:
    first = rounds.open([actions.signal()], "First")
    second = rounds.open([actions.signal()], "Second")
    ballot = dao.sign_ballot(accounts[3], first.id, FOR)
    dao.relay(accounts[0], ballot)
    with pytest.raises(ContractRevertError) as err:  # same ballot again: its nonce is used up
        dao.relay(accounts[0], ballot)
    assert err.value.error_name == "GovernorInvalidSignature"
    with pytest.raises(ContractRevertError) as err:  # the same signature on another proposal
        dao.relay(accounts[0], dataclasses.replace(ballot, proposal_id=second.id, nonce=ballot.nonce + 1))
    assert err.value.error_name == "GovernorInvalidSignature"
    with pytest.raises(ContractRevertError) as err:  # a ballot whose vote was changed after signing
        tampered = dao.sign_ballot(accounts[4], first.id, FOR)
        dao.relay(accounts[0], dataclasses.replace(tampered, support=AGAINST))
    assert err.value.error_name == "GovernorInvalidSignature"


def test_a_ballot_is_bound_to_its_governor_and_chain(rounds: Round, dao, accounts, chain) -> None:
    proposal = rounds.open([actions.signal()])
    ballot = dao.sign_ballot(accounts[3], proposal.id, FOR)
    with pytest.raises(UserError, match="not this consortium"):
        dao.relay(accounts[0], dataclasses.replace(ballot, chain_id=1))

    # A second consortium with the same members: the ballot's signature is not valid there.
    twin = Consortium(chain, deploy_suite(chain, accounts[0], suite_params(accounts)))
    twin_round = Round(twin, accounts)
    twin_proposal = twin_round.open([actions.signal()])
    moved = dataclasses.replace(ballot, governor=twin.record.governor, proposal_id=twin_proposal.id)
    with pytest.raises(ContractRevertError) as err:
        twin.relay(accounts[0], moved)
    assert err.value.error_name == "GovernorInvalidSignature"

    # Signed for another chain id (a fork, a test network), the signature does not verify here.
    message = {"proposalId": proposal.id, "support": int(FOR), "voter": accounts[3].address, "nonce": 0}
    domain = {"name": dao.name, "version": "1", "chainId": 1, "verifyingContract": dao.record.governor}
    signable = encode_typed_data(domain_data=domain, message_types={"Ballot": BALLOT_TYPE}, message_data=message)
    forged = dataclasses.replace(ballot, signature=bytes(Account.sign_message(signable, accounts[3].key).signature))
    with pytest.raises(ContractRevertError) as err:
        dao.relay(accounts[0], forged)
    assert err.value.error_name == "GovernorInvalidSignature"


def test_a_ballot_signed_before_resignation_no_longer_counts(rounds: Round, dao, accounts) -> None:
    proposal = rounds.open([actions.signal()])
    ballot = dao.sign_ballot(accounts[8], proposal.id, FOR)
    dao.resign(accounts[8])
    with pytest.raises(ContractRevertError) as err:
        dao.relay(accounts[0], ballot)
    assert err.value.error_name == "GovernorVoterNotActive"


def test_ballot_file_rejects_garbage() -> None:
    with pytest.raises(UserError, match="not a valid ccsi-dao ballot"):
        Ballot.from_json({"type": "ccsi-dao ballot", "support": "maybe"})
