"""Proposals and votes read through the decision index (``ccsi_dao.decisionlog.reads``): the same answers as the
chain's logs, only new blocks read once the index is synced, and an edited index refused rather than believed."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from eth_account.signers.local import LocalAccount

from ccsi_dao.decisionlog.reads import IndexReads, use_index
from ccsi_dao.errors import ConfigError
from ccsi_dao.governance import actions
from ccsi_dao.governance.consortium import Consortium
from ccsi_dao.types import ProposalState, VoteType
from tests.support.scenario import Round


def _indexed(dao: Consortium, path: Path, *, write: bool = True) -> Consortium:
    return use_index(Consortium(dao.chain, dao.record), path, write=write)


def _log_ranges(dao: Consortium) -> list[tuple[int, int]]:
    """Record the block range of every ``eth_getLogs`` the connection's log reader sends from now on."""
    fetcher = dao.chain.log_fetcher
    ranges: list[tuple[int, int]] = []
    original = fetcher.call

    def call(method: str, params: list[Any]) -> Any:
        if method == "eth_getLogs":
            ranges.append((int(params[0]["fromBlock"], 16), int(params[0]["toBlock"], 16)))
        return original(method, params)

    fetcher.call = call  # type: ignore[method-assign]
    return ranges


@pytest.fixture
def history(dao: Consortium, accounts: list[LocalAccount]) -> Round:
    r = Round(dao, accounts)
    first = r.open([actions.signal()], "First signal")
    r.vote(first, [1, 2], VoteType.FOR)
    r.vote(first, [3], VoteType.AGAINST)
    r.propose([actions.signal()], "Second signal", proposer=2)
    return r


def test_index_reads_answer_as_the_chain_logs_do(history: Round, tmp_path: Path) -> None:
    dao = history.dao
    indexed = _indexed(dao, tmp_path / "index.sqlite")
    assert indexed.proposals() == dao.proposals()
    assert indexed.find_proposal("2") == dao.find_proposal("2")
    first = dao.proposals()[0]
    assert indexed.find_proposal(str(first.id)) == (1, first)
    assert indexed.votes_cast(first.id) == dao.votes_cast(first.id)
    voter = history.accounts[3].address
    assert indexed.votes_cast(voter=voter) == [v for v in dao.votes_cast() if v.voter == voter]
    assert indexed.statuses(indexed.proposals()) == [dao.status(p) for p in dao.proposals()]
    listing = indexed.listing(states={ProposalState.PENDING})
    assert [(n, st.proposal.text) for n, st in listing.rows] == [(2, "Second signal")]


def test_reads_after_a_sync_read_only_new_blocks(history: Round, tmp_path: Path) -> None:
    indexed = _indexed(history.dao, tmp_path / "index.sqlite")
    assert len(indexed.proposals()) == 2  # the first read syncs the whole history
    reads = indexed.reads
    assert isinstance(reads, IndexReads) and reads._index is not None
    synced = reads._index.synced_to
    assert synced is not None and synced >= history.dao.record.start_block
    history.propose([actions.signal()], "Third signal")
    ranges = _log_ranges(indexed)
    number, third = indexed.find_proposal("3")
    assert (number, third.text) == (3, "Third signal")
    assert ranges and all(first > synced for first, _ in ranges), ranges
    ranges.clear()
    indexed.listing()
    indexed.votes_cast(voter=history.accounts[1].address)
    assert all(first > synced for first, _ in ranges), ranges  # nothing below the tip is read again


def test_the_cli_reads_write_no_index_until_asked(history: Round, tmp_path: Path) -> None:
    path = tmp_path / "index.sqlite"
    reader = _indexed(history.dao, path, write=False)
    assert [p.text for p in reader.proposals()] == ["First signal", "Second signal"]  # read live
    assert not path.exists()
    reader.reads.save()  # type: ignore[attr-defined]
    assert path.exists()
    assert [p.text for p in _indexed(history.dao, path, write=False).proposals()] == ["First signal", "Second signal"]


