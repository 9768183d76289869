"""The decision log on a real governance history: index, log formats and filters, verification and its discrepancy
reports, code verification, the report, and the index's behaviour on a limited provider, a reorg and a kill."""

from __future__ import annotations

import csv
import io
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import typer
from click.testing import CliRunner
from web3 import HTTPProvider, Web3

from ccsi_dao.audit.bytecode import verify_code
from ccsi_dao.audit.verify import verify
from ccsi_dao.chain import Chain
from ccsi_dao.chain.logs import LogFetcher
from ccsi_dao.cli.main import app
from ccsi_dao.decisionlog.entries import Filters, entries, render, select
from ccsi_dao.decisionlog.history import load_history
from ccsi_dao.decisionlog.store import DecisionIndex
from ccsi_dao.errors import ConfigError
from ccsi_dao.governance.categories import categorize
from ccsi_dao.governance.consortium import Consortium
from ccsi_dao.governance.deployment import deploy_suite
from ccsi_dao.types import Category
from tests.support import ROOT
from tests.support.anvil import start_anvil
from tests.support.consortium import suite_params
from tests.support.flaky_proxy import FlakyProxy
from tests.support.history import Built
from tests.support.scenario import Round


def synced(built: Built, path: Path, **kwargs) -> DecisionIndex:
    index = DecisionIndex(path, built.dao.record)
    index.sync(built.chain.w3, confirmations=kwargs.pop("confirmations", 0), **kwargs)
    return index


# ---------------------------------------------------------------------- the log


