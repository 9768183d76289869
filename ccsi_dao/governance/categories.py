"""Which category a proposal falls into, re-derived in Python from the contract's documented rules.

``GovernorCategoryRules`` derives each proposal's category on chain from its actions, strictest wins. The membership
operations are known here once, by signature: the action builders (:mod:`.actions`), the describer, the history and
verification all take them from this module, so a membership operation added to the contracts is added in one
Python place.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from eth_utils import function_signature_to_4byte_selector, to_checksum_address

from ccsi_dao.types import Category

if TYPE_CHECKING:
    from ccsi_dao.governance.actions import Action
    from ccsi_dao.governance.deployment import DeploymentRecord

ADMIT = "admit(address,uint8,uint8,uint96,string)"
REMOVE = "remove(address)"
SUSPEND = "suspend(address)"
REINSTATE = "reinstate(address)"
SET_ROLE = "setRole(address,uint8)"
SET_WEIGHT = "setWeight(address,uint96)"
MEMBERSHIP_OPERATIONS = (ADMIT, REMOVE, SUSPEND, REINSTATE, SET_ROLE, SET_WEIGHT)
"""The registry functions a membership decision may call (without value); any other registry call is
constitutional."""
MEMBERSHIP_SELECTORS = frozenset(function_signature_to_4byte_selector(s) for s in MEMBERSHIP_OPERATIONS)


def categorize_call(record: DeploymentRecord, target: str, value: int, data: bytes) -> Category:
    """``GovernorCategoryRules._categorizeCall``, re-derived in Python from the contract's documented rules."""
    target = to_checksum_address(target)
    if target in (record.governor, record.timelock):
        return Category.CONSTITUTIONAL
    if target == record.membership:
        if len(data) < 4:
            return Category.CONSTITUTIONAL
        if data[:4] in MEMBERSHIP_SELECTORS:
            return Category.MEMBERSHIP if value == 0 else Category.CONSTITUTIONAL
        return Category.CONSTITUTIONAL
    if int(target, 16) == 0 and value == 0 and not data:
        return Category.ORDINARY
    return Category.TREASURY


def categorize(record: DeploymentRecord, actions: Iterable[Action]) -> Category:
    """The strictest category of the actions (``GovernorCategoryRules.categorize``)."""
    category = Category.ORDINARY
    for action in actions:
        category = max(category, categorize_call(record, action.target, action.value, action.data))
    return Category(category)
