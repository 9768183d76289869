"""The local index: every governance log of one deployment in an embedded SQLite database.

What is stored is raw chain data (each log's address, topics and data, the hash and time of its block); decoding
happens when the log is read (:mod:`ccsi_dao.decisionlog.history`,
:mod:`ccsi_dao.decisionlog.entries`), so the index never holds an interpretation that could drift from the chain.
Keeping it in step with the chain is :mod:`ccsi_dao.decisionlog.sync`'s job: each block range is written here in
one SQLite transaction together with the new sync tip (:meth:`DecisionIndex.commit_range`), so a process killed at
any moment leaves either the whole range or none of it.

Schema 3 (contracts v2): no transaction senders any more (a relayed ballot is known from its ``VoteRelayed`` log), and
the sync tip's timestamp is kept, so the history knows "now" without asking the chain.

Schema 4 (chambers and choices): the index is tied to the deployment's linked libraries too (``DecisionRules`` judges
chambers and options, so a governor linked with other libraries is another deployment), and the option votes and
chamber classes are read from ``VoteCastWithParams`` and the membership events it holds. An index of schema 3 holds
nothing but the chain's logs: it is rebuilt (emptied, and the next sync reads the chain again). An index of any other
schema is refused with one sentence.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from ccsi_dao.errors import ConfigError
from ccsi_dao.fileio import ccsi_home
from ccsi_dao.governance.deployment import DeploymentRecord

if TYPE_CHECKING:
    from web3 import Web3

    from ccsi_dao.chain.logs import LogFetcher
    from ccsi_dao.decisionlog.sync import SyncResult

SCHEMA_VERSION = 4
REBUILT_SCHEMAS = frozenset({"3"})
"""Older schemas whose indexes hold only chain data: they are emptied and read again rather than refused."""

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS logs (
    block_number INTEGER NOT NULL,
    log_index INTEGER NOT NULL,
    block_hash TEXT NOT NULL,
    tx_hash TEXT NOT NULL,
    tx_index INTEGER NOT NULL,
    address TEXT NOT NULL,
    topic0 TEXT NOT NULL,
    topic1 TEXT, topic2 TEXT, topic3 TEXT,
    data TEXT NOT NULL,
    PRIMARY KEY (block_number, log_index)
);
CREATE TABLE IF NOT EXISTS blocks (number INTEGER PRIMARY KEY, hash TEXT NOT NULL, timestamp INTEGER NOT NULL);
"""


_new_tuple = tuple.__new__


class RawLog(NamedTuple):
    """One log as the index stores it (hex strings, lower case). A tuple: cheap to make by the ten thousand."""

    block_number: int
    log_index: int
    block_hash: str
    tx_hash: str
    tx_index: int
    address: str
    topics: tuple[str, ...]
    data: str

    def row(self) -> tuple[Any, ...]:
        """The log as a row of the ``logs`` table."""
        t = self.topics
        n = len(t)
        return (
            self.block_number,
            self.log_index,
            self.block_hash,
            self.tx_hash,
            self.tx_index,
            self.address,
            t[0] if n > 0 else None,
            t[1] if n > 1 else None,
            t[2] if n > 2 else None,
            t[3] if n > 3 else None,
            self.data,
        )

    @classmethod
    def from_row(cls, row: sqlite3.Row | tuple[Any, ...]) -> RawLog:
        topics = tuple(t for t in row[6:10] if t is not None)
        return _new_tuple(cls, (int(row[0]), int(row[1]), row[2], row[3], int(row[4]), row[5], topics, row[10]))

    def key(self) -> tuple[int, int]:
        """``(block number, log index)``: the log's place in the chain."""
        return (self.block_number, self.log_index)

    def text(self) -> str:
        """The log's fields after its place as one text (:meth:`DecisionIndex.row_texts`), each written as its length,
        ``:`` and itself (``-`` for a missing topic), so equal texts are equal logs whatever the fields hold."""
        t = self.topics
        parts = [self.block_hash, self.tx_hash, str(self.tx_index), self.address, *t]
        text = "".join(f"{len(p)}:{p}" for p in parts) + "-" * (4 - len(t))
        return text + f"{len(self.data)}:{self.data}"

    @classmethod
    def from_rpc(cls, log: Any) -> RawLog:
        """A log as a JSON-RPC answer holds it (hex strings; bytes and ints as web3 formats them work too)."""
        try:  # the usual case, fast: hex strings as nodes send them
            return _new_tuple(
                cls,
                (
                    int(log["blockNumber"], 16),
                    int(log["logIndex"], 16),
                    log["blockHash"].lower(),
                    log["transactionHash"].lower(),
                    int(log["transactionIndex"], 16),
                    log["address"].lower(),
                    tuple(map(str.lower, log["topics"])),
                    log["data"].lower(),
                ),
            )
        except (TypeError, AttributeError):
            return cls(
                _int(log["blockNumber"]),
                _int(log["logIndex"]),
                _hex(log["blockHash"]),
                _hex(log["transactionHash"]),
                _int(log["transactionIndex"]),
                str(log["address"]).lower(),
                tuple(_hex(t) for t in log["topics"]),
                _hex(log["data"]),
            )


