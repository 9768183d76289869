"""What is worth telling, judged at one block: a pure function of the chain's view, the proposals' live state and
the watch's policy. It returns every notice due at that block, including those already raised at earlier blocks
(the outbox recognises them by key); time-based ones (voting opened, time left, quorum at risk, the outcome) are
judged by the head block's timestamp, the chain's own clock.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from difflib import SequenceMatcher
from functools import lru_cache
from typing import Any

from eth_utils import function_signature_to_4byte_selector, to_checksum_address

from ccsi_dao.abi.artifacts import abi_type, load_artifact
from ccsi_dao.chain.codec import decode as abi_decode
from ccsi_dao.decisionlog.chambers import describe_actions, offers_options
from ccsi_dao.governance.actions import Action
from ccsi_dao.governance.categories import MEMBERSHIP_SELECTORS
from ccsi_dao.governance.describe import format_eth
from ccsi_dao.safetext import for_terminal
from ccsi_dao.types import (
    Category,
    MemberStatus,
    ProposalState,
    Role,
    StakeholderGroup,
    VoteType,
    group_name,
    role_name,
)
from ccsi_dao.watch.notices import CalendarEntry, Kind, Notice, ProposalRef, Text, chain
from ccsi_dao.watch.source import ChainEvent, ChainView, DecisionWords, Live, ProposalInfo

QUORUM_RISK_SHARE = 4
"""Quorum at risk: participation below the quorum with a quarter (1/4) of the voting period left."""


@dataclass(frozen=True)
class Policy:
    reminder_before: int = 86_400
    treasury_threshold: int = 10**18  # wei
    token_thresholds: Mapping[str, int] | None = None  # token address -> base units
    similar_within: int = 30 * 86_400
    similarity: float = 0.85
    usual_voting_period: int | None = None


@dataclass(frozen=True)
class Suite:
    name: str
    governor: str
    membership: str
    timelock: str


def _selector(signature: str) -> bytes:
    return function_signature_to_4byte_selector(signature)


RULE_FUNCTIONS = {
    "membership": ("ConsortiumMembership", {"updateRules", "amendAgreement"}),
    "governor": ("ConsortiumGovernor", {"setVotingDelay", "setVotingPeriod", "setLateQuorumVoteExtension"}),
    "timelock": ("ConsortiumTimelock", {"updateDelay"}),
}
"""The calls that change a decision rule, a setting of the governor or the timelock delay, by contract."""


@lru_cache(maxsize=1)
def _rule_selectors() -> dict[str, frozenset[bytes]]:
    out = {}
    for which, (artifact, names) in RULE_FUNCTIONS.items():
        out[which] = frozenset(
            _selector(f"{item['name']}({','.join(abi_type(i) for i in item['inputs'])})")
            for item in load_artifact(artifact).abi
            if item.get("type") == "function" and item["name"] in names
        )
    return out


_TRANSFER = _selector("transfer(address,uint256)")
_APPROVE = _selector("approve(address,uint256)")
_TRANSFER_FROM = _selector("transferFrom(address,address,uint256)")
DECIDED = {ProposalState.DEFEATED, ProposalState.SUCCEEDED, ProposalState.QUEUED, ProposalState.EXECUTED}


def detect(
    view: ChainView,
    live: Mapping[int, Live],
    unvoted: Mapping[int, Mapping[str, int]],
    policy: Policy,
    suite: Suite,
    describe: Callable[[Action], str],
) -> list[Notice]:
    """Every notice due at ``view.head``. ``live`` holds the proposals still to judge (others are final and only
    their logged acts are reported); ``unvoted`` the members watched who may vote on an open proposal and have
    not (proposal id -> member -> votes)."""
    now = view.head.timestamp
    out: list[Notice] = []
    usual = policy.usual_voting_period or view.first_voting_period
    for p in view.proposals:
        state = live.get(p.id, None)
        current = state is not None and state.state in (ProposalState.PENDING, ProposalState.ACTIVE)
        ref = _ref(p, state)
        name = view.names.get(p.proposer)
        out.append(_created(p, ref, name, describe, current, suite))
        out += _watchdog(view, p, ref, policy, suite, describe, usual, current)
        if p.canceled_at is not None:
            out.append(_cancelled(p, ref))
            continue
        if state is None:
            out += _acts(p, ref)
            continue
        if state.state == ProposalState.ACTIVE:
            out.append(_opened(p, ref, state, now))
            left = state.deadline - now
            if left <= policy.reminder_before:
                for member, votes in sorted(unvoted.get(p.id, {}).items()):
                    if member not in p.voters:
                        out.append(_reminder(p, ref, state, member, view.names.get(member), votes, now))
            period = max(state.deadline - p.snapshot, 1)
            if state.quorum is not None and left * QUORUM_RISK_SHARE <= period and state.participation < state.quorum:
                out.append(_quorum_risk(p, ref, state, now))
        elif state.state in DECIDED:
            out.append(_outcome(p, ref, state, now))
            out += _acts(p, ref)
    out += _events(view, suite)
    return out


# ---------------------------------------------------------------------------------------------- proposals


def _ref(p: ProposalInfo, state: Live | None) -> ProposalRef:
    deadline = state.deadline if state is not None else p.deadline
    return ProposalRef(p.number, p.id, p.text, p.category.name.lower(), p.snapshot, deadline)


def _title(p: ProposalInfo) -> str:
    return chain(_first_line(p.text))


def _first_line(text: str) -> str:
    line = text.strip().splitlines()[0] if text.strip() else "(no description)"
    return line[:200]


def when(ts: int) -> str:
    """A chain time as people read it (UTC)."""
    return datetime.fromtimestamp(ts, UTC).strftime("%a %d %b %Y %H:%M UTC")


def span(seconds: int) -> str:
    """``90061`` -> ``1 day 1 hour``: the two largest units."""
    seconds = max(int(seconds), 0)
    parts = []
    for unit, size in (("day", 86_400), ("hour", 3_600), ("minute", 60), ("second", 1)):
        count, seconds = divmod(seconds, size)
        if count:
            parts.append(f"{count} {unit}{'s' if count != 1 else ''}")
    return " ".join(parts[:2]) or "0 seconds"


def _voting_window(p: ProposalInfo, ref: ProposalRef) -> CalendarEntry:
    return CalendarEntry(
        uid=f"voting-{p.id:x}",
        start=p.snapshot,
        end=ref.deadline,
        summary=Text.of(f"Vote on #{p.number}: ", _title(p)),
        description=(Text.of(f"Category: {ref.category}"), Text.of(f"Voting closes {when(ref.deadline)}")),
        alarm_before_end=86_400,
    )


def _created(
    p: ProposalInfo,
    ref: ProposalRef,
    name: str | None,
    describe: Callable[[Action], str],
    current: bool,
    suite: Suite,
) -> Notice:
    who = Text.of("Proposed by ", chain(name), f" ({p.proposer})") if name else Text.of(f"Proposed by {p.proposer}")
    described = describe_actions(suite.governor, p.actions, describe)
    lines = [
        Text.of(f"Category: {ref.category}"),
        who,
        Text.of(f"Voting: {when(p.snapshot)} to {when(p.deadline)} ({span(p.deadline - p.snapshot)})"),
        Text.of(f"Actions ({len(p.actions)}):"),
        *(Text.of(f"  {i}. ", chain(words)) for i, words in enumerate(described, start=1)),
    ]
    if "\n" in p.text.strip():
        lines.append(Text.of("Description: ", chain(p.text.strip())))
    return Notice(
        key=f"proposal-created:{p.id:x}",
        kind=Kind.PROPOSAL_CREATED,
        at=p.created_at,
        headline=Text.of(f"New proposal #{p.number}: ", _title(p)),
        lines=tuple(lines),
        proposal=ref,
        details={
            "proposer": p.proposer,
            "proposer_name": _data(name or ""),
            "voting_starts": p.snapshot,
            "voting_ends": p.deadline,
            "actions": [_data(words) for words in described],
        },
        calendar=(_voting_window(p, ref),),
        current=current,
    )


def _opened(p: ProposalInfo, ref: ProposalRef, state: Live, now: int) -> Notice:
    return Notice(
        key=f"voting-opened:{p.id:x}",
        kind=Kind.VOTING_OPENED,
        at=p.snapshot,
        headline=Text.of(f"Voting is open on #{p.number}: ", _title(p)),
        lines=(Text.of(f"Voting closes {when(state.deadline)} (in {span(state.deadline - now)})"),),
        proposal=ref,
        details={"voting_ends": state.deadline},
        calendar=(_voting_window(p, ref),),
        current=True,
    )


def _reminder(
    p: ProposalInfo, ref: ProposalRef, state: Live, member: str, name: str | None, votes: int, now: int
) -> Notice:
    who = Text.of("You (", chain(name), f", {member})") if name else Text.of(f"You ({member})")
    return Notice(
        key=f"reminder:{p.id:x}:{member.lower()}",
        kind=Kind.REMINDER,
        at=now,
        headline=Text.of(f"{span(state.deadline - now)} left to vote on #{p.number}: ", _title(p)),
        lines=(
            Text((*who.parts, (False, f" have not voted yet ({votes} vote{'s' if votes != 1 else ''})."))),
            Text.of(f"Voting closes {when(state.deadline)}."),
            Text.of(f"Vote with: ccsi-dao vote {p.number} for|against|abstain --from YOUR-KEY"),
        ),
        proposal=ref,
        member=member,
        details={"member": member, "member_name": _data(name or ""), "votes": votes, "voting_ends": state.deadline},
        current=True,
    )


def _quorum_risk(p: ProposalInfo, ref: ProposalRef, state: Live, now: int) -> Notice:
    assert state.quorum is not None
    rule = f" ({state.rule[0]} of {state.electorate})" if state.rule is not None else ""
    return Notice(
        key=f"quorum-at-risk:{p.id:x}",
        kind=Kind.QUORUM_AT_RISK,
        at=now,
        headline=Text.of(f"Quorum at risk on #{p.number}: ", _title(p)),
        lines=(
            Text.of(f"{state.participation} votes cast; the quorum needs {state.quorum}{rule}."),
            Text.of(f"Voting closes {when(state.deadline)} (in {span(state.deadline - now)})."),
        ),
        proposal=ref,
        warning=True,
        details={"votes_cast": state.participation, "quorum": state.quorum, "voting_ends": state.deadline},
        current=True,
    )


def _outcome(p: ProposalInfo, ref: ProposalRef, state: Live, now: int) -> Notice:
    """The outcome the contracts reached, with the reason the decision log's judgement gives (``p.verdict``)."""
    v = state.votes
    tally = f"For {v[VoteType.FOR]}, against {v[VoteType.AGAINST]}, abstain {v[VoteType.ABSTAIN]}"
    quorum = state.quorum or 0
    verdict = p.verdict
    early = verdict.closed_early
    details: dict[str, Any] = {
        "for": v[VoteType.FOR],
        "against": v[VoteType.AGAINST],
        "abstain": v[VoteType.ABSTAIN],
        "quorum": quorum,
        "closed_early": early,
    }
    closed = " (voting closed early: the remaining votes could not change the outcome)" if early else ""
    d = p.decision
    if d is not None:
        return _decision_outcome(p, ref, state, now, d, tally, details, closed)
    if state.state == ProposalState.DEFEATED:
        if verdict.reason == "quorum missed":
            why = f"the quorum was missed: {state.participation} votes cast, {quorum} needed"
            details["reason"] = "quorum"
        elif verdict.reason == "approval failed":
            why = (
                f"approval failed: {v[VoteType.FOR]} for, {v[VoteType.AGAINST]} against (more than "
                f"{verdict.approval} of for and against needed)"
            )
            details["reason"] = "approval"
        else:  # closed early: the judgement's sentence says which could no longer be met; or a disagreement
            why = verdict.explanation.removeprefix("defeated: ")
            details["reason"] = verdict.reason.replace(" ", "-")
            closed = ""
        headline = Text.of(f"#{p.number} was defeated: ", _title(p))
        lines: tuple[Text, ...] = (Text.of(f"Why: {why}.{closed}"), Text.of(f"{tally}."))
        kind = Kind.DEFEATED
    else:
        headline = Text.of(f"#{p.number} passed: ", _title(p))
        lines = (Text.of(f"{tally}; quorum {quorum} reached.{closed}"),)
        kind = Kind.PASSED
    return _outcome_notice(p, ref, state, now, kind, headline, lines, details)


