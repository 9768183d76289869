"""The auditors' commands end to end: ``log``, ``audit verify``, ``audit report`` and ``agreement verify``, from the
deployment record and from the governor's address alone; the log refuses an index that does not match the chain."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from eth_abi import encode as abi_encode
from eth_utils import function_signature_to_4byte_selector, keccak

from ccsi_dao.chain import Call, Chain
from ccsi_dao.chain.codec import text_bytes
from ccsi_dao.decisionlog.discover import discover_deployment
from ccsi_dao.governance.actions import SIGNAL_TARGET
from ccsi_dao.types import ProposalState, VoteType
from tests.e2e.audit.conftest import falsify_first_vote
from tests.support.history import AGREEMENT_V2, Built


def test_log_verify_and_report_from_the_record(cli: Any, built: Built, tmp_path: Path) -> None:
    run = cli()
    out = run.process("log", "--format", "jsonl", "--kind", "vote", "--proposal", "1")
    assert out.returncode == 0, out.stderr
    votes = [json.loads(line) for line in out.stdout.splitlines()]
    assert len(votes) == 9 and {v["kind"] for v in votes} == {"vote"} and run.index_path.exists()
    out = run("log", "--json", "--kind", "outcome")
    assert out.exit_code == 0 and {e["details"]["outcome"] for e in json.loads(out.stdout)} >= {"executed", "defeated"}
    bad = run("log", "--no-sync", "--kind", "gossip")
    assert bad.exit_code == 2 and bad.stderr.startswith("error: unknown event kind gossip")
    out = run("audit", "verify", "--failures")
    assert out.exit_code == 0, out.stdout + out.stderr
    assert out.stdout.strip().splitlines() == [out.stdout.strip().splitlines()[-1]]  # only the summary: no failures
    assert out.stdout.startswith("PASS:")
    assert run("audit", "verify-code").exit_code == 0
    report = tmp_path / "report.html"
    out = run("audit", "report", "--output", str(report))
    assert out.exit_code == 0, out.stderr
    assert "verification passed" in out.stdout and "Stricter ordinary quorum" in report.read_text()
    out = run.process("--rpc-url", "http://127.0.0.1:9", "log")
    assert out.returncode == 3 and out.stderr.startswith("error:") and "Traceback" not in out.stderr


def test_log_refuses_an_index_that_does_not_match_the_chain(cli: Any) -> None:
    run = cli()
    assert run("log").exit_code == 0
    block, log_index, _ = falsify_first_vote(run.index_path)
    out = run("log", "--kind", "vote")
    assert out.exit_code == 2 and out.stdout == ""
    message = out.stderr.strip()
    assert message.startswith(f"error: the index {run.index_path} does not match the chain, so it is not printed: ")
    assert f"block {block} log {log_index} differs from the chain in data" in message
    assert "weight: index 9, chain 1" in message and "\n" not in message
    assert "run ccsi-dao audit verify" in message
    out = run("audit", "verify", "--failures")
    assert out.exit_code == 1 and "FAIL  index" in out.stdout


def test_log_without_the_chain_refuses_an_edited_description(cli: Any) -> None:
    """Offline (--no-sync) the index is checked against itself: a proposal's id must be its content's hash."""
    run = cli()
    assert run("log").exit_code == 0
    description = b"Signal: we endorse the social-innovation roadmap".hex()
    forged = b"Signal: we disavow the social-innovation roadmap".hex()  # same length
    with sqlite3.connect(run.index_path) as db:
        (data,) = db.execute("SELECT data FROM logs WHERE data LIKE ?", (f"%{description}%",)).fetchone()
        db.execute("UPDATE logs SET data = ? WHERE data = ?", (data.replace(description, forged), data))
    out = run("log", "--no-sync")
    assert out.exit_code == 2 and out.stdout == ""
    assert (
        "is inconsistent, so it is not printed: proposal #1's id is not the one its actions and description give"
        in out.stderr
    )


def test_audit_from_the_governor_address_alone(cli: Any, built: Built, tmp_path: Path) -> None:
    run = cli(record=False)
    assert not run.record_path.exists()
    governor = built.dao.record.governor
    found = discover_deployment(Chain.connect(built.url), governor)
    expected = built.dao.record
    assert (found.membership, found.timelock, found.start_block, found.deployer, found.consortium) == (
        expected.membership,
        expected.timelock,
        expected.start_block,
        expected.deployer,
        expected.consortium,
    )
    contracts = ("ConsortiumTimelock", "ConsortiumMembership", "ConsortiumGovernor")  # the libraries log nothing
    assert found.transactions == {k: expected.transactions[k].lower() for k in contracts}
    assert found.libraries == expected.libraries
    without = run("audit", "verify")
    assert without.exit_code == 2 and "no deployment record" in without.stderr
    out = run.process("audit", "verify", "--governor", governor, "--rpc-url", built.url, "--failures")
    assert out.returncode == 0, out.stdout + out.stderr
    assert out.stdout.startswith("PASS:") and f"blocks {expected.start_block}.." in out.stdout
    out = run("log", "--governor", governor, "--kind", "agreement", "--format", "csv")
    assert out.exit_code == 0 and "ipfs://agreement-v2" in out.stdout
    assert run.index_path.exists()  # the index of a discovered deployment has the same name
    out = run("audit", "report", "--governor", governor, "--output", str(tmp_path / "r.html"))
    assert out.exit_code == 0, out.stderr
    assert run("audit", "verify-code", "--governor", governor).exit_code == 0
    # not a governor: one sentence, exit 2
    out = run("audit", "verify", "--governor", built.token)
    assert out.exit_code == 2 and out.stderr.startswith(
        f"error: the contract at {built.token} is not a ccsi-dao governor"
    )
    out = run("audit", "verify", "--governor", built.round.accounts[5].address)
    assert out.exit_code == 2 and "there is no contract at" in out.stderr


def test_agreement_verify(cli: Any, built: Built, tmp_path: Path) -> None:
    run = cli()
    document = tmp_path / "agreement-v2.md"
    document.write_text(AGREEMENT_V2, encoding="utf-8")
    digest = hashlib.sha256(AGREEMENT_V2.encode()).hexdigest()
    out = run("agreement", "verify", str(document))
    assert out.exit_code == 0, out.stderr
    assert out.stdout.startswith(f"PASS: {document} is the current version (2 of 2)") and digest in out.stdout
    out = run("agreement", "verify", str(document), "--version", "1")
    assert out.exit_code == 1 and "is NOT version 1 of the agreement" in out.stdout and "it is version 2" in out.stdout
    changed = tmp_path / "changed.md"
    changed.write_text(AGREEMENT_V2.replace("version 2", "version 2 (amended)"), encoding="utf-8")
    out = run("agreement", "verify", str(changed), "--json")
    result = json.loads(out.stdout)
    assert out.exit_code == 1 and not result["ok"] and result["matching_versions"] == []
    assert result["versions"][1]["sha256"] == "0x" + digest
    out = run("agreement", "verify", str(document), "--governor", built.dao.record.governor)
    assert out.exit_code == 0
    out = run("agreement", "verify", str(tmp_path / "missing.md"))
    assert out.exit_code == 2 and out.stderr.startswith("error: cannot read")
    out = run("agreement", "verify", str(document), "--version", "3")
    assert out.exit_code == 2 and "there is no agreement version 3: the registry holds 2" in out.stderr


@pytest.mark.slow
def test_text_that_is_not_utf8_keeps_its_proposal_and_vote_in_the_log_and_verify(cli: Any, built: Built) -> None:
    """Solidity does not check that a string is UTF-8: a hostile member proposes with a description, and a voter
    votes with a reason, that are not. Both are logged (each invalid byte a visible escape), the proposal is queued
    by its true description hash, and ``audit verify`` re-derives it all: nothing drops out of the history."""
    dao, r = built.dao, built.round
    gov = dao.governor
    description = b"Signal: we endorse \xff\xfe the plan \xc3("  # a lone 0xc3 starts a character that never ends
    reason = b"no \x80 way \xed\xa0\x80"  # a continuation byte alone; an encoded UTF-16 surrogate
    selector = function_signature_to_4byte_selector("propose(address[],uint256[],bytes[],string)")
    args = ([SIGNAL_TARGET], [0], [b""])
    calldata = selector + abi_encode(["address[]", "uint256[]", "bytes[]", "bytes"], [*args, description])
    dao.chain.transact(r.accounts[1], Call(dao.record.governor, calldata))  # "bytes" encodes as "string" does
    pid = gov.functions.getProposalId(*args, keccak(description)).call()
    r.advance(gov.functions.proposalSnapshot(pid).call() - r.now() + 1)
    vote = function_signature_to_4byte_selector("castVoteWithReason(uint256,uint8,string)")
    voter = r.accounts[2]
    calldata = vote + abi_encode(["uint256", "uint8", "bytes"], [pid, int(VoteType.FOR), reason])
    dao.chain.transact(voter, Call(dao.record.governor, calldata))
    r.vote(dao.proposal(pid), [1, 4, 5, 7], VoteType.FOR)
    # the library's own path (web3's decoding of the logs) keeps the exact bytes: the proposal is queued by them
    proposal = dao.proposal(pid)
    assert text_bytes(proposal.description) == description and proposal.description_hash == keccak(description)
    assert r.close(proposal) == ProposalState.SUCCEEDED
    dao.queue(r.accounts[1], proposal)

    run = cli()
    out = run.process("log", "--format", "jsonl", "--proposal", str(pid))
    assert out.returncode == 0, out.stderr
    entries = [json.loads(line) for line in out.stdout.splitlines()]
    kinds = ["proposal", "vote", "vote", "vote", "vote", "vote", "outcome", "timelock", "queue"]
    assert [e["kind"] for e in entries] == kinds
    assert entries[0]["details"]["description"] == "Signal: we endorse \\xff\\xfe the plan \\xc3("
    hostile = entries[1]
    assert (hostile["member"], hostile["details"]["choice"], hostile["details"]["weight"]) == (voter.address, "for", 1)
    assert hostile["details"]["reason"] == "no \\x80 way \\xed\\xa0\\x80"
    assert hostile["summary"].endswith(': "no \\x80 way \\xed\\xa0\\x80"')
    assert entries[6]["details"]["outcome"] == "queued" and entries[6]["details"]["for"] == 5
    table = run.process("log", "--no-sync", "--proposal", str(pid))
    assert table.returncode == 0 and "no \\x80 way \\xed\\xa0\\x80" in table.stdout, table.stderr

    out = run.process("audit", "verify")
    assert out.returncode == 0, out.stdout + out.stderr
    assert out.stdout.splitlines()[-1].startswith("PASS: ")
    number = len(built.proposals) + 1
    assert any(f"#{number}" in line and "PASS" in line for line in out.stdout.splitlines()), out.stdout
    shown = run.process("proposals", "show", str(number))
    assert shown.returncode == 0, shown.stderr
    assert "no \\x80 way \\xed\\xa0\\x80" in shown.stdout and "we endorse \\xff\\xfe the plan" in shown.stdout, (
        shown.stdout
    )
