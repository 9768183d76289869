"""Deploying to a shared chain through ``ccsi-dao deploy``: the fees shown before anything is sent, the question a
person at a terminal answers, a deployer who cannot pay, ``--confirmations``, and a deployment that stops half-way
(the node drops) and resumes from its record without deploying anything twice."""

from __future__ import annotations

import json
import os
import pty
import re
import select
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from eth_account import Account

from ccsi_dao.devnet import rpc
from tests.support.anvil import start_anvil, stop_anvil
from tests.support.cli import SMALL, Cli, cli_command, dev_account, write_keystore
from tests.support.nodes import JsonRpcProxy

pytestmark = pytest.mark.slow

DEPLOYER = dev_account(0)
STEPS = (
    "deploying the rule book library",
    "deploying the class power library",
    "deploying the decision rules library",
    "deploying the timelock",
    "deploying the membership registry",
    "deploying the governor",
)
CONTRACTS = (
    "RuleBook",
    "ClassPower",
    "DecisionRules",
    "ConsortiumTimelock",
    "ConsortiumMembership",
    "ConsortiumGovernor",
)


@pytest.fixture(scope="module")
def anvil() -> Iterator[str]:
    proc, url = start_anvil()
    yield url
    stop_anvil(proc)


def home_with(tmp_path: Path, *keys: tuple[str, bytes]) -> Path:
    home = tmp_path / "home"
    for alias, key in keys:
        write_keystore(home, alias, key)
    return home


def nonce(url: str, address: str) -> int:
    return int(rpc(url, "eth_getTransactionCount", address, "latest"), 16)


def test_fees_are_shown_before_sending(anvil: str, tmp_path: Path) -> None:
    """Each transaction's gas (the node's estimate), price and cost, the total in the chain's currency and the
    deployer's balance, printed before the first transaction; the estimates cover what the transactions used."""
    cli = Cli(home_with(tmp_path, ("deployer", DEPLOYER.key)), anvil)
    before = int(rpc(anvil, "eth_getBalance", DEPLOYER.address, "latest"), 16)
    out = cli.ok("deploy", str(SMALL), "--from", "deployer").stdout
    plan, _, result = out.partition("deployed ")
    assert plan.startswith(
        f"deploying Small Test Consortium to chain 31337 from {DEPLOYER.address}: 6 transactions to send\n"
    )
    rows = {m[0]: m[1:] for m in re.findall(r"^(deploying the [a-z ]+?) +([\d,]+) +([\d.]+) gwei \(at most ([\d.]+) "
                                              r"gwei\) +([\d.e-]+) ETH$", plan, re.M)}  # fmt: skip
    assert list(rows) == list(STEPS), plan
    record = json.loads((cli.home / "deployment.json").read_text())
    total_gas = 0
    for step, name in zip(STEPS, CONTRACTS, strict=True):
        gas, price, cap, cost = rows[step]
        receipt = rpc(anvil, "eth_getTransactionReceipt", record["transactions"][name])
        used = int(receipt["gasUsed"], 16)
        estimate = int(gas.replace(",", ""))
        assert used <= estimate <= used * 1.25, (step, used, estimate)
        assert float(cost) == pytest.approx(estimate * float(price) * 1e-9, rel=1e-3)
        assert float(cap) >= float(price) > 0
        total_gas += estimate
    total = re.search(r"^total: ([\d,]+) gas, about ([\d.]+) ETH \(at most ([\d.]+) ETH\); the deployer holds "
                      r"([\d.]+) ETH$", plan, re.M)  # fmt: skip
    assert total, plan
    assert int(total[1].replace(",", "")) == total_gas
    assert float(total[4]) == pytest.approx(before / 1e18)
    paid = before - int(rpc(anvil, "eth_getBalance", DEPLOYER.address, "latest"), 16)
    assert 0 < paid <= float(total[2]) * 1e18 * 1.01  # it cost no more than announced
    assert result.startswith("Small Test Consortium on chain 31337")


def test_a_person_at_a_terminal_is_asked_first(anvil: str, tmp_path: Path) -> None:
    """At a terminal (no --yes, no CI) the plan is followed by a question; "n" sends nothing and writes nothing."""
    cli = Cli(home_with(tmp_path, ("deployer", DEPLOYER.key)), anvil)
    env = cli.env({"CI": None})
    first = nonce(anvil, DEPLOYER.address)
    output, code = _at_terminal([*cli_command(), "deploy", str(SMALL), "--from", "deployer"], env, answer="n\n")
    assert "total: " in output and "Send 6 transactions? [y/N]:" in output, output
    assert code == 1 and "nothing sent" in output
    assert nonce(anvil, DEPLOYER.address) == first and not (cli.home / "deployment.json").exists()