def _outcome_notice(
    p: ProposalInfo,
    ref: ProposalRef,
    state: Live,
    now: int,
    kind: Kind,
    headline: Text,
    lines: tuple[Text, ...],
    details: dict[str, Any],
) -> Notice:
    """A proposal's outcome notice (one per proposal: keyed by its id), dated at its deadline or now if sooner."""
    return Notice(
        key=f"outcome:{p.id:x}",
        kind=kind,
        at=min(now, state.deadline),
        headline=headline,
        lines=lines,
        proposal=ref,
        details=details,
    )


def _decision_outcome(
    p: ProposalInfo,
    ref: ProposalRef,
    state: Live,
    now: int,
    d: DecisionWords,
    tally: str,
    details: dict[str, Any],
    closed: str,
) -> Notice:
    """The outcome of a choice, or of a proposal with chamber conditions: the winner, or what blocked it."""
    if d.options:
        details["options"] = [{"label": _data(label), "votes": votes} for label, votes in d.options]
    options = [part for label, votes in d.options for part in (chain(label), f" {votes}, ")]
    if options:
        options[-1] = options[-1].removesuffix(", ")
    if state.state != ProposalState.DEFEATED:
        headline = Text.of(f"#{p.number} passed: ", _title(p))
        if d.is_choice and d.winner is not None:
            details["winner"] = _data(d.winner)
            lines: tuple[Text, ...] = (
                Text.of("Winner: ", chain(d.winner), f".{closed}"),
                Text.of("Votes per option: ", *options, "."),
            )
        else:
            lines = (Text.of(f"{tally}; every chamber condition met.{closed}"),)
        kind = Kind.PASSED
    else:
        headline = Text.of(f"#{p.number} was defeated: ", _title(p))
        if d.is_choice:
            details["reason"] = "tie" if d.tie else "no option qualifies"
            lines = (
                Text.of("No winner: " if d.tie else "No option qualifies: ", chain(d.why), f".{closed}"),
                Text.of("Votes per option: ", *options, "."),
            )
        elif d.blocked_by:
            details["reason"] = "chamber"
            details["blocked_by"] = list(d.blocked_by)
            lines = (
                Text.of(f"Blocked by the {' and the '.join(d.blocked_by)}: ", chain(d.why), f".{closed}"),
                Text.of(f"{tally}."),
            )
        else:
            details["reason"] = "rules"
            lines = (Text.of("Why: ", chain(d.why), f".{closed}"), Text.of(f"{tally}."))
        kind = Kind.DEFEATED
    return _outcome_notice(p, ref, state, now, kind, headline, lines, details)


