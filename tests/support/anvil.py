"""Throwaway anvils for the tests, each on a port of its own.

Under pytest-xdist every worker starts its own anvils (session fixtures are per worker) and draws their ports from a
block of its own (``gw0`` 20000-20999, ``gw1`` 21000-21999, ...), so two workers never race for one port. Two test
runs on one machine (two checkouts) keep apart by giving one another base: ``CCSI_DAO_TEST_PORT_BASE=30000``.
"""

from __future__ import annotations

import itertools
import os
import socket
import subprocess

from eth_account import Account
from eth_account.signers.local import LocalAccount

from ccsi_dao.devnet import DEV_MNEMONIC
from ccsi_dao.devnet import start_anvil as start_throwaway_anvil

MNEMONIC = DEV_MNEMONIC
N_ACCOUNTS = 20
_BLOCK = 1_000
_worker = os.environ.get("PYTEST_XDIST_WORKER", "")
_BASE = int(os.environ.get("CCSI_DAO_TEST_PORT_BASE", "20000"))
_FIRST = _BASE + _BLOCK * int(_worker.removeprefix("gw")) if _worker.startswith("gw") else None
_next = itertools.count()


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now; under xdist, from this worker's own block."""
    if _FIRST is None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            return int(s.getsockname()[1])
    for _ in range(_BLOCK):
        port = _FIRST + next(_next) % _BLOCK
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {_FIRST}-{_FIRST + _BLOCK - 1}")


def start_anvil(*extra: str, accounts: int = N_ACCOUNTS) -> tuple[subprocess.Popen[bytes], str]:
    """A throwaway anvil with ``accounts`` funded dev accounts (:func:`ccsi_dao.devnet.start_anvil`) on a port of
    this worker's."""
    return start_throwaway_anvil(*extra, accounts=accounts, port=free_port())


def stop_anvil(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    proc.wait(timeout=10)


def dev_accounts(count: int = N_ACCOUNTS) -> list[LocalAccount]:
    """The first ``count`` accounts of the development mnemonic."""
    Account.enable_unaudited_hdwallet_features()
    return [Account.from_mnemonic(MNEMONIC, account_path=f"m/44'/60'/0'/0/{i}") for i in range(count)]
