"""The devnet's URL is followed everywhere: ``ccsi-dao devnet start --port P`` makes every later command of that home
talk to that devnet; two devnets on two ports of one machine, each in its own home, each get their own commands
right (deploy, propose, list, the clock); and a deployment record made through another node on this machine brings
its commands back to that node. (The main job pointed at a node is in ``test_round_hardhat.py``; ``ape console``'s
``dao`` on a devnet's port in ``test_ape_accounts.py``.)"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from ccsi_dao.agreement import load_agreement
from ccsi_dao.chain import Chain
from ccsi_dao.devnet import rpc
from ccsi_dao.governance.deployment import SuiteParams, deploy_suite
from tests.support.anvil import free_port, start_anvil, stop_anvil
from tests.support.cli import SMALL, Cli, dev_account, write_keystore

pytestmark = pytest.mark.slow

KEYS = {"deployer": 0, "agency": 1, "coop": 2}
NO_URL = {"CCSI_DAO_RPC_URL": None}  # nothing given: the commands must find the chain themselves


@pytest.fixture
def devnets(tmp_path: Path) -> Iterator[list[tuple[Cli, int]]]:
    """Two homes, each with its devnet on a port of its own (``ccsi-dao devnet start --port P``)."""
    started: list[tuple[Cli, int]] = []
    try:
        for name in ("a", "b"):
            home, port = tmp_path / name / "home", free_port()
            for alias, index in KEYS.items():
                write_keystore(home, alias, dev_account(index).key)
            cli = Cli(home, url="")
            out = cli.ok("devnet", "start", "--port", str(port), env=NO_URL).stdout
            started.append((cli, port))
            assert out.startswith(f"devnet started at http://127.0.0.1:{port} (chain 31337, block 0")
        yield started
    finally:
        for cli, _ in started:
            assert cli.run("devnet", "stop", env=NO_URL).stdout == "devnet stopped\n"


def test_two_devnets_on_two_ports_each_get_their_own_commands(devnets: list[tuple[Cli, int]]) -> None:
    (a, port_a), (b, port_b) = devnets
    for cli, port, text in ((a, port_a, "A's"), (b, port_b, "B's")):
        deployed = cli.ok("deploy", str(SMALL), "--from", "deployer", "--yes", env=NO_URL)
        assert "to chain 31337" in deployed.stdout
        assert json.loads((cli.home / "deployment.json").read_text())["rpc_url"] == f"http://127.0.0.1:{port}"
        cli.ok("propose", "signal", "-d", text, "--from", "agency", "--yes", env=NO_URL)
    clocks = {port: _now(port) for port in (port_a, port_b)}
    moved = a.ok("devnet", "advance", "7d", env=NO_URL)  # this home's devnet, wherever it runs
    assert moved.stdout.startswith("devnet time is now ")
    assert _now(port_a) >= clocks[port_a] + 7 * 86_400 and _now(port_b) < clocks[port_b] + 86_400
    assert [p["title"] for p in a.ok("proposals", "list", "--json", env=NO_URL).json()] == ["A's"]
    assert [p["title"] for p in b.ok("proposals", "list", "--json", env=NO_URL).json()] == ["B's"]


def test_a_record_made_through_another_local_node_leads_back_to_it(devnets: list[tuple[Cli, int]]) -> None:
    """A home with its devnet, and a second record deployed through another node on this machine with the same
    chain id: each record's commands go to its own chain (the block hash tells them apart)."""
    (cli, port), _ = devnets
    proc, other = start_anvil()
    try:
        params = SuiteParams.from_agreement(load_agreement(SMALL))
        rpc(other, "anvil_mine", "0x5")  # the same contracts at the same addresses, in other blocks
        deploy_suite(Chain.connect(other), dev_account(0), params).save(cli.home / "elsewhere.json")
        deploy_suite(Chain.connect(f"http://127.0.0.1:{port}"), dev_account(0), params).save(
            cli.home / "deployment.json"
        )
        elsewhere = ("--deployment", str(cli.home / "elsewhere.json"))
        cli.ok(*elsewhere, "propose", "signal", "-d", "Elsewhere", "--from", "agency", "--yes", env=NO_URL)
        assert [p["title"] for p in cli.ok(*elsewhere, "proposals", "list", "--json", env=NO_URL).json()] == [
            "Elsewhere"
        ]
        assert cli.ok("proposals", "list", "--json", env=NO_URL).json() == []
    finally:
        stop_anvil(proc)
    # the other node is gone: its record's commands find this home's devnet, which does not hold that deployment
    gone = cli.run(*elsewhere, "members", "list", env=NO_URL)
    assert gone.code == 3 and gone.stderr.startswith(
        f"error: the chain at http://127.0.0.1:{port} does not hold the deployment recorded in "
    ), gone.stderr


def _now(port: int) -> int:
    return int(rpc(f"http://127.0.0.1:{port}", "eth_getBlockByNumber", "latest", False)["timestamp"], 16)
