"""Load: fifty partners voting at the same moment from separate processes, and one partner sending several
transactions at once from separate processes, on a real anvil."""

from __future__ import annotations

import multiprocessing
import subprocess
import time

import pytest

from ccsi_dao.chain import Call, Chain
from ccsi_dao.governance.actions import signal
from ccsi_dao.governance.consortium import Consortium
from ccsi_dao.governance.deployment import InitialMember, SuiteParams, deploy_suite
from ccsi_dao.types import Role, StakeholderGroup, VoteType
from tests.support.consortium import TEST_RULES
from tests.support.faultlib import CLI, advance, ccsi, cli_env, dev_accounts, launch_anvil, nonce, stop, write_keystore

pytestmark = pytest.mark.slow

VOTERS = 50
SUPPORT = ("for", "against", "abstain")


def weight(i: int) -> int:
    return 1 + i % 4


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """An anvil with 60 funded accounts, a 50-member consortium (accounts 1..50, weights 1-4, no early close), and
    a ccsi-dao home holding a fast keystore per member (alias p<i>)."""
    proc, url = launch_anvil(accounts=60)
    try:
        accounts = dev_accounts(60)
        chain = Chain.connect(url)
        members = tuple(
            InitialMember(a.address, f"Partner {i}", Role.FOUNDING_PARTNER if i <= 2 else Role.PARTNER,
                          StakeholderGroup(i % 6), weight(i))
            for i, a in enumerate(accounts[1:VOTERS + 1], start=1)
        )  # fmt: skip
        params = SuiteParams(
            name="Load Consortium", members=members, agreement_hash=b"\x11" * 32, agreement_uri="ipfs://load",
            rules=TEST_RULES, voting_delay=3_600, voting_period=10_000, late_quorum_extension=0, early_close=False,
            timelock_delay=86_400,
        )  # fmt: skip
        record = deploy_suite(chain, accounts[0], params)
        home = tmp_path_factory.mktemp("load-home")
        record.save(home / "deployment.json")
        for i in range(1, VOTERS + 1):
            write_keystore(home, f"p{i}", accounts[i])
        yield url, accounts, Consortium(chain, record), home
    finally:
        stop(proc)


def open_proposal(dao: Consortium, proposer, url: str, text: str) -> int:
    proposal = dao.propose(proposer, [signal()], text)
    advance(url, proposal.snapshot - dao.chain.now() + 1)
    return proposal.id


def vote_events(dao: Consortium, proposal_id: int) -> list:
    logs = dao.governor.events.VoteCast.get_logs(from_block=dao.record.start_block)
    return [log["args"] for log in logs if log["args"]["proposalId"] == proposal_id]


def _vote_in_child(env: dict[str, str], args: list[str], start, results) -> None:
    """Child process: the real ``ccsi-dao`` command (its click app, already imported by the parent before the
    fork, so no interpreter start-up per voter), released by ``start``; reports exit code and stderr."""
    import contextlib
    import io
    import os

    from ccsi_dao.cli.main import app

    os.environ.clear()
    os.environ.update(env)
    err = io.StringIO()
    start.wait(30)
    code = 0
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        try:
            app(args, prog_name="ccsi-dao")
        except SystemExit as exit_:
            code = exit_.code or 0
    results.put((args[-1], code, err.getvalue()))


def test_fifty_partners_vote_at_once(world) -> None:
    """Fifty member processes run `ccsi-dao vote` at the same moment (released together by one event); every
    vote is counted exactly once, with its weight, and each voter sent exactly one transaction."""
    import ccsi_dao.chain.keystore  # noqa: F401
    import ccsi_dao.cli.main  # noqa: F401  - imported before the fork: children start warm
    import ccsi_dao.governance  # noqa: F401

    url, accounts, dao, home = world
    proposal_id = open_proposal(dao, accounts[1], url, "Fifty at once")
    number = str(len(dao.proposals()))
    env = cli_env(home, url)
    ctx = multiprocessing.get_context("fork")
    start, results = ctx.Event(), ctx.Queue()
    children = [
        ctx.Process(
            target=_vote_in_child, args=(env, ["vote", number, SUPPORT[i % 3], "--from", f"p{i}"], start, results)
        )
        for i in range(1, VOTERS + 1)
    ]
    for child in children:
        child.start()
    time.sleep(0.5)
    started = time.monotonic()
    start.set()
    outcomes = [results.get(timeout=120) for _ in children]
    elapsed = time.monotonic() - started
    for child in children:
        child.join(timeout=10)
    assert [o for o in outcomes if o[1] != 0] == []
    assert sorted(o[0] for o in outcomes) == sorted(f"p{i}" for i in range(1, VOTERS + 1))
    print(f"\n50 concurrent vote processes: {elapsed:.1f} s from release to the last vote mined")

    expected = {VoteType.FOR: 0, VoteType.AGAINST: 0, VoteType.ABSTAIN: 0}
    for i in range(1, VOTERS + 1):
        expected[VoteType[SUPPORT[i % 3].upper()]] += weight(i)
    assert dao.tally(proposal_id) == expected
    events = vote_events(dao, proposal_id)
    assert len(events) == VOTERS
    by_voter = {e["voter"]: e for e in events}
    assert len(by_voter) == VOTERS  # nobody twice
    for i in range(1, VOTERS + 1):
        event = by_voter[accounts[i].address]
        assert (event["support"], event["weight"]) == (int(VoteType[SUPPORT[i % 3].upper()]), weight(i))
    has_voted = dao.governor.functions.hasVoted
    assert all(has_voted(proposal_id, a.address).call() for a in accounts[1 : VOTERS + 1])
    assert all(nonce(url, a.address) == 1 for a in accounts[3 : VOTERS + 1])  # one transaction each, nothing resent


