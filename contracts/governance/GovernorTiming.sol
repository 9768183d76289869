// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Governor} from "@openzeppelin/contracts/governance/Governor.sol";

/**
 * @title GovernorTiming
 * @notice Extension of {Governor} for the voting delay and period, settable through governance, within bounds every
 * consortium keeps: a voting delay between an hour (a new proposal is seen before its electorate is fixed) and a year,
 * and a voting period between an hour and a year. The ceilings keep one decision from freezing governance for good
 * (a delay so long that no later proposal could ever be voted on).
 *
 * @dev OpenZeppelin's {GovernorSettings} without its proposal threshold (membership, not voting power, entitles a
 * member to propose, so the threshold is always 0): same functions, events and storage packing for the delay and
 * period, plus the bounds. Kept apart because the threshold's setter and storage are unused surface in a governor
 * that must stay small.
 */
abstract contract GovernorTiming is Governor {
    uint256 internal constant _MIN_VOTING_DELAY = 1 hours;
    uint256 internal constant _MAX_VOTING_DELAY = 365 days;
    uint256 internal constant _MIN_VOTING_PERIOD = 1 hours;
    uint256 internal constant _MAX_VOTING_PERIOD = 365 days;

    uint48 private _votingDelay;
    uint32 private _votingPeriod;

    /// @notice The voting delay changed.
    event VotingDelaySet(uint256 oldVotingDelay, uint256 newVotingDelay);
    /// @notice The voting period changed.
    event VotingPeriodSet(uint256 oldVotingPeriod, uint256 newVotingPeriod);

    /// @dev A voting delay or period outside the bounds.
    error GovernorInvalidTiming(uint256 value, uint256 min, uint256 max);

    /// @param initialVotingDelay Seconds from proposing to the snapshot (an hour to a year).
    /// @param initialVotingPeriod Seconds voting stays open (an hour to a year).
    constructor(uint48 initialVotingDelay, uint32 initialVotingPeriod) {
        _setVotingDelay(initialVotingDelay);
        _setVotingPeriod(initialVotingPeriod);
    }

    /// @notice Seconds between proposing and the snapshot at which voting starts.
    function votingDelay() public view virtual override returns (uint256) {
        return _votingDelay;
    }

    /// @notice Seconds voting stays open (before any late-quorum extension).
    function votingPeriod() public view virtual override returns (uint256) {
        return _votingPeriod;
    }

    /// @notice Change the voting delay (an hour to a year). Governance only (constitutional).
    function setVotingDelay(uint48 newVotingDelay) public virtual onlyGovernance {
        _setVotingDelay(newVotingDelay);
    }

    /// @notice Change the voting period (an hour to a year). Governance only (constitutional).
    function setVotingPeriod(uint32 newVotingPeriod) public virtual onlyGovernance {
        _setVotingPeriod(newVotingPeriod);
    }

    function _setVotingDelay(uint48 newVotingDelay) internal virtual {
        if (newVotingDelay < _MIN_VOTING_DELAY || newVotingDelay > _MAX_VOTING_DELAY) {
            revert GovernorInvalidTiming(newVotingDelay, _MIN_VOTING_DELAY, _MAX_VOTING_DELAY);
        }
        emit VotingDelaySet(_votingDelay, newVotingDelay);
        _votingDelay = newVotingDelay;
    }

    function _setVotingPeriod(uint32 newVotingPeriod) internal virtual {
        if (newVotingPeriod < _MIN_VOTING_PERIOD || newVotingPeriod > _MAX_VOTING_PERIOD) {
            revert GovernorInvalidTiming(newVotingPeriod, _MIN_VOTING_PERIOD, _MAX_VOTING_PERIOD);
        }
        emit VotingPeriodSet(_votingPeriod, newVotingPeriod);
        _votingPeriod = newVotingPeriod;
    }
}
