"""Each proposal judged under the rules of contracts v2, from its history alone: who could vote and with what weight,
the quorum and approval it was held to, early close, the late-quorum deadline, its state and outcome, and why.

:func:`judge` recomputes what the governor computes, in the same order:

- **Category**: derived from the actions (:func:`ccsi_dao.governance.categories.categorize`) and compared with the
  id's bits 255..254; bit 253 must say whether an action suspends or removes a member.
- **Electorate**: the voting power at the snapshot of all voting members, or, for a constitutional proposal, of the
  members holding a constitutional vote. **Quorum base**: the electorate less the constitutional votes the members
  the proposal suspends or removes held at the snapshot. **Rules**: the rule set in force at the snapshot.
- **Each vote**: the voter must be an active voting member without interruption since the snapshot; its weight is
  its power at the snapshot in the proposal's electorate, or, when it had handed that power to a proxy that has since
  lost its vote without voting on the proposal, its own units at the snapshot. A voter votes once.
- **After each vote**, as ``_tallyUpdated`` does: the first vote that reaches the quorum sets the late-quorum deadline
  (its time plus the extension then in force; the deadline is the later of that and the vote end); with early close
  on, the outcome becomes certain once the uncast power (electorate less votes cast) could not change it.
- **State** at the history's "now" as ``state()`` computes it, and the **outcome** with its reason: executed,
  cancelled, defeated (quorum missed, approval failed, closed early), passed and queued or not, open, pending. (The
  governor has no grace period after which a passed proposal expires: OpenZeppelin's ``GovernorTimelockControl``
  never reports ``Expired``, so no proposal is judged expired.)

Tallies for the running checks (late quorum, early close, the final outcome) are the weights the contract logged,
as the contract counted them; each logged weight is separately compared with the recomputed one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from types import SimpleNamespace
from typing import Any, NamedTuple

from eth_utils import keccak

from ccsi_dao.chain.codec import text_bytes
from ccsi_dao.decisionlog.chambers import (
    DecisionSetup,
    counted_vote,
    decision_after,
    decision_setup,
    in_words,
    needs_decision_rules,
    option_words,
    voted_actions,
)
from ccsi_dao.decisionlog.history import History, ProposalRecord, RuleSet, Vote
from ccsi_dao.governance.actions import Action
from ccsi_dao.governance.categories import categorize_call, sanctioned, sanctions_in_id
from ccsi_dao.governance.decisions import CountedVote, Decision, Outcome, certain_outcome, decided, quorum_reached
from ccsi_dao.governance.decisions import Judgement as Words
from ccsi_dao.types import Category, ProposalState, Ratio, VoteType

OUTCOMES = ("pending", "active", "succeeded", "queued", "executed", "defeated", "cancelled", "expired")
"""What became of a proposal (``Judgement.outcome``)."""
REASONS = (
    "not open yet",
    "voting open",
    "passed",
    "closed early",
    "quorum missed",
    "approval failed",
    "executed",
    "cancelled",
    "expired",
    "chamber condition failed",
    "no option qualifies",
    "tie",
)
"""Why (``Judgement.reason``): for a defeated proposal quorum missed, approval failed, closed early, a chamber
condition failed (a plain proposal judged by chambers), no option qualifies or a tie at the top (a choice)."""


class VoteJudgement(NamedTuple):
    """One vote, recomputed. ``expected_weight`` is what the contracts should have counted (0 when the voter could
    not vote); ``principals`` the members whose power the voter held as proxy at the snapshot; ``own_units`` that it
    voted with its own units because its proxy (``proxy``) lost its vote after the snapshot without voting."""

    vote: Vote
    expected_weight: int
    principals: tuple[str, ...] = ()
    own_units: bool = False
    proxy: str | None = None
    problems: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.problems and self.expected_weight == self.vote.weight


@dataclass(frozen=True)
class Judgement:
    """A proposal judged from its history (see the module notes). Timepoints are unix timestamps."""

    proposal: ProposalRecord
    now: int
    category: Category  # derived from the actions
    sanctioned: tuple[str, ...]  # members the proposal suspends or removes
    rules: RuleSet | None  # in force at the snapshot
    quorum: Ratio
    approval: Ratio
    early_close: bool
    electorate: int  # power at the snapshot in the proposal's electorate
    excluded: int  # the sanctioned members' constitutional votes at the snapshot
    votes: tuple[VoteJudgement, ...]
    tally: dict[VoteType, int]  # as logged
    expected_tally: dict[VoteType, int]  # with the recomputed weights
    deadline: int  # with the late-quorum extension
    quorum_reached_by: Vote | None
    closed_early: str | None  # "passed" or "failed", None if voting was not closed early
    closed_by: Vote | None
    state: ProposalState  # what state() should say at ``now``
    outcome: str  # one of OUTCOMES
    reason: str  # one of REASONS
    explanation: str  # the reason in a sentence, with the figures
    verdict: str  # what the vote decided, said at its close ("passed (...)", "defeated: ..."); "" while undecided
    operation: bytes | None  # the timelock operation id; None for a proposal never queued (the governor schedules
    # an operation only when it queues a proposal)
    late_votes: tuple[Vote, ...] = field(default=())  # votes cast when voting was not open
    rules_judged: RulesJudged | None = None
    """For a choice, or a proposal of a category with chamber conditions: the chambers and options, judged."""

    @property
    def passes(self) -> bool:
        """The votes make the proposal pass (a winner, for a choice), as counted at its close."""
        if self.rules_judged is not None:
            return self.rules_judged.has_winner
        return (self.quorum_reached and self.approval_met) or self.closed_early == "passed"

    @property
    def winner_label(self) -> str | None:
        """The winning option's label, on a choice with a winner."""
        r = self.rules_judged
        if r is None or r.winner is None or not r.setup.labels:
            return None
        return option_words(r.setup.labels, [r.winner])[0]

    @property
    def constitutional(self) -> bool:
        """Counted in the constitutional electorate (the id's category)."""
        return self.proposal.id_category == Category.CONSTITUTIONAL

    @property
    def base(self) -> int:
        """The power the quorum is a share of."""
        return self.electorate - self.excluded

    @property
    def quorum_votes(self) -> int:
        """Votes needed to reach the quorum (``proposalQuorum``)."""
        return ceil_share(self.base, self.quorum)

    @property
    def cast(self) -> int:
        return sum(self.tally.values())

    @property
    def quorum_reached(self) -> bool:
        return reaches(self.cast, self.base, self.quorum)

    @property
    def approval_met(self) -> bool:
        return approves(self.tally[VoteType.FOR], self.tally[VoteType.AGAINST], self.approval)

    @property
    def category_ok(self) -> bool:
        """The id's category and sanction bit are the ones the actions give."""
        p = self.proposal
        return self.category == p.id_category and bool(self.sanctioned) == sanctions_in_id(p.id)

    @property
    def snapshot_passed(self) -> bool:
        return self.proposal.snapshot < self.now

    @property
    def decided(self) -> bool:
        """Voting is over (closed, early or at the deadline, or cancelled)."""
        return self.outcome not in ("pending", "active")


