"""A consortium's governance history, rebuilt from raw logs alone (contracts v2): proposals and their votes, members
and their voting power over time in both electorates, proxies, agreement versions, rules, settings, timelock
operations and treasury movements.

:class:`History` is built from :class:`~ccsi_dao.decisionlog.store.RawLog` rows, whether they come from the local
index (``ccsi-dao log``) or straight from the chain (``ccsi-dao audit verify`` and the report), so both read the chain
the same way. It keeps, as the registry does, checkpoints keyed by block timestamp (the contracts' clock): a question
"as of timepoint ``t``" is answered with everything logged in blocks of time ``t`` or earlier, which is what the
registry's ``getPastVotes``-style lookups return. Questions about the moment of one event (who could vote when a vote
was cast) are answered "as of that log": everything logged before it in chain order.

What is rebuilt, and from which events:

- a member's record (``MemberAdmitted`` with its ``constitutionalVote``, ``MemberStatusChanged``,
  ``MemberRoleChanged``, ``MemberGroupChanged``, ``MemberWeightChanged``, ``MemberConstitutionalVoteChanged``), and
  so its class (role and stakeholder group) at any snapshot, its voting units (its weight
  while active and not an observer) and constitutional units (the same, if it holds a constitutional vote), and since
  when it could vote without interruption (``votingSince``: the last time its units rose from zero);
- delegations (``ProxyAppointed`` / ``ProxyRevoked``) and, from them, every account's voting power in the general and
  the constitutional electorate, and both electorates' totals;
- the rule sets (``RulesUpdated``, from the registry: in force for proposals whose snapshot is at or after their
  ``effectiveFrom``), the voting delay and period and the late-quorum extension (the governor's settings events), the
  timelock's delay;
- proposals with their votes; a vote relayed as a signed ballot is marked by the ``VoteRelayed`` log that precedes its
  ``VoteCast`` in the same transaction (no transaction receipts are needed);
- the treasury: ETH paid in (``Deposited``), ETH paid out (``CallExecuted`` with a value), ERC-20 transfers to and
  from the timelock. The registry's ERC-20-style ``Transfer`` events (a member's units) are kept apart, as a
  cross-check of the units rebuilt from the membership events.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from ccsi_dao.abi.events import Decoded
from ccsi_dao.abi.events import checksum as _checksum
from ccsi_dao.decisionlog.decode import HistoryDecoder
from ccsi_dao.decisionlog.store import DecisionIndex, RawLog
from ccsi_dao.governance.actions import Action
from ccsi_dao.governance.decisions import (
    CLASSES,
    ChoiceManifest,
    class_of,
    decode_manifest,
    decode_options,
    is_choice_id,
)
from ccsi_dao.governance.deployment import DeploymentRecord
from ccsi_dao.governance.proposals import description_text
from ccsi_dao.types import Category, MemberStatus, Ratio, Role, StakeholderGroup, VoteType

__all__ = [
    "Decoded",
    "History",
    "MemberState",
    "ProposalRecord",
    "RuleSet",
    "Vote",
    "load_history",
    "rule_set",
]

_VOTE_TYPES = tuple(VoteType)  # VoteType(n) by index, without the enum's lookup
Position = tuple[int, int]
"""``(block number, log index)``: a log's place in the chain."""


@dataclass(frozen=True)
class MemberState:
    """A member's record after one event, as the registry holds it."""

    role: Role
    group: StakeholderGroup
    status: MemberStatus
    weight: int
    name: str
    joined_at: int
    constitutional_vote: bool = False
    voting_since: int = 0
    index: int = 0  # admission order (the registry's member number)

    @property
    def can_vote(self) -> bool:
        """Active and not an observer (the registry's ``voterOf(...).canVote``)."""
        return self.status == MemberStatus.ACTIVE and self.role != Role.OBSERVER

    @property
    def units(self) -> int:
        """Voting units the member contributes itself (``votingUnitsOf``)."""
        return self.weight if self.can_vote else 0

    @property
    def constitutional_units(self) -> int:
        """Units the member contributes to the constitutional electorate."""
        return self.units if self.constitutional_vote else 0


