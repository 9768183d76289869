"""The devnet's URL is followed everywhere: ``ccsi-dao devnet start --port P`` makes every later command of that home
(and the main job, ``scripts/governance_round.py``) talk to that devnet; two devnets on two ports of one machine,
each in its own home, each get their own commands right; a deployment record made through another local node
brings its commands back to that node; and ``devnet advance`` moves the clock of the node it is pointed at, Hardhat
included."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from ccsi_dao.devnet import rpc
from tests.support import ROOT
from tests.support.anvil import free_port
from tests.support.cli import SMALL, Cli, dev_account, write_keystore
from tests.support.nodes import NODES_DIR, start_hardhat, stop

pytestmark = pytest.mark.slow

KEYS = {"deployer": 0, "agency": 1, "coop": 2}
NO_URL = {"CCSI_DAO_RPC_URL": None}  # nothing given: the commands must find the chain themselves


def make_home(folder: Path, keys: dict[str, int] = KEYS) -> Cli:
    home = folder / "home"
    for alias, index in keys.items():
        write_keystore(home, alias, dev_account(index).key)
    return Cli(home, url="")


@pytest.fixture
def devnet_home(tmp_path: Path) -> Iterator[tuple[Cli, int]]:
    """A home whose devnet runs on a port of its own (``ccsi-dao devnet start --port P``)."""
    cli, port = make_home(tmp_path / "devnet"), free_port()
    started = cli.ok("devnet", "start", "--port", str(port), env=NO_URL)
    try:
        assert started.stdout.startswith(f"devnet started at http://127.0.0.1:{port} (chain 31337, block 0")
        yield cli, port
    finally:
        cli.run("devnet", "stop", env=NO_URL)


def test_a_record_made_through_another_local_node_leads_back_to_it(devnet_home: tuple[Cli, int]) -> None:
    """One home, its devnet, and a second record deployed through a Hardhat node on this machine: each record's
    commands go to its own chain (the other has the same chain id, so the block hash tells them apart)."""
    a, _ = devnet_home
    if not (NODES_DIR / "node_modules" / "hardhat").is_dir():
        pytest.fail("Hardhat is not installed in tools/nodes: run `bash scripts/setup.sh`")
    proc, hardhat = start_hardhat()
    try:
        other = str(a.home / "on-hardhat.json")
        a.ok("--rpc-url", hardhat, "--deployment", other, "deploy", str(SMALL), "--from", "deployer", "--yes",
             env=NO_URL)  # fmt: skip
        a.ok("deploy", str(SMALL), "--from", "deployer", "--yes", env=NO_URL)
        a.ok("--deployment", other, "propose", "signal", "-d", "On Hardhat", "--from", "agency", "--yes", env=NO_URL)
        on_hardhat = a.ok("--deployment", other, "proposals", "list", "--json", env=NO_URL).json()
        on_devnet = a.ok("proposals", "list", "--json", env=NO_URL).json()
        assert [p["title"] for p in on_hardhat] == ["On Hardhat"] and on_devnet == []

        # devnet advance on Hardhat (hardhat's evm_increaseTime/evm_mine), pointed at it with --rpc-url
        before = int(rpc(hardhat, "eth_getBlockByNumber", "latest", False)["timestamp"], 16)
        moved = a.ok("--rpc-url", hardhat, "devnet", "advance", "2d", env=NO_URL)
        assert moved.stdout.startswith("devnet time is now ")
        assert int(rpc(hardhat, "eth_getBlockByNumber", "latest", False)["timestamp"], 16) >= before + 2 * 86_400
    finally:
        stop(proc)


def test_two_devnets_on_two_ports_each_get_their_own_commands(devnet_home: tuple[Cli, int], tmp_path: Path) -> None:
    """Home A runs the main job (``scripts/governance_round.py --port P``: its own devnet, every command of the round
    following it), while home B's devnet runs on another port with a consortium of its own: each home's commands,
    records and clock stay on its own devnet."""
    b, port_b = devnet_home
    b.ok("deploy", str(SMALL), "--from", "deployer", "--yes", env=NO_URL)
    b.ok("propose", "signal", "-d", "B's only", "--from", "coop", "--yes", env=NO_URL)
    clock_b = _now(port_b)

    home = tmp_path / "main-job" / "home"
    keys = {"deployer": 0, "ministry": 1, "soncna-zadruga": 2, "hashnet": 3, "noordung": 4, "isi-research": 5,
            "upes-italia": 6, "nuovi-orizzonti": 7, "borgo-verde": 8}  # fmt: skip
    for alias, index in keys.items():  # at a low scrypt cost, so the round spends its time on the chain
        write_keystore(home, alias, dev_account(index).key, password="ccsi-demo-password")
    (home / "demo-password.txt").write_text("ccsi-demo-password\n")
    port_a = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CCSI_DAO_")}
    env.update(CCSI_DAO_HOME=str(home), HOME=str(tmp_path), CI="true")
    try:
        result = subprocess.run(
            [sys.executable, str(ROOT / "scripts" / "governance_round.py"), "--port", str(port_a)],
            env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=300,
        )  # fmt: skip
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
        assert f"devnet started at http://127.0.0.1:{port_a}" in result.stdout
        assert "governance round complete" in result.stdout
        assert "Mestna občina Ljubljana" in result.stdout  # the newcomer, admitted
        assert json.loads((home / "deployment.json").read_text())["rpc_url"] == f"http://127.0.0.1:{port_a}"
        assert _now(port_a) >= clock_b + 10 * 86_400  # the round moved its own devnet's clock by 10 days ...
    finally:
        stopped = subprocess.run([sys.executable, "-m", "ccsi_dao.cli.main", "devnet", "stop"], env=env,
                                 capture_output=True, text=True, timeout=60)  # fmt: skip
        assert stopped.stdout == "devnet stopped\n", stopped.stdout + stopped.stderr
    assert _now(port_b) < clock_b + 86_400  # ... and not B's
    listed = b.ok("proposals", "list", "--json", env=NO_URL).json()
    assert [p["title"] for p in listed] == ["B's only"]
    record_b = json.loads((b.home / "deployment.json").read_text())
    assert record_b["rpc_url"] == f"http://127.0.0.1:{port_b}"
    status = b.ok("devnet", "status", "--json", env=NO_URL).json()
    assert status["url"] == f"http://127.0.0.1:{port_b}" and status["running"] is True


def _now(port: int) -> int:
    return int(rpc(f"http://127.0.0.1:{port}", "eth_getBlockByNumber", "latest", False)["timestamp"], 16)
