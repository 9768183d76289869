// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Governor} from "@openzeppelin/contracts/governance/Governor.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IConsortiumMembership} from "../interfaces/IConsortiumMembership.sol";
import {IConsortiumGovernor} from "../interfaces/IConsortiumGovernor.sol";

/**
 * @title GovernorMemberCounting
 * @notice Extension of {Governor} for For/Against/Abstain voting by consortium members: one vote per member,
 * cast only by an active member that held voting power at the proposal's snapshot.
 *
 * @dev Same semantics as OpenZeppelin's {GovernorCountingSimple}, stored for a consortium: members are few and
 * numbered by the registry in order of admission, so who voted is a bitmap keyed by that number instead of a
 * mapping keyed by address. The three tallies, the total voting power at the snapshot (recorded by the first vote,
 * so later votes need not look it up) and the bits of the first 96 members share one storage slot, so a vote
 * updates a slot that is already written instead of creating two (roughly 20,000 gas less per voter); members
 * admitted later use further bitmap words of 256.
 * Tallies are uint40 (up to 1.09e12 votes): the registry caps a weight at 1,000,000, so that is a million members
 * at the largest weight; beyond it a vote reverts rather than overflow.
 */
abstract contract GovernorMemberCounting is Governor {
    /// @dev Supported vote types; match OpenZeppelin's {GovernorCountingSimple}.
    enum VoteType {
        Against,
        For,
        Abstain
    }

    /// @dev Tallies of one proposal, its electorate (0 until the first vote) and whether members 0..95 voted.
    struct Tally {
        uint40 againstVotes;
        uint40 forVotes;
        uint40 abstainVotes;
        uint40 electorate;
        uint96 votedLow;
    }

    /// @dev `voter` held no voting power at the proposal's snapshot.
    error GovernorNoVotingPower(address voter, uint256 snapshot);

    uint256 private constant _LOW_BITS = 96;

    mapping(uint256 proposalId => Tally) private _tallies;
    mapping(uint256 proposalId => mapping(uint256 word => uint256 bits)) private _votedHigh;

    /// @dev The membership registry.
    function _membershipRegistry() internal view virtual returns (address);

    /// @dev Total voting power at `timepoint`.
    function _totalPowerAt(uint256 timepoint) internal view virtual returns (uint256);

    /// @dev Total voting power at the proposal's snapshot, as recorded by its first vote; 0 before it.
    function _votedElectorate(uint256 proposalId) internal view virtual returns (uint256) {
        return _tallies[proposalId].electorate;
    }

    /// @notice Machine-readable description of the counting: For, Against, Abstain; all three count toward the
    /// participation quorum.
    // solhint-disable-next-line func-name-mixedcase
    function COUNTING_MODE() public pure virtual override returns (string memory) {
        return "support=bravo&quorum=for,against,abstain";
    }

    /// @notice Whether `account` has voted on `proposalId`.
    function hasVoted(uint256 proposalId, address account) public view virtual override returns (bool) {
        (uint256 index, IConsortiumMembership.Status status) = IConsortiumMembership(_membershipRegistry()).voterOf(account);
        if (status == IConsortiumMembership.Status.None) return false;
        (uint256 word, uint256 bit) = _position(index);
        uint256 bits = word == type(uint256).max ? _tallies[proposalId].votedLow : _votedHigh[proposalId][word];
        return bits & bit != 0;
    }

    /// @notice Against, For and Abstain votes cast on `proposalId`.
    function proposalVotes(
        uint256 proposalId
    ) public view virtual returns (uint256 againstVotes, uint256 forVotes, uint256 abstainVotes) {
        Tally storage t = _tallies[proposalId];
        return (t.againstVotes, t.forVotes, t.abstainVotes);
    }

    /**
     * @dev Counts an active member's vote once. See {Governor-_countVote}.
     * Reverts if the voter is not an active member, held no power at the snapshot, already voted, or the support
     * is not one of the three vote types.
     */
    function _countVote(
        uint256 proposalId,
        address account,
        uint8 support,
        uint256 totalWeight,
        bytes memory // params
    ) internal virtual override returns (uint256) {
        (uint256 index, IConsortiumMembership.Status status) = IConsortiumMembership(_membershipRegistry()).voterOf(account);
        if (status != IConsortiumMembership.Status.Active) revert IConsortiumGovernor.GovernorVoterNotActive(account);
        if (totalWeight == 0) revert GovernorNoVotingPower(account, proposalSnapshot(proposalId));

        Tally memory t = _tallies[proposalId];
        if (t.electorate == 0) t.electorate = SafeCast.toUint40(_totalPowerAt(proposalSnapshot(proposalId)));
        (uint256 word, uint256 bit) = _position(index);
        if (word == type(uint256).max) {
            if (t.votedLow & bit != 0) revert GovernorAlreadyCastVote(account);
            t.votedLow |= uint96(bit);
        } else {
            uint256 bits = _votedHigh[proposalId][word];
            if (bits & bit != 0) revert GovernorAlreadyCastVote(account);
            _votedHigh[proposalId][word] = bits | bit;
        }

        uint40 weight = SafeCast.toUint40(totalWeight);
        if (support == uint8(VoteType.Against)) {
            t.againstVotes += weight;
        } else if (support == uint8(VoteType.For)) {
            t.forVotes += weight;
        } else if (support == uint8(VoteType.Abstain)) {
            t.abstainVotes += weight;
        } else {
            revert GovernorInvalidVoteType();
        }
        _tallies[proposalId] = t;
        return totalWeight;
    }

    /// @dev Word and bit of member `index`; word `type(uint256).max` means the bits kept with the tallies.
    function _position(uint256 index) private pure returns (uint256 word, uint256 bit) {
        if (index < _LOW_BITS) return (type(uint256).max, 1 << index);
        uint256 high = index - _LOW_BITS;
        return (high >> 8, 1 << (high & 0xff));
    }
}
