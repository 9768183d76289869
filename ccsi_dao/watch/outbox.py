"""The watch's persisted state: the cursor, every notice ever raised, and the outbox of deliveries (SQLite).

- A notice is recorded once, by key, together with one *delivery* row per recipient and channel and the new cursor,
  in one SQLite transaction: a process killed at any moment leaves all of it or none of it.
- A delivery goes ``pending`` -> ``attempting`` (committed before anything is sent) -> ``delivered`` (committed
  after the channel confirmed). A delivery found ``attempting`` at start was cut off mid-delivery: it is sent again
  with the same delivery id, which the file channels use to find and skip a copy already written and the network
  channels send along (an email's Message-ID, a webhook's ``Idempotency-Key``) for the receiver to do the same.
- A channel that fails is retried with exponential backoff (per channel, so its notices keep their order); its
  deliveries stay ``pending`` until it answers: nothing is dropped.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from ccsi_dao.errors import ConfigError, UserError
from ccsi_dao.watch.notices import CalendarEntry, Notice

SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS notices (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    key TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    block INTEGER NOT NULL,
    raised_at REAL NOT NULL,
    sent INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS deliveries (
    seq INTEGER NOT NULL REFERENCES notices (seq),
    recipient TEXT NOT NULL,
    channel TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'attempting', 'delivered', 'dropped')),
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    delivered_at REAL,
    PRIMARY KEY (seq, recipient, channel)
);
CREATE INDEX IF NOT EXISTS deliveries_open ON deliveries (status, seq);
CREATE TABLE IF NOT EXISTS channels (
    channel TEXT PRIMARY KEY,
    failures INTEGER NOT NULL,
    next_try REAL NOT NULL,
    last_error TEXT
);
CREATE TABLE IF NOT EXISTS calendar (
    path TEXT NOT NULL,
    uid TEXT NOT NULL,
    entry TEXT NOT NULL,
    applied TEXT NOT NULL,
    PRIMARY KEY (path, uid)
);
"""


@dataclass(frozen=True)
class Cursor:
    """The last block the watch judged."""

    block: int
    hash: str
    timestamp: int


@dataclass(frozen=True)
class Delivery:
    seq: int
    notice: Notice
    recipient: str
    channel: str
    in_doubt: bool  # found "attempting": it may have reached the channel before the watch stopped
    attempts: int

    @property
    def id(self) -> str:
        return self.notice.delivery_id(self.recipient, self.channel)


@dataclass(frozen=True)
class ChannelState:
    failures: int
    next_try: float
    last_error: str | None


