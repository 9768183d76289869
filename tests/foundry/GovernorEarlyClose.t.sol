// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IGovernor} from "@openzeppelin/contracts/governance/IGovernor.sol";
import {GovernorProposalRecord} from "../../contracts/governance/GovernorProposalRecord.sol";
import {IConsortiumMembership} from "../../contracts/interfaces/IConsortiumMembership.sol";
import {IConsortiumRules} from "../../contracts/interfaces/IConsortiumRules.sol";
import {Test} from "./lib/Test.sol";
import {ConsortiumFixture} from "./lib/ConsortiumFixture.sol";
import {EarlyCloseHarness} from "./harness/EarlyCloseHarness.sol";

/**
 * @notice A plain model of "the outcome is certain": a proposal passes when its votes reach the quorum of its base and
 * For is a strict majority of the decided votes reaching the approval share. The uncast power may still vote any
 * way, so the outcome is certain when every completion gives the same result. Written without {Fractions}: the
 * quorum as a whole number of votes (quotient and remainder), approval as `for * (d - n) >= n * against`.
 */
abstract contract EarlyCloseModel is Test {
    struct Case {
        uint256 qn;
        uint256 qd;
        uint256 an;
        uint256 ad;
        uint256 electorate;
        uint256 base;
        uint256 forVotes;
        uint256 againstVotes;
        uint256 abstainVotes;
    }

    uint8 internal constant OPEN = 0;
    uint8 internal constant PASSED = 1;
    uint8 internal constant FAILED = 2;

    function packRule(Case memory c) internal pure returns (uint256) {
        return c.qn | (c.qd << 16) | (c.an << 32) | (c.ad << 48);
    }

    function uncast(Case memory c) internal pure returns (uint256) {
        return c.electorate - c.forVotes - c.againstVotes - c.abstainVotes;
    }

    /// @dev Whether the proposal passes if, on top of the votes cast, `f` more vote For, `a` Against, `x` Abstain.
    function passesWith(Case memory c, uint256 f, uint256 a, uint256 x) internal pure returns (bool) {
        uint256 forVotes = c.forVotes + f;
        uint256 againstVotes = c.againstVotes + a;
        uint256 cast = forVotes + againstVotes + c.abstainVotes + x;
        uint256 needed = (c.qn * c.base) / c.qd + ((c.qn * c.base) % c.qd == 0 ? 0 : 1);
        bool quorum = cast >= needed;
        bool approval = forVotes > againstVotes && forVotes * (c.ad - c.an) >= c.an * againstVotes;
        return quorum && approval;
    }

    /**
     * @dev The model's outcome, from the extreme completions: nobody else votes, or all the uncast power votes For,
     * Against, or Abstain. More votes only help the quorum and For only helps approval, so every completion lies
     * between these (the exhaustive check in {GovernorEarlyCloseTest} confirms it on small electorates).
     */
    function model(Case memory c) internal pure returns (uint8) {
        uint256 u = uncast(c);
        bool none = passesWith(c, 0, 0, 0);
        bool allFor = passesWith(c, u, 0, 0);
        bool allAgainst = passesWith(c, 0, u, 0);
        bool allAbstain = passesWith(c, 0, 0, u);
        if (none && allFor && allAgainst && allAbstain) return PASSED;
        if (!none && !allFor && !allAgainst && !allAbstain) return FAILED;
        return OPEN;
    }

    /// @dev A random case: rules at or above the floors (quorum above zero, approval at least one half), an electorate
    /// of up to 2^32-1 (often small), a quorum base at most the electorate, tallies within it.
    function randomCase(uint256 seed) internal pure returns (Case memory c) {
        uint256 shape = rand(seed, 0) % 8;
        c.qd = shape == 0 ? type(uint16).max : bound(rand(seed, 1), 1, shape < 4 ? 12 : type(uint16).max);
        c.qn = bound(rand(seed, 2), 1, c.qd);
        c.ad = shape == 1 ? type(uint16).max : bound(rand(seed, 3), 1, shape < 4 ? 12 : type(uint16).max);
        c.an = bound(rand(seed, 4), (c.ad + 1) / 2, c.ad);
        uint256 maxElectorate = shape < 3 ? 12 : shape < 6 ? 1000 : type(uint32).max;
        c.electorate = bound(rand(seed, 5), 1, maxElectorate);
        c.base = rand(seed, 6) % 3 == 0 ? bound(rand(seed, 7), 0, c.electorate) : c.electorate;
        uint256 cast = bound(rand(seed, 8), 0, c.electorate);
        c.forVotes = bound(rand(seed, 9), 0, cast);
        c.againstVotes = bound(rand(seed, 10), 0, cast - c.forVotes);
        c.abstainVotes = bound(rand(seed, 11), 0, cast - c.forVotes - c.againstVotes);
    }
}