def _acts(p: ProposalInfo, ref: ProposalRef) -> list[Notice]:
    """Queued and executed, as logged."""
    out = []
    if p.queued_at is not None and p.eta is not None:
        out.append(
            Notice(
                key=f"queued:{p.id:x}",
                kind=Kind.QUEUED,
                at=p.queued_at,
                headline=Text.of(f"#{p.number} is queued: ", _title(p)),
                lines=(Text.of(f"Executable from {when(p.eta)}."),),
                proposal=ref,
                details={"executable_from": p.eta},
                calendar=(
                    CalendarEntry(
                        uid=f"executable-{p.id:x}",
                        start=p.eta,
                        end=p.eta + 3_600,
                        summary=Text.of(f"Executable: #{p.number} ", _title(p)),
                        description=(Text.of(f"#{p.number} can be executed from {when(p.eta)}"),),
                    ),
                ),
            )
        )
    if p.executed_at is not None:
        out.append(
            Notice(
                key=f"executed:{p.id:x}",
                kind=Kind.EXECUTED,
                at=p.executed_at,
                headline=Text.of(f"#{p.number} was executed: ", _title(p)),
                proposal=ref,
            )
        )
    return out


def _cancelled(p: ProposalInfo, ref: ProposalRef) -> Notice:
    assert p.canceled_at is not None
    window = _voting_window(p, ref)
    return Notice(
        key=f"cancelled:{p.id:x}",
        kind=Kind.CANCELLED,
        at=p.canceled_at,
        headline=Text.of(f"#{p.number} was cancelled: ", _title(p)),
        proposal=ref,
        calendar=(CalendarEntry(**{**window.__dict__, "cancelled": True}),),
    )