# ---------------------------------------------------------------------------------------------- one sender


def _pay(url: str, key: bytes, to: str, value: int, start, results) -> None:
    """Child process: connect, wait for the start signal, send one payment; report the hash or the error."""
    from eth_account import Account

    account = Account.from_key(key)
    try:
        chain = Chain.connect(url)
        start.wait(10)
        receipt = chain.transact(account, Call(to=to, value=value), action=f"payment {value}")
        results.put(("ok", value, "0x" + bytes(receipt["transactionHash"]).hex()))
    except Exception as exc:  # reported to the parent, which fails the test with it
        results.put(("error", value, f"{type(exc).__name__}: {exc}"))


def test_one_sender_many_processes_gets_consecutive_nonces(world, tmp_path, monkeypatch) -> None:
    """Eight processes of one account send at the same moment (released by one event): all are mined, with eight
    consecutive nonces, and none sees "nonce too low" or a replaced transaction."""
    url, accounts, dao, _ = world
    monkeypatch.setenv("CCSI_DAO_HOME", str(tmp_path))  # where the children keep their account locks
    sender, payee = accounts[55], accounts[56].address
    before = nonce(url, sender.address)
    ctx = multiprocessing.get_context("fork")
    start, results = ctx.Event(), ctx.Queue()
    children = [ctx.Process(target=_pay, args=(url, sender.key, payee, v, start, results)) for v in range(1, 9)]
    for child in children:
        child.start()
    time.sleep(0.5)  # every child connected and waiting
    start.set()
    outcomes = [results.get(timeout=60) for _ in children]
    for child in children:
        child.join(timeout=10)
    errors = [o for o in outcomes if o[0] != "ok"]
    assert not errors, errors
    assert nonce(url, sender.address) == before + 8
    txs = [dao.chain.w3.eth.get_transaction(h) for _, _, h in outcomes]
    assert sorted(tx["nonce"] for tx in txs) == list(range(before, before + 8))
    assert sorted(tx["value"] for tx in txs) == list(range(1, 9))  # every payment went out exactly once


def test_one_partner_votes_on_several_proposals_at_once_through_the_cli(world) -> None:
    """One partner casts five votes at once from five `ccsi-dao vote` processes: five consecutive nonces."""
    url, accounts, dao, home = world
    ids = [dao.propose(accounts[2], [signal()], f"Parallel {n}").id for n in range(5)]
    proposals = dao.proposals()
    numbers = [str(next(n for n, p in enumerate(proposals, 1) if p.id == pid)) for pid in ids]
    last = dao.proposal(ids[-1])
    advance(url, last.snapshot - dao.chain.now() + 1)
    voter = accounts[7]
    before = nonce(url, voter.address)
    env = cli_env(home, url)
    processes = [
        subprocess.Popen([CLI, "vote", n, "for", "--from", "p7"], env=env, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True)
        for n in numbers
    ]  # fmt: skip
    outcomes = [(p.wait(timeout=60), p.stderr.read()) for p in processes]
    assert all(code == 0 for code, _ in outcomes), outcomes
    assert nonce(url, voter.address) == before + 5
    for pid in ids:
        assert dao.tally(pid)[VoteType.FOR] == weight(7)
        assert [e["voter"] for e in vote_events(dao, pid)] == [voter.address]
    assert ccsi(env, "vote", numbers[0], "for", "--from", "p7").returncode == 2  # a second vote is refused, unsent
    assert nonce(url, voter.address) == before + 5
