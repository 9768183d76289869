"""The decision-log tests' chain: the governance history of :mod:`tests.support.history` on an anvil of its own,
rolled back after each test; and the helpers the audit tests share."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import typer
from click.testing import CliRunner
from eth_account.signers.local import LocalAccount
from web3 import Web3

from ccsi_dao.cli.main import app
from ccsi_dao.decisionlog.store import DecisionIndex
from tests.support import ROOT
from tests.support.anvil import start_anvil, stop_anvil
from tests.support.chambers_history import ChambersBuilt, build_chambers_history
from tests.support.cli import Rpc
from tests.support.history import Built, build_history

VOTE_TOPIC = "0x" + Web3.keccak(text="VoteCast(address,uint256,uint8,uint256,string)").hex()


@pytest.fixture(scope="session")
def history_chain(accounts: list[LocalAccount]) -> Iterator[Built]:
    """Built once per xdist worker: package scope rebuilt it (4-5 s) each time a worker came back to this package
    after a file of another one (the files run longest first, not package by package)."""
    proc, url = start_anvil()
    try:
        yield build_history(url, accounts)
    finally:
        stop_anvil(proc)


@pytest.fixture
def built(history_chain: Built) -> Iterator[Built]:
    """The history, rolled back after the test (so a test may reorganise or extend the chain)."""
    with Rpc(history_chain.round.dao.chain.url).rolled_back():
        yield history_chain


def synced(built: Built, path: Path, **kwargs: Any) -> DecisionIndex:
    index = DecisionIndex(path, built.dao.record)
    index.sync(built.chain.w3, confirmations=kwargs.pop("confirmations", 0), **kwargs)
    return index


def falsify_first_vote(path: Path, weight_digit: str = "9") -> tuple[int, int, str]:
    """Raise the weight of the index's first VoteCast (the third word of its data); return its block, log index
    and original data."""
    with sqlite3.connect(path) as db:
        block, log_index, data = db.execute(
            "SELECT block_number, log_index, data FROM logs WHERE topic0 = ? ORDER BY block_number, log_index LIMIT 1",
            (VOTE_TOPIC,),
        ).fetchone()
        words = data[2:]
        db.execute(
            "UPDATE logs SET data = ? WHERE block_number = ? AND log_index = ?",
            ("0x" + words[: 128 + 63] + weight_digit + words[192:], block, log_index),
        )
    return block, log_index, data


class Cli:
    """The ``ccsi-dao`` command tree against the history: in-process (click's runner) or as a real process."""

    def __init__(self, built: Built, home: Path, *, record: bool = True) -> None:
        self.built = built
        self.home = home
        self.record_path = home / "deployment.json"
        if record:
            built.dao.record.save(self.record_path)
        self.env = {
            **os.environ,
            "CCSI_DAO_HOME": str(home),
            "CCSI_DAO_RPC_URL": built.url,
            "CCSI_DAO_DEPLOYMENT": str(self.record_path),
            "COLUMNS": "200",
        }
        self.runner = CliRunner(mix_stderr=False)
        self.command = typer.main.get_command(app)

    @property
    def index_path(self) -> Path:
        record = self.built.dao.record
        return self.home / f"index-{record.chain_id}-{record.governor.lower()}.sqlite"

    def __call__(self, *args: str) -> Any:
        """In-process: ``.exit_code``, ``.stdout``, ``.stderr``."""
        return self.runner.invoke(self.command, list(args), env=self.env)

    def process(self, *args: str) -> subprocess.CompletedProcess[str]:
        """The real command in a subprocess (the end-to-end path)."""
        return subprocess.run(
            [sys.executable, "-m", "ccsi_dao.cli.main", *args],
            capture_output=True,
            text=True,
            env=self.env,
            cwd=ROOT,
            timeout=120,
        )


@pytest.fixture
def cli(built: Built, tmp_path: Path) -> Callable[..., Cli]:
    def make(*, record: bool = True) -> Cli:
        return Cli(built, tmp_path, record=record)

    return make


@pytest.fixture(scope="package")
def chambers_chain(accounts: list[LocalAccount]) -> Iterator[ChambersBuilt]:
    """The history of :mod:`tests.support.chambers_history` (chambers and choices) on an anvil of its own."""
    proc, url = start_anvil()
    try:
        yield build_chambers_history(url, accounts)
    finally:
        stop_anvil(proc)


@pytest.fixture
def chambers(chambers_chain: ChambersBuilt) -> Iterator[ChambersBuilt]:
    """The chambers history, rolled back after the test."""
    with Rpc(chambers_chain.round.dao.chain.url).rolled_back():
        yield chambers_chain