@dataclass
class Vote:
    """One vote as logged: ``weight`` is what the contract counted; ``relayer`` the account that relayed the signed
    ballot (``VoteRelayed``), None for a vote sent by the voter itself."""

    voter: str
    support: VoteType
    weight: int
    reason: str
    decoded: Decoded
    relayer: str | None = None
    options: tuple[int, ...] | None = None
    """The options (from 0) a ballot For on a choice selected (``VoteCastWithParams``' params,
    ``abi.encode(uint256[])``); None for a ballot without params, or params that do not decode."""

    @property
    def signed_ballot(self) -> bool:
        """Cast by EIP-712 signature and relayed (``VoteRelayed``)."""
        return self.relayer is not None

    @property
    def position(self) -> Position:
        return self.decoded.log.block_number, self.decoded.log.log_index

    @property
    def timestamp(self) -> int:
        return self.decoded.timestamp


@dataclass(frozen=True)
class RuleSet:
    """One ``RulesUpdated``: per category (quorum, approval), the early-close switch, in force from ``effective_from``
    (for proposals whose snapshot is at or after it)."""

    id: int
    effective_from: int
    rules: dict[Category, tuple[Ratio, Ratio]]
    early_close: bool
    decoded: Decoded | None = None
    chambers: dict[Category, int] = field(default_factory=dict)
    """Per category, its chamber conditions, packed (:func:`ccsi_dao.governance.decisions.unpack_conditions`)."""
    approval_voting: bool = False
    """Whether a ballot on a choice may select several options."""


@dataclass
class ProposalRecord:
    """A proposal as the governor's logs tell it."""

    number: int
    id: int
    proposer: str
    actions: tuple[Action, ...]
    description: str
    snapshot: int
    deadline: int  # voteEnd, before any late-quorum extension
    created: Decoded
    votes: list[Vote] = field(default_factory=list)
    queued: Decoded | None = None
    eta: int | None = None
    executed: Decoded | None = None
    canceled: Decoded | None = None
    extended: list[Decoded] = field(default_factory=list)  # ProposalExtended

    @property
    def text(self) -> str:
        """The description without OpenZeppelin's ``#proposer=`` suffix."""
        return description_text(self.description)

    @property
    def is_choice(self) -> bool:
        """A choice among options (the id's bit 252)."""
        return is_choice_id(self.id)

    @property
    def manifest(self) -> ChoiceManifest | None:
        """A choice's options (its first action, ``offerOptions``), None for a plain proposal."""
        if not self.is_choice or not self.actions:
            return None
        return decode_manifest(self.actions[0].data)

    @property
    def extended_deadline(self) -> int | None:
        """The deadline a ``ProposalExtended`` log announced, if any."""
        return int(self.extended[-1].args["extendedDeadline"]) if self.extended else None

    @property
    def id_category(self) -> Category:
        """The category the proposal id carries (bits 255..254)."""
        from ccsi_dao.governance.categories import category_of_id

        return category_of_id(self.id)

    @property
    def category(self) -> Category:
        """The category the proposal id carries. ``audit verify`` re-derives it from the actions and checks the two
        are equal."""
        return self.id_category

    def totals(self) -> dict[VoteType, int]:
        """For, against and abstain as logged."""
        out = dict.fromkeys(VoteType, 0)
        for vote in self.votes:
            out[vote.support] += vote.weight
        return out


class _Timeline:
    """Values over chain positions with their block timestamps: ``at(t)`` is the last value logged at or before
    timepoint ``t``; ``before(position)`` the last value logged strictly before a log."""

    __slots__ = ("positions", "times", "values")

    def __init__(self) -> None:
        self.times: list[int] = []
        self.positions: list[Position] = []
        self.values: list[Any] = []

    def add(self, t: int, position: Position, value: Any) -> None:
        self.times.append(t)
        self.positions.append(position)
        self.values.append(value)

    def latest(self, default: Any = None) -> Any:
        return self.values[-1] if self.values else default

    def at(self, t: int, default: Any = None) -> Any:
        i = bisect_right(self.times, t)
        return self.values[i - 1] if i else default

    def before(self, position: Position, default: Any = None) -> Any:
        """The value in force just before the log at ``position`` (earlier logs of the same block count)."""
        i = bisect_left(self.positions, position)
        return self.values[i - 1] if i else default


