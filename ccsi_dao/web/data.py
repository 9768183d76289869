"""The dashboard's one adapter to the library: the decision log, the verification and the report, as view models.

Every use the dashboard makes of :mod:`ccsi_dao.decisionlog` and :mod:`ccsi_dao.audit` is in this module, so when
their objects change (the history model, the verification result, the report) only this file follows. What it does:

- :class:`Source`: where the dashboard reads from (the deployment record, its chain, the index file);
- :class:`Reader` (one per sync thread: SQLite connections and web3 sessions stay in the thread that made them):
  syncs the index (:meth:`Reader.sync`) and builds a :class:`~ccsi_dao.web.models.Snapshot` from it
  (:meth:`Reader.snapshot`). Everything about decisions comes from the index alone: proposals, votes, members,
  the log, flows, agreement versions, and each proposal judged as of the synced block by
  :func:`ccsi_dao.decisionlog.judge.judge_all` (state, electorate, quorum and approval rule, deadline, outcome and
  reason: the same judgement ``ccsi-dao log`` and ``audit verify`` make, never recomputed here). View calls at the
  synced block, in JSON-RPC batches, read only the rules and settings in force and the treasury's balances;
- :func:`filter_log`: the log with ``ccsi-dao log``'s own filters (:func:`ccsi_dao.decisionlog.entries.select`);
- :func:`verify_and_report`: ``audit verify`` against the index, and the ``audit report`` HTML and Markdown.

Nothing here loads a key or sends a transaction: the only chain calls are reads (``eth_call``, blocks, logs, the
treasury's balance).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ccsi_dao.audit.report import build_report, decision_rows, render_html, render_markdown
from ccsi_dao.audit.verify import Finding, Verification
from ccsi_dao.audit.verify import verify as run_verification
from ccsi_dao.decisionlog.chambers import describe_actions, option_words
from ccsi_dao.decisionlog.decode import HistoryDecoder
from ccsi_dao.decisionlog.entries import (
    KINDS,
    Entry,
    Filters,
    check_filters,
    entries,
    parse_when,
    select,
)
from ccsi_dao.decisionlog.history import Decoded, History, load_history, rule_set
from ccsi_dao.decisionlog.judge import Judgement, VoteJudgement, judge_all
from ccsi_dao.decisionlog.store import DecisionIndex, default_index_path, open_index
from ccsi_dao.errors import CcsiDaoError, UserError
from ccsi_dao.governance.consortium import Consortium
from ccsi_dao.governance.deployment import DeploymentRecord
from ccsi_dao.governance.describe import ActionDescriber, format_eth
from ccsi_dao.settings import Settings
from ccsi_dao.types import Category, MemberStatus, StakeholderGroup, VoteType, group_name
from ccsi_dao.types import role_name as _role_name
from ccsi_dao.web.models import (
    AgreementVersion,
    AgreementView,
    Balance,
    ChamberView,
    FindingView,
    GroupView,
    LogEntryView,
    MemberView,
    OptionView,
    ProposalView,
    RuleView,
    Snapshot,
    SyncView,
    TallyRow,
    TreasuryView,
    VerificationView,
    VoteView,
    percent,
)

__all__ = ["GROUPS", "KINDS", "Reader", "Source", "filter_log", "utc", "verify_and_report"]

GROUPS = tuple(group_name(g) for g in StakeholderGroup)
_ERC20 = [
    {
        "type": "function",
        "name": "balanceOf",
        "stateMutability": "view",
        "inputs": [{"name": "account", "type": "address"}],
        "outputs": [{"name": "", "type": "uint256"}],
    }
]


def utc(timestamp: int | float | None) -> str | None:
    """A unix time as ``2026-03-01 12:00:00 UTC``."""
    if timestamp is None:
        return None
    return datetime.fromtimestamp(timestamp, tz=UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


@dataclass(frozen=True)
class Source:
    """One deployment to show: its record, how to reach its chain, where its index is and how to sync it."""

    settings: Settings
    record: DeploymentRecord
    index_path: Path
    confirmations: int | None = None
    max_range: int = 2_000

    @classmethod
    def from_settings(
        cls, settings: Settings, index: Path | None = None, confirmations: int | None = None, max_range: int = 2_000
    ) -> Source:
        """The record (ConfigError if missing or damaged) and the index path; nothing is opened or written."""
        record = settings.record()
        path = Path(index) if index else default_index_path(record)
        if path.is_dir():
            raise UserError(f"the index {path} is a folder: give the path of an index file (--index FILE)")
        return cls(settings, record, path, confirmations, max_range)

    def consortium(self) -> Consortium:
        """A connection of its own (ChainError if the chain is unreachable or does not hold the deployment)."""
        return self.settings.consortium()

    def open_index(self) -> DecisionIndex:
        return open_index(self.record, self.index_path)


# ---------------------------------------------------------------------------------------------- the reader


class Reader:
    """Syncs the index and builds snapshots; lives in one thread (its SQLite connection and web3 session do)."""

    def __init__(self, source: Source) -> None:
        self.source = source
        self.record = source.record
        self.dao = source.consortium()
        self.chain = self.dao.chain
        self.index = source.open_index()
        self._history: History | None = None
        self._judgements: dict[int, Judgement] = {}  # by proposal number, judged at _judged_at
        self._judged_at: int | None = None
        self._judged = False  # the judgements and entries are of the current history
        self._entries: list[Entry] = []
        self._entries_problem: str | None = None
        self._stale = True  # the index holds logs the history has not read yet
        self._reorged = False  # the index was cut back since the logs were decoded
        self._decoder = HistoryDecoder(self.record.governor, self.record.membership, self.record.timelock)
        self._decoded: list[Decoded] = []  # the index's logs up to _decoded_to, decoded
        self._decoded_to: int | None = None
        self.last_sync: SyncView = SyncView(self.index.synced_to, None, None, None)

    def close(self) -> None:
        self.index.close()

    # -- syncing

    def sync(self) -> tuple[SyncView, bool]:
        """One incremental sync; ``(status, whether the log changed)``. A failure is reported, not raised."""
        before = self.index.synced_to
        started = time.monotonic()
        try:
            result = self.index.sync(
                self.chain.w3, confirmations=self.source.confirmations, max_range=self.source.max_range
            )
            head = self.chain.block_number()
        except CcsiDaoError as exc:
            self.last_sync = SyncView(self.index.synced_to, self.last_sync.head, self.last_sync.last_sync, str(exc))
            return self.last_sync, False
        except Exception as exc:  # noqa: BLE001 - a node failure deep in web3: shown on the page, retried next time
            self.last_sync = SyncView(
                self.index.synced_to, self.last_sync.head, self.last_sync.last_sync, f"the sync failed: {exc}"
            )
            return self.last_sync, False
        self.last_sync = SyncView(
            result.synced_to, max(head, result.synced_to), utc(time.time()), None, time.monotonic() - started
        )
        self._stale = self._stale or bool(result.new_logs or result.reorgs)
        self._reorged = self._reorged or bool(result.reorgs)
        return self.last_sync, bool(result.new_logs or result.reorgs or result.synced_to != before)

    # -- the snapshot

    def snapshot(self) -> Snapshot:
        """Everything the pages show, as of the index's synced block."""
        problems: list[str] = []
        block = self.index.synced_to
        history, judgements = self._load_history()
        block_time = self.index.tip_time if block is not None else None
        read = self.chain.reader(block) if block is not None else None
        names = _Names(history)
        describer = ActionDescriber(self.record, history.name_of)
        views = [_log_view(i, e) for i, e in enumerate(self._entries)]
        by_entry = {id(e): v for e, v in zip(self._entries, views, strict=True)}
        proposals = tuple(_proposal_view(judgements[p.number], names, describer) for p in history.proposal_list())
        members = self._members(history, block_time)
        if self._entries_problem:
            problems.append(self._entries_problem)
        return Snapshot(
            consortium=self.record.consortium,
            chain_id=self.record.chain_id,
            governor=self.record.governor,
            membership=self.record.membership,
            timelock=self.record.timelock,
            block=block,
            block_time=utc(block_time),
            proposals=proposals,
            members=members,
            groups=_groups(members),
            log=tuple(views),
            treasury=self._treasury(history, views, read, block, problems),
            agreement=self._agreement(history, read, block_time, problems),
            problems=tuple(problems),
            library=_LogHandle(history, self._entries, by_entry),
        )

    def _load_history(self) -> tuple[History, dict[int, Judgement]]:
        """The index's history, every proposal judged as of the synced block, and the log entries: the history is
        rebuilt only when the index changed, the judgements and entries also when the synced block's time moved (a
        proposal opens or closes with time alone, and its outcome entry appears when voting closes)."""
        if self._history is None or self._stale:
            self._history = self._read_history()
            self._stale = self._judged = False
        history = self._history
        now = self.index.tip_time if self.index.tip_time is not None else history.now
        if self._judged and self._judged_at == now:
            return history, self._judgements
        judged = judge_all(history, now)
        before = self._judgements if self._judged else None
        self._judgements, self._judged_at, self._judged = judged, now, True
        if before is None or _verdicts(before) != _verdicts(judged):  # else time alone moved and changed no outcome
            try:
                self._entries = entries(history, self._judgements)
                self._entries_problem = None
            except Exception as exc:  # noqa: BLE001 - one event the log cannot word must not take the pages down
                self._entries = []
                self._entries_problem = (
                    f"the decision log could not be built from the index ({type(exc).__name__}: {exc})"
                )
        return history, judged

    def _read_history(self) -> History:
        """The history of the whole index. Each log is decoded once: after a sync that only added blocks, the logs
        read before are kept decoded and only the new ones are (the history itself is rebuilt from all of them, which
        is cheap); after a reorg, everything is read again."""
        tip = self.index.synced_to
        if self._reorged or self._decoded_to is None or tip is None:
            self._decoded, self._decoded_to = [], None
            if tip is None:
                return load_history(self.index)
        start = 0 if self._decoded_to is None else self._decoded_to + 1
        new = self.index.logs(from_block=start, to_block=tip)
        times = self.index.block_times()
        self._decoded += [d for log in new if (d := self._decoder.decode(log, times[log.block_number])) is not None]
        self._decoded_to, self._reorged = tip, False
        return History(self.record, self._decoded, self.index.tip_time)

    def _members(self, history: History, now: int | None) -> tuple[MemberView, ...]:
        accounts = list(history.member_changes)
        out = []
        for account in accounts:
            state = history.member_at(account)
            if state is None:
                continue
            proxy = history.proxy_at(account, now) if now is not None else None
            first = history.member_changes[account][0][1]
            out.append(
                MemberView(
                    address=account,
                    name=state.name,
                    role=_role_name(state.role),
                    group=group_name(state.group),
                    status=state.status.name.lower(),
                    weight=state.weight,
                    power=history.power_at(account, now) if now is not None else state.units,
                    proxy=proxy,
                    proxy_name=history.name_of(proxy) if proxy else None,
                    joined=utc(first.joined_at or history.member_changes[account][0][0]) or "",
                    constitutional_vote=state.constitutional_vote,
                )
            )
        return tuple(out)

    def _treasury(
        self, history: History, log: Sequence[LogEntryView], read: Any, block: int | None, problems: list[str]
    ) -> TreasuryView:
        timelock = self.record.timelock
        balances: list[Balance] = []
        flows = [v for v in log if v.kind == "treasury"]
        flows.reverse()  # newest first (the log is chronological)
        if block is not None:
            try:
                wei = int(self.chain.transport.request("eth_getBalance", [timelock, hex(block)]), 16)
                balances.append(Balance("ETH", format_eth(wei)))
                tokens = sorted({d.log.address for d in history.transfers})
                contracts = {t: self.chain.contract(_checksum(t), _ERC20) for t in tokens}
                read.prefetch((c, "balanceOf", timelock) for c in contracts.values())
                for token, contract in contracts.items():
                    amount = int(read(contract, "balanceOf", timelock))
                    balances.append(Balance(_checksum(token), f"{amount} base units"))
            except Exception as exc:  # noqa: BLE001 - a token that does not answer: said on the page
                problems.append(f"a treasury balance could not be read ({exc})")
        return TreasuryView(timelock, tuple(balances), tuple(flows))

    def _agreement(self, history: History, read: Any, now: int | None, problems: list[str]) -> AgreementView:
        executed_in = {p.executed.log.tx_hash: p.number for p in history.proposals.values() if p.executed}
        versions = tuple(
            AgreementVersion(
                version=int(d.args["version"]),
                content_hash="0x" + bytes(d.args["contentHash"]).hex(),
                uri=str(d.args["uri"]),
                time=utc(d.timestamp) or "",
                block=d.log.block_number,
                proposal=executed_in.get(d.log.tx_hash),
            )
            for d in history.agreements
        )
        rules: list[RuleView] = []
        settings: list[tuple[str, str]] = []
        if read is not None and now is not None:
            gov, reg, tl = self.dao.governor, self.dao.membership, self.dao.timelock
            try:
                read.prefetch(
                    [
                        (reg, "rulesAt", now),
                        (reg, "ruleFloors"),
                        (reg, "maxShare"),
                        (gov, "votingDelay"),
                        (gov, "votingPeriod"),
                        (gov, "lateQuorumVoteExtension"),
                        (tl, "getMinDelay"),
                    ]
                )
                by_category, early_close = rule_set(read(reg, "rulesAt", now))
                for category, ((qn, qd), (an, ad)) in zip(Category, by_category, strict=True):
                    rules.append(RuleView(category.name.lower(), f"{qn}/{qd}", f"{an}/{ad}"))
                (fqn, fqd), (fan, fad) = read(reg, "ruleFloors")
                share = read(reg, "maxShare")
                settings = [
                    ("early close", "on" if early_close else "off"),
                    ("voting delay", _duration(int(read(gov, "votingDelay")))),
                    ("voting period", _duration(int(read(gov, "votingPeriod")))),
                    ("late-quorum extension", _duration(int(read(gov, "lateQuorumVoteExtension")))),
                    ("timelock delay", _duration(int(read(tl, "getMinDelay")))),
                    ("largest share of one member", f"{share[0]}/{share[1]}"),
                    ("rule floors", f"quorum at least {fqn}/{fqd}, approval at least {fan}/{fad}"),
                ]
            except Exception as exc:  # noqa: BLE001
                problems.append(f"the rules in force could not be read ({exc})")
        return AgreementView(versions, tuple(rules), tuple(settings))


