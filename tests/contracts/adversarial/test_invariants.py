"""Stateful property-based tests (hypothesis) of the consortium on the session's anvil.

Random sequences of admissions, removals, suspensions, reinstatements, role, group, weight and constitutional-vote
changes
(sent from the timelock's address, as governance would), proxy appointments and revocations, resignations,
proposals with random actions, votes, queueing, execution, sanctions of silent members and time advances. A Python
model of the registry predicts which operations must succeed; after every step the chain is checked against it:

- total voting power == sum of the weights of active non-observer members == ``getPastTotalSupply``, and the same
  for the constitutional electorate (members with a constitutional vote) == ``getPastConstitutionalSupply``;
- each member's ``getVotes`` (and constitutional votes) == its own units (if it has no proxy) + the units of the
  members it represents;
- each proposal's snapshot total and every vote's weight equal the model's power at the snapshot in the proposal's
  electorate, or the voter's own units when its proxy lost its vote since (P6);
- each class's power (role x stakeholder group, ``classPowerAt``) == the model's, now and at every proposal's
  snapshot: a member whose role or group changed after a snapshot stays in its class of then for that proposal;
- no address votes twice on a proposal; tallies == the sums of the ``VoteCast`` events;
- proposal states move only along OpenZeppelin's lifecycle;
- the category the governor derives equals a Python re-derivation from the actions (so it is never weaker than
  the strictest action).

And the two governance properties of contracts v2, as invariants:

- P1, no capture: a change taken under a rule weaker than the constitutional one (admitting a partner or an observer)
  leaves every member's constitutional power and the constitutional total exactly as they were;
- P2, never frozen: governance never gives a member more than the cap (1/3) of either electorate (the model refuses
  exactly those steps, and the chain agrees), and a proposal suspending any member who does not vote passes when
  every other member votes for it.

A fixed seed (:data:`SEED`) and no example database, so CI runs the same sequences every time. Each example starts
from an EVM snapshot of the fresh deployment and reverts to it. Counts go to ``.build/invariants-stats.json``.
"""

from __future__ import annotations

import bisect
import json
import time
from dataclasses import dataclass, field, replace

import pytest
from eth_utils import function_signature_to_4byte_selector as selector
from eth_utils import to_checksum_address
from hypothesis import HealthCheck, seed, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from web3.exceptions import ContractCustomError, ContractLogicError
from web3.logs import DISCARD

from ccsi_dao.errors import ContractRevertError
from ccsi_dao.governance import actions
from ccsi_dao.governance.actions import Action
from ccsi_dao.types import Category, MemberStatus, ProposalState, Role, StakeholderGroup, VoteType
from tests.support import ROOT
from tests.support.attackkit import data, error_name

STATS_FILE = "invariants-stats.json"
MAX_WEIGHT = 1_000_000
POOL = range(1, 17)  # accounts 1..12 start as members, 13..16 can be admitted
EXAMPLES, STEPS = 7, 40
SEED = 2
"""Hypothesis's seed. Without one, ``derandomize`` seeds from the machine's source text, so a mere reformatting drew
other sequences (one that never removed or reinstated a member). With seed 2 every rule below is tried at least five
times and a proposal is executed; the test asserts both, so an edit that narrows the sequences fails here (then pick
a seed that covers them all again)."""
RULES = frozenset(
    {"admit", "appointProxy", "propose", "queue", "reinstate", "removed", "resign", "revokeProxy", "sanction",
     "setConstitutionalVote", "setGroup", "setRole", "setWeight", "suspended", "vote"}
)  # fmt: skip

P, A, C, D, S, Q, X, E = (
    ProposalState.PENDING,
    ProposalState.ACTIVE,
    ProposalState.CANCELED,
    ProposalState.DEFEATED,
    ProposalState.SUCCEEDED,
    ProposalState.QUEUED,
    ProposalState.EXPIRED,
    ProposalState.EXECUTED,
)
# OpenZeppelin's lifecycle, as seen between two observations (a time jump may skip Active entirely).
LIFECYCLE = {P: {P, A, C, D}, A: {A, D, S}, S: {S, Q}, Q: {Q, E}, D: {D}, C: {C}, E: {E}, X: {X}}

ADMIT_SELECTOR = selector("admit(address,uint8,uint8,uint32,string)")
SANCTION_SELECTORS = {selector("suspend(address)"), selector("remove(address)")}
CAP = (1, 3)  # the test consortium's max_share
ALL_CLASSES = (1 << 12) - 1


