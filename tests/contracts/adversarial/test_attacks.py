"""Governance attacks modelled on what real DAOs suffered, each tried against the test consortium and shown to fail.

Attacks already covered elsewhere are not repeated here (see the closing note of issue 5): admission, weight and
proxy after the snapshot (tests/test_voting.py), ballot replay on the same chain, another chain id, another
governor and after resignation (tests/test_voting.py), front-running a proposal's creation and cancelling once
voting started (tests/test_lifecycle.py), the categories of disguised calls and lowering a quorum to revive a
defeated proposal (tests/test_categories.py), the last founding partner leaving one at a time
(tests/test_membership.py), the deployer's privileges (tests/test_deployment.py), direct treasury calls
(tests/test_treasury.py).

Attack contracts: ``contracts/test/{SwitchableTarget,CallForwarder,MetamorphicFactory}.sol``.
"""

from __future__ import annotations

import dataclasses

import pytest
from eth_abi import encode
from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_utils import function_signature_to_4byte_selector, keccak
from web3 import Web3
from web3.logs import DISCARD

from ccsi_dao.abi.artifacts import load_artifact, load_test_artifact
from ccsi_dao.chain import Call
from ccsi_dao.errors import ContractRevertError
from ccsi_dao.governance import actions
from ccsi_dao.governance.actions import RULE_SET_TYPE, Action
from ccsi_dao.governance.consortium import Consortium
from ccsi_dao.types import Category, MemberStatus, ProposalState, Role, StakeholderGroup
from tests.support.attackkit import at, call_of, data, decide, deploy, error_name, governor_salt, queue_ready, refusal
from tests.support.consortium import TEST_RULES, suite_params
from tests.support.scenario import ABSTAIN, AGAINST, FOR, Round

ORDINARY, TREASURY, MEMBERSHIP, CONSTITUTIONAL = Category
ATTACKER = 17  # accounts[17]: never a member
PROPOSER_ROLE = keccak(text="PROPOSER_ROLE")
ZERO32 = b"\0" * 32


@pytest.fixture
def rounds(dao, accounts) -> Round:
    return Round(dao, accounts)


@pytest.fixture
def attacker(accounts):
    return accounts[ATTACKER]


@pytest.fixture
def token(dao, accounts):
    """A test ERC-20 with 10,000 tokens in the treasury."""
    artifact = load_test_artifact("TestToken")
    address, _ = dao.chain.deploy(accounts[0], artifact.abi, artifact.bytecode)
    contract = dao.chain.w3.eth.contract(address=address, abi=artifact.abi)
    dao.chain.transact(accounts[0], contract.functions.mint(dao.record.timelock, 10_000))
    return contract


def _admit(dao, who: str, weight: int = 1, role: Role = Role.PARTNER) -> Action:
    return actions.admit(dao.record.membership, who, "Quiet Newcomer", role, StakeholderGroup.BUSINESS, weight)


def _snapshot_of_dao(dao) -> dict:
    """What an attack on the consortium would change: members, total power, rules, timelock delay."""
    now = dao.chain.now()
    return {
        "members": [(m.address, m.status, m.role, m.weight, m.power) for m in dao.members()],
        "total": dao.membership.functions.getPastTotalSupply(now - 1).call(),
        "rules": dao.membership.functions.rulesAt(now).call(),
        "delay": dao.timelock.functions.getMinDelay().call(),
        "agreement": dao.membership.functions.agreementVersion().call(),
    }


# ---------------------------------------------------------------- borrowing power around the snapshot


def test_borrowed_proxy_power_counts_once(rounds: Round, dao, accounts) -> None:
    """Beanstalk-style borrowing through proxies: lend power, vote with it, take it back and lend it again."""
    dao.appoint_proxy(accounts[4], accounts[5].address)  # before the snapshot: 5 votes with 2
    proposal = rounds.open([actions.signal()])
    dao.vote(accounts[5], proposal.id, FOR)
    dao.revoke_proxy(accounts[4])
    dao.appoint_proxy(accounts[4], accounts[6].address)  # lend the same power again, after the snapshot
    with pytest.raises(ContractRevertError) as err:  # the lender's own power at the snapshot was with its proxy
        dao.vote(accounts[4], proposal.id, AGAINST)
    assert err.value.error_name == "GovernorNoVotingPower"
    dao.vote(accounts[6], proposal.id, FOR)  # its snapshot power is its own only
    assert dao.tally(proposal.id) == {FOR: 3, AGAINST: 0, ABSTAIN: 0}


