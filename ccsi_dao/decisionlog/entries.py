"""The decision log: one plain-words entry per governance event, plus one per decided vote (its outcome), filters,
and the output formats.

``ccsi-dao log`` is :func:`entries` over a :class:`~ccsi_dao.decisionlog.history.History`, then :func:`select` with
the user's filters, then :func:`render` in table, JSON Lines, JSON, CSV or Markdown.

Every outcome is logged: the moment voting closed (at the deadline, or at the vote that closed it early) gets an
``outcome`` entry saying whether the proposal passed or was defeated and why (quorum missed, approval failed,
closed early), as :func:`ccsi_dao.decisionlog.judge.judge` recomputes it. An outcome reached at the deadline has no
log of its own: its entry carries the deadline's time and no block (block filters leave it out). ETH paid into the
treasury (``Deposited``), the timelock's roles and every setting are named in words.

Entries hold chain text (descriptions, names, reasons, URIs) as the chain has it; :func:`render` makes it safe for
each format (:mod:`ccsi_dao.safetext`; JSON escapes control and text-direction characters), and so must any other
consumer that shows it.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from eth_utils import keccak, to_checksum_address

from ccsi_dao.decisionlog.chambers import option_words, voter_class
from ccsi_dao.decisionlog.history import Decoded, History, ProposalRecord, Vote
from ccsi_dao.decisionlog.judge import Judgement, judge
from ccsi_dao.durations import format_duration
from ccsi_dao.errors import UserError
from ccsi_dao.governance.actions import Action
from ccsi_dao.governance.describe import ActionDescriber, format_eth
from ccsi_dao.safetext import for_csv, for_markdown, for_terminal
from ccsi_dao.types import Category, MemberStatus, Role, StakeholderGroup, VoteType, group_name, role_name

KINDS = (
    "proposal",
    "vote",
    "outcome",
    "queue",
    "execute",
    "cancel",
    "extend",
    "membership",
    "proxy",
    "agreement",
    "rules",
    "settings",
    "treasury",
    "timelock",
    "roles",
)
FORMATS = ("table", "jsonl", "json", "csv", "markdown")
COLUMNS = (
    "time",
    "block",
    "log_index",
    "tx",
    "kind",
    "event",
    "proposal",
    "member",
    "member_name",
    "group",
    "choice",
    "options",
    "chamber_class",
    "weight",
    "reason",
    "via",
    "winner",
    "summary",
)
"""The CSV columns; ``choice``, ``weight``, ``reason`` and ``via`` are filled for votes, ``options`` (the labels a
ballot on a choice selected, ``; ``-separated) and ``chamber_class`` (the voter's role and stakeholder group at the
snapshot) for votes on proposals judged by chambers or options; ``winner`` for the outcome of a choice (its
winning option, empty when none qualifies) and ``options`` there lists each option with its votes."""

ROLE_NAMES = {
    "0x" + "00" * 32: "administrator",
    "0x" + keccak(text="PROPOSER_ROLE").hex(): "proposer",
    "0x" + keccak(text="EXECUTOR_ROLE").hex(): "executor",
    "0x" + keccak(text="CANCELLER_ROLE").hex(): "canceller",
}
"""The timelock's roles by name."""


@dataclass(frozen=True)
class Entry:
    """One line of the decision log. ``block``, ``log_index`` and ``tx`` are None for an outcome reached at a
    deadline (no log marks it). ``details`` holds the entry's facts as data (for votes: ``choice``, ``weight``,
    ``reason``, ``via``, ``relayer``, ``proxy_for``, ``own_units``; for outcomes: ``outcome``, ``reason`` and the
    figures)."""

    time: str  # ISO 8601, UTC
    timestamp: int
    block: int | None
    log_index: int | None
    tx: str | None
    kind: str
    event: str
    summary: str
    proposal: int | None = None  # the proposal's number (1, 2, ... in creation order)
    proposal_id: str | None = None
    member: str | None = None
    member_name: str | None = None
    group: str | None = None
    details: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def choice(self) -> str | None:
        return self.details.get("choice")

    @property
    def weight(self) -> int | None:
        return self.details.get("weight")

    @property
    def reason(self) -> str | None:
        return self.details.get("reason") if self.kind == "vote" else None

    @property
    def via(self) -> str | None:
        return self.details.get("via")

    @property
    def options(self) -> list[str] | None:
        """A vote's selected options (labels); an outcome's options with their votes."""
        found = self.details.get("options")
        if found is None:
            return None
        if self.kind == "outcome":
            return [f"{o['label']}: {o['votes']}" for o in found]
        if self.kind == "proposal":
            return [o["label"] for o in found]
        return list(found)

    @property
    def chamber_class(self) -> str | None:
        return self.details.get("chamber_class")

    @property
    def winner(self) -> str | None:
        return self.details.get("winner") if self.kind == "outcome" else None