# ---------------------------------------------------------------------------------------------- conversions


class _Names:
    def __init__(self, history: History) -> None:
        self.history = history
        self._cache: dict[str, str | None] = {}

    def __call__(self, address: str | None) -> str | None:
        if not address:
            return None
        if address not in self._cache:
            self._cache[address] = self.history.name_of(address)
        return self._cache[address]


def _checksum(address: str) -> str:
    from eth_utils import to_checksum_address

    return to_checksum_address(address)


def _verdicts(judgements: dict[int, Judgement]) -> list[tuple[int, str, str, str]]:
    """What the log's outcome entries say of each proposal (they change only when one of these does)."""
    return [(n, j.outcome, j.reason, j.explanation) for n, j in judgements.items()]


def _duration(seconds: int) -> str:
    from ccsi_dao.durations import format_duration

    return format_duration(seconds)


def _title(text: str) -> str:
    stripped = text.strip()
    first = stripped.splitlines()[0] if stripped else ""
    return first if len(first) <= 160 else first[:157] + "…"


def _proposal_view(j: Judgement, names: _Names, describer: ActionDescriber) -> ProposalView:
    """A proposal as :func:`ccsi_dao.decisionlog.judge.judge` judged it: its state, the rule of its category at the
    snapshot over its electorate, the tally, the outcome and the reason, and each vote as counted."""
    p = j.proposal
    category = p.id_category  # the category the governor counts it in (verify checks the actions give the same)
    label = (
        "Members with a constitutional vote" if category == Category.CONSTITUTIONAL else "Voting members"
    )  # one electorate per proposal until the agreement has chambers: then one row each
    row = TallyRow(
        label=label,
        for_votes=j.tally[VoteType.FOR],
        against=j.tally[VoteType.AGAINST],
        abstain=j.tally[VoteType.ABSTAIN],
        electorate=j.electorate,
        quorum_votes=j.quorum_votes,
        quorum=str(j.quorum),
        approval=str(j.approval),
        quorum_met=j.quorum_reached,
        approval_met=j.approval_met,
        approval_numerator=j.approval.numerator,
        approval_denominator=j.approval.denominator,
    )
    manifest = p.manifest
    labels = manifest.labels if manifest is not None else None
    votes = tuple(_vote_view(vj, names, labels) for vj in j.votes)
    try:
        actions = tuple(describe_actions(describer.record.governor, p.actions, describer.describe))
    except Exception:  # noqa: BLE001 - an action the describer cannot word: shown raw
        actions = tuple(f"call {a.target} with {len(a.data)} bytes of data, value {a.value} wei" for a in p.actions)
    chambers, options, decision = _decision(j)
    return ProposalView(
        number=p.number,
        id=str(p.id),
        title=_title(p.text),
        description=p.text.strip(),
        category=category.name.lower(),
        state=j.state.name.lower(),
        proposer=p.proposer,
        proposer_name=names(p.proposer),
        created=utc(p.created.timestamp) or "",
        created_block=p.created.log.block_number,
        voting_starts=utc(p.snapshot) or "",
        voting_ends=utc(j.deadline) or "",
        eta=utc(p.eta) if p.eta else None,
        queued=utc(p.queued.timestamp) if p.queued else None,
        executed=utc(p.executed.timestamp) if p.executed else None,
        canceled=utc(p.canceled.timestamp) if p.canceled else None,
        actions=actions,
        tallies=(row,),
        votes=votes,
        outcome=j.outcome,
        reason=j.reason,
        explanation=j.explanation,
        chambers=chambers,
        options=options,
        decision=decision,
    )