# ---------------------------------------------------------------- code that changes between vote and execution


def test_metamorphic_target_cannot_be_redeployed_with_other_code(rounds: Round, dao, accounts, attacker) -> None:
    """Tornado Cash governance, May 2023: CREATE2 + CREATE + SELFDESTRUCT to swap the approved code."""
    w3, salt = dao.chain.w3, keccak(text="tornado")
    factory = deploy(dao, attacker, "MetamorphicFactory")
    receipt = dao.chain.transact(attacker, factory.functions.deploy(salt))
    deployer = at(
        dao,
        "MetamorphicDeployer",
        factory.events.DeployerCreated().process_receipt(receipt, errors=DISCARD)[0]["args"]["deployer"],
    )
    receipt = dao.chain.transact(attacker, deployer.functions.deployTarget(False, dao.record.membership))
    target = at(
        dao,
        "MetamorphicBenign",
        deployer.events.TargetCreated().process_receipt(receipt, errors=DISCARD)[0]["args"]["target"],
    )
    approved_code = {a: bytes(w3.eth.get_code(a)) for a in (deployer.address, target.address)}

    run = call_of(target.functions.run())
    assert dao.categorize([run]) == TREASURY  # a call into a contract outside the DAO
    proposal = rounds.propose([run], "Run the audited helper")
    assert decide(rounds, [proposal]) == [ProposalState.SUCCEEDED]
    queue_ready(rounds, [proposal])

    # After the vote: self-destruct target and deployer (separate transactions), then redeploy both.
    dao.chain.transact(attacker, target.functions.destroy())
    dao.chain.transact(attacker, deployer.functions.destroy())
    assert {a: bytes(w3.eth.get_code(a)) for a in approved_code} == approved_code  # EIP-6780: code stays
    assert refusal(dao, attacker.address, factory.functions.deploy(salt)) == "MetamorphicRedeployFailed"
    receipt = dao.chain.transact(attacker, deployer.functions.deployTarget(True, dao.record.membership))
    hostile = deployer.events.TargetCreated().process_receipt(receipt, errors=DISCARD)[0]["args"]["target"]
    assert hostile != target.address  # the deployer's nonce was not reset: the hostile code lands elsewhere

    receipt = dao.execute(accounts[1], proposal)
    ran = target.events.Ran().process_receipt(receipt, errors=DISCARD)
    assert [e["args"]["caller"] for e in ran] == [dao.record.timelock]
    assert bytes(w3.eth.get_code(target.address)) == approved_code[target.address]
    assert dao.member(attacker.address).status == MemberStatus.NONE


def _hostile_calls(dao, token, attacker: str) -> dict[str, tuple[object, str]]:
    """Calls a target run by the timelock makes back into the DAO, with the error each must be refused with."""
    reg, gov, tl = dao.membership.functions, dao.governor.functions, dao.timelock.functions
    admit = _admit(dao, attacker, 1_000_000, Role.FOUNDING_PARTNER)
    weakest = ([((1, 10), (1, 2))] * 4, False, [0] * 4, False)
    return {
        "registry.admit": (reg.admit(attacker, 1, 3, 1_000_000, "Hostile"), "MembershipOnlyGovernance"),
        "registry.setWeight": (reg.setWeight(dao.members()[2].address, 1_000_000), "MembershipOnlyGovernance"),
        "registry.amendAgreement": (reg.amendAgreement(b"\x66" * 32, "ipfs://forged"), "MembershipOnlyGovernance"),
        "governor.relay": (gov.relay(admit.target, 0, admit.data), "GovernorOnlyExecutor"),
        "registry.updateRules": (reg.updateRules(weakest), "MembershipOnlyGovernance"),
        "registry.setConstitutionalVote": (reg.setConstitutionalVote(attacker, True), "MembershipOnlyGovernance"),
        "governor.setVotingDelay": (gov.setVotingDelay(3600), "GovernorOnlyExecutor"),
        "timelock.schedule": (
            tl.schedule(admit.target, 0, admit.data, ZERO32, ZERO32, 10**6),
            "AccessControlUnauthorizedAccount",
        ),
        "timelock.executeBatch": (
            tl.executeBatch([admit.target], [0], [admit.data], ZERO32, ZERO32),
            "AccessControlUnauthorizedAccount",
        ),
        "timelock.grantRole": (tl.grantRole(PROPOSER_ROLE, attacker), "AccessControlUnauthorizedAccount"),
        "timelock.updateDelay": (tl.updateDelay(0), "TimelockUnauthorizedCaller"),
        "token.transferFrom": (
            token.functions.transferFrom(dao.record.timelock, attacker, 1),
            "ERC20InsufficientAllowance",
        ),
    }


