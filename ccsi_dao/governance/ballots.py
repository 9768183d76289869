"""Ballots: votes signed with EIP-712 by a member, for someone else to relay (gasless voting)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from eth_account.messages import encode_typed_data
from eth_utils import to_checksum_address

from ccsi_dao.chain.signer import SignerLike, as_signer
from ccsi_dao.errors import UserError
from ccsi_dao.types import VoteType

_BALLOT = [
    {"name": "proposalId", "type": "uint256"},
    {"name": "support", "type": "uint8"},
    {"name": "voter", "type": "address"},
    {"name": "nonce", "type": "uint256"},
]
_EXTENDED_BALLOT = [*_BALLOT, {"name": "reason", "type": "string"}, {"name": "params", "type": "bytes"}]


@dataclass(frozen=True)
class Ballot:
    """A vote signed with EIP-712 for someone else to relay (gasless voting)."""

    governor: str
    chain_id: int
    proposal_id: int
    support: VoteType
    voter: str
    nonce: int
    reason: str
    signature: bytes
    options: tuple[int, ...] = ()
    """On a choice, the options (from 0) a vote for is for; carried as the ballot's params."""

    @property
    def params(self) -> bytes:
        """What the governor takes as the ballot's params: ``abi.encode(uint256[] options)``, or nothing."""
        from ccsi_dao.governance.decisions import encode_options

        return encode_options(self.options) if self.options else b""

    def to_json(self) -> dict[str, Any]:
        return {
            "type": "ccsi-dao ballot",
            "governor": self.governor,
            "chain_id": self.chain_id,
            "proposal_id": str(self.proposal_id),
            "support": self.support.name.lower(),
            "voter": self.voter,
            "nonce": self.nonce,
            "reason": self.reason,
            "signature": "0x" + self.signature.hex(),
            **({"options": list(self.options)} if self.options else {}),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Ballot:
        try:
            if data.get("type") != "ccsi-dao ballot":
                raise ValueError
            ballot = cls(
                governor=to_checksum_address(data["governor"]),
                chain_id=int(data["chain_id"]),
                proposal_id=int(data["proposal_id"]),
                support=VoteType[str(data["support"]).upper()],
                voter=to_checksum_address(data["voter"]),
                nonce=int(data["nonce"]),
                reason=str(data.get("reason", "")),
                signature=bytes.fromhex(str(data["signature"]).removeprefix("0x")),
                options=tuple(_option(o) for o in data.get("options") or ()),
            )
        except (KeyError, ValueError, TypeError, AttributeError):
            raise UserError("this is not a valid ccsi-dao ballot file") from None
        if not all(0 <= n < 2**256 for n in (ballot.chain_id, ballot.proposal_id, ballot.nonce)):
            raise UserError("this is not a valid ccsi-dao ballot file: a number in it is out of range")
        return ballot


def _option(value: Any) -> int:
    """An option number of a ballot file (0 to 9); ValueError for anything else."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 10:
        raise ValueError
    return value


def keyed_nonce_key(proposal_id: int) -> int:
    """The key of a ballot's nonce for ``proposal_id`` (OpenZeppelin's ``GovernorNoncesKeyed``: its low 192 bits)."""
    return proposal_id & ((1 << 192) - 1)


def eip712_domain(governor_name: str, chain_id: int, governor: str) -> dict[str, Any]:
    """The EIP-712 domain OpenZeppelin's Governor signs ballots in (its name, version 1, the chain, itself)."""
    return {"name": governor_name, "version": "1", "chainId": chain_id, "verifyingContract": governor}


def sign_ballot(
    account: SignerLike,
    *,
    governor: str,
    governor_name: str,
    chain_id: int,
    proposal_id: int,
    support: VoteType,
    nonce: int,
    reason: str = "",
    options: tuple[int, ...] = (),
) -> Ballot:
    """``account``'s vote signed as OpenZeppelin's Governor checks it (``Ballot``, or ``ExtendedBallot`` with a
    reason), for the governor ``governor`` named ``governor_name`` on chain ``chain_id``; nothing is sent. ``nonce``
    is the voter's nonce keyed by the proposal (:func:`keyed_nonce_key`), so ballots for different proposals never
    exclude each other."""
    signer = as_signer(account)
    message: dict[str, Any] = {
        "proposalId": proposal_id,
        "support": int(support),
        "voter": signer.address,
        "nonce": nonce,
    }
    types = {"Ballot": _BALLOT}
    params = Ballot(governor, chain_id, proposal_id, support, signer.address, nonce, reason, b"", options).params
    if reason or params:
        message.update(reason=reason, params=params)
        types = {"ExtendedBallot": _EXTENDED_BALLOT}
    signable = encode_typed_data(
        domain_data=eip712_domain(governor_name, chain_id, governor), message_types=types, message_data=message
    )
    signature = signer.sign_typed(signable)
    return Ballot(governor, chain_id, proposal_id, support, signer.address, nonce, reason, signature, options)