def _at_terminal(command: list[str], env: dict[str, str], answer: str) -> tuple[str, int]:
    """Run ``command`` with a pseudo-terminal as stdin and stdout; type ``answer`` at the first question."""
    leader, follower = pty.openpty()
    proc = subprocess.Popen(command, stdin=follower, stdout=follower, stderr=follower, env=env, close_fds=True)
    os.close(follower)
    output, answered, deadline = b"", False, time.monotonic() + 60
    while time.monotonic() < deadline:
        ready, _, _ = select.select([leader], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(leader, 4096)
            except OSError:  # the command ended and closed the terminal
                break
            if not chunk:
                break
            output += chunk
            if not answered and b"[y/N]" in output:
                os.write(leader, answer.encode())
                answered = True
        elif proc.poll() is not None:
            break
    os.close(leader)
    return output.decode(errors="replace"), proc.wait(timeout=30)


def test_a_deployer_who_cannot_pay_is_told_before_anything_is_sent(anvil: str, tmp_path: Path) -> None:
    poor = Account.create()
    cli = Cli(home_with(tmp_path, ("poor", poor.key)), anvil)
    result = cli.run("deploy", str(SMALL), "--from", "poor", "--yes")
    assert result.code == 2, str(result)
    assert re.fullmatch(
        rf"error: the deployer {poor.address} holds 0 ETH, but the deployment costs about [\d.]+ ETH: fund it "
        r"first; nothing was sent\n",
        result.stderr,
    )
    assert nonce(anvil, poor.address) == 0 and not (cli.home / "deployment.json").exists()


def test_confirmations_wait_for_blocks_after_each_transaction(tmp_path: Path) -> None:
    """With --confirmations 1 on a chain mining a block a second, each transaction is sent only once a block
    follows the previous one's, and deploy returns once one follows the last one's (without: the next block)."""
    proc, url = start_anvil("--block-time", "1")
    try:
        cli = Cli(home_with(tmp_path, ("deployer", DEPLOYER.key)), url)
        cli.ok("deploy", str(SMALL), "--from", "deployer", "--yes", "--confirmations", "1")
        latest_at_exit = int(rpc(url, "eth_blockNumber"), 16)
        record = json.loads((cli.home / "deployment.json").read_text())
        blocks = [
            int(rpc(url, "eth_getTransactionReceipt", record["transactions"][name])["blockNumber"], 16)
            for name in ("ConsortiumTimelock", "ConsortiumMembership", "ConsortiumGovernor")
        ]
        assert blocks[1] >= blocks[0] + 2 and blocks[2] >= blocks[1] + 2, blocks
        assert latest_at_exit >= blocks[2] + 1 and record["block_number"] == blocks[2]
    finally:
        stop_anvil(proc)


class DroppingProxy(JsonRpcProxy):
    """Passes everything until ``sends`` transactions have gone through, then answers HTTP 502 to every request,
    as a node that went down would. With ``forward_last``, the last transaction reaches the node but its answer is
    lost (the node went down right after taking it)."""

    def __init__(self, upstream: str, sends: int, *, forward_last: bool = False) -> None:
        self.sends, self.forward_last, self.seen, self.down = sends, forward_last, 0, False
        super().__init__(upstream)

    def _handle(self, body: bytes) -> tuple[int, bytes]:
        if self.down:
            return 502, b"node down"
        if b"eth_sendRawTransaction" in body:
            self.seen += 1
            if self.seen > self.sends:
                self.down = True
                if self.forward_last:
                    super()._handle(body)
                return 502, b"node down"
        return super()._handle(body)


@pytest.mark.parametrize("forward_last", [False, True], ids=["governor-not-sent", "governor-sent-answer-lost"])
def test_a_deployment_that_stopped_half_way_resumes_from_its_record(
    anvil: str, tmp_path: Path, forward_last: bool
) -> None:
    """The node drops after the libraries and the registry are deployed (before the governor is sent, or right after
    it reached the node). The record says how far it got; every command but deploy --resume refuses it in one
    sentence; the resume finishes it with exactly six transactions in all, the same addresses, and the privileges proven. (Resuming
    what cannot be resumed is in the bad-input table: nothing recorded, a finished record, another agreement.)"""
    cli = Cli(home_with(tmp_path, ("deployer", DEPLOYER.key)), anvil)
    first = nonce(anvil, DEPLOYER.address)
    with DroppingProxy(anvil, sends=5, forward_last=forward_last) as proxy:
        stopped = cli.run("--rpc-url", proxy.url, "--timeout", "5", "deploy", str(SMALL), "--from", "deployer")
    assert stopped.code == 3 and stopped.stderr.startswith("error: ") and len(stopped.stderr.splitlines()) == 1
    partial = json.loads((cli.home / "deployment.json").read_text())
    assert partial["status"] == "partial" and partial["nonce"] == first
    assert [s for s, v in partial["steps"].items() if v["block"] is not None] == list(CONTRACTS[:5])
    if not forward_last:  # the record, refused by every command but deploy --resume (checked once)
        refused = cli.run("members", "list")
        assert refused.code == 2 and re.fullmatch(
            r"error: the deployment recorded in .*deployment\.json did not finish \(5 transactions done, the last "
            r"deploying the membership registry\); finish it with ccsi-dao deploy AGREEMENT --resume \(nothing is "
            r"deployed twice\), or start again with --replace\n",
            refused.stderr,
        ), refused.stderr
        again = cli.run("deploy", str(SMALL), "--from", "deployer")
        assert again.code == 2 and "did not finish; finish it with --resume" in again.stderr
    assert nonce(anvil, DEPLOYER.address) == first + (6 if forward_last else 5)

    resumed = cli.ok("deploy", str(SMALL), "--from", "deployer", "--resume", "--yes")
    assert re.search(r"^deploying the timelock +- +- +done before \(mined\)$", resumed.stdout, re.M)
    governor_row = "done before (mined)" if forward_last else "deploying the governor"
    assert governor_row in resumed.stdout
    assert "holds no role or privilege (checked)" in resumed.stdout
    record: dict[str, Any] = json.loads((cli.home / "deployment.json").read_text())
    assert nonce(anvil, DEPLOYER.address) == first + 6  # nothing deployed twice
    assert (record["timelock"], record["membership"], record["governor"]) == (
        partial["timelock"],
        partial["membership"],
        partial["governor"],
    )
    assert record["transactions"]["ConsortiumMembership"] == partial["steps"]["ConsortiumMembership"]["tx"]
    assert cli.ok("members", "list", "--json").json()[0]["name"] == "Founding Agency"