def _edit(path: Path, sql: str, *params: Any) -> None:
    with sqlite3.connect(path) as db:
        assert db.execute(sql, params).rowcount == 1


def test_an_edited_proposal_is_refused(history: Round, tmp_path: Path) -> None:
    path = tmp_path / "index.sqlite"
    _indexed(history.dao, path).proposals()
    text = b"First signal".hex()
    _edit(path, "UPDATE logs SET data = replace(data, ?, ?) WHERE instr(data, ?) > 0", text,
          b"Forged signal".hex()[: len(text)], text)  # fmt: skip
    with pytest.raises(ConfigError, match=r"^the decision index .* does not match the chain \(the content of "
                       r"proposal #1 does not hash to its id\), so it is not used; delete it to rebuild it$"):  # fmt: skip
        _indexed(history.dao, path, write=False).find_proposal("1")
    # the other proposal is still read, and checked
    assert _indexed(history.dao, path, write=False).find_proposal("2")[1].text == "Second signal"


def test_an_edited_vote_is_refused(history: Round, tmp_path: Path) -> None:
    path = tmp_path / "index.sqlite"
    dao = _indexed(history.dao, path)
    first = dao.proposals()[0]
    against = dao.votes_cast(first.id)[-1]
    assert against.support == VoteType.AGAINST
    support_word = 2 + 64 * 1  # VoteCast data: proposalId, support, weight, reason
    _edit(path, "UPDATE logs SET data = substr(data, 1, ?) || ? || substr(data, ?) WHERE tx_hash = ?",
          support_word, f"{int(VoteType.FOR):064x}", support_word + 65, against.transaction)  # fmt: skip
    with pytest.raises(ConfigError, match=r"the votes it records do not add up to the governor's tally"):
        _indexed(history.dao, path, write=False).votes_cast(first.id)


def test_a_listing_shows_the_open_proposals_and_the_most_recent_others(history: Round, tmp_path: Path) -> None:
    dao = _indexed(history.dao, tmp_path / "index.sqlite")
    first, _second = dao.proposals()
    history.advance(first.deadline - history.now() + 1)  # the first closes, the second is open
    page = dao.listing(recent=0)
    assert ([n for n, _ in page.rows], page.hidden) == ([2], 1)
    assert page.rows[0][1].state == ProposalState.ACTIVE
    everything = dao.listing(recent=None)
    assert ([n for n, _ in everything.rows], everything.hidden) == ([1, 2], 0)
    assert [st.state for _, st in everything.rows] == [ProposalState.SUCCEEDED, ProposalState.ACTIVE]
    assert [n for n, _ in dao.listing(states={ProposalState.SUCCEEDED}).rows] == [1]
    assert [n for n, _ in dao.listing(proposer=history.accounts[2].address).rows] == [2]


@pytest.mark.parametrize("write", [True, False])
def test_a_reorg_below_the_index_tip_is_not_believed(
    dao: Consortium, accounts: list[LocalAccount], tmp_path: Path, write: bool
) -> None:
    r = Round(dao, accounts)
    r.propose([actions.signal()], "Kept")
    fork = dao.chain.transport.request("evm_snapshot", [])
    r.propose([actions.signal()], "Reorganised away")
    path = tmp_path / "index.sqlite"
    assert [p.text for p in _indexed(dao, path).proposals()] == ["Kept", "Reorganised away"]
    dao.chain.transport.request("evm_revert", [fork])
    r.propose([actions.signal()], "On the new branch", proposer=2)
    assert [p.text for p in _indexed(dao, path, write=write).proposals()] == ["Kept", "On the new branch"]


def test_reads_without_write_leave_the_folder_as_it_was(history: Round, tmp_path: Path) -> None:
    path = tmp_path / "index.sqlite"
    _indexed(history.dao, path).proposals()
    dao = _indexed(history.dao, path, write=False)
    history.propose([actions.signal()], "Third signal")
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    assert dao.find_proposal("3")[1].text == "Third signal"  # read past the index's tip, live
    assert dao.votes_cast(dao.proposals()[0].id)
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before
