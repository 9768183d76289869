"""The auditors' report, built only from verified data: one self-contained HTML file (inline CSS and SVG, nothing
fetched, printable to PDF from a browser) and its Markdown twin.

Its one source is a :class:`~ccsi_dao.audit.verify.Verification`: the history read from the chain during
verification and every proposal judged from it, never the local index. When verification failed, each failing fact
is shown as such, with both values (the index's and the chain's, the logs' and the contract's), at the top and next
to the proposal it concerns.

Contents: when, by which tool version, on which chain and block it was made, and the verification result; every
proposal's outcome and reason (executed, cancelled, defeated because the quorum was missed, the approval failed or
voting closed early, passed and queued or not, open); per proposal its category, rule, electorate, a tally chart with
the quorum and approval markers, and who voted how, why and via whom (directly, by a signed ballot relayed by
someone, as a proxy, with its own units after its proxy lost its vote); the agreement's versions; the treasury's
inflows, outflows and balances; rule and settings changes; proxies; the membership timeline; participation per
stakeholder group as a chart; the verification findings.

:func:`build_report` gathers it as data (:class:`Report`), :func:`render_html` and :func:`render_markdown` write it.
Chain text passes through :mod:`ccsi_dao.safetext` (and HTML escaping) on its way into either file.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from eth_utils import to_checksum_address

from ccsi_dao import __version__
from ccsi_dao.audit.verify import Finding, Verification
from ccsi_dao.decisionlog.chambers import describe_actions, option_words, voter_class
from ccsi_dao.decisionlog.check import readable_diff
from ccsi_dao.decisionlog.entries import ROLE_NAMES, iso
from ccsi_dao.decisionlog.history import History
from ccsi_dao.decisionlog.judge import Judgement, VoteJudgement
from ccsi_dao.durations import format_duration
from ccsi_dao.fileio import write_atomic
from ccsi_dao.governance.describe import ActionDescriber, format_eth
from ccsi_dao.safetext import for_markdown, for_terminal
from ccsi_dao.types import MemberStatus, Role, StakeholderGroup, VoteType, group_name, role_name

_COLORS = {VoteType.FOR: "#2e7d32", VoteType.AGAINST: "#c62828", VoteType.ABSTAIN: "#9e9e9e"}


# ---------------------------------------------------------------------- the report as data


@dataclass(frozen=True)
class VoteRow:
    """One vote as the report shows it. ``note`` flags a falsified or wrongly counted vote."""

    voter: str
    name: str
    group: str
    choice: str
    weight: int
    reason: str
    via: str
    time: str
    note: str = ""
    options: str = ""
    """On a choice: the options the ballot selected (labels)."""
    chamber_class: str = ""
    """On a proposal judged by chambers or options: the voter's role and stakeholder group at the snapshot."""


@dataclass(frozen=True)
class ChamberRow:
    """One chamber of a proposal: its condition, power at the snapshot, votes, and each measure met or not."""

    name: str
    condition: str
    power: int
    for_: int
    against: int
    abstain: int
    met: bool
    measures: tuple[str, ...]


@dataclass(frozen=True)
class OptionRow:
    """One option of a choice: its votes, whether it qualifies, and why not."""

    number: int
    label: str
    votes: int
    qualifies: bool
    why_not: str
    winner: bool


@dataclass(frozen=True)
class ProposalView:
    """One proposal: what it did, the rule it was held to, the tally, the outcome and why, the votes."""

    number: int
    id: int
    title: str
    category: str
    proposer: str
    created: str
    snapshot: str
    deadline: str
    actions: tuple[str, ...]
    outcome: str
    reason: str
    explanation: str
    quorum: str
    approval: str
    electorate: int
    excluded: int
    base: int
    quorum_votes: int
    tally: dict[str, int]
    votes: tuple[VoteRow, ...]
    failures: tuple[Finding, ...]
    judgement: Judgement
    chambers: tuple[ChamberRow, ...] = ()
    options: tuple[OptionRow, ...] = ()
    decision: str = ""
    """For a proposal judged by chambers or options: the winner ("Cooperative wins with 4 votes"), or "no option
    qualifies" / "blocked" and why."""


@dataclass(frozen=True)
class Row:
    """A dated line of a timeline: when, who or what, and what happened (``proposal``: the decision behind it)."""

    time: str
    subject: str
    what: str
    proposal: int | None = None


@dataclass(frozen=True)
class Balance:
    """One asset of the treasury: what the logs recorded coming in and going out, and what the chain holds."""

    asset: str  # "ETH" or the token's address
    inflow: int
    outflow: int
    on_chain: int | None

    @property
    def unexplained(self) -> int | None:
        """The balance the recorded flows do not account for (ETH sent without a call the logs show, such as a
        forced transfer, or a token's transfer without a Transfer event); None when the chain's balance is unknown."""
        return None if self.on_chain is None else self.on_chain - (self.inflow - self.outflow)

    def amount(self, value: int | None) -> str:
        if value is None:
            return "unknown"
        return format_eth(value) if self.asset == "ETH" else f"{value} base units"


@dataclass(frozen=True)
class GroupParticipation:
    """Per stakeholder group: votes it could cast (a member with power in a decided proposal's electorate at its
    snapshot, or whose proxy held it) and votes cast (directly or through its proxy)."""

    group: str
    eligible: int
    voted: int

    @property
    def share(self) -> float:
        return self.voted / self.eligible if self.eligible else 0.0


