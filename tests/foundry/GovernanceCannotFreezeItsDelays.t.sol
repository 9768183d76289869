// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";
import {GovernorTiming} from "../../contracts/governance/GovernorTiming.sol";
import {ConsortiumFixture} from "./lib/ConsortiumFixture.sol";
import {TimingHarness} from "./harness/TimingHarness.sol";

/**
 * @notice Neither the voting delay nor the timelock's delay can be set so long that no later decision could take
 * effect: one constitutional decision could otherwise freeze governance, and the treasury the timelock holds, for
 * good (a voting delay of 2^48 - 1 would make every later proposal revert; a timelock delay overflowing
 * `block.timestamp + delay`, every later queueing). Both have a ceiling of a year.
 */
contract GovernanceCannotFreezeItsDelaysTest is ConsortiumFixture {
    function setUp() public {
        deploy(defaultSuite());
    }

    function test_votingDelay_hasACeiling() public {
        TimingHarness h = new TimingHarness(1 hours, 7 days);
        vm.prank(address(h));
        vm.expectRevert(
            abi.encodeWithSelector(GovernorTiming.GovernorInvalidTiming.selector, type(uint48).max, 1 hours, 365 days)
        );
        h.setVotingDelay(type(uint48).max);
    }

    function test_governance_cannotFreezeItselfWithTheVotingDelay() public {
        bool executed = tryPassOne(address(governor), 0, abi.encodeCall(GovernorTiming.setVotingDelay, (type(uint48).max)), "freeze");
        assertFalse(executed, "the decision cannot take effect");
        proposeSignal("anything at all"); // governance still works
    }

    function test_governance_cannotFreezeItselfWithTheTimelockDelay() public {
        bytes memory freeze = abi.encodeCall(TimelockController.updateDelay, (type(uint256).max - block.timestamp));
        assertFalse(tryPassOne(address(timelock), 0, freeze, "freeze the timelock"), "the decision cannot take effect");
        uint256 id = proposeSignal("anything at all");
        toVoting(id);
        voteMany(0, 12, id, FOR);
        vm.warp(governor.proposalDeadline(id) + 1);
        (address[] memory t, uint256[] memory v, bytes[] memory d) = one(address(0), 0, "");
        governor.queue(t, v, d, keccak256("anything at all")); // governance still works
    }
}