# ---------------------------------------------------------------------------------------------- watchdog


def _watchdog(
    view: ChainView,
    p: ProposalInfo,
    ref: ProposalRef,
    policy: Policy,
    suite: Suite,
    describe: Callable[[Action], str],
    usual: int | None,
    current: bool,
) -> list[Notice]:
    out = []

    def flag(kind: Kind, headline: str, lines: list[Text], details: dict[str, Any]) -> None:
        out.append(
            Notice(
                key=f"{kind.value}:{p.id:x}",
                kind=kind,
                at=p.created_at,
                headline=Text.of(f"Watchdog: #{p.number} {headline}: ", _title(p)),
                lines=tuple(lines),
                proposal=ref,
                warning=True,
                details=details,
                current=current,
            )
        )

    own = {suite.governor: "governor", suite.timelock: "timelock", suite.membership: "membership"}
    manifest = 1 if offers_options(suite.governor, p.actions) else 0  # a choice's options: never executed
    touched = [
        (i, a) for i, a in enumerate(p.actions, 1) if i > manifest and a.target in (suite.governor, suite.timelock)
    ]
    if touched:
        which = sorted({own[a.target] for _, a in touched})
        flag(
            Kind.TOUCHES_GOVERNANCE,
            f"calls the {' and the '.join(which)}",
            [Text.of(f"  {i}. ", chain(describe(a))) for i, a in touched],
            {"contracts": which},
        )
    eth, tokens = _outflow(p.actions, suite)
    thresholds: dict[str, int] = {to_checksum_address(k): v for k, v in (policy.token_thresholds or {}).items()}
    over = [(t, amount) for t, amount in tokens.items() if t in thresholds and amount > thresholds[t]]
    if eth > policy.treasury_threshold or over:
        parts = []
        if eth > policy.treasury_threshold:
            parts.append(f"{format_eth(eth)} (threshold {format_eth(policy.treasury_threshold)})")
        parts += [f"{amount} base units of token {t} (threshold {thresholds[t]})" for t, amount in over]
        flag(
            Kind.TREASURY_OUTFLOW,
            "would pay out from the treasury",
            [Text.of(f"  {part}") for part in parts],
            {"wei": str(eth), "tokens": {t: str(a) for t, a in over}},
        )
    power = [
        (i, a)
        for i, a in enumerate(p.actions, 1)
        if a.target == suite.membership and a.data[:4] in MEMBERSHIP_SELECTORS
    ]
    if power:
        flag(
            Kind.POWER_CHANGE,
            "would change voting power",
            [Text.of(f"  {i}. ", chain(describe(a))) for i, a in power],
            {},
        )
    rules = [
        (i, a) for i, a in enumerate(p.actions, 1) if a.target in own and a.data[:4] in _rule_selectors()[own[a.target]]
    ]
    if rules:
        flag(
            Kind.RULE_CHANGE,
            "would change the rules",
            [Text.of(f"  {i}. ", chain(describe(a))) for i, a in rules],
            {},
        )
    twin = _lookalike(view, p, policy)
    if twin is not None:
        q, how = twin
        flag(
            Kind.LOOKALIKE,
            f"closely resembles #{q.number}",
            [
                Text.of(f"#{q.number}: ", _title(q)),
                Text.of(f"{how}; #{q.number} was proposed {span(p.created_at - q.created_at)} earlier."),
            ],
            {"resembles": q.number, "resembles_id": str(q.id)},
        )
    window = p.deadline - p.snapshot
    if usual is not None and window < usual:
        flag(
            Kind.SHORT_WINDOW,
            f"has a voting window of {span(window)}, shorter than the usual {span(usual)}",
            [Text.of(f"Voting: {when(p.snapshot)} to {when(p.deadline)}.")],
            {"window": window, "usual": usual},
        )
    return out


