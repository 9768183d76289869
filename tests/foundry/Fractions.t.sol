// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Test} from "./lib/Test.sol";
import {FractionsHarness} from "./harness/FractionsHarness.sol";

/**
 * @notice {Fractions}: exact share arithmetic at its boundaries (uint16 numerators and denominators up to 65535, vote
 * counts near 2^32 and 2^208), each function against a reference written another way (long division, Euclid).
 */
contract FractionsTest is Test {
    uint256 internal constant MAX16 = type(uint16).max;
    uint256 internal constant MAX_VOTES = (1 << 208) - 1; // ERC-5805's bound on vote counts
    uint256 internal constant MAX32 = type(uint32).max; // the registry's bound on total power

    FractionsHarness internal f;

    function setUp() public {
        f = new FractionsHarness();
    }

    // ------------------------------------------------------------------ references

    /// @dev ceil(total * n / d) by quotient and remainder.
    function refCeil(uint256 total, uint256 n, uint256 d) internal pure returns (uint256) {
        uint256 q = (total * n) / d;
        return (total * n) % d == 0 ? q : q + 1;
    }

    /// @dev `votes` reach n/d of `total` iff they are at least the smallest whole number of votes that does.
    function refReaches(uint256 votes, uint256 total, uint256 n, uint256 d) internal pure returns (bool) {
        return votes >= refCeil(total, n, d);
    }

    /// @dev for / (for + against) >= n / d  <=>  for * (d - n) >= n * against (n <= d), with a strict majority.
    function refApproves(uint256 forVotes, uint256 againstVotes, uint256 n, uint256 d) internal pure returns (bool) {
        return forVotes > againstVotes && forVotes * (d - n) >= n * againstVotes;
    }

    /// @dev a/b < c/d by comparing continued-fraction expansions (Euclid), without cross-multiplying.
    function refLess(uint256 a, uint256 b, uint256 c, uint256 d) internal pure returns (bool) {
        bool flipped;
        while (true) {
            uint256 qa = a / b;
            uint256 qc = c / d;
            if (qa != qc) return (qa < qc) != flipped;
            uint256 ra = a % b;
            uint256 rc = c % d;
            if (ra == 0 || rc == 0) {
                if (ra == rc) return false; // equal
                return (ra == 0) != flipped; // a/b is the whole number, c/d a bit more
            }
            // ra/b < rc/d  <=>  b/ra > d/rc
            (a, b, c, d) = (b, ra, d, rc);
            flipped = !flipped;
        }
        return false;
    }

    function pack(uint256 qn, uint256 qd, uint256 an, uint256 ad) internal pure returns (uint256) {
        return qn | (qd << 16) | (an << 32) | (ad << 48);
    }

    // ------------------------------------------------------------------ ceilShare

    function test_ceilShare_examples() public view {
        assertEq(f.ceilShare(12, 2, 3), 8, "2/3 of 12");
        assertEq(f.ceilShare(10, 1, 3), 4, "1/3 of 10 rounds up");
        assertEq(f.ceilShare(9, 1, 3), 3, "1/3 of 9 is exact");
        assertEq(f.ceilShare(0, 2, 3), 0, "share of nothing");
        assertEq(f.ceilShare(7, 0, 3), 0, "zero share");
        assertEq(f.ceilShare(7, 3, 3), 7, "whole");
        assertEq(f.ceilShare(1, 1, MAX16), 1, "any share of one vote above zero needs it");
    }

    function test_ceilShare_atUint16AndVoteBounds() public view {
        // 2^208 - 1 = (2^16)^13 - 1 is a multiple of 2^16 - 1: 1/65535 of it is exact, one less rounds up to it.
        uint256 exact = MAX_VOTES / MAX16;
        assertEq(exact * MAX16, MAX_VOTES, "2^208-1 divisible by 65535");
        assertEq(f.ceilShare(MAX_VOTES, 1, MAX16), exact, "1/65535 of 2^208-1");
        assertEq(f.ceilShare(MAX_VOTES - 1, 1, MAX16), exact, "1/65535 of 2^208-2 rounds up");
        assertEq(f.ceilShare(MAX_VOTES + 1, 1, MAX16), exact + 1, "1/65535 of 2^208");
        assertEq(f.ceilShare(MAX_VOTES, MAX16, MAX16), MAX_VOTES, "65535/65535 of 2^208-1");
        assertEq(f.ceilShare(MAX_VOTES, MAX16 - 1, MAX16), MAX_VOTES - exact, "65534/65535 of 2^208-1");
        // 2^32 - 1 = 65537 * 65535.
        assertEq(f.ceilShare(MAX32, 1, MAX16), 65537, "1/65535 of 2^32-1");
        assertEq(f.ceilShare(MAX32 - 1, 1, MAX16), 65537, "1/65535 of 2^32-2 rounds up");
        assertEq(f.ceilShare(MAX32, 2, 3), 2863311530, "2/3 of 2^32-1");
        assertEq(f.ceilShare(MAX32, 32768, MAX16), 2147516416, "32768/65535 of 2^32-1");
    }

    /// @dev ceilShare is the smallest whole number of votes reaching the share, exactly: c*d >= total*n > (c-1)*d.
    function testFuzz_ceilShare_isExact(uint256 total, uint256 n, uint256 d) public view {
        total = bound(total, 0, MAX_VOTES);
        d = bound(d, 1, MAX16);
        n = bound(n, 0, d);
        uint256 c = f.ceilShare(total, n, d);
        assertGe(c * d, total * n, "ceilShare reaches the share");
        if (c > 0) assertLt((c - 1) * d, total * n, "one vote less does not");
        assertLe(c, total, "a share of at most one needs at most the total");
        assertEq(c, refCeil(total, n, d), "ceilShare matches quotient and remainder");
    }

    // ------------------------------------------------------------------ reaches

    function test_reaches_boundaries() public view {
        assertTrue(f.reaches(8, 12, 2, 3), "8 of 12 reach 2/3");
        assertFalse(f.reaches(7, 12, 2, 3), "7 of 12 do not");
        assertTrue(f.reaches(0, 0, 1, 10), "nothing of nothing reaches any share");
        assertFalse(f.reaches(0, 1, 1, MAX16), "no vote of one does not reach 1/65535");
        assertTrue(f.reaches(MAX_VOTES, MAX_VOTES, MAX16, MAX16), "all of 2^208-1 reach the whole");
        assertFalse(f.reaches(MAX_VOTES - 1, MAX_VOTES, MAX16, MAX16), "one short of 2^208-1 does not");
        assertTrue(f.reaches(MAX32, MAX32, MAX16, MAX16), "all of 2^32-1 reach the whole");
        assertFalse(f.reaches(MAX32 - 1, MAX32, MAX16, MAX16), "one short of 2^32-1 does not");
        assertTrue(f.reaches(65537, MAX32, 1, MAX16), "65537 votes are 1/65535 of 2^32-1");
        assertFalse(f.reaches(65536, MAX32, 1, MAX16), "65536 votes are not");
    }

    /// @dev reaches(votes) iff votes >= ceilShare: the threshold the governor reports is the one it applies.
    function testFuzz_reaches_agreesWithCeilShare(uint256 votes, uint256 total, uint256 n, uint256 d) public view {
        total = bound(total, 0, MAX_VOTES);
        votes = bound(votes, 0, MAX_VOTES);
        d = bound(d, 1, MAX16);
        n = bound(n, 0, d);
        bool r = f.reaches(votes, total, n, d);
        assertEq(r, refReaches(votes, total, n, d), "reaches matches the reference");
        assertEq(r, votes >= f.ceilShare(total, n, d), "reaches iff at least ceilShare");
    }

    /// @dev Same, with tallies of the governor's size (32 bits), where the fuzzer hits the edges more often.
    function testFuzz_reaches_32bit(uint32 votes, uint32 total, uint16 n, uint16 d) public view {
        vm.assume(d != 0 && n <= d);
        assertEq(f.reaches(votes, total, n, d), refReaches(votes, total, n, d), "reaches matches the reference");
    }

    // ------------------------------------------------------------------ approves

    function test_approves_boundaries() public view {
        assertFalse(f.approves(1, 1, 1, 2), "a tie never approves, even at 1/2");
        assertTrue(f.approves(2, 1, 1, 2), "a strict majority approves at 1/2");
        assertFalse(f.approves(0, 0, 1, 2), "no decided votes do not approve");
        assertTrue(f.approves(2, 1, 2, 3), "2 of 3 reach 2/3");
        assertFalse(f.approves(5, 3, 2, 3), "5 of 8 do not reach 2/3");
        assertTrue(f.approves(3, 1, 3, 4), "3 of 4 reach 3/4");
        assertFalse(f.approves(MAX_VOTES, 1, MAX16, MAX16), "unanimity: one against blocks 2^208-1");
        assertTrue(f.approves(MAX_VOTES, 0, MAX16, MAX16), "unanimity of 2^208-1");
        assertTrue(f.approves(MAX_VOTES, MAX_VOTES - 1, 1, 2), "2^208-1 against 2^208-2 at 1/2");
        assertFalse(f.approves(MAX_VOTES - 1, MAX_VOTES - 1, 1, 2), "tie at 2^208-2");
        assertTrue(f.approves(MAX32, MAX32 - 1, 1, 2), "2^32-1 against 2^32-2 at 1/2");
        // 32768/65535 is just above one half: 32768 for against 32767 reaches it exactly; a 2^32-scale count too.
        assertTrue(f.approves(32768, 32767, 32768, MAX16), "32768 of 65535 reach 32768/65535");
        assertFalse(f.approves(32768 * 65536 - 1, 32767 * 65536 + 1, 32768, MAX16), "just short, at 2^31 scale");
        assertFalse(f.approves(MAX16 - 1, 1, MAX16, MAX16), "65534 for, 1 against: not unanimous");
    }

    function testFuzz_approves_matchesReference(uint256 forVotes, uint256 againstVotes, uint256 n, uint256 d)
        public
        view
    {
        forVotes = bound(forVotes, 0, MAX_VOTES);
        againstVotes = bound(againstVotes, 0, MAX_VOTES);
        d = bound(d, 1, MAX16);
        n = bound(n, (d + 1) / 2, d); // thresholds of at least one half, as the agreement's floors require
        assertEq(f.approves(forVotes, againstVotes, n, d), refApproves(forVotes, againstVotes, n, d), "approves");
    }

    function testFuzz_approves_32bit(uint32 forVotes, uint32 againstVotes, uint16 n, uint16 d) public view {
        vm.assume(d != 0 && n <= d && 2 * uint256(n) >= d);
        assertEq(f.approves(forVotes, againstVotes, n, d), refApproves(forVotes, againstVotes, n, d), "approves");
    }

    /// @dev More For votes or fewer Against votes never turn approval into rejection (early close relies on it).
    function testFuzz_approves_isMonotonic(uint32 forVotes, uint32 againstVotes, uint32 moreFor, uint32 lessAgainst, uint16 n, uint16 d)
        public
        view
    {
        vm.assume(d != 0 && n <= d && 2 * uint256(n) >= d);
        lessAgainst = uint32(bound(lessAgainst, 0, againstVotes));
        if (f.approves(forVotes, againstVotes, n, d)) {
            assertTrue(f.approves(uint256(forVotes) + moreFor, againstVotes - lessAgainst, n, d), "monotonic");
        }
    }

    // ------------------------------------------------------------------ isShare, lessThan

    function test_isShare() public view {
        assertTrue(f.isShare(0, 1), "0/1");
        assertTrue(f.isShare(MAX16, MAX16), "65535/65535");
        assertTrue(f.isShare(0, MAX16), "0/65535");
        assertFalse(f.isShare(0, 0), "0/0");
        assertFalse(f.isShare(1, 0), "1/0");
        assertFalse(f.isShare(MAX16, MAX16 - 1), "65535/65534");
        assertFalse(f.isShare(2, 1), "2/1");
    }

    function test_lessThan_examples() public view {
        assertTrue(f.lessThan(1, 3, 1, 2), "1/3 < 1/2");
        assertFalse(f.lessThan(1, 2, 1, 3), "1/2 !< 1/3");
        assertFalse(f.lessThan(1, 2, 2, 4), "1/2 !< 2/4");
        assertFalse(f.lessThan(2, 4, 1, 2), "2/4 !< 1/2");
        assertTrue(f.lessThan(32767, MAX16, 1, 2), "32767/65535 < 1/2");
        assertTrue(f.lessThan(1, 2, 32768, MAX16), "1/2 < 32768/65535");
        assertTrue(f.lessThan(MAX16 - 1, MAX16, MAX16 - 1, MAX16 - 1), "65534/65535 < 1");
        assertTrue(f.lessThan(0, 1, 1, MAX16), "0 < 1/65535");
        assertTrue(f.lessThan(65533, 65534, 65534, MAX16), "adjacent fractions near one");
    }

    function testFuzz_lessThan_matchesEuclid(uint16 xn, uint16 xd, uint16 yn, uint16 yd) public view {
        vm.assume(xd != 0 && yd != 0);
        assertEq(f.lessThan(xn, xd, yn, yd), refLess(xn, xd, yn, yd), "lessThan matches the continued fractions");
    }

    /// @dev Scaling a fraction does not change its value: a rule written 2/3 or 4/6 is the same rule.
    function testFuzz_lessThan_ignoresScaling(uint16 n, uint16 d, uint8 k) public view {
        vm.assume(d != 0 && k != 0);
        assertFalse(f.lessThan(n, d, uint256(n) * k, uint256(d) * k), "n/d !< kn/kd");
        assertFalse(f.lessThan(uint256(n) * k, uint256(d) * k, n, d), "kn/kd !< n/d");
    }

    // ------------------------------------------------------------------ packed rules

    function test_packedRule_layout() public view {
        uint256 r = pack(2, 3, 3, 4);
        assertEq(r, 0x0004000300030002, "qn | qd << 16 | an << 32 | ad << 48");
        (uint256 qn, uint256 qd) = f.quorumOf(r);
        (uint256 an, uint256 ad) = f.approvalOf(r);
        assertEq(qn, 2, "qn");
        assertEq(qd, 3, "qd");
        assertEq(an, 3, "an");
        assertEq(ad, 4, "ad");
    }

    function testFuzz_packedRule_roundTrip(uint16 qn, uint16 qd, uint16 an, uint16 ad, uint192 dirt) public view {
        uint256 r = pack(qn, qd, an, ad);
        (uint256 gqn, uint256 gqd) = f.quorumOf(r | (uint256(dirt) << 64));
        (uint256 gan, uint256 gad) = f.approvalOf(r | (uint256(dirt) << 64));
        assertEq(gqn, qn, "quorum numerator");
        assertEq(gqd, qd, "quorum denominator");
        assertEq(gan, an, "approval numerator");
        assertEq(gad, ad, "approval denominator");
    }
}
