// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {GovernorProposalRecord} from "../../contracts/governance/GovernorProposalRecord.sol";
import {Test} from "./lib/Test.sol";
import {ProposalRecordHarness} from "./harness/ProposalRecordHarness.sol";

/**
 * @notice {GovernorProposalRecord}: the one-slot record round-trips every field, its typed setters change only their
 * own field, the basis is fixed by the first vote, and the voted bitmap puts members 0..23 in the record and the
 * others in words of 256 (boundaries 23/24 and 279/280, and 95/96, 351/352 where an older layout split).
 */
contract GovernorProposalRecordTest is Test {
    ProposalRecordHarness internal h;
    uint256 internal id;

    function setUp() public {
        vm.warp(1_700_000_000);
        h = new ProposalRecordHarness();
        id = h.proposeSignal("record");
    }

    // ------------------------------------------------------------------ helpers

    function sample(uint256 seed) internal pure returns (GovernorProposalRecord.ProposalRecord memory r) {
        r.againstVotes = uint32(rand(seed, 1));
        r.forVotes = uint32(rand(seed, 2));
        r.abstainVotes = uint32(rand(seed, 3));
        r.electorate = uint32(rand(seed, 4));
        r.rule = uint64(rand(seed, 5));
        r.extendedDeadlineOffset = uint32(rand(seed, 6));
        r.flags = uint8((rand(seed, 7) % 3) | (rand(seed, 9) & 4)); // outcome 0..2 and the early-close bit
        r.votedLow = uint24(rand(seed, 8));
    }

    function assertRecord(
        GovernorProposalRecord.ProposalRecord memory a,
        GovernorProposalRecord.ProposalRecord memory b,
        string memory what
    ) internal pure {
        assertEq(a.againstVotes, b.againstVotes, string.concat(what, ": againstVotes"));
        assertEq(a.forVotes, b.forVotes, string.concat(what, ": forVotes"));
        assertEq(a.abstainVotes, b.abstainVotes, string.concat(what, ": abstainVotes"));
        assertEq(a.electorate, b.electorate, string.concat(what, ": electorate"));
        assertEq(a.rule, b.rule, string.concat(what, ": rule"));
        assertEq(a.extendedDeadlineOffset, b.extendedDeadlineOffset, string.concat(what, ": extendedDeadlineOffset"));
        assertEq(a.flags, b.flags, string.concat(what, ": flags"));
        assertEq(a.votedLow, b.votedLow, string.concat(what, ": votedLow"));
    }

    /// @dev The distinct storage slots of the harness written since {vm.record}.
    function writtenSlots() internal returns (bytes32[] memory unique) {
        (, bytes32[] memory writes) = vm.accesses(address(h));
        unique = new bytes32[](writes.length);
        uint256 n;
        for (uint256 i = 0; i < writes.length; ++i) {
            bool seen;
            for (uint256 j = 0; j < n; ++j) seen = seen || unique[j] == writes[i];
            if (!seen) unique[n++] = writes[i];
        }
        assembly ("memory-safe") {
            mstore(unique, n)
        }
    }

    function recordSlot() internal returns (bytes32) {
        vm.record();
        h.setRecord(id, sample(1));
        bytes32[] memory slots = writtenSlots();
        assertEq(slots.length, 1, "a record is one slot");
        return slots[0];
    }

    // ------------------------------------------------------------------ the record

    function testFuzz_record_roundTrips(uint256 seed) public {
        GovernorProposalRecord.ProposalRecord memory r = sample(seed);
        vm.record();
        h.setRecord(id, r);
        assertEq(writtenSlots().length, 1, "the whole record is written to one slot");
        assertRecord(h.record(id), r, "round trip");
        (uint256 against, uint256 for_, uint256 abstain) = h.tally(id);
        assertEq(against, r.againstVotes, "tally against");
        assertEq(for_, r.forVotes, "tally for");
        assertEq(abstain, r.abstainVotes, "tally abstain");
        assertEq(uint256(h.outcome(id)), r.flags & 3, "outcome is flags bits 0-1");
    }

    function test_record_extremeValues() public {
        GovernorProposalRecord.ProposalRecord memory r = GovernorProposalRecord.ProposalRecord(
            type(uint32).max, type(uint32).max, type(uint32).max, type(uint32).max, type(uint64).max,
            type(uint32).max, 6, type(uint24).max
        );
        h.setRecord(id, r);
        assertRecord(h.record(id), r, "all ones (flags: Failed and early close)");
        h.setRecord(id, GovernorProposalRecord.ProposalRecord(0, 0, 0, 0, 0, 0, 0, 0));
        assertRecord(h.record(id), GovernorProposalRecord.ProposalRecord(0, 0, 0, 0, 0, 0, 0, 0), "all zeros");
    }

    function testFuzz_setOutcome_changesOnlyTheOutcomeBits(uint256 seed, uint8 o) public {
        o = uint8(bound(o, 0, 2));
        GovernorProposalRecord.ProposalRecord memory r = sample(seed);
        h.setRecord(id, r);
        h.setOutcome(id, GovernorProposalRecord.Outcome(o));
        assertEq(uint256(h.outcome(id)), o, "outcome set");
        r.flags = (r.flags & ~uint8(3)) | o;
        assertRecord(h.record(id), r, "everything else kept (early-close bit included)");
    }

    function testFuzz_extendedDeadline_roundTripsAsAnOffset(uint256 seed, uint256 offset) public {
        offset = bound(offset, 1, type(uint32).max);
        GovernorProposalRecord.ProposalRecord memory r = sample(seed);
        h.setRecord(id, r);
        uint256 snapshot = h.proposalSnapshot(id);
        h.setExtendedDeadline(id, snapshot + offset);
        assertEq(h.extendedDeadline(id), snapshot + offset, "deadline read back");
        r.extendedDeadlineOffset = uint32(offset);
        assertRecord(h.record(id), r, "only the offset changed");
    }

    function test_extendedDeadline_zeroMeansUnset_andTooFarReverts() public {
        assertEq(h.extendedDeadline(id), 0, "unset");
        uint256 snapshot = h.proposalSnapshot(id);
        vm.expectRevert(abi.encodeWithSelector(SafeCast.SafeCastOverflowedUintDowncast.selector, 32, uint256(1) << 32));
        h.setExtendedDeadline(id, snapshot + (uint256(1) << 32));
        vm.expectRevert(); // arithmetic underflow: a deadline before the snapshot
        h.setExtendedDeadline(id, snapshot - 1);
    }

    // ------------------------------------------------------------------ the basis

    function test_basis_isLookedUpUntilTheFirstVoteAndThenFixed() public {
        h.setBasis(12, 0x0004000300030002, true);
        (uint256 e, uint256 r, bool ec) = h.proposalBasis(id);
        assertEq(e, 12, "live electorate");
        assertEq(r, 0x0004000300030002, "live rule");
        assertTrue(ec, "live early close");
        assertFalse(h.recordOpened(id), "not opened");
        assertEq(h.quorumBase(id), 12, "quorum base follows the electorate");

        GovernorProposalRecord.ProposalRecord memory opened = h.openRecord(id);
        assertTrue(h.recordOpened(id), "opened");
        assertEq(h.openedCalls(), 1, "_afterRecordOpened called once");
        assertEq(opened.electorate, 12, "electorate fixed");
        assertEq(opened.rule, 0x0004000300030002, "rule fixed");
        assertEq(opened.flags, 4, "early-close bit 2");

        h.setBasis(99, 0x0001000100010001, false); // the registry's rules change afterwards
        (e, r, ec) = h.proposalBasis(id);
        assertEq(e, 12, "electorate kept");
        assertEq(r, 0x0004000300030002, "rule kept");
        assertTrue(ec, "early close kept");
        h.setOutcome(id, GovernorProposalRecord.Outcome.Failed);
        (, , ec) = h.proposalBasis(id);
        assertTrue(ec, "the outcome does not clear the early-close bit");
    }

    function testFuzz_openRecord_fixesTheBasis(uint32 electorate, uint64 ruleBits, bool earlyClose) public {
        electorate = uint32(bound(electorate, 1, type(uint32).max));
        h.setBasis(electorate, ruleBits, earlyClose);
        GovernorProposalRecord.ProposalRecord memory r = h.openRecord(id);
        assertEq(r.electorate, electorate, "electorate");
        assertEq(r.rule, ruleBits, "rule");
        assertEq(r.flags, earlyClose ? 4 : 0, "flags");
        (uint256 e, uint256 rl, bool ec) = h.proposalBasis(id);
        assertEq(e, electorate, "basis electorate");
        assertEq(rl, ruleBits, "basis rule");
        assertEq(ec, earlyClose, "basis early close");
    }

    function test_openRecord_refusesAnElectorateAbove32Bits() public {
        h.setBasis(uint256(1) << 32, 1, false);
        vm.expectRevert(abi.encodeWithSelector(SafeCast.SafeCastOverflowedUintDowncast.selector, 32, uint256(1) << 32));
        h.openRecord(id);
    }

    // ------------------------------------------------------------------ the voted bitmap

    function checkIndex(uint256 index) internal {
        bytes32 slot = recordSlot();
        h.setRecord(id, GovernorProposalRecord.ProposalRecord(0, 0, 0, 0, 0, 0, 0, 0));
        uint256 other = h.proposeSignal(string.concat("other ", toString(index)));

        vm.record();
        assertTrue(h.markVoted(id, index), string.concat("first mark of ", toString(index)));
        bytes32[] memory slots = writtenSlots();
        uint24 low = h.record(id).votedLow;
        if (index < 24) {
            assertEq(low, uint256(1) << index, string.concat("bit of ", toString(index), " in the record"));
            assertEq(slots.length, 1, "only the record is written");
            assertEq(slots[0], slot, "the record's slot");
        } else {
            assertEq(low, 0, string.concat(toString(index), " is not in the record"));
            bool wroteWord;
            for (uint256 i = 0; i < slots.length; ++i) wroteWord = wroteWord || slots[i] != slot;
            assertTrue(wroteWord, string.concat(toString(index), " is in a word of its own"));
        }
        assertTrue(h.hasVotedIndex(id, index), "voted");
        if (index > 0) assertFalse(h.hasVotedIndex(id, index - 1), "the member before did not vote");
        assertFalse(h.hasVotedIndex(id, index + 1), "the member after did not vote");
        assertFalse(h.hasVotedIndex(other, index), "another proposal is untouched");
        assertFalse(h.markVoted(id, index), string.concat("second mark of ", toString(index)));
        assertTrue(h.markVoted(other, index), "the same member on another proposal");
    }

    function test_bitmap_index0() public {
        checkIndex(0);
    }

    function test_bitmap_index23_lastInTheRecord() public {
        checkIndex(23);
    }

    function test_bitmap_index24_firstInWord0() public {
        checkIndex(24);
    }

    function test_bitmap_index95() public {
        checkIndex(95);
    }

    function test_bitmap_index96() public {
        checkIndex(96);
    }

    function test_bitmap_index279_lastInWord0() public {
        checkIndex(279);
    }

    function test_bitmap_index280_firstInWord1() public {
        checkIndex(280);
    }

    function test_bitmap_index351() public {
        checkIndex(351);
    }

    function test_bitmap_index352() public {
        checkIndex(352);
    }

    function test_bitmap_largestMemberIndex() public {
        checkIndex(type(uint32).max - 1);
    }

    /// @dev Which high word an index lands in: 24..279 share one word, 280 starts the next; 96 and 352 split nothing.
    function test_bitmap_wordBoundaries() public {
        bytes32 slot = recordSlot();
        uint256[8] memory probes = [uint256(24), 95, 96, 279, 280, 351, 352, 535];
        uint256[8] memory words = [uint256(0), 0, 0, 0, 1, 1, 1, 1];
        bytes32[2] memory seen;
        for (uint256 i = 0; i < probes.length; ++i) {
            vm.record();
            h.markVoted(id, probes[i]);
            bytes32[] memory slots = writtenSlots();
            bytes32 word;
            for (uint256 j = 0; j < slots.length; ++j) if (slots[j] != slot) word = slots[j];
            assertTrue(word != bytes32(0), string.concat("a word written for ", toString(probes[i])));
            if (seen[words[i]] == bytes32(0)) seen[words[i]] = word;
            assertEq(word, seen[words[i]], string.concat("word of ", toString(probes[i])));
        }
        assertTrue(seen[0] != seen[1], "280 starts a new word");
        vm.record();
        h.markVoted(id, 536); // (536 - 24) >> 8 == 2
        bytes32[] memory last = writtenSlots();
        for (uint256 j = 0; j < last.length; ++j) {
            assertTrue(last[j] != seen[0] && last[j] != seen[1], "536 is in a third word");
        }
    }

    /// @dev The low bits live in the caller's copy until it stores the record; the high bits are written at once.
    function test_markVoted_lowBitsNeedTheRecordStored() public {
        (bool marked, uint24 low) = h.markVotedUnstored(id, 5);
        assertTrue(marked, "marked");
        assertEq(low, 1 << 5, "in the copy");
        assertFalse(h.hasVotedIndex(id, 5), "not stored");
        (marked, low) = h.markVotedUnstored(id, 300);
        assertTrue(marked, "marked high");
        assertEq(low, 0, "not in the record");
        assertTrue(h.hasVotedIndex(id, 300), "stored in its word");
    }

    /// @dev Any set of voters, marked in any order: each is marked once, and exactly they have voted.
    /// forge-config: default.fuzz.runs = 128
    function testFuzz_bitmap_matchesTheSetOfVoters(uint256 seed) public {
        uint256 range = 24 + 256 * 2 + 40; // the record, two full words and part of a third
        bool[] memory voted = new bool[](range + 1);
        for (uint256 k = 0; k < 40; ++k) {
            uint256 index = rand(seed, k) % (k % 4 == 0 ? 30 : range); // crowd the record and its edge
            bool fresh = !voted[index];
            assertEq(h.markVoted(id, index), fresh, string.concat("mark of ", toString(index)));
            voted[index] = true;
        }
        for (uint256 i = 0; i <= range; ++i) {
            assertEq(h.hasVotedIndex(id, i), voted[i], string.concat("voted ", toString(i)));
        }
        // Marking never touched the tallies or the basis.
        GovernorProposalRecord.ProposalRecord memory r = h.record(id);
        assertEq(uint256(r.againstVotes) + r.forVotes + r.abstainVotes + r.electorate + r.rule + r.flags, 0, "rest of the record");
    }
}