def _outflow(actions: tuple[Action, ...], suite: Suite) -> tuple[int, dict[str, int]]:
    """ETH sent and ERC-20 amounts moved or approved by the actions (the timelock, holding the treasury, calls)."""
    eth = sum(a.value for a in actions)
    tokens: dict[str, int] = {}
    for a in actions:
        if a.target in (suite.governor, suite.timelock, suite.membership):
            continue
        try:
            if a.data[:4] in (_TRANSFER, _APPROVE) and len(a.data) == 68:
                _to, amount = abi_decode(["address", "uint256"], a.data[4:])
            elif a.data[:4] == _TRANSFER_FROM and len(a.data) == 100:
                source, _to, amount = abi_decode(["address", "address", "uint256"], a.data[4:])
                if to_checksum_address(source) != suite.timelock:
                    continue
            else:
                continue
        except Exception:  # noqa: BLE001 - not an ERC-20 call after all
            continue
        tokens[a.target] = tokens.get(a.target, 0) + int(amount)
    return eth, tokens


def _norm(text: str) -> str:
    return " ".join(_first_line(text).casefold().split())


def _lookalike(view: ChainView, p: ProposalInfo, policy: Policy) -> tuple[ProposalInfo, str] | None:
    best: tuple[float, ProposalInfo, str] | None = None
    signal_only = all(int(a.target, 16) == 0 and not a.data and not a.value for a in p.actions)
    for q in view.proposals:
        if q.number >= p.number or p.created_at - q.created_at > policy.similar_within:
            continue
        ratio = SequenceMatcher(None, _norm(p.text), _norm(q.text)).ratio()
        if not signal_only and q.actions == p.actions:
            score, how = 2.0, "the same actions"
            if ratio >= policy.similarity:
                how += f" and a title {ratio:.0%} alike"
        elif ratio >= policy.similarity:
            score, how = ratio, f"a title {ratio:.0%} alike"
        else:
            continue
        if best is None or score > best[0]:
            best = (score, q, how)
    return None if best is None else (best[1], best[2])


