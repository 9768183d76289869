"""The decision-log tests' chain: the governance history of :mod:`tests.support.history` on an anvil of its own,
rolled back after each test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from eth_account.signers.local import LocalAccount

from tests.support.anvil import start_anvil, stop_anvil
from tests.support.history import Built, build_history


@pytest.fixture(scope="package")
def history_chain(accounts: list[LocalAccount]) -> Iterator[Built]:
    proc, url = start_anvil()
    try:
        yield build_history(url, accounts)
    finally:
        stop_anvil(proc)


@pytest.fixture
def built(history_chain: Built) -> Iterator[Built]:
    """The history, rolled back after the test (so a test may reorganise or extend the chain)."""
    snapshot = history_chain.round.rpc("evm_snapshot", [])
    yield history_chain
    history_chain.round.rpc("evm_revert", [snapshot])
