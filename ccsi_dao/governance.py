"""The consortium as a Python object: members, proposals, votes, and the decisions' lifecycle.

:class:`Consortium` is what the CLI, scripts, notebooks and tests use to act on a deployed suite. Every method
that sends a transaction dry-runs it first (see :class:`~ccsi_dao.chain.Chain`), so a request the contracts
would reject never costs a transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_account.signers.local import LocalAccount
from eth_utils import keccak, to_checksum_address
from web3.exceptions import ContractCustomError, ContractLogicError, Web3RPCError
from web3.logs import DISCARD
from web3.types import TxReceipt

from ccsi_dao.actions import Action
from ccsi_dao.artifacts import load_artifact
from ccsi_dao.chain import Chain
from ccsi_dao.deployment import SUITE, DeploymentRecord, Suite
from ccsi_dao.errors import UserError
from ccsi_dao.reverts import RevertDecoder
from ccsi_dao.types import Category, MemberStatus, ProposalState, Ratio, Role, StakeholderGroup, VoteType

if TYPE_CHECKING:
    from ccsi_dao.describe import ActionDescriber


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


@dataclass(frozen=True)
class Proposal:
    """A proposal's content: what the governor hashes into its id."""

    id: int
    proposer: str
    actions: tuple[Action, ...]
    description: str
    snapshot: int
    deadline: int

    @property
    def text(self) -> str:
        """The description without OpenZeppelin's ``#proposer=`` suffix."""
        head, sep, tail = self.description.rpartition("#proposer=")
        return head if sep and len(tail) == 42 else self.description

    @property
    def description_hash(self) -> bytes:
        return keccak(text=self.description)

    def call_args(self) -> tuple[list[str], list[int], list[bytes], bytes]:
        """``(targets, values, calldatas, descriptionHash)`` for queue, execute and cancel."""
        return (
            [a.target for a in self.actions],
            [a.value for a in self.actions],
            [a.data for a in self.actions],
            self.description_hash,
        )


@dataclass(frozen=True)
class ProposalStatus:
    """Where a proposal stands: state, category, votes and the rule it is judged by."""

    proposal: Proposal
    state: ProposalState
    category: Category
    votes: dict[VoteType, int]
    quorum: Ratio
    approval: Ratio
    total_power: int  # at the snapshot once it has passed, else now
    quorum_votes: int  # votes needed for the quorum
    deadline: int  # with any late-quorum extension
    eta: int  # 0 unless queued

    @property
    def participation(self) -> int:
        return sum(self.votes.values())

    @property
    def approval_share(self) -> Ratio | None:
        decided = self.votes[VoteType.FOR] + self.votes[VoteType.AGAINST]
        return Ratio(self.votes[VoteType.FOR], decided) if decided else None


