"""Contract reverts as sentences.

A table keyed on the custom errors of OpenZeppelin and ccsi-dao (by 4-byte selector, read from the ABIs) turns
raw revert data into a :class:`~ccsi_dao.errors.ContractRevertError` whose message says which rule or state
stopped the call.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from eth_utils import keccak, to_checksum_address

from ccsi_dao.abi.artifacts import abi_type
from ccsi_dao.chain.codec import decode as abi_decode
from ccsi_dao.chain.translate import BasicRevertDecoder
from ccsi_dao.errors import ContractRevertError
from ccsi_dao.types import Category, MemberStatus, ProposalState, Role

_PROPOSAL_STATES = [s.name.lower() for s in ProposalState]


def _states_in_bitmap(bitmap: bytes) -> str:
    value = int.from_bytes(bitmap, "big")
    names = [name for i, name in enumerate(_PROPOSAL_STATES) if value >> i & 1]
    return " or ".join(names) if names else "no state"


def _when(timestamp: int) -> str:
    return datetime.fromtimestamp(timestamp, tz=UTC).astimezone().strftime("%Y-%m-%d %H:%M %Z")


class ProposalRef(int):
    """A proposal id in a revert's arguments: shown as ``#3`` where its number is known, else as the full id (never
    cut down: two ids that share their first and last digits must not read alike)."""

    number: int | None

    def __new__(cls, value: int, number: int | None = None) -> ProposalRef:
        ref = super().__new__(cls, value)
        ref.number = number
        return ref

    def __str__(self) -> str:
        return f"#{self.number}" if self.number else str(int(self))

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)


# Error name -> sentence built from the decoded arguments (by position).
_MESSAGES: dict[str, Callable[[list[Any]], str]] = {
    # ccsi-dao: membership registry
    "MembershipOnlyGovernance": lambda a: f"only a passed governance decision can do this; {a[0]} is not the timelock",
    "MembershipOnlyBootstrapper": lambda a: (
        f"{a[0]} may not register initial members (only the deployer, before sealing)"
    ),
    "MembershipAlreadyMember": lambda a: f"{a[0]} is already a member",
    "MembershipUnexpectedStatus": lambda a: (
        f"{a[0]} is not a member"
        if a[1] == MemberStatus.NONE
        else f"{a[0]} is {MemberStatus(a[1]).name.lower()}, which does not allow this"
    ),
    "MembershipInvalidRole": lambda a: f"role {Role(a[0]).name.lower()} is not a role a member can hold",
    "MembershipInvalidAccount": lambda a: (
        f"{a[0]} cannot be a member (the zero address, the governor, the timelock and the registry never can)"
    ),
    "MembershipInvalidWeight": lambda a: f"voting weight {a[0]} is out of range (1 to 1,000,000)",
    "MembershipLastFoundingPartner": lambda a: "this would leave the consortium without an active founding partner",
    "MembershipInvalidProxy": lambda a: f"{a[1]} cannot act as proxy for {a[0]}: both must be active voting members",
    "MembershipProxyChain": lambda a: (
        f"proxies do not chain: {a[0]} holds proxies for other members, or {a[1]} has appointed a proxy of its own"
    ),
    "MembershipTooManyPrincipals": lambda a: f"{a[0]} already represents the most members one proxy may",
    "MembershipShareAboveCap": lambda a: (
        f"{a[0]} would hold {a[1]} of {a[2]} votes, more than the agreement's cap on one member's share allows"
    ),
    "MembershipTotalPowerTooLarge": lambda a: f"the total voting power would be {a[0]}, more than the contracts count",
    "MembershipInvalidCap": lambda a: "the cap on one member's share must be above 0 and at most 1/2",
    "MembershipFounderConstitutionalVote": lambda a: (
        f"{a[0]} is a founding partner, and founding partners always vote in constitutional decisions"
    ),
    "MembershipNoProxy": lambda a: f"{a[0]} has no proxy to revoke",
    "MembershipInvalidAgreement": lambda a: "an agreement version needs a content hash and a URI",
    "MembershipUnknownAgreementVersion": lambda a: f"there is no agreement version {a[0]}",
    # ccsi-dao: governor
    "GovernorProposerNotMember": lambda a: f"{a[0]} cannot propose: only active members with a vote may",
    "GovernorVoterNotActive": lambda a: (
        f"{a[0]} cannot vote on this proposal: it is not an active voting member, or it has not been one without "
        "interruption since the proposal's snapshot"
    ),
    "GovernorNoVotingPower": lambda a: (
        f"{a[0]} held no vote in this proposal's electorate at its snapshot ({_when(a[1])}): it was not yet a voting "
        "member, its vote was with its proxy, or (for a constitutional proposal) it has no constitutional vote"
    ),
    "RulesInvalid": lambda a: f"the {Category(a[0]).name.lower()} rule is malformed or below the agreement's floors",
    "RulesNotMonotonic": lambda a: (
        f"the {Category(a[0]).name.lower()} rule would be weaker than the rule of a less strict category"
    ),
    "RulesInvalidChamber": lambda a: (
        f"chamber condition {a[1] + 1} of the {Category(a[0]).name.lower()} rule is malformed (it names no members, "
        "has no measure, a share above 1, or more than 3 conditions)"
    ),
    "RulesWeakerThanFloor": lambda a: (
        f"the {Category(a[0]).name.lower()} rule would drop or weaken entrenched chamber condition {a[1] + 1}, which "
        "the agreement fixed for good"
    ),
    "GovernorInvalidChoice": lambda a: (
        "the choice is malformed: it needs 2 to 10 labelled options whose actions add up to the proposal's other "
        "actions (at most 255), and 1 to (number of options) selections per ballot"
    ),
    "GovernorApprovalVotingNotAllowed": lambda a: (
        "the rules in force do not allow approval voting: a ballot on a choice may select only one option"
    ),
    "GovernorInvalidOptions": lambda a: (
        "the ballot's options do not fit this proposal: a vote for on a choice names 1 to its allowed number of its "
        "options, each once; against, abstain and a plain proposal take no options"
    ),
    "GovernorUnknownProposal": lambda a: f"there is no proposal {a[0]}",
    "GovernorDuplicateSanction": lambda a: f"the proposal names {a[0]} in more than one suspension or removal",
    "GovernorInvalidTiming": lambda a: f"{a[0]} s is outside the bounds every consortium keeps ({a[1]} s to {a[2]} s)",
    "GovernorTimelockFixed": lambda a: "the governor's timelock cannot be changed",
    "GovernorPreventLateQuorumVoteExtensionTooLarge": lambda a: (
        f"a late-quorum extension of {a[0]} s is longer than the voting period ({a[1]} s)"
    ),
    # OpenZeppelin Governor
    "GovernorUnexpectedProposalState": lambda a: (
        f"proposal {a[0]} is {_PROPOSAL_STATES[a[1]]}, but this needs it to be {_states_in_bitmap(a[2])}"
    ),
    "GovernorNonexistentProposal": lambda a: f"there is no proposal {a[0]}",
    "GovernorAlreadyCastVote": lambda a: f"{a[0]} has already voted on this proposal",
    "GovernorInvalidVoteType": lambda a: "the vote must be for, against or abstain",
    "GovernorInvalidSignature": lambda a: (
        f"the ballot's signature is not {a[0]}'s (wrong signer, nonce, chain or governor)"
    ),
    "GovernorRestrictedProposer": lambda a: f"the description reserves this proposal for another proposer than {a[0]}",
    "GovernorUnableToCancel": lambda a: (
        f"{a[1]} cannot cancel proposal {a[0]}: only its proposer can, and only while it is pending"
    ),
    "GovernorInvalidVoteParams": lambda a: "the vote's parameters are not valid for this governor",
    "GovernorOnlyExecutor": lambda a: f"only the timelock can do this; {a[0]} is not the timelock",
    "GovernorInvalidProposalLength": lambda a: "a proposal needs at least one action, with a value and calldata each",
    "GovernorDisabledDeposit": lambda a: "the governor does not accept deposits; send funds to the timelock",
    "GovernorInsufficientProposerVotes": lambda a: f"{a[0]} has {a[1]} votes, {a[2]} are needed to propose",
    "GovernorProposalQueueingNotRequired": lambda a: f"proposal {a[0]} does not need queuing",
    "GovernorProposalQueueingFailed": lambda a: f"proposal {a[0]} could not be queued",
    "GovernorAlreadyQueuedProposal": lambda a: f"proposal {a[0]} is already queued",
    "GovernorInvalidVotingPeriod": lambda a: f"voting period {a[0]} s is invalid",
    # OpenZeppelin TimelockController and AccessControl
    "TimelockUnexpectedOperationState": lambda a: "the timelock operation is not ready (has the delay passed?)",
    "TimelockInsufficientDelay": lambda a: f"the timelock delay {a[0]} s is below the minimum {a[1]} s",
    "TimelockDelayOutOfBounds": lambda a: (
        f"a timelock delay of {a[0]} s is outside the {a[1]} s to {a[2]} s every consortium keeps between a decision "
        "and its execution"
    ),
    "TimelockUnexecutedPredecessor": lambda a: "a preceding timelock operation has not been executed",
    "TimelockUnauthorizedCaller": lambda a: f"{a[0]} may not call the timelock directly",
    "TimelockInvalidOperationLength": lambda a: "the timelock operation's lists differ in length",
    "AccessControlUnauthorizedAccount": lambda a: f"{a[0]} lacks the role this needs",
    "AccessControlBadConfirmation": lambda a: "an account can only renounce its own role",
    # OpenZeppelin utilities
    "VotesExpiredSignature": lambda a: f"the signature expired at {_when(a[0])}",
    "ERC5805FutureLookup": lambda a: f"timepoint {a[0]} is not yet in the past (now {a[1]})",
    "InvalidAccountNonce": lambda a: f"the signature's nonce is used up or wrong for {a[0]} (expected {a[1]})",
    "ERC20InsufficientBalance": lambda a: f"{a[0]} holds {a[1]} base units of the token, {a[2]} are needed",
    "ERC20InsufficientAllowance": lambda a: f"{a[0]} may spend {a[1]} base units of the token, {a[2]} are needed",
    "ERC20InvalidReceiver": lambda a: f"the token does not let {a[0]} receive tokens (the zero address cannot)",
    "ERC20InvalidSender": lambda a: f"the token does not let {a[0]} send tokens",
    "ERC20InvalidApprover": lambda a: f"the token does not let {a[0]} approve spending",
    "ERC20InvalidSpender": lambda a: f"the token does not let {a[0]} be allowed to spend",
    "FailedCall": lambda a: "an action of the proposal failed when executed",
    "ECDSAInvalidSignature": lambda a: "the signature is malformed",
    "SafeCastOverflowedUintDowncast": lambda a: f"a value does not fit in {a[0]} bits",
    "CheckpointUnorderedInsertion": lambda a: "the chain's clock went backwards",
    "ERC6372InconsistentClock": lambda a: "the registry's clock is inconsistent",
    "InvalidShortString": lambda a: "a name is not a valid short string",
    "StringTooLong": lambda a: "a name is longer than the 31 bytes an EIP-712 signing domain may have",
    "ECDSAInvalidSignatureLength": lambda a: "the signature has the wrong length",
    "ECDSAInvalidSignatureS": lambda a: "the signature is malformed",
}


class RevertDecoder(BasicRevertDecoder):
    """Maps revert data to sentences, using the custom errors declared in the given ABIs."""

    number_of: Callable[[int], int | None] | None = None
    """The number (``#3``) of a proposal id, where the caller knows it; sentences then name proposals by number."""

    def __init__(self, abis: Iterable[list[dict[str, Any]]]) -> None:
        self._errors: dict[bytes, tuple[str, list[str], list[str]]] = {}
        for abi in abis:
            for item in abi:
                if item.get("type") != "error":
                    continue
                types = [abi_type(i) for i in item.get("inputs", [])]
                signature = f"{item['name']}({','.join(types)})"
                names = [str(i.get("name", "")) for i in item.get("inputs", [])]
                self._errors[keccak(text=signature)[:4]] = (item["name"], types, names)

    def decode_known(self, raw: bytes, action: str) -> ContractRevertError | None:
        """The sentence for one of the ABIs' custom errors, else None."""
        if len(raw) < 4 or raw[:4] not in self._errors:
            return None
        name, types, names = self._errors[raw[:4]]
        try:
            args = [self._proposal(v) if n == "proposalId" else _normalise(v)
                    for v, n in zip(abi_decode(types, raw[4:]), names, strict=True)]  # fmt: skip
        except Exception:  # malformed payload: still name the error
            args = []
        reason = _render(name, args)
        return ContractRevertError(f"{action} was rejected: {reason}.", error_name=name, args={"args": args})

    def _proposal(self, proposal_id: int) -> ProposalRef:
        return ProposalRef(proposal_id, self.number_of(proposal_id) if self.number_of is not None else None)


def _normalise(value: Any) -> Any:
    if isinstance(value, str) and value.startswith("0x") and len(value) == 42:
        return to_checksum_address(value)
    return value


def _render(name: str, args: list[Any]) -> str:
    render = _MESSAGES.get(name)
    if render is not None:
        try:
            return render(args)
        except (IndexError, ValueError):  # arguments not as expected: fall back to the raw form
            pass
    return f"{name}({', '.join(str(a) for a in args)})"
