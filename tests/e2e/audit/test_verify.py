"""``audit verify`` re-derives every decision under the rules of contracts v2 from raw chain data: it passes on a real
history, reports a tampered index with both values shown where they differ, and notices every withheld event whose
absence changes a decision or a record."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from web3 import Web3

from ccsi_dao.audit import verify as verify_module
from ccsi_dao.audit.bytecode import verify_code
from ccsi_dao.audit.verify import Verification, verify
from ccsi_dao.decisionlog.check import readable_diff
from ccsi_dao.decisionlog.judge import judge
from ccsi_dao.decisionlog.store import DecisionIndex, RawLog
from ccsi_dao.types import Category, ProposalState
from tests.e2e.audit.conftest import falsify_first_vote, synced
from tests.support.history import LATE_QUORUM_EXTENSION, Built


def topic(signature: str) -> str:
    return "0x" + Web3.keccak(text=signature).hex()


def test_verify_passes_and_re_derives_the_v2_rules(built: Built, tmp_path: Path) -> None:
    with synced(built, tmp_path / "i.sqlite") as index:
        result = verify(built.dao, index=index)
    assert result.ok, [f.line() for f in result.discrepancies]
    assert {
        "index", "category", "timing", "votes", "totals", "deadline", "quorum", "outcome", "passed", "scheduled",
        "delay", "executed", "members", "records", "units", "cap", "agreement", "rules", "settings", "timelock",
    } <= {f.check for f in result.findings}  # fmt: skip
    assert result.proposals == len(built.proposals) and result.history is not None
    j = {label: result.judgements[built.number(label)] for label in built.proposals}
    # two electorates: Ljubljana (2 units, admitted by a membership decision) counts in ordinary decisions only
    assert j["amend"].constitutional and j["amend"].electorate == 12
    assert j["closed-early"].electorate == 14
    # a sanction's quorum leaves the sanctioned member's constitutional votes out
    assert j["sanction"].sanctioned == (built.round.accounts[8].address,)
    assert (j["sanction"].electorate, j["sanction"].excluded, j["sanction"].quorum_votes) == (12, 1, 8)
    assert j["remove-defeated"].category == Category.CONSTITUTIONAL and j["remove-defeated"].reason == "approval failed"
    # rules in force at the snapshot: the stricter ordinary quorum applies from the rule change on
    assert str(j["signal"].quorum) == "1/4" and str(j["no-quorum"].quorum) == "1/3"
    # early close and the late-quorum deadline as the contracts compute them
    assert j["closed-early"].closed_early == "failed" and j["closed-early"].reason == "closed early"
    assert j["settings"].closed_early == "passed" and j["settings"].outcome == "executed"
    late = j["late-quorum"]
    assert late.quorum_reached_by is not None
    assert late.deadline == late.quorum_reached_by.timestamp + LATE_QUORUM_EXTENSION > late.proposal.deadline
    # a member whose proxy lost its vote after the snapshot voted with its own units
    rescue = next(vj for vj in j["proxy-rescue"].votes if vj.vote.voter == built.round.accounts[5].address)
    assert rescue.own_units and rescue.expected_weight == 1 and rescue.proxy == built.round.accounts[6].address
    assert [x.state for x in j.values()] == [
        ProposalState.EXECUTED, ProposalState.EXECUTED, ProposalState.EXECUTED, ProposalState.DEFEATED,
        ProposalState.EXECUTED, ProposalState.EXECUTED, ProposalState.EXECUTED, ProposalState.CANCELED,
        ProposalState.DEFEATED, ProposalState.SUCCEEDED, ProposalState.SUCCEEDED, ProposalState.EXECUTED,
        ProposalState.DEFEATED,
    ]  # fmt: skip


def test_judgement_follows_the_clock(built: Built, tmp_path: Path) -> None:
    """Judged before its deadline a proposal is open; a pending one is pending; the contract agrees each time."""
    from ccsi_dao.governance import actions

    p = built.round.propose([actions.signal()], "Judged while it runs")
    result = verify(built.dao)
    pending = result.judgements[len(built.proposals) + 1]
    assert pending.state == ProposalState.PENDING and pending.outcome == "pending" and result.ok
    built.round.advance(p.snapshot - built.round.now() + 1)
    built.dao.vote(built.round.accounts[1], p.id, 1)
    result = verify(built.dao)
    running = result.judgements[len(built.proposals) + 1]
    assert running.state == ProposalState.ACTIVE and running.reason == "voting open" and result.ok


def test_verify_reports_a_tampered_index_with_readable_evidence(built: Built, tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "i.sqlite"
    synced(built, path).close()
    block, log_index, original = falsify_first_vote(path)
    admitted = topic("MemberAdmitted(address,uint8,uint8,uint32,bool,string,uint48)")
    with sqlite3.connect(path) as db:
        gone = db.execute(
            "SELECT block_number, log_index FROM logs WHERE topic0 = ? ORDER BY block_number DESC LIMIT 1", (admitted,)
        ).fetchone()
        db.execute("DELETE FROM logs WHERE block_number = ? AND log_index = ?", gone)
        (real,) = db.execute(
            "SELECT hash FROM blocks WHERE number = (SELECT MAX(number) FROM blocks WHERE number < ?)", (block,)
        ).fetchone()
        fake = "0x" + ("cd" if real[2] == "a" else "ab") * 32  # differs from the real hash at its first digit
        db.execute(
            "UPDATE blocks SET hash = ? WHERE number = (SELECT MAX(number) FROM blocks WHERE number < ?)",
            (fake, block),
        )
    with DecisionIndex(path, built.dao.record) as index:
        result = verify(built.dao, index=index)
    assert not result.ok
    bad = {f.evidence: f for f in result.discrepancies}
    altered = next(
        f for e, f in bad.items() if e.startswith(f"block {block} log {log_index} differs from the chain in data")
    )
    # the decoded field, both values; and the raw data shown around the place where they differ, not cut short
    assert "weight: index 9, chain 1" in altered.evidence
    assert "data differs from character 193: index …" in altered.evidence
    index_excerpt = altered.evidence.split("data differs from character 193: index ")[1].split(", chain ")[0]
    chain_excerpt = altered.evidence.split(", chain ")[-1]
    assert index_excerpt.replace("9", "1", 1) == chain_excerpt  # same window, the differing digit inside it
    assert altered.proposal == 1 and altered.conflicts[0].first == (
        "index",
        "0x" + original[2:][:191] + "9" + original[2:][192:],
    )
    assert any(
        f"the chain has a log the index lacks: block {gone[0]} log {gone[1]}: membership MemberAdmitted(" in e
        for e in bad
    )
    assert any(e.startswith("block ") and f"hash differs from character 2: index {fake}" in e for e in bad), "\n".join(
        bad
    )
    # the decisions themselves come from the chain, so they still pass
    assert all(f.ok for f in result.findings if f.check != "index")


def test_readable_diff_shows_both_values_where_they_differ() -> None:
    a = "0x" + "0" * 200 + "9" + "0" * 60
    b = "0x" + "0" * 200 + "1" + "0" * 60
    x, y, at = readable_diff(a, b)
    assert at == 202 and x.startswith("…") and y.startswith("…") and "9" in x and "1" in y and len(x) == len(y)
    x, y, at = readable_diff("ipfs://agreement-v2", "ipfs://agreement-v3-and-more")
    assert at == 18 and x.endswith("2") and y.endswith("3-and-more")


@pytest.fixture
def withheld(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[Callable[[RawLog], bool]], None]]:
    """Hide the chain's logs matching a predicate from what ``verify`` reads (a provider withholding events)."""

    def withhold(drop: Callable[[RawLog], bool]) -> None:
        original = verify_module.read_rows

        def reader(*args: Any) -> Any:
            for end, logs, blocks in original(*args):
                yield end, [log for log in logs if not drop(log)], blocks

        monkeypatch.setattr(verify_module, "read_rows", reader)

    yield withhold