class Reorged(Exception):
    """The chain changed under a read or a write (a reorg, or another process syncing): start again from the tip."""


def default_index_path(record: DeploymentRecord) -> Path:
    """``$CCSI_DAO_HOME/index-<chainid>-<governor>.sqlite``."""
    return ccsi_home() / f"index-{record.chain_id}-{record.governor.lower()}.sqlite"


def _int(value: Any) -> int:
    return int(value, 16) if isinstance(value, str) else int(value)


def _hex(value: Any) -> str:
    if isinstance(value, str):
        return value.lower() if value.startswith("0x") else "0x" + value.lower()
    return "0x" + bytes(value).hex()


class DecisionIndex:
    """The SQLite index of one deployment's governance logs."""

    def __init__(self, path: Path | str, record: DeploymentRecord) -> None:
        self.path = Path(path)
        self.record = record
        self.rebuilt = False
        """Whether opening it emptied an index of an older schema (:data:`REBUILT_SCHEMAS`) to be read again."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")  # WAL: a commit survives a killed process; a power cut
            # may drop the last commits, never half of one, and the next sync reads them again
            self.db.executescript(_SCHEMA)
        except sqlite3.DatabaseError as exc:
            raise ConfigError(
                f"the index {self.path} is not a usable SQLite database ({exc}); delete it to rebuild"
            ) from None
        self._check_identity()

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> DecisionIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ identity and state

    def _meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else row[0]

    def _check_identity(self) -> None:
        identity = {
            "schema": str(SCHEMA_VERSION),
            "chain_id": str(self.record.chain_id),
            "governor": self.record.governor.lower(),
            "membership": self.record.membership.lower(),
            "timelock": self.record.timelock.lower(),
            "start_block": str(self.record.start_block),
            "libraries": ",".join(
                f"{name}={address.lower()}" for name, address in sorted(self.record.libraries.items())
            ),
        }
        stored = dict(
            self.db.execute(
                f"SELECT key, value FROM meta WHERE key IN ({','.join('?' * len(identity))})", tuple(identity)
            ).fetchall()
        )
        if not stored:
            with self._transaction():
                self.db.executemany("INSERT INTO meta (key, value) VALUES (?, ?)", identity.items())
            return
        if stored.get("schema") in REBUILT_SCHEMAS and all(
            stored.get(key) == value for key, value in identity.items() if key not in ("schema", "libraries")
        ):
            self._rebuild(identity)
            return
        if stored.get("schema") != identity["schema"]:
            raise ConfigError(
                f"the index {self.path} was written by another version of ccsi-dao (index schema "
                f"{stored.get('schema')}, this one reads {SCHEMA_VERSION}); delete it to rebuild"
            )
        for key, value in identity.items():
            if stored.get(key) != value:
                raise ConfigError(
                    f"the index {self.path} belongs to another deployment ({key} {stored.get(key)}, "
                    f"expected {value}); use another --index path or delete it"
                )

    def _rebuild(self, identity: dict[str, str]) -> None:
        """Empty an index of an older schema (it holds only chain data) and stamp it with this one: the next sync
        reads the chain again."""
        with self._transaction():
            self.db.execute("DELETE FROM logs")
            self.db.execute("DELETE FROM blocks")
            self.db.execute("DELETE FROM meta")
            self.db.executemany("INSERT INTO meta (key, value) VALUES (?, ?)", identity.items())
        self.rebuilt = True

    @property
    def synced_to(self) -> int | None:
        """The last block the index covers, or None before the first sync."""
        value = self._meta("synced_to")
        return None if value is None else int(value)

    @property
    def tip_hash(self) -> str | None:
        return self._meta("tip_hash")

    def covered(self) -> tuple[int, int | None]:
        """``(first, last)`` block the index covers."""
        return self.record.start_block, self.synced_to

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[None]:
        """One SQLite write transaction: all of it is committed, or (on any error or a kill) none of it."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    # ------------------------------------------------------------------ reading

    def logs(self, *, from_block: int | None = None, to_block: int | None = None) -> list[RawLog]:
        """Stored logs in chain order."""
        query = "SELECT * FROM logs WHERE block_number >= ? AND block_number <= ? ORDER BY block_number, log_index"
        rows = self.db.execute(query, (from_block or 0, to_block if to_block is not None else 2**62)).fetchall()
        return [RawLog.from_row(r) for r in rows]

    def rows(self, *, to_block: int | None = None) -> dict[tuple[int, int], tuple[Any, ...]]:
        """The stored logs up to ``to_block`` as table rows (:meth:`RawLog.row`), by ``(block, log index)``: for
        comparing with the chain without building a :class:`RawLog` per row."""
        query = "SELECT * FROM logs WHERE block_number <= ?"
        rows = self.db.execute(query, (to_block if to_block is not None else 2**62,)).fetchall()
        return {(r[0], r[1]): r for r in rows}

    def row_texts(self, *, to_block: int | None = None) -> dict[tuple[int, int], str]:
        """Each stored log up to ``to_block`` as one text (:meth:`RawLog.text`), by ``(block, log index)``: all of a
        row in one string, which compares as the row does and costs a fraction of it to read."""
        fields = ("block_hash", "tx_hash", "tx_index", "address", "topic0", "topic1", "topic2", "topic3", "data")
        text = " || ".join(f"ifnull(length({f}) || ':' || {f}, '-')" for f in fields)
        query = f"SELECT block_number, log_index, {text} FROM logs WHERE block_number <= ?"
        rows = self.db.execute(query, (to_block if to_block is not None else 2**62,)).fetchall()
        return {(b, i): text for b, i, text in rows}

    def row(self, key: tuple[int, int]) -> tuple[Any, ...] | None:
        """The stored row of the log at ``(block, log index)``, if any."""
        return self.db.execute("SELECT * FROM logs WHERE block_number = ? AND log_index = ?", key).fetchone()

    def count_logs(self, *, to_block: int | None = None) -> int:
        """How many logs the index holds up to ``to_block``."""
        query = "SELECT COUNT(*) FROM logs WHERE block_number <= ?"
        return int(self.db.execute(query, (to_block if to_block is not None else 2**62,)).fetchone()[0])

    @property
    def tip_time(self) -> int | None:
        """The timestamp of the sync tip (the history's "now"), or None before the first sync."""
        value = self._meta("tip_time")
        return None if value is None else int(value)

    def block_times(self) -> dict[int, int]:
        """``{block: timestamp}`` of every stored block (those holding logs)."""
        return dict(self.db.execute("SELECT number, timestamp FROM blocks").fetchall())

    def block_hashes(self) -> dict[int, str]:
        """``{block: hash}`` of every stored block (those holding logs)."""
        return dict(self.db.execute("SELECT number, hash FROM blocks").fetchall())

    def blocks(self, *, to_block: int | None = None) -> dict[int, tuple[str, int]]:
        """``{block: (hash, timestamp)}`` of the stored blocks up to ``to_block``."""
        rows = self.db.execute(
            "SELECT number, hash, timestamp FROM blocks WHERE number <= ?",
            (to_block if to_block is not None else 2**62,),
        ).fetchall()
        return {n: (h, t) for n, h, t in rows}

    def dump(self) -> dict[str, list[tuple[Any, ...]]]:
        """Every row of every data table, sorted: for comparing two indexes."""
        return {
            "logs": self.db.execute("SELECT * FROM logs ORDER BY block_number, log_index").fetchall(),
            "blocks": self.db.execute("SELECT * FROM blocks ORDER BY number").fetchall(),
            "meta": self.db.execute(
                "SELECT * FROM meta WHERE key NOT IN ('tip_hash', 'tip_time') ORDER BY key"
            ).fetchall(),
        }

    def commit_range(self, start: int, end: int, raw: list[RawLog], blocks: dict[int, tuple[str, int]]) -> None:
        """Store what was read of blocks ``[start, end]`` (the logs, and ``{block: (hash, timestamp)}`` of their
        blocks and ``end``) and make ``end`` the sync tip, in one transaction."""
        with self._transaction():
            if self.synced_to is not None and self.synced_to >= start:
                raise Reorged("another process synced this range meanwhile")  # pragma: no cover
            self.db.executemany("INSERT INTO logs VALUES (?,?,?,?,?,?,?,?,?,?,?)", [log.row() for log in raw])
            with_logs = {log.block_number for log in raw}
            self.db.executemany(
                "INSERT OR REPLACE INTO blocks VALUES (?,?,?)",
                [(n, h, t) for n, (h, t) in blocks.items() if n in with_logs],
            )
            self._set("synced_to", str(end))
            self._set("tip_hash", blocks[end][0])
            self._set("tip_time", str(blocks[end][1]))

    def cut_back(self, keep: int) -> None:
        """Forget everything after block ``keep`` (a reorg replaced it), in one transaction."""
        with self._transaction():
            self.db.execute("DELETE FROM logs WHERE block_number > ?", (keep,))
            self.db.execute("DELETE FROM blocks WHERE number > ?", (keep,))
            if keep < self.record.start_block:
                self.db.execute("DELETE FROM meta WHERE key IN ('synced_to', 'tip_hash', 'tip_time')")
            else:
                hash_, time_ = self.db.execute(
                    "SELECT hash, timestamp FROM blocks WHERE number = ?", (keep,)
                ).fetchone()
                self._set("synced_to", str(keep))
                self._set("tip_hash", hash_)
                self._set("tip_time", str(time_))

    def _set(self, key: str, value: str) -> None:
        self.db.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    # ------------------------------------------------------------------ syncing (ccsi_dao.decisionlog.sync)

    def sync(self, w3: Web3, **options: Any) -> SyncResult:
        """Bring the index up to the chain's safe head: :func:`ccsi_dao.decisionlog.sync.sync` (``confirmations``,
        ``max_range``, ``progress``, ``fetcher``, ``to_block``)."""
        from ccsi_dao.decisionlog.sync import sync

        return sync(self, w3, **options)

    def safe_head(self, fetch: LogFetcher, confirmations: int | None) -> int:
        """The newest block the index may trust (:func:`ccsi_dao.decisionlog.sync.safe_head`)."""
        from ccsi_dao.decisionlog.sync import safe_head

        return safe_head(self.record, fetch, confirmations)


def open_index(record: DeploymentRecord, path: Path | str | None = None) -> DecisionIndex:
    """The index of ``record``'s deployment at ``path`` (default: :func:`default_index_path`), created if missing."""
    return DecisionIndex(path or default_index_path(record), record)
