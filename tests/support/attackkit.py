"""Tools shared by the adversarial tests: deploying the attack contracts of ``contracts/test/``, encoding calls,
naming the custom error a refused call reverted with, and driving several proposals through one round."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from eth_account.signers.local import LocalAccount
from web3.exceptions import ContractCustomError, ContractLogicError

from ccsi_dao.abi.artifacts import TEST_ARTIFACTS_DIR, artifact_names, load_artifact, load_test_artifact
from ccsi_dao.abi.reverts import RevertDecoder
from ccsi_dao.governance.actions import Action
from ccsi_dao.governance.consortium import Consortium, Proposal
from ccsi_dao.types import ProposalState
from tests.support.scenario import Round

# Every custom error of the suite and of the test contracts, so a refused call can be named exactly.
DECODER = RevertDecoder(
    [load_artifact(name).abi for name in artifact_names()]
    + [load_test_artifact(name).abi for name in artifact_names(TEST_ARTIFACTS_DIR)]
)


def deploy(dao: Consortium, deployer: LocalAccount, name: str, *args: Any) -> Any:
    """Deploy test contract ``name`` from ``deployer``; return it as a web3 contract."""
    artifact = load_test_artifact(name)
    address, _ = dao.chain.deploy(deployer, artifact.abi, artifact.bytecode, *args, action=f"deploying {name}")
    return dao.chain.w3.eth.contract(address=address, abi=artifact.abi)


def at(dao: Consortium, name: str, address: str) -> Any:
    """Test contract ``name`` at ``address``."""
    return dao.chain.w3.eth.contract(address=address, abi=load_test_artifact(name).abi)


def data(fn: Any) -> bytes:
    """The calldata of a web3 contract function call."""
    return bytes.fromhex(fn._encode_transaction_data()[2:])


def call_of(fn: Any, value: int = 0) -> Action:
    """A proposal action making the call ``fn``."""
    return Action(fn.address, value, data(fn))


def error_name(revert_data: bytes | str) -> str | None:
    """Name of the custom error in ``revert_data`` (None for an empty or unknown revert)."""
    return DECODER.decode(revert_data).error_name


def refusal(dao: Consortium, sender: str, fn: Any, value: int = 0) -> str | None:
    """Dry-run ``fn`` from ``sender`` (``eth_call``, nothing is sent); the custom error it reverts with.

    Fails the test if the call would succeed.
    """
    tx = {"from": sender, "to": fn.address, "data": data(fn), "value": value}
    try:
        dao.chain.w3.eth.call(tx)
    except (ContractCustomError, ContractLogicError) as exc:
        return error_name(exc.data if isinstance(exc.data, str) else "")
    raise AssertionError(f"{fn.fn_name} from {sender} was accepted")


def governor_salt(dao: Consortium, proposal: Proposal) -> bytes:
    """The timelock salt the governor uses for ``proposal``: ``bytes20(governor) ^ descriptionHash``."""
    governor = bytes.fromhex(dao.record.governor[2:]).ljust(32, b"\0")
    return bytes(a ^ b for a, b in zip(governor, proposal.description_hash, strict=True))


def decide(rounds: Round, proposals: Sequence[Proposal], voters: Iterable[int] = range(1, 13)) -> list[ProposalState]:
    """Move past the snapshots of ``proposals`` (already proposed), let ``voters`` vote for each, close the vote."""
    latest = max(p.snapshot for p in proposals)
    rounds.advance(max(latest - rounds.now() + 1, 1))
    voters = list(voters)
    for p in proposals:
        rounds.vote(p, voters)
    return [rounds.close(p) for p in proposals]


def queue_ready(rounds: Round, proposals: Sequence[Proposal], executor: int = 1) -> None:
    """Queue succeeded ``proposals`` and wait out the timelock delay."""
    for p in proposals:
        rounds.dao.queue(rounds.accounts[executor], p)
    eta = max(rounds.dao.governor.functions.proposalEta(p.id).call() for p in proposals)
    rounds.advance(max(eta - rounds.now(), 1))