def _decision(j: Judgement) -> tuple[tuple[ChamberView, ...], tuple[OptionView, ...], str]:
    """Per-chamber and per-option progress of a proposal judged by chambers or options (the judgement's
    :attr:`~ccsi_dao.decisionlog.judge.Judgement.rules_judged`, counted as the governor does); nothing for any other,
    or before the snapshot."""
    r = j.rules_judged
    if r is None or j.proposal.snapshot >= j.now:
        return (), (), ""
    chamber_rows, option_rows, decision = decision_rows(j)
    chambers = tuple(
        ChamberView(
            c.name,
            c.condition,
            c.power,
            c.for_,
            c.against,
            c.abstain,
            progress.met,
            tuple(progress.lines),
        )
        for c, progress in zip(chamber_rows, r.words.chambers, strict=True)
    )
    decided = r.decision.votes.for_ + r.decision.votes.against
    options = tuple(
        OptionView(o.number, o.label, o.votes, o.qualifies, o.why_not, o.winner, percent(o.votes, decided))
        for o in option_rows
    )
    if j.outcome in ("pending", "active"):
        decision = "so far: " + decision.replace("winner: ", "leading: ", 1)
    return chambers, options, decision


def _vote_view(vj: VoteJudgement, names: _Names, labels: tuple[str, ...] | None) -> VoteView:
    """One vote as logged, with what the judgement found: for whom the voter also voted as proxy, and whether it
    voted with its own units because its proxy lost its vote; on a choice (``labels``: its options), the options the
    ballot selected."""
    v = vj.vote
    via = f"signed ballot relayed by {_checksum(v.relayer)}" if v.relayer else "direct vote"
    if vj.own_units and vj.proxy:
        via += f", with its own units (its proxy {_checksum(vj.proxy)} lost its vote after the snapshot)"
    return VoteView(
        voter=v.voter,
        name=names(v.voter),
        choice=v.support.name.lower(),
        weight=v.weight,
        reason=v.reason,
        via=via,
        proxy_for=vj.principals,
        time=utc(v.timestamp) or "",
        block=v.decoded.log.block_number,
        tx=v.decoded.log.tx_hash,
        options=", ".join(option_words(labels, v.options)) if labels is not None else "",
    )