@dataclass(frozen=True)
class RulesJudged:
    """A proposal judged with ``DecisionRules`` (chambers, options): what the first vote fixed, each vote as
    counted, the final decision and, in words, each option's and chamber's result."""

    setup: DecisionSetup
    counted: tuple[CountedVote, ...]
    decision: Decision
    words: Words
    has_winner: bool
    winner: int | None
    """``winningOption``: the winning option (0 for a plain proposal that passes), None without a winner."""

    @property
    def is_choice(self) -> bool:
        return self.setup.manifest is not None

    def option_actions(self, actions: tuple[Action, ...], option: int) -> tuple[Action, ...]:
        """The actions of ``option`` (all of a plain proposal's)."""
        manifest = self.setup.manifest
        if manifest is None:
            return actions
        return tuple(actions[i] for i in manifest.actions_of(option) if i < len(actions))

    def no_winner_reason(self) -> str:
        """Why no option won, in words: a tie at the top, or each option's first shortfall."""
        w = self.words
        if w.tie:
            top = max(o.votes for o in w.options if o.qualifies)
            tied = [o.label for o in w.options if o.qualifies and o.votes == top]
            return f"a tie at the top between {', '.join(tied)} ({top} each): no decision"
        if not w.quorum_reached and all(not o.reasons for o in w.options):
            return "a chamber's quorum was not reached"
        parts = [f"{o.label}: {'; '.join(o.reasons)}" for o in w.options if o.reasons]
        return "; ".join(parts) or "no option qualifies"


