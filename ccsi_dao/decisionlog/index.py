"""The local index: every governance log of one deployment in an embedded SQLite database, kept in step with the chain.

What is stored is raw chain data (each log's address, topics and data, the hash and time of its block, the sender
and recipient of vote transactions); decoding happens when the log is read (:mod:`ccsi_dao.decisionlog.history`, :mod:`ccsi_dao.decisionlog.entries`),
so the index never holds an interpretation that could drift from the chain.

Correctness on real networks:

- **Confirmations.** Only blocks up to a *safe head* are indexed: ``latest - confirmations`` when a depth is
  given; otherwise the chain's ``finalized`` block where it has a sane one (above genesis, not above ``latest``),
  else ``latest - 12``; on a local devnet (chain id 31337/1337), which never reorganises by itself, ``latest``.
- **Atomic ranges.** Each block range is written in one SQLite transaction together with the new sync tip, so a
  process killed at any moment leaves either the whole range or none of it: a resumed sync loses nothing and
  counts nothing twice (rows are keyed by block number and log index as well).
- **Reorgs.** The hash of every block holding a log and of the sync tip is stored. Before syncing on, the tip's
  hash is compared with the chain's; on a mismatch the index walks back to the newest stored block whose hash
  still matches, deletes everything after it and re-reads from there. Each log's block hash is also checked
  against the block read for its timestamp, so a reorg during a sync is caught too.
- **Limited providers.** ``eth_getLogs`` ranges are split in half whenever a provider refuses a range or a result
  size, and the range size adapts (shrinks on refusal, grows again on success). Transient failures (timeouts,
  HTTP 429/5xx, dropped connections) are retried with exponential backoff.
- **Batches.** Blocks and the receipts of blocks holding votes (``eth_getBlockReceipts``: one request per block
  instead of one per vote; ``eth_getTransactionReceipt`` per vote where a provider lacks it) are read in JSON-RPC batches (:data:`BATCH_SIZE` requests per HTTP request),
  a per-request round trip costing several times what the node spends answering. Any request a batch leaves
  unanswered is asked again on its own (with the retries above); a provider that keeps failing batches is asked
  one request at a time from then on.
"""

from __future__ import annotations

import contextlib
import re
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eth_utils import keccak
from web3 import Web3

from ccsi_dao.chain import is_transient
from ccsi_dao.deployment import DeploymentRecord
from ccsi_dao.errors import ChainError, ConfigError
from ccsi_dao.fileio import ccsi_home

SCHEMA_VERSION = 2
TRANSFER_TOPIC = keccak(text="Transfer(address,address,uint256)")
DEVNET_CHAIN_IDS = {31337, 1337}
DEFAULT_CONFIRMATIONS = 12
"""Depth used on chains without a sane ``finalized`` block."""
DEFAULT_RANGE = 2_000
MIN_RANGE = 1
RETRY_DELAYS = (0.05, 0.1, 0.2, 0.4, 0.8, 1.6, 3.2)
BATCH_SIZE = 250
"""Requests per JSON-RPC batch (public providers accept 100 to 1,000)."""
BATCH_FAILURES = 2
"""Failed batches in a row after which a fetcher stops batching (a provider that does not take them)."""

_TOO_LARGE = re.compile(
    r"block range|range too (large|wide|big)|more than \d+ (results|logs|blocks)|too many (results|logs|blocks)|"
    r"query returned more than|exceed|limit(ed)? (to|of)|response size|log response size|max(imum)? (block )?range|"
    r"query timeout",
    re.IGNORECASE,
)

_RATE_LIMITED = re.compile(r"rate.?limit|too many requests|requests per second|capacity", re.IGNORECASE)
_TRANSIENT = re.compile(r"temporar|try again|rate.?limit|too many requests|requests per second|capacity|unavailable|"
                        r"gateway|timeout|timed out|busy|overload|internal", re.IGNORECASE)