def _groups(members: Iterable[MemberView]) -> tuple[GroupView, ...]:
    members = list(members)
    total = sum(m.power for m in members)
    out = []
    for name in GROUPS:
        mine = tuple(m for m in members if m.group == name)
        if not mine:
            continue
        power = sum(m.power for m in mine)
        out.append(
            GroupView(
                name=name,
                members=mine,
                active=sum(1 for m in mine if m.status == MemberStatus.ACTIVE.name.lower()),
                power=power,
                power_share=100.0 * power / total if total else 0.0,
            )
        )
    return tuple(out)


def _log_view(position: int, e: Entry) -> LogEntryView:
    return LogEntryView(
        position=position,
        time=e.time.replace("T", " ").replace("Z", " UTC"),
        block=e.block,
        log_index=e.log_index,
        tx=e.tx,
        kind=e.kind,
        event=e.event,
        summary=e.summary,
        proposal=e.proposal,
        member=e.member,
        member_name=e.member_name,
        group=e.group,
    )


# ---------------------------------------------------------------------------------------------- filtering the log


@dataclass(frozen=True)
class _LogHandle:
    history: History
    entries: list[Entry]
    views: dict[int, LogEntryView]  # id(entry) -> view


@dataclass(frozen=True)
class LogQuery:
    """The log page's filters as the form gives them (text), with ``ccsi-dao log``'s meaning."""

    proposal: str = ""
    member: str = ""
    group: str = ""
    kinds: tuple[str, ...] = ()
    since: str = ""
    until: str = ""
    from_block: str = ""
    to_block: str = ""

    @classmethod
    def from_params(cls, params: Mapping[str, Any], kinds: Sequence[str]) -> LogQuery:
        def one(name: str) -> str:
            value = params.get(name)
            return str(value).strip()[:200] if value is not None else ""

        return cls(
            proposal=one("proposal"),
            member=one("member"),
            group=one("group"),
            kinds=tuple(k.strip() for item in kinds for k in str(item).split(",") if k.strip())[:20],
            since=one("since"),
            until=one("until"),
            from_block=one("from_block"),
            to_block=one("to_block"),
        )

    @property
    def empty(self) -> bool:
        return self == LogQuery()