def test_log_records_every_kind_of_event(built: Built, tmp_path: Path) -> None:
    with synced(built, tmp_path / "i.sqlite") as index:
        history = load_history(index)
        log = entries(history)
    kinds = {e.kind for e in log}
    assert {
        "proposal",
        "vote",
        "queue",
        "execute",
        "cancel",
        "membership",
        "proxy",
        "agreement",
        "rules",
        "treasury",
        "timelock",
        "settings",
        "roles",
    } <= kinds
    categories = {p.category for p in history.proposals.values()}
    assert categories == set(Category)
    assert all(categorize(built.dao.record, p.actions) == p.category for p in history.proposals.values())

    signal_votes = select(log, Filters(proposal=built.proposals["signal"], kinds=("vote",)), history)
    methods = {(e.member_name, e.details["method"], e.details["weight"], e.details["reason"]) for e in signal_votes}
    assert ("Partner 7", "signed ballot", 1, "") in methods
    assert ("Partner 8", "signed ballot", 1, "conflict of interest") in methods
    assert ("Partner 6", "direct", 1, "too early") in methods
    proxy_vote = next(e for e in signal_votes if e.member_name == "Partner 11")
    assert proxy_vote.details["weight"] == 2 and proxy_vote.details["proxy_for"] == [built.round.accounts[10].address]
    relayed = next(e for e in signal_votes if e.member_name == "Partner 8")
    assert relayed.details["relayer"] == built.round.accounts[9].address.lower()

    treasury = select(log, Filters(kinds=("treasury",)), history)
    assert any("paid 1 ETH from the treasury" in e.summary and e.proposal for e in treasury)
    assert any("sent 250 base units" in e.summary and e.proposal for e in treasury)
    assert any("received 1000 base units" in e.summary for e in treasury)
    amendment = select(log, Filters(kinds=("agreement",)), history)
    assert [e.details["version"] for e in amendment] == [1, 2]
    assert amendment[1].details["hash"] == "0x" + "22" * 32
    membership = [e.summary for e in select(log, Filters(kinds=("membership",)), history)]
    assert any("active -> removed" in s for s in membership) and any("active -> resigned" in s for s in membership)
    assert any("Mestna obcina Ljubljana" in s and "municipality" in s for s in membership)

    # filters
    assert {e.group for e in select(log, Filters(group="municipality"), history)} == {"municipality"}
    mine = select(log, Filters(member="Ljubljana"), history)
    assert mine and all(e.member_name == "Mestna obcina Ljubljana" for e in mine)
    middle = log[len(log) // 2]
    assert all(e.block >= middle.block for e in select(log, Filters(from_block=middle.block), history))
    assert all(e.timestamp <= middle.timestamp for e in select(log, Filters(until=middle.timestamp), history))
    assert [e.proposal for e in select(log, Filters(proposal=3), history)] == [3] * len(
        select(log, Filters(proposal=3), history)
    )


def test_log_formats(built: Built, tmp_path: Path) -> None:
    with synced(built, tmp_path / "i.sqlite") as index:
        history = load_history(index)
    log = entries(history)
    lines = render(log, "jsonl").splitlines()
    assert [json.loads(line)["block"] for line in lines] == [e.block for e in log]
    rows = list(csv.DictReader(io.StringIO(render(log, "csv"))))
    assert len(rows) == len(log) and rows[0]["kind"] == log[0].kind
    markdown = render(log, "markdown").splitlines()
    assert markdown[0].startswith("| time |") and len(markdown) == len(log) + 2
    table = render(log, "table").splitlines()
    assert len(table) == len(log) + 2 and "what" in table[0]


# ---------------------------------------------------------------------- verification


def test_verify_passes_on_the_history(built: Built, tmp_path: Path) -> None:
    with synced(built, tmp_path / "i.sqlite") as index:
        result = verify(built.dao, index=index)
    assert result.ok, [f.line() for f in result.discrepancies]
    checks = {f.check for f in result.findings}
    assert {
        "index",
        "category",
        "votes",
        "totals",
        "rules",
        "electorate",
        "outcome",
        "passed",
        "scheduled",
        "delay",
        "executed",
        "members",
        "records",
        "agreement",
        "timelock",
    } <= checks
    assert result.proposals == len(built.proposals)


def test_verify_reports_a_tampered_index(built: Built, tmp_path: Path) -> None:
    path = tmp_path / "i.sqlite"
    synced(built, path).close()
    vote_topic = "0x" + Web3.keccak(text="VoteCast(address,uint256,uint8,uint256,string)").hex()
    admitted = "0x" + Web3.keccak(text="MemberAdmitted(address,uint8,uint8,uint96,string,uint48)").hex()
    with sqlite3.connect(path) as db:
        # a vote's weight raised from 1 to 9 (the weight is the third word of the data)
        block, index_, data = db.execute(
            "SELECT block_number, log_index, data FROM logs WHERE topic0 = ? ORDER BY block_number LIMIT 1",
            (vote_topic,),
        ).fetchone()
        words = data[2:]
        db.execute(
            "UPDATE logs SET data = ? WHERE block_number = ? AND log_index = ?",
            ("0x" + words[: 128 + 63] + "9" + words[192:], block, index_),
        )
        # an admission deleted, a block hash changed
        gone = db.execute(
            "SELECT block_number, log_index FROM logs WHERE topic0 = ? ORDER BY block_number DESC LIMIT 1", (admitted,)
        ).fetchone()
        db.execute("DELETE FROM logs WHERE block_number = ? AND log_index = ?", gone)
        db.execute(
            "UPDATE blocks SET hash = ? WHERE number = (SELECT MAX(number) FROM blocks WHERE number < ?)",
            ("0x" + "ab" * 32, block),
        )
    with DecisionIndex(path, built.dao.record) as index:
        result = verify(built.dao, index=index)
    bad = [f.evidence for f in result.discrepancies]
    assert not result.ok
    assert any(f"block {block} log {index_} differs from the chain in data" in e for e in bad), bad
    assert any(f"the chain has a log the index lacks: block {gone[0]} log {gone[1]}" in e for e in bad), bad
    assert any("0x" + "ab" * 32 in e for e in bad), bad
    # the recomputation itself comes from the chain, so the decisions still pass
    assert all(f.ok for f in result.findings if f.check != "index")


def test_verify_reports_discrepancies_of_the_chain_data(built: Built) -> None:
    """Remove the resignation from the data verify reads (a "missing event"): the rebuilt records disagree."""
    from ccsi_dao.audit import verify as module

    original = module.read_range

    def without_resignation(fetch, record, start, end):
        logs, blocks, txs = original(fetch, record, start, end)
        status = "0x" + Web3.keccak(text="MemberStatusChanged(address,uint8,uint8)").hex()
        return [log for log in logs if not (log.topics[0] == status and log.data.endswith("3"))], blocks, txs

    module.read_range = without_resignation
    try:
        result = verify(built.dao)
    finally:
        module.read_range = original
    failed = {f.check for f in result.discrepancies}
    assert "records" in failed
    assert any("resigned" in f.evidence.lower() or "RESIGNED" in f.evidence for f in result.discrepancies)


def test_verify_code(built: Built) -> None:
    result = verify_code(built.dao)
    assert result.ok, [f.line() for f in result.findings]
    assert sum(f.check == "runtime" for f in result.findings) == 3
    # another contract's code at an address is caught
    rpc = built.round.rpc
    rpc("anvil_setCode", [built.dao.record.membership, "0x" + built.chain.w3.eth.get_code(built.token).hex()])
    failed = verify_code(built.dao).discrepancies
    assert [f.subject.split()[0] for f in failed] == ["ConsortiumMembership"]


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


def test_sync_through_a_limited_flaky_provider_equals_a_direct_sync(built: Built, tmp_path: Path) -> None:
    """The provider also lacks eth_getBlockReceipts, so vote senders come from one receipt per vote instead."""
    with synced(built, tmp_path / "direct.sqlite", max_range=10_000) as direct:
        expected = direct.dump()
    assert expected["txs"]
    proxy = FlakyProxy(
        built.url,
        max_range=7,
        failure_share=0.2,
        slow_share=0.01,
        slow_seconds=0.4,
        lacks=frozenset({"eth_getBlockReceipts"}),
    )
    try:
        w3 = Web3(HTTPProvider(proxy.url, request_kwargs={"timeout": 0.25}, exception_retry_configuration=None))
        fetcher = LogFetcher(w3, max_range=64, sleep=lambda s: time.sleep(min(s, 0.05)))
        with DecisionIndex(tmp_path / "proxied.sqlite", built.dao.record) as proxied:
            proxied.sync(w3, confirmations=0, fetcher=fetcher)
            assert proxied.dump() == expected
    finally:
        proxy.close()
    assert proxy.counts["refused_range"] > 0 and proxy.counts["502"] > 0 and proxy.counts["dropped"] > 0
    assert proxy.counts["lacked"] > 0
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


# ---------------------------------------------------------------------- the CLI and the report


def test_cli_log_verify_and_report(built: Built, tmp_path: Path) -> None:
    record_path = tmp_path / "deployment.json"
    built.dao.record.save(record_path)
    env = {
        **os.environ,
        "CCSI_DAO_HOME": str(tmp_path),
        "CCSI_DAO_RPC_URL": built.url,
        "CCSI_DAO_DEPLOYMENT": str(record_path),
    }

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        """The real command in a subprocess: the end-to-end path, used once."""
        return subprocess.run(
            [sys.executable, "-m", "ccsi_dao.cli.main", *args],
            capture_output=True,
            text=True,
            env=env,
            cwd=ROOT,
            timeout=60,
        )

    runner = CliRunner(mix_stderr=False)
    command = typer.main.get_command(app)

    def cli_in_process(*args: str) -> Any:
        """The same command tree in-process (typer's runner), to keep the test fast."""
        return runner.invoke(command, list(args), env=env)

    out = cli("log", "--format", "jsonl", "--kind", "vote", "--proposal", "1")
    assert out.returncode == 0, out.stderr
    votes = [json.loads(line) for line in out.stdout.splitlines()]
    assert len(votes) == 9 and {v["kind"] for v in votes} == {"vote"}
    assert (tmp_path / f"index-{built.dao.record.chain_id}-{built.dao.record.governor.lower()}.sqlite").exists()
    bad = cli_in_process("log", "--no-sync", "--kind", "gossip")
    assert bad.exit_code == 2 and bad.stderr.startswith("error: unknown event kind gossip")

    out = cli_in_process("audit", "verify", "--failures")
    assert out.exit_code == 0, out.stdout + out.stderr
    assert out.stdout.strip().splitlines()[-1].startswith("PASS:")
    assert cli_in_process("audit", "verify-code").exit_code == 0

    report = tmp_path / "report.html"
    out = cli_in_process("audit", "report", "--output", str(report))
    assert out.exit_code == 0, out.stderr
    page = report.read_text()
    assert page.count("<svg") == len(built.proposals) and "Stricter ordinary quorum" in page
    assert "src=" not in page and "<link" not in page and "url(" not in page  # nothing fetched when opened
    assert "Participation per stakeholder group" in report.with_suffix(".md").read_text()

    index = tmp_path / f"index-{built.dao.record.chain_id}-{built.dao.record.governor.lower()}.sqlite"
    with sqlite3.connect(index) as db:
        db.execute("DELETE FROM logs WHERE rowid = (SELECT MAX(rowid) FROM logs)")
    out = cli_in_process("audit", "verify", "--failures")
    assert out.exit_code == 1 and "FAIL  index" in out.stdout

    out = cli("--rpc-url", "http://127.0.0.1:9", "log")
    assert out.returncode == 3 and out.stderr.startswith("error:")


def test_an_index_of_another_schema_is_refused_with_a_way_out(built: Built, tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    with synced(built, path) as index:
        index.db.execute("UPDATE meta SET value = '1' WHERE key = 'schema'")
    with pytest.raises(
        ConfigError, match=r"another version of ccsi-dao \(index schema 1, this one reads 2\); delete it"
    ):
        DecisionIndex(path, built.dao.record)
