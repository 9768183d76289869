"""The dashboard's background work: the index kept in sync, snapshots rebuilt, verification run, pages told.

Two threads, so that no page ever waits for the chain:

- the **sync thread** owns a :class:`~ccsi_dao.web.data.Reader` (its SQLite connection and web3 session stay in it):
  every ``interval`` seconds it syncs the index, and when the chain moved it builds a new
  :class:`~ccsi_dao.web.models.Snapshot` and publishes it. A failure (the node gone, a reorg deeper than the index)
  is shown on the pages and retried; the last good snapshot stays served meanwhile;
- the **verification thread** runs ``audit verify`` (and writes the report) after the first snapshot, then every
  ``verify_every`` seconds and whenever someone asks (:meth:`Dashboard.request_verification`); one at a time.

A page reads whatever was last published (:attr:`Dashboard.snapshot`, :attr:`Dashboard.verification`: immutable
values replaced whole, so a reader never sees half of an update). Each publication bumps :attr:`Dashboard.version`
and wakes the server-sent-event streams (:meth:`Dashboard.changed`), which tell the browsers to refresh.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import Callable
from dataclasses import replace

from ccsi_dao.web.data import Reader, Source, utc, verify_and_report
from ccsi_dao.web.models import Snapshot, SyncView, VerificationView

MIN_ON_DEMAND_GAP = 5.0  # seconds between two verifications asked for from the page


class Dashboard:
    """The state every page reads, and the threads that keep it current."""

    def __init__(
        self,
        source: Source,
        *,
        interval: float = 2.0,
        verify_every: float | None = 600.0,
        reader_factory: Callable[[Source], Reader] = Reader,
    ) -> None:
        self.source = source
        self.interval = interval
        self.verify_every = verify_every or None
        self._reader_factory = reader_factory
        self.snapshot: Snapshot | None = None
        self.sync: SyncView = SyncView(None, None, None, None)
        self.verification = VerificationView(state="not run yet")
        self.report_html: str | None = None
        self.report_markdown: str | None = None
        self.version = 0
        self.build_seconds: float | None = None  # how long the last snapshot took to build
        self.started = time.time()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._verify_asked = threading.Event()
        self._first_snapshot = threading.Event()
        self._last_on_demand = 0.0
        self._threads: list[threading.Thread] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._event: asyncio.Event | None = None

    # ------------------------------------------------------------------ lifecycle (the app's lifespan)

    def start(self, loop: asyncio.AbstractEventLoop | None = None) -> None:
        self._loop = loop
        self._event = asyncio.Event() if loop is not None else None
        for name, target in (("ccsi-dao-sync", self._sync_loop), ("ccsi-dao-verify", self._verify_loop)):
            thread = threading.Thread(target=target, name=name, daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._verify_asked.set()
        for thread in self._threads:
            thread.join(timeout)

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    # ------------------------------------------------------------------ what pages ask for

    def request_verification(self) -> bool:
        """Ask for a verification now; False if one is running or was asked for moments ago (then nothing new)."""
        now = time.monotonic()
        with self._lock:
            if self.verification.running or now - self._last_on_demand < MIN_ON_DEMAND_GAP:
                return False
            self._last_on_demand = now
        self._verify_asked.set()
        return True

    async def changed(self, seen: int, timeout: float) -> int:
        """Wait until the version differs from ``seen`` (or ``timeout`` seconds); return the version."""
        if self.version != seen or self._event is None:
            return self.version
        event = self._event
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(event.wait(), timeout)
        return self.version

    # ------------------------------------------------------------------ publishing (from the threads)

    def _publish(self, **changes: object) -> None:
        with self._lock:
            for name, value in changes.items():
                setattr(self, name, value)
            self.version += 1
        if self._loop is not None and not self._loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile (shutting down)
                self._loop.call_soon_threadsafe(self._wake)

    def _wake(self) -> None:
        """In the event loop: wake every stream waiting on the current event, and start a new one."""
        old, self._event = self._event, asyncio.Event()
        if old is not None:
            old.set()

    # ------------------------------------------------------------------ the sync thread

    def _sync_loop(self) -> None:
        reader: Reader | None = None
        try:
            while not self._stop.is_set():
                try:
                    if reader is None:
                        reader = self._reader_factory(self.source)
                    status, moved = reader.sync()
                    if moved or self.snapshot is None:
                        started = time.monotonic()
                        snapshot = reader.snapshot()
                        self._publish(snapshot=snapshot, sync=status, build_seconds=time.monotonic() - started)
                        self._first_snapshot.set()
                    elif (status.error, status.head) != (self.sync.error, self.sync.head):
                        self._publish(sync=status)
                    else:
                        self.sync = status  # the time of the last sync; no page needs a refresh for it
                except Exception as exc:  # noqa: BLE001 - the node gone, a damaged index: shown, then retried
                    message = str(exc) or type(exc).__name__
                    if message != self.sync.error:  # the same failure again: no page needs telling
                        self._publish(sync=replace(self.sync, error=message))
                    if reader is not None:
                        reader.close()
                        reader = None
                self._stop.wait(self.interval)
        finally:
            if reader is not None:
                reader.close()

    # ------------------------------------------------------------------ the verification thread

    def _verify_loop(self) -> None:
        while not self._stop.is_set() and not self._first_snapshot.wait(0.2):
            pass
        due = time.monotonic()  # the first one as soon as the index is read
        while not self._stop.is_set():
            asked = self._verify_asked.wait(max(0.0, min(1.0, due - time.monotonic())) if due else 1.0)
            if self._stop.is_set():
                return
            if not asked and (due is None or time.monotonic() < due):
                continue
            self._verify_asked.clear()
            started = time.time()
            self._publish(verification=replace(self.verification, running_since=utc(started)))
            try:
                view, html, markdown = verify_and_report(self.source, started)
            except Exception as exc:  # noqa: BLE001 - e.g. the node unreachable: a result to show, not a crash
                view = VerificationView(
                    state="could not run", started=utc(started), finished=utc(time.time()), message=str(exc)
                )
                html, markdown = self.report_html, self.report_markdown
            self._publish(
                verification=view,
                report_html=html if html is not None else self.report_html,
                report_markdown=markdown if markdown is not None else self.report_markdown,
            )
            due = time.monotonic() + self.verify_every if self.verify_every else None  # type: ignore[assignment]