contract GovernorEarlyCloseTest is EarlyCloseModel {
    EarlyCloseHarness internal h;
    uint256 internal nextId;

    function setUp() public {
        vm.warp(1_700_000_000);
        h = new EarlyCloseHarness();
    }

    /// @dev A fresh proposal judged by `c`, with `c`'s tallies; returns its id.
    function load(Case memory c) internal returns (uint256 id) {
        h.setBasis(c.electorate, packRule(c), true);
        id = h.proposeSignal(toString(nextId++));
        h.setExcluded(id, c.electorate - c.base);
        h.setTally(id, uint32(c.againstVotes), uint32(c.forVotes), uint32(c.abstainVotes));
    }

    function describe(Case memory c) internal pure returns (string memory) {
        return string.concat(
            "q ", toString(c.qn), "/", toString(c.qd), " a ", toString(c.an), "/", toString(c.ad),
            " electorate ", toString(c.electorate), " base ", toString(c.base), " for ", toString(c.forVotes),
            " against ", toString(c.againstVotes), " abstain ", toString(c.abstainVotes)
        );
    }

    /// @dev Certainty really is certain: Passed/Failed hold for every completion given, Open has one of each.
    function checkCompletions(Case memory c, uint8 outcome, uint256[3][] memory completions) internal pure {
        bool somePass;
        bool someFail;
        for (uint256 i = 0; i < completions.length; ++i) {
            bool p = passesWith(c, completions[i][0], completions[i][1], completions[i][2]);
            somePass = somePass || p;
            someFail = someFail || !p;
            if (outcome == PASSED) assertTrue(p, string.concat("Passed, yet a completion fails: ", describe(c)));
            if (outcome == FAILED) assertFalse(p, string.concat("Failed, yet a completion passes: ", describe(c)));
        }
        if (outcome == OPEN) {
            assertTrue(somePass && someFail, string.concat("Open, yet the outcome is certain: ", describe(c)));
        }
    }

    /// @dev Every split of the uncast power (in whole votes) into For, Against, Abstain and not voting.
    function allCompletions(uint256 u) internal pure returns (uint256[3][] memory out) {
        out = new uint256[3][]((u + 1) * (u + 2) * (u + 3) / 6);
        uint256 n;
        for (uint256 f = 0; f <= u; ++f) {
            for (uint256 a = 0; a + f <= u; ++a) {
                for (uint256 x = 0; x + a + f <= u; ++x) out[n++] = [f, a, x];
            }
        }
    }

    /// @dev The extremes and some splits between them.
    function someCompletions(Case memory c, uint256 seed) internal pure returns (uint256[3][] memory out) {
        uint256 u = uncast(c);
        out = new uint256[3][](12);
        out[0] = [uint256(0), 0, 0];
        out[1] = [u, 0, 0];
        out[2] = [uint256(0), u, 0];
        out[3] = [uint256(0), 0, u];
        out[4] = [u / 2, u - u / 2, 0];
        for (uint256 i = 5; i < 12; ++i) {
            uint256 f = bound(rand(seed, 100 + i), 0, u);
            uint256 a = bound(rand(seed, 200 + i), 0, u - f);
            out[i] = [f, a, bound(rand(seed, 300 + i), 0, u - f - a)];
        }
    }

    // ------------------------------------------------------------------ against the model

    function testFuzz_certainOutcome_equalsTheModel(uint256 seed) public {
        Case memory c = randomCase(seed);
        uint256 id = load(c);
        uint8 expected = model(c);
        uint8 actual = uint8(h.certainOutcome(id));
        assertEq(actual, expected, string.concat("outcome for ", describe(c)));
        if (uncast(c) <= 12) {
            checkCompletions(c, actual, allCompletions(uncast(c)));
        } else {
            checkCompletions(c, actual, someCompletions(c, seed));
        }
    }

    /// @dev Small electorates, all completions: the model's extremes are enough (and the contract agrees).
    function testFuzz_certainOutcome_exhaustiveOnSmallElectorates(uint8 qn, uint8 qd, uint8 an, uint8 ad, uint8 e, uint8 base, uint8 f, uint8 a, uint8 x)
        public
    {
        Case memory c;
        c.qd = bound(qd, 1, 12);
        c.qn = bound(qn, 1, c.qd);
        c.ad = bound(ad, 1, 12);
        c.an = bound(an, (c.ad + 1) / 2, c.ad);
        c.electorate = bound(e, 1, 10);
        c.base = bound(base, 0, c.electorate);
        c.forVotes = bound(f, 0, c.electorate);
        c.againstVotes = bound(a, 0, c.electorate - c.forVotes);
        c.abstainVotes = bound(x, 0, c.electorate - c.forVotes - c.againstVotes);
        uint8 actual = uint8(h.certainOutcome(load(c)));
        assertEq(actual, model(c), string.concat("outcome for ", describe(c)));
        checkCompletions(c, actual, allCompletions(uncast(c)));
    }

    // ------------------------------------------------------------------ examples at the boundaries

    function example(uint256 q, uint256 qd_, uint256 an_, uint256 ad_, uint256 e, uint256 f, uint256 a, uint256 x)
        internal
        pure
        returns (Case memory c)
    {
        (c.qn, c.qd, c.an, c.ad, c.electorate, c.base) = (q, qd_, an_, ad_, e, e);
        (c.forVotes, c.againstVotes, c.abstainVotes) = (f, a, x);
    }

    function expectOutcome(Case memory c, GovernorProposalRecord.Outcome o, string memory what) internal {
        assertEq(uint256(h.certainOutcome(load(c))), uint256(o), what);
    }

    function test_examples_constitutional12() public {
        // 12 members, quorum 2/3 (8), approval 3/4.
        expectOutcome(example(2, 3, 3, 4, 12, 8, 0, 0), GovernorProposalRecord.Outcome.Open, "8 For, 4 could still be Against: 8/12 < 3/4");
        expectOutcome(example(2, 3, 3, 4, 12, 9, 0, 0), GovernorProposalRecord.Outcome.Passed, "9 For: 9/12 = 3/4 even if all others are Against");
        expectOutcome(example(2, 3, 3, 4, 12, 0, 4, 0), GovernorProposalRecord.Outcome.Failed, "4 Against: 8/12 < 3/4 even if all others are For");
        expectOutcome(example(2, 3, 3, 4, 12, 0, 3, 0), GovernorProposalRecord.Outcome.Open, "3 Against: 9 For of 12 would pass");
        expectOutcome(example(2, 3, 3, 4, 12, 0, 0, 5), GovernorProposalRecord.Outcome.Open, "5 Abstain: 7 For of 12 reach quorum and approve");
        expectOutcome(example(2, 3, 3, 4, 12, 3, 0, 9), GovernorProposalRecord.Outcome.Passed, "3 For, 9 Abstain: everyone voted");
        expectOutcome(example(2, 3, 3, 4, 12, 2, 1, 9), GovernorProposalRecord.Outcome.Failed, "2 For, 1 Against, 9 Abstain: 2/3 < 3/4");
    }

    function test_examples_quorumUnreachable() public {
        // Quorum 1/1: open until everyone has voted (all the votes always reach any quorum of the electorate).
        Case memory c = example(1, 1, 1, 2, 5, 0, 0, 0);
        c.base = 5;
        expectOutcome(c, GovernorProposalRecord.Outcome.Open, "nobody voted, unanimous participation needed");
        c.forVotes = 5;
        expectOutcome(c, GovernorProposalRecord.Outcome.Passed, "all For");
    }

    function test_examples_tieNeverApproves() public {
        expectOutcome(example(1, 2, 1, 2, 10, 5, 5, 0), GovernorProposalRecord.Outcome.Failed, "5-5 with everyone voted");
        expectOutcome(example(1, 2, 1, 2, 10, 5, 4, 0), GovernorProposalRecord.Outcome.Open, "5-4 with one to go");
        expectOutcome(example(1, 2, 1, 2, 10, 6, 4, 0), GovernorProposalRecord.Outcome.Passed, "6-4");
    }

    function test_examples_sanctionBase() public {
        // Electorate 10, the sanctioned member held 4: the quorum 1/2 is of 6 (3 votes).
        Case memory c = example(1, 2, 1, 2, 10, 3, 0, 0);
        c.base = 6;
        expectOutcome(c, GovernorProposalRecord.Outcome.Open, "3 For: quorum of the base reached, 7 could be Against");
        c.forVotes = 6;
        expectOutcome(c, GovernorProposalRecord.Outcome.Passed, "6 For: more than the 4 left");
        c.base = 0; // every voter sanctioned: any participation reaches the quorum
        c.forVotes = 0;
        expectOutcome(c, GovernorProposalRecord.Outcome.Open, "base 0, no votes");
    }

    function test_examples_extremeRules() public {
        uint256 m = type(uint16).max;
        uint256 e = type(uint32).max;
        expectOutcome(example(m, m, m, m, e, e - 1, 0, 0), GovernorProposalRecord.Outcome.Open, "unanimity, one vote to go");
        expectOutcome(example(m, m, m, m, e, e, 0, 0), GovernorProposalRecord.Outcome.Passed, "unanimity of 2^32-1");
        expectOutcome(example(m, m, m, m, e, e - 1, 1, 0), GovernorProposalRecord.Outcome.Failed, "unanimity, one Against");
        expectOutcome(example(m, m, m, m, e, e - 1, 0, 1), GovernorProposalRecord.Outcome.Passed, "unanimity of those deciding, all voted");
        expectOutcome(example(1, m, 32768, m, e, e / 2 + 1, 0, 0), GovernorProposalRecord.Outcome.Open, "just over half For, 32768/65535 needed");
        expectOutcome(example(1, m, 32768, m, e, 2147516416, 0, 0), GovernorProposalRecord.Outcome.Passed, "exactly 32768/65535 of 2^32-1");
        expectOutcome(example(1, m, 32768, m, e, 2147516415, 0, 0), GovernorProposalRecord.Outcome.Open, "one vote short of it");
    }

    // ------------------------------------------------------------------ recording and state

    function test_tallyUpdated_recordsOnlyWhenTheSwitchIsOn() public {
        h.setBasis(10, 0x0002000100020001, false); // quorum 1/2, approval 1/2, early close off
        uint256 id = h.proposeSignal("off");
        h.setTally(id, 0, 6, 0);
        h.tallyUpdated(id);
        assertEq(uint256(h.outcome(id)), 0, "nothing recorded with the switch off");
        assertEq(uint256(h.certainOutcome(id)), 1, "although it is certain");

        h.setBasis(10, 0x0002000100020001, true);
        id = h.proposeSignal("on");
        h.setTally(id, 0, 6, 0);
        h.tallyUpdated(id);
        assertEq(uint256(h.outcome(id)), 1, "Passed recorded");
        h.setTally(id, 6, 0, 0);
        h.tallyUpdated(id);
        assertEq(uint256(h.outcome(id)), 2, "Failed recorded");
    }

    function test_state_followsTheRecordedOutcomeWhileActive() public {
        h.setBasis(10, 0x0002000100020001, true);
        uint256 id = h.proposeSignal("state");
        h.setTally(id, 0, 6, 0);
        h.tallyUpdated(id);
        assertEq(uint256(h.state(id)), uint256(IGovernor.ProposalState.Pending), "pending before the snapshot");
        vm.warp(h.proposalSnapshot(id) + 1);
        assertEq(uint256(h.state(id)), uint256(IGovernor.ProposalState.Succeeded), "closed early: Succeeded");
        h.setTally(id, 6, 0, 0);
        h.tallyUpdated(id);
        assertEq(uint256(h.state(id)), uint256(IGovernor.ProposalState.Defeated), "closed early: Defeated");
        h.setTally(id, 1, 1, 0);
        h.tallyUpdated(id);
        assertEq(uint256(h.state(id)), uint256(IGovernor.ProposalState.Active), "open: Active");
        vm.warp(h.proposalDeadline(id) + 1);
        // After the deadline the base governor decides (the stub's quorum is never reached).
        assertEq(uint256(h.state(id)), uint256(IGovernor.ProposalState.Defeated), "after the deadline");
    }
}