def failed(result: Verification) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for f in result.discrepancies:
        out.setdefault(f.check, []).append(f.evidence)
    return out


def test_a_withheld_weight_change_is_caught_in_votes_and_records(built: Built, withheld: Any) -> None:
    weight_changed = topic("MemberWeightChanged(address,uint32,uint32)")
    withheld(lambda log: log.topics[0] == weight_changed)
    result = verify(built.dao)
    bad = failed(result)
    partner_3 = built.round.accounts[3].address
    assert any(f"{partner_3}: logged weight 2, rebuilt 1" in e for e in bad["votes"])
    assert any("weight: memberOf 2, rebuilt 1" in e for e in bad["records"])
    conflict = next(c for f in result.discrepancies if f.check == "votes" for c in f.conflicts)
    assert (conflict.first, conflict.second) == (("logged", "2"), ("rebuilt", "1"))
    assert "units" in bad  # the registry's Transfer events still count 2


def test_withheld_admissions_are_caught_and_make_a_later_one_look_above_the_cap(built: Built, withheld: Any) -> None:
    """Without the admissions of partners 3 to 12, Ljubljana's 2 units would have been 2 of 4 (above 1/3)."""
    admitted = topic("MemberAdmitted(address,uint8,uint8,uint32,bool,string,uint48)")
    hidden = {built.round.accounts[i].address.lower()[2:] for i in range(3, 13)}
    withheld(lambda log: log.topics[0] == admitted and log.topics[1][26:] in hidden)
    bad = failed(verify(built.dao))
    assert any("Mestna obcina" not in e and "2 of 4 votes, above 1/3" in e for e in bad["cap"]), bad["cap"]
    assert "members" in bad and "records" in bad


