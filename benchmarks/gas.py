"""Gas of ccsi-dao against the reference governor OpenZeppelin's documentation composes, on one chain.

Both suites get the same members and go through the same operations; every figure is the ``gasUsed`` of a
receipt. The reference is contracts/test/Reference{Governor,MembershipToken}.sol: Governor + Settings +
CountingSimple + Votes + VotesQuorumFraction + TimelockControl over an ERC721Votes membership token.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

from eth_abi import encode as abi_encode
from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_account.signers.local import LocalAccount
from eth_utils import function_signature_to_4byte_selector, keccak

from ccsi_dao.abi.artifacts import load_artifact, load_test_artifact
from ccsi_dao.chain import Chain
from ccsi_dao.governance import actions
from ccsi_dao.governance.actions import Action
from ccsi_dao.governance.consortium import Consortium
from ccsi_dao.governance.deployment import InitialMember, SuiteParams, create_address, deploy_suite
from ccsi_dao.types import Category, Ratio, Role, StakeholderGroup, VoteType

DELAY, PERIOD, TIMELOCK_DELAY = 3_600, 7_200, 86_400  # the floors every consortium keeps (period: 2 hours)
VOTERS = 8  # funded development accounts 1..8 vote; weight 1_000 each keeps every rule met at any size
LATE_VOTER = 9  # funded development account 9 is the member admitted last (the highest member number)
RULES = {c: (Ratio(1, 4), Ratio(1, 2)) for c in Category}
# Two chambers on ordinary decisions, packed as the registry reads them (DEVELOPERS.md, "Design notes (chambers and
# choices)"): the EU double majority, 55% of the members by count and 65% of the weight.
DOUBLE_MAJORITY = (0xFFF | 1 << 13 | 55 << 48 | 100 << 56) | (0xFFF | 65 << 48 | 100 << 56) << 80 | 2 << 240
OFFER_OPTIONS = "offerOptions(string[],uint256[],uint256)"
# Operations measured on ccsi-dao only, each against this reference operation.
REFERENCE_OF = {
    "castVote (later voter, two chambers)": "castVote (later voter)",
    "castVote (choice of 5 options)": "castVote (later voter)",
    "castVote (later voter, two chambers, no early close)": "castVote (later voter)",
}


class Measured(NamedTuple):
    """Gas used by one operation, and the transaction that used it (for a profile)."""

    gas: int
    tx_hash: str


@dataclass
class Node:
    chain: Chain
    accounts: list[LocalAccount]

    def rpc(self, method: str, *params: Any) -> Any:
        response = self.chain.w3.provider.make_request(method, list(params))
        if "error" in response:
            raise RuntimeError(response["error"])
        return response["result"]

    def advance(self, seconds: int) -> None:
        self.rpc("evm_increaseTime", seconds)
        self.rpc("evm_mine")

    def as_account(self, address: str, fn: Any) -> Measured:
        """Gas of ``fn`` sent from ``address`` (anvil impersonation), one second after the last block: a change in the
        same second as the previous one would update the registry's checkpoints in place and look cheaper."""
        self.rpc("anvil_setBalance", address, hex(10**20))
        self.advance(1)
        self.rpc("anvil_impersonateAccount", address)
        try:
            tx = fn.transact({"from": address})
            return _gas(self.chain.w3.eth.wait_for_transaction_receipt(tx))
        finally:
            self.rpc("anvil_stopImpersonatingAccount", address)


def _members(node: Node, size: int) -> list[str]:
    voters = [a.address for a in node.accounts[1 : 1 + VOTERS]]
    return voters + [Account.create().address for _ in range(size - VOTERS - 1)] + [node.accounts[LATE_VOTER].address]


def _gas(receipt: Any) -> Measured:
    return Measured(int(receipt["gasUsed"]), "0x" + bytes(receipt["transactionHash"]).hex())


def _sign(node: Node, voter: LocalAccount, governor: Any, name: str, proposal_id: int) -> bytes:
    nonce = governor.functions.nonces(voter.address).call()
    domain = {"name": name, "version": "1", "chainId": node.chain.chain_id, "verifyingContract": governor.address}
    types = {
        "Ballot": [
            {"name": "proposalId", "type": "uint256"},
            {"name": "support", "type": "uint8"},
            {"name": "voter", "type": "address"},
            {"name": "nonce", "type": "uint256"},
        ]
    }
    message = {"proposalId": proposal_id, "support": 1, "voter": voter.address, "nonce": nonce}
    return bytes(Account.sign_message(encode_typed_data(domain, types, message), voter.key).signature)