@dataclass(frozen=True)
class Ballot:
    """A vote signed with EIP-712 for someone else to relay (gasless voting)."""

    governor: str
    chain_id: int
    proposal_id: int
    support: VoteType
    voter: str
    nonce: int
    reason: str
    signature: bytes

    def to_json(self) -> dict[str, Any]:
        return {
            "type": "ccsi-dao ballot",
            "governor": self.governor,
            "chain_id": self.chain_id,
            "proposal_id": str(self.proposal_id),
            "support": self.support.name.lower(),
            "voter": self.voter,
            "nonce": self.nonce,
            "reason": self.reason,
            "signature": "0x" + self.signature.hex(),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "Ballot":
        try:
            if data.get("type") != "ccsi-dao ballot":
                raise ValueError
            return cls(
                governor=to_checksum_address(data["governor"]),
                chain_id=int(data["chain_id"]),
                proposal_id=int(data["proposal_id"]),
                support=VoteType[str(data["support"]).upper()],
                voter=to_checksum_address(data["voter"]),
                nonce=int(data["nonce"]),
                reason=str(data.get("reason", "")),
                signature=bytes.fromhex(str(data["signature"]).removeprefix("0x")),
            )
        except (KeyError, ValueError, TypeError, AttributeError):
            raise UserError("this is not a valid ccsi-dao ballot file") from None


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
        return self.governor.functions.name().call()

    # ------------------------------------------------------------------ members

    def member(self, address: str) -> Member:
        """The membership record of ``address``."""
        account = to_checksum_address(address)
        role, group, status, joined_at, weight, _index, name = self.chain.read(self.membership.functions.memberOf(account))
        proxy = self.membership.functions.proxyOf(account).call()
        return Member(
            address=account,
            name=name,
            role=Role(role),
            group=StakeholderGroup(group),
            status=MemberStatus(status),
            weight=weight,
            joined_at=joined_at,
            proxy=None if int(proxy, 16) == 0 else proxy,
            power=self.membership.functions.getVotes(account).call(),
        )

    def members(self) -> list[Member]:
        """Every address that was ever a member, in order of first admission."""
        count = self.membership.functions.memberCount().call()
        return [self.member(self.membership.functions.memberAt(i).call()) for i in range(count)]

    def rules_now(self) -> tuple[dict[Category, tuple[Ratio, Ratio]], bool, tuple[Ratio, Ratio]]:
        """The rules in force now (category -> (quorum, approval)), the early-close switch, and the floors."""
        gov = self.governor.functions
        rules, early_close = gov.rulesAt(self.chain.now()).call()
        (qn, qd), (an, ad) = gov.ruleFloors().call()
        by_category = {c: (Ratio(*rule[0]), Ratio(*rule[1])) for c, rule in zip(Category, rules, strict=True)}
        return by_category, early_close, (Ratio(qn, qd), Ratio(an, ad))

    def token_decimals(self, token: str) -> int:
        """``decimals()`` of an ERC-20 token; UserError if ``token`` does not answer like one."""
        contract = self.chain.w3.eth.contract(address=to_checksum_address(token), abi=_DECIMALS_ABI)
        try:
            decimals = int(contract.functions.decimals().call())
        except Exception:  # no code, no such function, or garbage: all mean "not an ERC-20 token"
            raise UserError(f"{token} is not an ERC-20 token on this chain (it has no decimals())") from None
        if not 0 <= decimals <= 77:
            raise UserError(f"{token} reports {decimals} decimals, which no real token has")
        return decimals

    def describer(self) -> "ActionDescriber":
        """Describes actions in plain words, naming members (reads the member list once)."""
        from ccsi_dao.describe import ActionDescriber

        names = {m.address: m.name for m in self.members()}
        return ActionDescriber(self.record, names.get)

    # ------------------------------------------------------------------ proposals

    def categorize(self, actions: Sequence[Action]) -> Category:
        """The category the governor will apply to these actions."""
        targets, values, datas = _split(actions)
        return Category(self.chain.read(self.governor.functions.categorize(targets, values, datas)))

    def check_executable(self, actions: Sequence[Action]) -> None:
        """Dry-run each action as the timelock would execute it now; UserError naming the first that would fail.

        Calls to the governor itself can only run inside an execution and are left to the builders' own checks.
        """
        for number, action in enumerate(actions, start=1):
            if action.target == self.record.governor:
                continue
            tx = {"from": self.record.timelock, "to": action.target, "data": action.data, "value": action.value}
            try:
                self.chain.w3.eth.call(tx)
            except (ContractCustomError, ContractLogicError) as exc:
                raise self.chain.decoder.decode(exc.data if isinstance(exc.data, str) else None,
                                                action=f"action {number}, when executed,") from None
            except Web3RPCError as exc:
                if "insufficient funds" in str(exc).lower() or "lack of funds" in str(exc).lower():
                    raise UserError(f"action {number} would fail when executed: the treasury holds too little ETH") from None
                raise

    def propose(self, account: LocalAccount, actions: Sequence[Action], description: str, *, protect: bool = True) -> Proposal:
        """Submit a proposal. With ``protect`` the description ends in OpenZeppelin's ``#proposer=`` suffix, so
        nobody can front-run its creation with the same id."""
        if protect and "#proposer=" not in description:
            description = f"{description}#proposer={account.address.lower()}"
        targets, values, datas = _split(actions)
        receipt = self.chain.transact(account, self.governor.functions.propose(targets, values, datas, description), action="the proposal")
        created = self.governor.events.ProposalCreated().process_receipt(receipt, errors=DISCARD)[0]["args"]
        return _proposal_from_event(created)

    def proposal(self, proposal_id: int) -> Proposal:
        """A proposal's content, read from its creation event."""
        for log in self.governor.events.ProposalCreated.get_logs(from_block=self.record.start_block):
            if log["args"]["proposalId"] == proposal_id:
                return _proposal_from_event(log["args"])
        raise UserError(f"there is no proposal {proposal_id} on this governor")

    def proposals(self) -> list[Proposal]:
        """Every proposal made on this governor, oldest first."""
        logs = self.governor.events.ProposalCreated.get_logs(from_block=self.record.start_block)
        return [_proposal_from_event(log["args"]) for log in logs]

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
        """State, category, votes and the applicable rule of a proposal."""
        p = proposal if isinstance(proposal, Proposal) else self.proposal(proposal)
        gov = self.governor.functions
        state = self.state(p.id)
        (qn, qd), (an, ad) = gov.proposalRule(p.id).call()
        quorum = Ratio(qn, qd)
        if p.snapshot < self.chain.now():
            total = self.membership.functions.getPastTotalSupply(p.snapshot).call()
        else:
            total = self.membership.functions.getPastTotalSupply(self.chain.now() - 1).call()
        return ProposalStatus(
            proposal=p,
            state=state,
            category=Category(gov.proposalCategory(p.id).call()),
            votes=self.tally(p.id),
            quorum=quorum,
            approval=Ratio(an, ad),
            total_power=total,
            quorum_votes=-(-total * qn // qd),
            deadline=gov.proposalDeadline(p.id).call(),
            eta=gov.proposalEta(p.id).call(),
        )

    def state(self, proposal_id: int) -> ProposalState:
        return ProposalState(self.chain.read(self.governor.functions.state(proposal_id), action="reading the proposal"))

    def tally(self, proposal_id: int) -> dict[VoteType, int]:
        against, for_, abstain = self.governor.functions.proposalVotes(proposal_id).call()
        return {VoteType.FOR: for_, VoteType.AGAINST: against, VoteType.ABSTAIN: abstain}

    # ------------------------------------------------------------------ votes

    def vote(self, account: LocalAccount, proposal_id: int, support: VoteType, reason: str = "") -> TxReceipt:
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
        try:
            self.governor.functions.castVote(proposal_id, int(support)).call({"from": to_checksum_address(voter)})
        except (ContractCustomError, ContractLogicError) as exc:
            raise self.chain.decoder.decode(exc.data if isinstance(exc.data, str) else None, action="the ballot") from None

    def sign_ballot(self, account: LocalAccount, proposal_id: int, support: VoteType, reason: str = "") -> Ballot:
        """Sign a vote for someone else to relay; nothing is sent."""
        nonce = self.governor.functions.nonces(account.address).call()
        message = {"proposalId": proposal_id, "support": int(support), "voter": account.address, "nonce": nonce}
        types = {"Ballot": _BALLOT}
        if reason:
            message.update(reason=reason, params=b"")
            types = {"ExtendedBallot": _EXTENDED_BALLOT}
        signable = encode_typed_data(domain_data=self._domain(), message_types=types, message_data=message)
        signature = Account.sign_message(signable, account.key).signature
        return Ballot(
            self.record.governor, self.chain.chain_id, proposal_id, support, account.address, nonce, reason, bytes(signature)
        )

    def relay(self, account: LocalAccount, ballot: Ballot) -> TxReceipt:
        """Submit a signed ballot, paying the gas from ``account``."""
        if ballot.governor != self.record.governor or ballot.chain_id != self.chain.chain_id:
            raise UserError(
                f"the ballot is for governor {ballot.governor} on chain {ballot.chain_id}, "
                f"not this consortium ({self.record.governor} on chain {self.chain.chain_id})"
            )
        fns = self.governor.functions
        fn = (
            fns.castVoteWithReasonAndParamsBySig(ballot.proposal_id, int(ballot.support), ballot.voter, ballot.reason, b"", ballot.signature)
            if ballot.reason
            else fns.castVoteBySig(ballot.proposal_id, int(ballot.support), ballot.voter, ballot.signature)
        )
        return self.chain.transact(account, fn, action=f"relaying {ballot.voter}'s ballot")

    def _domain(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "version": "1",
            "chainId": self.chain.chain_id,
            "verifyingContract": self.record.governor,
        }

    # ------------------------------------------------------------------ lifecycle

    def queue(self, account: LocalAccount, proposal: Proposal | int) -> TxReceipt:
        """Queue a passed proposal in the timelock."""
        p = proposal if isinstance(proposal, Proposal) else self.proposal(proposal)
        return self.chain.transact(account, self.governor.functions.queue(*p.call_args()), action="queueing")

    def execute(self, account: LocalAccount, proposal: Proposal | int) -> TxReceipt:
        """Execute a queued proposal once the timelock delay has passed."""
        p = proposal if isinstance(proposal, Proposal) else self.proposal(proposal)
        return self.chain.transact(account, self.governor.functions.execute(*p.call_args()), action="the execution")

    def cancel(self, account: LocalAccount, proposal: Proposal | int) -> TxReceipt:
        """Cancel a proposal while it is pending (proposer only)."""
        p = proposal if isinstance(proposal, Proposal) else self.proposal(proposal)
        return self.chain.transact(account, self.governor.functions.cancel(*p.call_args()), action="the cancellation")

    # ------------------------------------------------------------------ a member's own acts

    def appoint_proxy(self, account: LocalAccount, proxy: str) -> TxReceipt:
        return self.chain.transact(account, self.membership.functions.appointProxy(to_checksum_address(proxy)), action="appointing the proxy")

    def revoke_proxy(self, account: LocalAccount) -> TxReceipt:
        return self.chain.transact(account, self.membership.functions.revokeProxy(), action="revoking the proxy")

    def resign(self, account: LocalAccount) -> TxReceipt:
        return self.chain.transact(account, self.membership.functions.resign(), action="the resignation")


_DECIMALS_ABI = [{"type": "function", "name": "decimals", "inputs": [], "outputs": [{"type": "uint8", "name": ""}],
                  "stateMutability": "view"}]

_BALLOT = [
    {"name": "proposalId", "type": "uint256"},
    {"name": "support", "type": "uint8"},
    {"name": "voter", "type": "address"},
    {"name": "nonce", "type": "uint256"},
]
_EXTENDED_BALLOT = _BALLOT + [{"name": "reason", "type": "string"}, {"name": "params", "type": "bytes"}]


def _split(actions: Sequence[Action]) -> tuple[list[str], list[int], list[bytes]]:
    if not actions:
        raise UserError("a proposal needs at least one action")
    return [a.target for a in actions], [a.value for a in actions], [a.data for a in actions]


def _proposal_from_event(args: Any) -> Proposal:
    return Proposal(
        id=int(args["proposalId"]),
        proposer=args["proposer"],
        actions=tuple(
            Action(to_checksum_address(t), int(v), bytes(d))
            for t, v, d in zip(args["targets"], args["values"], args["calldatas"], strict=True)
        ),
        description=args["description"],
        snapshot=int(args["voteStart"]),
        deadline=int(args["voteEnd"]),
    )

