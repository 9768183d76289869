// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IGovernor} from "@openzeppelin/contracts/governance/IGovernor.sol";
import {IConsortiumGovernor} from "../../contracts/interfaces/IConsortiumGovernor.sol";
import {IConsortiumMembership} from "../../contracts/interfaces/IConsortiumMembership.sol";
import {ConsortiumFixture} from "./lib/ConsortiumFixture.sol";

/**
 * @notice {GovernorMemberCounting}: one vote per member with its power at the snapshot, in the proposal's electorate;
 * who may vote (active voting members, uninterrupted since the snapshot); proxies and the rescue of a member whose
 * proxy lost its vote, without counting any power twice.
 */
contract GovernorMemberCountingTest is ConsortiumFixture {
    uint256 internal id;
    uint256 internal snapshot;

    function setUp() public {
        deploy(defaultSuite());
        id = proposeSignal("signal");
        snapshot = governor.proposalSnapshot(id);
    }

    function expectVoteRevert(address voter, uint256 proposalId, uint8 support, bytes memory err) internal {
        vm.prank(voter);
        vm.expectRevert(err);
        governor.castVote(proposalId, support);
    }

    function notActive(address voter) internal pure returns (bytes memory) {
        return abi.encodeWithSelector(IConsortiumGovernor.GovernorVoterNotActive.selector, voter);
    }

    function noPower(address voter, uint256 at) internal pure returns (bytes memory) {
        return abi.encodeWithSelector(IConsortiumGovernor.GovernorNoVotingPower.selector, voter, at);
    }

    function alreadyVoted(address voter) internal pure returns (bytes memory) {
        return abi.encodeWithSelector(IGovernor.GovernorAlreadyCastVote.selector, voter);
    }

    function tallies(uint256 proposalId) internal view returns (uint256 against, uint256 for_, uint256 abstain) {
        return governor.proposalVotes(proposalId);
    }

    // ------------------------------------------------------------------ basics

    function test_countingMode() public view {
        assertEq(governor.COUNTING_MODE(), "support=bravo&quorum=for,against,abstain&params=options", "COUNTING_MODE");
    }

    function test_votesAreCountedByType() public {
        toVoting(id);
        vm.expectEmit(true, true, true, true, address(governor));
        emit IGovernor.VoteCast(members[0], id, FOR, 1, "");
        vote(members[0], id, FOR);
        vote(members[1], id, AGAINST);
        vote(members[2], id, ABSTAIN);
        vote(members[3], id, FOR);
        (uint256 a, uint256 f, uint256 x) = tallies(id);
        assertEq(f, 2, "for");
        assertEq(a, 1, "against");
        assertEq(x, 1, "abstain");
        assertTrue(governor.hasVoted(id, members[0]), "member 0 voted");
        assertFalse(governor.hasVoted(id, members[4]), "member 4 did not");
        assertFalse(governor.hasVoted(id, address(0xBEEF)), "an outsider did not");
    }

    function test_doubleVote_reverts_whateverTheSupport() public {
        toVoting(id);
        vote(members[0], id, FOR);
        vote(members[11], id, AGAINST);
        for (uint8 s = 0; s < 3; ++s) {
            expectVoteRevert(members[0], id, s, alreadyVoted(members[0]));
            expectVoteRevert(members[11], id, s, alreadyVoted(members[11]));
        }
        (uint256 a, uint256 f, ) = tallies(id);
        assertEq(f + a, 2, "each counted once");
    }

    function test_invalidVoteType_reverts() public {
        toVoting(id);
        expectVoteRevert(members[0], id, 3, abi.encodeWithSelector(IGovernor.GovernorInvalidVoteType.selector));
        expectVoteRevert(members[0], id, 255, abi.encodeWithSelector(IGovernor.GovernorInvalidVoteType.selector));
    }

    function test_votingBeforeTheSnapshot_reverts() public {
        vm.warp(snapshot);
        vm.prank(members[0]);
        vm.expectRevert(
            abi.encodeWithSelector(
                IGovernor.GovernorUnexpectedProposalState.selector, id, IGovernor.ProposalState.Pending, bytes32(uint256(1) << uint8(IGovernor.ProposalState.Active))
            )
        );
        governor.castVote(id, FOR);
    }

    // ------------------------------------------------------------------ eligibility

    function test_outsider_cannotVote() public {
        toVoting(id);
        expectVoteRevert(address(0xBEEF), id, FOR, notActive(address(0xBEEF)));
    }

    function test_observer_cannotVote() public {
        asGovernance();
        registry.admit(address(0x0B5), IConsortiumMembership.Role.Observer, IConsortiumMembership.StakeholderGroup.Other, 3, "Observer");
        uint256 later = proposeSignal("later");
        toVoting(later);
        expectVoteRevert(address(0x0B5), later, FOR, notActive(address(0x0B5)));
    }

    function test_suspendedAfterTheSnapshot_cannotVote_evenWhenReinstated() public {
        toVoting(id);
        asGovernance();
        registry.suspend(members[3]);
        expectVoteRevert(members[3], id, FOR, notActive(members[3]));
        asGovernance();
        registry.reinstate(members[3]);
        expectVoteRevert(members[3], id, FOR, notActive(members[3]));
        uint256 later = proposeSignal("after reinstatement");
        toVoting(later);
        assertEq(vote(members[3], later, FOR), 1, "votes on a proposal whose snapshot follows its reinstatement");
    }

    function test_resignedOrRemoved_cannotVote() public {
        toVoting(id);
        vm.prank(members[4]);
        registry.resign();
        asGovernance();
        registry.remove(members[5]);
        expectVoteRevert(members[4], id, FOR, notActive(members[4]));
        expectVoteRevert(members[5], id, FOR, notActive(members[5]));
    }

    function test_admittedAfterTheSnapshot_cannotVote() public {
        toVoting(id);
        admitPartner(address(0xC0FFEE), 2);
        vm.warp(block.timestamp + 1);
        expectVoteRevert(address(0xC0FFEE), id, FOR, notActive(address(0xC0FFEE)));
    }

    function test_admittedAtTheSnapshotSecond_votes() public {
        vm.warp(snapshot);
        admitPartner(address(0xC0FFEE), 2);
        vm.warp(snapshot + 1);
        assertEq(vote(address(0xC0FFEE), id, FOR), 2, "admitted within the snapshot's second: in the electorate");
    }

    function test_weightIsTheSnapshotWeight() public {
        asGovernance();
        registry.setWeight(members[2], 3);
        uint256 later = proposeSignal("weights");
        toVoting(later);
        asGovernance();
        registry.setWeight(members[2], 5);
        assertEq(vote(members[2], later, FOR), 3, "weight at the snapshot, not now");
    }

    function test_constitutionalProposal_countsConstitutionalVotesOnly() public {
        address newcomer = address(0xC0FFEE);
        address given = address(0xD00D);
        admitPartner(newcomer, 2);
        admitPartner(given, 2);
        asGovernance();
        registry.setConstitutionalVote(given, true);
        uint256 amend = proposeAmendment("amend");
        uint256 signal = proposeSignal("signal 2");
        toVoting(signal);
        uint256 at = governor.proposalSnapshot(amend);
        expectVoteRevert(newcomer, amend, FOR, noPower(newcomer, at));
        assertEq(vote(newcomer, signal, FOR), 2, "the newcomer votes in ordinary decisions");
        assertEq(vote(given, amend, FOR), 2, "given a constitutional vote");
    }

    // ------------------------------------------------------------------ proxies

    function test_principal_cannotVote_itsProxyVotesForBoth() public {
        vm.prank(members[6]);
        registry.appointProxy(members[7]);
        uint256 later = proposeSignal("proxied");
        toVoting(later);
        uint256 at = governor.proposalSnapshot(later);
        expectVoteRevert(members[6], later, FOR, noPower(members[6], at));
        assertEq(vote(members[7], later, AGAINST), 2, "the proxy votes with both");
    }

    function test_revokingAfterTheSnapshot_doesNotMovePower() public {
        vm.prank(members[6]);
        registry.appointProxy(members[7]);
        uint256 later = proposeSignal("revoked late");
        toVoting(later);
        vm.prank(members[6]);
        registry.revokeProxy();
        uint256 at = governor.proposalSnapshot(later);
        expectVoteRevert(members[6], later, FOR, noPower(members[6], at));
        assertEq(vote(members[7], later, FOR), 2, "the proxy still holds the snapshot's power");
    }

    function rescueCase(uint256 how) internal {
        vm.prank(members[6]);
        registry.appointProxy(members[7]);
        vm.prank(members[8]);
        registry.appointProxy(members[7]);
        uint256 later = proposeSignal(string.concat("rescue ", toString(how)));
        toVoting(later);
        if (how == 0) {
            asGovernance();
            registry.suspend(members[7]);
        } else if (how == 1) {
            asGovernance();
            registry.remove(members[7]);
        } else if (how == 2) {
            vm.prank(members[7]);
            registry.resign();
        } else if (how == 3) {
            asGovernance();
            registry.setRole(members[7], IConsortiumMembership.Role.Observer);
        } else {
            asGovernance();
            registry.suspend(members[7]);
            asGovernance();
            registry.reinstate(members[7]);
        }
        expectVoteRevert(members[7], later, FOR, notActive(members[7]));
        assertEq(vote(members[6], later, FOR), 1, "principal 6 votes itself with its own snapshot power");
        assertEq(vote(members[8], later, AGAINST), 1, "principal 8 too");
        (uint256 a, uint256 f, ) = tallies(later);
        assertEq(a + f, 2, "the proxy's own power is not counted, the principals' once");
    }

    function test_rescue_proxySuspended() public {
        rescueCase(0);
    }

    function test_rescue_proxyRemoved() public {
        rescueCase(1);
    }

    function test_rescue_proxyResigned() public {
        rescueCase(2);
    }

    function test_rescue_proxyMadeObserver() public {
        rescueCase(3);
    }

    function test_rescue_proxySuspendedAndReinstated() public {
        rescueCase(4);
    }

    function test_rescue_notAfterTheProxyVoted() public {
        vm.prank(members[6]);
        registry.appointProxy(members[7]);
        uint256 later = proposeSignal("proxy voted");
        toVoting(later);
        assertEq(vote(members[7], later, FOR), 2, "proxy votes with both");
        asGovernance();
        registry.suspend(members[7]);
        uint256 at = governor.proposalSnapshot(later);
        expectVoteRevert(members[6], later, AGAINST, noPower(members[6], at));
        (uint256 a, uint256 f, ) = tallies(later);
        assertEq(a + f, 2, "counted once");
    }

    function test_rescue_constitutionalUsesConstitutionalUnits() public {
        address newcomer = address(0xC0FFEE);
        admitPartner(newcomer, 2); // no constitutional vote
        vm.prank(newcomer);
        registry.appointProxy(members[7]);
        vm.prank(members[6]);
        registry.appointProxy(members[7]);
        vm.warp(block.timestamp + 1);
        uint256 amend = proposeAmendment("amend with proxies");
        toVoting(amend);
        asGovernance();
        registry.suspend(members[7]);
        uint256 at = governor.proposalSnapshot(amend);
        assertEq(vote(members[6], amend, FOR), 1, "a partner of the agreement votes with its constitutional units");
        expectVoteRevert(newcomer, amend, FOR, noPower(newcomer, at));
    }

    /**
     * @dev Random proxies before the snapshot, random sanctions and departures after it, then everyone tries to vote:
     * the tally is exactly the snapshot power of the members who could still vote it (themselves, or through a proxy
     * that can), never more than the electorate.
     */
    function testFuzz_noPowerCountsTwice(uint256 seed) public {
        uint256 n = members.length;
        for (uint256 i = 0; i < n; ++i) {
            asGovernance();
            try registry.setWeight(members[i], uint32(1 + (rand(seed, i) % 3))) {} catch {}
        }
        for (uint256 i = 0; i < 8; ++i) {
            address principal = members[rand(seed, 100 + i) % n];
            address proxy = members[rand(seed, 200 + i) % n];
            vm.prank(principal);
            try registry.appointProxy(proxy) {} catch {}
        }
        uint256 later = proposeSignal("random");
        uint256 at = governor.proposalSnapshot(later);
        address[] memory delegateAt = new address[](n);
        uint256[] memory unitsAt = new uint256[](n);
        for (uint256 i = 0; i < n; ++i) {
            delegateAt[i] = registry.delegates(members[i]);
            unitsAt[i] = registry.votingUnitsOf(members[i]);
        }
        toVoting(later);
        for (uint256 i = 0; i < 5; ++i) {
            address target = members[rand(seed, 300 + i) % n];
            uint256 op = rand(seed, 400 + i) % 5;
            if (op == 0) {
                asGovernance();
                try registry.suspend(target) {} catch {}
            } else if (op == 1) {
                asGovernance();
                try registry.reinstate(target) {} catch {}
            } else if (op == 2) {
                vm.prank(target);
                try registry.resign() {} catch {}
            } else if (op == 3) {
                asGovernance();
                try registry.setRole(target, IConsortiumMembership.Role.Observer) {} catch {}
            } else {
                asGovernance();
                try registry.remove(target) {} catch {}
            }
        }
        uint256 expected;
        for (uint256 i = 0; i < n; ++i) {
            address d = delegateAt[i];
            bool counted = d != members[i] && eligible(d, at) ? true : eligible(members[i], at);
            if (counted) expected += unitsAt[i];
        }
        // Everyone tries, in a random order.
        uint256 start = rand(seed, 500) % n;
        for (uint256 k = 0; k < n; ++k) {
            vm.prank(members[(start + k) % n]);
            try governor.castVote(later, FOR) {} catch {}
        }
        (, uint256 f, ) = tallies(later);
        assertEq(f, expected, "tally = snapshot power of those who could vote it");
        assertLe(f, registry.getPastTotalSupply(at), "never more than the electorate");
    }

    function eligible(address account, uint256 at) internal view returns (bool) {
        (, bool canVote, uint48 since) = registry.voterOf(account);
        return canVote && since <= at;
    }
}

