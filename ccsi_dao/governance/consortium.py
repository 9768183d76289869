"""The consortium as a Python object: members, proposals, votes, and the decisions' lifecycle.

:class:`Consortium` is what the CLI, scripts, notebooks and tests use to act on a deployed suite. Every read goes
through :meth:`Chain.read <ccsi_dao.chain.Chain.read>` (a revert becomes a sentence) and every method that sends a
transaction dry-runs it first (:meth:`Chain.transact <ccsi_dao.chain.Chain.transact>`), so a request the
contracts would reject never costs a transaction.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

from eth_utils import to_checksum_address
from web3.logs import DISCARD
from web3.types import TxReceipt

from ccsi_dao.abi.artifacts import load_artifact
from ccsi_dao.abi.reverts import RevertDecoder
from ccsi_dao.chain import Chain
from ccsi_dao.chain.signer import SignerLike
from ccsi_dao.chain.translate import map_errors
from ccsi_dao.errors import ContractRevertError, UserError
from ccsi_dao.governance.actions import Action
from ccsi_dao.governance.ballots import Ballot, eip712_domain, keyed_nonce_key, sign_ballot
from ccsi_dao.governance.categories import ADMIT_SELECTOR, MEMBERSHIP_SELECTORS
from ccsi_dao.governance.decisions import ChoiceManifest, encode_options, options_problem
from ccsi_dao.governance.deployment import DEPLOYED, DeploymentRecord, Suite
from ccsi_dao.governance.progress import Progress, manifest_of, read_progress
from ccsi_dao.governance.progress import outcome_words as progress_outcome
from ccsi_dao.governance.proposals import Proposal, ProposalStatus, proposal_from_event, split_actions
from ccsi_dao.governance.treasury import Token, Treasury, read_treasury, token_info
from ccsi_dao.types import Category, MemberStatus, ProposalState, Ratio, Role, StakeholderGroup, VoteType

if TYPE_CHECKING:
    from ccsi_dao.governance.describe import ActionDescriber

__all__ = [
    "AgreementVersion",
    "Ballot",
    "CastVote",
    "ChainReads",
    "Consortium",
    "Member",
    "Proposal",
    "ProposalHead",
    "ProposalReads",
    "ProposalStatus",
]


@dataclass(frozen=True)
class Member:
    """A membership record with its voting power now."""

    address: str
    name: str
    role: Role
    group: StakeholderGroup
    status: MemberStatus
    weight: int
    joined_at: int
    proxy: str | None
    power: int
    constitutional_vote: bool = False
    voting_since: int = 0

    @property
    def votes(self) -> bool:
        """Whether the member can vote now (active, and not an observer)."""
        return self.status == MemberStatus.ACTIVE and self.role != Role.OBSERVER


@dataclass(frozen=True)
class CastVote:
    """A vote as the governor recorded it: who, how, with what weight and why; ``relayer`` sent it for the voter
    (a signed ballot), None if the voter sent it."""

    proposal_id: int
    voter: str
    support: VoteType
    weight: int
    reason: str
    block: int
    transaction: str
    relayer: str | None = None


@dataclass(frozen=True)
class AgreementVersion:
    """One version of the consortium agreement anchored in the registry (version 1: the one deployed)."""

    version: int
    sha256: bytes
    adopted_at: int
    uri: str


LIST_RECENT = 20
"""How many of the most recent proposals a listing shows besides the open ones, unless asked for all."""
OPEN_STATES = frozenset({ProposalState.PENDING, ProposalState.ACTIVE})


class ProposalHead(NamedTuple):
    """What a list needs to know of a proposal before reading it whole: its number in creation order, id, proposer
    (an address, in any case), and its deadline as its logs tell it (the voting end, or the last late-quorum
    extension)."""

    number: int
    id: int
    proposer: str
    deadline: int


class ProposalReads(Protocol):
    """Where a :class:`Consortium` reads proposals and votes: the chain's logs from the deployment block
    (:class:`ChainReads`, the default of a bare ``Consortium(chain, record)``), or the incrementally synced decision
    index (``ccsi_dao.decisionlog.reads.IndexReads``, which ``ccsi_dao.connect()`` and the CLI use)."""

    def heads(self) -> list[ProposalHead]:
        """Every proposal, oldest first."""
        ...

    def proposals(self, numbers: Sequence[int]) -> list[Proposal]:
        """The proposals with these numbers (1 = the first made), in that order."""
        ...

    def votes(self, proposal_id: int | None = None, voter: str | None = None) -> list[CastVote]:
        """Votes recorded by the governor (on ``proposal_id`` / by ``voter`` only, if given), in chain order."""
        ...


class ChainReads:
    """Proposals and votes read from the chain's logs, from the deployment block on, at every call."""

    def __init__(self, dao: Consortium) -> None:
        self.dao = dao

    def _all(self) -> list[Proposal]:
        logs = self.dao.chain.events(self.dao.governor.events.ProposalCreated, self.dao.record.start_block)
        return [proposal_from_event(log["args"]) for log in logs]

    def heads(self) -> list[ProposalHead]:
        extended = {
            int(log["args"]["proposalId"]): int(log["args"]["extendedDeadline"])
            for log in self.dao.chain.events(self.dao.governor.events.ProposalExtended, self.dao.record.start_block)
        }
        return [
            ProposalHead(n, p.id, p.proposer, extended.get(p.id, p.deadline))
            for n, p in enumerate(self._all(), start=1)
        ]

    def proposals(self, numbers: Sequence[int]) -> list[Proposal]:
        found = self._all()
        return [found[n - 1] for n in numbers]

    def votes(self, proposal_id: int | None = None, voter: str | None = None) -> list[CastVote]:
        events = self.dao.governor.events
        start = self.dao.record.start_block
        relayers = {
            (int(log["args"]["proposalId"]), to_checksum_address(log["args"]["voter"])): to_checksum_address(
                log["args"]["relayer"]
            )
            for log in self.dao.chain.events(events.VoteRelayed, start)
        }
        found = []
        for event in (events.VoteCast, events.VoteCastWithParams):
            for log in self.dao.chain.events(event, start):
                args = log["args"]
                pid = int(args["proposalId"])
                if proposal_id is not None and pid != proposal_id:
                    continue
                who = to_checksum_address(args["voter"])
                if voter is not None and who != to_checksum_address(voter):
                    continue
                vote = CastVote(
                    pid, who, VoteType(int(args["support"])), int(args["weight"]), str(args["reason"]),
                    int(log["blockNumber"]), "0x" + bytes(log["transactionHash"]).hex(), relayers.get((pid, who)),
                )  # fmt: skip
                found.append((int(log["blockNumber"]), int(log["logIndex"]), vote))
        return [vote for _, _, vote in sorted(found, key=lambda item: item[:2])]