@dataclass
class Report:
    """Everything the report shows, from verified chain data (see the module notes)."""

    consortium: str
    generated_at: str
    tool_version: str
    chain_id: int
    governor: str
    membership: str
    timelock: str
    first_block: int
    last_block: int
    block_hash: str
    block_time: str
    ok: bool
    checks: int
    failures: list[Finding]
    proposals: list[ProposalView]
    agreements: list[Row]
    treasury_flows: list[Row]
    balances: list[Balance]
    rule_changes: list[Row]
    settings_changes: list[Row]
    roles: list[Row]
    proxies: list[Row]
    proxies_now: list[Row]
    membership_timeline: list[Row]
    members_now: list[Row]
    participation: list[GroupParticipation]
    findings: list[Finding] = field(default_factory=list)

    @property
    def outcome_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for p in self.proposals:
            key = p.outcome if p.outcome != "defeated" else f"defeated ({p.reason})"
            counts[key] = counts.get(key, 0) + 1
        return counts


def build_report(result: Verification, *, consortium_name: str, generated_at: datetime | None = None) -> Report:
    """The report of ``result`` (a verification, with the chain's history it was made on)."""
    history = result.history
    if history is None:
        raise ValueError("the verification carries no history: run audit.verify.verify")
    r = history.record
    names = _Names(history)
    describer = ActionDescriber(r, history.name_of)
    made = generated_at or datetime.now(UTC)
    executed_in = {p.executed.log.tx_hash: p.number for p in history.proposals.values() if p.executed}
    index_notes: dict[tuple[int, int], str] = {}
    for difference in result.index_differences:
        if difference.log_index is not None:
            index_notes[(difference.block, difference.log_index)] = difference.text

    proposals = []
    for p in history.proposal_list():
        j = result.judgements[p.number]
        rows = []
        rules = j.rules_judged
        option_labels = rules.setup.labels if rules is not None else ()
        for vj in j.votes:
            v = vj.vote
            state = history.member_at(v.voter)
            note = ""
            if not vj.ok:
                note = f"counted {v.weight}, rebuilt {vj.expected_weight}" + (
                    f" ({'; '.join(vj.problems)})" if vj.problems else ""
                )
            falsified = index_notes.get(v.position)
            if falsified:
                note = (note + "; " if note else "") + f"the local index differs: {falsified}"
            rows.append(
                VoteRow(
                    voter=v.voter,
                    name=state.name if state else "",
                    group=group_name(state.group) if state else "",
                    choice=v.support.name.lower(),
                    weight=v.weight,
                    reason=v.reason,
                    via=_via(names, vj),
                    time=iso(v.timestamp),
                    note=note,
                    options=", ".join(option_words(option_labels, v.options)) if option_labels else "",
                    chamber_class=(voter_class(history, v.voter, p.snapshot) or "") if rules is not None else "",
                )
            )
        t = j.tally
        chambers, options, decision = decision_rows(j)
        proposals.append(
            ProposalView(
                number=p.number,
                id=p.id,
                title=p.text.strip() or "(no description)",
                category=p.id_category.name.lower(),
                proposer=names.who(p.proposer),
                created=iso(p.created.timestamp),
                snapshot=iso(p.snapshot),
                deadline=iso(j.deadline),
                actions=tuple(describe_actions(r.governor, p.actions, describer.describe)),
                outcome=j.outcome,
                reason=j.reason,
                explanation=j.explanation,
                quorum=str(j.quorum),
                approval=str(j.approval),
                electorate=j.electorate,
                excluded=j.excluded,
                base=j.base,
                quorum_votes=j.quorum_votes,
                tally={"for": t[VoteType.FOR], "against": t[VoteType.AGAINST], "abstain": t[VoteType.ABSTAIN]},
                votes=tuple(rows),
                failures=tuple(result.failures_of(p.number)),
                judgement=j,
                chambers=chambers,
                options=options,
                decision=decision,
            )
        )

    agreements = [
        Row(
            iso(d.timestamp),
            f"version {d.args['version']}",
            f"sha256 0x{bytes(d.args['contentHash']).hex()} at {d.args['uri']}",
            executed_in.get(d.log.tx_hash),
        )
        for d in history.agreements
    ]
    flows, balances = _treasury(history, result, names, executed_in)
    rule_changes = [
        Row(
            iso(rs.decoded.timestamp) if rs.decoded else "",
            f"rule set {rs.id}",
            "; ".join(f"{c.name.lower()}: quorum {q}, approval {a}" for c, (q, a) in rs.rules.items())
            + f"; early close {'on' if rs.early_close else 'off'}; for proposals with a snapshot from "
            f"{iso(rs.effective_from)}",
            executed_in.get(rs.decoded.log.tx_hash) if rs.decoded else None,
        )
        for rs in history.rule_sets
    ]
    settings = []
    labels = {
        "VotingDelaySet": ("voting delay", "oldVotingDelay", "newVotingDelay"),
        "VotingPeriodSet": ("voting period", "oldVotingPeriod", "newVotingPeriod"),
        "LateQuorumVoteExtensionSet": ("late-quorum extension", "oldVoteExtension", "newVoteExtension"),
    }
    for d in history.settings:
        if d.event in labels:
            label, old, new = labels[d.event]
            settings.append(
                Row(
                    iso(d.timestamp),
                    label,
                    f"{format_duration(int(d.args[old]))} -> {format_duration(int(d.args[new]))}",
                    executed_in.get(d.log.tx_hash),
                )
            )
    previous = 0
    for when, value in history.min_delays:
        settings.append(Row(iso(when), "timelock delay", f"{format_duration(previous)} -> {format_duration(value)}"))
        previous = value
    settings.sort(key=lambda row: row.time)
    roles = [
        Row(
            iso(d.timestamp),
            f"{_role(d.args.get('role'))} role",
            (
                f"{'granted to' if d.event == 'RoleGranted' else 'revoked from'} {names.who(d.args['account'])} "
                f"by {names.who(d.args['sender'])}"
            )
            if d.event != "RoleAdminChanged"
            else f"administered by the {_role(d.args['newAdminRole'])} role",
        )
        for d in history.roles
    ]
    proxies = []
    for member, changes in history.proxy_changes.items():
        for when, proxy in changes:
            proxies.append(
                Row(iso(when), names.who(member), f"appointed {names.who(proxy)}" if proxy else "proxy revoked")
            )
    proxies.sort(key=lambda row: row.time)
    proxies_now = [
        Row("", names.who(m), f"represented by {names.who(proxy)}")
        for m in history.proxy_changes
        if (proxy := _proxy_now(history, m))
    ]
    membership = _membership_timeline(history, names, executed_in)
    members_now = []
    for account in history.member_changes:
        s = history.member_at(account)
        if s is None:
            continue
        members_now.append(
            Row(
                iso(s.joined_at) if s.joined_at else "",
                f"{s.name} ({account})",
                f"{s.status.name.lower()}, {role_name(s.role)}, {group_name(s.group)}, weight {s.weight}, "
                f"{'with' if s.constitutional_vote else 'without'} a constitutional vote, power "
                f"{history.power_now(account)}",
            )
        )
    return Report(
        consortium=consortium_name,
        generated_at=made.strftime("%Y-%m-%d %H:%M:%S UTC"),
        tool_version=__version__,
        chain_id=result.chain_id or r.chain_id,
        governor=r.governor,
        membership=r.membership,
        timelock=r.timelock,
        first_block=result.first_block,
        last_block=result.last_block,
        block_hash=result.block_hash,
        block_time=iso(result.block_time) if result.block_time else "",
        ok=result.ok,
        checks=len(result.findings),
        failures=result.discrepancies,
        proposals=proposals,
        agreements=agreements,
        treasury_flows=flows,
        balances=balances,
        rule_changes=rule_changes,
        settings_changes=settings,
        roles=roles,
        proxies=proxies,
        proxies_now=proxies_now,
        membership_timeline=membership,
        members_now=members_now,
        participation=participation(history, result.judgements),
        findings=list(result.findings),
    )


