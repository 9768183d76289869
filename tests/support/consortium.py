"""The test consortium: 12 partners of weight 1 (accounts 1..12; 1 and 2 founding), with rules chosen so that every
category's quorum and threshold fall on whole votes."""

from __future__ import annotations

from eth_account.signers.local import LocalAccount

from ccsi_dao.governance.deployment import InitialMember, SuiteParams
from ccsi_dao.types import Category, Ratio, Role, StakeholderGroup

TEST_RULES = {
    Category.ORDINARY: (Ratio(1, 4), Ratio(1, 2)),
    Category.TREASURY: (Ratio(1, 3), Ratio(1, 2)),
    Category.MEMBERSHIP: (Ratio(1, 2), Ratio(2, 3)),
    Category.CONSTITUTIONAL: (Ratio(2, 3), Ratio(3, 4)),
}
VOTING_DELAY = 3_600  # the floor every consortium keeps (1 hour)
VOTING_PERIOD = 7_200
TIMELOCK_DELAY = 86_400  # the floor every consortium keeps (1 day)


def suite_params(accounts: list[LocalAccount], **overrides: object) -> SuiteParams:
    """Parameters of the test consortium; keyword arguments override single fields."""
    members = tuple(
        InitialMember(
            a.address,
            f"Partner {i}",
            Role.FOUNDING_PARTNER if i <= 2 else Role.PARTNER,
            StakeholderGroup(i % 6),
        )
        for i, a in enumerate(accounts[1:13], start=1)
    )
    fields: dict[str, object] = {
        "name": "CCSI Test Consortium",
        "members": members,
        "agreement_hash": bytes.fromhex("11" * 32),
        "agreement_uri": "ipfs://agreement-v1",
        "rules": TEST_RULES,
        "floors": (Ratio(1, 10), Ratio(1, 2)),
        "voting_delay": VOTING_DELAY,
        "voting_period": VOTING_PERIOD,
        "late_quorum_extension": 0,
        "early_close": False,
        "timelock_delay": TIMELOCK_DELAY,
    }
    fields.update(overrides)
    return SuiteParams(**fields)  # type: ignore[arg-type]
