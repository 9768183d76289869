"""The rounds the networks tests run on nodes that are not ccsi-dao's devnet, and those nodes.

- :func:`whole_round`: a partner's whole governance round through the real ``ccsi-dao`` command (deploy, propose,
  vote directly and by a signed ballot that another member relays, queue, execute), then ``ccsi-dao log`` and
  ``ccsi-dao audit verify``; :func:`run_main_job`: ``scripts/governance_round.py`` in a home of its own.

- :func:`hardhat_node`: **Hardhat 3's node** (EDR, chain id 31338), another implementation, without
  ``eth_getBlockReceipts``; time moves through ``ccsi-dao --rpc-url URL devnet advance``.
- :func:`besu_like_node`: **anvil run like a permissioned chain** (chain id 31339): a block every 2 s instead of one
  per transaction, zero base fee and zero gas price (a Besu QBFT network), reached through a proxy that accepts
  legacy transactions only, carries QBFT's 97-byte ``extraData`` in every block and refuses ``eth_getLogs`` over
  more than 10 blocks (the smallest tier of public providers). The relayer holds no ETH: gas is free there. Time
  moves by the node's own ``evm_increaseTime`` (ccsi-dao moves time only on a development chain id).

Each node is checked to be what it claims before the round, so the round proves what it says.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from ccsi_dao.devnet import rpc
from ccsi_dao.errors import ChainError
from tests.support import ROOT
from tests.support.cli import SMALL, Cli, dev_account, write_keystore
from tests.support.nodes import (
    HARDHAT_CHAIN_ID,
    NODES_DIR,
    REALISTIC_CHAIN_ID,
    ProviderProxy,
    start_anvil_realistic,
    start_hardhat,
    stop,
)

ALIASES = {"deployer": 0, "agency": 1, "coop": 2, "university": 3, "municipality": 4, "observer": 5}
ADDRESS = {alias: dev_account(index).address for alias, index in ALIASES.items()}
TIMELOCK_DELAY = 86_400  # small.yaml


@dataclass
class Node:
    name: str
    url: str  # what ccsi-dao talks to (the proxy)
    node_url: str  # the node itself, for the test's own checks and its clock
    chain_id: int
    proxy: ProviderProxy
    cli_advance: bool  # whether `ccsi-dao devnet advance` may move its time (a development chain id)

    def advance(self, cli: Cli, seconds: int) -> None:
        if self.cli_advance:
            cli.ok("--rpc-url", self.url, "devnet", "advance", f"{seconds}s")
        else:
            rpc(self.node_url, "evm_increaseTime", seconds)
            rpc(self.node_url, "evm_mine")


@contextmanager
def hardhat_node() -> Iterator[Node]:
    if not (NODES_DIR / "node_modules" / "hardhat").is_dir():
        pytest.fail("Hardhat is not installed in tools/nodes: run `bash scripts/setup.sh`")
    proc, url = start_hardhat()
    try:
        assert int(rpc(url, "eth_chainId"), 16) == HARDHAT_CHAIN_ID
        assert rpc(url, "web3_clientVersion").startswith("HardhatNetwork/3.")
        with pytest.raises(ChainError, match="not supported"):
            rpc(url, "eth_getBlockReceipts", "latest")
        with ProviderProxy(url) as proxy:  # counts requests only
            yield Node("hardhat", proxy.url, url, HARDHAT_CHAIN_ID, proxy, cli_advance=True)
    finally:
        stop(proc)


@contextmanager
def besu_like_node() -> Iterator[Node]:
    proc, url = start_anvil_realistic(block_time=2, zero_fee=True)
    try:
        assert int(rpc(url, "eth_gasPrice"), 16) == 0
        latest = rpc(url, "eth_getBlockByNumber", "latest", False)
        assert int(latest["baseFeePerGas"], 16) == 0
        rpc(url, "anvil_setBalance", ADDRESS["observer"], "0x0")  # the relayer: free gas needs no funds
        proxy = ProviderProxy(url, max_log_blocks=10, legacy_only=True, long_extra_data=True)
        with proxy:
            assert len(bytes.fromhex(rpc(proxy.url, "eth_getBlockByNumber", "latest", False)["extraData"][2:])) == 97
            with pytest.raises(ChainError, match="max block range 10"):
                rpc(proxy.url, "eth_getLogs", {"fromBlock": "0x0", "toBlock": "0xb"})
            yield Node("anvil-besu-like", proxy.url, url, REALISTIC_CHAIN_ID, proxy, cli_advance=False)
    finally:
        stop(proc)


def make_cli(tmp_path: Path, node: Node) -> Cli:
    """A home with every alias's keystore (low scrypt cost), talking to ``node``."""
    home = tmp_path / "home"
    for alias, index in ALIASES.items():
        write_keystore(home, alias, dev_account(index).key)
    return Cli(home, node.url)


