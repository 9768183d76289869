// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IGovernor} from "@openzeppelin/contracts/governance/IGovernor.sol";
import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";
import {IConsortiumGovernor} from "../../contracts/interfaces/IConsortiumGovernor.sol";
import {IConsortiumMembership} from "../../contracts/interfaces/IConsortiumMembership.sol";
import {ConsortiumTimelock} from "../../contracts/ConsortiumTimelock.sol";
import {ConsortiumFixture} from "./lib/ConsortiumFixture.sol";

/**
 * @notice The assembled governor: ballots signed ahead with nonces keyed by proposal and relayed in any order (each
 * relayed ballot announced by {IConsortiumGovernor-VoteRelayed}), the fixed timelock, and a whole decision from
 * proposal to execution out of the treasury.
 */
contract ConsortiumGovernorTest is ConsortiumFixture {
    bytes32 internal constant DOMAIN_TYPEHASH =
        keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");
    address internal relayer = address(0x7E1A7);

    function setUp() public {
        deploy(defaultSuite());
    }

    function digest(bytes32 structHash) internal view returns (bytes32) {
        bytes32 domain = keccak256(
            abi.encode(DOMAIN_TYPEHASH, keccak256("CCSI Test Governor"), keccak256("1"), block.chainid, address(governor))
        );
        return keccak256(abi.encodePacked("\x19\x01", domain, structHash));
    }

    function ballot(uint256 memberIndex, uint256 proposalId, uint8 support, uint256 nonce) internal view returns (bytes memory) {
        bytes32 structHash = keccak256(abi.encode(governor.BALLOT_TYPEHASH(), proposalId, support, members[memberIndex], nonce));
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(memberKey(memberIndex), digest(structHash));
        return abi.encodePacked(r, s, v);
    }

    function keyedNonce(uint256 memberIndex, uint256 proposalId) internal view returns (uint256) {
        return governor.nonces(members[memberIndex], uint192(proposalId));
    }

    function relay(uint256 proposalId, uint8 support, uint256 memberIndex, bytes memory signature) internal returns (uint256) {
        vm.prank(relayer);
        return governor.castVoteBySig(proposalId, support, members[memberIndex], signature);
    }

    function test_relayedBallot_emitsVoteRelayedThenVoteCast() public {
        uint256 id = proposeSignal("relayed");
        toVoting(id);
        bytes memory sig = ballot(3, id, FOR, keyedNonce(3, id));
        vm.recordLogs();
        assertEq(relay(id, FOR, 3, sig), 1, "counted with the member's weight");
        assertEq(countLogs(vm.getRecordedLogs(), address(governor), IConsortiumGovernor.VoteRelayed.selector, abi.encode(relayer)), 1, "VoteRelayed");
        assertTrue(governor.hasVoted(id, members[3]), "the member voted, not the relayer");
        assertEq(keyedNonce(3, id), (uint256(uint192(id)) << 64) | 1, "keyed nonce used");
    }

    function test_ballotsSignedAhead_relayedInAnyOrder() public {
        uint256 a = proposeSignal("first");
        uint256 b = proposeSignal("second");
        bytes memory onA = ballot(4, a, FOR, keyedNonce(4, a));
        bytes memory onB = ballot(4, b, AGAINST, keyedNonce(4, b));
        toVoting(b);
        relay(b, AGAINST, 4, onB);
        relay(a, FOR, 4, onA);
        assertTrue(governor.hasVoted(a, members[4]) && governor.hasVoted(b, members[4]), "both counted");
    }

    function test_replayedOrForgedBallot_isRefused() public {
        uint256 id = proposeSignal("replay");
        toVoting(id);
        bytes memory sig = ballot(5, id, FOR, keyedNonce(5, id));
        relay(id, FOR, 5, sig);
        vm.prank(relayer);
        vm.expectRevert(abi.encodeWithSelector(IGovernor.GovernorInvalidSignature.selector, members[5]));
        governor.castVoteBySig(id, FOR, members[5], sig);
        // Signed by member 6 for member 7.
        bytes memory forged = ballot(6, id, FOR, keyedNonce(7, id));
        vm.prank(relayer);
        vm.expectRevert(abi.encodeWithSelector(IGovernor.GovernorInvalidSignature.selector, members[7]));
        governor.castVoteBySig(id, FOR, members[7], forged);
        // Support changed after signing.
        bytes memory changed = ballot(8, id, FOR, keyedNonce(8, id));
        vm.prank(relayer);
        vm.expectRevert(abi.encodeWithSelector(IGovernor.GovernorInvalidSignature.selector, members[8]));
        governor.castVoteBySig(id, AGAINST, members[8], changed);
    }

    function test_plainNonceBallot_stillWorks_andIsAnnouncedOnce() public {
        uint256 id = proposeSignal("plain");
        toVoting(id);
        bytes memory sig = ballot(2, id, ABSTAIN, governor.nonces(members[2]));
        vm.recordLogs();
        relay(id, ABSTAIN, 2, sig);
        assertEq(countLogs(vm.getRecordedLogs(), address(governor), IConsortiumGovernor.VoteRelayed.selector), 1, "one VoteRelayed");
        assertEq(governor.nonces(members[2]), 1, "plain nonce used");
    }

    function test_directVote_isNotAnnouncedAsRelayed() public {
        uint256 id = proposeSignal("direct");
        toVoting(id);
        vm.recordLogs();
        vote(members[0], id, FOR);
        assertEq(countLogs(vm.getRecordedLogs(), address(governor), IConsortiumGovernor.VoteRelayed.selector), 0, "no VoteRelayed");
    }

    function test_timelockIsFixed() public {
        vm.expectRevert(abi.encodeWithSelector(IConsortiumGovernor.GovernorTimelockFixed.selector));
        governor.updateTimelock(TimelockController(payable(address(0xBEEF))));
        assertEq(governor.timelock(), address(timelock), "timelock");
        assertTrue(governor.proposalNeedsQueuing(0), "every proposal is queued");
    }

    function test_wholeDecision_paysOutOfTheTreasury() public {
        vm.deal(address(this), 5 ether);
        (bool ok, ) = payable(address(timelock)).call{value: 5 ether}("");
        assertTrue(ok, "deposit");
        address payee = address(0xFEE);
        uint256 id = passOne(payee, 2 ether, "", "pay 2 ether");
        assertEq(payee.balance, 2 ether, "paid");
        assertEq(address(timelock).balance, 3 ether, "rest of the treasury");
        assertEq(uint256(governor.state(id)), uint256(IGovernor.ProposalState.Executed), "executed");
    }

    function test_governanceChangesTheRegistry_onlyThroughTheTimelock() public {
        bytes memory admit = abi.encodeCall(
            IConsortiumMembership.admit,
            (address(0xC0FFEE), IConsortiumMembership.Role.Partner, IConsortiumMembership.StakeholderGroup.Academia, 2, "Uni")
        );
        passOne(address(registry), 0, admit, "admit a university");
        assertTrue(registry.isActiveMember(address(0xC0FFEE)), "admitted");
        vm.expectRevert(abi.encodeWithSelector(IConsortiumMembership.MembershipOnlyGovernance.selector, address(governor)));
        vm.prank(address(governor));
        registry.suspend(members[3]);
        assertEq(address(ConsortiumTimelock(payable(address(timelock)))), registry.governance(), "the registry's governance");
    }
}
