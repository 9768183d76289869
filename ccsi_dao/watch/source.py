"""The watch's one door to the decision log and the chain (an adapter: when :mod:`ccsi_dao.decisionlog` changes,
this module is the only one of the watch that follows).

What it gives the watch is a :class:`ChainView` at the *head*: the newest block the decision index trusts (past
the finality or confirmation depth the index uses, see :mod:`ccsi_dao.decisionlog.sync`). Everything the watch
judges (what was proposed, who voted, which proposals are open, what time it is) is read at that block: the logs
from the index, the proposals' states and tallies by view calls at that block, its timestamp as the clock.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eth_utils import function_signature_to_4byte_selector, to_checksum_address

from ccsi_dao.abi.artifacts import abi_type, load_artifact
from ccsi_dao.chain.codec import decode as abi_decode
from ccsi_dao.decisionlog.history import History, load_history
from ccsi_dao.decisionlog.judge import Judgement, judge_all
from ccsi_dao.decisionlog.store import DecisionIndex, open_index
from ccsi_dao.errors import ChainError, UserError
from ccsi_dao.governance.actions import Action
from ccsi_dao.governance.categories import category_of_id
from ccsi_dao.governance.consortium import Consortium, unpack_rule
from ccsi_dao.governance.describe import ActionDescriber
from ccsi_dao.types import Category, ProposalState, Ratio, VoteType

MEMBERSHIP_EVENTS = frozenset(
    {
        "MemberAdmitted",
        "MemberWeightChanged",
        "MemberStatusChanged",
        "MemberRoleChanged",
        "MemberGroupChanged",
        "MemberConstitutionalVoteChanged",
        "ProxyAppointed",
        "ProxyRevoked",
    }
)
RULE_EVENTS = frozenset(
    {
        "RulesUpdated",
        "AgreementAmended",
        "VotingDelaySet",
        "VotingPeriodSet",
        "LateQuorumVoteExtensionSet",
        "MinDelayChange",
        "TimelockChange",
    }
)


@dataclass(frozen=True)
class Head:
    """The block the watch judges at: the decision index's tip."""

    number: int
    hash: str
    timestamp: int


@dataclass(frozen=True)
class Verdict:
    """How the vote on a proposal went, as the decision log judges it at the head
    (:func:`ccsi_dao.decisionlog.judge.judge`: the same outcome and reason ``ccsi-dao log`` and ``audit verify``
    give; the watch never decides them itself)."""

    outcome: str  # judge.OUTCOMES: pending, active, succeeded, queued, executed, defeated, cancelled
    reason: str  # judge.REASONS: ... passed, closed early, quorum missed, approval failed ...
    explanation: str  # the reason in a sentence, with the figures
    closed_early: bool  # voting closed early, once the uncast votes could no longer change the outcome
    approval: Ratio  # the approval rule it was held to (its category's, at the snapshot)

    @classmethod
    def of(cls, j: Judgement) -> Verdict:
        return cls(j.outcome, j.reason, j.explanation, j.closed_early is not None, j.approval)


@dataclass(frozen=True)
class ProposalInfo:
    """What the logs say about one proposal, and how the decision log judges it at the head."""

    number: int
    id: int
    proposer: str
    actions: tuple[Action, ...]
    text: str
    snapshot: int
    deadline: int  # as proposed; the late-quorum extension is read live
    category: Category
    created_at: int
    voters: frozenset[str]  # checksummed
    queued_at: int | None
    eta: int | None
    executed_at: int | None
    canceled_at: int | None
    verdict: Verdict
    decision: DecisionWords | None = None
    """For a choice, or a category with chamber conditions: the outcome in words, from the logs."""


@dataclass(frozen=True)
class DecisionWords:
    """A proposal judged by chambers or options (:func:`ccsi_dao.decisionlog.judge.judge`), in words: the
    winning option's label (a choice), each option's votes, the chambers whose condition fails, and why there is no
    winner. Labels and reasons hold chain text."""

    is_choice: bool
    winner: str | None
    options: tuple[tuple[str, int], ...]
    blocked_by: tuple[str, ...]
    tie: bool
    why: str


@dataclass(frozen=True)
class ChainEvent:
    """A membership, rules or settings event: which contract and event, its arguments, its block's time."""

    contract: str
    event: str
    args: dict[str, Any]
    timestamp: int


@dataclass(frozen=True)
class ChainView:
    head: Head
    proposals: tuple[ProposalInfo, ...]
    events: tuple[ChainEvent, ...]  # MEMBERSHIP_EVENTS and RULE_EVENTS, in chain order
    names: dict[str, str]  # member address -> name (latest)
    first_voting_period: int | None