@dataclass(frozen=True)
class Rec:
    """The model's record of one account."""

    status: MemberStatus = MemberStatus.NONE
    role: Role = Role.NONE
    weight: int = 0
    proxy: int | None = None
    constitutional: bool = False
    voting_since: int = 0
    group: int = 0

    @property
    def can_vote(self) -> bool:
        return self.status == MemberStatus.ACTIVE and self.role != Role.OBSERVER

    @property
    def units(self) -> int:
        return self.weight if self.can_vote else 0

    @property
    def c_units(self) -> int:
        return self.units if self.constitutional else 0

    @property
    def founder(self) -> bool:
        return self.status == MemberStatus.ACTIVE and self.role == Role.FOUNDING_PARTNER


def class_power(model: dict[int, Rec]) -> list[int]:
    """Each class's four 32-bit lanes (units, constitutional units, members, members with a constitutional vote) as
    ``classPowerAt`` returns them: class ``6 * r + g``, ``r`` 0 for founding partners."""
    out = [0] * 12
    for r in model.values():
        if r.units:
            lanes = r.units | r.c_units << 32 | 1 << 64 | (1 << 96 if r.c_units else 0)
            out[(0 if r.role == Role.FOUNDING_PARTNER else 6) + r.group] += lanes
    return out


def powers(model: dict[int, Rec], constitutional: bool = False) -> dict[int, int]:
    """Voting power of every account in one electorate (OpenZeppelin delegation: power goes to the delegate)."""
    out = dict.fromkeys(model, 0)
    for i, r in model.items():
        out[r.proxy if r.proxy is not None else i] += r.c_units if constitutional else r.units
    return out


def derive_category(dao, acts: list[Action]) -> Category:
    """The category README's table gives these actions, re-derived in Python (independently of the library): only
    admitting a partner or an observer is a membership decision."""

    def one(a: Action) -> Category:
        if a.target in (dao.record.governor, dao.record.timelock):
            return Category.CONSTITUTIONAL
        if a.target == dao.record.membership:
            role = int.from_bytes(a.data[36:68], "big") if len(a.data) >= 68 else None
            if a.data[:4] == ADMIT_SELECTOR and a.value == 0 and role in (Role.PARTNER, Role.OBSERVER):
                return Category.MEMBERSHIP
            return Category.CONSTITUTIONAL
        return Category.ORDINARY if int(a.target, 16) == 0 and not a.value and not a.data else Category.TREASURY

    return max(one(a) for a in acts)


def action_strategy(dao, accounts):
    """Proposal actions of every kind, harmless and hostile, including malformed registry calls."""
    reg, gov, tl = dao.record.membership, dao.record.governor, dao.record.timelock
    who = st.sampled_from([accounts[i].address for i in range(1, 20)])
    registry_calls = st.one_of(
        st.builds(
            lambda a, r, w: actions.admit(reg, a, "N", Role(r), weight=w), who, st.integers(1, 3), st.integers(1, 5)
        ),
        st.builds(lambda a: actions.remove(reg, a), who),
        st.builds(lambda a: actions.suspend(reg, a), who),
        st.builds(lambda a: actions.reinstate(reg, a), who),
        st.builds(lambda a, r: actions.set_role(reg, a, Role(r)), who, st.integers(1, 3)),
        st.builds(lambda a, g: actions.set_group(reg, a, StakeholderGroup(g)), who, st.integers(0, 5)),
        st.builds(lambda a, w: actions.set_weight(reg, a, w), who, st.integers(1, MAX_WEIGHT)),
        st.builds(lambda a, c: actions.set_constitutional_vote(reg, a, c), who, st.booleans()),
        st.builds(lambda: actions.amend_agreement(reg, b"\x22" * 32, "ipfs://v2")),
        st.builds(lambda d: Action(reg, 0, d), st.binary(max_size=6)),
    )
    return st.one_of(
        st.just(actions.signal()),
        st.builds(lambda a, v: actions.transfer_eth(a, v), who, st.integers(0, 2)),
        st.builds(lambda a, d: actions.raw(a, d), who, st.binary(max_size=8)),
        registry_calls,
        st.builds(lambda a, v: Action(a.target, v, a.data), registry_calls, st.integers(0, 1)),
        st.builds(lambda d, v: Action(gov, v, d), st.binary(max_size=6), st.integers(0, 1)),
        st.builds(lambda d: Action(tl, 0, d), st.binary(max_size=6)),
        st.just(actions.set_voting_period(gov, 7_200)),
    )