class History:
    """Everything the logs say, in chain order, and the registry's state at any timepoint rebuilt from it."""

    def __init__(self, record: DeploymentRecord, decoded: Iterable[Decoded], now: int | None = None) -> None:
        self.record = record
        self.events: list[Decoded] = sorted(decoded, key=lambda d: (d.log.block_number, d.log.log_index))
        self.now = now if now is not None else (self.events[-1].timestamp if self.events else 0)
        """The timepoint the history was read at (the last block's timestamp)."""
        self.proposals: dict[int, ProposalRecord] = {}
        self.member_changes: dict[str, list[tuple[int, MemberState]]] = {}
        self._states: dict[str, _Timeline] = {}
        self._delegation: dict[str, _Timeline] = {}  # account -> its proxy (None: itself)
        self._power: dict[str, _Timeline] = {}  # account -> (general, constitutional) votes
        self._totals = _Timeline()  # (general, constitutional) totals
        self._current_power: dict[str, tuple[int, int]] = {}
        self._current_totals = (0, 0)
        self.proxy_changes: dict[str, list[tuple[int, str | None]]] = {}
        self.agreements: list[Decoded] = []
        self.rule_sets: list[RuleSet] = []
        self._rule_times: list[int] = []
        self.settings: list[Decoded] = []  # VotingDelaySet, VotingPeriodSet, LateQuorumVoteExtensionSet, ...
        self._extension = _Timeline()
        self._voting_delay = _Timeline()
        self._voting_period = _Timeline()
        self.scheduled: dict[bytes, list[Decoded]] = {}
        self.executed_calls: dict[bytes, list[Decoded]] = {}
        self.cancelled_ops: dict[bytes, Decoded] = {}
        self.min_delays: list[tuple[int, int]] = []  # (timestamp, new delay)
        self.deposits: list[Decoded] = []  # Deposited: ETH paid into the treasury
        self.transfers: list[Decoded] = []  # ERC-20 transfers to or from the timelock
        self.unit_transfers: list[Decoded] = []  # the registry's ERC-20-style Transfer events
        self.roles: list[Decoded] = []  # the timelock's RoleGranted / RoleRevoked / RoleAdminChanged
        self.sealed: Decoded | None = None
        self.grants: list[tuple[Decoded, str, tuple[int, int], tuple[int, int], tuple[bool, bool]]] = []
        """Every change that gave a member power after the initial membership was sealed: ``(event, account, (units,
        constitutional units), (total, constitutional total))`` after it and which of the two rose (the cap on one
        share applies to these, in the electorate where power rose)."""
        self.unknown_votes: list[Decoded] = []
        self._relayed: dict[tuple[str, int, str], str] = {}  # (tx, proposal id, voter) -> relayer
        for d in self.events:
            self._apply(d)

    @classmethod
    def from_logs(
        cls, record: DeploymentRecord, logs: Iterable[RawLog], times: dict[int, int], now: int | None = None
    ) -> History:
        """Decode ``logs`` (``times``: ``{block: timestamp}``) and rebuild the history; ``now`` is the timepoint it
        was read at (default: the last log's)."""
        decoder = HistoryDecoder(record.governor, record.membership, record.timelock)
        decoded = [d for log in logs if (d := decoder.decode(log, times[log.block_number])) is not None]
        return cls(record, decoded, now)

    # ------------------------------------------------------------------ building

    def _apply(self, d: Decoded) -> None:
        a, name = d.args, d.event
        if d.contract == "governor":
            self._governor(d, a, name)
        elif d.contract == "membership":
            self._membership(d, a, name)
        elif d.contract == "timelock":
            if name == "CallScheduled":
                self.scheduled.setdefault(bytes(a["id"]), []).append(d)
            elif name == "CallExecuted":
                self.executed_calls.setdefault(bytes(a["id"]), []).append(d)
            elif name == "Cancelled":
                self.cancelled_ops[bytes(a["id"])] = d
            elif name == "MinDelayChange":
                self.min_delays.append((d.timestamp, int(a["newDuration"])))
            elif name == "Deposited":
                self.deposits.append(d)
            elif name in ("RoleGranted", "RoleRevoked", "RoleAdminChanged"):
                self.roles.append(d)
        elif d.contract == "token":
            self.transfers.append(d)

    def _governor(self, d: Decoded, a: dict[str, Any], name: str) -> None:
        position = (d.log.block_number, d.log.log_index)
        if name == "ProposalCreated":
            pid = int(a["proposalId"])
            actions = tuple(
                Action(_checksum(x), int(v), bytes(c))
                for x, v, c in zip(a["targets"], a["values"], a["calldatas"], strict=True)
            )
            self.proposals[pid] = ProposalRecord(
                len(self.proposals) + 1,
                pid,
                _checksum(a["proposer"]),
                actions,
                a["description"],
                int(a["voteStart"]),
                int(a["voteEnd"]),
                d,
            )
        elif name == "VoteRelayed":
            self._relayed[(d.log.tx_hash, int(a["proposalId"]), _checksum(a["voter"]))] = _checksum(a["relayer"])
        elif name in ("VoteCast", "VoteCastWithParams"):
            pid = int(a["proposalId"])
            voter = _checksum(a["voter"])
            relayer = self._relayed.pop((d.log.tx_hash, pid, voter), None)
            p = self.proposals.get(pid)
            options = decode_options(bytes(a["params"])) if name == "VoteCastWithParams" else None
            vote = Vote(voter, _VOTE_TYPES[a["support"]], int(a["weight"]), a["reason"], d, relayer, options)
            (p.votes.append(vote) if p else self.unknown_votes.append(d))
        elif name == "ProposalQueued" and (p := self.proposals.get(int(a["proposalId"]))):
            p.queued, p.eta = d, int(a["etaSeconds"])
        elif name == "ProposalExecuted" and (p := self.proposals.get(int(a["proposalId"]))):
            p.executed = d
        elif name == "ProposalCanceled" and (p := self.proposals.get(int(a["proposalId"]))):
            p.canceled = d
        elif name == "ProposalExtended" and (p := self.proposals.get(int(a["proposalId"]))):
            p.extended.append(d)
        elif name in ("VotingDelaySet", "VotingPeriodSet", "LateQuorumVoteExtensionSet", "TimelockChange"):
            self.settings.append(d)
            if name == "LateQuorumVoteExtensionSet":
                self._extension.add(d.timestamp, position, int(a["newVoteExtension"]))
            elif name == "VotingDelaySet":
                self._voting_delay.add(d.timestamp, position, int(a["newVotingDelay"]))
            elif name == "VotingPeriodSet":
                self._voting_period.add(d.timestamp, position, int(a["newVotingPeriod"]))

    def _membership(self, d: Decoded, a: dict[str, Any], name: str) -> None:
        t = d.timestamp
        position = (d.log.block_number, d.log.log_index)
        if name == "MemberAdmitted":
            account = _checksum(a["account"])
            previous = self.member_at(account)
            state = MemberState(
                Role(a["role"]),
                StakeholderGroup(a["group"]),
                MemberStatus.ACTIVE,
                int(a["weight"]),
                a["name"],
                int(a["joinedAt"]),
                bool(a["constitutionalVote"]),
                previous.voting_since if previous else 0,
                previous.index if previous else len(self.member_changes),
            )
            self._member(account, d, state, previous)
        elif name == "MemberStatusChanged":
            account = _checksum(a["account"])
            self._member(account, d, self._replace(account, status=MemberStatus(a["current"])))
        elif name == "MemberRoleChanged":
            account = _checksum(a["account"])
            self._member(account, d, self._replace(account, role=Role(a["current"])))
        elif name == "MemberGroupChanged":
            account = _checksum(a["account"])
            self._member(account, d, self._replace(account, group=StakeholderGroup(a["group"])))
        elif name == "MemberWeightChanged":
            account = _checksum(a["account"])
            self._member(account, d, self._replace(account, weight=int(a["current"])))
        elif name == "MemberConstitutionalVoteChanged":
            account = _checksum(a["account"])
            self._member(account, d, self._replace(account, constitutional_vote=bool(a["constitutionalVote"])))
        elif name == "ProxyAppointed":
            member, proxy = _checksum(a["member"]), _checksum(a["proxy"])
            self._delegate(member, proxy, t, position)
            self.proxy_changes.setdefault(member, []).append((t, proxy))
        elif name == "ProxyRevoked":
            member = _checksum(a["member"])
            self._delegate(member, None, t, position)
            self.proxy_changes.setdefault(member, []).append((t, None))
        elif name == "AgreementAmended":
            self.agreements.append(d)
        elif name == "RulesUpdated":
            rules, early = rule_set(a["rules"])
            ruleset = RuleSet(
                int(a["ruleSetId"]),
                int(a["effectiveFrom"]),
                {c: (Ratio(*r[0]), Ratio(*r[1])) for c, r in zip(Category, rules, strict=True)},
                early,
                d,
                *rule_extras(a["rules"]),
            )
            self.rule_sets.append(ruleset)
            self._rule_times.append(ruleset.effective_from)
        elif name == "Transfer":
            self.unit_transfers.append(d)
        elif name == "InitialMembersSealed":
            self.sealed = d

    def _member(self, account: str, d: Decoded, state: MemberState, previous: MemberState | None = None) -> None:
        t = d.timestamp
        position = (d.log.block_number, d.log.log_index)
        if previous is None:
            previous = self.member_at(account)
        before = (previous.units, previous.constitutional_units) if previous else (0, 0)
        after = (state.units, state.constitutional_units)
        if before[0] == 0 and after[0] > 0:
            state = replace(state, voting_since=t)
        self.member_changes.setdefault(account, []).append((t, state))
        self._states.setdefault(account, _Timeline()).add(t, position, state)
        if after != before:
            delegate = self.delegate_now(account)
            self._move(delegate, after[0] - before[0], after[1] - before[1], t, position)
            general, constitutional = self._current_totals
            self._current_totals = (general + after[0] - before[0], constitutional + after[1] - before[1])
            self._totals.add(t, position, self._current_totals)
            if self.sealed is not None and (after[0] > before[0] or after[1] > before[1]):
                self.grants.append(
                    (d, account, after, self._current_totals, (after[0] > before[0], after[1] > before[1]))
                )

    def _delegate(self, member: str, proxy: str | None, t: int, position: Position) -> None:
        previous = self.delegate_now(member)
        self._delegation.setdefault(member, _Timeline()).add(t, position, proxy)
        state = self.member_at(member)
        units = (state.units, state.constitutional_units) if state else (0, 0)
        if units != (0, 0):
            self._move(previous, -units[0], -units[1], t, position)
            self._move(proxy or member, units[0], units[1], t, position)

    def _move(self, account: str, general: int, constitutional: int, t: int, position: Position) -> None:
        g, c = self._current_power.get(account, (0, 0))
        value = (g + general, c + constitutional)
        self._current_power[account] = value
        self._power.setdefault(account, _Timeline()).add(t, position, value)

    def _replace(self, account: str, **changes: Any) -> MemberState:
        base = self.member_at(account)
        if base is None:  # a change for an account never admitted in these logs: keep what the event says
            base = MemberState(Role.NONE, StakeholderGroup.OTHER, MemberStatus.NONE, 0, "", 0)
        return replace(base, **changes)

    # ------------------------------------------------------------------ questions about members

    def member_at(self, account: str, t: int | None = None) -> MemberState | None:
        """``account``'s record as of timepoint ``t`` (None: the latest)."""
        line = self._states.get(_checksum(account))
        if line is None:
            return None
        return line.latest() if t is None else line.at(t)

    def member_before(self, account: str, position: Position) -> MemberState | None:
        """``account``'s record just before the log at ``position`` (e.g. when a vote was cast)."""
        line = self._states.get(_checksum(account))
        return None if line is None else line.before(position)

    def delegate_now(self, account: str) -> str:
        """Who votes with ``account``'s power now: its proxy, or itself."""
        line = self._delegation.get(account)
        proxy = line.latest() if line is not None else None
        return proxy or account

    def proxy_at(self, account: str, t: int) -> str | None:
        """``account``'s proxy at timepoint ``t`` (``pastDelegation``), None if it voted itself."""
        line = self._delegation.get(_checksum(account))
        return None if line is None else line.at(t)

    @property
    def has_proxies(self) -> bool:
        """Whether any member ever appointed a proxy."""
        return bool(self._delegation)

    def principals_at(self, proxy: str, t: int) -> list[str]:
        """The members that had appointed ``proxy`` at timepoint ``t``."""
        proxy = _checksum(proxy)
        return [m for m, line in self._delegation.items() if line.at(t) == proxy]

    def power_at(self, account: str, t: int, *, constitutional: bool = False) -> int:
        """Voting power as the registry's checkpoints hold it at ``t`` (``getPastVotes``, or
        ``getPastConstitutionalVotes``): own units unless given to a proxy, plus those of its principals."""
        line = self._power.get(_checksum(account))
        if line is None:
            return 0
        general, constitutional_power = line.at(t, (0, 0))
        return constitutional_power if constitutional else general

    def power_now(self, account: str, *, constitutional: bool = False) -> int:
        """Voting power now (``getVotes``)."""
        general, constitutional_power = self._current_power.get(_checksum(account), (0, 0))
        return constitutional_power if constitutional else general

    def total_power_at(self, t: int, *, constitutional: bool = False) -> int:
        """The electorate's power at ``t`` (``getPastTotalSupply``, or ``getPastConstitutionalSupply``)."""
        general, constitutional_power = self._totals.at(t, (0, 0))
        return constitutional_power if constitutional else general

    def total_power_now(self, *, constitutional: bool = False) -> int:
        general, constitutional_power = self._current_totals
        return constitutional_power if constitutional else general

    def class_power_at(self, t: int) -> list[int]:
        """Each class's power at ``t`` as the registry checkpoints it (``classPowerAt(t, all classes)``): per class
        four 32-bit lanes, units, constitutional units, members with a vote, members with a constitutional vote."""
        lanes = [0] * CLASSES
        for account in self.member_changes:
            state = self.member_at(account, t)
            if state is not None and state.units:
                lanes[member_class(state)] += state_lanes(state)
        return lanes

    def votes_by_class_at(self, account: str, t: int) -> list[int]:
        """``account``'s votes at ``t`` split by class (``votesByClassAt``): its own lanes if it had not handed its
        power to a proxy, plus those of the members that had appointed it, each in the member's class."""
        account = _checksum(account)
        lanes = [0] * CLASSES
        holders = self.principals_at(account, t) if self.has_proxies else []
        if self.proxy_at(account, t) in (None, account):
            holders = [account, *holders]
        for holder in dict.fromkeys(holders):
            state = self.member_at(holder, t)
            if state is not None and state.units:
                lanes[member_class(state)] += state_lanes(state)
        return lanes

    def name_of(self, address: str) -> str | None:
        """A member's name (its latest), or None for an address that never was one."""
        try:
            state = self.member_at(address)
        except ValueError:
            return None
        return state.name if state else None

    # ------------------------------------------------------------------ questions about rules and settings

    def rules_at(self, t: int) -> RuleSet | None:
        """The rule set in force for a proposal with snapshot ``t`` (the last ``RulesUpdated`` with
        ``effectiveFrom <= t``)."""
        i = bisect_right(self._rule_times, t)
        return self.rule_sets[i - 1] if i else None

    def late_quorum_extension_before(self, position: Position) -> int:
        """The late-quorum extension in force just before the log at ``position``."""
        return int(self._extension.before(position, 0))

    def voting_delay_before(self, position: Position) -> int | None:
        value = self._voting_delay.before(position)
        return None if value is None else int(value)

    def voting_period_before(self, position: Position) -> int | None:
        value = self._voting_period.before(position)
        return None if value is None else int(value)

    @property
    def voting_delay(self) -> int | None:
        """The governor's voting delay, as last set."""
        return self._voting_delay.latest()

    @property
    def voting_period(self) -> int | None:
        """The governor's voting period, as last set."""
        return self._voting_period.latest()

    @property
    def late_quorum_extension(self) -> int:
        """The late-quorum extension, as last set."""
        return int(self._extension.latest(0))

    @property
    def timelock_delay(self) -> int | None:
        """The timelock's minimum delay, as last set."""
        return self.min_delays[-1][1] if self.min_delays else None

    def min_delay_at(self, t: int) -> int | None:
        """The timelock's minimum delay at ``t``."""
        delay = None
        for when, value in self.min_delays:
            if when > t:
                break
            delay = value
        return delay

    def proposal_list(self) -> list[ProposalRecord]:
        """Proposals in creation order."""
        return sorted(self.proposals.values(), key=lambda p: p.number)


