// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {DecisionRules} from "../../contracts/libraries/DecisionRules.sol";
import {Test} from "./lib/Test.sol";
import {DecisionRulesHarness} from "./harness/DecisionRulesHarness.sol";

/**
 * @notice {DecisionRules}' arithmetic at its exact boundaries: each chamber measure (quorum, approval, support,
 * strict support, blocking) with 8-bit terms met by one vote and missed without it, left-out power, and the winner of
 * a choice (the qualifying option with the most votes, alone at the top; a tie or no qualifying option: no winner).
 */
contract DecisionRulesTest is Test {
    uint256 internal constant QUORUM = 16;
    uint256 internal constant APPROVAL = 32;
    uint256 internal constant SUPPORT = 48;
    uint256 internal constant BLOCKING = 64;
    uint256 internal constant STRICT_SUPPORT = 1 << 14;
    uint256 internal constant LANE_MAX = type(uint32).max;

    DecisionRulesHarness internal h;

    function setUp() public {
        h = new DecisionRulesHarness();
    }

    // ------------------------------------------------------------------ helpers

    /// @dev One condition on classes `mask` with one measure at bit `shift`.
    function cond(uint256 mask, uint256 shift, uint256 n, uint256 d) internal pure returns (uint256) {
        return mask | (n << shift) | (d << (shift + 8));
    }

    /// @dev A conditions word of one condition.
    function only(uint256 c) internal pure returns (uint256) {
        return c | (uint256(1) << 240);
    }

    function packedRule(uint256 qn, uint256 qd, uint256 an, uint256 ad) internal pure returns (uint256) {
        return qn | (qd << 16) | (an << 32) | (ad << 48);
    }

    /// @dev A plain proposal that passes overall (1 For of an electorate of 1, quorum 1/1, approval 1/2): only the
    /// chambers decide.
    function passingOverall() internal pure returns (DecisionRules.Basis memory b) {
        b.forVotes = 1;
        b.electorate = 1;
        b.quorumBase = 1;
        b.rule = packedRule(1, 1, 1, 2);
    }

    function decided() internal view returns (bool) {
        return h.judge(passingOverall(), DecisionRules.WINNER) != 0;
    }

    function quorumReached() internal view returns (bool) {
        return h.judge(passingOverall(), DecisionRules.QUORUM_REACHED) != 0;
    }

    function ceilDiv(uint256 a, uint256 b) internal pure returns (uint256) {
        return (a + b - 1) / b;
    }

    // ------------------------------------------------------------------ chamber measures at their boundaries

    /// @dev Quorum `F + A + Ab >= q * B`: reached with the smallest such participation, missed one vote below.
    function testFuzz_chamberQuorum_oneVoteDecides(uint256 qn, uint256 qd, uint256 base, uint256 split) public {
        qd = bound(qd, 1, 255);
        qn = bound(qn, 1, qd);
        base = bound(base, 1, LANE_MAX);
        h.setChambers(only(cond(0x001, QUORUM, qn, qd)));
        uint256 need = ceilDiv(qn * base, qd);
        uint256 abstain = bound(split, 0, need); // participation in any mix: quorum counts all three kinds
        h.setChamber(0, 0, uint32(need - abstain), uint32(abstain), uint32(base));
        assertTrue(quorumReached(), "quorum reached at ceil(q * B)");
        assertTrue(decided(), "the proposal passes at ceil(q * B)");
        if (abstain > 0) h.setChamber(0, 0, uint32(need - abstain), uint32(abstain - 1), uint32(base));
        else h.setChamber(0, 0, uint32(need - 1), 0, uint32(base));
        assertFalse(quorumReached(), "one vote below: quorum not reached");
        assertFalse(decided(), "one vote below: no decision");
    }

    /// @dev Approval `F > A and F * d >= n * (F + A)`: met by the smallest such For, missed when one vote moves to
    /// Against.
    function testFuzz_chamberApproval_oneVoteDecides(uint256 an, uint256 ad, uint256 decisive) public {
        ad = bound(ad, 1, 255);
        an = bound(an, 0, ad);
        decisive = bound(decisive, 1, LANE_MAX);
        h.setChambers(only(cond(0x002, APPROVAL, an, ad)));
        uint256 minFor = decisive / 2 + 1;
        uint256 byShare = ceilDiv(an * decisive, ad);
        if (byShare > minFor) minFor = byShare;
        vm.assume(minFor <= decisive);
        h.setChamber(0, uint32(decisive - minFor), uint32(minFor), 0, uint32(decisive));
        assertTrue(decided(), "approved at the smallest qualifying For");
        h.setChamber(0, uint32(decisive - minFor + 1), uint32(minFor - 1), 0, uint32(decisive));
        assertFalse(decided(), "one For less, one Against more: not approved");
    }

    /// @dev Approval needs a strict majority even at a share of one half or less: a tie is not approved.
    function testFuzz_chamberApproval_tieIsNotApproved(uint256 an, uint256 half) public {
        an = bound(an, 0, 128);
        half = bound(half, 1, LANE_MAX / 2);
        h.setChambers(only(cond(0x002, APPROVAL, an, 255)));
        h.setChamber(0, uint32(half), uint32(half), 0, uint32(2 * half));
        assertFalse(decided(), "For = Against never approves");
    }

    /// @dev Support `F * d >= n * B` (strict: `>`): the smallest such For meets it, one For less does not.
    function testFuzz_chamberSupport_oneVoteDecides(uint256 sn, uint256 sd, uint256 base, bool strict) public {
        sd = bound(sd, 1, 255);
        sn = bound(sn, 1, sd);
        base = bound(base, 1, LANE_MAX);
        h.setChambers(only(cond(0x004, SUPPORT, sn, sd) | (strict ? STRICT_SUPPORT : 0)));
        uint256 minFor = strict ? (sn * base) / sd + 1 : ceilDiv(sn * base, sd);
        if (minFor > base) {
            // strict support of the whole chamber: no For can meet it
            h.setChamber(0, 0, uint32(base), 0, uint32(base));
            assertFalse(decided(), "strict support of all power can never be met");
            return;
        }
        h.setChamber(0, 0, uint32(minFor), 0, uint32(base));
        assertTrue(decided(), "support met at the smallest qualifying For");
        h.setChamber(0, 0, uint32(minFor - 1), uint32(base - minFor + 1), uint32(base));
        assertFalse(decided(), "one For less (abstaining): support not met");
    }

    /// @dev Blocking: the chamber blocks when `A > 0 and A * d >= n * (F + A)`; the smallest blocking Against
    /// blocks, one fewer does not.
    function testFuzz_chamberBlocking_oneVoteDecides(uint256 bn, uint256 bd, uint256 forVotes) public {
        bd = bound(bd, 1, 255);
        bn = bound(bn, 0, bd);
        forVotes = bound(forVotes, 0, LANE_MAX / 512);
        h.setChambers(only(cond(0x008, BLOCKING, bn, bd)));
        uint256 minAgainst;
        if (bn == bd) {
            if (forVotes != 0) {
                // 1/1: only a chamber whose decisive votes are all against blocks
                h.setChamber(0, uint32(LANE_MAX / 2), uint32(forVotes), 0, uint32(LANE_MAX));
                assertTrue(decided(), "1/1: one For among any number Against: no block");
                return;
            }
            minAgainst = 1;
        } else {
            minAgainst = ceilDiv(bn * forVotes, bd - bn);
            if (minAgainst == 0) minAgainst = 1;
        }
        uint256 power = forVotes + minAgainst;
        h.setChamber(0, uint32(minAgainst), uint32(forVotes), 0, uint32(power));
        assertFalse(decided(), "blocked at the smallest blocking Against");
        h.setChamber(0, uint32(minAgainst - 1), uint32(forVotes), 1, uint32(power));
        assertTrue(decided(), "one Against less (abstaining): not blocked");
    }

    /// @dev Consent (blocking 0/1): any single vote against blocks, abstentions do not.
    function testFuzz_consent_anyAgainstBlocks(uint256 forVotes, uint256 abstain) public {
        forVotes = bound(forVotes, 0, LANE_MAX / 4);
        abstain = bound(abstain, 0, LANE_MAX / 4);
        h.setChambers(only(cond(0x003, BLOCKING, 0, 1)));
        h.setChamber(0, 0, uint32(forVotes), uint32(abstain), uint32(LANE_MAX));
        assertTrue(decided(), "no vote against: consent");
        h.setChamber(0, 1, uint32(forVotes), uint32(abstain), uint32(LANE_MAX));
        assertFalse(decided(), "one vote against: no consent");
    }

    /// @dev A chamber's base is its power less the power left out (members the proposal suspends or removes); a
    /// chamber with no power left imposes nothing.
    function testFuzz_leftOutPower_lowersTheBase(uint256 base, uint256 excluded, uint256 qn, uint256 qd) public {
        qd = bound(qd, 1, 255);
        qn = bound(qn, 1, qd);
        base = bound(base, 2, LANE_MAX);
        excluded = bound(excluded, 1, base);
        h.setChambers(only(cond(0x010, QUORUM, qn, qd)));
        h.setExcluded(0, uint32(excluded));
        uint256 need = ceilDiv(qn * (base - excluded), qd);
        h.setChamber(0, 0, uint32(need), 0, uint32(base));
        assertTrue(decided(), "quorum of the power less the left-out power");
        if (need > 0) {
            h.setChamber(0, 0, uint32(need - 1), 0, uint32(base));
            assertFalse(decided(), "one vote below the lowered base");
        } else {
            assertEq(base, excluded, "a zero need means the whole chamber is left out");
        }
    }

    /// @dev Every chamber must hold: with two, the proposal passes only when both do.
    function testFuzz_everyChamberMustHold(bool firstHolds, bool secondHolds) public {
        uint256 word = cond(0x003, SUPPORT, 1, 2) | (cond(0x0c0, SUPPORT, 1, 2) << 80) | (uint256(2) << 240);
        h.setChambers(word);
        h.setChamber(0, 0, firstHolds ? 5 : 4, 0, 10);
        h.setChamber(1, 0, secondHolds ? 5 : 4, 0, 10);
        assertEq(decided(), firstHolds && secondHolds, "passes iff both chambers hold");
    }

    /// @dev A chamber without power at the snapshot imposes nothing, whatever its measures.
    function test_emptyChamber_imposesNothing() public {
        h.setChambers(only(cond(0x800, SUPPORT, 1, 1) | STRICT_SUPPORT));
        h.setChamber(0, 0, 0, 0, 0);
        assertTrue(decided(), "no power, no condition");
    }

    // ------------------------------------------------------------------ the winner of a choice

    /// @dev The model: option i qualifies by the category's quorum and approval (F_i against F + A - F_i); the winner
    /// is the qualifying option with the most votes, alone at the top.
    function modelWinner(uint256[] memory f, uint256 forAny, uint256 against, uint256 an, uint256 ad)
        internal
        pure
        returns (bool found, uint256 option)
    {
        uint256 best;
        bool tied;
        for (uint256 i = 0; i < f.length; ++i) {
            uint256 a = forAny + against - f[i];
            if (!(f[i] > a && f[i] * ad >= an * (f[i] + a))) continue;
            if (!found || f[i] > best) (found, option, best, tied) = (true, i, f[i], false);
            else if (f[i] == best) tied = true;
        }
        if (tied) return (false, 0);
    }

    /// @dev Random option votes (approval ballots, so options may overlap): the library's winner is the model's.
    function testFuzz_winner_matchesTheModel(uint256 seed, uint256 n, uint256 an) public {
        n = bound(n, 2, 10);
        an = bound(an, 0, 16);
        h.setChoice(n, n);
        uint256[] memory f = new uint256[](n);
        uint256 forAny = 1 + (rand(seed, 100) % 60);
        for (uint256 i = 0; i < n; ++i) {
            // small values so ties happen often
            f[i] = rand(seed, i) % 4 == 0 ? 0 : rand(seed, 10 + i) % (forAny + 1);
            h.setOptionVotes(i, uint32(f[i]));
        }
        uint256 against = rand(seed, 200) % 20;
        DecisionRules.Basis memory b;
        (b.forVotes, b.againstVotes, b.electorate, b.quorumBase) = (forAny, against, 1000, 1000);
        b.rule = packedRule(0, 1, an, 16);
        (bool found, uint256 option) = modelWinner(f, forAny, against, an, 16);
        uint256 answer = h.judge(b, DecisionRules.WINNER);
        assertEq(answer != 0, found, "decided as the model");
        if (found) assertEq(answer & 0xff, option, "the model's winner");
    }

    /// @dev A tie at the top between qualifying options is no decision, even with a lesser qualifying option.
    function testFuzz_winner_tieAtTheTop_isNoDecision(uint256 top, uint256 lesser) public {
        top = bound(top, 1, 1_000_000);
        lesser = bound(lesser, 0, top - 1);
        h.setChoice(3, 3);
        h.setOptionVotes(0, uint32(lesser));
        h.setOptionVotes(1, uint32(top));
        h.setOptionVotes(2, uint32(top));
        DecisionRules.Basis memory b;
        (b.forVotes, b.electorate, b.quorumBase) = (top, 3 * top, 3 * top); // approval ballots: every voter chose both
        b.rule = packedRule(0, 1, 1, 2);
        assertEq(h.judge(b, DecisionRules.WINNER), 0, "tie at the top: no winner");
        h.setOptionVotes(2, uint32(top - 1));
        assertEq(h.judge(b, DecisionRules.WINNER), (1 << 8) | 1, "one vote breaks the tie");
    }

    /// @dev No option meets the category's quorum: no winner, whatever the votes for each.
    function testFuzz_winner_noOptionQualifies_isNoDecision(uint256 cast, uint256 n) public {
        n = bound(n, 2, 10);
        cast = bound(cast, 1, 1000);
        h.setChoice(n, 1);
        h.setOptionVotes(n - 1, uint32(cast)); // all For votes on the last option
        DecisionRules.Basis memory b;
        (b.forVotes, b.electorate, b.quorumBase) = (cast, 2 * cast + 1, 2 * cast + 1);
        b.rule = packedRule(1, 2, 1, 2); // quorum 1/2: cast < (2 cast + 1) / 2
        assertEq(h.judge(b, DecisionRules.WINNER), 0, "quorum missed: no winner");
        assertEq(h.judge(b, DecisionRules.QUORUM_REACHED), 0, "quorum not reached");
        b.quorumBase = 2 * cast;
        assertEq(h.judge(b, DecisionRules.WINNER), (1 << 8) | (n - 1), "quorum met: the option wins");
    }

    /// @dev A chamber condition decides between options: the leader overall loses if a chamber blocks it, and the
    /// next option wins if it alone qualifies.
    function test_winner_chamberDecidesBetweenOptions() public {
        h.setChoice(2, 1);
        h.setOptionVotes(0, 6);
        h.setOptionVotes(1, 4);
        h.setChambers(only(cond(0x003, APPROVAL, 1, 2))); // a majority of the founders
        h.setChamber(0, 0, 3, 0, 3);
        h.setChamberOptionVotes(0, 0, 1);
        h.setChamberOptionVotes(0, 1, 2);
        DecisionRules.Basis memory b;
        (b.forVotes, b.electorate, b.quorumBase) = (10, 10, 10);
        b.rule = packedRule(1, 2, 0, 1); // approval 0/1: only the strict majority over the others
        // option 0: 6 against 4 overall, 1 against 2 among the founders: fails; option 1: 4 against 6: fails
        assertEq(h.judge(b, DecisionRules.WINNER), 0, "neither qualifies");
        h.setOptionVotes(1, 7);
        h.setOptionVotes(0, 3);
        assertEq(h.judge(b, DecisionRules.WINNER), (1 << 8) | 1, "option 1: 7 against 3, founders 2 against 1");
    }

    // ------------------------------------------------------------------ early close: certain means certain

    struct Case {
        uint256 chamberAgainst;
        uint256 chamberFor;
        uint256 chamberAbstain;
        uint256 chamberPower;
        DecisionRules.Basis basis;
    }

    /// @dev A consistent random case: one chamber inside the electorate, votes cast in it part of the overall tallies.
    function randomCase(uint256 seed) internal returns (Case memory c) {
        uint256 condition = 0x001;
        for (uint256 m = 0; m < 4; ++m) {
            if (rand(seed, m) % 2 == 0) continue;
            uint256 d = 1 + (rand(seed, 10 + m) % 8);
            condition |= ((rand(seed, 20 + m) % (d + 1)) << (QUORUM + 16 * m)) | (d << (QUORUM + 16 * m + 8));
        }
        if (condition == 0x001) condition |= uint256(1) << 56; // support 0/1 at least
        if (rand(seed, 30) % 3 == 0 && uint8(condition >> 56) != 0) condition |= STRICT_SUPPORT;
        h.setChambers(only(condition));
        c.chamberPower = 1 + (rand(seed, 40) % 40);
        c.chamberAgainst = rand(seed, 41) % (c.chamberPower + 1);
        c.chamberFor = rand(seed, 42) % (c.chamberPower - c.chamberAgainst + 1);
        c.chamberAbstain = rand(seed, 43) % (c.chamberPower - c.chamberAgainst - c.chamberFor + 1);
        uint256 outsideAgainst = rand(seed, 50) % 30;
        uint256 outsideFor = rand(seed, 51) % 30;
        uint256 outsideAbstain = rand(seed, 52) % 10;
        c.basis.againstVotes = c.chamberAgainst + outsideAgainst;
        c.basis.forVotes = c.chamberFor + outsideFor;
        c.basis.abstainVotes = c.chamberAbstain + outsideAbstain;
        uint256 chamberUncast = c.chamberPower - c.chamberAgainst - c.chamberFor - c.chamberAbstain;
        uint256 cast = c.basis.againstVotes + c.basis.forVotes + c.basis.abstainVotes;
        c.basis.electorate = cast + chamberUncast + (rand(seed, 53) % 20); // the chamber's uncast power, and more
        c.basis.quorumBase = c.basis.electorate;
        uint256 qd = 1 + (rand(seed, 54) % 8);
        uint256 ad = 1 + (rand(seed, 55) % 8);
        c.basis.rule = packedRule(1 + (rand(seed, 56) % qd), qd, (ad + 1) / 2 + (rand(seed, 57) % (ad / 2 + 1)), ad);
        h.setChamber(0, uint32(c.chamberAgainst), uint32(c.chamberFor), uint32(c.chamberAbstain), uint32(c.chamberPower));
    }

    /// @dev Every uncast vote cast as `support` (0 Against, 1 For, 2 Abstain), in the chamber and outside it: decided?
    function decidedWhenAllUncastVote(Case memory c, uint256 support) internal returns (bool) {
        uint256 chamberUncast = c.chamberPower - c.chamberAgainst - c.chamberFor - c.chamberAbstain;
        uint256 uncast = c.basis.electorate - c.basis.againstVotes - c.basis.forVotes - c.basis.abstainVotes;
        DecisionRules.Basis memory b = c.basis;
        uint256[3] memory chamber = [c.chamberAgainst, c.chamberFor, c.chamberAbstain];
        chamber[support] += chamberUncast;
        if (support == 0) b.againstVotes += uncast;
        else if (support == 1) b.forVotes += uncast;
        else b.abstainVotes += uncast;
        h.setChamber(0, uint32(chamber[0]), uint32(chamber[1]), uint32(chamber[2]), uint32(c.chamberPower));
        bool result = h.judge(b, DecisionRules.WINNER) != 0;
        h.setChamber(0, uint32(c.chamberAgainst), uint32(c.chamberFor), uint32(c.chamberAbstain), uint32(c.chamberPower));
        return result;
    }

    /// @dev Early close with a chamber: a proposal closed as passed passes however the uncast power votes, one closed
    /// as failed fails however it votes (every uncast vote Against, For or Abstain, in the chamber and outside it).
    function testFuzz_certainOutcome_holdsWhateverTheUncastPowerDoes(uint256 seed) public {
        Case memory c = randomCase(seed);
        uint256 outcome = h.judge(c.basis, DecisionRules.CERTAIN_OUTCOME);
        if (outcome == DecisionRules.OPEN) return;
        for (uint256 support = 0; support < 3; ++support) {
            assertEq(
                decidedWhenAllUncastVote(c, support),
                outcome == DecisionRules.PASSED,
                string.concat("certain outcome ", toString(outcome), " broken when all uncast vote ", toString(support))
            );
        }
    }

    /// @dev The category's own certain outcome, as {GovernorEarlyClose} judges it.
    function overallOutcome(DecisionRules.Basis memory b) internal pure returns (uint256) {
        uint256 cast = b.againstVotes + b.forVotes + b.abstainVotes;
        uint256 uncast = b.electorate > cast ? b.electorate - cast : 0;
        (uint256 qn, uint256 qd) = (uint16(b.rule), uint16(b.rule >> 16));
        (uint256 an, uint256 ad) = (uint16(b.rule >> 32), uint16(b.rule >> 48));
        if (cast * qd >= qn * b.quorumBase && approves(b.forVotes, b.againstVotes + uncast, an, ad)) {
            return DecisionRules.PASSED;
        }
        if (!approves(b.forVotes + uncast, b.againstVotes, an, ad) || (cast + uncast) * qd < qn * b.quorumBase) {
            return DecisionRules.FAILED;
        }
        return DecisionRules.OPEN;
    }

    function approves(uint256 f, uint256 a, uint256 n, uint256 d) internal pure returns (bool) {
        return f > a && f * d >= n * (f + a);
    }

    /// @dev What the governor's shortcut after a For vote relies on (see {DecisionRules-countOwnVote}): a proposal judged
    /// open, after a For vote inside the chamber or outside it that leaves the chamber's uncast power within the
    /// electorate's, is judged as the category's own measures judge it unless those have passed.
    function testFuzz_aForVoteLeavesAnOpenChamberAsItWas(uint256 seed) public {
        Case memory c = randomCase(seed);
        if (h.judge(c.basis, DecisionRules.CERTAIN_OUTCOME) != DecisionRules.OPEN) return;
        uint256 chamberUncast = c.chamberPower - c.chamberAgainst - c.chamberFor - c.chamberAbstain;
        uint256 uncast = c.basis.electorate - c.basis.againstVotes - c.basis.forVotes - c.basis.abstainVotes;
        bool inside = rand(seed, 60) % 2 == 0;
        uint256 room = inside ? chamberUncast : uncast - chamberUncast;
        if (room == 0) return;
        uint256 weight = 1 + (rand(seed, 61) % room);
        c.basis.forVotes += weight;
        if (inside) c.chamberFor += weight;
        h.setChamber(0, uint32(c.chamberAgainst), uint32(c.chamberFor), uint32(c.chamberAbstain), uint32(c.chamberPower));
        uint256 overall = overallOutcome(c.basis);
        if (overall == DecisionRules.PASSED) return;
        assertEq(h.judge(c.basis, DecisionRules.CERTAIN_OUTCOME), overall, "a For vote changed a chamber's verdict");
    }

    // ------------------------------------------------------------------ the governor's own count

    /// @dev What the governor counts itself (a plain proposal's ballot of the voter's own power, every condition one
    /// chamber) adds the voter's weight (one member, in a chamber by count) to its support's lane in each chamber of
    /// its class, and nothing elsewhere: the same tally words as the library's count of the same ballot. A condition
    /// applied to each stakeholder group is left to the library, with nothing written. After a For ballot, `settled` holds exactly
    /// when no chamber counted by weight has more uncast power than the electorate's.
    function testFuzz_ownVote_countsAsTheLibraryDoes(uint256 seed) public {
        DecisionRulesHarness other = new DecisionRulesHarness();
        (uint256 chambers, bool anyEachGroup) = randomChambers(seed, other);
        uint8 support = uint8(rand(seed, 2) % 3);
        uint256 state = randomOwnState(seed);
        uint256 weight = uint96(state);
        uint256 uncast = rand(seed, 6) % 4 == 0 ? type(uint256).max : rand(seed, 7) % 1_000_000;
        (bool own, uint256 class) = DecisionRules.ownClass(state, weight, false);
        assertTrue(own, "a ballot of the voter's own units is its own");
        assertEq(class, (uint8(state >> 192) == 1 ? 0 : 6) + uint8(state >> 200), "class: role x group");

        uint256[2] memory before = [h.tallyWord(2), h.tallyWord(3)];
        (bool counted, bool settled) = h.countOwnVote(support, class, weight, uncast);
        assertEq(counted, !anyEachGroup, "counted unless a condition applies to each group");
        for (uint256 s = 0; counted && s < chambers >> 240; ++s) {
            uint256 c = chambers >> (80 * s);
            uint256 expected = c & (1 << class) == 0 ? 0 : (c & (1 << 13) != 0 ? 1 : weight);
            uint256 shift = (s % 2) * 128 + uint256(support) * 32;
            uint256 added = ((h.tallyWord(2 + s / 2) >> shift) & LANE_MAX) - ((before[s / 2] >> shift) & LANE_MAX);
            assertEq(added, expected, "the voter's weight, or one member, in each chamber of its class");
        }
        if (counted) {
            other.count(
                DecisionRules.Ballot({
                    account: address(1),
                    snapshot: 1,
                    constitutional: false,
                    support: support,
                    weight: weight,
                    state: state
                })
            );
        }
        for (uint256 w = 2; w < 4; ++w) assertEq(h.tallyWord(w), other.tallyWord(w), "the library's tallies");
        if (counted) {
            bool expected = support == 1 && uncast != type(uint256).max && !anyCapped(other, chambers, uncast);
            assertEq(settled, expected, "settled");
        }
    }

    /// @dev One to three random conditions (by weight or by count, one in eight for each group), set in `h` and in
    /// `other` with the same random tallies in each chamber.
    function randomChambers(
        uint256 seed,
        DecisionRulesHarness other
    ) internal returns (uint256 chambers, bool anyEachGroup) {
        uint256 n = 1 + (rand(seed, 1) % 3);
        chambers = n << 240;
        for (uint256 k = 0; k < n; ++k) {
            uint256 c = (1 + (rand(seed, 10 + k) % 0xfff)) | cond(0, QUORUM, 1, 2);
            if (rand(seed, 20 + k) % 2 == 0) c |= 1 << 13; // by count
            if (rand(seed, 30 + k) % 8 == 0) {
                c |= 1 << 12; // each stakeholder group
                anyEachGroup = true;
            }
            chambers |= c << (80 * k);
        }
        h.setChambers(chambers);
        other.setChambers(chambers);
        for (uint256 s = 0; s < n; ++s) {
            uint32 power = uint32(1_000 + (rand(seed, 40 + s) % 1_000_000));
            uint32 cast = uint32(rand(seed, 50 + s) % power);
            h.setChamber(s, cast / 3, cast / 3, cast - 2 * (cast / 3), power);
            other.setChamber(s, cast / 3, cast / 3, cast - 2 * (cast / 3), power);
        }
    }

    /// @dev A voter's state at the snapshot (see {IConsortiumMembership-voterAt}): a founding partner or a partner
    /// of a random stakeholder group, with 1 to 1,000 units.
    function randomOwnState(uint256 seed) internal pure returns (uint256) {
        uint256 role = 1 + (rand(seed, 3) % 2);
        return (1 + (rand(seed, 5) % 1_000)) | (role << 192) | ((rand(seed, 4) % 6) << 200);
    }

    /// @dev Whether a chamber counted by weight in `harness` has more uncast power than `uncast`.
    function anyCapped(DecisionRulesHarness harness, uint256 chambers, uint256 uncast) internal view returns (bool) {
        for (uint256 s = 0; s < chambers >> 240; ++s) {
            if ((chambers >> (80 * s)) & (1 << 13) != 0) continue;
            uint256 lanes = harness.tallyWord(2 + s / 2) >> ((s % 2) * 128);
            uint256 cast = (lanes & LANE_MAX) + ((lanes >> 32) & LANE_MAX) + ((lanes >> 64) & LANE_MAX);
            uint256 power = (lanes >> 96) & LANE_MAX;
            if (power > cast && power - cast > uncast) return true;
        }
        return false;
    }
}