def _arm(dao, target, owner, calls: dict[str, tuple[object, str]]) -> None:
    fns = [fn for fn, _ in calls.values()]
    dao.chain.transact(owner, target.functions.arm([fn.address for fn in fns], [data(fn) for fn in fns]))


def _results(target, calls: dict[str, tuple[object, str]]) -> dict[str, str | None]:
    succeeded, returned = target.functions.results().call()
    assert len(succeeded) == len(calls)
    return {
        name: ("SUCCEEDED" if ok else error_name(bytes(raw)))
        for name, ok, raw in zip(calls, succeeded, returned, strict=True)
    }


def test_switchable_target_never_acts_with_the_timelocks_authority(
    rounds: Round, dao, token, accounts, attacker
) -> None:
    """An external target benign at the vote and switched (upgraded) before execution."""
    target = deploy(dao, attacker, "SwitchableTarget")
    poke = call_of(target.functions.poke())
    assert dao.categorize([poke]) == TREASURY
    assert dao.categorize([actions.signal(), poke]) == TREASURY  # hidden behind a signal: still treasury
    proposal = rounds.propose([poke], "Notify the partner platform")
    assert decide(rounds, [proposal]) == [ProposalState.SUCCEEDED]
    queue_ready(rounds, [proposal])
    before = _snapshot_of_dao(dao)

    calls = _hostile_calls(dao, token, attacker.address)
    _arm(dao, target, attacker, calls)
    dao.execute(accounts[1], proposal)

    assert _results(target, calls) == {name: expected for name, (_, expected) in calls.items()}
    rounds.advance(1)
    assert _snapshot_of_dao(dao) == before
    assert token.functions.balanceOf(dao.record.timelock).call() == 10_000
    assert not dao.timelock.functions.hasRole(PROPOSER_ROLE, attacker.address).call()


# ---------------------------------------------------------------- reentrancy


def test_reentrancy_from_a_target_during_execution_is_refused(rounds: Round, dao, accounts, attacker) -> None:
    """The target, itself a voting member, reenters the governor and the timelock while its proposal executes."""
    target = deploy(dao, attacker, "SwitchableTarget")
    rounds.as_timelock(dao.membership.functions.admit(target.address, int(Role.PARTNER), 3, 1, "Reentrant Ltd"))
    poke = call_of(target.functions.poke())
    description = "Reentrancy probe"  # no #proposer= suffix, so the target may propose the very same proposal
    proposal = dao.propose(accounts[1], [poke], description, protect=False)
    assert decide(rounds, [proposal]) == [ProposalState.SUCCEEDED]
    queue_ready(rounds, [proposal])

    gov, tl = dao.governor.functions, dao.timelock.functions
    targets, values, calldatas, description_hash = proposal.call_args()
    salt = governor_salt(dao, proposal)
    calls = {
        "governor.execute": (
            gov.execute(targets, values, calldatas, description_hash),
            "GovernorUnexpectedProposalState",
        ),
        "governor.queue": (gov.queue(targets, values, calldatas, description_hash), "GovernorUnexpectedProposalState"),
        "governor.castVote": (gov.castVote(proposal.id, int(FOR)), "GovernorUnexpectedProposalState"),
        "governor.propose": (gov.propose(targets, values, calldatas, description), "GovernorUnexpectedProposalState"),
        "governor.cancel": (gov.cancel(targets, values, calldatas, description_hash), "GovernorUnableToCancel"),
        "timelock.executeBatch": (
            tl.executeBatch(targets, values, calldatas, ZERO32, salt),
            "AccessControlUnauthorizedAccount",
        ),
        "timelock.execute": (
            tl.execute(targets[0], values[0], calldatas[0], ZERO32, salt),
            "AccessControlUnauthorizedAccount",
        ),
    }
    _arm(dao, target, attacker, calls)
    receipt = dao.execute(accounts[1], proposal)

    assert _results(target, calls) == {name: expected for name, (_, expected) in calls.items()}
    assert target.functions.pokes().call() == 1
    assert len(target.events.Struck().process_receipt(receipt, errors=DISCARD)) == 1
    assert dao.state(proposal.id) == ProposalState.EXECUTED
    assert not gov.hasVoted(proposal.id, target.address).call()
    assert len(dao.proposals()) == 1


