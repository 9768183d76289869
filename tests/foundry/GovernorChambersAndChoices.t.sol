// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IGovernor} from "@openzeppelin/contracts/governance/IGovernor.sol";
import {IConsortiumRules} from "../../contracts/interfaces/IConsortiumRules.sol";
import {ConsortiumFixture} from "./lib/ConsortiumFixture.sol";

/**
 * @notice Chamber conditions on the deployed suite, the registry's class power included: a double majority (a share
 * of the members by count and a share of the weight), no stakeholder group all against (each group its own chamber),
 * each judged against a plain model of the members' weights, roles and groups, whatever the votes.
 *
 * Members: 12, weights 1..4 (member i: 1 + i % 4), member i in stakeholder group i % 6, the first 3 founding partners.
 */
contract GovernorChambersAndChoicesTest is ConsortiumFixture {
    uint256 internal constant N = 12;

    function _initialWeight(uint256 i, uint32) internal pure override returns (uint32) {
        return uint32(1 + (i % 4));
    }

    function setUp() public {
        ConsortiumFixture.Suite memory s = defaultSuite();
        s.founders = 3;
        deploy(s);
    }

    /// @dev Ordinary rules with `chambers` as the ordinary category's conditions, put in force by governance.
    function useOrdinaryChambers(uint256 chambers) internal {
        IConsortiumRules.RuleSet memory rules = testRules(false);
        rules.chambers[0] = chambers;
        asGovernance();
        registry.updateRules(rules);
        vm.warp(block.timestamp + 1);
    }

    /// @dev Votes from `seed`: each member For (one in two), Against, Abstain or none; returns the final state.
    function voteAndClose(uint256 seed) internal returns (IGovernor.ProposalState, uint8[] memory ballots) {
        uint256 id = proposeSignal(string.concat("signal ", toString(seed)));
        toVoting(id);
        ballots = new uint8[](N);
        for (uint256 i = 0; i < N; ++i) {
            uint256 r = rand(seed, i) % 8;
            ballots[i] = r < 4 ? FOR : r == 4 ? AGAINST : r == 5 ? ABSTAIN : 3; // 3: does not vote
            if (ballots[i] < 3) vote(members[i], id, ballots[i]);
        }
        vm.warp(governor.proposalDeadline(id) + 1);
        return (governor.state(id), ballots);
    }

    /// @dev The ordinary rule (quorum 1/4, approval 1/2) over weights.
    function overallPasses(uint8[] memory ballots) internal pure returns (bool) {
        uint256 f;
        uint256 a;
        uint256 cast;
        uint256 total;
        for (uint256 i = 0; i < N; ++i) {
            uint256 w = 1 + (i % 4);
            total += w;
            if (ballots[i] == FOR) f += w;
            if (ballots[i] == AGAINST) a += w;
            if (ballots[i] < 3) cast += w;
        }
        return cast * 4 >= total && f > a;
    }

    /// @dev Double majority: For by at least 7/12 of the members by count (byCount support) and 2/3 of the weight.
    function testFuzz_doubleMajority_byCountAndByWeight(uint256 seed) public {
        uint256 byCount = 0xfff | (1 << 13) | (uint256(7) << 48) | (uint256(12) << 56);
        uint256 byWeight = 0xfff | (uint256(2) << 48) | (uint256(3) << 56);
        useOrdinaryChambers(byCount | (byWeight << 80) | (uint256(2) << 240));
        (IGovernor.ProposalState state, uint8[] memory ballots) = voteAndClose(seed);
        uint256 members_;
        uint256 weight;
        uint256 totalWeight;
        for (uint256 i = 0; i < N; ++i) {
            totalWeight += 1 + (i % 4);
            if (ballots[i] == FOR) {
                members_ += 1;
                weight += 1 + (i % 4);
            }
        }
        bool expected = overallPasses(ballots) && members_ * 12 >= 7 * N && weight * 3 >= 2 * totalWeight;
        assertEq(
            uint256(state),
            uint256(expected ? IGovernor.ProposalState.Succeeded : IGovernor.ProposalState.Defeated),
            string.concat("members for ", toString(members_), ", weight for ", toString(weight))
        );
    }

    /// @dev No stakeholder group whose votes are all against: each group its own chamber, blocking 1/1.
    function testFuzz_noGroupAllAgainst_eachGroup(uint256 seed) public {
        useOrdinaryChambers((0xfff | (1 << 12) | (uint256(1) << 64) | (uint256(1) << 72)) | (uint256(1) << 240));
        (IGovernor.ProposalState state, uint8[] memory ballots) = voteAndClose(seed);
        bool blocked = false;
        for (uint256 g = 0; g < 6; ++g) {
            bool anyFor = false;
            bool anyAgainst = false;
            for (uint256 i = g; i < N; i += 6) {
                if (ballots[i] == FOR) anyFor = true;
                if (ballots[i] == AGAINST) anyAgainst = true;
            }
            if (anyAgainst && !anyFor) blocked = true;
        }
        bool expected = overallPasses(ballots) && !blocked;
        assertEq(
            uint256(state),
            uint256(expected ? IGovernor.ProposalState.Succeeded : IGovernor.ProposalState.Defeated),
            blocked ? "a group all against blocks" : "no group all against"
        );
    }

    /// @dev Founders' consent: any founding partner voting against defeats the proposal, whatever the others do.
    function testFuzz_foundersConsent(uint256 seed) public {
        useOrdinaryChambers((0x03f | (uint256(0) << 64) | (uint256(1) << 72)) | (uint256(1) << 240));
        (IGovernor.ProposalState state, uint8[] memory ballots) = voteAndClose(seed);
        bool founderAgainst = ballots[0] == AGAINST || ballots[1] == AGAINST || ballots[2] == AGAINST;
        bool expected = overallPasses(ballots) && !founderAgainst;
        assertEq(
            uint256(state),
            uint256(expected ? IGovernor.ProposalState.Succeeded : IGovernor.ProposalState.Defeated),
            founderAgainst ? "a founder against" : "no founder against"
        );
    }
}
