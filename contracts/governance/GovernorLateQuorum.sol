// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Governor} from "@openzeppelin/contracts/governance/Governor.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

/**
 * @title GovernorLateQuorum
 * @notice Extension of {Governor} that gives members time to respond when a proposal reaches its quorum late: the
 * voting period then lasts at least {lateQuorumVoteExtension} after the vote that reached it.
 *
 * @dev OpenZeppelin's {GovernorPreventLateQuorum}, with the same functions, events and behaviour, except where
 * the extended deadline is kept: in a slot the proposal already writes ({_extendedDeadline} and
 * {_setExtendedDeadline}, provided by {GovernorCategoryRules}), which spares the vote that reaches quorum a fresh
 * storage slot.
 */
abstract contract GovernorLateQuorum is Governor {
    uint48 private _voteExtension;

    /// @notice Proposal `proposalId`'s deadline was pushed back because it reached quorum late.
    event ProposalExtended(uint256 indexed proposalId, uint64 extendedDeadline);

    /// @notice The late-quorum extension changed.
    event LateQuorumVoteExtensionSet(uint64 oldVoteExtension, uint64 newVoteExtension);

    /// @param initialVoteExtension Minimum time voting stays open after quorum is reached.
    constructor(uint48 initialVoteExtension) {
        _setLateQuorumVoteExtension(initialVoteExtension);
    }

    /// @notice Timestamp at which voting on `proposalId` ends, extended if quorum was reached late.
    function proposalDeadline(uint256 proposalId) public view virtual override returns (uint256) {
        return Math.max(super.proposalDeadline(proposalId), _extendedDeadline(proposalId));
    }

    /// @notice Minimum time voting stays open after the vote that reaches quorum.
    function lateQuorumVoteExtension() public view virtual returns (uint48) {
        return _voteExtension;
    }

    /// @notice Change the late-quorum extension. Governance only (a constitutional decision).
    function setLateQuorumVoteExtension(uint48 newVoteExtension) public virtual onlyGovernance {
        _setLateQuorumVoteExtension(newVoteExtension);
    }

    /// @dev Records the extended deadline the first time a vote makes the proposal reach quorum.
    function _tallyUpdated(uint256 proposalId) internal virtual override {
        super._tallyUpdated(proposalId);
        if (_extendedDeadline(proposalId) == 0 && _quorumReached(proposalId)) {
            uint48 extendedDeadline = clock() + lateQuorumVoteExtension();
            if (extendedDeadline > proposalDeadline(proposalId)) {
                emit ProposalExtended(proposalId, extendedDeadline);
            }
            _setExtendedDeadline(proposalId, extendedDeadline);
        }
    }

    function _setLateQuorumVoteExtension(uint48 newVoteExtension) internal virtual {
        emit LateQuorumVoteExtensionSet(_voteExtension, newVoteExtension);
        _voteExtension = newVoteExtension;
    }

    /// @dev The proposal's extended deadline, 0 until its quorum is reached.
    function _extendedDeadline(uint256 proposalId) internal view virtual returns (uint48);

    /// @dev Store the proposal's extended deadline.
    function _setExtendedDeadline(uint256 proposalId, uint48 deadline) internal virtual;
}