# ---------------------------------------------------------------------------------------------- events


def _events(view: ChainView, suite: Suite) -> list[Notice]:
    """Changes of voting power and of the rules, as they happened (keyed by their content and how often the same
    content occurred before, so a reorganisation that re-includes them changes no key)."""
    seen: dict[str, int] = {}
    out = []
    for e in view.events:
        fingerprint = hashlib.sha256(json.dumps([e.contract, e.event, _plain(e.args)], sort_keys=True).encode())
        base = fingerprint.hexdigest()[:20]
        seen[base] = seen.get(base, 0) + 1
        described = _event_text(e, view.names)
        if described is None:
            continue
        kind, text = described
        out.append(
            Notice(
                key=f"{kind.value}:{e.event}:{base}:{seen[base]}",
                kind=kind,
                at=e.timestamp,
                headline=Text.of("Voting power changed: " if kind == Kind.POWER_CHANGE else "Rules changed: ", *text),
                warning=True,
                details={"event": e.event, **_data(_plain(e.args))},
            )
        )
    return out


def _data(value: Any) -> Any:
    """Chain values for a notice's machine-readable details: every string terminal-safe."""
    if isinstance(value, str):
        return for_terminal(value)
    if isinstance(value, dict):
        return {k: _data(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_data(v) for v in value]
    return value


def _plain(value: Any) -> Any:
    if isinstance(value, bytes):
        return "0x" + value.hex()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, bool | str):
        return value
    if isinstance(value, int):
        return str(value) if abs(value) >= 2**53 else value
    return str(value)


