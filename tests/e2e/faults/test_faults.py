"""Faults: every command of a governance round through a JSON-RPC proxy that delays, drops and errors requests;
ambiguous sends resent idempotently (a vote is never cast twice); the devnet killed -9 and restarted mid-round."""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

import pytest

from ccsi_dao.agreement import load_agreement
from ccsi_dao.chain import Chain
from ccsi_dao.governance import actions
from ccsi_dao.governance.consortium import Consortium
from ccsi_dao.governance.deployment import DeploymentRecord, SuiteParams, deploy_suite
from ccsi_dao.types import VoteType
from tests.support import ROOT
from tests.support.anvil import free_port
from tests.support.faultlib import (
    FaultProxy,
    advance,
    assert_clean_error,
    ccsi,
    cli_env,
    closed_port,
    dev_accounts,
    launch_anvil,
    nonce,
    rpc,
    share_of_faults,
    stop,
    write_keystore,
)

pytestmark = pytest.mark.slow

AGREEMENT = (
    ROOT / "examples" / "small.yaml"
)  # partners: accounts 1-5 (1 has weight 2, 5 observes); 60 s delay, 1 h timelock
ACCOUNTS = dev_accounts(8)


def make_home(path: Path) -> Path:
    for i in range(7):
        write_keystore(path, f"a{i}", ACCOUNTS[i])
    return path


@pytest.fixture
def node():
    proc, url = launch_anvil()
    yield url
    stop(proc)


def consortium(url: str, home: Path) -> Consortium:
    record = DeploymentRecord.load(home / "deployment.json")
    return Consortium(Chain.connect(url, expected_chain_id=record.chain_id), record)


def deploy_small(url: str, home: Path) -> Consortium:
    """The small consortium deployed through the library (faster than the CLI where deploying is not the test)."""
    chain = Chain.connect(url)
    record = deploy_suite(chain, ACCOUNTS[0], SuiteParams.from_agreement(load_agreement(AGREEMENT)))
    record.save(home / "deployment.json")
    return Consortium(chain, record)


def vote_events(dao: Consortium) -> list:
    return [log["args"] for log in dao.governor.events.VoteCast.get_logs(from_block=dao.record.start_block)]


def ok(result) -> str:
    assert result.returncode == 0, (result.returncode, result.stdout, result.stderr)
    return result.stdout


def test_a_whole_round_through_a_faulty_rpc(node: str, tmp_path: Path) -> None:
    """A fifth of all JSON-RPC requests delayed, dropped (before or after reaching the node), answered 502 or
    -32000: every command of the round still completes, and every transaction was sent exactly once."""
    home = make_home(tmp_path / "home")
    kinds = ("delay", "drop", "drop_after", "http502", "rpc_error")
    with FaultProxy(node, share_of_faults(0.2, kinds), seed=11) as proxy:
        env = cli_env(home, proxy.url)
        ok(ccsi(env, "deploy", str(AGREEMENT), "--from", "a0"))
        assert "Founding Agency" in ok(ccsi(env, "members", "list"))
        ok(ccsi(env, "propose", "signal", "-d", "Keep calm under faults", "--from", "a1", "--yes"))
        assert "Keep calm under faults" in ok(ccsi(env, "proposals", "list"))
        advance(node, 3_601)  # past the voting delay (1h)
        ok(ccsi(env, "vote", "1", "for", "--from", "a1"))
        ok(ccsi(env, "vote", "1", "against", "--reason", "retries must not double me", "--from", "a2"))
        ballot = tmp_path / "ballot.json"
        ok(ccsi(env, "vote", "1", "for", "--sign-only", "--out", str(ballot), "--from", "a3"))
        ok(ccsi(env, "relay", str(ballot), "--from", "a4"))
        assert "for 3, against 1" in ok(ccsi(env, "proposals", "show", "1"))
        advance(node, 86_400 + 1)
        ok(ccsi(env, "queue", "1", "--from", "a1"))
        advance(node, 86_400 + 1)  # past the timelock delay (1d)
        ok(ccsi(env, "execute", "1", "--from", "a1"))
        assert "executed" in ok(ccsi(env, "proposals", "show", "1"))
        faults = dict(proxy.faults)
        sends = proxy.methods["eth_sendRawTransaction"]
    print(f"\nfaults injected: {faults} over {proxy.count} requests ({sends} sendRawTransaction)")
    assert sum(faults.values()) >= 0.15 * proxy.count and all(faults.get(k, 0) > 0 for k in kinds)

    dao = consortium(node, home)
    events = vote_events(dao)
    assert sorted((e["voter"], e["support"]) for e in events) == sorted(
        [(ACCOUNTS[1].address, 1), (ACCOUNTS[2].address, 0), (ACCOUNTS[3].address, 1)]
    )  # each vote exactly once, even where the send was dropped after reaching the node
    # Every account sent exactly the transactions of its commands: none twice, none lost.
    # (the deployer: three libraries, the timelock, the registry and the governor)
    assert [nonce(node, ACCOUNTS[i].address) for i in range(5)] == [6, 4, 1, 0, 1]