def decision_rows(j: Judgement) -> tuple[tuple[ChamberRow, ...], tuple[OptionRow, ...], str]:
    """A proposal's chambers, options and decision in words (empty for a proposal judged without chambers or
    options): for :class:`ProposalView` and the dashboard's proposal page."""
    r = j.rules_judged
    if r is None:
        return (), (), ""
    chambers = tuple(
        ChamberRow(
            name=c.chamber.chamber.name,
            condition=c.chamber.chamber.condition.describe(),
            power=c.chamber.base,
            for_=c.chamber.votes.for_,
            against=c.chamber.votes.against,
            abstain=c.chamber.votes.abstain,
            met=c.met,
            measures=tuple(f"{text} ({'met' if met else 'not met'})" for text, met in c.lines),
        )
        for c in r.words.chambers
    )
    options: tuple[OptionRow, ...] = ()
    if r.is_choice:
        options = tuple(
            OptionRow(o.option + 1, o.label, o.votes, o.qualifies, "; ".join(o.reasons), o.option == r.winner)
            for o in r.words.options
        )
    if r.winner is not None and r.is_choice:
        decision = f"winner: {j.winner_label}, with {r.decision.option_votes(r.winner)} votes"
    elif r.winner is not None:
        decision = "passes: the category's quorum and approval and every chamber condition are met"
    elif r.is_choice:
        decision = f"no option qualifies: {r.no_winner_reason()}"
    else:
        blocked = [c.name for c in chambers if not c.met]
        decision = (f"blocked by {', '.join(blocked)}: " if blocked else "does not pass: ") + r.no_winner_reason()
    return chambers, options, decision


def _chamber_cells(p: ProposalView) -> list[tuple[object, ...]]:
    return [
        (c.name, c.condition, c.power, c.for_, c.against, c.abstain, "met" if c.met else "NOT met",
         "; ".join(c.measures))
        for c in p.chambers
    ]  # fmt: skip


_CHOICE_CHAMBERS = (
    "On a choice, a chamber's For is its votes for any option; each option is judged in each chamber with its own "
    "For, the rest of the chamber's For and its Against counting against it (see each option's reasons)."
)
_CHAMBER_HEADERS = ("chamber", "condition", "power", "for", "against", "abstain", "result", "measures")
_OPTION_HEADERS = ("#", "option", "votes", "qualifies", "why not")


def _option_cells(p: ProposalView) -> list[tuple[object, ...]]:
    return [
        (o.number, o.label + (" (winner)" if o.winner else ""), o.votes, "yes" if o.qualifies else "no", o.why_not)
        for o in p.options
    ]


class _Names:
    def __init__(self, history: History) -> None:
        r = history.record
        self.history = history
        self.roles = {
            r.governor.lower(): "the governor",
            r.timelock.lower(): "the timelock",
            r.membership.lower(): "the membership registry",
        }
        deployer = getattr(r, "deployer", None)
        if deployer and deployer.lower() not in self.roles:
            self.roles[deployer.lower()] = "the deployer"

    def who(self, address: str | None) -> str:
        if address is None:
            return "nobody"
        role = self.roles.get(str(address).lower())
        if role:
            return f"{role} ({to_checksum_address(address)})"
        name = self.history.name_of(address)
        return f"{name} ({to_checksum_address(address)})" if name else to_checksum_address(address)