def reaches(votes: int, total: int, share: Ratio) -> bool:
    """``Fractions.reaches``: ``votes * d >= n * total``."""
    return votes * share.denominator >= share.numerator * total


def approves(for_votes: int, against_votes: int, share: Ratio) -> bool:
    """``Fractions.approves``: a strict majority of the decided votes and ``for / (for + against) >= n / d``."""
    return for_votes > against_votes and for_votes * share.denominator >= share.numerator * (for_votes + against_votes)


def ceil_share(total: int, share: Ratio) -> int:
    """``Fractions.ceilShare``: the fewest votes that reach ``share`` of ``total``."""
    return (total * share.numerator + share.denominator - 1) // share.denominator


def operation_id(governor: str, p: ProposalRecord, actions: tuple[Action, ...] | None = None) -> bytes:
    """The timelock operation id ``GovernorTimelockControl`` uses for ``p``: ``hashOperationBatch(targets, values,
    calldatas, 0, salt)`` with the salt ``bytes20(governor) ^ descriptionHash``, and for a choice (proposal id bit
    252) ``bytes20(governor) ^ (descriptionHash ^ bytes32(proposalId))``; ``actions`` are those queued (a choice's
    winner's alone; default all of ``p``'s)."""
    description_hash = keccak(text_bytes(p.description))
    if p.is_choice:
        description_hash = bytes(x ^ y for x, y in zip(description_hash, p.id.to_bytes(32, "big"), strict=True))
    salt = bytes(x ^ y for x, y in zip(bytes.fromhex(governor[2:]) + b"\x00" * 12, description_hash, strict=True))
    return keccak(_encode_operation(p, salt, actions))


def _encode_operation(p: ProposalRecord, salt: bytes, queued: tuple[Action, ...] | None = None) -> bytes:
    """``abi.encode(address[], uint256[], bytes[], bytes32 0, bytes32 salt)``, written out (eth-abi's encoder costs
    more than the rest of a proposal's judgement)."""
    actions = p.actions if queued is None else queued
    n = len(actions)
    word = 32
    targets = [n.to_bytes(word, "big"), *(bytes(12) + bytes.fromhex(a.target[2:]) for a in actions)]
    values = [n.to_bytes(word, "big"), *(a.value.to_bytes(word, "big") for a in actions)]
    bodies = [len(a.data).to_bytes(word, "big") + a.data + bytes(-len(a.data) % word) for a in actions]
    offsets, at = [], word * n
    for body in bodies:
        offsets.append(at.to_bytes(word, "big"))
        at += len(body)
    datas = [n.to_bytes(word, "big"), *offsets, *bodies]
    head = 5 * word
    first = head
    second = first + word * (1 + n)
    third = second + word * (1 + n)
    return b"".join(
        [
            first.to_bytes(word, "big"),
            second.to_bytes(word, "big"),
            third.to_bytes(word, "big"),
            bytes(word),
            salt,
            *targets,
            *values,
            *datas,
        ]
    )