# ---------------------------------------------------------------- hostile takeover and disguised changes


def test_a_batch_of_quiet_admissions_is_one_membership_vote(rounds: Round, dao, accounts) -> None:
    """Build Finance DAO: pack the electorate. Five admissions, hidden among signals, need the membership rule; raising
    a weight moves power among existing members and needs the constitutional rule."""
    newcomers = [accounts[i].address for i in range(13, 18)]
    takeover = [actions.signal(), *(_admit(dao, a, 1) for a in newcomers), actions.signal()]
    assert dao.categorize(takeover) == MEMBERSHIP
    raise_weights = [actions.signal(), actions.set_weight(dao.record.membership, accounts[3].address, 1_000_000)]
    assert dao.categorize(raise_weights) == CONSTITUTIONAL
    packed = rounds.propose(takeover, "Welcome new partners")
    raised = rounds.propose(raise_weights, "Recognise partner 3's contribution")
    plain = rounds.propose([actions.signal()], "A signal with the same support")
    # Five of twelve in favour: enough for an ordinary decision (quorum 3), not for membership (quorum 6) nor
    # constitutional (quorum 8).
    assert decide(rounds, [packed, raised, plain], voters=range(1, 6)) == [
        ProposalState.DEFEATED,
        ProposalState.DEFEATED,
        ProposalState.SUCCEEDED,
    ]
    for p in (packed, raised):
        with pytest.raises(ContractRevertError, match="defeated"):
            dao.queue(accounts[1], p)
    assert all(dao.member(a).status == MemberStatus.NONE for a in newcomers)
    assert dao.member(accounts[3].address).weight == 1
    with pytest.raises(ContractRevertError) as err:  # even a passed decision cannot exceed the maximum weight
        rounds.as_timelock(dao.membership.functions.setWeight(accounts[3].address, 1_000_001))
    assert err.value.error_name == "MembershipInvalidWeight"
    with pytest.raises(ContractRevertError) as err:  # nor the agreement's cap on one member's share (1/3)
        rounds.as_timelock(dao.membership.functions.setWeight(accounts[3].address, 6))
    assert err.value.error_name == "MembershipShareAboveCap"


def _timelock_execute_batch(dao, inner: Action) -> Action:
    return call_of(dao.timelock.functions.executeBatch([inner.target], [inner.value], [inner.data], ZERO32, ZERO32))


def test_disguised_membership_changes_get_a_strict_category_and_cannot_act(
    rounds: Round, dao, accounts, attacker
) -> None:
    """Admissions routed through timelock.executeBatch, the governor's relay inside a batch, a multicall."""
    admit = _admit(dao, attacker.address, 1_000_000, Role.FOUNDING_PARTNER)
    forwarder = deploy(dao, attacker, "CallForwarder")
    via_multicall = call_of(forwarder.functions.forward([admit.target], [admit.data]))
    relay = call_of(dao.governor.functions.relay(admit.target, 0, admit.data))
    assert dao.categorize([_timelock_execute_batch(dao, admit)]) == CONSTITUTIONAL
    assert dao.categorize([actions.signal(), relay, actions.transfer_eth(attacker.address, 0)]) == CONSTITUTIONAL
    assert dao.categorize([via_multicall]) == TREASURY  # not provably membership, but never weaker than treasury

    # Even passed unanimously, the routes that do not go through the governor's own execution cannot act.
    routed = rounds.propose([_timelock_execute_batch(dao, admit)], "Routed through the timelock")
    multicall = rounds.propose([via_multicall], "Batch of partner notifications")
    assert decide(rounds, [routed, multicall]) == [ProposalState.SUCCEEDED] * 2
    queue_ready(rounds, [routed, multicall])
    with pytest.raises(ContractRevertError) as err:
        dao.execute(accounts[1], routed)
    assert err.value.error_name == "AccessControlUnauthorizedAccount"  # the timelock is not its own executor
    with pytest.raises(ContractRevertError) as err:
        dao.execute(accounts[1], multicall)
    assert err.value.error_name == "MembershipOnlyGovernance"  # the multicall, not the timelock, calls the registry
    assert dao.member(attacker.address).status == MemberStatus.NONE
    assert [dao.state(p.id) for p in (routed, multicall)] == [ProposalState.QUEUED] * 2