def _first_send_lost_after_reaching_node():
    """``drop_after`` for the first attempt of every eth_sendRawTransaction: the node has the transaction, the
    client gets no answer and must resend the same bytes."""
    seen = {"sends": 0}

    def decide(method: str, number: int, rng) -> str:
        if method != "eth_sendRawTransaction":
            return "pass"
        seen["sends"] += 1
        return "drop_after" if seen["sends"] % 2 == 1 else "pass"

    return decide


def test_a_lost_answer_to_a_vote_is_resent_idempotently(node: str, tmp_path: Path) -> None:
    home = make_home(tmp_path / "home")
    direct = cli_env(home, node)
    ok(ccsi(direct, "deploy", str(AGREEMENT), "--from", "a0"))
    ok(ccsi(direct, "propose", "signal", "-d", "Resend safely", "--from", "a1", "--yes"))
    advance(node, 3_601)
    ballot = tmp_path / "ballot.json"
    ok(ccsi(direct, "vote", "1", "abstain", "--sign-only", "--out", str(ballot), "--from", "a3"))
    before = [nonce(node, a.address) for a in ACCOUNTS[:5]]
    with FaultProxy(node, _first_send_lost_after_reaching_node()) as proxy:
        env = cli_env(home, proxy.url)
        out = ok(ccsi(env, "vote", "1", "for", "--from", "a2"))
        ok(ccsi(env, "relay", str(ballot), "--from", "a4"))
        assert proxy.faults["drop_after"] == 2 and proxy.methods["eth_sendRawTransaction"] == 4
    dao = consortium(node, home)
    events = vote_events(dao)
    assert sorted((e["voter"], e["support"]) for e in events) == sorted(
        [(ACCOUNTS[2].address, 1), (ACCOUNTS[3].address, 2)]
    )
    mined = dao.chain.w3.eth.get_transaction_receipt(out.split("(tx ")[1].split(")")[0])
    assert mined["status"] == 1  # the hash the command reports is the transaction that was mined
    after = [nonce(node, a.address) for a in ACCOUNTS[:5]]
    assert [a - b for a, b in zip(after, before, strict=True)] == [0, 0, 1, 0, 1]


def _failing(methods: set[str] | None, kind: str):
    def decide(method: str, number: int, rng) -> str:
        return kind if methods is None or method in methods else "pass"

    return decide


@pytest.fixture(scope="module")
def round_node(tmp_path_factory):
    """An anvil with the small consortium deployed, proposal 1 active, a signed ballot, and a passed proposal 2
    ready to queue; for the failure cases, which must change nothing."""
    proc, url = launch_anvil()
    try:
        home = make_home(tmp_path_factory.mktemp("faults-home"))
        dao = deploy_small(url, home)
        one = dao.propose(ACCOUNTS[1], [actions.signal()], "One")
        two = dao.propose(ACCOUNTS[2], [actions.signal()], "Two")
        advance(url, 3_601)
        dao.vote(ACCOUNTS[1], two.id, VoteType.FOR)
        dao.vote(ACCOUNTS[2], two.id, VoteType.FOR)
        (home / "ballot.json").write_text(json.dumps(dao.sign_ballot(ACCOUNTS[4], one.id, VoteType.FOR).to_json()))
        yield url, home
    finally:
        stop(proc)


FAILURES = [
    # (what fails, the proxy's rule, the command) -> exit 3, one line, nothing sent
    ("every request dropped", None, "drop", ["members", "list"]),
    ("every request answered 502", None, "http502", ["proposals", "show", "1"]),
    ("every request -32000", None, "rpc_error", ["vote", "1", "for", "--from", "a2"]),
    ("logs never answered", {"eth_getLogs"}, "drop", ["proposals", "list"]),
    ("dry runs answered 502", {"eth_estimateGas"}, "http502", ["queue", "2", "--from", "a1"]),
    ("sends never reach the node", {"eth_sendRawTransaction"}, "drop", ["vote", "1", "against", "--from", "a3"]),
    ("sends answered -32000", {"eth_sendRawTransaction"}, "rpc_error", ["relay", "{home}/ballot.json", "--from", "a5"]),
    (
        "deploy's sends fail",
        {"eth_sendRawTransaction"},
        "http502",
        ["--deployment", "{home}/other.json", "deploy", str(AGREEMENT), "--from", "a6"],
    ),
    (
        "proposing: blocks never answered",
        {"eth_getBlockByNumber"},
        "drop",
        ["propose", "signal", "-d", "x", "--from", "a1", "--yes"],
    ),
]


