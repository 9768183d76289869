"""The decision log on a real governance history of contracts v2: every event and outcome in words, its formats and
filters, and the index's behaviour on a limited provider, a reorg, a kill and an old schema."""

from __future__ import annotations

import csv
import io
import json
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from web3 import HTTPProvider, Web3

from ccsi_dao.audit.verify import verify
from ccsi_dao.chain import Chain
from ccsi_dao.chain.logs import LogFetcher
from ccsi_dao.decisionlog.entries import COLUMNS, Filters, entries, render, select
from ccsi_dao.decisionlog.history import load_history
from ccsi_dao.decisionlog.store import DecisionIndex
from ccsi_dao.errors import ConfigError
from ccsi_dao.governance.consortium import Consortium
from ccsi_dao.governance.deployment import deploy_suite
from tests.e2e.audit.conftest import synced
from tests.support import ROOT
from tests.support.anvil import start_anvil
from tests.support.consortium import suite_params
from tests.support.flaky_proxy import FlakyProxy
from tests.support.history import Built
from tests.support.scenario import Round

# ---------------------------------------------------------------------- the log


def test_log_names_every_event(built: Built, tmp_path: Path) -> None:
    with synced(built, tmp_path / "i.sqlite") as index:
        history = load_history(index)
    log = entries(history)
    assert {
        "proposal", "vote", "outcome", "queue", "execute", "cancel", "extend", "membership", "proxy", "agreement",
        "rules", "settings", "treasury", "timelock", "roles",
    } <= {e.kind for e in log}  # fmt: skip
    summaries = [e.summary for e in log]
    # ETH paid in (Deposited), roles and settings by name, not as hashes or raw event text
    assert any(s.startswith("treasury received 5 ETH from") for s in summaries)
    assert any("timelock proposer role granted to the governor" in s for s in summaries)
    assert not any("0xb09aa5ae" in s for s in summaries)
    assert "voting delay: 1h -> 2h" in summaries and "late-quorum extension: 0s -> 1h" in summaries
    assert any(s.startswith("timelock delay: 0s -> 1d") for s in summaries)
    assert not any("VotingDelaySet:" in s for s in summaries)
    # v2 membership: constitutional votes
    assert any("Mestna obcina Ljubljana" in s and "without a constitutional vote" in s for s in summaries)
    assert any("(Startup d.o.o.): given a vote in constitutional decisions" in s for s in summaries)
    assert any("(Mestna obcina Ljubljana): given a vote in constitutional decisions" in s for s in summaries)
    # the rules come from the registry now
    rules = select(log, Filters(kinds=("rules",)), history)
    assert [e.details["early_close"] for e in rules] == [False, True]


def test_log_says_who_voted_how_and_via_whom(built: Built, tmp_path: Path) -> None:
    with synced(built, tmp_path / "i.sqlite") as index:
        history = load_history(index)
    log = entries(history)
    votes = {
        e.member_name: e for e in select(log, Filters(proposal=built.proposals["signal"], kinds=("vote",)), history)
    }
    relayer_0, relayer_9 = built.round.accounts[0].address, built.round.accounts[9].address
    assert (
        votes["Partner 7"].details["relayer"] == relayer_0
        and votes["Partner 7"].via == "signed ballot relayed by the deployer"
    )
    assert votes["Partner 8"].via == f"signed ballot relayed by {relayer_9} (Partner 9)"
    assert (votes["Partner 8"].choice, votes["Partner 8"].reason) == ("abstain", "conflict of interest")
    assert (votes["Partner 6"].via, votes["Partner 6"].reason) == ("direct", "too early")
    proxy = votes["Partner 11"]
    assert proxy.weight == 2 and proxy.details["proxy_for"] == [built.round.accounts[10].address]
    assert "also as proxy for" in proxy.via and "Partner 10" in proxy.via
    rescue = select(
        log, Filters(proposal=built.proposals["proxy-rescue"], member="Partner 5", kinds=("vote",)), history
    )
    assert rescue[0].weight == 1 and rescue[0].details["own_units"]
    assert "its proxy" in rescue[0].via and "Partner 6" in rescue[0].via and "lost its vote" in rescue[0].via