def _who(address: str, names: Mapping[str, str]) -> tuple[str, ...]:
    address = to_checksum_address(address)
    name = names.get(address)
    return (chain(name), f" ({address})") if name else (address,)


_STATUS = {
    MemberStatus.ACTIVE: "reinstated",
    MemberStatus.SUSPENDED: "suspended",
    MemberStatus.RESIGNED: "resigned",
    MemberStatus.REMOVED: "removed",
}


def _event_text(e: ChainEvent, names: Mapping[str, str]) -> tuple[Kind, tuple[str, ...]] | None:
    a = e.args
    P, R = Kind.POWER_CHANGE, Kind.RULE_CHANGE
    try:
        if e.event == "MemberAdmitted":
            vote = ", with a constitutional vote" if a.get("constitutionalVote") else ""
            return P, (
                chain(a["name"]),
                f" ({to_checksum_address(a['account'])}) admitted as {role_name(Role(a['role']))}, group "
                f"{group_name(StakeholderGroup(a['group']))}, weight {a['weight']}{vote}",
            )
        if e.event == "MemberWeightChanged":
            return P, ("the weight of ", *_who(a["account"], names), f" changed from {a['previous']} to {a['current']}")
        if e.event == "MemberStatusChanged":
            return P, (*_who(a["account"], names), f" {_STATUS.get(MemberStatus(a['current']), 'changed status')}")
        if e.event == "MemberRoleChanged":
            return P, (
                *_who(a["account"], names),
                f" is now {role_name(Role(a['current']))} (was {role_name(Role(a['previous']))})",
            )
        if e.event == "MemberGroupChanged":
            return P, (
                *_who(a["account"], names),
                f" is now in group {group_name(StakeholderGroup(a['group']))} "
                f"(was {group_name(StakeholderGroup(a['previous']))})",
            )
        if e.event == "MemberConstitutionalVoteChanged":
            got = "was given" if a["constitutionalVote"] else "lost"
            return P, (*_who(a["account"], names), f" {got} a vote in constitutional decisions")
        if e.event == "ProxyAppointed":
            return P, (*_who(a["member"], names), " appointed ", *_who(a["proxy"], names), " as proxy")
        if e.event == "ProxyRevoked":
            return P, (*_who(a["member"], names), " revoked the proxy of ", *_who(a["proxy"], names))
        if e.event == "RulesUpdated":
            return R, (f"new decision rules from {when(int(a['effectiveFrom']))}: {_rules(a['rules'])}",)
        if e.event == "AgreementAmended":
            return R, (
                f"the agreement was amended (version {a['version']}, sha256 0x{bytes(a['contentHash']).hex()}): ",
                chain(a["uri"]),
            )
        if e.event in ("VotingDelaySet", "VotingPeriodSet", "LateQuorumVoteExtensionSet", "MinDelayChange"):
            old, new = list(a.values())[:2]
            what = {
                "VotingDelaySet": "voting delay",
                "VotingPeriodSet": "voting period",
                "LateQuorumVoteExtensionSet": "late-quorum extension",
                "MinDelayChange": "timelock delay",
            }[e.event]
            return R, (f"the {what} changed from {span(int(old))} to {span(int(new))}",)
        if e.event == "TimelockChange":
            return R, (f"the governor's timelock changed from {a['oldTimelock']} to {a['newTimelock']}",)
    except (KeyError, ValueError, TypeError):
        return (P if e.event.startswith(("Member", "Proxy")) else R), (f"{e.event} ", chain(json.dumps(_plain(a))))
    return None


def _rules(value: Any) -> str:
    rules, early = (value["rules"], value["earlyClose"]) if isinstance(value, dict) else value

    def frac(f: Any) -> str:
        n, d = (f["numerator"], f["denominator"]) if isinstance(f, dict) else f
        return f"{n}/{d}"

    parts = []
    for category, rule in zip(Category, rules, strict=False):
        q, ap = (rule["quorum"], rule["approval"]) if isinstance(rule, dict) else rule
        parts.append(f"{category.name.lower()} quorum {frac(q)}, approval {frac(ap)}")
    return "; ".join(parts) + f"; early close {'on' if early else 'off'}"
