"""The consortium as a Python object: members, proposals, votes, and the decisions' lifecycle.

:class:`Consortium` is what the CLI, scripts, notebooks and tests use to act on a deployed suite. Every read goes
through :meth:`Chain.read <ccsi_dao.chain.Chain.read>` (a revert becomes a sentence) and every method that sends a
transaction dry-runs it first (:meth:`Chain.transact <ccsi_dao.chain.Chain.transact>`), so a request the
contracts would reject never costs a transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

from eth_utils import to_checksum_address
from web3.logs import DISCARD
from web3.types import TxReceipt

from ccsi_dao.abi.artifacts import load_artifact
from ccsi_dao.abi.reverts import RevertDecoder
from ccsi_dao.chain import Chain
from ccsi_dao.chain.signer import SignerLike
from ccsi_dao.errors import UserError
from ccsi_dao.governance.actions import Action
from ccsi_dao.governance.ballots import Ballot, eip712_domain, keyed_nonce_key, sign_ballot
from ccsi_dao.governance.categories import ADMIT_SELECTOR, MEMBERSHIP_SELECTORS
from ccsi_dao.governance.deployment import SUITE, DeploymentRecord, Suite
from ccsi_dao.governance.proposals import Proposal, ProposalStatus, proposal_from_event, split_actions
from ccsi_dao.types import Category, MemberStatus, ProposalState, Ratio, Role, StakeholderGroup, VoteType

if TYPE_CHECKING:
    from ccsi_dao.governance.describe import ActionDescriber

__all__ = ["Ballot", "Consortium", "Member", "Proposal", "ProposalStatus"]


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


class Consortium:
    """A deployed consortium on one chain."""

    def __init__(self, chain: Chain, record: DeploymentRecord) -> None:
        self.chain = chain
        self.record = record
        self.suite = Suite(chain, record)
        chain.decoder = RevertDecoder(load_artifact(name).abi for name in SUITE)

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
        role, group, status, constitutional, joined_at, voting_since, _since, weight, _index, name = self.chain.read(
            m.memberOf(account)
        )
        proxy = self.chain.read(m.proxyOf(account))
        return Member(
            address=account,
            name=name,
            role=Role(role),
            group=StakeholderGroup(group),
            status=MemberStatus(status),
            weight=weight,
            joined_at=joined_at,
            proxy=None if int(proxy, 16) == 0 else proxy,
            power=self.chain.read(m.getVotes(account)),
            constitutional_vote=bool(constitutional),
            voting_since=voting_since,
        )

    def members(self) -> list[Member]:
        """Every address that was ever a member, in order of first admission."""
        m = self.membership.functions
        count = self.chain.read(m.memberCount())
        return [self.member(self.chain.read(m.memberAt(i))) for i in range(count)]

    def rules_now(self) -> tuple[dict[Category, tuple[Ratio, Ratio]], bool, tuple[Ratio, Ratio]]:
        """The agreement's rules in force now (category -> (quorum, approval)), the early-close switch, and the floors
        (all kept by the registry)."""
        reg = self.membership.functions
        rules, early_close = self.chain.read(reg.rulesAt(self.chain.now()))
        (qn, qd), (an, ad) = self.chain.read(reg.ruleFloors())
        by_category = {c: (Ratio(*rule[0]), Ratio(*rule[1])) for c, rule in zip(Category, rules, strict=True)}
        return by_category, early_close, (Ratio(qn, qd), Ratio(an, ad))

    def max_share(self) -> Ratio:
        """The largest share of the voting power governance may give one member's own weight."""
        return Ratio(*self.chain.read(self.membership.functions.maxShare()))

    def token_decimals(self, token: str) -> int:
        """``decimals()`` of an ERC-20 token; UserError if ``token`` does not answer like one."""
        contract = self.chain.contract(to_checksum_address(token), _DECIMALS_ABI)
        try:
            decimals = int(self.chain.read(contract.functions.decimals()))
        except Exception:  # no code, no such function, or garbage: all mean "not an ERC-20 token"
            raise UserError(f"{token} is not an ERC-20 token on this chain (it has no decimals())") from None
        if not 0 <= decimals <= 77:
            raise UserError(f"{token} reports {decimals} decimals, which no real token has")
        return decimals

    def describer(self) -> ActionDescriber:
        """Describes actions in plain words, naming members (reads the member list once)."""
        from ccsi_dao.governance.describe import ActionDescriber

        names = {m.address: m.name for m in self.members()}
        return ActionDescriber(self.record, names.get)

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
            self.chain.call(
                tx,
                action=f"action {number}, when executed,",
                unpaid=f"action {number} would fail when executed: the treasury holds too little ETH",
            )

    def propose(
        self, account: SignerLike, actions: Sequence[Action], description: str, *, protect: bool = True
    ) -> Proposal:
        """Submit a proposal. With ``protect`` the description ends in OpenZeppelin's ``#proposer=`` suffix, so
        nobody can front-run its creation with the same id."""
        if protect and "#proposer=" not in description:
            description = f"{description}#proposer={str(account.address).lower()}"
        targets, values, datas = split_actions(actions)
        receipt = self.chain.transact(
            account, self.governor.functions.propose(targets, values, datas, description), action="the proposal"
        )
        created = self.governor.events.ProposalCreated().process_receipt(receipt, errors=DISCARD)[0]["args"]
        return proposal_from_event(created)

    def proposal(self, proposal_id: int) -> Proposal:
        """A proposal's content, read from its creation event."""
        for proposal in self.proposals():
            if proposal.id == proposal_id:
                return proposal
        raise UserError(f"there is no proposal {proposal_id} on this governor")

    def proposals(self) -> list[Proposal]:
        """Every proposal made on this governor, oldest first."""
        logs = self.chain.events(self.governor.events.ProposalCreated, self.record.start_block)
        return [proposal_from_event(log["args"]) for log in logs]

    def find_proposal(self, ref: str | int) -> tuple[int, Proposal]:
        """A proposal and its number, from its number in creation order (1, 2, ...) or its full id."""
        text = str(ref).strip().lstrip("#")
        if not (text.isascii() and text.isdigit()):  # not "²" (int() fails) nor "١" (int() reads it as 1)
            raise UserError(f"{ref!r} is not a proposal: give its number from `proposals list` or its full id")
        proposals = self.proposals()
        value = int(text)
        if 1 <= value <= len(proposals) and len(text) < 10:
            return value, proposals[value - 1]
        for number, p in enumerate(proposals, start=1):
            if p.id == value:
                return number, p
        raise UserError(f"there is no proposal {text} (this consortium has {len(proposals)})")

    def status(self, proposal: Proposal | int) -> ProposalStatus:
        """State, category, votes and the rule a proposal is judged by: the rule of its category at its snapshot,
        over its electorate's power then (constitutional votes only for a constitutional proposal), less the power
        of the members it suspends or removes. Before the snapshot: the rule and the electorate as they are now."""
        p = proposal if isinstance(proposal, Proposal) else self.proposal(proposal)
        gov = self.governor.functions
        state = self.state(p.id)
        read = self.chain.read
        now = self.chain.now()
        at = p.snapshot if p.snapshot < now else now - 1
        total, packed, _early_close = read(self.membership.functions.electorateAt(at, int(p.category)))
        quorum, approval = unpack_rule(packed)
        quorum_votes = (
            read(gov.proposalQuorum(p.id)) if p.snapshot < now else -(-total * quorum.numerator // quorum.denominator)
        )
        return ProposalStatus(
            proposal=p,
            state=state,
            category=p.category,
            votes=self.tally(p.id),
            quorum=quorum,
            approval=approval,
            total_power=total,
            quorum_votes=quorum_votes,
            deadline=read(gov.proposalDeadline(p.id)),
            eta=read(gov.proposalEta(p.id)),
        )

    def state(self, proposal_id: int) -> ProposalState:
        return ProposalState(self.chain.read(self.governor.functions.state(proposal_id), action="reading the proposal"))

    def tally(self, proposal_id: int) -> dict[VoteType, int]:
        against, for_, abstain = self.chain.read(self.governor.functions.proposalVotes(proposal_id))
        return {VoteType.FOR: for_, VoteType.AGAINST: against, VoteType.ABSTAIN: abstain}

    # ------------------------------------------------------------------ votes

    def vote(self, account: SignerLike, proposal_id: int, support: VoteType, reason: str = "") -> TxReceipt:
        """Cast ``account``'s vote."""
        fn = (
            self.governor.functions.castVoteWithReason(proposal_id, int(support), reason)
            if reason
            else self.governor.functions.castVote(proposal_id, int(support))
        )
        return self.chain.transact(account, fn, action="the vote")

    def check_vote(self, voter: str, proposal_id: int, support: VoteType) -> None:
        """Dry-run ``voter``'s vote as the governor would take it now; ContractRevertError if it would be refused
        (not an active member, no power at the snapshot, already voted). Nothing is sent: a ballot is checked
        with it before it is signed, so nobody is handed a ballot that can never be relayed."""
        fn = self.governor.functions.castVote(proposal_id, int(support))
        self.chain.read(fn, action="the ballot", sender=to_checksum_address(voter))

    def sign_ballot(self, account: SignerLike, proposal_id: int, support: VoteType, reason: str = "") -> Ballot:
        """Sign a vote for someone else to relay; nothing is sent."""
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
                ballot.proposal_id, int(ballot.support), ballot.voter, ballot.reason, b"", ballot.signature
            )
            if ballot.reason
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


def _registry_subject(record: DeploymentRecord, action: Action) -> str | None:
    """The member a registry call is about (its first argument), or None for any other call."""
    if action.target != record.membership or len(action.data) < 36 or action.data[:4] not in MEMBERSHIP_SELECTORS:
        return None
    return to_checksum_address(action.data[16:36])


def unpack_rule(packed: int) -> tuple[Ratio, Ratio]:
    """(quorum, approval) of a rule packed as the registry's ``electorateAt`` returns it (4 x 16 bits)."""
    qn, qd, an, ad = ((packed >> shift) & 0xFFFF for shift in (0, 16, 32, 48))
    return Ratio(qn, qd), Ratio(an, ad)


_DECIMALS_ABI = [
    {
        "type": "function",
        "name": "decimals",
        "inputs": [],
        "outputs": [{"type": "uint8", "name": ""}],
        "stateMutability": "view",
    }
]