def test_a_withheld_rule_change_is_caught_in_the_quorum(built: Built, withheld: Any) -> None:
    rules_updated = topic("RulesUpdated(uint256,uint48,(((uint16,uint16),(uint16,uint16))[4],bool,uint256[4],bool))")
    seen: list[RawLog] = []

    def second_rule_set(log: RawLog) -> bool:
        if log.topics[0] != rules_updated:
            return False
        seen.append(log)
        return len(seen) > 1

    withheld(second_rule_set)
    bad = failed(verify(built.dao))
    assert any("proposalQuorum 5" in e and "4 votes needed" in e for e in bad["quorum"])  # 1/4 instead of 1/3 of 14
    assert "rules" not in bad or bad["rules"]  # the remaining rule set is still the registry's


def test_a_withheld_vote_and_extension_are_caught(built: Built, withheld: Any) -> None:
    extension_set = topic("LateQuorumVoteExtensionSet(uint64,uint64)")
    vote = topic("VoteCast(address,uint256,uint8,uint256,string)")
    dropped: list[RawLog] = []

    def drop(log: RawLog) -> bool:
        if log.topics[0] == extension_set and log.data.endswith(f"{LATE_QUORUM_EXTENSION:064x}"):
            return True
        if log.topics[0] == vote and not dropped:
            dropped.append(log)
            return True
        return False

    withheld(drop)
    bad = failed(verify(built.dao))
    assert any("logged 7/1/1, proposalVotes 8/1/1" in e for e in bad["totals"])
    assert any("proposalDeadline" in e for e in bad["deadline"])
    assert "settings" in bad  # the late-quorum extension on chain is not the last event's


def test_judge_is_the_same_from_the_index(built: Built, tmp_path: Path) -> None:
    """The log's judgement (from the index) and verify's (from the chain) agree on an untouched index."""
    from ccsi_dao.decisionlog.history import load_history

    with synced(built, tmp_path / "i.sqlite") as index:
        history = load_history(index)
    result = verify(built.dao)
    for p in history.proposal_list():
        mine, theirs = judge(history, p), result.judgements[p.number]
        assert (mine.state, mine.outcome, mine.reason, mine.explanation) == (
            theirs.state,
            theirs.outcome,
            theirs.reason,
            theirs.explanation,
        )