class Outbox:
    """The state file of one watch (one deployment). Only one process may use it at a time (:meth:`lock`)."""

    def __init__(self, path: Path, identity: dict[str, str]) -> None:
        self.path = Path(path)
        self._lock_handle: IO[str] | None = None
        if self.path.is_dir():
            raise ConfigError(f"the watch state {self.path} is a folder; give a file name")
        if not self.path.parent.is_dir():
            raise ConfigError(
                f"cannot keep the watch state at {self.path}: the folder {self.path.parent} does not exist"
            )
        try:
            self.db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=FULL")
            self.db.executescript(_SCHEMA)
        except sqlite3.DatabaseError as exc:
            raise ConfigError(f"the watch state {self.path} is not a usable SQLite database ({exc})") from None
        self._check_identity({"schema": str(SCHEMA_VERSION), **identity})

    def close(self) -> None:
        self.db.close()
        if self._lock_handle is not None:
            self._lock_handle.close()
            self._lock_handle = None

    def __enter__(self) -> Outbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def lock(self) -> None:
        """Hold the state for this process; UserError if another watch holds it."""
        handle = open(f"{self.path}.lock", "a+")  # noqa: SIM115 - held open for the life of the process
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            pid = handle.read().strip() or "?"
            handle.close()
            raise UserError(
                f"another ccsi-dao watch (pid {pid}) is using the state {self.path}; stop it or give another --state"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        self._lock_handle = handle

    # ------------------------------------------------------------------ meta

    def _meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def _set(self, key: str, value: str) -> None:
        self.db.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    def _check_identity(self, identity: dict[str, str]) -> None:
        stored = dict(self.db.execute("SELECT key, value FROM meta").fetchall())
        if "schema" not in stored:
            with self.transaction():
                for key, value in identity.items():
                    self._set(key, value)
            return
        for key, value in identity.items():
            if stored.get(key) != value:
                raise ConfigError(
                    f"the watch state {self.path} belongs to another deployment or version ({key} {stored.get(key)}, "
                    f"expected {value}); give another --state"
                )

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """One write transaction: all of it is committed, or (on any error or a kill) none of it."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    @property
    def cursor(self) -> Cursor | None:
        raw = self._meta("cursor")
        if raw is None:
            return None
        data = json.loads(raw)
        return Cursor(int(data["block"]), str(data["hash"]), int(data["timestamp"]))

    # ------------------------------------------------------------------ recording notices

    def known(self) -> set[str]:
        return {row[0] for row in self.db.execute("SELECT key FROM notices")}

    def record(
        self,
        notices: Iterable[Notice],
        fanout: Callable[[Notice], list[tuple[str, str]]],
        cursor: Cursor,
        *,
        first_run: bool,
    ) -> list[Notice]:
        """Record the notices not seen before, with their deliveries, and move the cursor, in one transaction.
        On the first run only notices about proposals still open are sent; the rest is history, kept as seen."""
        new = []
        with self.transaction():
            known = self.known()
            for notice in notices:
                if notice.key in known:
                    continue
                known.add(notice.key)
                send = notice.current or not first_run
                row = self.db.execute(
                    "INSERT INTO notices (key, kind, payload, block, raised_at, sent) VALUES (?, ?, ?, ?, ?, ?)",
                    (notice.key, notice.kind.value, notice.to_json(), cursor.block, time.time(), int(send)),
                )
                if send:
                    self.db.executemany(
                        "INSERT INTO deliveries (seq, recipient, channel, status) VALUES (?, ?, ?, 'pending')",
                        [(row.lastrowid, r, c) for r, c in fanout(notice)],
                    )
                    new.append(notice)
            self._set("cursor", json.dumps(cursor.__dict__))
        return new

    # ------------------------------------------------------------------ deliveries

    def open_deliveries(self) -> list[Delivery]:
        """Deliveries not yet confirmed, in the order their notices were raised."""
        rows = self.db.execute(
            "SELECT d.seq, n.payload, d.recipient, d.channel, d.status, d.attempts FROM deliveries d "
            "JOIN notices n ON n.seq = d.seq WHERE d.status IN ('pending', 'attempting') ORDER BY d.seq, d.rowid"
        ).fetchall()
        return [Delivery(seq, Notice.from_json(p), r, c, status == "attempting", a) for seq, p, r, c, status, a in rows]

    def begin(self, delivery: Delivery) -> None:
        with self.transaction():
            self.db.execute(
                "UPDATE deliveries SET status = 'attempting', attempts = attempts + 1 "
                "WHERE seq = ? AND recipient = ? AND channel = ?",
                (delivery.seq, delivery.recipient, delivery.channel),
            )

    def delivered(self, delivery: Delivery, also: Callable[[], None] | None = None) -> None:
        """Mark a delivery done (and run ``also`` in the same transaction); the channel is healthy again."""
        with self.transaction():
            if also is not None:
                also()
            self.db.execute(
                "UPDATE deliveries SET status = 'delivered', delivered_at = ?, last_error = NULL "
                "WHERE seq = ? AND recipient = ? AND channel = ?",
                (time.time(), delivery.seq, delivery.recipient, delivery.channel),
            )
            self.db.execute("DELETE FROM channels WHERE channel = ?", (delivery.channel,))

    def failed(self, delivery: Delivery, error: str, first: float, most: float) -> float:
        """Put a delivery back to pending and the channel into backoff; return when it will be tried again."""
        with self.transaction():
            self.db.execute(
                "UPDATE deliveries SET status = 'pending', last_error = ? WHERE seq = ? AND recipient = ? AND channel = ?",
                (error, delivery.seq, delivery.recipient, delivery.channel),
            )
            state = self.channel_state(delivery.channel)
            failures = (state.failures if state else 0) + 1
            wait = min(first * 2 ** (failures - 1), most)
            next_try = time.time() + wait
            self.db.execute(
                "INSERT INTO channels (channel, failures, next_try, last_error) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(channel) DO UPDATE SET failures = excluded.failures, next_try = excluded.next_try, "
                "last_error = excluded.last_error",
                (delivery.channel, failures, next_try, error),
            )
        return next_try

    def channel_state(self, channel: str) -> ChannelState | None:
        row = self.db.execute(
            "SELECT failures, next_try, last_error FROM channels WHERE channel = ?", (channel,)
        ).fetchone()
        return None if row is None else ChannelState(int(row[0]), float(row[1]), row[2])

    def drop_unsubscribed(self, configured: set[tuple[str, str]]) -> int:
        """Deliveries to a recipient or channel no longer in the subscriptions: marked dropped; their count."""
        dropped = 0
        with self.transaction():
            rows = self.db.execute(
                "SELECT DISTINCT recipient, channel FROM deliveries WHERE status IN ('pending', 'attempting')"
            ).fetchall()
            for recipient, channel in rows:
                if (recipient, channel) not in configured:
                    cur = self.db.execute(
                        "UPDATE deliveries SET status = 'dropped' WHERE recipient = ? AND channel = ? "
                        "AND status IN ('pending', 'attempting')",
                        (recipient, channel),
                    )
                    dropped += cur.rowcount
        return dropped

    def counts(self) -> dict[str, int]:
        rows = self.db.execute("SELECT status, COUNT(*) FROM deliveries GROUP BY status").fetchall()
        out = {"pending": 0, "attempting": 0, "delivered": 0, "dropped": 0}
        out.update({status: int(n) for status, n in rows})
        out["notices"] = int(self.db.execute("SELECT COUNT(*) FROM notices").fetchone()[0])
        return out

    # ------------------------------------------------------------------ the calendar feeds

    def calendar_apply(self, path: str, entries: Iterable[CalendarEntry], notice_key: str) -> None:
        """Add or update a feed's events (inside a transaction: call through :meth:`delivered`'s ``also``). The
        sequence of an event counts the distinct notices applied to it, so applying one twice changes nothing."""
        for entry in entries:
            row = self.db.execute(
                "SELECT applied FROM calendar WHERE path = ? AND uid = ?", (path, entry.uid)
            ).fetchone()
            applied = [] if row is None else json.loads(row[0])
            if notice_key in applied:
                continue
            applied.append(notice_key)
            data = json.dumps(_entry_json(entry), ensure_ascii=False)
            self.db.execute(
                "INSERT INTO calendar (path, uid, entry, applied) VALUES (?, ?, ?, ?) ON CONFLICT(path, uid) "
                "DO UPDATE SET entry = excluded.entry, applied = excluded.applied",
                (path, entry.uid, data, json.dumps(applied)),
            )

    def calendar(self, path: str) -> list[tuple[CalendarEntry, int]]:
        """A feed's events with their sequence numbers, by start time."""
        rows = self.db.execute("SELECT entry, applied FROM calendar WHERE path = ?", (path,)).fetchall()
        out = [(_entry_from_json(json.loads(e)), len(json.loads(a)) - 1) for e, a in rows]
        return sorted(out, key=lambda item: (item[0].start, item[0].uid))


def _entry_json(entry: CalendarEntry) -> dict[str, Any]:
    return {
        **entry.__dict__,
        "summary": entry.summary.as_json(),
        "description": [d.as_json() for d in entry.description],
    }


def _entry_from_json(data: dict[str, Any]) -> CalendarEntry:
    from ccsi_dao.watch.notices import Text

    return CalendarEntry(
        **{
            **data,
            "summary": Text.from_json(data["summary"]),
            "description": tuple(Text.from_json(d) for d in data["description"]),
        }
    )