def _role(value: object) -> str:
    key = "0x" + value.hex() if isinstance(value, bytes) else str(value).lower()
    return ROLE_NAMES.get(key, "unknown")


def _via(names: _Names, vj: VoteJudgement) -> str:
    v = vj.vote
    text = f"signed ballot relayed by {names.who(v.relayer)}" if v.relayer else "direct"
    if vj.principals:
        text += "; as proxy for " + ", ".join(names.who(m) for m in vj.principals)
    if vj.own_units:
        text += f"; own units, its proxy {names.who(vj.proxy)} having lost its vote"
    return text


def _proxy_now(history: History, member: str) -> str | None:
    changes = history.proxy_changes.get(member, [])
    return changes[-1][1] if changes else None


def _membership_timeline(history: History, names: _Names, executed_in: dict[str, int]) -> list[Row]:
    rows = []
    for d in history.events:
        if d.contract != "membership":
            continue
        a, name = d.args, d.event
        proposal = executed_in.get(d.log.tx_hash)
        if name == "MemberAdmitted":
            what = (
                f"admitted as {role_name(_enum_role(a['role']))}, {group_name(StakeholderGroup(a['group']))}, weight "
                f"{a['weight']}, {'with' if a['constitutionalVote'] else 'without'} a constitutional vote"
            )
        elif name == "MemberStatusChanged":
            what = f"{MemberStatus(a['previous']).name.lower()} -> {MemberStatus(a['current']).name.lower()}"
        elif name == "MemberRoleChanged":
            what = f"role {role_name(_enum_role(a['previous']))} -> {role_name(_enum_role(a['current']))}"
        elif name == "MemberGroupChanged":
            what = f"group {group_name(StakeholderGroup(a['previous']))} -> {group_name(StakeholderGroup(a['group']))}"
        elif name == "MemberWeightChanged":
            what = f"weight {a['previous']} -> {a['current']}"
        elif name == "MemberConstitutionalVoteChanged":
            what = "given a constitutional vote" if a["constitutionalVote"] else "constitutional vote taken away"
        else:
            continue
        rows.append(Row(iso(d.timestamp), names.who(a["account"]), what, proposal))
    return rows


def _enum_role(value: int) -> Role:
    return Role(value)


def _treasury(
    history: History,
    result: Verification,
    names: _Names,
    executed_in: dict[str, int],
) -> tuple[list[Row], list[Balance]]:
    timelock = history.record.timelock
    flows: list[tuple[int, Row]] = []
    totals: dict[str, list[int]] = {"ETH": [0, 0]}
    for d in history.deposits:
        amount = int(d.args["amount"])
        totals["ETH"][0] += amount
        flows.append(
            (d.timestamp, Row(iso(d.timestamp), "in", f"{format_eth(amount)} from {names.who(d.args['sender'])}"))
        )
    ops = {j.operation: number for number, j in result.judgements.items() if j.operation is not None}
    for op, calls in history.executed_calls.items():
        for d in calls:
            value = int(d.args["value"])
            if value:
                totals["ETH"][1] += value
                flows.append(
                    (
                        d.timestamp,
                        Row(
                            iso(d.timestamp),
                            "out",
                            f"{format_eth(value)} to {names.who(d.args['target'])}",
                            ops.get(op),
                        ),
                    )
                )
    for d in history.transfers:
        token = to_checksum_address(d.log.address)
        incoming = to_checksum_address(d.args["to"]) == timelock
        amount = int(d.args["value"])
        totals.setdefault(token, [0, 0])[0 if incoming else 1] += amount
        other = d.args["from"] if incoming else d.args["to"]
        flows.append(
            (
                d.timestamp,
                Row(
                    iso(d.timestamp),
                    "in" if incoming else "out",
                    f"{amount} base units of token {token} {'from' if incoming else 'to'} {names.who(other)}",
                    executed_in.get(d.log.tx_hash),
                ),
            )
        )
    flows.sort(key=lambda item: item[0])
    balances = [Balance(asset, i, o, result.balances.get(asset)) for asset, (i, o) in totals.items()]
    return [row for _, row in flows], balances


def participation(history: History, judgements: dict[int, Judgement]) -> list[GroupParticipation]:
    """Participation per stakeholder group over the proposals whose voting is over (or has had votes): each member
    with power in the proposal's electorate at its snapshot, itself or through its proxy, could vote once; it voted
    if it or its proxy did."""
    groups = {group_name(g): [0, 0] for g in StakeholderGroup}
    for j in judgements.values():
        p = j.proposal
        if j.outcome == "pending" or (j.outcome == "cancelled" and not p.votes):
            continue
        voters = {v.voter for v in p.votes}
        for account in history.member_changes:
            state = history.member_at(account, p.snapshot)
            if state is None:
                continue
            own = state.constitutional_units if j.constitutional else state.units
            if own == 0 and account not in voters:
                continue
            proxy = history.proxy_at(account, p.snapshot)
            row = groups[group_name(state.group)]
            row[0] += 1
            row[1] += account in voters or (proxy is not None and proxy in voters)
    return [GroupParticipation(g, e, v) for g, (e, v) in groups.items() if e]


# ---------------------------------------------------------------------- charts


