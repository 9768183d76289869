"""Proposals: what the governor hashes into a proposal's id, and where a proposal stands."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from eth_utils import keccak, to_checksum_address

from ccsi_dao.chain.codec import text_bytes
from ccsi_dao.errors import UserError
from ccsi_dao.governance.actions import Action
from ccsi_dao.governance.categories import category_of_id
from ccsi_dao.types import Category, ProposalState, Ratio, VoteType


@dataclass(frozen=True)
class Proposal:
    """A proposal's content: what the governor hashes into its id."""

    id: int
    proposer: str
    actions: tuple[Action, ...]
    description: str
    snapshot: int
    deadline: int

    @property
    def category(self) -> Category:
        """The category the governor derived from the actions (carried by the id's top bits)."""
        return category_of_id(self.id)

    @property
    def text(self) -> str:
        """The description without OpenZeppelin's ``#proposer=`` suffix."""
        return description_text(self.description)

    @property
    def description_hash(self) -> bytes:
        return keccak(text_bytes(self.description))

    def call_args(self) -> tuple[list[str], list[int], list[bytes], bytes]:
        """``(targets, values, calldatas, descriptionHash)`` for queue, execute and cancel."""
        return (
            [a.target for a in self.actions],
            [a.value for a in self.actions],
            [a.data for a in self.actions],
            self.description_hash,
        )


@dataclass(frozen=True)
class ProposalStatus:
    """Where a proposal stands: state, category, votes and the rule it is judged by."""

    proposal: Proposal
    state: ProposalState
    category: Category
    votes: dict[VoteType, int]
    quorum: Ratio
    approval: Ratio
    total_power: int  # at the snapshot once it has passed, else now
    quorum_votes: int  # votes needed for the quorum
    deadline: int  # with any late-quorum extension
    eta: int  # 0 unless queued

    @property
    def participation(self) -> int:
        return sum(self.votes.values())

    @property
    def approval_share(self) -> Ratio | None:
        decided = self.votes[VoteType.FOR] + self.votes[VoteType.AGAINST]
        return Ratio(self.votes[VoteType.FOR], decided) if decided else None


def description_text(description: str) -> str:
    """A proposal's description without OpenZeppelin's ``#proposer=`` suffix (which protects it from front-running)."""
    head, sep, tail = description.rpartition("#proposer=")
    return head if sep and len(tail) == 42 else description


def split_actions(actions: Sequence[Action]) -> tuple[list[str], list[int], list[bytes]]:
    if not actions:
        raise UserError("a proposal needs at least one action")
    return [a.target for a in actions], [a.value for a in actions], [a.data for a in actions]


def proposal_from_event(args: Any) -> Proposal:
    return Proposal(
        id=int(args["proposalId"]),
        proposer=args["proposer"],
        actions=tuple(
            Action(to_checksum_address(t), int(v), bytes(d))
            for t, v, d in zip(args["targets"], args["values"], args["calldatas"], strict=True)
        ),
        description=args["description"],
        snapshot=int(args["voteStart"]),
        deadline=int(args["voteEnd"]),
    )