def test_a_persistent_fault_is_one_clear_line(round_node) -> None:
    """When the fault does not go away, each command gives up with one `error:` line and exit 3, and nothing was
    sent. The cases run at once (each command behind its own proxy) since most of their time is spent in backoff."""
    import subprocess

    from tests.support.faultlib import CLI

    url, home = round_node
    before = [nonce(url, a.address) for a in ACCOUNTS[:7]], rpc(url, "eth_blockNumber")
    proxies = [FaultProxy(url, _failing(methods, kind)).__enter__() for _, methods, kind, _ in FAILURES]
    try:
        running = [
            subprocess.Popen([CLI, *(a.format(home=home) for a in args)], env=cli_env(home, proxy.url), text=True,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
            for (_, _, _, args), proxy in zip(FAILURES, proxies, strict=True)
        ]  # fmt: skip
        results = [
            subprocess.CompletedProcess(p.args, p.wait(timeout=60), p.stdout.read(), p.stderr.read()) for p in running
        ]
    finally:
        for proxy in proxies:
            proxy.close()
    for (what, _, _, _), result in zip(FAILURES, results, strict=True):
        line = assert_clean_error(result, codes=(3,))
        assert "chain" in line or "node" in line, (what, line)
        print(f"\n  {what}: {line}")
    assert ([nonce(url, a.address) for a in ACCOUNTS[:7]], rpc(url, "eth_blockNumber")) == before, "something was sent"
    assert not (home / "other.json").exists()


def test_a_node_that_is_down_is_one_clear_line(tmp_path: Path) -> None:
    home = make_home(tmp_path / "home")
    result = ccsi(cli_env(home, closed_port()), "members", "list")
    line = assert_clean_error(result, codes=(2, 3))
    assert result.returncode == 2 and "no deployment record" in line  # the record is checked before the chain
    (home / "deployment.json").write_text(
        json.dumps({"format": 3, "consortium": "x", "chain_id": 31337, "governor": ACCOUNTS[1].address,
                    "membership": ACCOUNTS[1].address, "timelock": ACCOUNTS[1].address, "deployer": ACCOUNTS[0].address,
                    "start_block": 1, "block_number": 1, "block_hash": "0x" + "00" * 32, "deployed_at": 1,
                    "libraries": {}, "transactions": {}, "artifacts": {}})
    )  # fmt: skip
    started = time.monotonic()
    result = ccsi(cli_env(home, closed_port()), "members", "list")
    assert assert_clean_error(result, codes=(3,)).startswith("error: cannot reach the chain at http://127.0.0.1:")
    assert time.monotonic() - started < 5


def test_devnet_killed_and_restarted_mid_round_loses_nothing_mined(tmp_path: Path) -> None:
    """kill -9 of the devnet after a vote (and more than the 1 s state interval later): after a restart the
    contracts, the proposal, the vote, the nonces and the block height are all there, and the round completes."""
    from ccsi_dao.devnet import Devnet

    state_dir, port = tmp_path / "devnet", free_port()
    devnet = Devnet(state_dir, port=port)
    devnet.start()
    try:
        home = make_home(tmp_path / "home")
        env = cli_env(home, devnet.url)
        deploy_small(devnet.url, home).propose(ACCOUNTS[1], [actions.signal()], "Survive a crash")
        devnet.advance(3_601)
        ok(ccsi(env, "vote", "1", "for", "--from", "a1"))
        dao = consortium(devnet.url, home)
        proposal_id = dao.proposals()[0].id
        before = {
            "block": rpc(devnet.url, "eth_blockNumber"),
            "tally": dao.tally(proposal_id),
            "nonces": [nonce(devnet.url, a.address) for a in ACCOUNTS[:3]],
            "state": dao.state(proposal_id),
            "members": [m.address for m in dao.members()],
        }
        time.sleep(2.2)  # anvil writes its state every second
        pid = json.loads((state_dir / "anvil.pid").read_text())["pid"]
        os.kill(pid, signal.SIGKILL)
        devnet._process.wait(timeout=10)  # reap it (this test started it)
        assert assert_clean_error(ccsi(env, "members", "list"), codes=(3,)).startswith("error: cannot reach the chain")

        restarted = Devnet(state_dir, port=port)
        result = restarted.start()
        assert not result.already_running and not result.restored_backup
        devnet = restarted
        dao = consortium(devnet.url, home)
        after = {
            "block": rpc(devnet.url, "eth_blockNumber"),
            "tally": dao.tally(proposal_id),
            "nonces": [nonce(devnet.url, a.address) for a in ACCOUNTS[:3]],
            "state": dao.state(proposal_id),
            "members": [m.address for m in dao.members()],
        }
        assert after == before
        assert dao.governor.functions.hasVoted(proposal_id, ACCOUNTS[1].address).call()

        ok(ccsi(env, "vote", "1", "for", "--from", "a2"))  # 3 of 5 power for: decided, closes early
        ok(ccsi(env, "queue", "1", "--from", "a2"))
        devnet.advance(86_401)
        ok(ccsi(env, "execute", "1", "--from", "a2"))
        assert "executed" in ok(ccsi(env, "proposals", "show", "1"))
        # the chain's history came back too: both votes' events, each once
        assert sorted(e["voter"] for e in vote_events(dao)) == sorted([ACCOUNTS[1].address, ACCOUNTS[2].address])
    finally:
        devnet.stop()