@dataclass(frozen=True)
class Filters:
    """The log's filters (all optional; an entry must pass every one given)."""

    proposal: int | str | None = None  # number or full id
    member: str | None = None  # address or part of a name
    group: str | None = None
    kinds: tuple[str, ...] = ()
    since: int | None = None
    until: int | None = None
    from_block: int | None = None
    to_block: int | None = None


def iso(timestamp: int) -> str:
    """``timestamp`` as ISO 8601 in UTC (``2026-03-01T12:00:00Z``)."""
    return datetime.fromtimestamp(timestamp, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class _Names:
    """Addresses in words: a member's name, or which contract of the suite, or the deployer."""

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
        self.describer = ActionDescriber(r, history.name_of)

    def who(self, address: str | None) -> str:
        if address is None:
            return "nobody"
        role = self.roles.get(str(address).lower())
        if role is not None:
            return role
        return self.describer.who(to_checksum_address(address))


def entries(history: History, judgements: dict[int, Judgement] | None = None) -> list[Entry]:
    """Every governance event of ``history`` as a log entry, and every decided vote's outcome, in chain order.
    ``judgements`` (by proposal number) are computed if not given."""
    record = history.record
    names = _Names(history)
    describer = names.describer
    by_proposal = {p.id: p for p in history.proposals.values()}
    judged = judgements if judgements is not None else {p.number: judge(history, p) for p in history.proposal_list()}
    keyed: list[tuple[tuple[int, float, float], Entry]] = []

    def member_fields(address: str | None) -> dict[str, Any]:
        if address is None:
            return {}
        state = history.member_at(address)
        return {
            "member": to_checksum_address(address),
            "member_name": state.name if state else None,
            "group": group_name(state.group) if state else None,
        }

    def add(
        d: Decoded,
        kind: str,
        summary: str,
        *,
        proposal: ProposalRecord | None = None,
        member: str | None = None,
        **details: Any,
    ) -> None:
        entry = Entry(
            time=iso(d.timestamp),
            timestamp=d.timestamp,
            block=d.log.block_number,
            log_index=d.log.log_index,
            tx=d.log.tx_hash,
            kind=kind,
            event=d.event,
            summary=summary,
            proposal=proposal.number if proposal else None,
            proposal_id=str(proposal.id) if proposal else None,
            **member_fields(member),
            details=_jsonable(details),
        )
        keyed.append(((d.timestamp, d.log.block_number, d.log.log_index), entry))

    votes = {id(v.decoded): (p, v) for p in history.proposals.values() for v in p.votes}
    vote_judgements = {id(vj.vote): vj for j in judged.values() for vj in j.votes}
    ops = {j.operation: j.proposal for j in judged.values() if j.operation is not None}
    executed_in = {p.executed.log.tx_hash: p for p in history.proposals.values() if p.executed}
    for d in history.events:
        a, name = d.args, d.event
        p = by_proposal.get(int(a["proposalId"])) if "proposalId" in a and d.contract == "governor" else None
        if d.contract == "governor":
            if name == "ProposalCreated" and p:
                words = [describer.describe(action) for action in p.actions]
                category = p.id_category.name.lower()
                manifest = p.manifest
                offered: dict[str, Any] = {}
                if manifest is not None:
                    listed: list[dict[str, Any]] = []
                    shown = []
                    for o, label in enumerate(manifest.labels):
                        own = [words[i] for i in manifest.actions_of(o) if i < len(words)]
                        listed.append({"option": o + 1, "label": label, "actions": own})
                        shown.append(f"{o + 1}. {label}" + (f" ({'; '.join(own)})" if own else ""))
                    most = "one option" if manifest.max_selections == 1 else f"up to {manifest.max_selections} options"
                    what = f" -- a choice ({most} a ballot): " + "; ".join(shown)
                    offered = {"options": listed, "max_selections": manifest.max_selections}
                else:
                    what = " -- actions: " + "; ".join(f"{i}. {w}" for i, w in enumerate(words, 1))
                add(
                    d,
                    "proposal",
                    f"#{p.number} proposed by {names.who(p.proposer)} ({category}): {p.text.strip()}{what}",
                    proposal=p,
                    member=p.proposer,
                    category=category,
                    actions=words,
                    description=p.text,
                    snapshot=p.snapshot,
                    deadline=p.deadline,
                    **offered,
                )
            elif name in ("VoteCast", "VoteCastWithParams") and id(d) in votes:
                p, v = votes[id(d)]
                vj = vote_judgements.get(id(v))
                principals = list(vj.principals) if vj else []
                own_units = bool(vj and vj.own_units)
                via = _via(names, v, principals, own_units, vj.proxy if vj else None)
                rules = judged[p.number].rules_judged if p.number in judged else None
                extra: dict[str, Any] = {}
                chosen = ""
                if rules is not None:
                    extra["chamber_class"] = voter_class(history, v.voter, p.snapshot)
                    if rules.is_choice:
                        extra["options"] = option_words(rules.setup.labels, v.options) if v.options else []
                        extra["option_numbers"] = [o + 1 for o in v.options or ()]
                        if extra["options"]:
                            chosen = " (" + ", ".join(extra["options"]) + ")"
                text = (
                    f"{names.who(v.voter)} voted {v.support.name.lower()}{chosen} on #{p.number} with weight "
                    f"{v.weight}, {via}"
                )
                if v.reason:
                    text += f': "{v.reason}"'
                add(
                    d,
                    "vote",
                    text,
                    proposal=p,
                    member=v.voter,
                    **extra,
                    choice=v.support.name.lower(),
                    weight=v.weight,
                    reason=v.reason,
                    via=via,
                    method="signed ballot" if v.signed_ballot else "direct",
                    relayer=v.relayer,
                    proxy_for=principals,
                    own_units=own_units,
                )
            elif name in ("VoteCast", "VoteCastWithParams"):
                add(
                    d,
                    "vote",
                    f"vote by {names.who(a['voter'])} on unknown proposal {a['proposalId']}",
                    member=a["voter"],
                )
            elif name == "ProposalQueued" and p:
                add(
                    d,
                    "queue",
                    f"#{p.number} queued in the timelock, executable from {iso(int(a['etaSeconds']))}",
                    proposal=p,
                    eta=int(a["etaSeconds"]),
                )
            elif name == "ProposalExecuted" and p:
                add(d, "execute", f"#{p.number} executed", proposal=p)
            elif name == "ProposalCanceled" and p:
                add(d, "cancel", f"#{p.number} cancelled", proposal=p)
            elif name == "ProposalExtended" and p:
                add(
                    d,
                    "extend",
                    f"#{p.number} reached its quorum late: voting extended to {iso(int(a['extendedDeadline']))}",
                    proposal=p,
                    deadline=int(a["extendedDeadline"]),
                )
            elif name in _SETTINGS:
                field_name, old_key, new_key = _SETTINGS[name]
                old, new = int(a[old_key]), int(a[new_key])
                add(
                    d,
                    "settings",
                    f"{field_name}: {format_duration(old)} -> {format_duration(new)}",
                    setting=field_name,
                    previous=old,
                    current=new,
                )
            elif name == "TimelockChange":
                add(
                    d,
                    "settings",
                    f"the governor's timelock: {names.who(a['oldTimelock'])} -> {names.who(a['newTimelock'])}",
                    setting="timelock",
                    previous=a["oldTimelock"],
                    current=a["newTimelock"],
                )
        elif d.contract == "membership":
            _membership_entry(add, names, history, d)
        elif d.contract == "timelock":
            proposal = ops.get(bytes(a["id"])) if "id" in a else None
            if name == "Deposited":
                add(
                    d,
                    "treasury",
                    f"treasury received {format_eth(int(a['amount']))} from {names.who(a['sender'])}",
                    member=_member_or_none(history, a["sender"]),
                    asset="ETH",
                    amount=int(a["amount"]),
                    direction="in",
                    counterparty=a["sender"],
                )
            elif name == "CallExecuted" and int(a["value"]) > 0:
                add(
                    d,
                    "treasury",
                    f"paid {format_eth(int(a['value']))} from the treasury to {names.who(a['target'])}"
                    + (f" (#{proposal.number})" if proposal else ""),
                    proposal=proposal,
                    member=_member_or_none(history, a["target"]),
                    asset="ETH",
                    amount=int(a["value"]),
                    direction="out",
                    counterparty=a["target"],
                )
            elif name in ("CallScheduled", "CallExecuted"):
                verb = "scheduled" if name == "CallScheduled" else "executed"
                action = Action(to_checksum_address(a["target"]), int(a["value"]), bytes(a["data"]))
                add(
                    d,
                    "timelock",
                    f"timelock {verb} call {a['index']} of operation 0x{bytes(a['id']).hex()[:12]}..."
                    + (f" (#{proposal.number})" if proposal else "")
                    + f": {describer.describe(action)}",
                    proposal=proposal,
                    operation="0x" + bytes(a["id"]).hex(),
                    index=int(a["index"]),
                )
            elif name == "Cancelled":
                add(d, "timelock", f"timelock operation 0x{bytes(a['id']).hex()} cancelled", proposal=proposal)
            elif name == "MinDelayChange":
                old, new = int(a["oldDuration"]), int(a["newDuration"])
                add(
                    d,
                    "settings",
                    f"timelock delay: {format_duration(old)} -> {format_duration(new)}",
                    setting="timelock delay",
                    previous=old,
                    current=new,
                )
            elif name in ("RoleGranted", "RoleRevoked"):
                role = _role(a["role"])
                verb = "granted" if name == "RoleGranted" else "revoked"
                add(
                    d,
                    "roles",
                    f"timelock {role} role {verb} {'to' if verb == 'granted' else 'from'} {names.who(a['account'])} "
                    f"by {names.who(a['sender'])}",
                    role=role,
                    account=a["account"],
                    sender=a["sender"],
                )
            elif name == "RoleAdminChanged":
                role = _role(a["role"])
                add(
                    d,
                    "roles",
                    f"timelock {role} role now administered by the {_role(a['newAdminRole'])} role "
                    f"(was the {_role(a['previousAdminRole'])} role)",
                    role=role,
                )
        elif d.contract == "token":
            incoming = to_checksum_address(a["to"]) == record.timelock
            other = a["from"] if incoming else a["to"]
            proposal = executed_in.get(d.log.tx_hash)
            add(
                d,
                "treasury",
                f"treasury {'received' if incoming else 'sent'} {a['value']} base units of token "
                f"{to_checksum_address(d.log.address)} {'from' if incoming else 'to'} {names.who(other)}"
                + (f" (#{proposal.number})" if proposal else ""),
                proposal=proposal,
                member=_member_or_none(history, other),
                asset=to_checksum_address(d.log.address),
                amount=int(a["value"]),
                direction="in" if incoming else "out",
                counterparty=to_checksum_address(other),
            )
    for j in judged.values():
        keyed.extend(_outcome_entries(j))
    keyed.sort(key=lambda item: item[0])
    return [e for _, e in keyed]


_SETTINGS = {
    "VotingDelaySet": ("voting delay", "oldVotingDelay", "newVotingDelay"),
    "VotingPeriodSet": ("voting period", "oldVotingPeriod", "newVotingPeriod"),
    "LateQuorumVoteExtensionSet": ("late-quorum extension", "oldVoteExtension", "newVoteExtension"),
}


def _role(value: Any) -> str:
    key = "0x" + bytes(value).hex() if isinstance(value, bytes) else str(value).lower()
    return ROLE_NAMES.get(key, f"unknown ({key[:10]}...)")


def _via(names: _Names, v: Vote, principals: list[str], own_units: bool, proxy: str | None) -> str:
    """How a vote reached the governor, in words: directly or as a relayed signed ballot, and for whom."""
    text = f"signed ballot relayed by {names.who(v.relayer)}" if v.relayer else "direct"
    if principals:
        text += ", also as proxy for " + ", ".join(names.who(m) for m in principals)
    if own_units:
        text += f", with its own units (its proxy {names.who(proxy)} lost its vote after the snapshot)"
    return text


def _membership_entry(add: Any, names: _Names, history: History, d: Decoded) -> None:
    a, name = d.args, d.event
    account = a.get("account")

    def changed(what: str, previous: Any, current: Any) -> None:
        """One of the member's fields changed: ``what`` names it (with a trailing space), or nothing for its status."""
        add(
            d,
            "membership",
            f"{names.who(account)}: {what}{previous} -> {current}",
            member=account,
            previous=previous,
            current=current,
        )

    if name == "MemberAdmitted":
        vote = "with" if a["constitutionalVote"] else "without"
        add(
            d,
            "membership",
            f"admitted {account} ({a['name']}) as {role_name(Role(a['role']))}, group "
            f"{group_name(StakeholderGroup(a['group']))}, weight {a['weight']}, {vote} a constitutional vote",
            member=account,
            role=role_name(Role(a["role"])),
            weight=int(a["weight"]),
            constitutional_vote=bool(a["constitutionalVote"]),
        )
    elif name == "MemberStatusChanged":
        changed("", MemberStatus(a["previous"]).name.lower(), MemberStatus(a["current"]).name.lower())
    elif name == "MemberRoleChanged":
        changed("role ", role_name(Role(a["previous"])), role_name(Role(a["current"])))
    elif name == "MemberGroupChanged":
        changed("group ", group_name(StakeholderGroup(a["previous"])), group_name(StakeholderGroup(a["group"])))
    elif name == "MemberWeightChanged":
        changed("weight ", int(a["previous"]), int(a["current"]))
    elif name == "MemberConstitutionalVoteChanged":
        given = bool(a["constitutionalVote"])
        add(
            d,
            "membership",
            f"{names.who(account)}: {'given' if given else 'lost'} a vote in constitutional decisions",
            member=account,
            constitutional_vote=given,
        )
    elif name == "InitialMembersSealed":
        add(d, "membership", f"initial membership sealed with {a['memberCount']} partners", count=int(a["memberCount"]))
    elif name == "ProxyAppointed":
        add(
            d,
            "proxy",
            f"{names.who(a['member'])} appointed {names.who(a['proxy'])} as proxy",
            member=a["member"],
            proxy=a["proxy"],
        )
    elif name == "ProxyRevoked":
        add(
            d,
            "proxy",
            f"{names.who(a['member'])} no longer represented by {names.who(a['proxy'])}",
            member=a["member"],
            proxy=a["proxy"],
        )
    elif name == "AgreementAmended":
        add(
            d,
            "agreement",
            f"agreement version {a['version']}: sha256 0x{bytes(a['contentHash']).hex()} at {a['uri']}",
            version=int(a["version"]),
            hash="0x" + bytes(a["contentHash"]).hex(),
            uri=a["uri"],
        )
    elif name == "RulesUpdated":
        from ccsi_dao.decisionlog.history import rule_set

        rules, early = rule_set(a["rules"])
        parts = [
            f"{c.name.lower()} quorum {r[0][0]}/{r[0][1]}, approval {r[1][0]}/{r[1][1]}"
            for c, r in zip(Category, rules, strict=True)
        ]
        add(
            d,
            "rules",
            f"rule set {a['ruleSetId']}, for proposals with a snapshot from {iso(int(a['effectiveFrom']))}: "
            + "; ".join(parts)
            + f"; early close {'on' if early else 'off'}",
            rule_set=int(a["ruleSetId"]),
            effective_from=int(a["effectiveFrom"]),
            rules={
                c.name.lower(): {"quorum": list(r[0]), "approval": list(r[1])}
                for c, r in zip(Category, rules, strict=True)
            },
            early_close=early,
        )
    # Transfer, DelegateChanged, DelegateVotesChanged: the same facts again, for token indexers; not logged twice


def _outcome_entries(j: Judgement) -> list[tuple[tuple[int, float, float], Entry]]:
    """The entry of the moment voting on ``j``'s proposal closed, if it has."""
    p = j.proposal
    if j.outcome in ("pending", "active") or (j.outcome == "cancelled" and p.canceled is not None):
        return []
    closing = j.closed_by if j.closed_early is not None else None
    summary = f"voting on #{p.number} closed: {j.verdict}"
    details = _jsonable(
        {
            "outcome": j.outcome,
            "reason": j.reason,
            "explanation": j.explanation,
            "verdict": j.verdict,
            "category": p.id_category.name.lower(),
            "quorum": str(j.quorum),
            "approval": str(j.approval),
            "electorate": j.electorate,
            "quorum_base": j.base,
            "quorum_votes": j.quorum_votes,
            "for": j.tally[VoteType.FOR],
            "against": j.tally[VoteType.AGAINST],
            "abstain": j.tally[VoteType.ABSTAIN],
            "closed_early": j.closed_early is not None,
            "deadline": j.deadline,
            **_rules_details(j),
        }
    )
    if closing is not None:
        d = closing.decoded
        key: tuple[int, float, float] = (d.timestamp, d.log.block_number, d.log.log_index + 0.5)
        where: dict[str, Any] = {"block": d.log.block_number, "log_index": d.log.log_index, "tx": d.log.tx_hash}
        t = d.timestamp
    else:
        t = j.deadline
        key = (t, float("inf"), 0.0)
        where = {"block": None, "log_index": None, "tx": None}
    return [
        (
            key,
            Entry(
                time=iso(t),
                timestamp=t,
                kind="outcome",
                event="VotingClosed",
                summary=summary,
                proposal=p.number,
                proposal_id=str(p.id),
                details=details,
                **where,
            ),
        )
    ]


def _rules_details(j: Judgement) -> dict[str, Any]:
    """An outcome's chambers and options: each chamber's votes and result, each option's votes, whether it
    qualifies and why not, and the winner (None: no option qualifies, or a tie)."""
    r = j.rules_judged
    if r is None:
        return {}
    chambers = [
        {
            "chamber": c.chamber.chamber.name,
            "condition": c.chamber.chamber.condition.describe(),
            "power": c.chamber.base,
            "for": c.chamber.votes.for_,
            "against": c.chamber.votes.against,
            "abstain": c.chamber.votes.abstain,
            "met": c.met,
            "measures": [{"text": text, "met": met} for text, met in c.lines],
        }
        for c in r.words.chambers
    ]
    out: dict[str, Any] = {"chambers": chambers}
    if r.is_choice:
        out["options"] = [
            {"option": o.option + 1, "label": o.label, "votes": o.votes, "qualifies": o.qualifies,
             "reasons": list(o.reasons)}
            for o in r.words.options
        ]  # fmt: skip
        out["winner"] = j.winner_label
        if j.winner_label is None:
            out["no_winner"] = r.no_winner_reason()
    else:
        blocked = [c.chamber.chamber.name for c in r.words.chambers if not c.met]
        if blocked:
            out["blocked_by"] = blocked
    return out


def _member_or_none(history: History, address: str) -> str | None:
    return to_checksum_address(address) if history.member_at(address) is not None else None


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, bytes):
        return "0x" + value.hex()
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > 2**53:
        return str(value)
    return value


