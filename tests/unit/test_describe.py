"""Actions in words (``ActionDescriber``): the words for a rules change with chambers, and a call whose arguments
cannot be put into words, which any member can propose, shown raw instead of breaking the log, the report and the
dashboard that word every action."""

from __future__ import annotations

from ccsi_dao.governance import actions
from ccsi_dao.governance.actions import Action
from ccsi_dao.governance.decisions import FOUNDING_PARTNERS, ChamberCondition, pack_conditions
from ccsi_dao.governance.deployment import DeploymentRecord
from ccsi_dao.governance.describe import ActionDescriber
from ccsi_dao.types import Category, Ratio, Role, StakeholderGroup

GOVERNOR = "0x5FC8d32690cc91D4c39d9d3abcBD16989F875707"
REGISTRY = "0x9fE46736679d2D9a65F0992F2272dE9f3c7fa6e0"
TIMELOCK = "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512"
TOKEN = "0xCf7Ed3AccA5a467e9e704C703E8D87F634fB0Fc9"
MEMBER = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"


def describer() -> ActionDescriber:
    record = DeploymentRecord(
        consortium="Test", chain_id=31337, governor=GOVERNOR, membership=REGISTRY, timelock=TIMELOCK,
        deployer=MEMBER, start_block=1, block_number=1, block_hash="0x" + "ab" * 32, deployed_at=1, libraries={},
        transactions={}, artifacts={},
    )  # fmt: skip
    return ActionDescriber(record, lambda address: "Partner A" if address == MEMBER else None)


def test_a_rules_change_names_its_chambers_and_approval_voting() -> None:
    rules = {c: (Ratio(1, 4), Ratio(1, 2)) for c in Category}
    consent = ChamberCondition(members=FOUNDING_PARTNERS, blocking=Ratio(0, 1))
    words = describer().describe(
        actions.update_rules(REGISTRY, rules, True, {Category.ORDINARY: pack_conditions([consent])}, True)
    )
    assert words.startswith("change the rules: ordinary quorum 1/4, approval 1/2, and " + consent.describe() + ";")
    assert words.endswith("; early close on; approval voting on choices allowed")
    assert words.count(consent.describe()) == 1  # the other categories have no chamber


def test_arguments_that_cannot_be_put_into_words_are_shown_raw() -> None:
    d = describer()
    good = actions.admit(REGISTRY, MEMBER, "Partner A", Role.PARTNER, StakeholderGroup.ACADEMIA)
    assert d.describe(good).startswith(f"admit {MEMBER} (Partner A) as ")
    no_such_role = Action(REGISTRY, 0, good.data[:4] + good.data[4:36] + (9).to_bytes(32, "big") + good.data[68:])
    assert d.describe(no_such_role).startswith(f"call admit(account={MEMBER.lower()}, role=9, ")
    assert d.describe(no_such_role).endswith(") on the membership registry")
    transfer = actions.transfer_erc20(TOKEN, MEMBER, 5)
    dirty_address = Action(TOKEN, 0, transfer.data[:4] + b"\xff" * 12 + transfer.data[16:])
    assert d.describe(dirty_address) == f"call transfer on {TOKEN} with malformed arguments"
