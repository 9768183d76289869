"""The everyday reads (``proposals list/show``, the lookup of ``vote``, ``queue``, ``execute``, ``cancel``, ``relay``)
from the decision index, so that their cost follows new blocks, not the history.

:class:`IndexReads` is a :class:`~ccsi_dao.governance.consortium.ProposalReads`: at its first use in a command it
syncs the index incrementally (:mod:`ccsi_dao.decisionlog.sync`: only blocks past its tip are read, a reorg below the
tip is repaired), and reads the few blocks past the index's safe head (not yet final) live, without storing them.
Numbers and deadlines come from the stored logs' fixed words, without decoding the history; only the proposals and
votes shown are decoded.

The index is a file anyone with access to the home folder can edit, so what is shown is checked against the chain
with a few view calls in one JSON-RPC batch: each proposal's content against its id (``getProposalId`` over its
actions and description hash), its proposer and snapshot (``proposalProposer``, ``proposalSnapshot``); the votes on a
proposal against its tally (``proposalVotes``) and each voter's ``hasVoted``. A row that fails is refused with one
sentence (:class:`~ccsi_dao.errors.ConfigError`, naming the index to delete); ``ccsi-dao log`` runs the full
consistency check. What these checks cannot see is a proposal's row deleted whole: the numbers after it shift (each
proposal shown is still the chain's, with its id and title, which ``vote`` and the others print first).

The CLI reads without writing (``write=False``: the index is closed after each read, so a command that fails leaves
no file behind) and syncs it once the command has succeeded (:meth:`IndexReads.save`).
"""

from __future__ import annotations

import contextlib
import fcntl
from collections.abc import Iterator, Sequence
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from eth_utils import event_abi_to_log_topic, to_checksum_address

from ccsi_dao.abi.events import EventDecoder
from ccsi_dao.chain.translate import map_errors
from ccsi_dao.decisionlog.store import DecisionIndex, RawLog, default_index_path, open_index
from ccsi_dao.decisionlog.sync import topic_of
from ccsi_dao.errors import ConfigError
from ccsi_dao.governance.consortium import CastVote, ProposalHead
from ccsi_dao.governance.proposals import Proposal, proposal_from_event
from ccsi_dao.types import VoteType

if TYPE_CHECKING:
    from ccsi_dao.governance.consortium import Consortium

READS_INDEX = "logs_by_event"
"""The SQLite index these reads find a governor's events by (made by :meth:`IndexReads.save`)."""
_EVENTS = ("ProposalCreated", "ProposalExtended", "VoteCast", "VoteCastWithParams", "VoteRelayed")


def use_index(dao: Consortium, path: Path | str | None = None, *, write: bool = True) -> Consortium:
    """Make ``dao`` read proposals and votes through the decision index at ``path`` (default: the one ``ccsi-dao
    log`` keeps in ``$CCSI_DAO_HOME``); returns ``dao``. With ``write`` each read syncs the index first; without it
    (the CLI, which writes no file for a command that fails) the index is only read, the blocks past its tip are read
    live, and :meth:`IndexReads.save` syncs it."""
    dao.reads = IndexReads(dao, path, write=write)
    return dao