def load_history(index: DecisionIndex) -> History:
    """The history the local index holds (as synced so far); its "now" is the sync tip's time."""
    return History.from_logs(index.record, index.logs(), index.block_times(), index.tip_time)


def member_class(state: MemberState) -> int:
    """The class of a voting member (``6 * r + g``: founding partners ``g``, partners ``6 + g``)."""
    found = class_of(state.role, state.group)
    return found if found is not None else 6 + int(state.group)


def state_lanes(state: MemberState) -> int:
    """One member's power in its class's four 32-bit lanes (units, constitutional units, 1 member, 1 member with a
    constitutional vote if it holds one)."""
    if not state.units:
        return 0
    constitutional = state.constitutional_units
    return state.units | constitutional << 32 | 1 << 64 | (1 << 96 if constitutional else 0)


def state_word(state: MemberState | None) -> int:
    """A member's state packed as ``voterAt`` returns it (units | constitutional units << 96 | role << 192 | group
    << 200)."""
    if state is None:
        return 0
    return state.units | state.constitutional_units << 96 | int(state.role) << 192 | int(state.group) << 200


def rule_extras(value: Any) -> tuple[dict[Category, int], bool]:
    """A decoded ``RuleSet``'s chamber conditions (per category with any, packed) and its approval-voting switch."""
    if isinstance(value, dict):
        chambers, approval = value.get("chambers", ()), value.get("approvalVoting", False)
    else:
        chambers = value[2] if len(value) > 2 else ()
        approval = value[3] if len(value) > 3 else False
    found = {c: int(w) for c, w in zip(Category, chambers, strict=False) if int(w)}
    return found, bool(approval)


def rule_set(value: Any) -> tuple[list[tuple[tuple[int, int], tuple[int, int]]], bool]:
    """A decoded ``RuleSet`` (dict or tuple form) as ``([((qn, qd), (an, ad)) per category], early_close)``."""

    def fraction(f: Any) -> tuple[int, int]:
        return (int(f["numerator"]), int(f["denominator"])) if isinstance(f, dict) else (int(f[0]), int(f[1]))

    def rule(r: Any) -> tuple[tuple[int, int], tuple[int, int]]:
        return (
            (fraction(r["quorum"]), fraction(r["approval"]))
            if isinstance(r, dict)
            else (fraction(r[0]), fraction(r[1]))
        )

    rules, early = (value["rules"], value["earlyClose"]) if isinstance(value, dict) else (value[0], value[1])
    return [rule(r) for r in rules], bool(early)
