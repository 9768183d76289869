"""A consortium's governance history, rebuilt from raw logs alone: proposals, votes, members over time, proxies,
agreement versions, rules, timelock operations and treasury movements.

:class:`History` is built from :class:`~ccsi_dao.decisionlog.store.RawLog` rows, whether they come from the local
index (for ``ccsi-dao log`` and the report) or straight from the chain (for ``ccsi-dao audit verify``), so both
read the chain the same way. It answers questions "as of a timepoint" (the contracts' clock is the block
timestamp): a member's record, its own voting units, whom it represented as proxy.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from eth_utils import to_checksum_address

from ccsi_dao.abi.events import Decoded, EventDecoder
from ccsi_dao.abi.events import checksum as _checksum
from ccsi_dao.decisionlog.store import DecisionIndex, RawLog
from ccsi_dao.governance.actions import Action
from ccsi_dao.governance.deployment import DeploymentRecord
from ccsi_dao.governance.proposals import description_text
from ccsi_dao.types import Category, MemberStatus, Role, StakeholderGroup, VoteType

__all__ = ["Decoded", "History", "MemberState", "ProposalRecord", "Vote", "load_history", "rule_set"]


@dataclass(frozen=True)
class MemberState:
    role: Role
    group: StakeholderGroup
    status: MemberStatus
    weight: int
    name: str
    joined_at: int

    @property
    def units(self) -> int:
        """Voting units the member contributes itself (``votingUnitsOf``)."""
        return self.weight if self.status == MemberStatus.ACTIVE and self.role != Role.OBSERVER else 0


@dataclass
class Vote:
    voter: str
    support: VoteType
    weight: int
    reason: str
    decoded: Decoded
    sender: str | None = None  # who sent the transaction

    @property
    def signed_ballot(self) -> bool:
        """Cast by EIP-712 signature and relayed by another account than the voter's."""
        return self.sender is not None and self.sender != self.voter.lower()


@dataclass
class ProposalRecord:
    number: int
    id: int
    proposer: str
    actions: tuple[Action, ...]
    description: str
    snapshot: int
    deadline: int
    created: Decoded
    category: Category | None = None
    votes: list[Vote] = field(default_factory=list)
    queued: Decoded | None = None
    eta: int | None = None
    executed: Decoded | None = None
    canceled: Decoded | None = None
    extended_deadline: int | None = None

    @property
    def text(self) -> str:
        """The description without OpenZeppelin's ``#proposer=`` suffix."""
        return description_text(self.description)

    def totals(self) -> dict[VoteType, int]:
        out = dict.fromkeys(VoteType, 0)
        for vote in self.votes:
            out[vote.support] += vote.weight
        return out

    @property
    def outcome(self) -> str:
        if self.canceled:
            return "canceled"
        if self.executed:
            return "executed"
        if self.queued:
            return "queued"
        return "no final act recorded"