@dataclass(frozen=True)
class Live:
    """A proposal as the governor sees it at the head."""

    state: ProposalState
    votes: dict[VoteType, int]
    deadline: int  # with any late-quorum extension
    eta: int
    quorum: int | None  # votes needed; None before the snapshot
    rule: tuple[Ratio, Ratio] | None  # (quorum, approval) at the snapshot; None before it
    electorate: int | None

    @property
    def participation(self) -> int:
        return sum(self.votes.values())


class ChainSource:
    """Reads one consortium for the watch, through its decision index."""

    def __init__(
        self,
        consortium: Consortium,
        *,
        index_path: Path | None = None,
        confirmations: int | None = None,
        max_range: int = 2_000,
    ) -> None:
        self.dao = consortium
        self.record = consortium.record
        self.confirmations = confirmations
        self.max_range = max_range
        self.index: DecisionIndex = open_index(consortium.record, index_path)
        self._describer: ActionDescriber | None = None
        self._names: dict[str, str] = {}

    def close(self) -> None:
        self.index.close()

    # ------------------------------------------------------------------ the view at the head

    def refresh(self) -> ChainView:
        """Sync the index to the chain's safe head and read what it holds; the head is checked against the chain
        (a reorganisation between the sync and the read makes it sync again)."""
        for _ in range(5):
            self.index.sync(self.dao.chain.w3, confirmations=self.confirmations, max_range=self.max_range)
            number, tip = self.index.synced_to, self.index.tip_hash
            if number is None or tip is None:
                raise ChainError("the decision index holds no block yet; is the deployment's block on this chain?")
            block = self.dao.chain.block(number, action="reading the watched block")
            if "0x" + bytes(block["hash"]).hex().removeprefix("0x") != tip:
                continue
            head = Head(number, tip, int(block["timestamp"]))
            history = load_history(self.index)
            return self._view(head, history)
        raise ChainError("the chain kept reorganising while the watch read it; try again later")

    def _view(self, head: Head, history: History) -> ChainView:
        proposals = []
        judged = judge_all(history, head.timestamp)
        for p in history.proposal_list():
            proposals.append(
                ProposalInfo(
                    number=p.number,
                    id=p.id,
                    proposer=p.proposer,
                    actions=p.actions,
                    text=p.text,
                    snapshot=p.snapshot,
                    deadline=p.deadline,
                    category=category_of_id(p.id),
                    created_at=p.created.timestamp,
                    voters=frozenset(to_checksum_address(v.voter) for v in p.votes),
                    queued_at=p.queued.timestamp if p.queued else None,
                    eta=p.eta,
                    executed_at=p.executed.timestamp if p.executed else None,
                    canceled_at=p.canceled.timestamp if p.canceled else None,
                    verdict=Verdict.of(judged[p.number]),
                    decision=_decision_words(judged[p.number], head.timestamp),
                )
            )
        events = []
        first_period = None
        for d in history.events:
            if d.event in MEMBERSHIP_EVENTS or d.event in RULE_EVENTS:
                events.append(ChainEvent(d.contract, d.event, dict(d.args), d.timestamp))
            if d.event == "VotingPeriodSet" and first_period is None:
                first_period = int(d.args["newVotingPeriod"])
        names: dict[str, str] = {}
        for d in history.events:
            if d.event == "MemberAdmitted":
                names[to_checksum_address(d.args["account"])] = str(d.args["name"])
        self._names = names
        self._describer = None
        return ChainView(head, tuple(proposals), tuple(events), names, first_period)

    # ------------------------------------------------------------------ view calls at the head

    def live(self, head: Head, proposals: Iterable[ProposalInfo]) -> dict[int, Live]:
        """State, tally, deadline, eta, quorum and rule of each proposal, read at the head block in batches."""
        proposals = list(proposals)
        if not proposals:
            return {}
        reader = self.dao.chain.reader(head.number)
        gov, reg = self.dao.governor, self.dao.membership
        reads: list[tuple[Any, ...]] = []
        for p in proposals:
            reads += [(gov, "state", p.id), (gov, "proposalVotes", p.id), (gov, "proposalDeadline", p.id)]
            reads.append((gov, "proposalEta", p.id))
            if p.snapshot < head.timestamp:  # before its snapshot the quorum is not known (a future lookup)
                reads += [(gov, "proposalQuorum", p.id), (reg, "electorateAt", p.snapshot, int(p.category))]
        reader.prefetch(reads)
        out = {}
        for p in proposals:
            against, for_, abstain = reader(gov, "proposalVotes", p.id)
            quorum = rule = electorate = None
            if p.snapshot < head.timestamp:
                quorum = int(reader(gov, "proposalQuorum", p.id))
                electorate, packed, _early, _chambers = reader(reg, "electorateAt", p.snapshot, int(p.category))
                rule = unpack_rule(int(packed))
            out[p.id] = Live(
                state=ProposalState(reader(gov, "state", p.id)),
                votes={VoteType.FOR: int(for_), VoteType.AGAINST: int(against), VoteType.ABSTAIN: int(abstain)},
                deadline=int(reader(gov, "proposalDeadline", p.id)),
                eta=int(reader(gov, "proposalEta", p.id)),
                quorum=quorum,
                rule=rule,
                electorate=None if electorate is None else int(electorate),
            )
        return out

    def can_vote(self, head: Head, proposal: ProposalInfo, members: Sequence[str]) -> dict[str, int]:
        """Of ``members``, those who may vote on ``proposal`` (active without interruption since its snapshot, with
        votes then: their own or as proxy) -> their votes. Members whose power sits with a proxy have none."""
        if not members or proposal.snapshot >= head.timestamp:
            return {}
        reader = self.dao.chain.reader(head.number)
        reg = self.dao.membership
        constitutional = proposal.category == Category.CONSTITUTIONAL
        reader.prefetch([(reg, "voterAt", m, proposal.snapshot, constitutional) for m in members])
        out = {}
        for m in members:
            _index, can, since, votes, _state = reader(reg, "voterAt", m, proposal.snapshot, constitutional)
            if can and int(since) <= proposal.snapshot and int(votes) > 0:
                out[m] = int(votes)
        return out

    # ------------------------------------------------------------------ words and names

    def name_of(self, address: str) -> str | None:
        return self._names.get(to_checksum_address(address))

    def describe(self, action: Action) -> str:
        """One action in plain words (:class:`ccsi_dao.governance.describe.ActionDescriber`); a call it cannot put
        into words is shown by function name and arguments, never guessed at."""
        if self._describer is None:
            self._describer = ActionDescriber(self.record, self.name_of)
        try:
            return self._describer.describe(action)
        except Exception:  # noqa: BLE001 - a describer that does not know this call's shape: show it raw
            return _raw_call(self.record, action)


