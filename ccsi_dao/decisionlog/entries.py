"""The decision log: one plain-words entry per governance event, filters, and the four output formats.

``ccsi-dao log`` is :func:`entries` over a :class:`~ccsi_dao.decisionlog.history.History`, then :func:`select`
with the user's filters, then :func:`render` in table, JSON Lines, CSV or Markdown.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from eth_utils import to_checksum_address

from ccsi_dao.decisionlog.history import Decoded, History, ProposalRecord, rule_set
from ccsi_dao.errors import UserError
from ccsi_dao.governance.describe import ActionDescriber, format_eth
from ccsi_dao.types import Category, MemberStatus, Role, StakeholderGroup, group_name, role_name

KINDS = (
    "proposal",
    "vote",
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
FORMATS = ("table", "jsonl", "csv", "markdown")
COLUMNS = ("time", "block", "log_index", "tx", "kind", "event", "proposal", "member", "member_name", "group", "summary")


@dataclass(frozen=True)
class Entry:
    """One line of the decision log."""

    time: str  # ISO 8601, UTC
    timestamp: int
    block: int
    log_index: int
    tx: str
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


@dataclass(frozen=True)
class Filters:
    proposal: int | str | None = None  # number or full id
    member: str | None = None  # address or part of a name
    group: str | None = None
    kinds: tuple[str, ...] = ()
    since: int | None = None
    until: int | None = None
    from_block: int | None = None
    to_block: int | None = None


def iso(timestamp: int) -> str:
    return datetime.fromtimestamp(timestamp, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def entries(history: History) -> list[Entry]:
    """Every governance event of ``history`` as a log entry, in chain order."""
    record = history.record
    describer = ActionDescriber(record, history.name_of)
    by_proposal = {p.id: p for p in history.proposals.values()}
    out: list[Entry] = []

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
        out.append(
            Entry(
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
        )

    votes = {id(v.decoded): (p, v) for p in history.proposals.values() for v in p.votes}
    ops = _operations(history)
    executed_in = {p.executed.log.tx_hash: p for p in history.proposals.values() if p.executed}
    for d in history.events:
        a, name = d.args, d.event
        p = by_proposal.get(int(a["proposalId"])) if "proposalId" in a else None
        if d.contract == "governor":
            if name == "ProposalCreated" and p:
                words = [describer.describe(action) for action in p.actions]
                category = p.category.name.lower() if p.category is not None else "unknown"
                add(
                    d,
                    "proposal",
                    f"#{p.number} proposed by {describer.who(p.proposer)} ({category}): {p.text.strip()}"
                    f" -- actions: " + "; ".join(f"{i}. {w}" for i, w in enumerate(words, 1)),
                    proposal=p,
                    member=p.proposer,
                    category=category,
                    actions=words,
                    description=p.text,
                    snapshot=p.snapshot,
                    deadline=p.deadline,
                )
            elif name in ("VoteCast", "VoteCastWithParams") and id(d) in votes:
                p, v = votes[id(d)]
                principals = history.principals_at(v.voter, p.snapshot)
                method = (
                    "signed ballot"
                    + (
                        f" relayed by {to_checksum_address(v.sender)}"
                        if v.sender and v.sender != v.voter.lower()
                        else ""
                    )
                    if v.signed_ballot
                    else "direct"
                )
                text = f"{describer.who(v.voter)} voted {v.support.name.lower()} on #{p.number} with weight {v.weight}, {method}"
                if principals:
                    text += ", also as proxy for " + ", ".join(describer.who(m) for m in principals)
                if v.reason:
                    text += f': "{v.reason}"'
                add(
                    d,
                    "vote",
                    text,
                    proposal=p,
                    member=v.voter,
                    choice=v.support.name.lower(),
                    weight=v.weight,
                    reason=v.reason,
                    method="signed ballot" if v.signed_ballot else "direct",
                    relayer=v.sender if v.signed_ballot else None,
                    proxy_for=principals,
                )
            elif name in ("VoteCast", "VoteCastWithParams"):
                add(d, "vote", f"vote by {a['voter']} on unknown proposal {a['proposalId']}", member=a["voter"])
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
                add(d, "cancel", f"#{p.number} canceled", proposal=p)
            elif name == "ProposalExtended" and p:
                add(
                    d,
                    "extend",
                    f"#{p.number} voting extended to {iso(int(a['extendedDeadline']))} (late quorum)",
                    proposal=p,
                    deadline=int(a["extendedDeadline"]),
                )
            elif name == "RulesUpdated":
                rules, early = rule_set(a["rules"])
                parts = [
                    f"{c.name.lower()} quorum {r[0][0]}/{r[0][1]}, approval {r[1][0]}/{r[1][1]}"
                    for c, r in zip(Category, rules, strict=True)
                ]
                add(
                    d,
                    "rules",
                    f"rules set {a['ruleSetId']} in force from {iso(int(a['effectiveFrom']))}: "
                    + "; ".join(parts)
                    + f"; early close {'on' if early else 'off'}",
                    rule_set=int(a["ruleSetId"]),
                )
            elif name in (
                "VotingDelaySet",
                "VotingPeriodSet",
                "LateQuorumVoteExtensionSet",
                "ProposalThresholdSet",
                "TimelockChange",
            ):
                add(d, "settings", f"{name}: " + ", ".join(f"{k} {v}" for k, v in a.items()))
        elif d.contract == "membership":
            account = a.get("account")
            if name == "MemberAdmitted":
                add(
                    d,
                    "membership",
                    f"admitted {account} ({a['name']}) as {role_name(Role(a['role']))}, group "
                    f"{group_name(StakeholderGroup(a['group']))}, weight {a['weight']}",
                    member=account,
                    role=role_name(Role(a["role"])),
                    weight=int(a["weight"]),
                )
            elif name == "MemberStatusChanged":
                add(
                    d,
                    "membership",
                    f"{describer.who(account)}: {MemberStatus(a['previous']).name.lower()} -> "
                    f"{MemberStatus(a['current']).name.lower()}",
                    member=account,
                    previous=MemberStatus(a["previous"]).name.lower(),
                    current=MemberStatus(a["current"]).name.lower(),
                )
            elif name == "MemberRoleChanged":
                add(
                    d,
                    "membership",
                    f"{describer.who(account)}: role {role_name(Role(a['previous']))} -> "
                    f"{role_name(Role(a['current']))}",
                    member=account,
                )
            elif name == "MemberWeightChanged":
                add(
                    d,
                    "membership",
                    f"{describer.who(account)}: weight {a['previous']} -> {a['current']}",
                    member=account,
                    previous=int(a["previous"]),
                    current=int(a["current"]),
                )
            elif name == "ProxyAppointed":
                add(
                    d,
                    "proxy",
                    f"{describer.who(a['member'])} appointed {describer.who(a['proxy'])} as proxy",
                    member=a["member"],
                    proxy=a["proxy"],
                )
            elif name == "ProxyRevoked":
                add(
                    d,
                    "proxy",
                    f"{describer.who(a['member'])} no longer represented by {describer.who(a['proxy'])}",
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
        elif d.contract == "timelock":
            proposal = ops.get(bytes(a["id"])) if "id" in a else None
            if name == "CallExecuted" and int(a["value"]) > 0:
                add(
                    d,
                    "treasury",
                    f"paid {format_eth(int(a['value']))} from the treasury to {describer.who(a['target'])}"
                    + (f" (#{proposal.number})" if proposal else ""),
                    proposal=proposal,
                    member=_member_or_none(history, a["target"]),
                    asset="ETH",
                    amount=int(a["value"]),
                    to=a["target"],
                )
            elif name in ("CallScheduled", "CallExecuted"):
                verb = "scheduled" if name == "CallScheduled" else "executed"
                add(
                    d,
                    "timelock",
                    f"timelock {verb} call {a['index']} of operation 0x{bytes(a['id']).hex()[:12]}..."
                    + (f" (#{proposal.number})" if proposal else "")
                    + f": {describer.describe(_action(a))}",
                    proposal=proposal,
                    operation="0x" + bytes(a["id"]).hex(),
                    index=int(a["index"]),
                )
            elif name == "Cancelled":
                add(d, "timelock", f"timelock operation 0x{bytes(a['id']).hex()} cancelled", proposal=proposal)
            elif name == "MinDelayChange":
                add(d, "settings", f"timelock delay {a['oldDuration']} s -> {a['newDuration']} s")
            elif name in ("RoleGranted", "RoleRevoked", "RoleAdminChanged"):
                add(d, "roles", f"timelock {name}: " + ", ".join(f"{k} {_show(v)}" for k, v in a.items()))
        elif d.contract == "token":
            incoming = to_checksum_address(a["to"]) == record.timelock
            other = a["from"] if incoming else a["to"]
            proposal = executed_in.get(d.log.tx_hash)
            add(
                d,
                "treasury",
                f"treasury {'received' if incoming else 'sent'} {a['value']} base units of token "
                f"{to_checksum_address(d.log.address)} {'from' if incoming else 'to'} {describer.who(other)}"
                + (f" (#{proposal.number})" if proposal else ""),
                proposal=proposal,
                member=_member_or_none(history, other),
                asset=to_checksum_address(d.log.address),
                amount=int(a["value"]),
                direction="in" if incoming else "out",
                counterparty=to_checksum_address(other),
            )
    return out


def _action(a: dict[str, Any]) -> Any:
    from ccsi_dao.governance.actions import Action

    return Action(to_checksum_address(a["target"]), int(a["value"]), bytes(a["data"]))


def _member_or_none(history: History, address: str) -> str | None:
    return to_checksum_address(address) if history.member_at(address) is not None else None


def _operations(history: History) -> dict[bytes, ProposalRecord]:
    """Timelock operation id -> proposal, matched by the scheduled calls (same target, value, data, in order)."""
    out: dict[bytes, ProposalRecord] = {}
    for op, calls in history.scheduled.items():
        shape = [(to_checksum_address(c.args["target"]), int(c.args["value"]), bytes(c.args["data"])) for c in calls]
        for p in history.proposals.values():
            if (
                p.queued
                and [(x.target, x.value, x.data) for x in p.actions] == shape
                and p.queued.log.tx_hash == calls[0].log.tx_hash
            ):
                out[op] = p
    return out


def _show(value: Any) -> str:
    return "0x" + value.hex() if isinstance(value, bytes) else str(value)


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
        if f.from_block is not None and e.block < f.from_block:
            continue
        if f.to_block is not None and e.block > f.to_block:
            continue
        out.append(e)
    return out


def _proposal_number(ref: int | str, history: History) -> int:
    value = int(str(ref).lstrip("#"))
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


def render(items: Sequence[Entry], fmt: str) -> str:
    """The entries as text in ``fmt`` (table, jsonl, csv, markdown)."""
    if fmt == "jsonl":
        return "".join(json.dumps(e.as_dict(), ensure_ascii=False, sort_keys=True) + "\n" for e in items)
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(COLUMNS)
        for e in items:
            writer.writerow([_cell(getattr(e, c)) for c in COLUMNS])
        return buffer.getvalue()
    if fmt == "markdown":
        lines = ["| time | block | kind | proposal | member | what |", "|---|---|---|---|---|---|"]
        for e in items:
            who = e.member_name or e.member or ""
            lines.append(
                f"| {e.time} | {e.block} | {e.kind} | {'#' + str(e.proposal) if e.proposal else ''} | "
                f"{_md(who)} | {_md(e.summary)} |"
            )
        return "\n".join(lines) + "\n"
    if fmt == "table":
        headers = ("time", "block", "kind", "prop", "what")
        rows = [(e.time, str(e.block), e.kind, f"#{e.proposal}" if e.proposal else "", e.summary) for e in items]
        widths = [max([len(headers[i])] + [len(r[i]) for r in rows]) for i in range(4)]
        lines = [
            "  ".join(h.ljust(w) for h, w in zip(headers[:4], widths, strict=True)) + "  " + headers[4],
            "  ".join("-" * w for w in widths) + "  " + "-" * 4,
        ]
        lines += ["  ".join(c.ljust(w) for c, w in zip(r[:4], widths, strict=True)) + "  " + r[4] for r in rows]
        return "\n".join(lines) + "\n"
    raise UserError(f"unknown format {fmt!r}: choose from {', '.join(FORMATS)}")


def _cell(value: Any) -> str:
    return "" if value is None else str(value)


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


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


__all__ = ["FORMATS", "KINDS", "Entry", "Filters", "entries", "iso", "parse_when", "render", "select"]