# ---------------------------------------------------------------- ballots, cancellation, inactive members


def test_forged_and_reused_ballots_are_rejected(rounds: Round, dao, accounts) -> None:
    proposal = rounds.open([actions.signal()])
    ballot = dao.sign_ballot(accounts[3], proposal.id, FOR)

    # Signature malleability: (r, n - s, flipped v) is valid ECDSA for the same message but rejected.
    n = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
    r, s, v = ballot.signature[:32], int.from_bytes(ballot.signature[32:64], "big"), ballot.signature[64]
    malleated = r + (n - s).to_bytes(32, "big") + bytes([55 - v])
    with pytest.raises(ContractRevertError) as err:
        dao.relay(accounts[0], dataclasses.replace(ballot, signature=malleated))
    assert err.value.error_name == "GovernorInvalidSignature"

    # A ballot naming partner 3 as voter but signed by partner 4.
    message = {"proposalId": proposal.id, "support": int(FOR), "voter": accounts[3].address, "nonce": 0}
    ballot_type = [
        {"name": k, "type": t}
        for k, t in (("proposalId", "uint256"), ("support", "uint8"), ("voter", "address"), ("nonce", "uint256"))
    ]
    signable = encode_typed_data(
        domain_data=dao.eip712_domain(), message_types={"Ballot": ballot_type}, message_data=message
    )
    impostor = bytes(Account.sign_message(signable, accounts[4].key).signature)
    with pytest.raises(ContractRevertError) as err:
        dao.relay(accounts[0], dataclasses.replace(ballot, signature=impostor))
    assert err.value.error_name == "GovernorInvalidSignature"

    # The voter votes directly; its earlier ballot, relayed afterwards, does not count a second time.
    dao.vote(accounts[3], proposal.id, AGAINST)
    with pytest.raises(ContractRevertError) as err:
        dao.relay(accounts[0], ballot)
    assert err.value.error_name == "GovernorAlreadyCastVote"
    assert dao.tally(proposal.id)[FOR] == 0 and dao.tally(proposal.id)[AGAINST] == 1


def test_nobody_cancels_a_decided_proposal(rounds: Round, dao, accounts, attacker) -> None:
    proposal = rounds.propose([actions.signal()], "Decided")
    assert decide(rounds, [proposal], voters=[2, 3, 4]) == [ProposalState.SUCCEEDED]
    for when in ("succeeded", "queued"):
        with pytest.raises(ContractRevertError) as err:  # the proposer, once voting started
            dao.cancel(accounts[1], proposal)
        assert err.value.error_name == "GovernorUnableToCancel"
        if when == "succeeded":
            dao.queue(accounts[1], proposal)
    targets, values, calldatas, _ = proposal.call_args()
    operation = dao.timelock.functions.hashOperationBatch(
        targets, values, calldatas, ZERO32, governor_salt(dao, proposal)
    ).call()
    assert dao.timelock.functions.isOperationPending(operation).call()
    for who in (accounts[1], attacker, accounts[0]):  # proposer, outsider, deployer: none is a canceller
        assert refusal(dao, who.address, dao.timelock.functions.cancel(operation)) == "AccessControlUnauthorizedAccount"
    rounds.advance(dao.timelock.functions.getMinDelay().call() + 1)
    dao.execute(accounts[1], proposal)
    assert dao.state(proposal.id) == ProposalState.EXECUTED