def deploy_consortium(node: Node, size: int) -> Consortium:
    """The benchmark's ccsi-dao consortium of ``size`` members (voters 1..8 with weight 1,000, the rest 1)."""
    members = _members(node, size)
    params = SuiteParams(
        name="Benchmark Consortium",
        members=tuple(
            InitialMember(
                a,
                f"Member {i}",
                Role.FOUNDING_PARTNER if i == 0 else Role.PARTNER,
                StakeholderGroup.OTHER,
                1_000 if i < VOTERS else 1,
            )
            for i, a in enumerate(members)
        ),
        agreement_hash=b"\x11" * 32,
        agreement_uri="ipfs://benchmark",
        rules=RULES,
        floors=(Ratio(1, 10), Ratio(1, 2)),
        voting_delay=DELAY,
        voting_period=PERIOD,
        late_quorum_extension=0,
        early_close=True,
        timelock_delay=TIMELOCK_DELAY,
    )
    return Consortium(node.chain, deploy_suite(node.chain, node.accounts[0], params))


def measure_ccsi(node: Node, size: int, *, full: bool = True) -> dict[str, Measured]:
    """Gas of each operation on a ccsi-dao consortium of ``size`` members."""
    acc = node.accounts
    dao = deploy_consortium(node, size)
    out: dict[str, Measured] = {}
    newcomer = Account.create().address

    one = dao.propose(acc[1], [actions.signal()], "one action")
    out["propose (1 action)"] = _proposal_gas(node, dao.governor, one.id)
    if full:
        ten = dao.propose(acc[1], [actions.signal()] * 10, "ten actions")
        out["propose (10 actions)"] = _proposal_gas(node, dao.governor, ten.id)
    admit = dao.propose(acc[1], [actions.admit(dao.record.membership, newcomer, "Newcomer")], "admit")
    node.advance(DELAY + 1)
    out["castVote (first voter)"] = _gas(dao.vote(acc[1], one.id, VoteType.FOR))
    out["castVote (later voter)"] = _gas(dao.vote(acc[2], one.id, VoteType.FOR))
    out["castVote (member admitted last)"] = _gas(dao.vote(acc[LATE_VOTER], one.id, VoteType.FOR))
    if full:
        out["castVoteWithReason"] = _gas(dao.vote(acc[3], one.id, VoteType.FOR, "Agreed at the partners' meeting"))
        ballot = dao.sign_ballot(acc[4], one.id, VoteType.FOR)
        out["castVoteBySig"] = _gas(dao.relay(acc[0], ballot))
        for i in range(1, 6):
            dao.vote(acc[i], admit.id, VoteType.FOR)
        node.advance(PERIOD + 1)
        out["queue"] = _gas(dao.queue(acc[1], one))
        dao.queue(acc[1], admit)
        node.advance(TIMELOCK_DELAY + 1)
        out["execute (1 action)"] = _gas(dao.execute(acc[1], one))
        out["execute (admit a member)"] = _gas(dao.execute(acc[1], admit))
    out["admit a member (registry call)"] = node.as_account(
        dao.record.timelock, dao.membership.functions.admit(Account.create().address, 2, 5, 1, "Another newcomer")
    )
    if full:
        out.update(measure_chambers_and_choices(node, dao))
    return out


def measure_chambers_and_choices(node: Node, dao: Consortium) -> dict[str, Measured]:
    """A later voter's castVote with two chambers on the category (the double majority), and on a choice of 5
    options (each paying from the treasury, so a treasury decision), as set by governance."""
    acc = node.accounts
    packed = [(RULES[c][0].as_tuple(), RULES[c][1].as_tuple()) for c in Category]
    chambers = [DOUBLE_MAJORITY, 0, 0, 0]
    node.as_account(dao.record.timelock, dao.membership.functions.updateRules((packed, True, chambers, False)))
    chambered = dao.propose(acc[1], [actions.signal()], "two chambers")
    labels = [f"Option {i}" for i in range(5)]
    manifest = Action(
        dao.record.governor,
        0,
        function_signature_to_4byte_selector(OFFER_OPTIONS)
        + abi_encode(["string[]", "uint256[]", "uint256"], [labels, [1] * 5, 1]),
    )
    pays = [actions.transfer_eth(Account.create().address, i + 1) for i in range(5)]
    offered = dao.propose(acc[1], [manifest, *pays], "choose one of five")
    node.advance(DELAY + 1)
    out: dict[str, Measured] = {}
    dao.vote(acc[1], chambered.id, VoteType.FOR)
    out["castVote (later voter, two chambers)"] = _gas(dao.vote(acc[2], chambered.id, VoteType.FOR))
    choose = dao.governor.functions.castVoteWithReasonAndParams
    dao.chain.transact(acc[1], choose(offered.id, 1, "", abi_encode(["uint256[]"], [[0]])))
    out["castVote (choice of 5 options)"] = _gas(
        dao.chain.transact(acc[2], choose(offered.id, 1, "", abi_encode(["uint256[]"], [[3]])))
    )
    # The same two chambers without early close (as the reference, which has none): no judgment after each vote.
    node.as_account(dao.record.timelock, dao.membership.functions.updateRules((packed, False, chambers, False)))
    unjudged = dao.propose(acc[1], [actions.signal()], "two chambers, no early close")
    node.advance(DELAY + 1)
    dao.vote(acc[1], unjudged.id, VoteType.FOR)
    out["castVote (later voter, two chambers, no early close)"] = _gas(dao.vote(acc[2], unjudged.id, VoteType.FOR))
    return out


