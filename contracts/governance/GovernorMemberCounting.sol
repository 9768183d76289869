// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IConsortiumMembership} from "../interfaces/IConsortiumMembership.sol";
import {IConsortiumGovernor} from "../interfaces/IConsortiumGovernor.sol";
import {GovernorProposalRecord} from "./GovernorProposalRecord.sol";

/**
 * @title GovernorMemberCounting
 * @notice Extension of {Governor} for For/Against/Abstain voting by consortium members: one vote per member, cast
 * by an active voting member with the power it held at the proposal's snapshot, in the proposal's electorate
 * (constitutional proposals count constitutional votes only).
 *
 * A member whose proxy lost its vote after the snapshot (suspended, removed, resigned, made an observer) without
 * having voted may vote itself, with its own power at the snapshot: a sanction against a proxy never takes the vote
 * away from the members it represented. The proxy cannot vote on that proposal any more (its vote was interrupted
 * since the snapshot), so no power counts twice.
 *
 * @dev Same semantics and ABI as OpenZeppelin's {GovernorCountingSimple} (VoteType, {hasVoted}, {proposalVotes},
 * {COUNTING_MODE}), stored for a consortium: members are numbered by the registry in order of admission, so who voted
 * is a bitmap kept in the proposal's record ({GovernorProposalRecord}) instead of a mapping keyed by address.
 */
abstract contract GovernorMemberCounting is GovernorProposalRecord {
    /// @dev Supported vote types; match OpenZeppelin's {GovernorCountingSimple}.
    enum VoteType {
        Against,
        For,
        Abstain
    }

    /// @notice Machine-readable description of the counting: For, Against, Abstain; all three count toward the
    /// participation quorum; on a choice proposal, For takes the chosen options as params (`uint256[]`).
    // solhint-disable-next-line func-name-mixedcase
    function COUNTING_MODE() public pure virtual override returns (string memory) {
        return "support=bravo&quorum=for,against,abstain&params=options";
    }

    /// @notice Whether `account` has voted on `proposalId`.
    function hasVoted(uint256 proposalId, address account) public view virtual override returns (bool) {
        (uint256 index, , ) = IConsortiumMembership(_membershipRegistry()).voterOf(account);
        return index != type(uint256).max && _hasVotedIndex(proposalId, index);
    }

    /// @notice Against, For and Abstain votes cast on `proposalId`.
    function proposalVotes(
        uint256 proposalId
    ) public view virtual returns (uint256 againstVotes, uint256 forVotes, uint256 abstainVotes) {
        return _proposalTally(proposalId);
    }

    /**
     * @dev OpenZeppelin's {Governor-_castVote} (same state check, events and {_tallyUpdated} hook) without its
     * separate {Governor-_getVotes} lookup: {_countVote} reads the voter's eligibility and weight from the registry
     * in one call, which spares every vote a second external call.
     */
    function _castVote(
        uint256 proposalId,
        address account,
        uint8 support,
        string memory reason,
        bytes memory params
    ) internal virtual override returns (uint256) {
        _validateStateBitmap(proposalId, _encodeStateBitmap(ProposalState.Active));
        uint256 votedWeight = _countVote(proposalId, account, support, 0, params);
        if (params.length == 0) {
            emit VoteCast(account, proposalId, support, votedWeight, reason);
        } else {
            emit VoteCastWithParams(account, proposalId, support, votedWeight, reason, params);
        }
        _tallyUpdated(proposalId);
        return votedWeight;
    }

    /**
     * @dev Counts an eligible member's vote once, with the weight it held at the snapshot (the `totalWeight`
     * argument is not used: see {_castVote}). Reverts if the support is not one of the three vote types, the voter
     * is not an active voting member or was not one without interruption since the snapshot, holds no power in the
     * proposal's electorate, or already voted.
     */
    function _countVote(
        uint256 proposalId,
        address account,
        uint8 support,
        uint256, // totalWeight
        bytes memory params
    ) internal virtual override returns (uint256) {
        if (support > uint8(VoteType.Abstain)) revert GovernorInvalidVoteType();
        (uint256 index, uint256 weight, uint256 state) = _eligibleWeight(proposalId, account);

        ProposalRecord memory r = _proposalRecord(proposalId);
        if (r.electorate == 0) _openRecord(proposalId, r);
        if (!_markVoted(proposalId, r, index)) revert GovernorAlreadyCastVote(account);
        uint32 votes = SafeCast.toUint32(weight);
        if (support == uint8(VoteType.Against)) {
            r.againstVotes += votes;
        } else if (support == uint8(VoteType.For)) {
            r.forVotes += votes;
        } else {
            r.abstainVotes += votes;
        }
        _setProposalRecord(proposalId, r);
        _countBallot(proposalId, r, account, support, params, weight, state);
        return weight;
    }

    /**
     * @dev `account`'s member number, the weight it votes with on `proposalId` and its own state at the snapshot.
     * Reverts if it is not an active voting member, was not one without interruption since the snapshot, or holds no
     * power in the electorate.
     */
    function _eligibleWeight(
        uint256 proposalId,
        address account
    ) private view returns (uint256 index, uint256 weight, uint256 state) {
        uint256 snapshot = proposalSnapshot(proposalId);
        IConsortiumMembership registry = IConsortiumMembership(_membershipRegistry());
        bool canVote;
        uint48 votingSince;
        (index, canVote, votingSince, weight, state) = registry.voterAt(
            account,
            snapshot,
            _usesConstitutionalVotes(proposalId)
        );
        if (!canVote || votingSince > snapshot) revert IConsortiumGovernor.GovernorVoterNotActive(account);
        if (weight == 0) weight = _weightWithoutProxy(proposalId, registry, account, snapshot);
        if (weight == 0) revert IConsortiumGovernor.GovernorNoVotingPower(account, snapshot);
    }

    /**
     * @dev The power `account` may vote with itself although it had handed it to a proxy at the snapshot: its own
     * units then, if that proxy can no longer vote on the proposal and did not vote on it. Zero otherwise. (A member
     * that appointed a proxy holds no proxies itself, so this is its whole power.)
     */
    function _weightWithoutProxy(
        uint256 proposalId,
        IConsortiumMembership registry,
        address account,
        uint256 snapshot
    ) private view returns (uint256) {
        (address proxy, uint256 units, uint256 constitutionalUnits) = registry.pastDelegation(account, snapshot);
        if (proxy == account) return 0;
        (uint256 proxyIndex, bool proxyCanVote, uint48 proxyVotingSince) = registry.voterOf(proxy);
        if (proxyIndex == type(uint256).max || (proxyCanVote && proxyVotingSince <= snapshot)) return 0;
        if (_hasVotedIndex(proposalId, proxyIndex)) return 0;
        return _usesConstitutionalVotes(proposalId) ? constitutionalUnits : units;
    }
}
