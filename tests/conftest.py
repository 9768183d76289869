"""Shared fixtures: one anvil devnet per test session (per xdist worker), a deployed test consortium, and isolation.

Every test that touches the chain runs against the session's anvil and is rolled back afterwards through
``evm_snapshot``/``evm_revert``, so each starts from the same freshly deployed consortium. The helpers live in
``tests/support`` (imported as a package); this file defines fixtures and orders the files for xdist
(``tests/support/schedule.py``: the longest first).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from eth_account.signers.local import LocalAccount

from ccsi_dao.chain import Chain
from ccsi_dao.governance.consortium import Consortium
from ccsi_dao.governance.deployment import deploy_suite
from tests.support.anvil import dev_accounts, start_anvil, stop_anvil
from tests.support.cli import Rpc
from tests.support.consortium import suite_params
from tests.support.schedule import longest_files_first


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    longest_files_first(items)


@pytest.fixture(scope="session")
def anvil_url() -> Iterator[str]:
    proc, url = start_anvil()
    yield url
    stop_anvil(proc)


@pytest.fixture(scope="session")
def accounts() -> list[LocalAccount]:
    return dev_accounts()


@pytest.fixture(scope="session")
def chain(anvil_url: str) -> Chain:
    return Chain.connect(anvil_url)


@pytest.fixture(scope="session")
def deployed(chain: Chain, accounts: list[LocalAccount]) -> Consortium:
    record = deploy_suite(chain, accounts[0], suite_params(accounts))
    return Consortium(chain, record)


@pytest.fixture
def dao(deployed: Consortium, chain: Chain) -> Iterator[Consortium]:
    """The test consortium, rolled back to its freshly deployed state after the test."""
    with Rpc(chain.url).rolled_back():
        yield deployed
