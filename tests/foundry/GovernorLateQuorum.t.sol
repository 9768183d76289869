// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC5805} from "@openzeppelin/contracts/interfaces/IERC5805.sol";
import {IGovernor} from "@openzeppelin/contracts/governance/IGovernor.sol";
import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";
import {ConsortiumGovernor} from "../../contracts/ConsortiumGovernor.sol";
import {GovernorLateQuorum} from "../../contracts/governance/GovernorLateQuorum.sol";
import {GovernorTiming} from "../../contracts/governance/GovernorTiming.sol";
import {ConsortiumFixture} from "./lib/ConsortiumFixture.sol";
import {GovernorHarness} from "./harness/GovernorHarness.sol";

/**
 * @notice {GovernorLateQuorum}: OpenZeppelin's {GovernorPreventLateQuorum} behaviour with the deadline kept in the
 * proposal's record: the vote that reaches the quorum sets the deadline to at least `now + extension`, once; the
 * extension is at most a voting period and set by governance only.
 */
contract GovernorLateQuorumTest is ConsortiumFixture {
    uint48 internal constant EXTENSION = 1 days;

    function setUp() public {
        deploy(defaultSuite()); // 12 members, period 7 d, extension 1 d, ordinary quorum 1/4 (3 votes)
    }

    function _newGovernor(IERC5805 token, TimelockController timelock_, ConsortiumGovernor.Config memory config)
        internal
        override
        returns (ConsortiumGovernor)
    {
        return new GovernorHarness(token, timelock_, config);
    }

    function test_lateQuorum_extendsTheDeadline() public {
        uint256 id = proposeSignal("late");
        uint256 deadline = governor.proposalDeadline(id);
        vm.warp(deadline - 1 hours);
        vote(members[0], id, FOR);
        vote(members[1], id, FOR);
        assertEq(governor.proposalDeadline(id), deadline, "no quorum yet: unchanged");
        vm.expectEmit(true, true, true, true, address(governor));
        emit GovernorLateQuorum.ProposalExtended(id, uint64(block.timestamp + EXTENSION));
        vote(members[2], id, FOR); // 3 of 12: quorum 1/4
        assertEq(governor.proposalDeadline(id), block.timestamp + EXTENSION, "extended");

        vm.warp(deadline + 1);
        assertEq(uint256(governor.state(id)), uint256(IGovernor.ProposalState.Active), "still open after the original deadline");
        vm.recordLogs();
        vote(members[3], id, AGAINST);
        assertEq(vm.getRecordedLogs().length, 1, "only VoteCast: no second extension");
        assertEq(governor.proposalDeadline(id), deadline - 1 hours + EXTENSION, "unchanged by later votes");
        vm.warp(deadline - 1 hours + EXTENSION + 1);
        assertEq(uint256(governor.state(id)), uint256(IGovernor.ProposalState.Succeeded), "closed at the extended deadline");
    }

    function test_earlyQuorum_keepsTheDeadline() public {
        uint256 id = proposeSignal("early");
        uint256 deadline = governor.proposalDeadline(id);
        toVoting(id);
        vm.recordLogs();
        voteMany(0, 3, id, FOR);
        assertEq(vm.getRecordedLogs().length, 3, "three VoteCast, no ProposalExtended");
        assertEq(governor.proposalDeadline(id), deadline, "unchanged");
        uint32 offset = GovernorHarness(payable(address(governor))).proposalRecord(id).extendedDeadlineOffset;
        assertEq(offset, block.timestamp + EXTENSION - governor.proposalSnapshot(id), "the quorum time is still recorded");
    }

    function test_quorumOfTheProposalsCategory() public {
        uint256 id = proposeAmendment("constitutional"); // quorum 2/3 of 12: 8
        uint256 deadline = governor.proposalDeadline(id);
        vm.warp(deadline - 10);
        voteMany(0, 7, id, FOR);
        assertEq(governor.proposalDeadline(id), deadline, "7 of 12 is no constitutional quorum");
        vote(members[7], id, FOR);
        assertEq(governor.proposalDeadline(id), block.timestamp + EXTENSION, "8 of 12 is");
    }

    /// @dev Whatever the moment of the quorum and the extension: deadline = max(original, quorum time + extension).
    /// forge-config: default.fuzz.runs = 128
    function testFuzz_deadlineIsTheLaterOfTheTwo(uint256 when, uint48 extension) public {
        extension = uint48(bound(extension, 0, 7 days));
        setExtension(extension);
        uint256 id = proposeSignal("fuzz");
        uint256 deadline = governor.proposalDeadline(id);
        when = bound(when, governor.proposalSnapshot(id) + 1, deadline);
        vm.warp(when);
        voteMany(0, 2, id, FOR);
        bool extends = when + extension > deadline;
        vm.recordLogs();
        vote(members[2], id, FOR);
        assertEq(vm.getRecordedLogs().length, extends ? 2 : 1, "ProposalExtended iff it extends");
        assertEq(governor.proposalDeadline(id), extends ? when + extension : deadline, "deadline");
    }

    function setExtension(uint48 extension) internal {
        passOne(address(governor), 0, abi.encodeCall(GovernorLateQuorum.setLateQuorumVoteExtension, (extension)), string.concat("extension ", toString(extension)));
    }

    function test_setExtension_governanceOnly_andAtMostOnePeriod() public {
        vm.expectRevert(abi.encodeWithSelector(IGovernor.GovernorOnlyExecutor.selector, address(this)));
        governor.setLateQuorumVoteExtension(1 hours);
        vm.prank(address(timelock)); // the timelock itself, outside an execution of the governor
        vm.expectRevert();
        governor.setLateQuorumVoteExtension(1 hours);

        vm.recordLogs();
        setExtension(7 days);
        assertEq(
            countLogs(vm.getRecordedLogs(), address(governor), GovernorLateQuorum.LateQuorumVoteExtensionSet.selector, abi.encode(EXTENSION, 7 days)),
            1,
            "LateQuorumVoteExtensionSet(1 day, 7 days)"
        );
        assertEq(governor.lateQuorumVoteExtension(), 7 days, "set to the period");

        passOne(
            address(governor),
            0,
            abi.encodeCall(GovernorLateQuorum.setLateQuorumVoteExtension, (7 days + 1)),
            "too long",
            abi.encodeWithSelector(GovernorLateQuorum.GovernorPreventLateQuorumVoteExtensionTooLarge.selector, 7 days + 1, 7 days)
        );
    }

    function test_constructor_refusesAnExtensionAboveThePeriod() public {
        vm.expectRevert(
            abi.encodeWithSelector(GovernorLateQuorum.GovernorPreventLateQuorumVoteExtensionTooLarge.selector, 2 days + 1, 2 days)
        );
        new ConsortiumGovernor(
            IERC5805(address(registry)),
            TimelockController(payable(address(timelock))),
            ConsortiumGovernor.Config({name: "x", votingDelay: 1 hours, votingPeriod: 2 days, lateQuorumExtension: 2 days + 1})
        );
    }

    /// @dev As in OpenZeppelin, the cap is checked when the extension is set: shortening the period later leaves a
    /// longer extension in force.
    function test_shorterPeriodLater_keepsTheLongerExtension() public {
        passOne(address(governor), 0, abi.encodeCall(GovernorTiming.setVotingPeriod, (1 hours)), "shorter period");
        assertEq(governor.lateQuorumVoteExtension(), EXTENSION, "extension of a day with a period of an hour");
        uint256 id = proposeSignal("short period");
        toVoting(id);
        voteMany(0, 3, id, FOR);
        assertEq(governor.proposalDeadline(id), block.timestamp + EXTENSION, "the extension outlasts the period");
    }
}