# ---------------------------------------------------------------------- filters


def check_filters(filters: Filters) -> None:
    """Reject filters that are wrong whatever the history holds (run before any index is opened)."""
    unknown = set(filters.kinds) - set(KINDS)
    if unknown:
        raise UserError(f"unknown event kind {', '.join(sorted(unknown))}: choose from {', '.join(KINDS)}")
    if filters.group:
        _group(filters.group)


def select(items: Iterable[Entry], filters: Filters, history: History) -> list[Entry]:
    """The entries that pass every given filter."""
    f = filters
    check_filters(f)
    kinds = set(f.kinds)
    proposal_number = _proposal_number(f.proposal, history) if f.proposal is not None else None
    member = _member_address(f.member, history) if f.member else None
    group = _group(f.group) if f.group else None
    out = []
    for e in items:
        if kinds and e.kind not in kinds:
            continue
        if proposal_number is not None and e.proposal != proposal_number:
            continue
        if (
            member is not None
            and e.member != member
            and member not in (e.details.get("proxy_for") or [])
            and e.details.get("proxy") != member
        ):
            continue
        if group is not None and e.group != group:
            continue
        if f.since is not None and e.timestamp < f.since:
            continue
        if f.until is not None and e.timestamp > f.until:
            continue
        if f.from_block is not None and (e.block is None or e.block < f.from_block):
            continue
        if f.to_block is not None and (e.block is None or e.block > f.to_block):
            continue
        out.append(e)
    return out