def test_log_records_every_outcome(built: Built, tmp_path: Path) -> None:
    with synced(built, tmp_path / "i.sqlite") as index:
        history = load_history(index)
    log = entries(history)
    outcomes = {e.proposal: e for e in select(log, Filters(kinds=("outcome",)), history)}
    number = built.number
    assert outcomes[number("remove-defeated")].details["reason"] == "approval failed"
    assert outcomes[number("no-quorum")].details["reason"] == "quorum missed"
    assert "quorum missed: 1 of 5 needed" in outcomes[number("no-quorum")].summary
    early = outcomes[number("closed-early")]
    assert early.details["reason"] == "closed early" and early.block is not None  # closed by a vote
    assert outcomes[number("late-quorum")].details["outcome"] == "succeeded"
    assert outcomes[number("signal")].details["outcome"] == "executed"
    assert outcomes[number("signal")].summary.startswith("voting on #1 closed: passed")
    assert number("canceled") not in outcomes  # the cancel entry says it
    assert any(e.kind == "cancel" and e.proposal == number("canceled") for e in log)
    # an outcome reached at the deadline has no block of its own: it comes after the deadline's events
    late = outcomes[number("no-quorum")]
    assert late.block is None and late.timestamp == history.proposals[built.proposals["no-quorum"]].deadline
    position = log.index(late)
    assert all(e.timestamp <= late.timestamp for e in log[:position])
    assert all(e.timestamp > late.timestamp for e in log[position + 1 :])