ProgressFn = Callable[[int, int, int], None]
"""``(synced_to, target, first_block)`` after each committed range."""

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
CREATE INDEX IF NOT EXISTS logs_topic0 ON logs (topic0);
CREATE TABLE IF NOT EXISTS blocks (number INTEGER PRIMARY KEY, hash TEXT NOT NULL, timestamp INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS txs (hash TEXT PRIMARY KEY, sender TEXT NOT NULL, recipient TEXT);
"""


@dataclass(frozen=True)
class RawLog:
    """One log as the index stores it (hex strings, lower case)."""

    block_number: int
    log_index: int
    block_hash: str
    tx_hash: str
    tx_index: int
    address: str
    topics: tuple[str, ...]
    data: str

    def row(self) -> tuple[Any, ...]:
        topics = list(self.topics) + [None] * (4 - len(self.topics))
        return (self.block_number, self.log_index, self.block_hash, self.tx_hash, self.tx_index, self.address,
                *topics, self.data)

    @classmethod
    def from_row(cls, row: sqlite3.Row | tuple[Any, ...]) -> "RawLog":
        topics = tuple(t for t in row[6:10] if t is not None)
        return cls(int(row[0]), int(row[1]), row[2], row[3], int(row[4]), row[5], topics, row[10])

    @classmethod
    def from_rpc(cls, log: Any) -> "RawLog":
        return cls(
            block_number=_int(log["blockNumber"]),
            log_index=_int(log["logIndex"]),
            block_hash=_hex(log["blockHash"]),
            tx_hash=_hex(log["transactionHash"]),
            tx_index=_int(log["transactionIndex"]),
            address=str(log["address"]).lower(),
            topics=tuple(_hex(t) for t in log["topics"]),
            data=_hex(log["data"]),
        )


@dataclass(frozen=True)
class SyncResult:
    first_block: int
    synced_to: int
    target: int
    new_logs: int
    reorgs: int
    requests: int
    seconds: float


def default_index_path(record: DeploymentRecord) -> Path:
    """``$CCSI_DAO_HOME/index-<chainid>-<governor>.sqlite``."""
    return ccsi_home() / f"index-{record.chain_id}-{record.governor.lower()}.sqlite"


def _int(value: Any) -> int:
    return int(value, 16) if isinstance(value, str) else int(value)


def _hex(value: Any) -> str:
    if isinstance(value, str):
        return value.lower() if value.startswith("0x") else "0x" + value.lower()
    return "0x" + bytes(value).hex()


def topic_of(address: str) -> str:
    return "0x" + "00" * 12 + address.lower().removeprefix("0x")


class LogFetcher:
    """``eth_getLogs`` over any range, splitting it when the provider refuses and retrying transient failures.

    Also reads blocks and transactions with the same retries. Counts requests (``requests``) for reports.
    """

    def __init__(self, w3: Web3, *, max_range: int = DEFAULT_RANGE, sleep: Callable[[float], None] = time.sleep) -> None:
        self.w3 = w3
        self.max_range = max(max_range, MIN_RANGE)
        self.range = self.max_range
        self.requests = 0
        self.splits = 0
        self.retries = 0
        self.batch_size = BATCH_SIZE
        self.batching = True
        self._batch_failures = 0
        self._sleep = sleep

    def call(self, method: str, params: list[Any]) -> Any:
        """A JSON-RPC request with retries on transient failures; ChainError when the node keeps failing."""
        attempt = 0
        while True:
            self.requests += 1
            try:
                response = self.w3.provider.make_request(method, params)  # type: ignore[arg-type]
            except Exception as exc:
                if not is_transient(exc) and not isinstance(exc, (OSError, ValueError)):
                    raise
                failure = str(exc)
            else:
                error = response.get("error") if isinstance(response, dict) else None
                if error is None and isinstance(response, dict) and "result" in response:
                    return response["result"]
                message = str(error.get("message", error)) if isinstance(error, dict) else str(response)
                transient = _TRANSIENT.search(message)
                if _TOO_LARGE.search(message) and not _RATE_LIMITED.search(message):
                    raise _RangeRefused(message)
                if not transient:
                    raise ChainError(f"the node refused {method}: {message[:200]}")
                failure = message
            if attempt >= len(RETRY_DELAYS):
                raise ChainError(f"the chain kept failing {method} after {attempt + 1} attempts: {failure[:200]}")
            self.retries += 1
            self._sleep(RETRY_DELAYS[attempt])
            attempt += 1

    def call_many(self, calls: list[tuple[str, list[Any]]]) -> list[Any]:
        """The results of ``calls``, in order: sent in JSON-RPC batches where the provider takes them; a request
        the batch did not answer (an error, a missing item, a failed batch) is sent again alone through
        :meth:`call`, with its retries and errors."""
        out: list[Any] = [None] * len(calls)
        for first in range(0, len(calls), self.batch_size):
            chunk = calls[first:first + self.batch_size]
            answers = self._batch(chunk) if self.batching and len(chunk) > 1 else None
            for i, (method, params) in enumerate(chunk):
                answer = answers[i] if answers is not None else None
                if isinstance(answer, dict) and "result" in answer and answer.get("error") is None:
                    out[first + i] = answer["result"]
                else:
                    out[first + i] = self.call(method, params)
        return out

    def _batch(self, chunk: list[tuple[str, list[Any]]]) -> list[Any] | None:
        """One JSON-RPC batch; None if it failed as a whole (the caller then asks one by one)."""
        self.requests += 1
        try:
            answers = self.w3.provider.make_batch_request(chunk)  # type: ignore[attr-defined]
        except Exception:  # noqa: BLE001 - a provider without batches, or a transient failure: ask one by one
            answers = None
        if not isinstance(answers, list) or len(answers) != len(chunk):
            self._batch_failures += 1
            if self._batch_failures >= BATCH_FAILURES:
                self.batching = False
            return None
        self._batch_failures = 0
        return answers

    def logs(self, first: int, last: int, filter_: dict[str, Any]) -> list[dict[str, Any]]:
        """Every log in ``[first, last]`` matching ``filter_``, in as many requests as the provider needs."""
        out: list[dict[str, Any]] = []
        start = first
        while start <= last:
            end = min(last, start + self.range - 1)
            try:
                out.extend(self.call("eth_getLogs", [{**filter_, "fromBlock": hex(start), "toBlock": hex(end)}]))
            except _RangeRefused as exc:
                if end == start:
                    raise ChainError(f"the provider refuses eth_getLogs even for the single block {start}: {exc}") from None
                self.splits += 1
                self.range = max(MIN_RANGE, (end - start + 1) // 2)
                continue
            start = end + 1
            if self.range < self.max_range:  # grow back slowly after a success
                self.range = min(self.max_range, self.range + max(1, self.range // 4))
        return out

    def block(self, number: int | str) -> dict[str, Any] | None:
        tag = hex(number) if isinstance(number, int) else number
        return self.call("eth_getBlockByNumber", [tag, False])

    def transaction(self, tx_hash: str) -> dict[str, Any]:
        tx = self.call("eth_getTransactionByHash", [tx_hash])
        if tx is None:
            raise _Reorged(f"transaction {tx_hash} vanished")
        return tx


class _RangeRefused(Exception):
    pass


class _Reorged(Exception):
    pass


class DecisionIndex:
    """The SQLite index of one deployment's governance logs."""

    def __init__(self, path: Path | str, record: DeploymentRecord) -> None:
        self.path = Path(path)
        self.record = record
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=FULL")
            self.db.executescript(_SCHEMA)
        except sqlite3.DatabaseError as exc:
            raise ConfigError(f"the index {self.path} is not a usable SQLite database ({exc}); delete it to rebuild") from None
        self._check_identity()

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> "DecisionIndex":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ identity and state

    def _meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else row[0]

    def _check_identity(self) -> None:
        identity = {"schema": str(SCHEMA_VERSION), "chain_id": str(self.record.chain_id),
                    "governor": self.record.governor.lower(), "membership": self.record.membership.lower(),
                    "timelock": self.record.timelock.lower(), "start_block": str(self.record.start_block)}
        stored = dict(self.db.execute("SELECT key, value FROM meta WHERE key IN (%s)" % ",".join("?" * len(identity)),
                                      tuple(identity)).fetchall())
        if not stored:
            with self._transaction():
                self.db.executemany("INSERT INTO meta (key, value) VALUES (?, ?)", identity.items())
            return
        if stored.get("schema") != identity["schema"]:
            raise ConfigError(f"the index {self.path} was written by another version of ccsi-dao (index schema "
                              f"{stored.get('schema')}, this one reads {SCHEMA_VERSION}); delete it to rebuild")
        for key, value in identity.items():
            if stored.get(key) != value:
                raise ConfigError(f"the index {self.path} belongs to another deployment ({key} {stored.get(key)}, "
                                  f"expected {value}); use another --index path or delete it")

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

    def block_times(self) -> dict[int, int]:
        return dict(self.db.execute("SELECT number, timestamp FROM blocks").fetchall())

    def block_hashes(self) -> dict[int, str]:
        return dict(self.db.execute("SELECT number, hash FROM blocks").fetchall())

    def transactions(self) -> dict[str, tuple[str, str | None]]:
        """tx hash -> (sender, recipient) of vote transactions."""
        return {h: (s, r) for h, s, r in self.db.execute("SELECT hash, sender, recipient FROM txs")}

    def dump(self) -> dict[str, list[tuple[Any, ...]]]:
        """Every row of every data table, sorted: for comparing two indexes."""
        return {
            "logs": self.db.execute("SELECT * FROM logs ORDER BY block_number, log_index").fetchall(),
            "blocks": self.db.execute("SELECT * FROM blocks ORDER BY number").fetchall(),
            "txs": self.db.execute("SELECT * FROM txs ORDER BY hash").fetchall(),
            "meta": self.db.execute("SELECT * FROM meta WHERE key != 'tip_hash' ORDER BY key").fetchall(),
        }

    # ------------------------------------------------------------------ syncing

    def sync(
        self,
        w3: Web3,
        *,
        confirmations: int | None = None,
        max_range: int = DEFAULT_RANGE,
        progress: ProgressFn | None = None,
        fetcher: LogFetcher | None = None,
        to_block: int | None = None,
    ) -> SyncResult:
        """Bring the index up to the chain's safe head (see the module notes); return what was done."""
        started = time.monotonic()
        fetch = fetcher or LogFetcher(w3, max_range=max_range)
        chain_id = int(fetch.call("eth_chainId", []), 16)
        if chain_id != self.record.chain_id:
            raise ChainError(f"the chain has chain id {chain_id}, but the deployment is on chain {self.record.chain_id}")
        reorgs = 0
        new_logs = 0
        first = self.record.start_block
        for _ in range(100):  # a chain that reorgs under us 100 times in one sync is not one to index
            target = self.safe_head(fetch, confirmations)
            if to_block is not None:
                target = min(target, to_block)
            if self._repair_reorg(fetch):
                reorgs += 1
            start = (self.synced_to + 1) if self.synced_to is not None else first
            try:
                while start <= target:
                    end = min(target, start + fetch.range - 1)
                    added, end = self._sync_range(fetch, start, end)
                    new_logs += added
                    start = end + 1
                    if progress is not None:
                        progress(end, target, first)
            except _Reorged:
                reorgs += 1
                continue
            return SyncResult(first, self.synced_to if self.synced_to is not None else first - 1, target, new_logs,
                              reorgs, fetch.requests, time.monotonic() - started)
        raise ChainError("the chain kept reorganising during the sync; try again later")

    def safe_head(self, fetch: LogFetcher, confirmations: int | None) -> int:
        """The newest block the index may trust (see the module notes)."""
        latest = int(fetch.block("latest")["number"], 16)  # type: ignore[index]
        if confirmations is not None:
            return max(latest - confirmations, 0)
        if self.record.chain_id in DEVNET_CHAIN_IDS:
            return latest  # a local devnet never reorganises by itself; a forced reorg is still repaired
        try:
            finalized = fetch.block("finalized")
        except ChainError:
            finalized = None
        if finalized is not None:
            number = int(finalized["number"], 16)
            if 0 < number <= latest:  # a chain whose "finalized" is always genesis has no real finality
                return number
        return max(latest - DEFAULT_CONFIRMATIONS, 0)

    def _sync_range(self, fetch: LogFetcher, start: int, end: int) -> tuple[int, int]:
        """Read ``[start, end]`` and commit it with the new tip in one transaction; return (logs added, end)."""
        raw, blocks, txs = read_range(fetch, self.record, start, end)
        with self._transaction():
            if self.synced_to is not None and self.synced_to >= start:
                raise _Reorged("another process synced this range meanwhile")  # pragma: no cover
            self.db.executemany("INSERT INTO logs VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                                [log.row() for log in raw])
            with_logs = {log.block_number for log in raw}
            self.db.executemany("INSERT OR REPLACE INTO blocks VALUES (?,?,?)",
                                [(n, h, t) for n, (h, t) in blocks.items() if n in with_logs])
            self.db.executemany("INSERT OR REPLACE INTO txs VALUES (?,?,?)",
                                [(h, *v) for h, v in txs.items()])
            self._set("synced_to", str(end))
            self._set("tip_hash", blocks[end][0])
        return len(raw), end

    def _set(self, key: str, value: str) -> None:
        self.db.execute("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                        (key, value))

    def _repair_reorg(self, fetch: LogFetcher) -> bool:
        """If the chain no longer holds the tip, cut the index back to the newest stored block it still holds."""
        tip = self.synced_to
        if tip is None:
            return False
        block = fetch.block(tip)
        if block is not None and block["hash"].lower() == self.tip_hash:
            return False
        keep = self.record.start_block - 1
        for number, stored in self.db.execute("SELECT number, hash FROM blocks WHERE number < ? ORDER BY number DESC", (tip,)):
            block = fetch.block(number)
            if block is not None and block["hash"].lower() == stored:
                keep = number
                break
        with self._transaction():
            self.db.execute("DELETE FROM logs WHERE block_number > ?", (keep,))
            self.db.execute("DELETE FROM blocks WHERE number > ?", (keep,))
            self.db.execute("DELETE FROM txs WHERE hash NOT IN (SELECT tx_hash FROM logs)")
            if keep < self.record.start_block:
                self.db.execute("DELETE FROM meta WHERE key IN ('synced_to', 'tip_hash')")
            else:
                self._set("synced_to", str(keep))
                self._set("tip_hash", self.db.execute("SELECT hash FROM blocks WHERE number = ?", (keep,)).fetchone()[0])
        return True


def read_range(fetch: LogFetcher, record: DeploymentRecord, start: int, end: int
               ) -> tuple[list[RawLog], dict[int, tuple[str, int]], dict[str, tuple[str, str | None]]]:
    """Everything the index keeps about blocks ``[start, end]``, read from the chain: the suite's logs and the
    timelock's ERC-20 transfers in chain order, ``{block: (hash, timestamp)}`` for their blocks and ``end``, and
    ``{tx: (sender, recipient)}`` for vote transactions. Raises _Reorged if the chain changed meanwhile."""
    raw: dict[tuple[int, int], RawLog] = {}
    transfer = "0x" + TRANSFER_TOPIC.hex()
    queries = [
        {"address": [record.governor.lower(), record.membership.lower(), record.timelock.lower()]},
        {"topics": [transfer, None, topic_of(record.timelock)]},
        {"topics": [transfer, topic_of(record.timelock)]},
    ]
    for query in queries:
        for item in fetch.logs(start, end, query):
            if item.get("removed"):
                raise _Reorged("a removed log")
            log = RawLog.from_rpc(item)
            if log.topics[0] == transfer and (len(log.topics) != 3 or len(log.data) != 66):
                continue  # ERC-721 and other non-ERC-20 Transfer events
            raw[(log.block_number, log.log_index)] = log
    blocks: dict[int, tuple[str, int]] = {}
    numbers = sorted({log.block_number for log in raw.values()} | {end})
    for number, block in zip(numbers, fetch.call_many([("eth_getBlockByNumber", [hex(n), False]) for n in numbers]),
                             strict=True):
        if block is None:
            raise _Reorged(f"block {number} vanished")
        blocks[number] = (block["hash"].lower(), int(block["timestamp"], 16))
    for log in raw.values():
        if blocks[log.block_number][0] != log.block_hash:
            raise _Reorged(f"block {log.block_number} changed during the read")
    return [raw[k] for k in sorted(raw)], blocks, _vote_senders(fetch, raw.values(), blocks)


def _vote_senders(fetch: LogFetcher, logs: Iterable[RawLog], blocks: dict[int, tuple[str, int]]
                  ) -> dict[str, tuple[str, str | None]]:
    """``{tx: (sender, recipient)}`` of the transactions holding votes, from their receipts: per block where the
    provider has ``eth_getBlockReceipts``, else per transaction."""
    votes = {log.tx_hash: log.block_number for log in logs if log.topics[0] in _VOTE_TOPICS}
    if not votes:
        return {}
    numbers = sorted(set(votes.values()))
    try:
        per_block = fetch.call_many([("eth_getBlockReceipts", [hex(n)]) for n in numbers])
        receipts = [r for block in per_block for r in (block or [])]
    except ChainError:  # a provider without eth_getBlockReceipts
        receipts = [r for r in fetch.call_many([("eth_getTransactionReceipt", [h]) for h in votes]) if r]
    senders = {}
    for r in receipts:
        tx_hash = r["transactionHash"].lower()
        if tx_hash in votes:
            if r["blockHash"].lower() != blocks[votes[tx_hash]][0]:
                raise _Reorged(f"block {votes[tx_hash]} changed during the read")
            senders[tx_hash] = (r["from"].lower(), (r.get("to") or "").lower() or None)
    if missing := set(votes) - set(senders):
        raise _Reorged(f"transaction {min(missing)} vanished")
    return senders


def _event_topics(*signatures: str) -> tuple[str, ...]:
    return tuple("0x" + keccak(text=s).hex() for s in signatures)


_VOTE_TOPICS = _event_topics("VoteCast(address,uint256,uint8,uint256,string)",
                             "VoteCastWithParams(address,uint256,uint8,uint256,string,bytes)")


def open_index(record: DeploymentRecord, path: Path | str | None = None) -> DecisionIndex:
    return DecisionIndex(path or default_index_path(record), record)