@pytest.mark.parametrize("status", ["suspended", "removed"])
def test_inactive_member_neither_votes_nor_proposes_nor_lends_power(status: str, rounds: Round, dao, accounts) -> None:
    member = accounts[6]
    proposal = rounds.open([actions.signal()])
    ballot = dao.sign_ballot(member, proposal.id, FOR)  # signed while still active
    change = dao.membership.functions.suspend if status == "suspended" else dao.membership.functions.remove
    rounds.as_timelock(change(member.address))
    for attempt in (lambda: dao.vote(member, proposal.id, FOR), lambda: dao.relay(accounts[0], ballot)):
        with pytest.raises(ContractRevertError) as err:
            attempt()
        assert err.value.error_name == "GovernorVoterNotActive"
    with pytest.raises(ContractRevertError) as err:
        dao.propose(member, [actions.signal()], "From an inactive member")
    assert err.value.error_name == "GovernorProposerNotMember"
    with pytest.raises(ContractRevertError) as err:
        dao.appoint_proxy(member, accounts[7].address)
    assert err.value.error_name == "MembershipInvalidProxy"
    assert sum(dao.tally(proposal.id).values()) == 0


# ---------------------------------------------------------------- rules, founders, the timelock's other callers


def test_shrinking_the_electorate_does_not_revive_a_proposal(rounds: Round, dao, accounts) -> None:
    """OZ advisory 2022 (quorum read at the wrong time), by the other lever: total power lowered after the snapshot."""
    membership = [_admit(dao, accounts[19].address)]
    starved = rounds.propose(membership, "Defeated for want of quorum")
    assert decide(rounds, [starved], voters=range(1, 6)) == [ProposalState.DEFEATED]
    running = rounds.open(membership, "Still running")
    rounds.vote(running, range(1, 6))
    for i in range(8, 13):  # five members leave: 5 of the remaining 7 would now be a quorum
        rounds.as_timelock(dao.membership.functions.remove(accounts[i].address))
    assert rounds.close(running) == ProposalState.DEFEATED
    for p in (starved, running):
        assert dao.state(p.id) == ProposalState.DEFEATED
        assert dao.governor.functions.proposalQuorum(p.id).call() == 6  # half of the 12 at the snapshot
        with pytest.raises(ContractRevertError, match="defeated"):
            dao.queue(accounts[1], p)


def _raw_update_rules(dao, rules: list[tuple[tuple[int, int], tuple[int, int]]]) -> Action:
    selector = function_signature_to_4byte_selector(f"updateRules(({RULE_SET_TYPE}))")
    return Action(
        dao.record.membership, 0, selector + encode([f"({RULE_SET_TYPE})"], [(rules, False, [0, 0, 0, 0], False)])
    )


def test_rules_cannot_be_malformed_and_floors_cannot_move(rounds: Round, dao, accounts) -> None:
    valid = [(q.as_tuple(), a.as_tuple()) for q, a in TEST_RULES.values()]
    zero_denominator = [((1, 0), valid[0][1]), *valid[1:]]  # division by zero: a quorum anything "reaches"
    unreachable = [*valid[:3], ((3, 2), valid[3][1])]  # constitutional quorum 3/2: governance frozen for good
    cases = {"zero denominator": zero_denominator, "quorum above one": unreachable}
    proposals = [rounds.propose([_raw_update_rules(dao, rules)], f"Rules: {name}") for name, rules in cases.items()]
    assert decide(rounds, proposals) == [ProposalState.SUCCEEDED] * 2
    queue_ready(rounds, proposals)
    for p in proposals:
        with pytest.raises(ContractRevertError) as err:
            dao.execute(accounts[1], p)
        assert err.value.error_name == "RulesInvalid"
    assert dao.membership.functions.rulesAt(rounds.now()).call()[0] == valid
    registry_functions = {i["name"] for i in dao.membership.abi if i["type"] == "function"}
    assert {f for f in registry_functions if "floor" in f.lower()} == {"ruleFloors"}  # no setter exists


def test_a_passed_batch_cannot_remove_every_founding_partner(rounds: Round, dao, accounts) -> None:
    reg = dao.record.membership
    batch = [actions.remove(reg, accounts[1].address), actions.set_role(reg, accounts[2].address, Role.OBSERVER)]
    proposal = rounds.propose(batch, "Reorganise the founders")
    assert decide(rounds, [proposal]) == [ProposalState.SUCCEEDED]
    queue_ready(rounds, [proposal])
    with pytest.raises(ContractRevertError) as err:
        dao.execute(accounts[1], proposal)
    assert err.value.error_name == "MembershipLastFoundingPartner"
    assert dao.membership.functions.activeFoundingPartners().call() == 2