@lru_cache(maxsize=4096)
def _call_category(governor: str, timelock: str, membership: str, target: str, value: int, data: bytes) -> Category:
    """:func:`ccsi_dao.governance.categories.categorize_call`, remembered (a history repeats its calls, and the
    category costs a checksum, which costs a keccak)."""
    suite: Any = SimpleNamespace(governor=governor, timelock=timelock, membership=membership)
    return categorize_call(suite, target, value, data)


def _when(t: int) -> str:
    return datetime.fromtimestamp(t, tz=UTC).strftime("%Y-%m-%d %H:%M UTC")


def judge(history: History, p: ProposalRecord, now: int | None = None) -> Judgement:
    """``p`` judged from ``history`` at timepoint ``now`` (default: the history's). See the module notes."""
    now = history.now if now is None else now
    record = history.record
    derived = Category(
        max(
            (_call_category(record.governor, record.timelock, record.membership, a.target, a.value, a.data)
             for a in voted_actions(record.governor, p.actions)),
            default=Category.ORDINARY,
        )
    )  # fmt: skip
    sanctioned_members = tuple(
        dict.fromkeys(
            s
            for a in p.actions
            if a.target == record.membership
            and (s := sanctioned(record, a.target, a.value, a.data)) is not None
            and int(s, 16) != 0  # the contract names nobody for the zero address
        )
    )
    constitutional = p.id_category == Category.CONSTITUTIONAL
    snapshot = p.snapshot
    rules = history.rules_at(snapshot)
    if rules is not None:
        quorum, approval = rules.rules[p.id_category]
        early_close = rules.early_close
    else:  # no RulesUpdated in the logs: nothing can pass
        quorum, approval, early_close = Ratio(1, 1), Ratio(1, 1), False
    electorate = history.total_power_at(snapshot, constitutional=constitutional)
    excluded = sum(history.power_at(a, snapshot, constitutional=True) for a in sanctioned_members)
    base = electorate - excluded
    setup = (
        decision_setup(
            history,
            p,
            electorate=electorate,
            quorum_base=base,
            quorum=quorum,
            approval=approval,
            sanctioned=sanctioned_members,
        )
        if needs_decision_rules(history, p)
        else None
    )
    counted_votes: list[CountedVote] = []

    judged: list[VoteJudgement] = []
    tally = [0, 0, 0]  # by VoteType: against, for, abstain (lists: an IntEnum hashes slowly as a dict key)
    expected_tally = [0, 0, 0]
    cast = 0
    voted: set[str] = set()
    extended = 0
    quorum_by: Vote | None = None
    outcome_flag: str | None = None
    closed_by: Vote | None = None
    late: list[Vote] = []
    canceled_at = (p.canceled.log.block_number, p.canceled.log.log_index) if p.canceled is not None else None
    deadline_now = p.deadline
    for v in p.votes:
        log = v.decoded.log
        position = (log.block_number, log.log_index)
        timestamp = v.decoded.timestamp
        voter = v.voter
        problems: list[str] = []
        if (
            not (snapshot < timestamp <= deadline_now)
            or outcome_flag is not None
            or (canceled_at is not None and canceled_at < position)
        ):
            late.append(v)
            problems.append(f"cast at {_when(timestamp)}, when voting on #{p.number} was not open")
        if voter in voted:
            problems.append(f"{voter} voted twice")
        member = history.member_before(voter, position)
        if member is None or not member.can_vote or member.voting_since > snapshot:
            problems.append(
                f"{voter} was not an active voting member without interruption since the snapshot ({_when(snapshot)})"
            )
        weight = history.power_at(voter, snapshot, constitutional=constitutional)
        principals = tuple(history.principals_at(voter, snapshot)) if weight and history.has_proxies else ()
        own_units = False
        proxy = None
        if weight == 0:
            proxy = history.proxy_at(voter, snapshot)
            if proxy is not None:
                proxy_state = history.member_before(proxy, position)
                # as GovernorMemberCounting: no rescue through an address that never was a member
                proxy_can_vote = proxy_state is None or (proxy_state.can_vote and proxy_state.voting_since <= snapshot)
                if not proxy_can_vote and proxy not in voted:
                    own = history.member_at(voter, snapshot)
                    weight = (own.constitutional_units if constitutional else own.units) if own else 0
                    own_units = weight > 0
        if weight == 0:
            problems.append(
                f"{voter} held no vote in this proposal's {'constitutional ' if constitutional else ''}electorate "
                f"at the snapshot"
            )
        counted = weight if not problems else 0
        judged.append(VoteJudgement(v, counted, principals, own_units, proxy, tuple(problems)))
        voted.add(voter)
        support = v.support
        expected_tally[support] += counted
        tally[support] += v.weight
        cast += v.weight
        decision = None
        if setup is not None:
            counted_votes.append(counted_vote(history, setup, p, v))
            decision = decision_after(setup, counted_votes)
        reached = quorum_reached(decision) if decision is not None else reaches(cast, base, quorum)
        if extended == 0 and reached:
            extended = timestamp + history.late_quorum_extension_before(position)
            deadline_now = max(p.deadline, extended)
            quorum_by = v
        if early_close and outcome_flag is None:
            if decision is not None:
                certain = certain_outcome(decision)
                outcome_flag = {Outcome.PASSED: "passed", Outcome.FAILED: "failed"}.get(certain)
            else:
                outcome_flag = _certain(_tallies(tally), electorate, base, quorum, approval)
            if outcome_flag is not None:
                closed_by = v
    deadline = max(p.deadline, extended)
    rules_judged = None
    if setup is not None:
        final = decision_after(setup, counted_votes)
        has_winner, option = decided(final)
        rules_judged = RulesJudged(
            setup, tuple(counted_votes), final, in_words(setup, final), has_winner, option if has_winner else None
        )
    queued_actions = (
        rules_judged.option_actions(p.actions, rules_judged.winner)
        if rules_judged is not None and rules_judged.winner is not None
        else None
    )
    operation = (
        operation_id(record.governor, p, queued_actions) if p.queued is not None or p.executed is not None else None
    )

    passes_at_close = rules_judged.has_winner if rules_judged is not None else None
    state = _state(
        history, p, now, deadline, _tallies(tally), base, quorum, approval, outcome_flag, operation, passes_at_close
    )
    j = Judgement(
        proposal=p,
        now=now,
        category=derived,
        sanctioned=sanctioned_members,
        rules=rules,
        quorum=quorum,
        approval=approval,
        early_close=early_close,
        electorate=electorate,
        excluded=excluded,
        votes=tuple(judged),
        tally=_tallies(tally),
        expected_tally=_tallies(expected_tally),
        deadline=deadline,
        quorum_reached_by=quorum_by,
        closed_early=outcome_flag if outcome_flag is not None and closed_by is not None else None,
        closed_by=closed_by,
        state=state,
        outcome="",
        reason="",
        explanation="",
        verdict="",
        operation=operation,
        late_votes=tuple(late),
        rules_judged=rules_judged,
    )
    outcome, reason, explanation = _outcome(j)
    verdict = _verdict(j, outcome, reason, explanation)
    return Judgement(
        **{**j.__dict__, "outcome": outcome, "reason": reason, "explanation": explanation, "verdict": verdict}
    )