def test_log_formats_and_filters(built: Built, tmp_path: Path) -> None:
    with synced(built, tmp_path / "i.sqlite") as index:
        history = load_history(index)
    log = entries(history)
    lines = render(log, "jsonl").splitlines()
    assert [json.loads(line)["kind"] for line in lines] == [e.kind for e in log]
    assert [e["summary"] for e in json.loads(render(log, "json"))] == [e.summary for e in log]
    rows = list(csv.DictReader(io.StringIO(render(log, "csv"))))
    assert tuple(rows[0]) == COLUMNS and len(rows) == len(log)
    relayed = next(r for r in rows if r["kind"] == "vote" and r["reason"] == "conflict of interest")
    assert (relayed["choice"], relayed["weight"], relayed["via"]) == (
        "abstain",
        "1",
        f"signed ballot relayed by {built.round.accounts[9].address} (Partner 9)",
    )
    assert all(r["choice"] == r["weight"] == r["via"] == "" for r in rows if r["kind"] != "vote")
    markdown = render(log, "markdown").splitlines()
    assert markdown[0].startswith("| time |") and len(markdown) == len(log) + 2
    table = render(log, "table").splitlines()
    assert len(table) == len(log) + 2 and "what" in table[0]
    # filters
    assert {e.group for e in select(log, Filters(group="municipality"), history)} == {"municipality"}
    mine = select(log, Filters(member="Ljubljana"), history)
    assert mine and all(e.member_name == "Mestna obcina Ljubljana" for e in mine)
    middle = next(e for e in log[len(log) // 2 :] if e.block is not None)
    after = select(log, Filters(from_block=middle.block), history)
    assert after and all(e.block is not None and e.block >= middle.block for e in after)
    assert all(e.timestamp <= middle.timestamp for e in select(log, Filters(until=middle.timestamp), history))
    assert {e.proposal for e in select(log, Filters(proposal=3), history)} == {3}


def test_chain_text_is_made_safe_in_every_format(built: Built, tmp_path: Path) -> None:
    """A proposal whose description carries a terminal escape, a formula and Markdown table syntax."""
    from ccsi_dao.governance import actions

    hostile = "=HYPERLINK(1)|x\x1b[2J\u202eevil"
    built.round.propose([actions.signal()], hostile)
    with synced(built, tmp_path / "i.sqlite") as index:
        history = load_history(index)
    log = select(entries(history), Filters(kinds=("proposal",)), history)[-1:]
    assert "\x1b" not in render(log, "table") and "\u202e" not in render(log, "table")
    assert "\x1b" not in render(log, "jsonl") and json.loads(render(log, "jsonl"))["summary"].count("\x1b") == 1
    cell = next(csv.DictReader(io.StringIO(render(log, "csv"))))["summary"]
    assert "\x1b" not in cell and "\\x1b" in cell
    row = render(log, "markdown").splitlines()[2]
    assert row.count(" | ") == 5 and "\\|" in row  # the description's | does not open a column


# ---------------------------------------------------------------------- the index on real networks


def test_confirmations_hold_back_recent_blocks(built: Built, tmp_path: Path) -> None:
    latest = built.chain.w3.eth.block_number
    with synced(built, tmp_path / "i.sqlite", confirmations=5) as index:
        assert index.synced_to == latest - 5
        index.sync(built.chain.w3, confirmations=0)
        assert index.synced_to == latest


def test_safe_head_uses_a_sane_finalized_block(built: Built, tmp_path: Path) -> None:
    """On a chain that is not a local devnet: the ``finalized`` block if it is above genesis, else 12 confirmations."""
    proc, url = start_anvil("--chain-id", "4242")
    try:
        w3 = Web3(HTTPProvider(url))
        record = built.dao.record.model_copy(update={"chain_id": 4242})
        with DecisionIndex(tmp_path / "i.sqlite", record) as index:
            fetch = LogFetcher(w3)
            w3.provider.make_request("anvil_mine", [hex(30)])
            assert int(w3.eth.get_block("finalized")["number"]) == 0
            assert index.safe_head(fetch, None) == 30 - 12
            w3.provider.make_request("anvil_mine", [hex(100)])
            finalized = int(w3.eth.get_block("finalized")["number"])
            assert 0 < finalized < 130 and index.safe_head(fetch, None) == finalized
            assert index.safe_head(fetch, 3) == 127
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.mark.slow
def test_sync_through_a_limited_flaky_provider_equals_a_direct_sync(built: Built, tmp_path: Path) -> None:
    """The provider also sends logs without their blockTimestamp, so the blocks holding logs are read instead."""
    with synced(built, tmp_path / "direct.sqlite", max_range=10_000) as direct:
        expected = direct.dump()
    assert expected["blocks"]
    proxy = FlakyProxy(
        built.url,
        max_range=7,
        failure_share=0.2,
        slow_share=0.01,
        slow_seconds=0.4,
        no_log_timestamps=True,
    )
    try:
        w3 = Web3(HTTPProvider(proxy.url, request_kwargs={"timeout": 0.25}, exception_retry_configuration=None))
        fetcher = LogFetcher(w3, max_range=64, sleep=lambda s: time.sleep(min(s, 0.002)))
        with DecisionIndex(tmp_path / "proxied.sqlite", built.dao.record) as proxied:
            proxied.sync(w3, confirmations=0, fetcher=fetcher)
            assert proxied.dump() == expected
    finally:
        proxy.close()
    assert proxy.counts["refused_range"] > 0 and proxy.counts["502"] > 0 and proxy.counts["dropped"] > 0
    assert proxy.counts["stripped"] > 0
    assert fetcher.splits > 0 and fetcher.retries > 0


def test_reorg_is_detected_and_repaired(accounts, tmp_path: Path) -> None:
    """On an anvil of its own: ``anvil_reorg`` leaves no snapshot to revert to."""
    proc, url = start_anvil()
    try:
        chain = Chain.connect(url)
        dao = Consortium(chain, deploy_suite(chain, accounts[0], suite_params(accounts)))
        r = Round(dao, accounts)
        m = dao.membership.functions
        r.as_timelock(m.admit(accounts[14].address, 2, 3, 2, "Late partner"))
        r.as_timelock(m.setWeight(accounts[3].address, 3))
        dao.resign(accounts[9])
        r.advance(10)
        w3 = chain.w3
        index = DecisionIndex(tmp_path / "i.sqlite", dao.record)
        index.sync(w3, confirmations=0)
        assert load_history(index).member_at(accounts[9].address).status.name == "RESIGNED"
        # replace the last 2 blocks (the resignation of partner 9 among them) by blocks where partner 4 resigns
        resign = m.resign()._encode_transaction_data()
        r.rpc(
            "anvil_reorg",
            [2, [[{"from": accounts[4].address, "to": dao.record.membership, "data": resign, "gas": hex(300_000)}, 0]]],
        )
        result = index.sync(w3, confirmations=0)
        assert result.reorgs == 1
        after = load_history(index)
        assert after.member_at(accounts[9].address).status.name == "ACTIVE"
        assert after.member_at(accounts[4].address).status.name == "RESIGNED"
        with DecisionIndex(tmp_path / "fresh.sqlite", dao.record) as fresh:
            fresh.sync(w3, confirmations=0)
            assert index.dump() == fresh.dump()
        assert verify(dao, index=index).ok
        index.close()
    finally:
        proc.terminate()
        proc.wait(timeout=10)


_SYNC_SCRIPT = """
import sys, time
from web3 import HTTPProvider, Web3
from ccsi_dao.governance.deployment import DeploymentRecord
from ccsi_dao.decisionlog.store import DecisionIndex
record = DeploymentRecord.load(sys.argv[1])
index = DecisionIndex(sys.argv[2], record)
print("ready", flush=True)
index.sync(Web3(HTTPProvider(sys.argv[3])), confirmations=0, max_range=2, progress=lambda *a: time.sleep(0.003))
print("done", flush=True)
"""


@pytest.mark.slow
def test_a_killed_sync_resumes_to_the_identical_index(built: Built, tmp_path: Path) -> None:
    record_path = tmp_path / "deployment.json"
    built.dao.record.save(record_path)
    script = tmp_path / "sync.py"
    script.write_text(_SYNC_SCRIPT)
    path = tmp_path / "killed.sqlite"
    rng = random.Random(7)
    progress = []
    for _ in range(5):
        proc = subprocess.Popen(
            [sys.executable, str(script), str(record_path), str(path), built.url],
            stdout=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
        time.sleep(rng.uniform(0.02, 0.25))
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        with sqlite3.connect(path) as db:
            row = db.execute("SELECT value FROM meta WHERE key = 'synced_to'").fetchone()
            progress.append(int(row[0]) if row else None)
    latest = built.chain.w3.eth.block_number
    assert any(p is not None and p < latest for p in progress), progress  # killed mid-way at least once
    with DecisionIndex(path, built.dao.record) as resumed, synced(built, tmp_path / "direct.sqlite") as direct:
        resumed.sync(built.chain.w3, confirmations=0)
        assert resumed.dump() == direct.dump()
        assert resumed.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_an_index_of_another_schema_is_refused_with_one_sentence(built: Built, tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    with synced(built, path) as index:
        index.db.execute("UPDATE meta SET value = '2' WHERE key = 'schema'")
    before = path.read_bytes()
    with pytest.raises(ConfigError) as error:
        DecisionIndex(path, built.dao.record)
    message = str(error.value)
    assert message.count(". ") == 0 and "\n" not in message
    assert "another version of ccsi-dao (index schema 2, this one reads 4); delete it to rebuild" in message
    assert path.read_bytes() == before  # refused without a write


def test_an_index_of_schema_3_is_rebuilt_from_the_chain(built: Built, tmp_path: Path) -> None:
    """Schema 3 held only the chain's logs: opening it empties it and stamps schema 4, and the next sync reads the
    chain again into an index equal to one built from scratch."""
    path = tmp_path / "v3.sqlite"
    with synced(built, path) as index:
        index.db.execute("UPDATE meta SET value = '3' WHERE key = 'schema'")
        index.db.execute("DELETE FROM meta WHERE key = 'libraries'")  # schema 3 did not name the libraries
        index.db.execute("UPDATE logs SET data = '0x' WHERE log_index = 0")  # whatever it held is read again
    with DecisionIndex(path, built.dao.record) as reopened:
        assert reopened.rebuilt and reopened.synced_to is None and reopened.count_logs() == 0
        reopened.sync(built.chain.w3, confirmations=0)
        with synced(built, tmp_path / "fresh.sqlite") as fresh:
            assert reopened.dump() == fresh.dump()
    with DecisionIndex(path, built.dao.record) as again:
        assert not again.rebuilt