/// @notice Members numbered 23/24, 95/96, 279/280 (and beyond) vote once each in a consortium of 300.
contract GovernorMemberCountingManyTest is ConsortiumFixture {
    function setUp() public {
        Suite memory s = defaultSuite();
        s.members = 300;
        deploy(s);
    }

    function test_highIndexes_voteOnceEach() public {
        uint256 id = proposeSignal("many");
        toVoting(id);
        uint256[9] memory idx = [uint256(0), 23, 24, 95, 96, 279, 280, 298, 299];
        for (uint256 i = 0; i < idx.length; ++i) {
            assertEq(vote(members[idx[i]], id, uint8(i % 3)), 1, string.concat("member ", toString(idx[i])));
        }
        for (uint256 i = 0; i < idx.length; ++i) {
            vm.prank(members[idx[i]]);
            vm.expectRevert(abi.encodeWithSelector(IGovernor.GovernorAlreadyCastVote.selector, members[idx[i]]));
            governor.castVote(id, FOR);
        }
        for (uint256 m = 0; m < 300; ++m) {
            bool expected;
            for (uint256 i = 0; i < idx.length; ++i) expected = expected || idx[i] == m;
            assertEq(governor.hasVoted(id, members[m]), expected, string.concat("hasVoted ", toString(m)));
        }
        (uint256 a, uint256 f, uint256 x) = governor.proposalVotes(id);
        assertEq(a, 3, "against");
        assertEq(f, 3, "for");
        assertEq(x, 3, "abstain");
    }

    function test_everyoneVotes() public {
        uint256 id = proposeSignal("all");
        toVoting(id);
        for (uint256 m = 0; m < 300; ++m) vote(members[m], id, FOR);
        (, uint256 f, ) = governor.proposalVotes(id);
        assertEq(f, 300, "300 votes");
    }
}