@dataclass(frozen=True)
class ProposalListing:
    """A page of proposals with their status (number, status), and how many more matched but are not shown."""

    rows: list[tuple[int, ProposalStatus]]
    hidden: int


class Consortium:
    """A deployed consortium on one chain."""

    def __init__(self, chain: Chain, record: DeploymentRecord) -> None:
        self.chain = chain
        self.record = record
        self.suite = Suite(chain, record)
        decoder = RevertDecoder([*(load_artifact(name).abi for name in DEPLOYED), ERC20_ERRORS_ABI])
        self._numbers: dict[int, int] = {}  # proposal id -> its number, as far as this object has listed them
        decoder.number_of = self._numbers.get  # reverts name a proposal "#3" when its number is known
        chain.decoder = decoder
        self._tokens: dict[str, Token | None] = {}
        self.reads: ProposalReads = ChainReads(self)

    @property
    def governor(self) -> Any:
        return self.suite.governor

    @property
    def membership(self) -> Any:
        return self.suite.membership

    @property
    def timelock(self) -> Any:
        return self.suite.timelock

    @cached_property
    def name(self) -> str:
        return str(self.chain.read(self.governor.functions.name()))

    # ------------------------------------------------------------------ members

    def member(self, address: str) -> Member:
        """The membership record of ``address``."""
        account = to_checksum_address(address)
        m = self.membership.functions
        record = self.chain.read(m.memberOf(account))
        return _member(account, record, self.chain.read(m.proxyOf(account)), self.chain.read(m.getVotes(account)))

    def members(self) -> list[Member]:
        """Every address that was ever a member, in order of first admission (read at one block, in JSON-RPC
        batches)."""
        reg = self.membership
        read = self.chain.reader(self.chain.block_number())
        with map_errors("reading the members", self.chain.decoder):
            count = read(reg, "memberCount")
            read.prefetch((reg, "memberAt", i) for i in range(count))
            accounts = [to_checksum_address(read(reg, "memberAt", i)) for i in range(count)]
            read.prefetch((reg, name, a) for a in accounts for name in ("memberOf", "proxyOf", "getVotes"))
            return [
                _member(a, read(reg, "memberOf", a), read(reg, "proxyOf", a), read(reg, "getVotes", a))
                for a in accounts
            ]

    def rules_now(self) -> tuple[dict[Category, tuple[Ratio, Ratio]], bool, tuple[Ratio, Ratio]]:
        """The agreement's rules in force now (category -> (quorum, approval)), the early-close switch, and the floors
        (all kept by the registry)."""
        reg = self.membership.functions
        rules, early_close, _chambers, _approval_voting = self.chain.read(reg.rulesAt(self.chain.now()))
        (qn, qd), (an, ad) = self.chain.read(reg.ruleFloors())
        by_category = {c: (Ratio(*rule[0]), Ratio(*rule[1])) for c, rule in zip(Category, rules, strict=True)}
        return by_category, early_close, (Ratio(qn, qd), Ratio(an, ad))

    def rule_set_now(self) -> RuleSetNow:
        """Everything the registry's rules hold now: each category's quorum and approval and chamber conditions
        (packed), the early-close and approval-voting switches, the floors and the entrenched conditions."""
        reg = self.membership.functions
        rules, early_close, chambers, approval_voting = self.chain.read(reg.rulesAt(self.chain.now()))
        (qn, qd), (an, ad) = self.chain.read(reg.ruleFloors())
        entrenched = self.chain.read(reg.entrenchedChambers())
        return RuleSetNow(
            rules={c: (Ratio(*rule[0]), Ratio(*rule[1])) for c, rule in zip(Category, rules, strict=True)},
            early_close=bool(early_close),
            chambers={c: int(w) for c, w in zip(Category, chambers, strict=True) if int(w)},
            approval_voting=bool(approval_voting),
            floors=(Ratio(qn, qd), Ratio(an, ad)),
            entrenched={c: int(w) for c, w in zip(Category, entrenched, strict=True) if int(w)},
        )

    def max_share(self) -> Ratio:
        """The largest share of the voting power governance may give one member's own weight."""
        return Ratio(*self.chain.read(self.membership.functions.maxShare()))

    def token_decimals(self, token: str) -> int:
        """``decimals()`` of an ERC-20 token; UserError if ``token`` does not answer like one."""
        return self.token(token).decimals

    def token(self, address: str) -> Token:
        """The ERC-20 token at ``address`` (symbol, name, decimals); UserError if it does not answer like one."""
        info = token_info(self.chain, address)
        self._tokens[info.address] = info
        return info

    def known_token(self, address: str) -> Token | None:
        """The ERC-20 token at ``address``, or None if it is not one (asked once per address)."""
        account = to_checksum_address(address)
        if account not in self._tokens:
            try:
                self._tokens[account] = token_info(self.chain, account)
            except UserError:
                self._tokens[account] = None
        return self._tokens[account]

    def treasury(self, tokens: Sequence[str] = ()) -> Treasury:
        """What the timelock holds: ETH, and every ERC-20 token it received (or listed in ``tokens``), with each
        token's symbol and decimals."""
        found = read_treasury(self.chain, self.record.timelock, self.record.start_block, tokens)
        self._tokens.update({b.token.address: b.token for b in found.tokens})
        return found

    def member_names(self) -> dict[str, str]:
        """``{address: name}`` of every address that was ever a member, read at one block in two JSON-RPC batches."""
        registry = self.membership
        reader = self.chain.reader(self.chain.block_number())
        count = int(reader(registry, "memberCount"))
        reader.prefetch((registry, "memberAt", i) for i in range(count))
        addresses = [to_checksum_address(reader(registry, "memberAt", i)) for i in range(count)]
        reader.prefetch((registry, "memberOf", a) for a in addresses)
        return {a: str(reader(registry, "memberOf", a)[-1]) for a in addresses}

    def agreement_versions(self) -> list[AgreementVersion]:
        """Every version of the agreement the registry anchors, oldest first (1 is the version deployed)."""
        m = self.membership.functions
        versions = []
        for number in range(1, self.chain.read(m.agreementVersion()) + 1):
            content_hash, adopted_at, uri = self.chain.read(m.agreement(number))
            versions.append(AgreementVersion(number, bytes(content_hash), int(adopted_at), str(uri)))
        return versions

    def describer(self) -> ActionDescriber:
        """Describes actions in plain words, naming members and tokens (reads the member list once, and each token
        an action sends once)."""
        from ccsi_dao.governance.describe import ActionDescriber

        names = {m.address: m.name for m in self.members()}
        return ActionDescriber(self.record, names.get, token_of=self.known_token)

    # ------------------------------------------------------------------ proposals

    def categorize(self, actions: Sequence[Action]) -> Category:
        """The category the governor will apply to these actions."""
        targets, values, datas = split_actions(actions)
        return Category(self.chain.read(self.governor.functions.categorize(targets, values, datas)))

    def check_executable(self, actions: Sequence[Action]) -> None:
        """Dry-run each action as the timelock would execute it now; UserError naming the first that would fail.

        Calls to the governor itself can only run inside an execution and are left to the builders' own checks; so
        are registry calls about a member an earlier action of the same proposal admits (they depend on it).
        """
        admitted: set[str] = set()
        for number, action in enumerate(actions, start=1):
            if action.target == self.record.governor:
                continue
            subject = _registry_subject(self.record, action)
            if subject is not None and subject in admitted:
                continue
            if subject is not None and action.data[:4] == ADMIT_SELECTOR:
                admitted.add(subject)
            tx = {"from": self.record.timelock, "to": action.target, "data": action.data, "value": action.value}
            try:
                answer = self.chain.call(
                    tx,
                    action=f"action {number}, when executed,",
                    unpaid=f"action {number} would fail when executed: the treasury holds too little ETH",
                )
            except ContractRevertError as error:
                raise self._token_revert(number, action, error) from None
            if action.data[:4] in _TOKEN_MOVES and answer == bytes(32):  # a token that answers false, not reverts
                raise UserError(f"action {number} would not move any tokens when executed: the token answers false")

    def _token_revert(self, number: int, action: Action, error: ContractRevertError) -> ContractRevertError:
        """A token's refusal of a treasury payment, its amounts in the token's symbol and decimals."""
        args = error.error_args.get("args") or []
        token = self.known_token(action.target) if error.error_name in _AMOUNT_ERRORS and len(args) == 3 else None
        if token is None:
            return error
        holder, held, needed = args
        who = "the treasury" if holder == self.record.timelock else str(holder)
        what = "holds" if error.error_name == "ERC20InsufficientBalance" else "may spend"
        return ContractRevertError(
            f"action {number}, when executed, was rejected by the token {token.symbol} ({token.address}): {who} "
            f"{what} {token.amount(held)}, {token.amount(needed)} are needed.",
            error_name=error.error_name,
            args=error.error_args,
        )

    def propose(
        self, account: SignerLike, actions: Sequence[Action], description: str, *, protect: bool = True
    ) -> Proposal:
        """Submit a proposal. With ``protect`` the description ends in OpenZeppelin's ``#proposer=`` suffix, so
        nobody can front-run its creation with the same id."""
        return self.submit(account, actions, description, protect=protect)[0]

    def submit(
        self, account: SignerLike, actions: Sequence[Action], description: str, *, protect: bool = True
    ) -> tuple[Proposal, TxReceipt]:
        """:meth:`propose`, returning the transaction's receipt too."""
        if protect and "#proposer=" not in description:
            description = f"{description}#proposer={str(account.address).lower()}"
        targets, values, datas = split_actions(actions)
        receipt = self.chain.transact(
            account, self.governor.functions.propose(targets, values, datas, description), action="the proposal"
        )
        created = self.governor.events.ProposalCreated().process_receipt(receipt, errors=DISCARD)[0]["args"]
        return proposal_from_event(created), receipt

    def choice_actions(self, options: Sequence[tuple[str, Sequence[Action]]], max_selections: int = 1) -> list[Action]:
        """A choice's actions: the manifest naming ``options`` (label, that option's actions; none for a text-only
        option), then every option's actions in order. UserError, before anything is sent, for a choice the governor
        would refuse: 2 to 10 distinct, non-empty labels, at most 255 actions, 1 to (options) selections, and more
        than 1 only where the rules in force allow approval voting."""
        labels = [label for label, _ in options]
        counts = [len(acts) for _, acts in options]
        manifest = ChoiceManifest(tuple(labels), tuple(counts), max_selections)
        problems = manifest.problems(self.rule_set_now().approval_voting if max_selections > 1 else None)
        folded = [" ".join(label.split()).casefold() for label in labels]
        if not problems and len(set(folded)) != len(folded):
            twice = next(label for label, key in zip(labels, folded, strict=True) if folded.count(key) > 1)
            problems.append(f"option {twice!r} is offered twice; give each option a different label")
        if problems:
            raise UserError(problems[0])
        from ccsi_dao.governance.actions import offer_options

        return [offer_options(self.record.governor, labels, counts, max_selections)] + [
            action for _, acts in options for action in acts
        ]

    def propose_choice(
        self,
        account: SignerLike,
        options: Sequence[tuple[str, Sequence[Action]]],
        description: str,
        *,
        max_selections: int = 1,
        protect: bool = True,
    ) -> Proposal:
        """Submit a choice among ``options`` (see :meth:`choice_actions`); the winner's actions alone are executed."""
        return self.propose(account, self.choice_actions(options, max_selections), description, protect=protect)

    def proposal(self, proposal_id: int) -> Proposal:
        """A proposal's content, read from its creation event."""
        for head in self.reads.heads():
            if head.id == proposal_id:
                self._numbers[head.id] = head.number
                return self.reads.proposals([head.number])[0]
        raise UserError(f"there is no proposal {proposal_id} on this governor")

    def proposals(self) -> list[Proposal]:
        """Every proposal made on this governor, oldest first."""
        heads = self.reads.heads()
        self._numbers.update({h.id: h.number for h in heads})
        return self.reads.proposals([h.number for h in heads])

    def find_proposal(self, ref: str | int) -> tuple[int, Proposal]:
        """A proposal and its number, from its number in creation order (1, 2, ...) or its full id."""
        text = str(ref).strip().lstrip("#")
        if not (text.isascii() and text.isdigit()):  # not "²" (int() fails) nor "١" (int() reads it as 1)
            raise UserError(f"{ref!r} is not a proposal: give its number from `proposals list` or its full id")
        heads = self.reads.heads()
        value = int(text)
        found = None
        if 1 <= value <= len(heads) and len(text) < 10:
            found = heads[value - 1]
        else:
            found = next((h for h in heads if h.id == value), None)
        if found is None:
            raise UserError(f"there is no proposal {text} (this consortium has {len(heads)})")
        self._numbers[found.id] = found.number
        return found.number, self.reads.proposals([found.number])[0]

    def status(self, proposal: Proposal | int) -> ProposalStatus:
        """State, category, votes and the rule a proposal is judged by: the rule of its category at its snapshot,
        over its electorate's power then (constitutional votes only for a constitutional proposal), less the power
        of the members it suspends or removes. Before the snapshot: the rule and the electorate as they are now."""
        p = proposal if isinstance(proposal, Proposal) else self.proposal(proposal)
        return self.statuses([p])[0]

    def statuses(self, proposals: Sequence[Proposal]) -> list[ProposalStatus]:
        """:meth:`status` of each proposal, all read at one block in JSON-RPC batches."""
        if not proposals:
            return []
        latest = self.chain.block("latest", action="reading the proposals")
        now = int(latest["timestamp"])
        read = self.chain.reader(int(latest["number"]))
        gov, reg = self.governor, self.membership
        at = {p.id: p.snapshot if p.snapshot < now else now - 1 for p in proposals}
        reads: list[tuple[Any, ...]] = []
        for p in proposals:
            reads += [(gov, "state", p.id), (gov, "proposalVotes", p.id), (gov, "proposalDeadline", p.id),
                      (gov, "proposalEta", p.id), (reg, "electorateAt", at[p.id], int(p.category))]  # fmt: skip
            if p.snapshot < now:
                reads.append((gov, "proposalQuorum", p.id))
        with map_errors("reading the proposal", self.chain.decoder):
            read.prefetch(reads)
            found = []
            for p in proposals:
                total, packed, _early_close, _chambers = read(reg, "electorateAt", at[p.id], int(p.category))
                quorum, approval = unpack_rule(packed)
                against, for_, abstain = read(gov, "proposalVotes", p.id)
                quorum_votes = (
                    read(gov, "proposalQuorum", p.id)
                    if p.snapshot < now
                    else -(-total * quorum.numerator // quorum.denominator)
                )
                found.append(
                    ProposalStatus(
                        proposal=p,
                        state=ProposalState(read(gov, "state", p.id)),
                        category=p.category,
                        votes={VoteType.FOR: for_, VoteType.AGAINST: against, VoteType.ABSTAIN: abstain},
                        quorum=quorum,
                        approval=approval,
                        total_power=total,
                        quorum_votes=quorum_votes,
                        deadline=read(gov, "proposalDeadline", p.id),
                        eta=read(gov, "proposalEta", p.id),
                    )
                )
        return found

    def listing(
        self,
        *,
        states: Collection[ProposalState] = (),
        proposer: str | None = None,
        recent: int | None = LIST_RECENT,
    ) -> ProposalListing:
        """Proposals with their status, oldest first: those in ``states`` (all if empty) made by ``proposer`` (anyone
        if None); with ``recent``, only the proposals still open for votes and the ``recent`` most recent others.
        Only the proposals that may match are read from the chain: whether one is still open follows from its
        deadline in the logs, a state from one view call each."""
        heads = self.reads.heads()
        self._numbers.update({h.id: h.number for h in heads})
        if proposer is not None:
            heads = [h for h in heads if h.proposer.lower() == proposer.lower()]
        now = self.chain.now()
        wanted = set(states)
        if wanted and not wanted - OPEN_STATES:  # only open ones: a proposal past its deadline is not
            heads = [h for h in heads if h.deadline >= now]
        if wanted:
            reader = self.chain.reader("latest")
            with map_errors("reading the proposals", self.chain.decoder):
                reader.prefetch((self.governor, "state", h.id) for h in heads)
                heads = [h for h in heads if ProposalState(reader(self.governor, "state", h.id)) in wanted]
        shown = heads
        if recent is not None and len(heads) > recent:
            cut = len(heads) - recent
            shown = [h for n, h in enumerate(heads) if n >= cut or h.deadline >= now]
        statuses = self.statuses(self.reads.proposals([h.number for h in shown]))
        return ProposalListing([(h.number, st) for h, st in zip(shown, statuses, strict=True)], len(heads) - len(shown))

    def state(self, proposal_id: int) -> ProposalState:
        return ProposalState(self.chain.read(self.governor.functions.state(proposal_id), action="reading the proposal"))

    def tally(self, proposal_id: int) -> dict[VoteType, int]:
        against, for_, abstain = self.chain.read(self.governor.functions.proposalVotes(proposal_id))
        return {VoteType.FOR: for_, VoteType.AGAINST: against, VoteType.ABSTAIN: abstain}

    # ------------------------------------------------------------------ votes cast, and when a step may be taken

    def votes_cast(self, proposal_id: int | None = None, voter: str | None = None) -> list[CastVote]:
        """Every vote recorded by the governor (on ``proposal_id`` only, by ``voter`` only, if given), in chain
        order, with the relayer of each signed ballot."""
        return self.reads.votes(proposal_id, voter)

    def has_voted(self, proposal_id: int, voter: str) -> bool:
        return bool(self.chain.read(self.governor.functions.hasVoted(proposal_id, to_checksum_address(voter))))

    def number_of(self, proposal_id: int) -> int | None:
        """A proposal's number in creation order, if this object has read it."""
        return self._numbers.get(proposal_id)

    def _ref(self, proposal_id: int, number: int | None) -> str:
        known = number or self._numbers.get(proposal_id)
        return f"#{known}" if known else str(proposal_id)

    def check_voting_open(self, proposal: Proposal, number: int | None = None) -> None:
        """UserError that says when and why, unless votes on ``proposal`` are taken now: when voting opens, that it
        closed early or ended (and how it went), or where the proposal went since."""
        from ccsi_dao.governance.describe import format_time, format_wait

        state = self.state(proposal.id)
        if state == ProposalState.ACTIVE:
            return
        ref = self._ref(proposal.id, number)
        now = self.chain.now()
        if state == ProposalState.PENDING:
            opens = proposal.snapshot + 1  # the governor takes votes once the snapshot is in the past
            raise UserError(
                f"proposal {ref} is pending: voting opens at {format_time(opens)} ({format_wait(opens - now)})"
            )
        deadline = int(self.chain.read(self.governor.functions.proposalDeadline(proposal.id)))
        if state in (ProposalState.SUCCEEDED, ProposalState.DEFEATED):
            outcome = "it passed" if state == ProposalState.SUCCEEDED else f"it was defeated ({self.defeat(proposal)})"
            if now <= deadline:
                raise UserError(
                    f"voting on proposal {ref} closed early, before its deadline {format_time(deadline)}: the votes not "
                    f"yet cast could no longer change the outcome, and {outcome}"
                )
            raise UserError(f"voting on proposal {ref} ended at {format_time(deadline)}; {outcome}")
        if state == ProposalState.QUEUED:
            eta = int(self.chain.read(self.governor.functions.proposalEta(proposal.id)))
            raise UserError(
                f"proposal {ref} passed and is queued (executable from {format_time(eta)}); votes are taken only "
                "while it is active"
            )
        raise UserError(f"proposal {ref} is {state.name.lower()}; votes are taken only while it is active")

    def defeat(self, proposal: Proposal) -> str:
        """Why a defeated proposal failed: its quorum, or its approval threshold; for a choice or a category with
        chamber conditions, the rule each option failed (or the tie at the top)."""
        st = self.status(proposal)
        if manifest_of(proposal) is not None or self._chambered(proposal):
            progress = self.progress(proposal)
            if progress is not None:
                return _defeat_words(progress)
        if st.participation < st.quorum_votes:
            return f"quorum missed: {st.participation} of the {st.quorum_votes} votes needed were cast"
        share = st.approval_share
        return f"approval failed: {share or 'no'} votes for, where {st.approval} and more for than against are needed"

    def check_step(self, step: str, proposal: Proposal, number: int | None = None) -> None:
        """UserError that says when and why, unless ``step`` ("queue" or "execute") can be taken now."""
        from ccsi_dao.governance.describe import format_time, format_wait

        state = self.state(proposal.id)
        ref = self._ref(proposal.id, number)
        now = self.chain.now()
        if step == "execute" and state == ProposalState.QUEUED:
            eta = int(self.chain.read(self.governor.functions.proposalEta(proposal.id)))
            if now < eta:
                raise UserError(
                    f"proposal {ref} is queued: executable from {format_time(eta)} ({format_wait(eta - now)}), once "
                    "the timelock's delay has passed"
                )
            return
        if step == "queue" and state == ProposalState.SUCCEEDED:
            return
        if state in (ProposalState.PENDING, ProposalState.ACTIVE):
            deadline = int(self.chain.read(self.governor.functions.proposalDeadline(proposal.id)))
            when = "has not opened yet" if state == ProposalState.PENDING else "is still open"
            raise UserError(
                f"voting on proposal {ref} {when}: it ends at {format_time(deadline)} ({format_wait(deadline - now)}) "
                "unless it closes early; a proposal can be queued once it has passed"
            )
        if state == ProposalState.DEFEATED:
            raise UserError(f"proposal {ref} was defeated ({self.defeat(proposal)}); it cannot be {step}d")
        if state == ProposalState.SUCCEEDED:
            raise UserError(f"proposal {ref} passed but is not queued yet; queue it first")
        if state == ProposalState.QUEUED:
            eta = int(self.chain.read(self.governor.functions.proposalEta(proposal.id)))
            raise UserError(f"proposal {ref} is already queued; executable from {format_time(eta)}")
        raise UserError(f"proposal {ref} is {state.name.lower()}; only a {'passed' if step == 'queue' else 'queued'} "
                        f"proposal can be {step}d")  # fmt: skip

    def check_ballot(self, ballot: Ballot, number: int | None = None) -> Proposal:
        """The proposal a ballot votes on, once checked that relaying it now can count: the right governor and
        chain, a proposal of this governor open for votes, and no vote of that voter on it yet (relayed or not)."""
        if ballot.governor != self.record.governor or ballot.chain_id != self.chain.chain_id:
            raise UserError(
                f"the ballot is for governor {ballot.governor} on chain {ballot.chain_id}, "
                f"not this consortium ({self.record.governor} on chain {self.chain.chain_id})"
            )
        head = next((h for h in self.reads.heads() if h.id == ballot.proposal_id), None)
        if head is None:
            raise UserError(f"the ballot is for proposal {ballot.proposal_id}, which this governor does not have")
        number, proposal = head.number, self.reads.proposals([head.number])[0]
        self._numbers[proposal.id] = number
        if self.has_voted(proposal.id, ballot.voter):
            earlier = self.votes_cast(proposal.id, ballot.voter)
            where = f" (transaction {earlier[0].transaction})" if earlier else ""
            if earlier and earlier[0].relayer is not None:
                raise UserError(
                    f"{ballot.voter}'s ballot on proposal #{number} was already relayed by {earlier[0].relayer}{where}"
                )
            raise UserError(
                f"{ballot.voter} has already voted on proposal #{number}{where}; a ballot cannot count again"
            )
        self.check_voting_open(proposal, number)
        return proposal

    # ------------------------------------------------------------------ votes

    def vote(
        self,
        account: SignerLike,
        proposal_id: int,
        support: VoteType,
        reason: str = "",
        options: Sequence[int] = (),
    ) -> TxReceipt:
        """Cast ``account``'s vote; on a choice, a vote for names its ``options`` (numbered from 0)."""
        return self.chain.transact(account, self._vote_call(proposal_id, support, reason, options), action="the vote")

    def _vote_call(self, proposal_id: int, support: VoteType, reason: str, options: Sequence[int]) -> Any:
        fns = self.governor.functions
        if options:
            return fns.castVoteWithReasonAndParams(proposal_id, int(support), reason, encode_options(options))
        if reason:
            return fns.castVoteWithReason(proposal_id, int(support), reason)
        return fns.castVote(proposal_id, int(support))

    def choice_options(self, proposal: Proposal, wanted: Sequence[str | int], support: VoteType) -> tuple[int, ...]:
        """The options (numbered from 0) a ballot names by label or number (from 1), checked as the governor
        checks them: UserError for an unknown option, more than the choice allows, options with against or
        abstain, or a vote for on a choice without options."""
        manifest = manifest_of(proposal)
        if manifest is None:
            if wanted:
                raise UserError("this proposal is not a choice: vote for, against or abstain without --option")
            return ()
        chosen = [_option_index(manifest, item) for item in wanted]
        problem = options_problem(sorted(chosen), support, len(manifest.labels), manifest.max_selections)
        if problem is None and len(set(chosen)) != len(chosen):
            problem = "each option may be selected once"
        if problem is not None:
            raise UserError(problem)
        return tuple(sorted(chosen))

    def check_vote(self, voter: str, proposal_id: int, support: VoteType, options: Sequence[int] = ()) -> None:
        """Dry-run ``voter``'s vote as the governor would take it now; ContractRevertError if it would be refused
        (not an active member, no power at the snapshot, already voted). Nothing is sent: a ballot is checked
        with it before it is signed, so nobody is handed a ballot that can never be relayed."""
        fn = self._vote_call(proposal_id, support, "", options)
        self.chain.read(fn, action="the ballot", sender=to_checksum_address(voter))

    def ballot_options(self, proposal: Proposal) -> list[tuple[int, ...]]:
        """The options (from 0) each vote of :meth:`votes_cast` on ``proposal`` was for, in the same order (empty
        for against, abstain and votes on a plain proposal)."""
        from ccsi_dao.governance.decisions import decode_options
        from ccsi_dao.governance.progress import params_by_voter

        params = params_by_voter(self, proposal.id)
        return [decode_options(params.get(v.voter, b"")) or () for v in self.votes_cast(proposal.id)]

    def _chambered(self, proposal: Proposal) -> bool:
        """Whether the proposal's category had chamber conditions at its snapshot (now, before it)."""
        at = min(proposal.snapshot, self.chain.now() - 1)
        return bool(self.chain.read(self.membership.functions.electorateAt(at, int(proposal.category)))[3])

    def progress(self, proposal: Proposal) -> Progress | None:
        """The proposal against every rule it is judged by (quorum, approval, each chamber, each option), in
        numbers and words; None before its snapshot."""
        return read_progress(self, proposal)

    def sign_ballot(
        self,
        account: SignerLike,
        proposal_id: int,
        support: VoteType,
        reason: str = "",
        options: Sequence[int] = (),
    ) -> Ballot:
        """Sign a vote for someone else to relay (on a choice, for ``options``, from 0); nothing is sent."""
        return sign_ballot(
            account,
            governor=self.record.governor,
            governor_name=self.name,
            chain_id=self.chain.chain_id,
            proposal_id=proposal_id,
            support=support,
            nonce=self.chain.read(
                self.governor.functions.nonces(to_checksum_address(str(account.address)), keyed_nonce_key(proposal_id))
            ),
            reason=reason,
            options=tuple(sorted(options)),
        )

    def eip712_domain(self) -> dict[str, Any]:
        """The EIP-712 domain this governor checks ballot signatures in."""
        return eip712_domain(self.name, self.chain.chain_id, self.record.governor)

    def relay(self, account: SignerLike, ballot: Ballot) -> TxReceipt:
        """Submit a signed ballot, paying the gas from ``account``."""
        if ballot.governor != self.record.governor or ballot.chain_id != self.chain.chain_id:
            raise UserError(
                f"the ballot is for governor {ballot.governor} on chain {ballot.chain_id}, "
                f"not this consortium ({self.record.governor} on chain {self.chain.chain_id})"
            )
        fns = self.governor.functions
        fn = (
            fns.castVoteWithReasonAndParamsBySig(
                ballot.proposal_id, int(ballot.support), ballot.voter, ballot.reason, ballot.params, ballot.signature
            )
            if ballot.reason or ballot.options
            else fns.castVoteBySig(ballot.proposal_id, int(ballot.support), ballot.voter, ballot.signature)
        )
        return self.chain.transact(account, fn, action=f"relaying {ballot.voter}'s ballot")

    # ------------------------------------------------------------------ lifecycle

    def queue(self, account: SignerLike, proposal: Proposal | int) -> TxReceipt:
        """Queue a passed proposal in the timelock."""
        p = proposal if isinstance(proposal, Proposal) else self.proposal(proposal)
        return self.chain.transact(account, self.governor.functions.queue(*p.call_args()), action="queueing")

    def execute(self, account: SignerLike, proposal: Proposal | int) -> TxReceipt:
        """Execute a queued proposal once the timelock delay has passed."""
        p = proposal if isinstance(proposal, Proposal) else self.proposal(proposal)
        return self.chain.transact(account, self.governor.functions.execute(*p.call_args()), action="the execution")

    def cancel(self, account: SignerLike, proposal: Proposal | int) -> TxReceipt:
        """Cancel a proposal while it is pending (proposer only)."""
        p = proposal if isinstance(proposal, Proposal) else self.proposal(proposal)
        return self.chain.transact(account, self.governor.functions.cancel(*p.call_args()), action="the cancellation")

    # ------------------------------------------------------------------ a member's own acts

    def appoint_proxy(self, account: SignerLike, proxy: str) -> TxReceipt:
        return self.chain.transact(
            account, self.membership.functions.appointProxy(to_checksum_address(proxy)), action="appointing the proxy"
        )

    def revoke_proxy(self, account: SignerLike) -> TxReceipt:
        return self.chain.transact(account, self.membership.functions.revokeProxy(), action="revoking the proxy")

    def resign(self, account: SignerLike) -> TxReceipt:
        return self.chain.transact(account, self.membership.functions.resign(), action="the resignation")


@dataclass(frozen=True)
class RuleSetNow:
    """The registry's rules in force now (:meth:`Consortium.rule_set_now`); chambers packed per category."""

    rules: dict[Category, tuple[Ratio, Ratio]]
    early_close: bool
    chambers: dict[Category, int]
    approval_voting: bool
    floors: tuple[Ratio, Ratio]
    entrenched: dict[Category, int]


def _defeat_words(progress: Progress) -> str:
    """Why no option won, from the judgement: the tie at the top, or each option's first failed rule."""
    j = progress.judgement
    if j.tie:
        return progress_outcome(progress)
    reasons = [f"{o.label}: {o.reasons[0]}" if progress.manifest is not None else o.reasons[0]
               for o in j.options if o.reasons]  # fmt: skip
    if not reasons:
        return progress_outcome(progress)
    head = "no option qualifies" if progress.manifest is not None else "a rule was not met"
    return f"{head}: " + "; ".join(reasons)


def _option_index(manifest: ChoiceManifest, item: str | int) -> int:
    """An option by its number (from 1) or its label (any case, spacing folded, or an unambiguous beginning)."""
    labels = manifest.labels
    text = " ".join(str(item).split())
    if text.isascii() and text.isdigit():
        number = int(text)
        if 1 <= number <= len(labels):
            return number - 1
        raise UserError(f"option {text} does not exist: this choice offers options 1 to {len(labels)}")
    folded = [" ".join(label.split()).casefold() for label in labels]
    key = text.casefold()
    if key in folded:
        return folded.index(key)
    starts = [i for i, label in enumerate(folded) if key and label.startswith(key)]
    if len(starts) == 1:
        return starts[0]
    offered = ", ".join(f"{i}. {label}" for i, label in enumerate(labels, start=1))
    if len(starts) > 1:
        raise UserError(f"option {text!r} fits several options ({offered}); give its number or full label")
    raise UserError(f"this choice has no option {text!r}; it offers {offered}")


def _member(account: str, record: Any, proxy: str, power: int) -> Member:
    """A :class:`Member` from the registry's ``memberOf`` record, ``proxyOf`` and ``getVotes`` of ``account``."""
    role, group, status, constitutional, joined_at, voting_since, _since, weight, _index, name = record
    return Member(
        address=account,
        name=name,
        role=Role(role),
        group=StakeholderGroup(group),
        status=MemberStatus(status),
        weight=weight,
        joined_at=joined_at,
        proxy=None if int(proxy, 16) == 0 else to_checksum_address(proxy),
        power=power,
        constitutional_vote=bool(constitutional),
        voting_since=voting_since,
    )


def _registry_subject(record: DeploymentRecord, action: Action) -> str | None:
    """The member a registry call is about (its first argument), or None for any other call."""
    if action.target != record.membership or len(action.data) < 36 or action.data[:4] not in MEMBERSHIP_SELECTORS:
        return None
    return to_checksum_address(action.data[16:36])


def unpack_rule(packed: int) -> tuple[Ratio, Ratio]:
    """(quorum, approval) of a rule packed as the registry's ``electorateAt`` returns it (4 x 16 bits)."""
    qn, qd, an, ad = ((packed >> shift) & 0xFFFF for shift in (0, 16, 32, 48))
    return Ratio(qn, qd), Ratio(an, ad)


_TOKEN_MOVES = {
    bytes.fromhex("a9059cbb"),
    bytes.fromhex("095ea7b3"),
    bytes.fromhex("23b872dd"),
}  # transfer, approve, transferFrom
_AMOUNT_ERRORS = {"ERC20InsufficientBalance", "ERC20InsufficientAllowance"}

ERC20_ERRORS_ABI: list[dict[str, Any]] = [
    {"type": "error", "name": name, "inputs": [{"type": t, "name": n} for t, n in inputs]}
    for name, inputs in (
        ("ERC20InsufficientBalance", [("address", "sender"), ("uint256", "balance"), ("uint256", "needed")]),
        ("ERC20InvalidSender", [("address", "sender")]),
        ("ERC20InvalidReceiver", [("address", "receiver")]),
        ("ERC20InsufficientAllowance", [("address", "spender"), ("uint256", "allowance"), ("uint256", "needed")]),
        ("ERC20InvalidApprover", [("address", "approver")]),
        ("ERC20InvalidSpender", [("address", "spender")]),
    )
]
"""OpenZeppelin's ``IERC20Errors``: what a token the treasury pays from reverts with, decoded in dry runs."""