@dataclass
class Stats:
    examples: int = 0
    steps: int = 0
    sent: int = 0
    refused: int = 0
    proposals: int = 0
    votes: int = 0
    executed: int = 0
    by_rule: dict[str, int] = field(default_factory=dict)


@pytest.mark.slow  # hypothesis drives many random histories through anvil
def test_invariants_hold_over_random_histories(dao, accounts, chain) -> None:
    w3, reg, gov = chain.w3, dao.membership.functions, dao.governor.functions
    timelock = dao.record.timelock
    addr = {i: accounts[i].address for i in range(20)}
    index_of = {a: i for i, a in addr.items()}
    initial = {
        i: Rec(
            MemberStatus.ACTIVE, Role.FOUNDING_PARTNER if i <= 2 else Role.PARTNER, 1, constitutional=True, group=i % 6
        )  # the test consortium: partner i in group i % 6
        if i <= 12
        else Rec()
        for i in POOL
    }
    acts_strategy = action_strategy(dao, accounts)
    harmless_strategy = st.one_of(  # calls that touch no contract: executable whatever the state
        st.just(actions.signal()),
        st.builds(lambda i, d: actions.raw(accounts[i].address, d), st.sampled_from(POOL), st.binary(max_size=8)),
    )
    stats = Stats()

    def rpc(method: str, params: list) -> object:
        response = w3.provider.make_request(method, params)
        assert "error" not in response, response
        return response["result"]

    REG, GOV = dao.membership, dao.governor
    MEMBER_FIELDS = [c["name"] for f in REG.abi if f.get("name") == "memberOf" for c in f["outputs"][0]["components"]]

    def read_batch(calls: list[tuple[object, str, list]]) -> list[object]:
        """View calls at the latest block in JSON-RPC batches (the library's BlockReader: calldata by eth_abi, as
        web3's contract encoding took a third of this test's time); each result decoded, a single output unwrapped."""
        read = dao.chain.reader("latest")
        read.prefetch((c, name, *args) for c, name, args in calls)
        return [read(c, name, *args) for c, name, args in calls]

    def timestamp_of(receipt) -> int:
        return int(w3.eth.get_block(receipt["blockNumber"])["timestamp"])

    @seed(SEED)
    class Consortium(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.snapshot = rpc("evm_snapshot", [])
            rpc("anvil_setBalance", [timelock, hex(10**18)])
            rpc("anvil_impersonateAccount", [timelock])
            self.model = dict(initial)
            self.start_block = w3.eth.block_number
            # (timestamp, model) after every state-changing transaction, by increasing timestamp
            self.history: list[tuple[int, dict[int, Rec]]] = [(chain.now(), dict(self.model))]
            self.proposals: list = []  # ccsi_dao.governance.Proposal
            self.states: dict[int, ProposalState] = {}
            self.voted: dict[int, set[int]] = {}
            stats.examples += 1

        def teardown(self) -> None:
            rpc("anvil_stopImpersonatingAccount", [timelock])
            rpc("evm_revert", [self.snapshot])

        # ------------------------------------------------------------ helpers

        def _total(self, model: dict[int, Rec] | None = None, constitutional: bool = False) -> int:
            return sum(r.c_units if constitutional else r.units for r in (model or self.model).values())

        def _founders(self) -> int:
            return sum(r.founder for r in self.model.values())

        def _record(self, receipt) -> None:
            self.history.append((timestamp_of(receipt), dict(self.model)))
            stats.sent += 1

        def _at(self, timepoint: int) -> dict[int, Rec]:
            """The model as it was at ``timepoint`` (the contracts' clock)."""
            k = bisect.bisect_right([h[0] for h in self.history], timepoint) - 1
            return self.history[k][1]

        def _constitutional_on_chain(self) -> list[object]:
            now = chain.now()
            return read_batch(
                [(REG, "getPastConstitutionalVotes", [addr[i], now - 1]) for i in POOL]
                + [(REG, "getPastConstitutionalSupply", [now - 1])]
            )

        def _governance(self, name: str, fn, allowed: bool, update) -> None:
            """Send a registry call from the timelock; it must succeed exactly when the model allows it. A call a
            membership decision may make (an admission) must leave the constitutional electorate untouched (P1)."""
            stats.by_rule[name] = stats.by_rule.get(name, 0) + 1
            call = Action(dao.record.membership, 0, data(fn))
            weaker_rule = derive_category(dao, [call]) < Category.CONSTITUTIONAL
            if weaker_rule:
                rpc("evm_mine", [])
                before = self._constitutional_on_chain()
            try:
                # headroom over the estimate: mined in a later second, a checkpoint is written fresh (22,100 gas)
                tx_hash = fn.transact({"from": timelock, "gas": fn.estimate_gas({"from": timelock}) * 2 + 200_000})
            except (ContractCustomError, ContractLogicError) as exc:
                assert not allowed, f"{name} refused: {error_name(exc.data if isinstance(exc.data, str) else '')}"
                stats.refused += 1
                return
            receipt = w3.eth.wait_for_transaction_receipt(tx_hash)
            assert receipt["status"] == 1 and allowed, f"{name} accepted although the model forbids it"
            update()
            self._record(receipt)
            if weaker_rule:
                rpc("evm_increaseTime", [1])
                rpc("evm_mine", [])
                assert self._constitutional_on_chain() == before, (
                    f"P1: {name} (membership rule) moved constitutional power"
                )

        def _member_act(self, name: str, send, allowed: bool, update) -> None:
            stats.by_rule[name] = stats.by_rule.get(name, 0) + 1
            try:
                receipt = send()
            except ContractRevertError as exc:
                assert not allowed, f"{name} refused: {exc}"
                stats.refused += 1
                return
            assert allowed, f"{name} accepted although the model forbids it"
            update()
            self._record(receipt)

        def _set(self, i: int, **changes) -> None:
            """Apply a record change and what the registry does after it (vote regained: votingSince; vote lost:
            proxies released)."""
            could_vote = self.model[i].can_vote
            self.model[i] = replace(self.model[i], **changes)
            if self.model[i].can_vote and not could_vote:
                self.model[i] = replace(self.model[i], voting_since=chain.now() + 1)  # the next block's timestamp
            if not self.model[i].can_vote:
                self.model[i] = replace(self.model[i], proxy=None)
                for j, r in self.model.items():
                    if r.proxy == i:
                        self.model[j] = replace(r, proxy=None)

        def _within_cap(self, i: int, after: Rec) -> bool:
            """P2: governance may not give member ``i`` more than the cap of either electorate."""
            trial = {**self.model, i: after}
            for constitutional in (False, True):
                mine = after.c_units if constitutional else after.units
                before = self.model[i].c_units if constitutional else self.model[i].units
                total = self._total(trial, constitutional)
                if mine > before and mine * CAP[1] > total * CAP[0]:
                    return False
            return True

        def _advance_to(self, timestamp: int) -> None:
            rpc("evm_increaseTime", [max(timestamp - chain.now(), 1)])
            rpc("evm_mine", [])

        def _keeps_a_founder(self, i: int, after: Rec) -> bool:
            return not (self.model[i].founder and not after.founder and self._founders() == 1)

        # ------------------------------------------------------------ rules (few, so that swarm testing keeps a mix)

        @rule(
            op=st.sampled_from(
                [
                    "admit",
                    "remove_or_suspend",
                    "reinstate",
                    "set_role",
                    "set_group",
                    "set_weight",
                    "constitutional_vote",
                ]
            ),
            i=st.sampled_from(POOL),
            role=st.sampled_from(list(Role)),
            weight=st.sampled_from([0, 1, 2, 3, 7, MAX_WEIGHT, MAX_WEIGHT + 1]),
            status=st.sampled_from([MemberStatus.REMOVED, MemberStatus.SUSPENDED]),
        )
        def govern(self, op, i, role, weight, status):
            """A registry change sent from the timelock, as an executed decision would."""
            if op == "admit":
                self.do_admit(i, Role.PARTNER if role == Role.NONE else role, max(1, min(weight, 5)))
            elif op == "remove_or_suspend":
                self.do_remove_or_suspend(i, status)
            elif op == "reinstate":
                self.do_reinstate(i)
            elif op == "set_role":
                self.do_set_role(i, role)
            elif op == "set_group":
                self.do_set_group(i, weight % 6)
            elif op == "constitutional_vote":
                self.do_constitutional_vote(i, weight % 2 == 1)
            else:
                self.do_set_weight(i, weight)

        @rule(
            op=st.sampled_from(["resign", "appoint_proxy", "appoint_proxy", "revoke_proxy"]),
            i=st.sampled_from(POOL),
            p=st.sampled_from(POOL),
        )
        def member(self, op, i, p):
            """A member's own act."""
            if op == "resign":
                self.do_resign(i)
            elif op == "appoint_proxy":
                self.do_appoint_proxy(i, p)
            else:
                self.do_revoke_proxy(i)

        @initialize(acts=st.lists(st.deferred(lambda: harmless_strategy), min_size=1, max_size=3))
        def first_proposal(self, acts):
            """A proposal that can be executed, opened and voted on by four founding-time members, so every
            example exercises votes and the whole lifecycle, whichever rules the run then draws."""
            self.propose(1, acts)
            proposal = self.proposals[-1]
            self._advance_to(proposal.snapshot + 1)
            for i, support in zip(
                (1, 2, 3, 4), (VoteType.FOR, VoteType.FOR, VoteType.AGAINST, VoteType.ABSTAIN), strict=True
            ):
                self.cast(proposal, i, support)

        # ------------------------------------------------------------ governance changes (from the timelock)

        def do_admit(self, i, role, weight):
            founder = role == Role.FOUNDING_PARTNER
            after = replace(
                self.model[i], status=MemberStatus.ACTIVE, role=role, weight=weight, proxy=None, constitutional=founder
            )
            allowed = self.model[i].status not in (MemberStatus.ACTIVE, MemberStatus.SUSPENDED) and self._within_cap(
                i, after
            )
            self._governance(
                "admit",
                reg.admit(addr[i], int(role), 0, weight, f"Member {i}"),
                allowed,
                lambda: self._set(
                    i, status=MemberStatus.ACTIVE, role=role, weight=weight, proxy=None, constitutional=founder, group=0
                ),
            )

        def do_constitutional_vote(self, i, flag):
            r = self.model[i]
            current = r.status in (MemberStatus.ACTIVE, MemberStatus.SUSPENDED)
            allowed = current and (
                r.constitutional == flag
                or (r.role != Role.FOUNDING_PARTNER and self._within_cap(i, replace(r, constitutional=flag)))
            )
            self._governance(
                "setConstitutionalVote",
                reg.setConstitutionalVote(addr[i], flag),
                allowed,
                lambda: self._set(i, constitutional=flag),
            )

        def do_remove_or_suspend(self, i, status):
            r = self.model[i]
            ok_from = (
                (MemberStatus.ACTIVE, MemberStatus.SUSPENDED)
                if status == MemberStatus.REMOVED
                else (MemberStatus.ACTIVE,)
            )
            allowed = r.status in ok_from and self._keeps_a_founder(i, replace(r, status=status))
            fn = reg.remove(addr[i]) if status == MemberStatus.REMOVED else reg.suspend(addr[i])
            self._governance(status.name.lower(), fn, allowed, lambda: self._set(i, status=status))

        def do_reinstate(self, i):
            r = self.model[i]
            allowed = r.status == MemberStatus.SUSPENDED and self._within_cap(i, replace(r, status=MemberStatus.ACTIVE))
            self._governance(
                "reinstate", reg.reinstate(addr[i]), allowed, lambda: self._set(i, status=MemberStatus.ACTIVE)
            )

        def do_set_role(self, i, role):
            r = self.model[i]
            constitutional = r.constitutional or role == Role.FOUNDING_PARTNER
            after = replace(r, role=role, constitutional=constitutional)
            allowed = (
                r.status in (MemberStatus.ACTIVE, MemberStatus.SUSPENDED)
                and role != Role.NONE
                and (role == r.role or (self._keeps_a_founder(i, after) and self._within_cap(i, after)))
            )
            self._governance(
                "setRole",
                reg.setRole(addr[i], int(role)),
                allowed,
                lambda: self._set(i, role=role, constitutional=constitutional if role != r.role else r.constitutional),
            )

        def do_set_group(self, i, group):
            allowed = self.model[i].status in (MemberStatus.ACTIVE, MemberStatus.SUSPENDED)
            self._governance("setGroup", reg.setGroup(addr[i], group), allowed, lambda: self._set(i, group=group))

        def do_set_weight(self, i, weight):
            r = self.model[i]
            allowed = (
                r.status in (MemberStatus.ACTIVE, MemberStatus.SUSPENDED)
                and 1 <= weight <= MAX_WEIGHT
                and self._within_cap(i, replace(r, weight=weight))
            )
            self._governance("setWeight", reg.setWeight(addr[i], weight), allowed, lambda: self._set(i, weight=weight))

        # ------------------------------------------------------------ members' own acts

        def do_resign(self, i):
            r = self.model[i]
            allowed = r.status in (MemberStatus.ACTIVE, MemberStatus.SUSPENDED) and self._keeps_a_founder(
                i, replace(r, status=MemberStatus.RESIGNED)
            )
            self._member_act(
                "resign", lambda: dao.resign(accounts[i]), allowed, lambda: self._set(i, status=MemberStatus.RESIGNED)
            )

        def do_appoint_proxy(self, i, p):
            r = self.model[i]
            holds_proxies = any(x.proxy == i for x in self.model.values())
            allowed = (
                i != p
                and r.can_vote
                and self.model[p].can_vote
                and r.proxy != p
                and not holds_proxies
                and self.model[p].proxy is None
            )  # proxies do not chain
            self._member_act(
                "appointProxy", lambda: dao.appoint_proxy(accounts[i], addr[p]), allowed, lambda: self._set(i, proxy=p)
            )

        def do_revoke_proxy(self, i):
            allowed = self.model[i].proxy is not None
            self._member_act(
                "revokeProxy", lambda: dao.revoke_proxy(accounts[i]), allowed, lambda: self._set(i, proxy=None)
            )

        # ------------------------------------------------------------ proposals and votes

        @rule(i=st.sampled_from(POOL), harmless=st.booleans(), data=st.data())
        def propose_rule(self, i, harmless, data):
            kinds = harmless_strategy if harmless else acts_strategy
            self.propose(i, data.draw(st.lists(kinds, min_size=1, max_size=4)))

        def propose(self, i, acts):
            expected = derive_category(dao, acts)
            assert dao.categorize(acts) == expected
            named = [
                a.data[16:36]
                for a in acts
                if a.target == dao.record.membership
                and len(a.data) >= 36
                and a.data[:4] in SANCTION_SELECTORS
                and a.data[4:16] == bytes(12)
            ]
            allowed = self.model[i].can_vote and len(named) == len(set(named))  # nobody sanctioned twice
            description = f"Proposal {stats.proposals} of example {stats.examples}"

            def sent():
                proposal = dao.propose(accounts[i], acts, description)
                self.proposals.append(proposal)
                self.states[proposal.id] = ProposalState.PENDING
                self.voted[proposal.id] = set()
                assert gov.proposalCategory(proposal.id).call() == expected
                stats.proposals += 1
                return proposal

            stats.by_rule["propose"] = stats.by_rule.get("propose", 0) + 1
            try:
                sent()
            except ContractRevertError as exc:
                assert not allowed and exc.error_name in ("GovernorProposerNotMember", "GovernorDuplicateSanction"), exc
                stats.refused += 1

        @precondition(lambda self: self.proposals)
        @rule(
            data=st.data(),
            ballots=st.lists(
                st.sampled_from([VoteType.FOR, None, VoteType.AGAINST, VoteType.ABSTAIN]),
                min_size=len(POOL),
                max_size=len(POOL),
            ),
        )
        def vote(self, data, ballots):
            """Every account of the pool votes (or not) on one proposal: members, former members, outsiders."""
            proposal = data.draw(st.sampled_from(self.proposals[::-1]))  # the latest first
            if dao.state(proposal.id) == ProposalState.PENDING:  # let time pass until voting opens
                self._advance_to(proposal.snapshot + 1)
            for i, support in zip(POOL, ballots, strict=True):
                if support is not None and not self.cast(proposal, i, support) and not self.open:
                    return  # voting is closed: one refused vote shows it, the others would too

        def weight_at_snapshot(self, proposal, i) -> int:
            """What member ``i`` votes with on ``proposal``: its power at the snapshot in the proposal's electorate,
            or (P6) its own units then when its proxy has lost its vote since and did not vote."""
            constitutional = proposal.category == Category.CONSTITUTIONAL
            then = self._at(proposal.snapshot)
            weight = powers(then, constitutional)[i]
            proxy = then[i].proxy
            if weight == 0 and proxy is not None:
                now = self.model[proxy]
                proxy_votes = now.can_vote and now.voting_since <= proposal.snapshot
                if not proxy_votes and proxy not in self.voted[proposal.id]:
                    weight = then[i].c_units if constitutional else then[i].units
            return weight

        def cast(self, proposal, i, support) -> bool:
            """Cast one vote; it must be counted exactly when the model allows it. Whether it was counted."""
            state = dao.state(proposal.id)
            self.open = state == ProposalState.ACTIVE
            snapshot_power = None
            if state == ProposalState.ACTIVE:
                snapshot_power = self.weight_at_snapshot(proposal, i)
            r = self.model[i]
            allowed = (
                state == ProposalState.ACTIVE
                and r.can_vote
                and r.voting_since <= proposal.snapshot
                and i not in self.voted[proposal.id]
                and snapshot_power
            )
            stats.by_rule["vote"] = stats.by_rule.get("vote", 0) + 1
            try:
                receipt = dao.vote(accounts[i], proposal.id, support)
            except ContractRevertError as exc:
                assert not allowed, f"vote refused: {exc}"
                stats.refused += 1
                return False
            assert allowed, "vote accepted although the model forbids it"
            cast = dao.governor.events.VoteCast().process_receipt(receipt, errors=DISCARD)[0]["args"]
            assert cast["weight"] == snapshot_power
            self.voted[proposal.id].add(i)
            stats.votes += 1
            stats.sent += 1
            return True

        @precondition(lambda self: self.proposals)
        @rule(data=st.data())
        def queue_and_execute(self, data):
            """Queue a succeeded proposal whose actions touch no contract, wait the delay, execute it."""
            succeeded = [p for p in self.proposals if self.states[p.id] == ProposalState.SUCCEEDED]
            proposal = data.draw(st.sampled_from(succeeded or self.proposals))
            harmless = all(
                (a.target == actions.SIGNAL_TARGET or a.target in index_of) and a.value == 0 for a in proposal.actions
            )
            stats.by_rule["queue"] = stats.by_rule.get("queue", 0) + 1
            if dao.state(proposal.id) != ProposalState.SUCCEEDED:
                with pytest.raises(ContractRevertError) as err:
                    dao.queue(accounts[1], proposal)
                assert err.value.error_name == "GovernorUnexpectedProposalState"
                stats.refused += 1
                return
            if not harmless:  # executing it would change what the model does not follow
                return
            dao.queue(accounts[1], proposal)
            self.chain_matches_model()  # observe Queued before Executed
            self._advance_to(gov.proposalEta(proposal.id).call())
            dao.execute(accounts[2], proposal)
            stats.executed += 1
            stats.sent += 2

        @precondition(lambda self: any(r.units for r in self.model.values()))
        @rule(data=st.data())
        def sanction_a_silent_member(self, data):
            """P2: a member who never votes cannot make the quorum of its own suspension unreachable: when every
            other member votes for suspending it, the proposal passes (constitutional rule, quorum without its
            power). Not executed (the model does not follow it)."""
            voters = [i for i in POOL if self.model[i].can_vote]
            silent = data.draw(st.sampled_from(voters))
            proposer = next((i for i in voters if i != silent), None)
            if proposer is None:
                return
            stats.by_rule["sanction"] = stats.by_rule.get("sanction", 0) + 1
            proposal = dao.propose(
                accounts[proposer],
                [actions.suspend(dao.record.membership, addr[silent])],
                f"Suspend silent member {silent} ({stats.proposals})",
            )
            self.proposals.append(proposal)
            self.states[proposal.id] = ProposalState.PENDING
            self.voted[proposal.id] = set()
            stats.proposals += 1
            self._advance_to(proposal.snapshot + 1)
            for i in POOL:
                if i != silent:
                    self.cast(proposal, i, VoteType.FOR)
            deadline = gov.proposalDeadline(proposal.id).call()
            self._advance_to(deadline + 1)
            assert dao.state(proposal.id) == ProposalState.SUCCEEDED, "P2: a silent member blocked its own suspension"
            self.states[proposal.id] = ProposalState.SUCCEEDED

        @rule(seconds=st.sampled_from([1, 40, 150, 600, 1_200]))
        def advance(self, seconds):
            rpc("evm_increaseTime", [seconds])
            rpc("evm_mine", [])

        # ------------------------------------------------------------ invariants (checked after every step)

        @invariant()
        def chain_matches_model(self):
            """One JSON-RPC batch reads every record, power, tally and state; all are checked against the model."""
            stats.steps += 1
            rpc("evm_increaseTime", [1])
            rpc("evm_mine", [])  # the latest state is now in the past, where getPastTotalSupply can read it
            now = chain.now()
            calls = []
            for i in POOL:
                calls += [
                    (REG, "memberOf", [addr[i]]),
                    (REG, "proxyOf", [addr[i]]),
                    (REG, "votingUnitsOf", [addr[i]]),
                    (REG, "getVotes", [addr[i]]),
                    (REG, "getPastConstitutionalVotes", [addr[i], now - 1]),
                ]
            calls += [
                (REG, "getPastTotalSupply", [now - 1]),
                (REG, "getPastConstitutionalSupply", [now - 1]),
                (REG, "activeFoundingPartners", []),
                (REG, "classPowerAt", [now - 1, ALL_CLASSES]),
            ]
            for p in self.proposals:
                calls += [(GOV, "state", [p.id]), (GOV, "proposalVotes", [p.id])]
                if p.snapshot < now:
                    calls += [
                        (REG, "getPastTotalSupply", [p.snapshot]),
                        (REG, "classPowerAt", [p.snapshot, ALL_CLASSES]),
                    ]
            results = iter(read_batch(calls))

            expected = powers(self.model)
            expected_constitutional = powers(self.model, constitutional=True)
            total = 0
            for i in POOL:
                record, proxy, units, votes, constitutional_votes = (next(results) for _ in range(5))
                fields = dict(zip(MEMBER_FIELDS, record, strict=True))
                r = self.model[i]
                assert (MemberStatus(fields["status"]), Role(fields["role"])) == (r.status, r.role), f"record of {i}"
                assert r.status == MemberStatus.NONE or fields["group"] == r.group, f"group of account {i}"
                assert r.status == MemberStatus.NONE or fields["weight"] == r.weight, f"weight of account {i}"
                assert r.status == MemberStatus.NONE or fields["constitutionalVote"] == r.constitutional, f"vote of {i}"
                assert (None if int(proxy, 16) == 0 else index_of[to_checksum_address(proxy)]) == r.proxy, (
                    f"proxy of {i}"
                )
                assert units == r.units, f"units of account {i}"
                assert votes == expected[i], f"getVotes of account {i}: {votes} != {expected[i]}"
                assert constitutional_votes == expected_constitutional[i], f"constitutional votes of account {i}"
                total += units
            past_total, constitutional_total, founders, classes = (next(results) for _ in range(4))
            assert list(classes) == class_power(self.model), "class power"
            assert total == self._total() == past_total, "total power"
            assert constitutional_total == self._total(constitutional=True), "constitutional power"
            assert founders == self._founders() >= 1, "active founding partners"

            sums = self._vote_events()
            for p in self.proposals:
                state, tally = ProposalState(next(results)), next(results)
                assert state in LIFECYCLE[self.states[p.id]], f"{self.states[p.id].name} -> {state.name}"
                self.states[p.id] = state
                assert tuple(tally) == sums.get(p.id, (0, 0, 0)), "tally differs from the VoteCast events"
                if p.snapshot < now:
                    assert next(results) == self._total(self._at(p.snapshot)), "total power at the snapshot"
                    assert list(next(results)) == class_power(self._at(p.snapshot)), "class power at the snapshot"

        def _vote_events(self) -> dict[int, tuple[int, int, int]]:
            """Tallies from the VoteCast events (against, for, abstain); fails if an address voted twice."""
            if not self.proposals:
                return {}
            seen: set[tuple[int, str]] = set()
            sums: dict[int, list[int]] = {}
            for log in dao.governor.events.VoteCast.get_logs(from_block=self.start_block):
                a = log["args"]
                key = (a["proposalId"], a["voter"])
                assert key not in seen, f"{a['voter']} voted twice on a proposal"
                seen.add(key)
                sums.setdefault(a["proposalId"], [0, 0, 0])[a["support"]] += a["weight"]
            for p in self.proposals:
                assert {index_of[v] for (pid, v) in seen if pid == p.id} == self.voted[p.id], "voters differ"
            return {pid: tuple(t) for pid, t in sums.items()}

    started = time.monotonic()
    run_state_machine_as_test(
        Consortium,
        settings=settings(
            max_examples=EXAMPLES,
            stateful_step_count=STEPS,
            derandomize=True,
            database=None,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        ),
    )
    elapsed = time.monotonic() - started
    summary = {
        "examples": stats.examples,
        "steps": stats.steps,
        "transactions": stats.sent,
        "refused_as_predicted": stats.refused,
        "proposals": stats.proposals,
        "votes": stats.votes,
        "executed": stats.executed,
        "rules": dict(sorted(stats.by_rule.items())),
        "seconds": round(elapsed, 1),
    }
    out = ROOT / ".build" / STATS_FILE
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(summary, indent=2) + "\n")
    print(f"\ninvariants: {json.dumps(summary)}")
    assert stats.examples >= EXAMPLES and stats.proposals > 0 and stats.votes > 0
    assert set(stats.by_rule) == RULES and stats.executed > 0, summary  # the sequences still cover every rule
