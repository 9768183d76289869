// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC5805} from "@openzeppelin/contracts/interfaces/IERC5805.sol";
import {Governor} from "@openzeppelin/contracts/governance/Governor.sol";
import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";
import {GovernorSettings} from "@openzeppelin/contracts/governance/extensions/GovernorSettings.sol";
import {GovernorVotes} from "@openzeppelin/contracts/governance/extensions/GovernorVotes.sol";
import {GovernorTimelockControl} from "@openzeppelin/contracts/governance/extensions/GovernorTimelockControl.sol";
import {GovernorCategoryRules} from "./governance/GovernorCategoryRules.sol";
import {GovernorEarlyClose} from "./governance/GovernorEarlyClose.sol";
import {GovernorLateQuorum} from "./governance/GovernorLateQuorum.sol";
import {GovernorMembershipGate} from "./governance/GovernorMembershipGate.sol";
import {GovernorMemberCounting} from "./governance/GovernorMemberCounting.sol";

/**
 * @title ConsortiumGovernor
 * @notice The consortium's proposals and votes: OpenZeppelin's {Governor} with the timestamp clock of the
 * membership registry, votes by EIP-712 signature, the timelock as executor, a late-quorum extension, and four
 * consortium extensions: rules by category derived from the actions ({GovernorCategoryRules}), early close once
 * the outcome is certain ({GovernorEarlyClose}), members-only proposing ({GovernorMembershipGate}) and
 * For/Against/Abstain counting of active members, one vote each ({GovernorMemberCounting}).
 *
 * @dev The {IGovernor} interface is intact, so standard Governor tooling works. {quorum} reports the ordinary
 * category's quorum; {proposalQuorum} the quorum a given proposal must reach.
 */