/**
 * @notice Early close on the real governor and registry: the same votes are cast on two identical proposals, one
 * created under rules with early close and one without; when the first closes early, every completion of the
 * remaining members' votes on the second ends the same way at its deadline, and while the first stays open, some
 * completion passes and some fails.
 */
contract GovernorEarlyCloseIntegrationTest is ConsortiumFixture {
    uint256 internal constant N = 7;

    function setUp() public {
        Suite memory s = defaultSuite();
        s.members = N;
        s.founders = 1;
        s.capNumerator = 1;
        s.capDenominator = 2;
        s.earlyClose = true;
        deploy(s);
    }

    function setRules(uint256 seed, bool earlyClose) internal {
        uint16 qd = uint16(bound(rand(seed, 1), 1, 12));
        uint16 qn = uint16(bound(rand(seed, 2), 1, qd));
        if (uint256(qn) * 10 < qd) (qn, qd) = (1, 10); // the floor is 1/10
        uint16 ad = uint16(bound(rand(seed, 3), 1, 12));
        uint16 an = uint16(bound(rand(seed, 4), (uint256(ad) + 1) / 2, ad));
        IConsortiumRules.RuleSet memory rules;
        for (uint256 c = 0; c < 4; ++c) rules.rules[c] = rule(qn, qd, an, ad);
        rules.earlyClose = earlyClose;
        asGovernance();
        registry.updateRules(rules);
    }

    /// forge-config: default.fuzz.runs = 96
    function testFuzz_earlyCloseAgreesWithTheDeadline(uint256 seed) public {
        // Random weights (within the cap of 1/2), random rules.
        for (uint256 i = 0; i < N; ++i) {
            asGovernance();
            try registry.setWeight(members[i], uint32(bound(rand(seed, 10 + i), 1, 9))) {} catch {}
        }
        vm.warp(block.timestamp + 1);
        setRules(seed, true);
        vm.warp(block.timestamp + 1);
        uint256 early = proposeSignal("with early close");
        toVoting(early); // its snapshot, with early close on, has passed
        setRules(seed, false);
        uint256 late = proposeSignal("without early close");
        toVoting(late);
        assertEq(uint256(governor.state(early)), uint256(IGovernor.ProposalState.Active), "both open");

        for (uint256 k = 0; k < N; ++k) {
            IGovernor.ProposalState s = governor.state(early);
            if (s != IGovernor.ProposalState.Active) {
                checkAllCompletions(late, k, s == IGovernor.ProposalState.Succeeded);
                return;
            }
            checkOpen(late, k);
            uint8 support = uint8(rand(seed, 100 + k) % 3);
            vote(members[k], early, support);
            vote(members[k], late, support);
        }
        IGovernor.ProposalState last = governor.state(early);
        assertTrue(last != IGovernor.ProposalState.Active, "everyone voted: the outcome is certain");
        checkAllCompletions(late, N, last == IGovernor.ProposalState.Succeeded);
    }

    /// @dev The state `late` reaches at its deadline if members from `next` on vote `support` (3: they do not vote).
    function finalState(uint256 late, uint256 next, uint8 support) internal returns (IGovernor.ProposalState s) {
        uint256 snapshot = vm.snapshotState();
        if (support < 3) for (uint256 i = next; i < N; ++i) vote(members[i], late, support);
        vm.warp(governor.proposalDeadline(late) + 1);
        s = governor.state(late);
        vm.revertToState(snapshot);
    }

    function checkAllCompletions(uint256 late, uint256 next, bool passed) internal {
        IGovernor.ProposalState expected = passed ? IGovernor.ProposalState.Succeeded : IGovernor.ProposalState.Defeated;
        for (uint8 support = 0; support <= 3; ++support) {
            assertEq(uint256(finalState(late, next, support)), uint256(expected), string.concat("closed early after ", toString(next), " votes; completion ", toString(support)));
        }
    }

    function checkOpen(uint256 late, uint256 next) internal {
        bool somePass;
        bool someFail;
        for (uint8 support = 0; support <= 3; ++support) {
            bool passed = finalState(late, next, support) == IGovernor.ProposalState.Succeeded;
            somePass = somePass || passed;
            someFail = someFail || !passed;
        }
        assertTrue(somePass && someFail, string.concat("still open after ", toString(next), " votes, yet every completion ends the same"));
    }

    function test_closedEarly_refusesFurtherVotesAndCanBeQueued() public {
        // 7 members of weight 1, constitutional 2/3 & 3/4: 6 For decide it (6/7 >= 3/4 whatever the last does).
        uint256 id = proposeAmendment("amend");
        toVoting(id);
        voteMany(0, 5, id, FOR);
        assertEq(uint256(governor.state(id)), uint256(IGovernor.ProposalState.Active), "5 For of 7: 5/7 < 3/4 possible");
        vote(members[5], id, FOR);
        assertEq(uint256(governor.state(id)), uint256(IGovernor.ProposalState.Succeeded), "6 For: certain");
        vm.prank(members[6]);
        vm.expectRevert(
            abi.encodeWithSelector(
                IGovernor.GovernorUnexpectedProposalState.selector, id, IGovernor.ProposalState.Succeeded, bytes32(uint256(1) << uint8(IGovernor.ProposalState.Active))
            )
        );
        governor.castVote(id, AGAINST);
        bytes memory data = abi.encodeCall(IConsortiumMembership.amendAgreement, (keccak256(bytes("amend")), "ipfs://v2"));
        (address[] memory t, uint256[] memory v, bytes[] memory d) = one(address(registry), 0, data);
        governor.queue(t, v, d, keccak256("amend"));
        assertEq(uint256(governor.state(id)), uint256(IGovernor.ProposalState.Queued), "queued before the deadline");
        vm.warp(block.timestamp + 1 days);
        governor.execute(t, v, d, keccak256("amend"));
        assertEq(registry.agreementVersion(), 2, "executed");
        assertEq(uint256(governor.state(id)), uint256(IGovernor.ProposalState.Executed), "executed state");
    }
}
