"""The dashboard's view models: plain, frozen values the templates read, with nothing of the library in them.

:mod:`ccsi_dao.web.data` builds them from the decision log, the verification result and a few view calls; the
templates and the app see only these. So a change in the library's history, entries or verification objects is
absorbed in ``data.py`` alone. Every text that came from the chain (names, descriptions, reasons, URIs) is kept as
it is here and made safe where it is shown (the templates' ``chain`` and ``attr`` filters, :mod:`ccsi_dao.safetext`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

FINAL_STATES = frozenset({"canceled", "defeated", "executed", "expired"})
OPEN_STATES = frozenset({"pending", "active"})


def percent(part: int, whole: int) -> float:
    """``part`` as a percentage of ``whole`` (0 when there is no whole), kept within 0..100 for drawing."""
    return 0.0 if whole <= 0 else max(0.0, min(100.0, 100.0 * part / whole))


@dataclass(frozen=True)
class TallyRow:
    """One electorate's votes on a proposal, against its quorum and approval rule. Today a proposal has one row
    (all voting members, or the members with a constitutional vote); a consortium with chambers will have one row
    per chamber, and the templates draw whatever rows there are."""

    label: str
    for_votes: int
    against: int
    abstain: int
    electorate: int  # voting power that could vote (at the snapshot once it passed)
    quorum_votes: int  # votes needed for the quorum
    quorum: str  # the rule, e.g. "1/4"
    approval: str  # the rule, e.g. "1/2" of the votes for or against
    quorum_met: bool  # as the decision log's judgement found (ccsi_dao.decisionlog.judge), not recomputed here
    approval_met: bool
    approval_numerator: int = 1  # for drawing the approval line
    approval_denominator: int = 2

    @property
    def cast(self) -> int:
        return self.for_votes + self.against + self.abstain

    @property
    def approval_share(self) -> float | None:
        decided = self.for_votes + self.against
        return None if decided == 0 else 100.0 * self.for_votes / decided

    # drawing: shares of the electorate, for the stacked bar and its quorum marker
    @property
    def scale(self) -> int:
        return max(self.electorate, self.cast, self.quorum_votes, 1)

    @property
    def for_pct(self) -> float:
        return percent(self.for_votes, self.scale)

    @property
    def against_pct(self) -> float:
        return percent(self.against, self.scale)

    @property
    def abstain_pct(self) -> float:
        return percent(self.abstain, self.scale)

    @property
    def quorum_pct(self) -> float:
        return percent(self.quorum_votes, self.scale)

    @property
    def approval_pct(self) -> float:
        """Where the approval threshold falls on the bar of decided votes (for + against)."""
        return 100.0 * self.approval_numerator / self.approval_denominator

    @property
    def summary(self) -> str:
        """The whole row in words (the bar's accessible name; the page shows the same figures as text)."""
        share = self.approval_share
        return (
            f"{self.label}: {self.for_votes} for, {self.against} against, {self.abstain} abstain; "
            f"{self.cast} of {self.electorate} cast, quorum {self.quorum_votes} "
            f"({'reached' if self.quorum_met else 'not reached'}); approval "
            f"{'-' if share is None else f'{share:.0f}%'} of {self.approval} needed "
            f"({'met' if self.approval_met else 'not met'})"
        )


@dataclass(frozen=True)
class ChamberView:
    """One chamber of a proposal: its condition, its power at the snapshot, its votes and each measure, met or not
    (so far, while voting is open)."""

    name: str
    condition: str
    power: int
    for_votes: int
    against: int
    abstain: int
    met: bool
    measures: tuple[tuple[str, bool], ...]

    @property
    def cast_pct(self) -> float:
        return percent(self.for_votes + self.against + self.abstain, self.power)


@dataclass(frozen=True)
class OptionView:
    """One option of a choice: its votes, whether it qualifies and why not, whether it wins (so far)."""

    number: int
    label: str
    votes: int
    qualifies: bool
    why_not: str
    winner: bool
    share: float  # of the power cast for any option or against, for drawing


@dataclass(frozen=True)
class VoteView:
    voter: str
    name: str | None
    choice: str  # for, against, abstain
    weight: int
    reason: str
    via: str  # "direct vote", "signed ballot relayed by 0x…"
    proxy_for: tuple[str, ...]
    time: str
    block: int
    tx: str
    options: str = ""  # on a choice: the options the ballot selected


@dataclass(frozen=True)
class ProposalView:
    number: int
    id: str
    title: str  # the description's first line
    description: str
    category: str
    state: str  # pending, active, canceled, defeated, succeeded, queued, expired, executed
    proposer: str
    proposer_name: str | None
    created: str
    created_block: int
    voting_starts: str
    voting_ends: str
    eta: str | None
    queued: str | None
    executed: str | None
    canceled: str | None
    actions: tuple[str, ...]
    tallies: tuple[TallyRow, ...]
    votes: tuple[VoteView, ...]
    outcome: str  # the judgement's (ccsi_dao.decisionlog.judge.OUTCOMES): executed, defeated, active...
    reason: str  # why (judge.REASONS): passed, quorum missed, approval failed, closed early, voting open...
    explanation: str  # the reason in a sentence, with the figures
    chambers: tuple[ChamberView, ...] = ()
    """Each chamber's votes against its condition (a category with chamber conditions)."""
    options: tuple[OptionView, ...] = ()
    """Each option's votes, whether it qualifies and why not (a choice)."""
    decision: str = ""
    """The winner, or why there is none (so far, while voting is open)."""

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def is_final(self) -> bool:
        return self.state in FINAL_STATES

    @property
    def short_id(self) -> str:
        return self.id if len(self.id) <= 14 else f"{self.id[:6]}…{self.id[-6:]}"


@dataclass(frozen=True)
class MemberView:
    address: str
    name: str
    role: str
    group: str
    status: str
    weight: int
    power: int  # voting power now (own units unless with a proxy, plus principals')
    proxy: str | None
    proxy_name: str | None
    joined: str
    constitutional_vote: bool | None  # None: not known


@dataclass(frozen=True)
class GroupView:
    name: str
    members: tuple[MemberView, ...]
    active: int
    power: int
    power_share: float  # % of all voting power


@dataclass(frozen=True)
class LogEntryView:
    position: int  # in the log's chronological order
    time: str
    block: int | None  # None (and no log_index, no tx) for an outcome reached at a deadline: no log marks it
    log_index: int | None
    tx: str | None
    kind: str
    event: str
    summary: str
    proposal: int | None
    member: str | None
    member_name: str | None
    group: str | None


@dataclass(frozen=True)
class Balance:
    asset: str  # "ETH" or a token address
    amount: str  # in words, e.g. "4 ETH" or "750 base units"


@dataclass(frozen=True)
class TreasuryView:
    address: str
    balances: tuple[Balance, ...]
    flows: tuple[LogEntryView, ...]  # newest first


@dataclass(frozen=True)
class AgreementVersion:
    version: int
    content_hash: str
    uri: str
    time: str
    block: int
    proposal: int | None  # the decision that amended it (None: the founding version)


@dataclass(frozen=True)
class RuleView:
    category: str
    quorum: str
    approval: str


@dataclass(frozen=True)
class AgreementView:
    versions: tuple[AgreementVersion, ...]
    rules: tuple[RuleView, ...]
    settings: tuple[tuple[str, str], ...]  # (what, value) in words


@dataclass(frozen=True)
class SyncView:
    synced_to: int | None
    head: int | None
    last_sync: str | None  # when the last sync ended (UTC)
    error: str | None  # the last sync's failure, in one sentence
    seconds: float | None = None

    @property
    def lag(self) -> int | None:
        return None if self.synced_to is None or self.head is None else max(self.head - self.synced_to, 0)


@dataclass(frozen=True)
class FindingView:
    ok: bool
    check: str
    subject: str
    evidence: str


@dataclass(frozen=True)
class VerificationView:
    """The last verification's result, and whether another one is running now (its result replaces this one)."""

    state: str  # "not run yet", "passed", "failed", "could not run"
    started: str | None = None
    finished: str | None = None
    seconds: float | None = None
    first_block: int | None = None
    last_block: int | None = None
    checks: int = 0
    discrepancies: tuple[FindingView, ...] = ()
    findings: tuple[FindingView, ...] = ()
    message: str | None = None
    has_report: bool = False
    running_since: str | None = None  # a verification is running now, started then

    @property
    def running(self) -> bool:
        return self.running_since is not None


@dataclass(frozen=True)
class Snapshot:
    """Everything the pages show, as of one synced block. Replaced whole, never changed: a page reads one snapshot."""

    consortium: str
    chain_id: int
    governor: str
    membership: str
    timelock: str
    block: int | None
    block_time: str | None
    proposals: tuple[ProposalView, ...]  # by number
    members: tuple[MemberView, ...]
    groups: tuple[GroupView, ...]
    log: tuple[LogEntryView, ...]  # chronological
    treasury: TreasuryView
    agreement: AgreementView
    problems: tuple[str, ...] = ()  # parts that could not be built, in words
    library: Any = field(default=None, repr=False, compare=False)  # data.py's handle for filtering the log

    def proposal(self, number: int) -> ProposalView | None:
        return self.proposals[number - 1] if 1 <= number <= len(self.proposals) else None

    @property
    def open_proposals(self) -> tuple[ProposalView, ...]:
        return tuple(p for p in self.proposals if p.is_open)

    def count_by_state(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for p in self.proposals:
            out[p.state] = out.get(p.state, 0) + 1
        return out

    @property
    def active_members(self) -> int:
        return sum(1 for m in self.members if m.status == "active")