def test_a_second_governor_or_an_outsider_cannot_use_the_timelock(
    rounds: Round, dao, chain, accounts, attacker
) -> None:
    artifact = load_artifact("ConsortiumGovernor").linked(dao.record.libraries)
    params = suite_params(accounts, name="Rogue Governor")
    rogue_address, _ = chain.deploy(
        attacker, artifact.abi, artifact.bytecode, dao.record.membership, dao.record.timelock, params.governor_config()
    )
    rogue = Consortium(chain, dao.record.model_copy(update={"governor": rogue_address}))
    rogue_rounds = Round(rogue, accounts)
    drain = [actions.transfer_eth(attacker.address, 1)]
    rogue_proposal = rogue_rounds.propose(drain, "Pay the attacker")
    real_proposal = rounds.propose([actions.signal()], "A real decision")
    rounds.advance(max(rogue_proposal.snapshot, real_proposal.snapshot) - rounds.now() + 1)
    rogue_rounds.vote(rogue_proposal, range(1, 13))  # the members were fooled into voting there too
    rounds.vote(real_proposal, range(1, 13))
    assert rogue_rounds.close(rogue_proposal) == ProposalState.SUCCEEDED
    assert rounds.close(real_proposal) == ProposalState.SUCCEEDED
    with pytest.raises(ContractRevertError) as err:
        rogue.queue(accounts[1], rogue_proposal)
    assert err.value.error_name == "AccessControlUnauthorizedAccount"  # the rogue governor is no proposer

    queue_ready(rounds, [real_proposal])
    targets, values, calldatas, _ = real_proposal.call_args()
    salt = governor_salt(dao, real_proposal)
    for who in (attacker, accounts[1], accounts[0]):  # outsider, founding partner, deployer
        fn = dao.timelock.functions.executeBatch(targets, values, calldatas, ZERO32, salt)
        assert refusal(dao, who.address, fn) == "AccessControlUnauthorizedAccount"
        assert refusal(dao, rogue_address, fn) == "AccessControlUnauthorizedAccount"
    dao.execute(accounts[1], real_proposal)
    assert dao.state(real_proposal.id) == ProposalState.EXECUTED


# ---------------------------------------------------------------- the treasury


def test_treasury_funds_leave_only_by_a_treasury_decision(rounds: Round, dao, token, accounts, attacker) -> None:
    w3, timelock = dao.chain.w3, dao.record.timelock
    dao.chain.transact(accounts[0], Call(to=timelock, value=Web3.to_wei(1, "ether")))
    approve = call_of(token.functions.approve(attacker.address, 2**256 - 1))
    assert dao.categorize([approve]) == TREASURY
    assert dao.categorize([actions.signal(), actions.transfer_eth(attacker.address, 1)]) == TREASURY
    assert (
        refusal(dao, attacker.address, token.functions.transferFrom(timelock, attacker.address, 1))
        == "ERC20InsufficientAllowance"
    )

    # Three votes carry an ordinary decision (quorum 3 of 12), not a treasury one (quorum 4). Even an empty call
    # to an outside contract is treasury: its fallback runs with the timelock as caller.
    allowance = rounds.propose([approve], "Approve the payment processor")
    eth = rounds.propose([actions.transfer_eth(attacker.address, Web3.to_wei(1, "ether"))], "Refund")
    assert dao.categorize([actions.signal(), Action(attacker.address)]) == TREASURY
    harmless = rounds.propose([actions.signal()], "Thank the partners")
    assert dao.categorize(harmless.actions) == ORDINARY
    assert decide(rounds, [allowance, eth, harmless], voters=[1, 2, 3]) == [
        ProposalState.DEFEATED,
        ProposalState.DEFEATED,
        ProposalState.SUCCEEDED,
    ]
    queue_ready(rounds, [harmless])
    dao.execute(accounts[1], harmless)
    for p in (allowance, eth):
        with pytest.raises(ContractRevertError, match="defeated"):
            dao.queue(accounts[1], p)
    assert token.functions.allowance(timelock, attacker.address).call() == 0
    assert token.functions.balanceOf(timelock).call() == 10_000
    assert w3.eth.get_balance(timelock) == Web3.to_wei(1, "ether")
