// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IGovernor} from "@openzeppelin/contracts/governance/IGovernor.sol";
import {GovernorTiming} from "../../contracts/governance/GovernorTiming.sol";
import {Test} from "./lib/Test.sol";
import {TimingHarness} from "./harness/TimingHarness.sol";

/// @notice {GovernorTiming}: a voting delay of at least an hour and a period of an hour to a year, set by governance.
contract GovernorTimingTest is Test {
    uint256 internal constant HOUR = 1 hours;
    uint256 internal constant YEAR = 365 days;

    TimingHarness internal h;

    function setUp() public {
        vm.warp(1_700_000_000);
        h = new TimingHarness(uint48(HOUR), uint32(7 days));
    }

    function delayError(uint256 value) internal pure returns (bytes memory) {
        return abi.encodeWithSelector(GovernorTiming.GovernorInvalidTiming.selector, value, HOUR, YEAR);
    }

    function periodError(uint256 value) internal pure returns (bytes memory) {
        return abi.encodeWithSelector(GovernorTiming.GovernorInvalidTiming.selector, value, HOUR, YEAR);
    }

    function test_constructor_bounds() public {
        vm.expectRevert(delayError(HOUR - 1));
        new TimingHarness(uint48(HOUR - 1), uint32(7 days));
        vm.expectRevert(periodError(HOUR - 1));
        new TimingHarness(uint48(HOUR), uint32(HOUR - 1));
        vm.expectRevert(periodError(YEAR + 1));
        new TimingHarness(uint48(HOUR), uint32(YEAR + 1));
        vm.expectRevert(delayError(YEAR + 1));
        new TimingHarness(uint48(YEAR + 1), uint32(7 days));
        TimingHarness edge = new TimingHarness(uint48(YEAR), uint32(YEAR));
        assertEq(edge.votingDelay(), YEAR, "longest delay");
        assertEq(edge.votingPeriod(), YEAR, "a year");
        edge = new TimingHarness(uint48(HOUR), uint32(HOUR));
        assertEq(edge.votingPeriod(), HOUR, "an hour");
    }

    function testFuzz_setVotingDelay(uint48 delay) public {
        bool ok = delay >= HOUR && delay <= YEAR;
        if (!ok) vm.expectRevert(delayError(delay));
        else {
            vm.expectEmit(true, true, true, true, address(h));
            emit GovernorTiming.VotingDelaySet(HOUR, delay);
        }
        vm.prank(address(h));
        h.setVotingDelay(delay);
        assertEq(h.votingDelay(), ok ? delay : HOUR, "delay");
    }

    function testFuzz_setVotingPeriod(uint32 period) public {
        bool ok = period >= HOUR && period <= YEAR;
        if (!ok) vm.expectRevert(periodError(period));
        else {
            vm.expectEmit(true, true, true, true, address(h));
            emit GovernorTiming.VotingPeriodSet(7 days, period);
        }
        vm.prank(address(h));
        h.setVotingPeriod(period);
        assertEq(h.votingPeriod(), ok ? period : 7 days, "period");
    }

    function test_setters_governanceOnly() public {
        vm.expectRevert(abi.encodeWithSelector(IGovernor.GovernorOnlyExecutor.selector, address(this)));
        h.setVotingDelay(uint48(2 * HOUR));
        vm.expectRevert(abi.encodeWithSelector(IGovernor.GovernorOnlyExecutor.selector, address(this)));
        h.setVotingPeriod(uint32(2 * HOUR));
    }

    function test_newProposals_useTheCurrentTiming_andNoThreshold() public {
        assertEq(h.proposalThreshold(), 0, "membership, not power, entitles a member to propose");
        vm.prank(address(h));
        h.setVotingDelay(uint48(2 * HOUR));
        vm.prank(address(h));
        h.setVotingPeriod(uint32(3 days));
        uint256 id = h.proposeSignal("timing");
        assertEq(h.proposalSnapshot(id), block.timestamp + 2 * HOUR, "snapshot after the delay");
        assertEq(h.proposalDeadline(id), block.timestamp + 2 * HOUR + 3 days, "deadline after the period");
        vm.prank(address(h));
        h.setVotingPeriod(uint32(HOUR));
        assertEq(h.proposalDeadline(id), block.timestamp + 2 * HOUR + 3 days, "an existing proposal keeps its period");
    }
}