class IndexReads:
    """Proposals and votes from the decision index, synced at each read (see the module notes)."""

    def __init__(self, dao: Consortium, path: Path | str | None = None, *, write: bool = True) -> None:
        self.dao = dao
        self.path = Path(path) if path is not None else default_index_path(dao.record)
        self.write = write
        self._index: DecisionIndex | None = None
        self._trusted = False
        self._tail: list[RawLog] = []
        self._created: list[tuple[int, int]] | None = None  # (block, log index) of each ProposalCreated
        self._heads: list[ProposalHead] = []

    @cached_property
    def topics(self) -> dict[str, str]:
        return {
            item["name"]: "0x" + bytes(event_abi_to_log_topic(item)).hex()
            for item in self.dao.governor.abi
            if item["type"] == "event" and item["name"] in _EVENTS
        }

    def refresh(self) -> None:
        """Bring the index up to the chain's safe head (with ``write``: only new blocks are read, a reorg below its
        tip is repaired) and read the blocks past it live. Without ``write`` an index whose tip the chain no longer
        holds (a reorg) is left aside for this read."""
        chain = self.dao.chain
        if self.write:
            self.save()
        self._trusted = self.write or self.path.exists()
        index = self._db()
        if index is not None and not self.write and index.synced_to is not None:
            block = chain.block_hash(index.synced_to, action="reading the decision index's tip")
            if block is None or block.lower() != index.tip_hash:
                self._trusted = False
                index = self._db()
        start = (index.synced_to or self.dao.record.start_block - 1) + 1 if index else self.dao.record.start_block
        latest = chain.block_number()
        query = {"address": self.dao.record.governor, "topics": [list(self.topics.values())]}
        found = chain.log_fetcher.logs(start, latest, query) if start <= latest else []
        self._tail = sorted((RawLog.from_rpc(item) for item in found), key=RawLog.key)

    def _db(self) -> DecisionIndex | None:
        """The index, opened if need be, or None when this read does not use it (none yet, or a reorg below its tip
        that only a sync repairs)."""
        if not self._trusted:
            self._close()
            return None
        if self._index is None:
            try:
                self._index = open_index(self.dao.record, self.path)
            except ConfigError:  # another deployment's, or another version's: read the chain instead
                self._trusted = False
        return self._index

    def _close(self) -> None:
        if self._index is not None:
            self._index.close()
            self._index = None

    @contextlib.contextmanager
    def _session(self) -> Iterator[None]:
        """One read. Without ``write`` the index is closed after it, so a command leaves no file behind (SQLite
        removes its write-ahead log when the last connection closes)."""
        try:
            yield
        finally:
            if not self.write:
                self._close()

    def save(self) -> None:
        """Sync the index (created if missing) up to the chain's safe head: only new blocks are read. Skipped while
        another command syncs it, and where the file is another deployment's index."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path.with_name(self.path.name + ".lock"), "a") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return  # another command of this home is syncing it
            if self._index is None:
                try:
                    self._index = open_index(self.dao.record, self.path)
                except ConfigError:
                    return  # not this deployment's index (nor ours to delete): the reads go to the chain
            chain = self.dao.chain
            self._index.sync(chain.w3, fetcher=chain.log_fetcher, chain_id=chain.chain_id)
            self._index.db.execute(f"CREATE INDEX IF NOT EXISTS {READS_INDEX} ON logs (address, topic0, topic1)")

    def _rows(
        self, *names: str, topic1: str | None = None, word0: int | None = None, words: int | None = None
    ) -> list[RawLog]:
        """The governor's logs of these events in chain order, the index's then the tail's: those whose first topic
        after the event's is ``topic1`` and whose data's first word is ``word0``, if given; with ``words``, only the
        data's first ``words`` words are read."""
        topics = [self.topics[n] for n in names]
        where = f"address = ? AND topic0 IN ({','.join('?' * len(topics))})"
        params: list[Any] = [self.dao.record.governor.lower(), *topics]
        if topic1 is not None:
            where += " AND topic1 = ?"
            params.append(topic1)
        if word0 is not None:
            where += " AND substr(data, 3, 64) = ?"
            params.append(f"{word0:064x}")
        data = "data" if words is None else f"substr(data, 1, {2 + 64 * words})"
        columns = (
            f"block_number, log_index, block_hash, tx_hash, tx_index, address, topic0, topic1, topic2, topic3, {data}"
        )
        query = f"SELECT {columns} FROM logs WHERE {where} ORDER BY block_number, log_index"
        index = self._db()
        rows = index.db.execute(query, params).fetchall() if index is not None else []
        stored = [RawLog.from_row(r) for r in rows]
        # Another command may sync the index between this read's look at its tip and these rows: a log the index
        # now holds is not taken from the tail a second time.
        kept = {log.key() for log in stored}
        live = [
            log
            for log in self._tail
            if log.key() not in kept
            and log.topics[0] in topics
            and (topic1 is None or log.topics[1:2] == (topic1,))
            and (word0 is None or _word(log.data, 0) == word0)
        ]
        return stored + live

    # ------------------------------------------------------------------ proposals

    def heads(self) -> list[ProposalHead]:
        with self._session():
            return self._read_heads()

    def _read_heads(self) -> list[ProposalHead]:
        self.refresh()
        created = self._rows("ProposalCreated", words=8)  # the id, proposer, ..., voteStart, voteEnd
        extended = {int(log.topics[1], 16): _word(log.data, 0) for log in self._rows("ProposalExtended")}
        heads = []
        for number, log in enumerate(created, start=1):
            pid = _word(log.data, 0)
            proposer = "0x" + log.data[2 + 64 + 24 : 2 + 128]  # lower case: checksummed only where shown
            heads.append(ProposalHead(number, pid, proposer, extended.get(pid, _word(log.data, 7))))
        self._created, self._heads = [log.key() for log in created], heads
        return heads

    def _created_log(self, key: tuple[int, int]) -> RawLog | None:
        """The whole ``ProposalCreated`` log at ``key`` (block, log index), from the tail or the index."""
        for log in self._tail:
            if log.key() == key:
                return log
        index = self._db()
        row = index.row(key) if index is not None else None
        return None if row is None else RawLog.from_row(row)

    def proposals(self, numbers: Sequence[int]) -> list[Proposal]:
        """The proposals with these numbers, as the last :meth:`heads` found them (read then if never)."""
        if self._created is None:
            self.heads()
        assert self._created is not None
        heads, created = self._heads, self._created
        decoder = self._decoder
        found = []
        with self._session():
            logs = [self._created_log(created[n - 1]) for n in numbers]
        for n, log in zip(numbers, logs, strict=True):
            decoded = decoder.decode(log, 0) if log is not None else None
            if decoded is None or decoded.event != "ProposalCreated":
                raise self._refused(f"proposal #{n} cannot be decoded")
            found.append(proposal_from_event(decoded.args))
        self._verify(found, heads, numbers)
        return found

    def _verify(self, proposals: list[Proposal], heads: list[ProposalHead], numbers: Sequence[int]) -> None:
        """ConfigError unless each proposal is the chain's: its content hashes to its id, and the governor knows
        that id with this proposer and snapshot."""
        if not proposals:
            return
        gov = self.dao.governor
        read = self.dao.chain.reader("latest")
        calls: list[tuple[Any, ...]] = []
        content = {p.id: tuple(tuple(a) if isinstance(a, list) else a for a in p.call_args()) for p in proposals}
        for p in proposals:
            calls += [(gov, "getProposalId", *content[p.id]), (gov, "proposalProposer", p.id),
                      (gov, "proposalSnapshot", p.id)]  # fmt: skip
        with map_errors("checking the proposals against the chain", self.dao.chain.decoder):
            read.prefetch(calls)
            for n, p in zip(numbers, proposals, strict=True):
                if heads[n - 1].id != p.id or read(gov, "getProposalId", *content[p.id]) != p.id:
                    raise self._refused(f"the content of proposal #{n} does not hash to its id")
                if to_checksum_address(read(gov, "proposalProposer", p.id)) != p.proposer:
                    raise self._refused(f"proposal #{n}'s proposer is not the chain's")
                if read(gov, "proposalSnapshot", p.id) != p.snapshot:
                    raise self._refused(f"proposal #{n}'s snapshot is not the chain's")

    # ------------------------------------------------------------------ votes

    def votes(self, proposal_id: int | None = None, voter: str | None = None) -> list[CastVote]:
        with self._session():
            self.refresh()
            return self._read_votes(proposal_id, voter)

    def _read_votes(self, proposal_id: int | None, voter: str | None) -> list[CastVote]:
        topic1 = topic_of(voter) if voter is not None else None
        relayed = self._rows("VoteRelayed", topic1=None if proposal_id is None else f"0x{proposal_id:064x}")
        relayers = {
            (int(log.topics[1], 16), to_checksum_address("0x" + log.topics[2][-40:])): to_checksum_address(
                "0x" + log.data[-40:]
            )
            for log in relayed
        }
        found = []
        for log in self._rows("VoteCast", "VoteCastWithParams", topic1=topic1, word0=proposal_id):
            decoded = self._decoder.decode(log, 0)
            if decoded is None:
                raise self._refused(f"the vote at block {log.block_number} cannot be decoded")
            a = decoded.args
            pid, who = int(a["proposalId"]), to_checksum_address(a["voter"])
            vote = CastVote(
                pid, who, VoteType(int(a["support"])), int(a["weight"]), str(a["reason"]), log.block_number,
                log.tx_hash, relayers.get((pid, who)),
            )  # fmt: skip
            found.append(vote)
        self._verify_votes(found, proposal_id if voter is None else None)
        return found

    def _verify_votes(self, votes: list[CastVote], proposal_id: int | None) -> None:
        """ConfigError unless each voter has voted on the chain and, for one proposal's votes, they add up to its
        tally."""
        gov = self.dao.governor
        read = self.dao.chain.reader("latest")
        calls: list[tuple[Any, ...]] = [(gov, "hasVoted", v.proposal_id, v.voter) for v in votes]
        if proposal_id is not None:
            calls.append((gov, "proposalVotes", proposal_id))
        if not calls:
            return
        with map_errors("checking the votes against the chain", self.dao.chain.decoder):
            read.prefetch(calls)
            for v in votes:
                if not read(gov, "hasVoted", v.proposal_id, v.voter):
                    raise self._refused(f"it records a vote of {v.voter} that the governor does not have")
            if proposal_id is not None:
                against, for_, abstain = read(gov, "proposalVotes", proposal_id)
                sums = dict.fromkeys(VoteType, 0)
                for v in votes:
                    sums[v.support] += v.weight
                if (sums[VoteType.FOR], sums[VoteType.AGAINST], sums[VoteType.ABSTAIN]) != (for_, against, abstain):
                    raise self._refused("the votes it records do not add up to the governor's tally")

    # ------------------------------------------------------------------ helpers

    @cached_property
    def _decoder(self) -> EventDecoder:
        r = self.dao.record
        return EventDecoder(r.governor, r.membership, r.timelock)

    def _refused(self, what: str) -> ConfigError:
        return ConfigError(
            f"the decision index {self.path} does not match the chain ({what}), so it is not used; delete it "
            "to rebuild it"
        )


def _word(data: str, n: int) -> int:
    """The ``n``-th 32-byte word of a log's data (a ``0x`` hex string)."""
    return int(data[2 + 64 * n : 2 + 64 * (n + 1)] or "0", 16)