def filter_log(snapshot: Snapshot, query: LogQuery) -> tuple[list[LogEntryView], dict[str, str]]:
    """The log entries that pass ``query`` (chronological), and the problems with the filters by field name (then
    no entries)."""
    if query.empty:
        return list(snapshot.log), {}
    problems: dict[str, str] = {}

    def number(name: str, text: str) -> int | None:
        if not text:
            return None
        if not (text.isascii() and text.isdigit()) or len(text) > 12:
            problems[name] = f"{text!r} is not a block number"
            return None
        return int(text)

    def when(name: str, text: str) -> int | None:
        if not text:
            return None
        try:
            return parse_when(text)
        except (UserError, OverflowError, ValueError) as exc:
            problems[name] = str(exc)
            return None

    if query.proposal and not (query.proposal.lstrip("#").isascii() and query.proposal.lstrip("#").isdigit()):
        problems["proposal"] = f"{query.proposal!r} is not a proposal: give its number (or its full id)"
    filters = Filters(
        proposal=query.proposal or None,
        member=query.member or None,
        group=query.group or None,
        kinds=query.kinds,
        since=when("since", query.since),
        until=when("until", query.until),
        from_block=number("from_block", query.from_block),
        to_block=number("to_block", query.to_block),
    )
    if problems:
        return [], problems
    handle: _LogHandle | None = snapshot.library
    if handle is None:
        return [], {}
    try:
        check_filters(filters)
    except UserError as exc:
        return [], {"group" if "group" in str(exc) else "kind": str(exc)}
    try:
        chosen = select(handle.entries, filters, handle.history)
    except UserError as exc:
        return [], {"proposal" if str(exc).startswith("there is no proposal") else "member": str(exc)}
    return [handle.views[id(e)] for e in chosen], {}