def _verdict(j: Judgement, outcome: str, reason: str, explanation: str) -> str:
    """What the vote decided, as said when it closed: without what happened later (queued, executed)."""
    if outcome in ("pending", "active") or (outcome == "cancelled" and j.proposal.canceled is not None):
        return ""
    if outcome == "defeated":
        return explanation
    return _passed_text(j)


def _tallies(values: list[int]) -> dict[VoteType, int]:
    return {VoteType.AGAINST: values[0], VoteType.FOR: values[1], VoteType.ABSTAIN: values[2]}


def _certain(tally: dict[VoteType, int], electorate: int, base: int, q: Ratio, a: Ratio) -> str | None:
    """``GovernorEarlyClose._certainOutcome``: "passed", "failed" or None (open)."""
    f, ag, ab = tally[VoteType.FOR], tally[VoteType.AGAINST], tally[VoteType.ABSTAIN]
    cast = f + ag + ab
    uncast = electorate - cast if electorate > cast else 0
    if reaches(cast, base, q) and approves(f, ag + uncast, a):
        return "passed"
    if not approves(f + uncast, ag, a) or not reaches(cast + uncast, base, q):
        return "failed"
    return None


def _state(
    history: History,
    p: ProposalRecord,
    now: int,
    deadline: int,
    tally: dict[VoteType, int],
    base: int,
    quorum: Ratio,
    approval: Ratio,
    outcome_flag: str | None,
    operation: bytes | None,
    passes: bool | None = None,
) -> ProposalState:
    """``state()`` at ``now``: OpenZeppelin's Governor, then early close, then the timelock's view of a queued one."""
    if p.executed is not None and p.executed.timestamp <= now:
        return ProposalState.EXECUTED
    if p.canceled is not None and p.canceled.timestamp <= now:
        return ProposalState.CANCELED
    if p.snapshot >= now:
        return ProposalState.PENDING
    queued = p.queued is not None and p.queued.timestamp <= now
    if deadline >= now:
        if outcome_flag is None:
            return ProposalState.ACTIVE
        state = ProposalState.DEFEATED if outcome_flag == "failed" else ProposalState.SUCCEEDED
    elif passes is not None:
        state = ProposalState.SUCCEEDED if passes else ProposalState.DEFEATED
    elif reaches(sum(tally.values()), base, quorum) and approves(
        tally[VoteType.FOR], tally[VoteType.AGAINST], approval
    ):
        state = ProposalState.SUCCEEDED
    else:
        state = ProposalState.DEFEATED
    if state == ProposalState.SUCCEEDED and queued:
        if operation in history.executed_calls:
            return ProposalState.EXECUTED
        if operation in history.cancelled_ops or operation not in history.scheduled:
            return ProposalState.CANCELED
        return ProposalState.QUEUED
    return state