def tally_chart(p: ProposalView) -> str:
    """An inline SVG of the proposal's tally: participation (for, against, abstain) against the quorum base with the
    quorum marker, and for against the decided votes with the approval marker."""
    width, left, bar_h = 360, 90, 20
    f, a, ab = p.tally["for"], p.tally["against"], p.tally["abstain"]
    cast = f + a + ab
    scale = max(p.base, cast, 1)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{left + width + 150}" height="{2 * (bar_h + 26) + 6}" '
        f'role="img" aria-label="tally of proposal {p.number}: {f} for, {a} against, {ab} abstain; quorum '
        f'{p.quorum_votes} of {p.base}; approval {html.escape(p.approval)}">'
    ]
    y = 14
    parts.append(_label(0, y + 14, "participation"))
    parts.append(f'<rect x="{left}" y="{y}" width="{width}" height="{bar_h}" fill="#eeeeee"/>')
    x: float = left
    for choice, value in ((VoteType.FOR, f), (VoteType.AGAINST, a), (VoteType.ABSTAIN, ab)):
        w = width * value / scale
        if w:
            parts.append(f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="{_COLORS[choice]}"/>')
        x += w
    qx = left + width * min(p.quorum_votes, scale) / scale
    parts.append(_marker(qx, y, bar_h, f"quorum {p.quorum_votes}"))
    parts.append(_label(left + width + 8, y + 14, f"{cast} of {p.base} cast"))
    y += bar_h + 26
    decided = f + a
    parts.append(_label(0, y + 14, "approval"))
    parts.append(f'<rect x="{left}" y="{y}" width="{width}" height="{bar_h}" fill="#eeeeee"/>')
    if decided:
        wf = width * f / decided
        parts.append(f'<rect x="{left}" y="{y}" width="{wf:.1f}" height="{bar_h}" fill="{_COLORS[VoteType.FOR]}"/>')
        parts.append(
            f'<rect x="{left + wf:.1f}" y="{y}" width="{width - wf:.1f}" height="{bar_h}" '
            f'fill="{_COLORS[VoteType.AGAINST]}"/>'
        )
    n, d = (int(x) for x in p.approval.split("/"))
    ax = left + width * n / d
    parts.append(_marker(ax, y, bar_h, f"approval {p.approval}"))
    share = f"{100 * f / decided:.0f}% for" if decided else "no decided votes"
    parts.append(_label(left + width + 8, y + 14, share))
    parts.append("</svg>")
    return "".join(parts)


def _label(x: float, y: float, text: str) -> str:
    return f'<text x="{x:.1f}" y="{y}" font-size="12" font-family="sans-serif">{html.escape(text)}</text>'


def _marker(x: float, y: int, h: int, text: str) -> str:
    return (
        f'<line x1="{x:.1f}" y1="{y - 4}" x2="{x:.1f}" y2="{y + h + 4}" stroke="#000" stroke-width="2" '
        f'stroke-dasharray="3,2"/><text x="{x + 3:.1f}" y="{y - 3}" font-size="10" font-family="sans-serif">'
        f"{html.escape(text)}</text>"
    )


def participation_chart(rows: list[GroupParticipation]) -> str:
    """An inline SVG bar chart of participation per stakeholder group."""
    left, width, bar_h = 130, 300, 18
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{left + width + 120}" height="{len(rows) * (bar_h + 8) + 8}" '
        f'role="img" aria-label="participation per stakeholder group">'
    ]
    for i, row in enumerate(rows):
        y = 4 + i * (bar_h + 8)
        parts.append(_label(0, y + 13, row.group))
        parts.append(f'<rect x="{left}" y="{y}" width="{width}" height="{bar_h}" fill="#eeeeee"/>')
        parts.append(f'<rect x="{left}" y="{y}" width="{width * row.share:.1f}" height="{bar_h}" fill="#1565c0"/>')
        parts.append(_label(left + width + 8, y + 13, f"{100 * row.share:.0f}% ({row.voted} of {row.eligible})"))
    parts.append("</svg>")
    return "".join(parts)


# ---------------------------------------------------------------------- HTML


_CSS = (
    "body{font-family:sans-serif;max-width:64rem;margin:2rem auto;padding:0 1rem;color:#222;line-height:1.4}"
    "table{border-collapse:collapse;margin:.5rem 0;width:100%}td,th{border:1px solid #ccc;padding:.2rem .4rem;"
    "text-align:left;vertical-align:top;font-size:.85rem}th{background:#f4f4f4}.pass{color:#2e7d32;font-weight:bold}"
    ".fail{color:#c62828;font-weight:bold}.failbox{border:2px solid #c62828;background:#fff3f3;padding:.5rem;"
    "margin:.5rem 0}section.proposal{border-top:1px solid #ddd;margin-top:1rem;page-break-inside:avoid}"
    "code{font-size:.8rem;word-break:break-all}.note{color:#c62828}.outcome{font-weight:bold}"
    "td.value{word-break:break-all;font-family:monospace;font-size:.8rem}table.votes td:first-child{min-width:13rem}"
    "tr.note td{border-top:none;color:#c62828}"
    "@media print{body{max-width:none;margin:0}section.proposal,table,svg{break-inside:avoid}"
    "h2{break-before:auto;break-after:avoid}}@page{margin:1.5cm}"
)


_PRINTABLE_ASCII = re.compile(r"[\x20-\x7e]*")
"""Text that ``for_terminal`` leaves as it is (no control, format or text-direction character)."""
_MARKDOWN_PLAIN = re.compile(r"[0-9A-Za-z ,.:;/=%@$&'\"?^-]*")
"""Text that ``for_markdown`` leaves as it is (nothing it escapes): most cells, which need no work."""


def _e(text: object) -> str:
    """Chain (or any) text for HTML: terminal-safe (:func:`ccsi_dao.safetext.for_terminal`), then escaped."""
    value = str(text)
    return html.escape(value if _PRINTABLE_ASCII.fullmatch(value) else for_terminal(value))