contract ConsortiumGovernor is
    Governor,
    GovernorSettings,
    GovernorMemberCounting,
    GovernorVotes,
    GovernorLateQuorum,
    GovernorMembershipGate,
    GovernorCategoryRules,
    GovernorEarlyClose,
    GovernorTimelockControl
{
    /// @notice Deployment parameters, taken from the consortium agreement.
    struct Config {
        string name;
        uint48 votingDelay;
        uint32 votingPeriod;
        uint48 lateQuorumExtension;
        CategoryRule floors;
        RuleSet rules;
    }

    /**
     * @param registry The membership registry (voting-power source, timestamp clock).
     * @param timelock_ The timelock that executes passed proposals and holds the treasury.
     * @param config Name, voting delay and period, late-quorum extension, rule floors and initial rules.
     */
    constructor(
        IERC5805 registry,
        TimelockController timelock_,
        Config memory config
    )
        Governor(config.name)
        GovernorSettings(config.votingDelay, config.votingPeriod, 0)
        GovernorVotes(registry)
        GovernorLateQuorum(config.lateQuorumExtension)
        GovernorCategoryRules(config.floors, config.rules)
        GovernorTimelockControl(timelock_)
    {}

    // ------------------------------------------------------------------ hooks of the consortium extensions

    function _membershipRegistry()
        internal
        view
        override(GovernorMembershipGate, GovernorMemberCounting, GovernorCategoryRules)
        returns (address)
    {
        return address(token());
    }

    function _extendedDeadline(
        uint256 proposalId
    ) internal view override(GovernorLateQuorum, GovernorCategoryRules) returns (uint48) {
        return super._extendedDeadline(proposalId);
    }

    function _setExtendedDeadline(
        uint256 proposalId,
        uint48 deadline
    ) internal override(GovernorLateQuorum, GovernorCategoryRules) {
        super._setExtendedDeadline(proposalId, deadline);
    }

    function _totalPowerAt(
        uint256 timepoint
    ) internal view override(GovernorMemberCounting, GovernorCategoryRules) returns (uint256) {
        return token().getPastTotalSupply(timepoint);
    }

    function _votedElectorate(
        uint256 proposalId
    ) internal view override(GovernorMemberCounting, GovernorCategoryRules) returns (uint256) {
        return super._votedElectorate(proposalId);
    }

    // ------------------------------------------------------------------ required overrides

    /// @notice The proposal's state, following OpenZeppelin's lifecycle (with early close and the timelock).
    function state(
        uint256 proposalId
    ) public view override(Governor, GovernorEarlyClose, GovernorTimelockControl) returns (ProposalState) {
        return super.state(proposalId);
    }

    /// @notice Timestamp at which voting on `proposalId` ends, extended if quorum was reached late.
    function proposalDeadline(
        uint256 proposalId
    ) public view override(Governor, GovernorLateQuorum) returns (uint256) {
        return super.proposalDeadline(proposalId);
    }

    /// @notice Whether proposals must be queued in the timelock before execution (always true).
    function proposalNeedsQueuing(
        uint256 proposalId
    ) public view override(Governor, GovernorTimelockControl) returns (bool) {
        return super.proposalNeedsQueuing(proposalId);
    }

    /// @notice Seconds between proposing and the snapshot at which voting starts.
    function votingDelay() public view override(Governor, GovernorSettings) returns (uint256) {
        return super.votingDelay();
    }

    /// @notice Seconds voting stays open (before any late-quorum extension).
    function votingPeriod() public view override(Governor, GovernorSettings) returns (uint256) {
        return super.votingPeriod();
    }

    /// @notice Votes needed to propose: 0, as membership (checked separately) is what entitles to propose.
    function proposalThreshold() public view override(Governor, GovernorSettings) returns (uint256) {
        return super.proposalThreshold();
    }

    /// @inheritdoc GovernorCategoryRules
    function quorum(uint256 timepoint) public view override(Governor, GovernorCategoryRules) returns (uint256) {
        return super.quorum(timepoint);
    }

    /// @notice Against, For and Abstain votes cast on `proposalId`.
    function proposalVotes(
        uint256 proposalId
    )
        public
        view
        override(GovernorMemberCounting, GovernorCategoryRules)
        returns (uint256 againstVotes, uint256 forVotes, uint256 abstainVotes)
    {
        return super.proposalVotes(proposalId);
    }

    function _quorumReached(
        uint256 proposalId
    ) internal view override(Governor, GovernorCategoryRules) returns (bool) {
        return super._quorumReached(proposalId);
    }

    function _voteSucceeded(
        uint256 proposalId
    ) internal view override(Governor, GovernorCategoryRules) returns (bool) {
        return super._voteSucceeded(proposalId);
    }

    function _propose(
        address[] memory targets,
        uint256[] memory values,
        bytes[] memory calldatas,
        string memory description,
        address proposer
    ) internal override(Governor, GovernorMembershipGate, GovernorCategoryRules) returns (uint256) {
        return super._propose(targets, values, calldatas, description, proposer);
    }

    function _tallyUpdated(
        uint256 proposalId
    ) internal override(Governor, GovernorLateQuorum, GovernorCategoryRules) {
        super._tallyUpdated(proposalId);
    }

    function _queueOperations(
        uint256 proposalId,
        address[] memory targets,
        uint256[] memory values,
        bytes[] memory calldatas,
        bytes32 descriptionHash
    ) internal override(Governor, GovernorTimelockControl) returns (uint48) {
        return super._queueOperations(proposalId, targets, values, calldatas, descriptionHash);
    }

    function _executeOperations(
        uint256 proposalId,
        address[] memory targets,
        uint256[] memory values,
        bytes[] memory calldatas,
        bytes32 descriptionHash
    ) internal override(Governor, GovernorTimelockControl) {
        super._executeOperations(proposalId, targets, values, calldatas, descriptionHash);
    }

    function _cancel(
        address[] memory targets,
        uint256[] memory values,
        bytes[] memory calldatas,
        bytes32 descriptionHash
    ) internal override(Governor, GovernorTimelockControl) returns (uint256) {
        return super._cancel(targets, values, calldatas, descriptionHash);
    }

    function _executor() internal view override(Governor, GovernorTimelockControl) returns (address) {
        return super._executor();
    }
}