def whole_round(node: Node, cli: Cli, tmp_path: Path) -> None:
    """Deploy, propose, vote (three directly, one by a ballot another member relays), queue, execute, then the
    decision log and the audit, each step checked through the command's own output; prints the round's time."""
    started = time.monotonic()
    deployed = cli.ok("deploy", str(SMALL), "--from", "deployer", "--yes")
    assert "holds no role or privilege (checked)" in deployed.stdout
    record = json.loads((cli.home / "deployment.json").read_text())
    assert record["chain_id"] == node.chain_id

    proposed = cli.ok("propose", "signal", "-d", "Adopt the 2027 work plan", "--from", "agency", "--yes")
    assert f"proposal #1 submitted by {ADDRESS['agency']}" in proposed.stdout
    pending = cli.ok("proposals", "show", "1", "--json").json()
    assert pending["state"] == "pending"
    node.advance(cli, pending["snapshot"] - _now(node) + 1)

    ballot = tmp_path / "ballot.json"
    cli.ok_all(
        ("vote", "1", "for", "--from", "agency"),
        ("vote", "1", "against", "--reason", "Wait for the senate", "--from", "university"),
        ("vote", "1", "abstain", "--from", "municipality"),
        ("vote", "1", "for", "--sign-only", "--out", str(ballot), "--from", "coop"),
    )
    relayed = cli.ok("relay", str(ballot), "--from", "observer")
    assert relayed.stdout.startswith(f"relayed {ballot.name}: {ADDRESS['coop']} voted for on #1 (tx 0x")
    passed = cli.ok("proposals", "show", "1", "--json").json()
    assert passed["state"] == "succeeded" and passed["votes"] == {"for": 3, "against": 1, "abstain": 1}

    assert cli.ok("queue", "1", "--from", "agency").stdout.startswith("queued #1 (tx 0x")
    node.advance(cli, TIMELOCK_DELAY + 1)
    assert cli.ok("execute", "1", "--from", "municipality").stdout.startswith("executed #1 (tx 0x")
    assert cli.ok("proposals", "show", "1", "--json").json()["state"] == "executed"
    round_seconds = time.monotonic() - started

    # the decision log, complete (a chain without reorganisations: nothing to wait for), and the audit
    log = cli.ok("log", "--format", "jsonl", "--confirmations", "0")
    kinds = [json.loads(line)["kind"] for line in log.stdout.splitlines()]
    for kind, count in (("proposal", 1), ("vote", 4), ("queue", 1), ("execute", 1)):
        assert kinds.count(kind) == count, (kind, kinds)
    sent = _transactions(node, record, cli)
    if node.name == "anvil-besu-like":
        # free gas: every transaction legacy at gas price 0 (the node refuses typed ones), relayed by an empty account
        assert {(tx["type"], int(tx["gasPrice"], 16)) for tx in sent} == {("0x0", 0)}
        assert node.proxy.sent_types.keys() == {0}
        assert int(rpc(node.node_url, "eth_getBalance", ADDRESS["observer"], "latest"), 16) == 0
        assert node.proxy.refused["eth_getLogs"] > 0  # the cap was hit, and every command read around it
    else:
        assert {tx["type"] for tx in sent} == {"0x2"}  # EIP-1559 where the chain has a base fee
    # one eth_chainId per command, 16 commands (web3's validation would ask it before every call and estimate)
    assert node.proxy.methods["eth_chainId"] <= 16 + 1, node.proxy.methods  # + the decision log's own check
    assert node.proxy.methods["eth_call"] > 100
    print(f"\n  {node.name}: round (deploy .. execute) {round_seconds:.1f} s; requests {dict(node.proxy.methods)}")

    verified = cli.run("audit", "verify")
    assert verified.code == 0 and verified.stdout.splitlines()[-1].startswith("PASS: "), str(verified)


MAIN_JOB_KEYS = {"deployer": 0, "ministry": 1, "soncna-zadruga": 2, "hashnet": 3, "noordung": 4, "isi-research": 5,
                 "upes-italia": 6, "nuovi-orizzonti": 7, "borgo-verde": 8}  # fmt: skip
MAIN_JOB_PASSWORD = "ccsi-demo-password"


def run_main_job(home: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """``scripts/governance_round.py`` in ``home``, its partners' keystores written beforehand at a low scrypt cost
    (so the round spends its time on the chain), nothing of the caller's ccsi-dao settings in its environment."""
    for alias, index in MAIN_JOB_KEYS.items():
        if not (home / "keystores" / f"{alias}.json").exists():
            write_keystore(home, alias, dev_account(index).key, password=MAIN_JOB_PASSWORD)
    (home / "demo-password.txt").write_text(MAIN_JOB_PASSWORD + "\n")
    full = {k: v for k, v in os.environ.items() if not k.startswith("CCSI_DAO_")}
    full.update(CCSI_DAO_HOME=str(home), HOME=str(home.parent), CI="true", **env)
    return subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "governance_round.py"), *args],
        env=full, capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=600,
    )  # fmt: skip


def _now(node: Node) -> int:
    return int(rpc(node.node_url, "eth_getBlockByNumber", "latest", False)["timestamp"], 16)


def _transactions(node: Node, record: dict[str, Any], cli: Cli) -> list[dict[str, Any]]:
    """Every transaction ccsi-dao sent in the round (from the deployment's block to the latest)."""
    senders = {a.lower() for a in ADDRESS.values()}
    latest = int(rpc(node.node_url, "eth_blockNumber"), 16)
    out = []
    for number in range(record["start_block"], latest + 1):
        block = rpc(node.node_url, "eth_getBlockByNumber", hex(number), True)
        out += [tx for tx in block["transactions"] if tx["from"].lower() in senders]
    assert len(out) == 3 + 1 + 3 + 1 + 1 + 1  # deploy, propose, 3 votes, relay, queue, execute
    return out
