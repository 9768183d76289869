"""The watch tests' world: an anvil of their own with the test consortium (12 partners; voting delay 1 h, period 2 h),
rolled back after each test; a home folder per test with the deployment record and two keystore aliases; real
receivers (SMTP with STARTTLS and AUTH, HTTP for webhooks) on loopback ports of this worker."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from eth_account.signers.local import LocalAccount

from ccsi_dao.chain import Chain
from ccsi_dao.governance.consortium import Consortium
from ccsi_dao.governance.deployment import deploy_suite
from tests.e2e.watch.receivers import HookReceiver, SmtpReceiver, self_signed, start_hooks, start_smtp
from tests.support.anvil import start_anvil, stop_anvil
from tests.support.cli import Cli, Rpc, write_keystore
from tests.support.consortium import suite_params
from tests.support.scenario import Round


@dataclass
class World:
    url: str
    dao: Consortium
    round: Round
    accounts: list[LocalAccount]


@pytest.fixture(scope="package")
def world(accounts: list[LocalAccount]) -> Iterator[World]:
    proc, url = start_anvil()
    try:
        chain = Chain.connect(url)
        dao = Consortium(chain, deploy_suite(chain, accounts[0], suite_params(accounts)))
        yield World(url, dao, Round(dao, accounts), accounts)
    finally:
        stop_anvil(proc)


@pytest.fixture
def w(world: World) -> Iterator[World]:
    """The world, its chain rolled back after the test."""
    with Rpc(world.round.dao.chain.url).rolled_back():
        yield world


@pytest.fixture
def cli(w: World, tmp_path: Path) -> Cli:
    home = tmp_path / "home"
    home.mkdir()
    w.dao.record.save(home / "deployment.json")
    write_keystore(home, "partner3", w.accounts[3].key)
    write_keystore(home, "partner5", w.accounts[5].key)
    return Cli(home, w.url, cwd=tmp_path, in_process=True)  # a real process where a test starts one (_start)


@pytest.fixture(scope="session")
def certs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return self_signed(tmp_path_factory.mktemp("certs"))


@pytest.fixture
def smtp(certs: tuple[Path, Path]) -> Iterator[SmtpReceiver]:
    receiver = start_smtp(*certs)
    yield receiver
    receiver.stop()


@pytest.fixture
def hooks() -> Iterator[HookReceiver]:
    receiver = start_hooks()
    yield receiver
    receiver.stop()


def write_subs(folder: Path, text: str) -> Path:
    path = folder / "subs.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def jsonl(path: Path) -> list[dict[str, Any]]:
    """The lines of a JSONL channel (none if the file was never written)."""
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def kinds(lines: list[dict[str, Any]]) -> list[str]:
    return [line["kind"] for line in lines]


def assert_once(lines: list[dict[str, Any]]) -> None:
    """Every (notice, recipient) at most once in a channel."""
    seen = [(line["notice"], line["recipient"]) for line in lines]
    assert len(seen) == len(set(seen)), f"duplicates: {[s for s in seen if seen.count(s) > 1]}"
