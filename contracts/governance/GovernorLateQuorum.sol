// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {GovernorProposalRecord} from "./GovernorProposalRecord.sol";

/**
 * @title GovernorLateQuorum
 * @notice Extension of {Governor} that gives members time to respond when a proposal reaches its quorum late: the
 * voting period then lasts at least {lateQuorumVoteExtension} after the vote that reached it. The extension is
 * capped at one voting period.
 *
 * @dev A copy of OpenZeppelin 5.7's {GovernorPreventLateQuorum}: same functions, events, error, behaviour and cap
 * (audit M-03). It remains a copy for one reason: OpenZeppelin keeps the extended deadline in a mapping of its own,
 * which costs the vote that reaches quorum a fresh storage slot (about 20,000 gas); here it is kept in the
 * proposal's record ({GovernorProposalRecord}), a slot every vote already writes.
 */
abstract contract GovernorLateQuorum is GovernorProposalRecord {
    uint48 private _voteExtension;

    /// @notice Proposal `proposalId`'s deadline was pushed back because it reached quorum late.
    event ProposalExtended(uint256 indexed proposalId, uint64 extendedDeadline);

    /// @notice The late-quorum extension changed.
    event LateQuorumVoteExtensionSet(uint64 oldVoteExtension, uint64 newVoteExtension);

    /// @dev The extension would exceed {_maxLateQuorumVoteExtension} (the voting period).
    error GovernorPreventLateQuorumVoteExtensionTooLarge(uint256 newVoteExtension, uint256 maxVoteExtension);

    /// @param initialVoteExtension Minimum time voting stays open after quorum is reached; at most the voting period.
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

    /// @notice Change the late-quorum extension, at most one voting period. Governance only (constitutional).
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

    /// @dev Upper bound of the extension: the voting period (OpenZeppelin's default).
    function _maxLateQuorumVoteExtension() internal view virtual returns (uint256) {
        return votingPeriod();
    }

    function _setLateQuorumVoteExtension(uint48 newVoteExtension) internal virtual {
        uint256 maxVoteExtension = _maxLateQuorumVoteExtension();
        if (newVoteExtension > maxVoteExtension) {
            revert GovernorPreventLateQuorumVoteExtensionTooLarge(newVoteExtension, maxVoteExtension);
        }
        emit LateQuorumVoteExtensionSet(_voteExtension, newVoteExtension);
        _voteExtension = newVoteExtension;
    }
}