def _md(text: object) -> str:
    """Chain (or any) text for Markdown (:func:`ccsi_dao.safetext.for_markdown`)."""
    value = str(text)
    return value if _MARKDOWN_PLAIN.fullmatch(value) else for_markdown(value)


def _table(headers: tuple[str, ...], rows: list[tuple[object, ...]]) -> str:
    out = ["<table><tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in headers) + "</tr>"]
    out += ["<tr>" + "".join(f"<td>{_e(c)}</td>" for c in row) + "</tr>" for row in rows]
    return "".join(out) + "</table>"


def _failures_html(findings: tuple[Finding, ...] | list[Finding]) -> str:
    if not findings:
        return ""
    out = [
        '<div class="failbox"><p class="fail">Verification FAILED for what follows; the values below disagree:</p><ul>'
    ]
    for f in findings:
        out.append(f"<li><b>{_e(f.check)}</b> ({_e(f.subject)}): {_e(f.evidence)}")
        if f.conflicts:
            out.append("<table><tr><th>fact</th><th>source</th><th>value (around where the two differ)</th></tr>")
            for c in f.conflicts:
                first, second = _excerpts(c.first[1], c.second[1])
                out.append(
                    f'<tr><td rowspan="2">{_e(c.what)}</td><td>{_e(c.first[0])}</td><td class="value">{_e(first)}</td>'
                    f'</tr><tr><td>{_e(c.second[0])}</td><td class="value">{_e(second)}</td></tr>'
                )
            out.append("</table>")
        out.append("</li>")
    out.append("</ul></div>")
    return "".join(out)


def _excerpts(a: str, b: str) -> tuple[str, str]:
    """Two values as shown: in full when short, else the same window around where they differ."""
    if len(a) <= 96 and len(b) <= 96:
        return a, b
    x, y, at = readable_diff(a, b, context=32)
    return f"(from character {at}) {x}", f"(from character {at}) {y}"


def _row_proposal(row: Row) -> str:
    return f"#{row.proposal}" if row.proposal else ""


def render_html(report: Report) -> str:
    """The report as one self-contained HTML page (no external resource; print it to PDF from a browser)."""
    rep = report
    status = "PASS" if rep.ok else "FAIL"
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>Decision report: {_e(rep.consortium)}</title>",
        f"<style>{_CSS}</style></head><body>",
        f"<h1>Decision report: {_e(rep.consortium)}</h1>",
        "<table>",
        f"<tr><th>made</th><td>{_e(rep.generated_at)} by ccsi-dao {_e(rep.tool_version)}</td></tr>",
        f"<tr><th>chain</th><td>chain id {rep.chain_id}; governor <code>{rep.governor}</code>; membership registry "
        f"<code>{rep.membership}</code>; timelock <code>{rep.timelock}</code></td></tr>",
        f"<tr><th>data</th><td>blocks {rep.first_block}..{rep.last_block}, read from the chain; block {rep.last_block} "
        f"<code>{_e(rep.block_hash)}</code> of {_e(rep.block_time)}</td></tr>",
        f'<tr><th>verification</th><td><span class="{status.lower()}">{status}</span>: {rep.checks} checks, '
        f"{len(rep.failures)} failed. Everything below is read from the chain and re-derived; "
        f"{'every figure agrees with the contracts.' if rep.ok else 'the failing facts are marked where they appear.'}"
        "</td></tr></table>",
    ]
    if rep.failures:
        out.append("<h2>Failed checks</h2>" + _failures_html(rep.failures))
    out.append("<h2>Outcomes</h2>")
    out.append(
        "<p>"
        + "; ".join(f"{_e(k)}: {v}" for k, v in sorted(rep.outcome_counts.items()))
        + f" ({len(rep.proposals)} proposals).</p>"
    )
    out.append(
        _table(
            ("#", "proposal", "category", "outcome", "reason"),
            [(p.number, p.title, p.category, p.outcome, p.explanation) for p in rep.proposals],
        )
    )
    out.append("<h2>Proposals</h2>")
    for p in rep.proposals:
        out.append(
            f'<section class="proposal" id="p{p.number}"><h3>#{p.number} {_e(p.title)}</h3>'
            f'<p><span class="outcome">{_e(p.outcome)}</span> ({_e(p.reason)}): {_e(p.explanation)}</p>'
            f"<p>{_e(p.category)}; proposed {p.created} by {_e(p.proposer)}; snapshot {p.snapshot}; voting until "
            f"{p.deadline}. Rule at the snapshot: quorum {p.quorum} of {p.base}"
            + (f" (electorate {p.electorate} less {p.excluded} of the members it sanctions)" if p.excluded else "")
            + f" = {p.quorum_votes} votes; approval {p.approval} of for + against.</p>"
        )
        out.append("<ol>" + "".join(f"<li>{_e(a)}</li>" for a in p.actions) + "</ol>")
        out.append(_failures_html(p.failures))
        out.append(tally_chart(p))
        if p.decision:
            out.append(f'<p class="decision"><strong>{_e(p.decision)}</strong></p>')
        if p.chambers:
            out.append("<h4>Chambers</h4>" + _table(_CHAMBER_HEADERS, _chamber_cells(p)))
            if p.options:
                out.append(f"<p>{_e(_CHOICE_CHAMBERS)}</p>")
        if p.options:
            out.append("<h4>Options</h4>" + _table(_OPTION_HEADERS, _option_cells(p)))
        if p.votes:
            out.append(
                '<table class="votes"><tr><th>voter</th><th>group</th><th>vote</th><th>weight</th><th>reason</th>'
                "<th>via</th><th>when</th></tr>"
            )
            for v in p.votes:
                choice = v.choice + (f": {v.options}" if v.options else "")
                group = v.chamber_class or v.group
                out.append(
                    f"<tr><td>{_e(v.name)}<br><code>{v.voter}</code></td><td>{_e(group)}</td><td>{_e(choice)}</td>"
                    f"<td>{v.weight}</td><td>{_e(v.reason)}</td><td>{_e(v.via)}</td><td>{v.time}</td></tr>"
                )
                if v.note:
                    out.append(f'<tr class="note"><td colspan="7">{_e(v.note)}</td></tr>')
            out.append("</table>")
        else:
            out.append("<p>No votes.</p>")
        out.append("</section>")
    out.append("<h2>Agreement versions</h2>")
    out.append(
        _table(
            ("adopted", "version", "document", "by"),
            [(r.time, r.subject, r.what, _row_proposal(r)) for r in rep.agreements],
        )
    )
    out.append("<h2>Treasury</h2><h3>Balances</h3>")
    out.append(
        _table(
            ("asset", "recorded in", "recorded out", "on chain at the block", "not explained by the logs"),
            [
                (b.asset, b.amount(b.inflow), b.amount(b.outflow), b.amount(b.on_chain), b.amount(b.unexplained))
                for b in rep.balances
            ],
        )
    )
    out.append("<h3>Inflows and outflows</h3>")
    out.append(
        _table(
            ("when", "direction", "what", "decision"),
            [(r.time, r.subject, r.what, _row_proposal(r)) for r in rep.treasury_flows],
        )
    )
    out.append("<h2>Rule changes</h2>")
    out.append(
        _table(
            ("when", "rule set", "rules", "decision"),
            [(r.time, r.subject, r.what, _row_proposal(r)) for r in rep.rule_changes],
        )
    )
    out.append("<h2>Settings changes</h2>")
    out.append(
        _table(
            ("when", "setting", "change", "decision"),
            [(r.time, r.subject, r.what, _row_proposal(r)) for r in rep.settings_changes],
        )
    )
    out.append("<h2>Timelock roles</h2>")
    out.append(_table(("when", "role", "change"), [(r.time, r.subject, r.what) for r in rep.roles]))
    out.append("<h2>Proxies</h2>")
    out.append(_table(("when", "member", "change"), [(r.time, r.subject, r.what) for r in rep.proxies]))
    if rep.proxies_now:
        out.append("<p>Now: " + "; ".join(f"{_e(r.subject)} {_e(r.what)}" for r in rep.proxies_now) + ".</p>")
    out.append("<h2>Membership timeline</h2>")
    out.append(
        _table(
            ("when", "member", "change", "decision"),
            [(r.time, r.subject, r.what, _row_proposal(r)) for r in rep.membership_timeline],
        )
    )
    out.append("<h3>Members at the block</h3>")
    out.append(_table(("joined", "member", "record"), [(r.time, r.subject, r.what) for r in rep.members_now]))
    out.append("<h2>Participation per stakeholder group</h2>")
    out.append(participation_chart(rep.participation))
    out.append(
        _table(
            ("group", "could vote", "voted", "share"),
            [(g.group, g.eligible, g.voted, f"{100 * g.share:.0f}%") for g in rep.participation],
        )
    )
    out.append("<h2>Verification</h2>")
    out.append("<table><tr><th>result</th><th>check</th><th>subject</th><th>evidence</th></tr>")
    out += [
        f'<tr><td class="{"pass" if f.ok else "fail"}">{"PASS" if f.ok else "FAIL"}</td><td>{_e(f.check)}</td>'
        f"<td>{_e(f.subject)}</td><td>{_e(f.evidence)}</td></tr>"
        for f in rep.findings
    ]
    out.append("</table></body></html>")
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------------- Markdown