class History:
    """Everything the logs say, in chain order."""

    def __init__(
        self,
        record: DeploymentRecord,
        decoded: Iterable[Decoded],
        transactions: dict[str, tuple[str, str | None]] | None = None,
    ) -> None:
        self.record = record
        self.events: list[Decoded] = sorted(decoded, key=lambda d: (d.log.block_number, d.log.log_index))
        self.transactions = transactions or {}
        self.proposals: dict[int, ProposalRecord] = {}
        self.member_changes: dict[str, list[tuple[int, MemberState]]] = {}
        self.proxy_changes: dict[str, list[tuple[int, str | None]]] = {}
        self.agreements: list[Decoded] = []
        self.rules: list[Decoded] = []
        self.scheduled: dict[bytes, list[Decoded]] = {}
        self.executed_calls: dict[bytes, list[Decoded]] = {}
        self.min_delays: list[tuple[int, int]] = []  # (timestamp, new delay)
        self.transfers: list[Decoded] = []
        self.unknown_votes: list[Decoded] = []
        for d in self.events:
            self._apply(d)

    @classmethod
    def from_logs(
        cls,
        record: DeploymentRecord,
        logs: Iterable[RawLog],
        times: dict[int, int],
        transactions: dict[str, tuple[str, str | None]] | None = None,
    ) -> History:
        decoder = EventDecoder(record.governor, record.membership, record.timelock)
        decoded = [d for log in logs if (d := decoder.decode(log, times[log.block_number])) is not None]
        return cls(record, decoded, transactions)

    # ------------------------------------------------------------------ building

    def _apply(self, d: Decoded) -> None:
        a, t, name = d.args, d.timestamp, d.event
        if d.contract == "governor":
            if name == "ProposalCreated":
                pid = int(a["proposalId"])
                actions = tuple(
                    Action(to_checksum_address(x), int(v), bytes(c))
                    for x, v, c in zip(a["targets"], a["values"], a["calldatas"], strict=True)
                )
                self.proposals[pid] = ProposalRecord(
                    len(self.proposals) + 1,
                    pid,
                    to_checksum_address(a["proposer"]),
                    actions,
                    a["description"],
                    int(a["voteStart"]),
                    int(a["voteEnd"]),
                    d,
                )
            elif name == "ProposalCategorized" and (p := self.proposals.get(int(a["proposalId"]))):
                p.category = Category(a["category"])
            elif name in ("VoteCast", "VoteCastWithParams"):
                p = self.proposals.get(int(a["proposalId"]))
                sender, _ = self.transactions.get(d.log.tx_hash, (None, None))
                vote = Vote(_checksum(a["voter"]), VoteType(a["support"]), int(a["weight"]), a["reason"], d, sender)
                (p.votes.append(vote) if p else self.unknown_votes.append(d))
            elif name == "ProposalQueued" and (p := self.proposals.get(int(a["proposalId"]))):
                p.queued, p.eta = d, int(a["etaSeconds"])
            elif name == "ProposalExecuted" and (p := self.proposals.get(int(a["proposalId"]))):
                p.executed = d
            elif name == "ProposalCanceled" and (p := self.proposals.get(int(a["proposalId"]))):
                p.canceled = d
            elif name == "ProposalExtended" and (p := self.proposals.get(int(a["proposalId"]))):
                p.extended_deadline = int(a["extendedDeadline"])
            elif name == "RulesUpdated":
                self.rules.append(d)
        elif d.contract == "membership":
            account = _checksum(a["account"]) if "account" in a else None
            if name == "MemberAdmitted":
                self._member(
                    account,
                    t,
                    MemberState(
                        Role(a["role"]),
                        StakeholderGroup(a["group"]),
                        MemberStatus.ACTIVE,
                        int(a["weight"]),
                        a["name"],
                        int(a["joinedAt"]),
                    ),
                )
            elif name == "MemberStatusChanged":
                self._member(account, t, self._replace(account, status=MemberStatus(a["current"])))
            elif name == "MemberRoleChanged":
                self._member(account, t, self._replace(account, role=Role(a["current"])))
            elif name == "MemberWeightChanged":
                self._member(account, t, self._replace(account, weight=int(a["current"])))
            elif name == "ProxyAppointed":
                self.proxy_changes.setdefault(to_checksum_address(a["member"]), []).append(
                    (t, to_checksum_address(a["proxy"]))
                )
            elif name == "ProxyRevoked":
                self.proxy_changes.setdefault(to_checksum_address(a["member"]), []).append((t, None))
            elif name == "AgreementAmended":
                self.agreements.append(d)
        elif d.contract == "timelock":
            if name == "CallScheduled":
                self.scheduled.setdefault(bytes(a["id"]), []).append(d)
            elif name == "CallExecuted":
                self.executed_calls.setdefault(bytes(a["id"]), []).append(d)
            elif name == "MinDelayChange":
                self.min_delays.append((t, int(a["newDuration"])))
        elif d.contract == "token":
            self.transfers.append(d)

    def _member(self, account: str | None, t: int, state: MemberState) -> None:
        assert account is not None
        self.member_changes.setdefault(account, []).append((t, state))

    def _replace(self, account: str | None, **changes: Any) -> MemberState:
        assert account is not None
        history = self.member_changes.get(account)
        if not history:  # a change for an account never admitted in these logs: keep what the event says
            base = MemberState(Role.NONE, StakeholderGroup.OTHER, MemberStatus.NONE, 0, "", 0)
        else:
            base = history[-1][1]
        return MemberState(**{**base.__dict__, **changes})

    # ------------------------------------------------------------------ questions

    def member_at(self, account: str, t: int | None = None) -> MemberState | None:
        """``account``'s record as of timepoint ``t`` (None: the latest)."""
        state = None
        for when, s in self.member_changes.get(_checksum(account), []):
            if t is not None and when > t:
                break
            state = s
        return state

    def proxy_at(self, account: str, t: int) -> str | None:
        proxy = None
        for when, p in self.proxy_changes.get(_checksum(account), []):
            if when > t:
                break
            proxy = p
        return proxy

    def principals_at(self, proxy: str, t: int) -> list[str]:
        proxy = _checksum(proxy)
        return [m for m in self.proxy_changes if self.proxy_at(m, t) == proxy]

    def power_at(self, account: str, t: int) -> int:
        """Voting power as the registry's checkpoints should hold it at ``t``: own units unless given to a proxy,
        plus the units of every member that appointed ``account``."""
        account = _checksum(account)
        state = self.member_at(account, t)
        own = state.units if state and self.proxy_at(account, t) is None else 0
        return own + sum((s.units if (s := self.member_at(m, t)) else 0) for m in self.principals_at(account, t))

    def total_power_at(self, t: int) -> int:
        return sum(s.units for a in self.member_changes if (s := self.member_at(a, t)) is not None)

    def name_of(self, address: str) -> str | None:
        try:
            state = self.member_at(address)
        except ValueError:
            return None
        return state.name if state else None

    def min_delay_at(self, t: int) -> int | None:
        delay = None
        for when, value in self.min_delays:
            if when > t:
                break
            delay = value
        return delay

    def proposal_list(self) -> list[ProposalRecord]:
        return sorted(self.proposals.values(), key=lambda p: p.number)


def load_history(index: DecisionIndex) -> History:
    """The history the local index holds (as synced so far)."""
    return History.from_logs(index.record, index.logs(), index.block_times(), index.transactions())


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

    rules, early = (value["rules"], value["earlyClose"]) if isinstance(value, dict) else value
    return [rule(r) for r in rules], bool(early)