def _decision_words(j: Judgement, now: int) -> DecisionWords | None:
    """What the chambers and options of the judged proposal say at ``now`` (None for a proposal judged without them,
    or before its snapshot)."""
    r = j.rules_judged
    if j.proposal.snapshot >= now or r is None:
        return None
    labels = r.setup.labels
    return DecisionWords(
        is_choice=r.is_choice,
        winner=labels[r.winner] if r.is_choice and r.winner is not None and r.winner < len(labels) else None,
        options=tuple((o.label, o.votes) for o in r.words.options) if r.is_choice else (),
        blocked_by=tuple(c.chamber.chamber.name for c in r.words.chambers if not c.met),
        tie=r.words.tie,
        why="" if r.has_winner else r.no_winner_reason(),
    )


def resolve_member(dao: Consortium, ref: str) -> str:
    """A member named in a subscriptions file, by its address, a keystore alias or its name on chain (read from the
    registry, so nothing is written)."""
    from ccsi_dao.addresses import parse_address
    from ccsi_dao.types import MemberStatus

    text = ref.strip()
    if text.lower().startswith("0x"):
        address = parse_address(text)
    else:
        by_name = [m.address for m in dao.members() if m.name.casefold() == text.casefold()]
        if len(by_name) == 1:
            address = by_name[0]
        else:
            from ccsi_dao.chain.keystore import KeyStore

            try:
                address = KeyStore().address(text)
            except UserError:
                raise UserError(f"{text!r} is neither an address, nor a keystore alias, nor a member's name") from None
    if dao.member(address).status == MemberStatus.NONE:
        raise UserError(f"{address} is not a member of this consortium")
    return address


def _raw_call(record: Any, action: Action) -> str:
    """``name(arg=value, ...)`` of a call to one of the suite's contracts, or the selector of any other."""
    contracts = {
        record.membership: ("ConsortiumMembership", "membership registry"),
        record.governor: ("ConsortiumGovernor", "governor"),
        record.timelock: ("ConsortiumTimelock", "timelock"),
    }
    target = to_checksum_address(action.target)
    if target in contracts:
        artifact, label = contracts[target]
        for item in load_artifact(artifact).abi:
            if item.get("type") != "function":
                continue
            types = [abi_type(i) for i in item["inputs"]]
            if function_signature_to_4byte_selector(f"{item['name']}({','.join(types)})") != action.data[:4]:
                continue
            try:
                values = abi_decode(types, action.data[4:])
            except Exception:  # noqa: BLE001
                break
            args = ", ".join(
                f"{i['name'].rstrip('_')}={'0x' + v.hex() if isinstance(v, bytes) else v}"
                for i, v in zip(item["inputs"], values, strict=True)
            )
            return f"call {item['name']}({args}) on the {label}"
        return f"call the {label} with {len(action.data)} bytes of data"
    return f"call {target} with {len(action.data)} bytes of data, sending {action.value} wei"
