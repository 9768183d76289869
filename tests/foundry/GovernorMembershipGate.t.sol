// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IConsortiumGovernor} from "../../contracts/interfaces/IConsortiumGovernor.sol";
import {IConsortiumMembership} from "../../contracts/interfaces/IConsortiumMembership.sol";
import {ConsortiumFixture} from "./lib/ConsortiumFixture.sol";

/// @notice {GovernorMembershipGate}: only an active member with a vote may propose.
contract GovernorMembershipGateTest is ConsortiumFixture {
    function setUp() public {
        deploy(defaultSuite());
    }

    function expectRefused(address proposer) internal {
        (address[] memory t, uint256[] memory v, bytes[] memory d) = one(address(0), 0, "");
        vm.prank(proposer);
        vm.expectRevert(abi.encodeWithSelector(IConsortiumGovernor.GovernorProposerNotMember.selector, proposer));
        governor.propose(t, v, d, "refused");
    }

    function test_outsider_cannotPropose() public {
        expectRefused(address(0xBEEF));
    }

    function test_observer_cannotPropose() public {
        asGovernance();
        registry.admit(address(0x0B5), IConsortiumMembership.Role.Observer, IConsortiumMembership.StakeholderGroup.Other, 1, "Observer");
        expectRefused(address(0x0B5));
    }

    function test_suspendedResignedRemoved_cannotPropose() public {
        asGovernance();
        registry.suspend(members[3]);
        expectRefused(members[3]);
        vm.prank(members[4]);
        registry.resign();
        expectRefused(members[4]);
        asGovernance();
        registry.remove(members[5]);
        expectRefused(members[5]);
        asGovernance();
        registry.reinstate(members[3]);
        proposeOne(members[3], address(0), 0, "", "reinstated"); // may propose again
    }

    function test_anyVotingMember_mayPropose_evenWithAProxy_orWithoutAConstitutionalVote() public {
        vm.prank(members[6]);
        registry.appointProxy(members[7]);
        proposeOne(members[6], address(0), 0, "", "with a proxy");
        admitPartner(address(0xC0FFEE), 1);
        bytes memory amend = abi.encodeCall(IConsortiumMembership.amendAgreement, (keccak256("v2"), "ipfs://v2"));
        proposeOne(address(0xC0FFEE), address(registry), 0, amend, "a newcomer proposes a constitutional change");
    }

    function testFuzz_gate_matchesVotingUnits(uint256 seed) public {
        address who = members[rand(seed, 0) % members.length];
        uint256 op = rand(seed, 1) % 4;
        asGovernance();
        if (op == 0) registry.suspend(who);
        else if (op == 1) registry.setRole(who, IConsortiumMembership.Role.Observer);
        else if (op == 2) registry.setWeight(who, 2);
        else registry.amendAgreement(keccak256("x"), "x");
        (address[] memory t, uint256[] memory v, bytes[] memory d) = one(address(0), 0, "");
        bool allowed = registry.votingUnitsOf(who) > 0;
        if (!allowed) vm.expectRevert(abi.encodeWithSelector(IConsortiumGovernor.GovernorProposerNotMember.selector, who));
        vm.prank(who);
        governor.propose(t, v, d, "fuzz");
        assertEq(allowed, op >= 2, "only suspension and observer status take the right to propose");
    }
}