def measure_reference(node: Node, size: int) -> dict[str, Measured]:
    """The same operations on OpenZeppelin's reference governor with an ERC721Votes membership token."""
    acc, chain, w3 = node.accounts, node.chain, node.chain.w3
    timelock_art, token_art, gov_art = (
        load_artifact("ConsortiumTimelock"),
        load_test_artifact("ReferenceMembershipToken"),
        load_test_artifact("ReferenceGovernor"),
    )
    predicted_gov = create_address(acc[0].address, w3.eth.get_transaction_count(acc[0].address) + 2)
    timelock, _ = chain.deploy(
        acc[0],
        timelock_art.abi,
        timelock_art.bytecode,
        TIMELOCK_DELAY,
        [predicted_gov],
        [predicted_gov],
        "0x" + "00" * 20,
    )
    token, _ = chain.deploy(acc[0], token_art.abi, token_art.bytecode, timelock, _members(node, size))
    governor, _ = chain.deploy(acc[0], gov_art.abi, gov_art.bytecode, token, timelock, DELAY, PERIOD, 4)
    gov = w3.eth.contract(address=governor, abi=gov_art.abi)
    tok = w3.eth.contract(address=token, abi=token_art.abi)
    out: dict[str, Measured] = {}
    newcomer = Account.create().address

    def propose(acts: list[Action], text: str) -> tuple[int, tuple, Any]:
        text = f"{text}#proposer={acc[1].address.lower()}"  # the same front-running guard ccsi-dao adds
        args = ([a.target for a in acts], [a.value for a in acts], [a.data for a in acts], text)
        receipt = chain.transact(acc[1], gov.functions.propose(*args))
        pid = gov.functions.getProposalId(*args[:3], keccak(text=text)).call()
        return pid, (args[0], args[1], args[2], keccak(text=text)), receipt

    mint = Action(token, 0, bytes.fromhex(tok.functions.safeMint(newcomer)._encode_transaction_data()[2:]))
    one, one_args, r1 = propose([actions.signal()], "one action")
    out["propose (1 action)"] = _gas(r1)
    _, _, r10 = propose([actions.signal()] * 10, "ten actions")
    out["propose (10 actions)"] = _gas(r10)
    admit, admit_args, _ = propose([mint], "admit")
    node.advance(DELAY + 1)
    out["castVote (first voter)"] = _gas(chain.transact(acc[1], gov.functions.castVote(one, 1)))
    out["castVote (later voter)"] = _gas(chain.transact(acc[2], gov.functions.castVote(one, 1)))
    out["castVote (member admitted last)"] = _gas(chain.transact(acc[LATE_VOTER], gov.functions.castVote(one, 1)))
    out["castVoteWithReason"] = _gas(
        chain.transact(acc[3], gov.functions.castVoteWithReason(one, 1, "Agreed at the partners' meeting"))
    )
    signature = _sign(node, acc[4], gov, "Reference Governor", one)
    out["castVoteBySig"] = _gas(chain.transact(acc[0], gov.functions.castVoteBySig(one, 1, acc[4].address, signature)))
    for i in range(1, 6):
        chain.transact(acc[i], gov.functions.castVote(admit, 1))
    node.advance(PERIOD + 1)
    out["queue"] = _gas(chain.transact(acc[1], gov.functions.queue(*one_args)))
    chain.transact(acc[1], gov.functions.queue(*admit_args))
    node.advance(TIMELOCK_DELAY + 1)
    out["execute (1 action)"] = _gas(chain.transact(acc[1], gov.functions.execute(*one_args)))
    out["execute (admit a member)"] = _gas(chain.transact(acc[1], gov.functions.execute(*admit_args)))
    out["admit a member (registry call)"] = node.as_account(timelock, tok.functions.safeMint(Account.create().address))
    return out


def _proposal_gas(node: Node, governor: Any, proposal_id: int) -> Measured:
    for log in governor.events.ProposalCreated.get_logs(from_block=0):
        if log["args"]["proposalId"] == proposal_id:
            return _gas(node.chain.w3.eth.get_transaction_receipt(log["transactionHash"]))
    raise LookupError(proposal_id)