def test_verify_code(built: Built) -> None:
    result = verify_code(built.dao)
    assert result.ok, [f.line() for f in result.findings]
    assert sum(f.check == "runtime" for f in result.findings) == 6  # the registry, governor, timelock, 3 libraries
    rpc = built.round.rpc
    rpc("anvil_setCode", [built.dao.record.membership, "0x" + built.chain.w3.eth.get_code(built.token).hex()])
    failed_ = verify_code(built.dao).discrepancies
    assert [f.subject.split()[0] for f in failed_] == ["ConsortiumMembership"]


def test_the_fast_decoder_decodes_as_the_general_one(built: Built, tmp_path: Path) -> None:
    """Every log of the history, and logs in non-canonical or out-of-range encodings, decode exactly as
    ``EventDecoder`` decodes them."""
    from ccsi_dao.abi.events import EventDecoder
    from ccsi_dao.decisionlog.decode import HistoryDecoder

    r = built.dao.record
    fast, general = (
        HistoryDecoder(r.governor, r.membership, r.timelock),
        EventDecoder(r.governor, r.membership, r.timelock),
    )
    with synced(built, tmp_path / "i.sqlite") as index:
        logs = index.logs()
    assert len(logs) > 250
    for log in logs:
        assert fast.decode(log, 1) == general.decode(log, 1), log
    vote = next(log for log in logs if log.topics[0] == topic("VoteCast(address,uint256,uint8,uint256,string)"))
    words = vote.data[2:]
    variants = {
        "support out of range": words[:64] + "00" * 31 + "03" + words[128:],
        "support above uint8": words[:64] + "01" + "00" * 31 + words[128:],
        "pointer elsewhere": words[:192] + f"{0xA0:064x}" + words[256:] + "00" * 32,
        "padding not zero": words[:-2] + "01",
        "text not UTF-8": words[:256] + f"{2:064x}" + "c328" + "00" * 30,
        "cut short": words[:-64],
        "one word more": words + "00" * 32,
    }
    for name, data in variants.items():
        changed = vote._replace(data="0x" + data)
        assert fast.decode(changed, 1) == general.decode(changed, 1), name
    voter = vote._replace(topics=(vote.topics[0], "0x" + "ff" * 12 + vote.topics[1][26:]))
    assert fast.decode(voter, 1) == general.decode(voter, 1) is None
    created = next(log for log in logs if log.topics[0] == topic(
        "ProposalCreated(uint256,address,address[],uint256[],string[],bytes[],uint256,uint256,string)"
    ))  # fmt: skip
    words = created.data[2:]
    moved = created._replace(data="0x" + words[:128] + f"{0x140:064x}" + words[192:] + "00" * 32)
    assert fast.decode(moved, 1) == general.decode(moved, 1)
    # and the fast path is the one taken for the common events: without the general decoder they still decode
    fast.general = None  # type: ignore[assignment]
    assert fast.decode(vote, 1) == general.decode(vote, 1)
    assert fast.decode(created, 1) == general.decode(created, 1)


def test_operation_ids_are_the_timelocks(built: Built) -> None:
    """The written-out encoding gives eth-abi's bytes, and every queued proposal's id is the one the timelock used."""
    from eth_abi import encode

    from ccsi_dao.decisionlog.judge import _encode_operation

    result = verify(built.dao)
    history = result.history
    assert history is not None
    queued = [p for p in history.proposal_list() if p.queued]
    assert len(queued) >= 7
    for p in history.proposal_list():
        salt = bytes(range(32))
        expected = encode(
            ["address[]", "uint256[]", "bytes[]", "bytes32", "bytes32"],
            [[a.target for a in p.actions], [a.value for a in p.actions], [a.data for a in p.actions], bytes(32), salt],
        )
        assert _encode_operation(p, salt) == expected
        if p.queued:
            assert result.judgements[p.number].operation in history.scheduled
