// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";
import {GovernorTiming} from "../../../contracts/governance/GovernorTiming.sol";
import {ConsortiumFixture} from "../lib/ConsortiumFixture.sol";
import {TimingHarness} from "../harness/TimingHarness.sol";

/**
 * @notice KNOWN ISSUES, failing on purpose (tests/foundry/test_forge.py expects them to fail, strictly: once the
 * contracts are fixed they pass, that check fails, and these tests belong in the main files).
 *
 * The voting delay has a floor but no ceiling, and so does the timelock's delay. One constitutional decision can set
 * either so high that no later decision can ever take effect: with a voting delay of 2^48 - 1 no proposal can be
 * created again (the snapshot no longer fits in 48 bits), with one of a century none can be voted on in practice;
 * with a timelock delay that overflows `block.timestamp + delay` nothing can be queued. The governance (and the
 * treasury the timelock holds) would be frozen for good, which the floors ("every consortium keeps a window to
 * react") are meant to prevent in the other direction. The voting period already has a ceiling (a year).
 *
 * Suggested fix: a ceiling in {GovernorTiming-_setVotingDelay} (e.g. `_MAX_VOTING_DELAY = 365 days`, reverting with
 * `GovernorInvalidTiming(value, _MIN_VOTING_DELAY, _MAX_VOTING_DELAY)`), and one in {ConsortiumTimelock-updateDelay}
 * and its constructor (e.g. `MAX_DELAY = 365 days`).
 */
contract KnownIssueUnboundedDelaysTest is ConsortiumFixture {
    function setUp() public {
        deploy(defaultSuite());
    }

    function test_votingDelay_hasACeiling() public {
        TimingHarness h = new TimingHarness(1 hours, 7 days);
        vm.prank(address(h));
        vm.expectRevert(); // expected: GovernorInvalidTiming(2^48 - 1, 1 hours, <ceiling>)
        h.setVotingDelay(type(uint48).max);
    }

    function test_governance_cannotFreezeItselfWithTheVotingDelay() public {
        bool executed = tryPassOne(address(governor), 0, abi.encodeCall(GovernorTiming.setVotingDelay, (type(uint48).max)), "freeze");
        if (!executed) return; // refused: the fix
        // Today it is accepted, and then no proposal can ever be made again:
        proposeSignal("anything at all"); // reverts: SafeCastOverflowedUintDowncast(48, ...)
    }

    function test_governance_cannotFreezeItselfWithTheTimelockDelay() public {
        bytes memory freeze = abi.encodeCall(TimelockController.updateDelay, (type(uint256).max - block.timestamp));
        if (!tryPassOne(address(timelock), 0, freeze, "freeze the timelock")) return; // refused: the fix
        // Today it is accepted, and then nothing can be queued again:
        uint256 id = proposeSignal("anything at all");
        toVoting(id);
        voteMany(0, 12, id, FOR);
        vm.warp(governor.proposalDeadline(id) + 1);
        (address[] memory t, uint256[] memory v, bytes[] memory d) = one(address(0), 0, "");
        governor.queue(t, v, d, keccak256("anything at all")); // reverts: arithmetic overflow
    }
}