def _proposal_number(ref: int | str, history: History) -> int:
    try:
        value = int(str(ref).strip().lstrip("#"))
    except ValueError:
        raise UserError(f"{str(ref)!r} is not a proposal: give its number (3, #3) or its full id") from None
    if value in history.proposals:
        return history.proposals[value].number
    if 1 <= value <= len(history.proposals):
        return value
    raise UserError(f"there is no proposal {ref} in the log (it has {len(history.proposals)})")


def _member_address(ref: str, history: History) -> str:
    if ref.startswith("0x") and len(ref) == 42:
        try:
            return to_checksum_address(ref)
        except ValueError:
            raise UserError(f"{ref} is not an address") from None
    matches = [a for a, changes in history.member_changes.items() if ref.lower() in changes[-1][1].name.lower()]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise UserError(f"no member's name contains {ref!r}; give an address or part of a member's name")
    raise UserError(f"{ref!r} matches {len(matches)} members; give more of the name or the address")


def _group(ref: str) -> str:
    names = [group_name(g) for g in StakeholderGroup]
    text = ref.strip().lower().replace("_", "-").replace(" ", "-")
    if text not in names:
        raise UserError(f"unknown stakeholder group {ref!r}: choose from {', '.join(names)}")
    return text


# ---------------------------------------------------------------------- formats