def _md_table(headers: tuple[str, ...], rows: list[tuple[object, ...]]) -> list[str]:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(_md(c) for c in row) + " |" for row in rows]
    return [*lines, ""]


def _failures_md(findings: tuple[Finding, ...] | list[Finding]) -> list[str]:
    if not findings:
        return []
    lines = ["**Verification FAILED for what follows; the values below disagree:**", ""]
    for f in findings:
        lines.append(f"- **{_md(f.check)}** ({_md(f.subject)}): {_md(f.evidence)}")
        for c in f.conflicts:
            lines.append(
                f"  - {_md(c.what)}: {_md(c.first[0])} `{_md(c.first[1])}`, {_md(c.second[0])} `{_md(c.second[1])}`"
            )
    return [*lines, ""]


def render_markdown(report: Report) -> str:
    """The report in Markdown (the same content as the HTML, charts as figures)."""
    rep = report
    status = "PASS" if rep.ok else "FAIL"
    lines = [
        f"# Decision report: {_md(rep.consortium)}",
        "",
        f"- made: {rep.generated_at} by ccsi-dao {rep.tool_version}",
        f"- chain id {rep.chain_id}; governor {rep.governor}; membership registry {rep.membership}; timelock {rep.timelock}",
        f"- data: blocks {rep.first_block}..{rep.last_block}, read from the chain; block {rep.last_block} {rep.block_hash} of {rep.block_time}",
        f"- verification: **{status}** ({rep.checks} checks, {len(rep.failures)} failed)",
        "",
    ]
    if rep.failures:
        lines += ["## Failed checks", "", *_failures_md(rep.failures)]
    lines += ["## Outcomes", ""]
    lines += _md_table(
        ("#", "proposal", "category", "outcome", "reason"),
        [(p.number, p.title, p.category, p.outcome, p.explanation) for p in rep.proposals],
    )
    lines += ["## Proposals", ""]
    for p in rep.proposals:
        t = p.tally
        lines += [
            f"### #{p.number} {_md(p.title)}",
            "",
            f"- **{p.outcome}** ({p.reason}): {_md(p.explanation)}",
            f"- {p.category}; proposed {p.created} by {_md(p.proposer)}; snapshot {p.snapshot}; voting until {p.deadline}",
            f"- rule at the snapshot: quorum {p.quorum} of {p.base}"
            + (f" (electorate {p.electorate} less {p.excluded} of the sanctioned)" if p.excluded else "")
            + f" = {p.quorum_votes} votes; approval {p.approval}",
            f"- tally: for {t['for']}, against {t['against']}, abstain {t['abstain']}; participation "
            f"{sum(t.values())} of {p.base} (quorum marker at {p.quorum_votes}); approval "
            + (
                f"{100 * t['for'] / (t['for'] + t['against']):.0f}% for"
                if t["for"] + t["against"]
                else "no decided votes"
            )
            + f" (approval marker at {p.approval})",
        ]
        lines += [f"- action {i}: {_md(a)}" for i, a in enumerate(p.actions, 1)]
        lines.append("")
        lines += _failures_md(p.failures)
        if p.decision:
            lines += [f"**{_md(p.decision)}**", ""]
        if p.chambers:
            lines += ["Chambers:", "", *_md_table(_CHAMBER_HEADERS, _chamber_cells(p))]
            if p.options:
                lines += [_md(_CHOICE_CHAMBERS), ""]
        if p.options:
            lines += ["Options:", "", *_md_table(_OPTION_HEADERS, _option_cells(p))]
        if p.votes:
            lines += _md_table(
                ("voter", "group", "vote", "weight", "reason", "via", "when", "note"),
                [
                    (
                        f"{v.name} {v.voter}",
                        v.chamber_class or v.group,
                        v.choice + (f": {v.options}" if v.options else ""),
                        v.weight,
                        v.reason,
                        v.via,
                        v.time,
                        v.note,
                    )
                    for v in p.votes
                ],
            )
    lines += ["## Agreement versions", ""]
    lines += _md_table(
        ("adopted", "version", "document", "by"),
        [(r.time, r.subject, r.what, _row_proposal(r)) for r in rep.agreements],
    )
    lines += ["## Treasury", "", "### Balances", ""]
    lines += _md_table(
        ("asset", "recorded in", "recorded out", "on chain at the block", "not explained by the logs"),
        [
            (b.asset, b.amount(b.inflow), b.amount(b.outflow), b.amount(b.on_chain), b.amount(b.unexplained))
            for b in rep.balances
        ],
    )
    lines += ["### Inflows and outflows", ""]
    lines += _md_table(
        ("when", "direction", "what", "decision"),
        [(r.time, r.subject, r.what, _row_proposal(r)) for r in rep.treasury_flows],
    )
    lines += ["## Rule changes", ""]
    lines += _md_table(
        ("when", "rule set", "rules", "decision"),
        [(r.time, r.subject, r.what, _row_proposal(r)) for r in rep.rule_changes],
    )
    lines += ["## Settings changes", ""]
    lines += _md_table(
        ("when", "setting", "change", "decision"),
        [(r.time, r.subject, r.what, _row_proposal(r)) for r in rep.settings_changes],
    )
    lines += ["## Timelock roles", ""]
    lines += _md_table(("when", "role", "change"), [(r.time, r.subject, r.what) for r in rep.roles])
    lines += ["## Proxies", ""]
    lines += _md_table(("when", "member", "change"), [(r.time, r.subject, r.what) for r in rep.proxies])
    lines += ["## Membership timeline", ""]
    lines += _md_table(
        ("when", "member", "change", "decision"),
        [(r.time, r.subject, r.what, _row_proposal(r)) for r in rep.membership_timeline],
    )
    lines += ["### Members at the block", ""]
    lines += _md_table(("joined", "member", "record"), [(r.time, r.subject, r.what) for r in rep.members_now])
    lines += ["## Participation per stakeholder group", ""]
    lines += _md_table(
        ("group", "could vote", "voted", "share", "chart"),
        [(g.group, g.eligible, g.voted, f"{100 * g.share:.0f}%", "#" * round(20 * g.share)) for g in rep.participation],
    )
    lines += ["## Verification", ""]
    lines += _md_table(
        ("result", "check", "subject", "evidence"),
        [("PASS" if f.ok else "FAIL", f.check, f.subject, f.evidence) for f in rep.findings],
    )
    return "\n".join(lines) + "\n"


def write_report(
    path: Path, result: Verification, *, consortium_name: str, generated_at: datetime | None = None
) -> tuple[Path, Path]:
    """Write the HTML report of ``result`` to ``path`` and the Markdown next to it (``.md``), each atomically."""
    path = Path(path)
    md_path = path.with_suffix(".md")
    report = build_report(result, consortium_name=consortium_name, generated_at=generated_at)
    html_text, md_text = render_html(report), render_markdown(report)
    write_atomic(path, html_text)
    write_atomic(md_path, md_text)
    return path, md_path


__all__ = [
    "Balance",
    "GroupParticipation",
    "ProposalView",
    "Report",
    "Row",
    "VoteRow",
    "build_report",
    "participation",
    "participation_chart",
    "render_html",
    "render_markdown",
    "tally_chart",
    "write_report",
]
