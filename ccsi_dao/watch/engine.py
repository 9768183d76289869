"""The watch itself: follow the chain through the decision index, raise notices, deliver them exactly once.

One *pass* (:meth:`Watcher.run_once`): sync the index to the safe head, read the view there, judge which notices are
due (:func:`ccsi_dao.watch.detect.detect`), record the new ones with their deliveries and the cursor in one
transaction (:class:`ccsi_dao.watch.outbox.Outbox`), then deliver whatever is open. :meth:`Watcher.run` repeats
passes every ``interval`` seconds until stopped; ``ccsi-dao watch --once`` runs one pass (for cron).
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from ccsi_dao.errors import ChainError, UserError
from ccsi_dao.fileio import ccsi_home
from ccsi_dao.governance.consortium import Consortium
from ccsi_dao.watch import channels as ch
from ccsi_dao.watch.detect import Policy, Suite, detect
from ccsi_dao.watch.notices import Kind, Notice
from ccsi_dao.watch.outbox import Cursor, Outbox
from ccsi_dao.watch.source import ChainSource, Head, resolve_member
from ccsi_dao.watch.subscriptions import Subscriptions


@dataclass
class PassResult:
    """What one pass did."""

    head: Head
    raised: list[Notice]
    delivered: int
    waiting: int  # deliveries still open after the pass
    failures: list[str] = field(default_factory=list)  # one line per channel that failed in this pass or waits to retry


@dataclass(frozen=True)
class Target:
    """A recipient with its member address and channels (by channel id)."""

    name: str
    member: str | None
    kinds: frozenset[Kind]
    channels: tuple[str, ...]


def default_state_path(consortium: Consortium) -> Path:
    """``$CCSI_DAO_HOME/watch-<chainid>-<governor>.sqlite``."""
    return ccsi_home() / f"watch-{consortium.record.chain_id}-{consortium.record.governor.lower()}.sqlite"


class Watcher:
    """Watches one consortium for the recipients of one subscriptions file.

    ``start()`` opens the state (and locks it for this process), resolves members and checks every channel: a
    misconfigured channel raises :class:`ccsi_dao.watch.channels.ChannelError` there and then.
    """

    def __init__(
        self,
        consortium: Consortium,
        subscriptions: Subscriptions,
        *,
        state_path: Path | None = None,
        index_path: Path | None = None,
        confirmations: int | None = None,
        max_range: int = 2_000,
        out: TextIO | None = None,
        warn: Callable[[str], None] | None = None,
    ) -> None:
        self.dao = consortium
        self.subs = subscriptions
        self.state_path = Path(state_path or subscriptions.state or default_state_path(consortium))
        self.index_path = index_path
        self.confirmations = confirmations
        self.max_range = max_range
        self.out = out
        self.warn = warn or (lambda message: print(f"warning: {message}", file=sys.stderr, flush=True))
        self.outbox: Outbox | None = None
        self.source: ChainSource | None = None
        self.channels: dict[str, ch.Channel] = {}
        self.targets: list[Target] = []
        record = consortium.record
        self.suite = Suite(consortium.name, record.governor, record.membership, record.timelock)
        w = subscriptions.watchdog
        self.policy = Policy(
            reminder_before=int(subscriptions.reminder_before),
            treasury_threshold=w.treasury_threshold,
            token_thresholds=dict(w.token_thresholds),
            similar_within=int(w.similar_within),
            similarity=w.similarity,
            usual_voting_period=int(w.usual_voting_period) if w.usual_voting_period else None,
        )

    # ------------------------------------------------------------------ start and stop

    def check(self) -> None:
        """Build and check every channel (mail login and addresses, hooks, files) and resolve the members;
        ChannelError or UserError on the first problem. Nothing is written."""
        record = self.dao.record
        channels: dict[str, ch.Channel] = {}
        smtp = ch.SmtpServer(self.subs.smtp) if self.subs.smtp is not None else None
        for i, recipient in enumerate(self.subs.recipients):
            for j, config in enumerate(recipient.channels):
                built = ch.build(
                    config,
                    f"recipients.{i}.channels.{j}",
                    self.dao.name,
                    smtp,
                    f"{record.chain_id}.{record.governor.lower()}.ccsi-dao",
                    self.out,
                )
                channels.setdefault(built.id, built)
        for channel in channels.values():  # every check before anything is written
            channel.check()
        if smtp is not None:
            smtp.check(sorted({c.to for _, c in self.subs.email_channels()}))
        self.targets = self._targets()
        self.channels = channels

    def start(self) -> None:
        """:meth:`check`, then open (and lock) the state and the decision index."""
        self.check()
        record = self.dao.record
        channels = self.channels
        self.outbox = Outbox(self.state_path, {"chain_id": str(record.chain_id), "governor": record.governor.lower()})
        try:
            self.outbox.lock()
            self.source = ChainSource(
                self.dao, index_path=self.index_path, confirmations=self.confirmations, max_range=self.max_range
            )
        except BaseException:
            self.close()
            raise
        self.channels = channels
        configured = {(t.name, c) for t in self.targets for c in t.channels}
        dropped = self.outbox.drop_unsubscribed(configured)
        if dropped:
            self.warn(f"{dropped} undelivered notices were for recipients or channels no longer subscribed; dropped")
        for channel in channels.values():  # a feed file lost or damaged since the last run is rebuilt from the state
            if isinstance(channel, ch.Ics) and self.outbox.calendar(str(channel.path)):
                try:
                    channel.write(self.outbox)
                except ch.ChannelFailure as exc:
                    self.warn(str(exc))

    def _targets(self) -> list[Target]:
        out = []
        for i, r in enumerate(self.subs.recipients):
            member = None
            if r.member is not None:
                try:
                    member = resolve_member(self.dao, r.member)
                except UserError as exc:
                    raise UserError(f"recipients.{i}.member: {exc}") from None
            ids = tuple(dict.fromkeys(_channel_id(c) for c in r.channels))
            out.append(Target(r.name, member, r.kinds(), ids))
        return out

    def close(self) -> None:
        if self.source is not None:
            self.source.close()
            self.source = None
        if self.outbox is not None:
            self.outbox.close()
            self.outbox = None

    def __enter__(self) -> Watcher:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ one pass

    def fanout(self, notice: Notice) -> list[tuple[str, str]]:
        """``(recipient, channel)`` pairs a notice goes to: recipients subscribed to its kind; a notice for one
        member (a reminder) only to the recipients that are that member."""
        return [
            (t.name, c)
            for t in self.targets
            if notice.kind in t.kinds and (notice.member is None or notice.member == t.member)
            for c in t.channels
        ]

    def run_once(self) -> PassResult:
        """Judge the chain at its safe head, record new notices, deliver what is open."""
        assert self.outbox is not None and self.source is not None, "call start() first"
        view = self.source.refresh()
        head = view.head
        first_run = self.outbox.cursor is None
        known = self.outbox.known()
        judged = [p for p in view.proposals if p.canceled_at is None and f"outcome:{p.id:x}" not in known]
        live = self.source.live(head, judged)
        members = sorted({t.member for t in self.targets if t.member is not None})
        unvoted: dict[int, dict[str, int]] = {}
        for p in judged:
            state = live[p.id]
            if state.state.name == "ACTIVE" and state.deadline - head.timestamp <= self.policy.reminder_before:
                ask = [m for m in members if m not in p.voters and f"reminder:{p.id:x}:{m.lower()}" not in known]
                unvoted[p.id] = self.source.can_vote(head, p, ask)
        notices = detect(view, live, unvoted, self.policy, self.suite, self.source.describe)
        raised = self.outbox.record(
            notices, self.fanout, Cursor(head.number, head.hash, head.timestamp), first_run=first_run
        )
        delivered, waiting, failures = self.deliver()
        return PassResult(head, raised, delivered, waiting, failures)

    def deliver(self) -> tuple[int, int, list[str]]:
        """Deliver every open delivery whose channel is not waiting to be retried; return (delivered, still open,
        one line per channel that failed or waits)."""
        assert self.outbox is not None
        outbox = self.outbox
        delivered = 0
        blocked: dict[str, str] = {}
        now = time.time()
        for d in outbox.open_deliveries():
            channel = self.channels.get(d.channel)
            if channel is None or d.channel in blocked:
                continue
            state = outbox.channel_state(d.channel)
            if state is not None and state.next_try > now:
                blocked[d.channel] = (
                    f"{channel.label} failed {state.failures} time(s) ({state.last_error}); "
                    f"next try in {max(state.next_try - now, 0):.0f} s"
                )
                continue
            try:
                if d.in_doubt and channel.already_delivered(d, outbox):
                    outbox.delivered(d)
                    delivered += 1
                    continue
                outbox.begin(d)
                channel.send(d, outbox)
            except ch.ChannelFailure as exc:
                self._failed(d, channel, str(exc), blocked)
                continue
            except Exception as exc:  # noqa: BLE001 - a channel's own bug must not stop the others: retried later
                self._failed(d, channel, f"internal error: {type(exc).__name__}: {exc}", blocked)
                continue
            outbox.delivered(d)
            delivered += 1
        waiting = sum(1 for _ in outbox.open_deliveries())
        return delivered, waiting, list(blocked.values())

    def _failed(self, d: object, channel: ch.Channel, reason: str, blocked: dict[str, str]) -> None:
        assert self.outbox is not None
        retry = self.subs.retry
        next_try = self.outbox.failed(d, reason, retry.first, retry.max)  # type: ignore[arg-type]
        line = f"{channel.label}: {reason}; retrying in {max(next_try - time.time(), 0):.0f} s"
        blocked[channel.id] = line
        self.warn(line)

    # ------------------------------------------------------------------ running

    def next_retry_in(self) -> float | None:
        """Seconds until the earliest channel retry, if any delivery waits for one."""
        assert self.outbox is not None
        waits = []
        now = time.time()
        for d in self.outbox.open_deliveries():
            state = self.outbox.channel_state(d.channel)
            waits.append(0.0 if state is None else max(state.next_try - now, 0.0))
        return min(waits) if waits else None

    def run(
        self, interval: float, stop: threading.Event | None = None, on_pass: Callable[[PassResult], None] | None = None
    ) -> None:
        """Pass after pass until ``stop`` is set. A chain that does not answer is waited for (and said so), never
        a reason to stop; retries of a channel come as soon as its backoff allows."""
        stop = stop or threading.Event()
        while not stop.is_set():
            try:
                result = self.run_once()
                if on_pass is not None:
                    on_pass(result)
            except ChainError as exc:
                self.warn(f"{exc}; trying again in {interval:.0f} s")
            wait = interval
            retry = self.next_retry_in()
            if retry is not None:
                wait = min(wait, max(retry, 0.05))
            stop.wait(wait)


def _channel_id(config: object) -> str:
    return config.id()  # type: ignore[attr-defined]