_JSON_UNSAFE = re.compile("[\u007f-\u009f\u00ad\u061c\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]")


def json_safe(text: str) -> str:
    """JSON text (from ``json.dumps``, which already escapes C0 controls in strings) with every other control,
    format and text-direction character written as a ``\\uXXXX`` escape: it decodes to exactly the same data, and
    a terminal showing it acts on none of them."""
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def render(items: Sequence[Entry], fmt: str) -> str:
    """The entries as text in ``fmt`` (table, jsonl, json, csv, markdown), chain text made safe for each."""
    if fmt == "jsonl":
        return "".join(json_safe(json.dumps(e.as_dict(), ensure_ascii=False, sort_keys=True)) + "\n" for e in items)
    if fmt == "json":
        return json_safe(json.dumps([e.as_dict() for e in items], ensure_ascii=False, sort_keys=True, indent=2)) + "\n"
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(COLUMNS)
        for e in items:
            writer.writerow([for_csv(_cell(_column(e, c))) for c in COLUMNS])
        return buffer.getvalue()
    if fmt == "markdown":
        lines = ["| time | block | kind | proposal | member | what |", "|---|---|---|---|---|---|"]
        for e in items:
            who = e.member_name or e.member or ""
            lines.append(
                f"| {e.time} | {_cell(e.block)} | {e.kind} | {'#' + str(e.proposal) if e.proposal else ''} | "
                f"{for_markdown(who)} | {for_markdown(e.summary)} |"
            )
        return "\n".join(lines) + "\n"
    if fmt == "table":
        headers = ("time", "block", "kind", "prop", "what")
        rows = [
            (
                e.time,
                _cell(e.block),
                e.kind,
                f"#{e.proposal}" if e.proposal else "",
                for_terminal(e.summary, single_line=True),
            )
            for e in items
        ]
        widths = [max([len(headers[i])] + [len(r[i]) for r in rows]) for i in range(4)]
        lines = [
            "  ".join(h.ljust(w) for h, w in zip(headers[:4], widths, strict=True)) + "  " + headers[4],
            "  ".join("-" * w for w in widths) + "  " + "-" * 4,
        ]
        lines += ["  ".join(c.ljust(w) for c, w in zip(r[:4], widths, strict=True)) + "  " + r[4] for r in rows]
        return "\n".join(lines) + "\n"
    raise UserError(f"unknown format {fmt!r}: choose from {', '.join(FORMATS)}")


def _column(e: Entry, column: str) -> Any:
    if column in ("choice", "weight", "reason", "via", "chamber_class"):
        return getattr(e, column) if e.kind == "vote" else None
    if column == "options":
        found = e.options
        return "; ".join(found) if found is not None else None
    return getattr(e, column)


def _cell(value: Any) -> str:
    return "" if value is None else str(value)


def parse_when(text: str) -> int:
    """``2026-03-01``, ``2026-03-01T12:00:00Z`` or a unix timestamp -> unix timestamp (UTC)."""
    t = text.strip()
    if t.isdigit():
        return int(t)
    try:
        value = datetime.fromisoformat(t.replace("Z", "+00:00"))
    except ValueError:
        raise UserError(f"{text!r} is not a time: write 2026-03-01, 2026-03-01T12:00:00Z or a unix timestamp") from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return int(value.timestamp())


__all__ = [
    "COLUMNS",
    "FORMATS",
    "KINDS",
    "ROLE_NAMES",
    "Entry",
    "Filters",
    "check_filters",
    "entries",
    "iso",
    "json_safe",
    "parse_when",
    "render",
    "select",
]
