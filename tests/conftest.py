"""Shared fixtures: one anvil devnet for the whole session, a deployed test consortium, and isolation.

Every test that touches the chain runs against the session's anvil and is rolled back afterwards through
``evm_snapshot``/``evm_revert``, so each starts from the same freshly deployed consortium.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from eth_account import Account
from eth_account.signers.local import LocalAccount

from ccsi_dao.chain import Chain
from ccsi_dao.devnet import DEV_MNEMONIC, free_port  # noqa: F401 - free_port is imported by tests from here
from ccsi_dao.devnet import start_anvil as start_throwaway_anvil
from ccsi_dao.governance.deployment import InitialMember, SuiteParams, deploy_suite
from ccsi_dao.governance.consortium import Consortium
from ccsi_dao.types import Category, Ratio, Role, StakeholderGroup

ROOT = Path(__file__).resolve().parent.parent
MNEMONIC = DEV_MNEMONIC
N_ACCOUNTS = 20

# The test consortium: 12 partners of weight 1 (accounts 1..12; 1 and 2 founding), rules chosen so that every
# category's quorum and threshold fall on whole votes.
TEST_RULES = {
    Category.ORDINARY: (Ratio(1, 4), Ratio(1, 2)),
    Category.TREASURY: (Ratio(1, 3), Ratio(1, 2)),
    Category.MEMBERSHIP: (Ratio(1, 2), Ratio(2, 3)),
    Category.CONSTITUTIONAL: (Ratio(2, 3), Ratio(3, 4)),
}
VOTING_DELAY = 100
VOTING_PERIOD = 1_000
TIMELOCK_DELAY = 500


def start_anvil(*extra: str, accounts: int = N_ACCOUNTS) -> tuple[subprocess.Popen, str]:
    """A throwaway anvil with ``accounts`` funded dev accounts (:func:`ccsi_dao.devnet.start_anvil`)."""
    return start_throwaway_anvil(*extra, accounts=accounts)


@pytest.fixture(scope="session")
def anvil_url() -> Iterator[str]:
    proc, url = start_anvil()
    yield url
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture(scope="session")
def accounts() -> list[LocalAccount]:
    Account.enable_unaudited_hdwallet_features()
    return [Account.from_mnemonic(MNEMONIC, account_path=f"m/44'/60'/0'/0/{i}") for i in range(N_ACCOUNTS)]


@pytest.fixture(scope="session")
def chain(anvil_url: str) -> Chain:
    return Chain.connect(anvil_url)


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
    fields: dict[str, object] = dict(
        name="CCSI Test Consortium",
        members=members,
        agreement_hash=bytes.fromhex("11" * 32),
        agreement_uri="ipfs://agreement-v1",
        rules=TEST_RULES,
        floors=(Ratio(1, 10), Ratio(1, 2)),
        voting_delay=VOTING_DELAY,
        voting_period=VOTING_PERIOD,
        late_quorum_extension=0,
        early_close=False,
        timelock_delay=TIMELOCK_DELAY,
    )
    fields.update(overrides)
    return SuiteParams(**fields)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def deployed(chain: Chain, accounts: list[LocalAccount]) -> Consortium:
    record = deploy_suite(chain, accounts[0], suite_params(accounts))
    return Consortium(chain, record)


@pytest.fixture
def dao(deployed: Consortium, chain: Chain) -> Iterator[Consortium]:
    """The test consortium, rolled back to its freshly deployed state after the test."""
    snapshot = chain.w3.provider.make_request("evm_snapshot", [])["result"]
    yield deployed
    chain.w3.provider.make_request("evm_revert", [snapshot])
