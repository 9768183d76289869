"""On-chain enumerations, value types and the names people use for them, shared by every part of ccsi-dao.

The integer values mirror the Solidity enums in ``contracts/`` exactly; changing one side
without the other breaks ABI decoding.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum


class Role(IntEnum):
    """A member's role (``IConsortiumMembership.Role``)."""

    NONE = 0
    FOUNDING_PARTNER = 1
    PARTNER = 2
    OBSERVER = 3  # a member without vote


class StakeholderGroup(IntEnum):
    """The stakeholder group an organisation belongs to (``IConsortiumMembership.StakeholderGroup``)."""

    MINISTRY_AGENCY = 0
    CIVIL_SOCIETY = 1  # NGOs, associations, civil society
    ACADEMIA = 2
    BUSINESS = 3
    MUNICIPALITY = 4
    OTHER = 5


class MemberStatus(IntEnum):
    """A membership's status (``IConsortiumMembership.Status``)."""

    NONE = 0
    ACTIVE = 1
    SUSPENDED = 2
    RESIGNED = 3
    REMOVED = 4


class Category(IntEnum):
    """Proposal category, from least to most strict (``IConsortiumGovernor.Category``)."""

    ORDINARY = 0
    TREASURY = 1
    MEMBERSHIP = 2
    CONSTITUTIONAL = 3


class ProposalState(IntEnum):
    """OpenZeppelin ``IGovernor.ProposalState``."""

    PENDING = 0
    ACTIVE = 1
    CANCELED = 2
    DEFEATED = 3
    SUCCEEDED = 4
    QUEUED = 5
    EXPIRED = 6
    EXECUTED = 7


class VoteType(IntEnum):
    """OpenZeppelin ``GovernorCountingSimple.VoteType``."""

    AGAINST = 0
    FOR = 1
    ABSTAIN = 2


@dataclass(frozen=True)
class Ratio:
    """An exact share such as 2/3, stored on chain as ``Fraction{numerator, denominator}`` (uint16 each)."""

    numerator: int
    denominator: int

    def __post_init__(self) -> None:
        if not 0 < self.denominator <= 0xFFFF or not 0 <= self.numerator <= self.denominator:
            raise ValueError(f"{self.numerator}/{self.denominator} is not a share between 0 and 1")

    def as_tuple(self) -> tuple[int, int]:
        return (self.numerator, self.denominator)

    def __str__(self) -> str:
        return f"{self.numerator}/{self.denominator}"


def role_name(role: Role) -> str:
    """The agreement's spelling of ``role``, e.g. ``founding-partner``."""
    return role.name.lower().replace("_", "-")


def group_name(group: StakeholderGroup) -> str:
    """The agreement's spelling of ``group``, e.g. ``civil-society``."""
    return group.name.lower().replace("_", "-")