def _figures(j: Judgement) -> tuple[str, str]:
    """The quorum and the approval, each in words with its figures."""
    t = j.tally
    quorum = (
        f"quorum {'reached' if j.quorum_reached else 'missed'}: {j.cast} of {j.quorum_votes} needed "
        f"({j.quorum} of {j.base}{f', {j.excluded} of the sanctioned left out' if j.excluded else ''})"
    )
    approval = (
        f"approval {'met' if j.approval_met else 'failed'}: {t[VoteType.FOR]} for, {t[VoteType.AGAINST]} against, "
        f"{t[VoteType.ABSTAIN]} abstain ({j.approval} needed)"
    )
    return quorum, approval


def _passed_text(j: Judgement) -> str:
    quorum_text, approval_text = _figures(j)
    early = ""
    if j.closed_early is not None and j.closed_by is not None:
        early = f"; voting closed early on {_when(j.closed_by.timestamp)}, when the outcome could no longer change"
    r = j.rules_judged
    if r is not None and r.is_choice and r.winner is not None:
        votes = r.decision.option_votes(r.winner)
        return f"passed: {j.winner_label} won with {votes} votes ({quorum_text}{_chambers_met(r)}){early}"
    if r is not None:
        return f"passed ({quorum_text}; {approval_text}{_chambers_met(r)}){early}"
    return f"passed ({quorum_text}; {approval_text}){early}"


def _chambers_met(r: RulesJudged) -> str:
    n = len(r.setup.chambers)
    if not n:
        return ""
    return f"; every chamber condition met ({', '.join(c.name for c in r.setup.chambers)})"


