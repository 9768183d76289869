// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";
import {ConsortiumTimelock} from "../../contracts/ConsortiumTimelock.sol";
import {Test} from "./lib/Test.sol";

/// @notice {ConsortiumTimelock}: a delay never below one day (at construction and on update), and deposits recorded.
contract ConsortiumTimelockTest is Test {
    ConsortiumTimelock internal timelock;
    address internal proposer = address(0x9090);

    function setUp() public {
        vm.warp(1_700_000_000);
        address[] memory roles = new address[](1);
        roles[0] = proposer;
        timelock = new ConsortiumTimelock(1 days, roles, roles, address(0));
    }

    function boundsError(uint256 delay) internal pure returns (bytes memory) {
        return abi.encodeWithSelector(ConsortiumTimelock.TimelockDelayOutOfBounds.selector, delay, 1 days, 365 days);
    }

    function inBounds(uint256 delay) internal pure returns (bool) {
        return delay >= 1 days && delay <= 365 days;
    }

    function testFuzz_constructor_floor(uint256 delay) public {
        delay = delay % 4 == 0 ? bound(delay, 1 days - 2, 1 days + 2) : delay % 4 == 1
            ? bound(delay, 365 days - 2, 365 days + 2)
            : bound(delay, 0, 3650 days);
        address[] memory none;
        if (!inBounds(delay)) vm.expectRevert(boundsError(delay));
        ConsortiumTimelock t = new ConsortiumTimelock(delay, none, none, address(0));
        if (inBounds(delay)) assertEq(t.getMinDelay(), delay, "delay");
    }

    function test_constants_andRoles() public view {
        assertEq(timelock.MIN_DELAY(), 1 days, "MIN_DELAY");
        assertEq(timelock.MAX_DELAY(), 365 days, "MAX_DELAY");
        assertTrue(timelock.hasRole(timelock.PROPOSER_ROLE(), proposer), "proposer");
        assertTrue(timelock.hasRole(timelock.CANCELLER_ROLE(), proposer), "canceller");
        assertTrue(timelock.hasRole(timelock.EXECUTOR_ROLE(), proposer), "executor");
        assertTrue(timelock.hasRole(timelock.DEFAULT_ADMIN_ROLE(), address(timelock)), "administers itself");
        assertFalse(timelock.hasRole(timelock.DEFAULT_ADMIN_ROLE(), address(this)), "the deployer holds nothing");
    }

    function test_updateDelay_onlyTheTimelockItself() public {
        vm.expectRevert(abi.encodeWithSelector(TimelockController.TimelockUnauthorizedCaller.selector, address(this)));
        timelock.updateDelay(2 days);
        vm.prank(proposer);
        vm.expectRevert(abi.encodeWithSelector(TimelockController.TimelockUnauthorizedCaller.selector, proposer));
        timelock.updateDelay(2 days);
        // Below the floor, another caller is refused as unauthorized first.
        vm.expectRevert(abi.encodeWithSelector(TimelockController.TimelockUnauthorizedCaller.selector, address(this)));
        timelock.updateDelay(1);
    }

    function testFuzz_updateDelay_floor(uint256 delay) public {
        delay = delay % 3 == 0 ? bound(delay, 1 days - 2, 1 days + 2) : delay % 3 == 1
            ? bound(delay, 365 days - 2, 365 days + 2)
            : bound(delay, 0, 3650 days);
        if (!inBounds(delay)) vm.expectRevert(boundsError(delay));
        else {
            vm.expectEmit(true, true, true, true, address(timelock));
            emit TimelockController.MinDelayChange(1 days, delay);
        }
        vm.prank(address(timelock));
        timelock.updateDelay(delay);
        assertEq(timelock.getMinDelay(), inBounds(delay) ? delay : 1 days, "delay");
    }

    /// @dev Through the timelock's own schedule and execute, as a passed proposal does: the floor holds there too.
    function test_updateDelay_throughAnOperation() public {
        bytes memory tooShort = abi.encodeCall(TimelockController.updateDelay, (1 hours));
        bytes memory longer = abi.encodeCall(TimelockController.updateDelay, (2 days));
        vm.startPrank(proposer);
        timelock.schedule(address(timelock), 0, tooShort, bytes32(0), bytes32(0), 1 days);
        timelock.schedule(address(timelock), 0, longer, bytes32(0), bytes32(0), 1 days);
        vm.warp(block.timestamp + 1 days);
        vm.expectRevert(boundsError(1 hours));
        timelock.execute(address(timelock), 0, tooShort, bytes32(0), bytes32(0));
        timelock.execute(address(timelock), 0, longer, bytes32(0), bytes32(0));
        vm.stopPrank();
        assertEq(timelock.getMinDelay(), 2 days, "updated");
    }

    function test_schedule_belowTheDelayIsRefused() public {
        vm.prank(proposer);
        vm.expectRevert(abi.encodeWithSelector(TimelockController.TimelockInsufficientDelay.selector, 1 days - 1, 1 days));
        timelock.schedule(address(0xBEEF), 0, "", bytes32(0), bytes32(0), 1 days - 1);
    }

    function testFuzz_deposit_isRecorded(uint96 amount) public {
        address sender = address(0xD0);
        vm.deal(sender, amount);
        vm.expectEmit(true, true, true, true, address(timelock));
        emit ConsortiumTimelock.Deposited(sender, amount);
        vm.prank(sender);
        (bool ok, ) = address(timelock).call{value: amount}("");
        assertTrue(ok, "accepted");
        assertEq(address(timelock).balance, amount, "balance");
    }

    function test_callWithData_andValue_isRefused() public {
        vm.deal(address(this), 1 ether);
        (bool ok, ) = address(timelock).call{value: 1 ether}(hex"12345678");
        assertFalse(ok, "no fallback: an unknown call is refused");
        assertEq(address(timelock).balance, 0, "nothing kept");
    }

    function test_paysOutOnlyThroughAnOperation() public {
        vm.deal(address(timelock), 3 ether);
        vm.startPrank(proposer);
        timelock.schedule(address(0xFEE), 1 ether, "", bytes32(0), bytes32(0), 1 days);
        vm.expectRevert(); // not ready yet
        timelock.execute(address(0xFEE), 1 ether, "", bytes32(0), bytes32(0));
        vm.warp(block.timestamp + 1 days);
        timelock.execute(address(0xFEE), 1 ether, "", bytes32(0), bytes32(0));
        vm.stopPrank();
        assertEq(address(0xFEE).balance, 1 ether, "paid");
        assertEq(address(timelock).balance, 2 ether, "rest");
    }
}
