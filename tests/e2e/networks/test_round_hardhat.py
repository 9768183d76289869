"""Any EVM node (1/2): the main job (``scripts/governance_round.py``: deploy, propose, seven votes, a signed ballot
relayed, queue, execute, through the real ``ccsi-dao`` command) on Hardhat 3's node, which it is pointed at with
``CCSI_DAO_RPC_URL`` and whose clock it moves with ``ccsi-dao --rpc-url URL devnet advance``; then ``ccsi-dao log``
and ``ccsi-dao audit verify`` there (see :mod:`.round` for the node)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from ccsi_dao.devnet import rpc
from tests.e2e.networks.round import MAIN_JOB_KEYS, hardhat_node, run_main_job
from tests.support.cli import Cli, dev_account

pytestmark = pytest.mark.slow


def test_the_main_job_log_and_audit_on_hardhat(tmp_path: Path) -> None:
    home = tmp_path / "home"
    with hardhat_node() as node:
        started = time.monotonic()
        result = run_main_job(home, CCSI_DAO_RPC_URL=node.url)
        seconds = time.monotonic() - started
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
        assert f"== 1. the chain at {node.url} (given: no devnet started)" in result.stdout
        assert "devnet" not in result.stdout.split("governance round complete")[1]  # no devnet was left running
        assert not (home / "devnet").exists()
        members = json.loads(Cli(home, node.url).ok("members", "list", "--json").stdout)
        assert members[-1]["name"] == "Mestna občina Ljubljana" and members[-1]["status"] == "active"
        record = json.loads((home / "deployment.json").read_text())
        assert record["chain_id"] == 31338 and "rpc_url" in record

        senders = {dev_account(i).address.lower() for i in MAIN_JOB_KEYS.values()}
        latest = int(rpc(node.node_url, "eth_blockNumber"), 16)
        sent = [tx for n in range(record["start_block"], latest + 1)
                for tx in rpc(node.node_url, "eth_getBlockByNumber", hex(n), True)["transactions"]
                if tx["from"].lower() in senders]  # fmt: skip
        assert len(sent) == 3 + 1 + 7 + 1 + 1 + 1  # deploy, propose, 7 votes, the relayed ballot, queue, execute
        assert {tx["type"] for tx in sent} == {"0x2"}  # EIP-1559: Hardhat's blocks carry a base fee
        # at most one eth_chainId per command of the round (web3 alone would ask it before every call and estimate)
        commands = result.stdout.count("\n$ ccsi-dao ")
        assert node.proxy.methods["eth_chainId"] <= commands < node.proxy.methods["eth_call"] / 10, node.proxy.methods
        print(f"\n  hardhat: main job {seconds:.1f} s; requests {dict(node.proxy.methods)}")

        cli = Cli(home, node.url)
        log = cli.ok("log", "--format", "jsonl")  # Hardhat's finalized block is its latest
        kinds = [json.loads(line)["kind"] for line in log.stdout.splitlines()]
        for kind, count in (("proposal", 1), ("vote", 8), ("queue", 1), ("execute", 1)):
            assert kinds.count(kind) == count, (kind, kinds)
        # Hardhat has no eth_getBlockReceipts: asked once, in one batch, then remembered for the sync
        assert node.proxy.methods["eth_getBlockReceipts"] <= 8, node.proxy.methods

        verified = cli.run("audit", "verify")
        assert verified.code == 0 and verified.stdout.splitlines()[-1].startswith("PASS: "), str(verified)
