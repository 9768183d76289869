"""Notices: what the watch tells people, as data that every channel renders in its own way.

A :class:`Notice` has a stable ``key`` derived from what it is about (a proposal id, a member, the content of a
membership event), never from a block number or a log index, so the same event seen again (after a restart, a
``kill -9`` or a reorganisation that re-includes it) is recognised and not announced twice.

Text that comes from the chain (a proposal's description, a member's name, an agreement URI, actions in words) is
kept apart from the watch's own words (:class:`Text`): each channel escapes only the chain's parts, with the
function of :mod:`ccsi_dao.safetext` (or HTML, Slack, iCalendar escaping) that fits it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Kind(StrEnum):
    """What a notice is about (the names used in subscriptions files and in JSON)."""

    PROPOSAL_CREATED = "proposal-created"
    VOTING_OPENED = "voting-opened"
    REMINDER = "reminder"  # time left and this member has not voted
    QUORUM_AT_RISK = "quorum-at-risk"
    PASSED = "passed"
    DEFEATED = "defeated"
    QUEUED = "queued"
    EXECUTED = "executed"
    CANCELLED = "cancelled"
    # watchdog
    TOUCHES_GOVERNANCE = "touches-governance"
    TREASURY_OUTFLOW = "treasury-outflow"
    POWER_CHANGE = "power-change"
    RULE_CHANGE = "rule-change"
    LOOKALIKE = "lookalike"
    SHORT_WINDOW = "short-window"


DECISIONS = frozenset(
    {
        Kind.PROPOSAL_CREATED,
        Kind.VOTING_OPENED,
        Kind.PASSED,
        Kind.DEFEATED,
        Kind.QUEUED,
        Kind.EXECUTED,
        Kind.CANCELLED,
    }
)
REMINDERS = frozenset({Kind.REMINDER, Kind.QUORUM_AT_RISK})
WATCHDOG = frozenset(
    {
        Kind.TOUCHES_GOVERNANCE,
        Kind.TREASURY_OUTFLOW,
        Kind.POWER_CHANGE,
        Kind.RULE_CHANGE,
        Kind.LOOKALIKE,
        Kind.SHORT_WINDOW,
    }
)
GROUPS: dict[str, frozenset[Kind]] = {
    "all": frozenset(Kind),
    "decisions": DECISIONS,
    "reminders": REMINDERS,
    "watchdog": WATCHDOG,
}
"""Names a subscription may use for several kinds at once."""


class ChainText(str):
    """A string that came from the chain: data, escaped by every channel before it is shown."""

    __slots__ = ()


def chain(value: object) -> ChainText:
    return ChainText(str(value))


@dataclass(frozen=True)
class Text:
    """A line made of the watch's own words and chain text, kept apart until a channel renders it."""

    parts: tuple[tuple[bool, str], ...]  # (from the chain, text)

    @classmethod
    def of(cls, *parts: str) -> Text:
        return cls(tuple((isinstance(p, ChainText), str(p)) for p in parts if str(p)))

    def render(self, escape: Callable[[str], str], own: Callable[[str], str] = lambda s: s) -> str:
        """The line with chain parts passed through ``escape`` and the watch's own through ``own``."""
        return "".join(escape(text) if from_chain else own(text) for from_chain, text in self.parts)

    def as_json(self) -> list[list[Any]]:
        return [[int(c), t] for c, t in self.parts]

    @classmethod
    def from_json(cls, data: Iterable[Iterable[Any]]) -> Text:
        return cls(tuple((bool(c), str(t)) for c, t in data))


@dataclass(frozen=True)
class ProposalRef:
    """The proposal a notice is about."""

    number: int
    id: int
    title: str  # chain text
    category: str
    snapshot: int
    deadline: int

    @property
    def short(self) -> str:
        return f"#{self.number}"


@dataclass(frozen=True)
class CalendarEntry:
    """An event of the iCalendar feed: a voting window, or the time a proposal becomes executable."""

    uid: str
    start: int
    end: int
    summary: Text
    description: tuple[Text, ...] = ()
    cancelled: bool = False
    alarm_before_end: int | None = None  # seconds


@dataclass(frozen=True)
class Notice:
    """One thing to tell people. ``member`` is set on notices for one member only (a reminder to vote)."""

    key: str
    kind: Kind
    at: int  # chain time (block timestamp) of what the notice reports
    headline: Text
    lines: tuple[Text, ...] = ()
    proposal: ProposalRef | None = None
    member: str | None = None
    warning: bool = False
    details: dict[str, Any] = field(default_factory=dict)  # machine-readable, for JSON channels
    calendar: tuple[CalendarEntry, ...] = ()
    current: bool = False  # about a proposal still open when first seen (sent even on the first run)

    def delivery_id(self, recipient: str, channel: str) -> str:
        """The stable id of this notice's delivery to one recipient through one channel (an email's Message-ID,
        a webhook's Idempotency-Key, the ``delivery`` field of a JSONL line)."""
        digest = hashlib.sha256(f"{self.key}\x00{recipient}\x00{channel}".encode()).hexdigest()
        return digest[:32]

    # ------------------------------------------------------------------ storage

    def to_json(self) -> str:
        return json.dumps(
            {
                "key": self.key,
                "kind": self.kind.value,
                "at": self.at,
                "headline": self.headline.as_json(),
                "lines": [line.as_json() for line in self.lines],
                "proposal": None if self.proposal is None else {**self.proposal.__dict__, "id": str(self.proposal.id)},
                "member": self.member,
                "warning": self.warning,
                "details": self.details,
                "calendar": [
                    {
                        **entry.__dict__,
                        "summary": entry.summary.as_json(),
                        "description": [d.as_json() for d in entry.description],
                    }
                    for entry in self.calendar
                ],
                "current": self.current,
            },
            ensure_ascii=False,
            sort_keys=True,
        )

    @classmethod
    def from_json(cls, text: str) -> Notice:
        data = json.loads(text)
        proposal = data["proposal"]
        return cls(
            key=data["key"],
            kind=Kind(data["kind"]),
            at=int(data["at"]),
            headline=Text.from_json(data["headline"]),
            lines=tuple(Text.from_json(line) for line in data["lines"]),
            proposal=None if proposal is None else ProposalRef(**{**proposal, "id": int(proposal["id"])}),
            member=data["member"],
            warning=bool(data["warning"]),
            details=data["details"],
            calendar=tuple(
                CalendarEntry(
                    **{
                        **entry,
                        "summary": Text.from_json(entry["summary"]),
                        "description": tuple(Text.from_json(d) for d in entry["description"]),
                    }
                )
                for entry in data["calendar"]
            ),
            current=bool(data["current"]),
        )
