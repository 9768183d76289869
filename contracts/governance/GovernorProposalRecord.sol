// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Governor} from "@openzeppelin/contracts/governance/Governor.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IConsortiumGovernor} from "../interfaces/IConsortiumGovernor.sol";

/**
 * @title GovernorProposalRecord
 * @notice Base of the consortium's governor extensions: it owns the one storage slot each proposal's votes live in
 * and exposes it through typed accessors, and it declares the few facts the extensions need from each other as
 * hooks. Counting ({GovernorMemberCounting}), category rules ({GovernorCategoryRules}), early close
 * ({GovernorEarlyClose}) and the late-quorum extension ({GovernorLateQuorum}) each depend on this base only.
 *
 * @dev The record is written by a proposal's first vote, which also fixes in it what the proposal is judged by (its
 * electorate's voting power at the snapshot, the rule of its category and the early-close switch in force then), and
 * is updated by each later vote, so a vote updates one slot that is already written and needs no other lookup: the
 * three tallies, the electorate, the rule, the late-quorum deadline (as an offset from the vote start), the
 * early-close outcome and whether members 0..23 voted. Members numbered 24 and above have their voted bit in further
 * words of 256. Tallies are 32-bit: the registry keeps the total voting power below 2^32. For a choice proposal the
 * For tally is the power that voted for any option; a proposal whose category has chamber conditions is marked in
 * its flags when they are fixed.
 *
 * Proposal ids: bits 255..254 hold the category, bit 253 marks sanctions and bit 252 choices ({_CHOICE}).
 */