# ---------------------------------------------------------------------------------------------- verification


def verify_and_report(source: Source, started: float) -> tuple[VerificationView, str | None, str | None]:
    """``audit verify`` against the index (each decision recomputed from raw chain data), then the ``audit report``
    HTML and Markdown of the result. A verification that cannot run becomes a failed one with the reason."""
    dao = source.consortium()
    index = source.open_index() if source.index_path.exists() else None
    try:
        try:
            result = run_verification(dao, index=index)
            message = None
        except CcsiDaoError as exc:
            result, message = _not_run(str(exc)), str(exc)
        except Exception as exc:  # noqa: BLE001 - a failure inside verification is a result, not a crash
            result, message = _not_run(f"{type(exc).__name__}: {exc}"), f"{type(exc).__name__}: {exc}"
        html = markdown = None
        report_problem = None
        if result.history is not None:  # the report is made of what verification read from the chain, nothing else
            try:
                report = build_report(result, consortium_name=source.record.consortium)
                html, markdown = render_html(report), render_markdown(report)
            except Exception as exc:  # noqa: BLE001
                report_problem = f"the report could not be written ({type(exc).__name__}: {exc})"
    finally:
        if index is not None:
            index.close()
    findings = tuple(FindingView(f.ok, f.check, f.subject, f.evidence) for f in result.findings)
    view = VerificationView(
        state="could not run" if message else "passed" if result.ok else "failed",
        started=utc(started),
        finished=utc(time.time()),
        seconds=round(time.time() - started, 2),
        first_block=result.first_block or None,
        last_block=result.last_block or None,
        checks=len(findings),
        discrepancies=tuple(f for f in findings if not f.ok),
        findings=findings,
        message="; ".join(m for m in (message, report_problem) if m) or None,
        has_report=html is not None,
    )
    return view, html, markdown


def _not_run(reason: str) -> Verification:
    result = Verification()
    result.findings.append(Finding("verify", "the whole history", False, f"verification could not run: {reason}"))
    return result
