"""Which category a proposal falls into, re-derived in Python from the contract's documented rules.

``GovernorCategoryRules`` derives each proposal's category on chain from its actions, strictest wins, and writes it
into the proposal's id (bits 255..254; bit 253 marks proposals that suspend or remove members). The membership
operations are known here once, by signature: the action builders (:mod:`.actions`), the describer, the history and
verification all take them from this module, so a membership operation added to the contracts is added in one
Python place.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from eth_utils import function_signature_to_4byte_selector, to_checksum_address

from ccsi_dao.types import Category, Role

if TYPE_CHECKING:
    from ccsi_dao.governance.actions import Action
    from ccsi_dao.governance.deployment import DeploymentRecord

ADMIT = "admit(address,uint8,uint8,uint32,string)"
REMOVE = "remove(address)"
SUSPEND = "suspend(address)"
REINSTATE = "reinstate(address)"
SET_ROLE = "setRole(address,uint8)"
SET_GROUP = "setGroup(address,uint8)"
SET_WEIGHT = "setWeight(address,uint32)"
SET_CONSTITUTIONAL_VOTE = "setConstitutionalVote(address,bool)"
MEMBERSHIP_OPERATIONS = (ADMIT, REMOVE, SUSPEND, REINSTATE, SET_ROLE, SET_GROUP, SET_WEIGHT, SET_CONSTITUTIONAL_VOTE)
"""The registry functions that change a membership. Only admitting a partner or an observer (without value) is a
membership decision; every other one moves power among the existing members and is constitutional."""
MEMBERSHIP_SELECTORS = frozenset(function_signature_to_4byte_selector(s) for s in MEMBERSHIP_OPERATIONS)
ADMIT_SELECTOR = function_signature_to_4byte_selector(ADMIT)
SANCTION_SELECTORS = frozenset(function_signature_to_4byte_selector(s) for s in (SUSPEND, REMOVE))
"""Operations whose target's power the proposal's quorum leaves out (``GovernorCategoryRules``)."""

CATEGORY_SHIFT = 254
SANCTIONS_FLAG = 1 << 253
"""Proposal ids carry their category in bits 255..254 and, in bit 253, whether they suspend or remove members."""


def category_of_id(proposal_id: int) -> Category:
    """The category a proposal id carries (``IConsortiumGovernor``: bits 255..254)."""
    return Category(proposal_id >> CATEGORY_SHIFT)


def sanctions_in_id(proposal_id: int) -> bool:
    """Whether a proposal id says the proposal suspends or removes members (bit 253)."""
    return bool(proposal_id & SANCTIONS_FLAG)


def sanctioned(record: DeploymentRecord, target: str, value: int, data: bytes) -> str | None:
    """The member a call suspends or removes, as ``GovernorCategoryRules`` reads it (a clean address word only)."""
    if to_checksum_address(target) != record.membership or len(data) < 36 or data[:4] not in SANCTION_SELECTORS:
        return None
    word = int.from_bytes(data[4:36], "big")
    return to_checksum_address(word.to_bytes(20, "big")) if word >> 160 == 0 else None


def categorize_call(record: DeploymentRecord, target: str, value: int, data: bytes) -> Category:
    """``GovernorCategoryRules._categorizeCall``, re-derived in Python from the contract's documented rules."""
    target = to_checksum_address(target)
    if target in (record.governor, record.timelock):
        return Category.CONSTITUTIONAL
    if target == record.membership:
        if data[:4] == ADMIT_SELECTOR and value == 0 and len(data) >= 68:
            role = int.from_bytes(data[36:68], "big")
            if role in (Role.PARTNER, Role.OBSERVER):
                return Category.MEMBERSHIP
        return Category.CONSTITUTIONAL
    if int(target, 16) == 0 and value == 0 and not data:
        return Category.ORDINARY
    return Category.TREASURY


def categorize(record: DeploymentRecord, actions: Iterable[Action]) -> Category:
    """The strictest category of the actions (the top bits of ``getProposalId``)."""
    category = Category.ORDINARY
    for action in actions:
        category = max(category, categorize_call(record, action.target, action.value, action.data))
    return Category(category)