def _defeated_by_rules(j: Judgement, r: RulesJudged) -> tuple[str, str, str]:
    """A proposal judged by chambers or options that has no winner: why, in words."""
    quorum_text, approval_text = _figures(j)
    why = r.no_winner_reason()
    if j.closed_early == "failed" and j.closed_by is not None:
        return (
            "defeated",
            "closed early",
            f"defeated: voting closed early on {_when(j.closed_by.timestamp)} because "
            f"{'no option could qualify' if r.is_choice else 'the proposal could no longer pass'} ({why})",
        )
    if r.is_choice:
        if r.words.tie:
            return "defeated", "tie", f"defeated: {why}"
        return "defeated", "no option qualifies", f"defeated: no option qualifies ({why})"
    if not j.quorum_reached:
        return "defeated", "quorum missed", f"defeated: {quorum_text} ({why})"
    if not j.approval_met:
        return "defeated", "approval failed", f"defeated: {approval_text} ({why})"
    return "defeated", "chamber condition failed", f"defeated: {why}"


def _outcome(j: Judgement) -> tuple[str, str, str]:
    """``(outcome, reason, explanation)`` of a judged proposal."""
    p, t = j.proposal, j.tally
    f, ag = t[VoteType.FOR], t[VoteType.AGAINST]
    quorum_text, approval_text = _figures(j)
    passed = _passed_text(j)
    state = j.state
    if state == ProposalState.EXECUTED:
        executed = f"on {_when(p.executed.timestamp)}" if p.executed else "by the timelock"
        return "executed", "executed", f"{passed}; executed {executed}"
    if state == ProposalState.CANCELED:
        cancelled = f" on {_when(p.canceled.timestamp)}" if p.canceled else " in the timelock"
        return "cancelled", "cancelled", "cancelled" + cancelled
    if state == ProposalState.PENDING:
        return "pending", "not open yet", f"voting opens after {_when(p.snapshot)}"
    if state == ProposalState.ACTIVE:
        return (
            "active",
            "voting open",
            f"voting open until {_when(j.deadline)}; so far {j.cast} cast, {f} for, {ag} against",
        )
    if state == ProposalState.EXPIRED:  # pragma: no cover - the governor never expires a proposal
        return "expired", "expired", "expired before execution"
    if state in (ProposalState.SUCCEEDED, ProposalState.QUEUED):
        if state == ProposalState.QUEUED and p.eta is not None:
            return "queued", "passed", f"{passed}; queued, executable from {_when(p.eta)}"
        return "succeeded", "passed", f"{passed}; not queued"
    # defeated
    if j.rules_judged is not None:
        return _defeated_by_rules(j, j.rules_judged)
    if j.closed_early == "failed" and j.closed_by is not None:
        why = (
            "approval could no longer be met"
            if not approves(f + max(j.electorate - j.cast, 0), ag, j.approval)
            else ("the quorum could no longer be reached")
        )
        return (
            "defeated",
            "closed early",
            f"defeated: voting closed early on {_when(j.closed_by.timestamp)} because {why} ({quorum_text}; "
            f"{approval_text})",
        )
    if not j.quorum_reached:
        extra = "" if j.approval_met else f"; {approval_text}"
        return "defeated", "quorum missed", f"defeated: {quorum_text}{extra}"
    return "defeated", "approval failed", f"defeated: {approval_text} ({quorum_text})"


def judge_all(history: History, now: int | None = None) -> dict[int, Judgement]:
    """Every proposal of ``history`` judged, by proposal number."""
    return {p.number: judge(history, p, now) for p in history.proposal_list()}


__all__ = [
    "OUTCOMES",
    "REASONS",
    "Judgement",
    "RulesJudged",
    "VoteJudgement",
    "approves",
    "ceil_share",
    "judge",
    "judge_all",
    "operation_id",
    "reaches",
]