abstract contract GovernorProposalRecord is Governor {
    /// @dev Outcome of a proposal that can no longer change, whatever the members who have not voted yet do.
    enum Outcome {
        Open,
        Passed,
        Failed
    }

    /**
     * @dev One slot per proposal. `rule` is the rule of the proposal's category, packed as {Fractions} reads it;
     * `flags`: bits 0-1 the {Outcome}, bit 2 the early-close switch, bit 3 whether chamber conditions apply.
     */
    struct ProposalRecord {
        uint32 againstVotes;
        uint32 forVotes;
        uint32 abstainVotes;
        uint32 electorate;
        uint64 rule;
        uint32 extendedDeadlineOffset;
        uint8 flags;
        uint24 votedLow;
    }

    /// @dev Members numbered below this have their voted bit in the proposal's record.
    uint256 internal constant _LOW_VOTERS = 24;
    uint8 private constant _OUTCOME_MASK = 3;
    uint8 private constant _EARLY_CLOSE = 4;
    uint8 private constant _CHAMBERED = 8;
    /// @dev Proposal id bit of a choice among options.
    uint256 internal constant _CHOICE = 1 << 252;

    mapping(uint256 proposalId => ProposalRecord) private _records;
    mapping(uint256 proposalId => mapping(uint256 word => uint256 bits)) private _votedHigh;

    // ------------------------------------------------------------------ hooks provided by other extensions

    /// @dev The membership registry (the voting-power source, which also keeps the agreement's rules).
    function _membershipRegistry() internal view virtual returns (address);

    /**
     * @dev What `proposalId` is judged by, looked up at its snapshot (reverts before the snapshot has passed): its
     * electorate's voting power, the packed rule of its category, the early-close switch and the category's packed
     * chamber conditions (0: none).
     */
    function _snapshotBasis(
        uint256 proposalId
    ) internal view virtual returns (uint256 electorate, uint256 rule, bool earlyClose, uint256 chambers);

    /// @dev Called once, by the proposal's first vote, after its basis is fixed in the record, with the chamber
    /// conditions of its category (0: none).
    function _afterRecordOpened(uint256 proposalId, uint256 chambers) internal virtual {}

    /// @dev The members whose power the proposal's quorum leaves out (those it suspends or removes).
    function _leftOutMembers(uint256 proposalId) internal view virtual returns (address[] memory);

    /**
     * @dev Counts what the record does not hold: a ballot's options, and its power in each chamber. Called by each
     * vote after the record is stored (`record`, as stored), with the voter's state at the snapshot (see
     * {IConsortiumMembership-voterAt}). A plain proposal takes no params.
     */
    function _countBallot(
        uint256 /* proposalId */,
        ProposalRecord memory /* record */,
        address /* account */,
        uint8 /* support */,
        bytes memory params,
        uint256 /* weight */,
        uint256 /* state */
    ) internal virtual {
        if (params.length != 0) revert IConsortiumGovernor.GovernorInvalidOptions();
    }

    /// @dev The outcome the votes cast so far make certain (see {GovernorEarlyClose}), or {Outcome-Open}; `record` is
    /// the proposal's, opened.
    function _certainOutcome(uint256 proposalId, ProposalRecord memory record) internal view virtual returns (Outcome);

    /// @dev Whether votes on `proposalId` are counted in the constitutional electorate.
    function _usesConstitutionalVotes(uint256 proposalId) internal view virtual returns (bool);

    /// @dev The power the proposal's quorum is a share of: its electorate, unless an extension leaves some out.
    function _quorumBase(uint256 proposalId) internal view virtual returns (uint256 electorate) {
        (electorate, , ) = _proposalBasis(proposalId);
    }

    // ------------------------------------------------------------------ typed accessors

    /// @dev The whole record of `proposalId` (all zero before its first vote).
    function _proposalRecord(uint256 proposalId) internal view returns (ProposalRecord memory) {
        return _records[proposalId];
    }

    /// @dev Store the whole record of `proposalId`, in one write of its slot (fields from the lowest bits, in
    /// declaration order, as Solidity lays out the struct).
    function _setProposalRecord(uint256 proposalId, ProposalRecord memory record) internal {
        uint256 packed = uint256(record.againstVotes) |
            (uint256(record.forVotes) << 32) |
            (uint256(record.abstainVotes) << 64) |
            (uint256(record.electorate) << 96) |
            (uint256(record.rule) << 128) |
            (uint256(record.extendedDeadlineOffset) << 192) |
            (uint256(record.flags) << 224) |
            (uint256(record.votedLow) << 232);
        ProposalRecord storage slot = _records[proposalId];
        assembly ("memory-safe") {
            sstore(slot.slot, packed)
        }
    }

    /// @dev Fix the proposal's basis in `record` (its first vote does, then stores the record).
    function _openRecord(uint256 proposalId, ProposalRecord memory record) internal {
        (uint256 electorate, uint256 rule, bool earlyClose, uint256 chambers) = _snapshotBasis(proposalId);
        record.electorate = SafeCast.toUint32(electorate);
        record.rule = uint64(rule);
        if (earlyClose) record.flags |= _EARLY_CLOSE;
        if (chambers != 0) record.flags |= _CHAMBERED;
        _afterRecordOpened(proposalId, chambers);
    }

    /// @dev Whether chamber conditions apply to the proposal (known from its first vote on).
    function _chambered(uint256 proposalId) internal view returns (bool) {
        return _records[proposalId].flags & _CHAMBERED != 0;
    }

    /// @dev Whether chamber conditions apply to the proposal of `record` (once opened).
    function _chambered(ProposalRecord memory record) internal pure returns (bool) {
        return record.flags & _CHAMBERED != 0;
    }

    /// @dev Whether the proposal of `record` (once opened) closes early.
    function _earlyClose(ProposalRecord memory record) internal pure returns (bool) {
        return record.flags & _EARLY_CLOSE != 0;
    }

    /// @dev The early-close outcome `record` holds.
    function _outcome(ProposalRecord memory record) internal pure returns (Outcome) {
        return Outcome(record.flags & _OUTCOME_MASK);
    }

    /// @dev Whether the proposal's basis has been fixed (it has had a vote).
    function _recordOpened(uint256 proposalId) internal view returns (bool) {
        return _records[proposalId].electorate != 0;
    }

    /// @dev What the proposal is judged by: as fixed by its first vote, else looked up (reverts before the snapshot).
    function _proposalBasis(
        uint256 proposalId
    ) internal view returns (uint256 electorate, uint256 rule, bool earlyClose) {
        ProposalRecord storage r = _records[proposalId];
        electorate = r.electorate;
        if (electorate == 0) {
            (electorate, rule, earlyClose, ) = _snapshotBasis(proposalId);
            return (electorate, rule, earlyClose);
        }
        return (electorate, r.rule, r.flags & _EARLY_CLOSE != 0);
    }

    /// @dev Against, For and Abstain votes cast on `proposalId`.
    function _proposalTally(
        uint256 proposalId
    ) internal view returns (uint256 againstVotes, uint256 forVotes, uint256 abstainVotes) {
        ProposalRecord storage r = _records[proposalId];
        return (r.againstVotes, r.forVotes, r.abstainVotes);
    }

    /// @dev The early-close outcome recorded after the latest vote.
    function _proposalOutcome(uint256 proposalId) internal view returns (Outcome) {
        return Outcome(_records[proposalId].flags & _OUTCOME_MASK);
    }

    function _setProposalOutcome(uint256 proposalId, Outcome outcome) internal {
        ProposalRecord storage r = _records[proposalId];
        r.flags = (r.flags & ~_OUTCOME_MASK) | uint8(outcome);
    }

    /// @dev The late-quorum deadline, 0 until the proposal reaches its quorum.
    function _extendedDeadline(uint256 proposalId) internal view returns (uint256) {
        uint256 offset = _records[proposalId].extendedDeadlineOffset;
        return offset == 0 ? 0 : proposalSnapshot(proposalId) + offset;
    }

    /// @dev Store the late-quorum deadline, which is after the vote start (voting is open when it is set).
    function _setExtendedDeadline(uint256 proposalId, uint256 deadline) internal {
        _records[proposalId].extendedDeadlineOffset = SafeCast.toUint32(deadline - proposalSnapshot(proposalId));
    }

    /// @dev Whether member number `index` voted on `proposalId`.
    function _hasVotedIndex(uint256 proposalId, uint256 index) internal view returns (bool) {
        if (index < _LOW_VOTERS) return _records[proposalId].votedLow & (1 << index) != 0;
        (uint256 word, uint256 bit) = _highPosition(index);
        return _votedHigh[proposalId][word] & bit != 0;
    }

    /**
     * @dev Mark member number `index` as voted: for members 0..23 in `record` (which the caller stores), for the
     * others in their word. Returns false if it had already voted.
     */
    function _markVoted(uint256 proposalId, ProposalRecord memory record, uint256 index) internal returns (bool) {
        if (index < _LOW_VOTERS) {
            uint24 bit = uint24(1 << index);
            if (record.votedLow & bit != 0) return false;
            record.votedLow |= bit;
            return true;
        }
        (uint256 word, uint256 highBit) = _highPosition(index);
        uint256 bits = _votedHigh[proposalId][word];
        if (bits & highBit != 0) return false;
        _votedHigh[proposalId][word] = bits | highBit;
        return true;
    }

    function _highPosition(uint256 index) private pure returns (uint256 word, uint256 bit) {
        uint256 high = index - _LOW_VOTERS;
        return (high >> 8, 1 << (high & 0xff));
    }
}
