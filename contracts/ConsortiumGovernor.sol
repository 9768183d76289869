// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC5805} from "@openzeppelin/contracts/interfaces/IERC5805.sol";
import {Time} from "@openzeppelin/contracts/utils/types/Time.sol";
import {Governor} from "@openzeppelin/contracts/governance/Governor.sol";
import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";
import {GovernorVotes} from "@openzeppelin/contracts/governance/extensions/GovernorVotes.sol";
import {GovernorNoncesKeyed} from "@openzeppelin/contracts/governance/extensions/GovernorNoncesKeyed.sol";
import {Nonces} from "@openzeppelin/contracts/utils/Nonces.sol";
import {GovernorTimelockControl} from "@openzeppelin/contracts/governance/extensions/GovernorTimelockControl.sol";
import {GovernorProposalRecord} from "./governance/GovernorProposalRecord.sol";
import {GovernorTiming} from "./governance/GovernorTiming.sol";
import {GovernorCategoryRules} from "./governance/GovernorCategoryRules.sol";
import {GovernorEarlyClose} from "./governance/GovernorEarlyClose.sol";
import {GovernorLateQuorum} from "./governance/GovernorLateQuorum.sol";
import {GovernorMembershipGate} from "./governance/GovernorMembershipGate.sol";
import {GovernorMemberCounting} from "./governance/GovernorMemberCounting.sol";
import {GovernorChambersAndChoices} from "./governance/GovernorChambersAndChoices.sol";

/**
 * @title ConsortiumGovernor
 * @notice The consortium's proposals and votes: OpenZeppelin's {Governor} with the timestamp clock of the
 * membership registry, votes by EIP-712 signature with nonces keyed by proposal (so any number of ballots can be
 * signed ahead and relayed in any order), the timelock as executor, and the consortium extensions: rules by category
 * derived from the actions ({GovernorCategoryRules}), early close once the outcome is certain ({GovernorEarlyClose}),
 * a late-quorum extension ({GovernorLateQuorum}), members-only proposing ({GovernorMembershipGate}),
 * For/Against/Abstain counting of members, one vote each ({GovernorMemberCounting}), and conditions on chambers of
 * the membership and choices among options ({GovernorChambersAndChoices}).
 *
 * Every consortium keeps a window to react: a voting delay of at least an hour and a voting period of at least an hour
 * ({GovernorTiming}); the timelock adds at least a day before execution.
 *
 * @dev The {IGovernor} interface is intact, so standard Governor tooling works; proposal ids carry the category
 * (see {IConsortiumGovernor}), so use {getProposalId}. {quorum} reports the ordinary category's quorum;
 * {proposalQuorum} the quorum a given proposal must reach. A relayed ballot emits {VoteRelayed} before its
 * {VoteCast}, so relayed votes are known from the logs alone.
 */
contract ConsortiumGovernor is
    Governor,
    GovernorTiming,
    GovernorVotes,
    GovernorNoncesKeyed,
    GovernorMemberCounting,
    GovernorLateQuorum,
    GovernorMembershipGate,
    GovernorCategoryRules,
    GovernorEarlyClose,
    GovernorChambersAndChoices,
    GovernorTimelockControl
{
    string private constant _CLOCK_MODE = "mode=timestamp";

    /// @notice Deployment parameters, taken from the consortium agreement.
    struct Config {
        string name;
        uint48 votingDelay;
        uint32 votingPeriod;
        uint48 lateQuorumExtension;
    }

    /**
     * @param registry The membership registry (voting-power source, timestamp clock).
     * @param timelock_ The timelock that executes passed proposals and holds the treasury.
     * @param config Name (the EIP-712 domain name: at most 31 bytes), voting delay and period, late-quorum
     * extension (at most the voting period). The decision rules are the registry's ({IConsortiumRules}).
     */
    constructor(
        IERC5805 registry,
        TimelockController timelock_,
        Config memory config
    )
        Governor(config.name)
        GovernorTiming(config.votingDelay, config.votingPeriod)
        GovernorVotes(registry)
        GovernorLateQuorum(config.lateQuorumExtension)
        GovernorTimelockControl(timelock_)
    {}

    /// @notice The current timepoint: the block's timestamp. The registry ({ConsortiumMembership}, deployed with this
    /// governor; its address is fixed) keeps the same timestamp clock, so the governor reads it without a call.
    function clock() public view override(Governor, GovernorVotes) returns (uint48) {
        return Time.timestamp();
    }

    /// @notice Machine-readable description of the clock (ERC-6372): `mode=timestamp`, as the registry's.
    // solhint-disable-next-line func-name-mixedcase
    function CLOCK_MODE() public pure override(Governor, GovernorVotes) returns (string memory) {
        return _CLOCK_MODE;
    }

    /// @notice Always reverts: the membership registry is governed by this governor's timelock for good.
    function updateTimelock(TimelockController) public pure override {
        revert GovernorTimelockFixed();
    }

    // ------------------------------------------------------------------ relayed ballots

    function _validateVoteSig(
        uint256 proposalId,
        uint8 support,
        address voter,
        bytes memory signature
    ) internal override(Governor, GovernorNoncesKeyed) returns (bool valid) {
        valid = super._validateVoteSig(proposalId, support, voter, signature);
        if (valid) emit VoteRelayed(proposalId, voter, _msgSender());
    }

    function _validateExtendedVoteSig(
        uint256 proposalId,
        uint8 support,
        address voter,
        string memory reason,
        bytes memory params,
        bytes memory signature
    ) internal override(Governor, GovernorNoncesKeyed) returns (bool valid) {
        valid = super._validateExtendedVoteSig(proposalId, support, voter, reason, params, signature);
        if (valid) emit VoteRelayed(proposalId, voter, _msgSender());
    }

    // ------------------------------------------------------------------ hooks of the consortium extensions

    function _membershipRegistry()
        internal
        view
        override(GovernorProposalRecord, GovernorMembershipGate)
        returns (address)
    {
        return address(token());
    }

    // ------------------------------------------------------------------ required overrides

    function _afterRecordOpened(
        uint256 proposalId,
        uint256 chambers
    ) internal override(GovernorProposalRecord, GovernorCategoryRules, GovernorChambersAndChoices) {
        super._afterRecordOpened(proposalId, chambers);
    }

    function _leftOutMembers(
        uint256 proposalId
    ) internal view override(GovernorProposalRecord, GovernorCategoryRules) returns (address[] memory) {
        return super._leftOutMembers(proposalId);
    }

    function _countBallot(
        uint256 proposalId,
        ProposalRecord memory record,
        address account,
        uint8 support,
        bytes memory params,
        uint256 weight,
        uint256 voterState
    ) internal override(GovernorProposalRecord, GovernorChambersAndChoices) {
        super._countBallot(proposalId, record, account, support, params, weight, voterState);
    }

    /**
     * @dev A choice, or a proposal with chamber conditions, is judged by {GovernorChambersAndChoices}; unless the
     * vote just counted left every chamber's verdict as it was: the outcome is then the category's own, unless that
     * has passed (the chambers must still hold with all uncast power against them).
     */
    function _certainOutcome(
        uint256 proposalId,
        ProposalRecord memory record
    ) internal view override(GovernorProposalRecord, GovernorEarlyClose) returns (Outcome) {
        if (!_judgedHere(proposalId, record)) return super._certainOutcome(proposalId, record);
        if (_chambersSettledByVote(proposalId)) {
            Outcome overall = super._certainOutcome(proposalId, record);
            if (overall != Outcome.Passed) return overall;
        }
        return _decisionCertainOutcome(proposalId);
    }

    /// @dev The category's quorum, and with chamber conditions every chamber's ({GovernorChambersAndChoices}, asked
    /// only once the category's is reached).
    function _quorumReached(uint256 proposalId) internal view override(Governor, GovernorCategoryRules) returns (bool) {
        return super._quorumReached(proposalId) && (!_chambered(proposalId) || _decisionQuorumReached(proposalId));
    }

    /// @dev A choice, or a proposal with chamber conditions, is judged by {GovernorChambersAndChoices}.
    function _voteSucceeded(uint256 proposalId) internal view override(Governor, GovernorCategoryRules) returns (bool) {
        if (_judgedHere(proposalId)) return _decisionSucceeded(proposalId);
        return super._voteSucceeded(proposalId);
    }

    function _quorumBase(
        uint256 proposalId
    ) internal view override(GovernorProposalRecord, GovernorCategoryRules) returns (uint256) {
        return super._quorumBase(proposalId);
    }

    function _useCheckedNonce(address owner, uint256 nonce) internal override(Nonces, GovernorNoncesKeyed) {
        super._useCheckedNonce(owner, nonce);
    }

    /// @notice The proposal id: `hashProposal` with the category in its top bits. See {GovernorCategoryRules}.
    function getProposalId(
        address[] memory targets,
        uint256[] memory values,
        bytes[] memory calldatas,
        bytes32 descriptionHash
    ) public view override(Governor, GovernorCategoryRules) returns (uint256) {
        return super.getProposalId(targets, values, calldatas, descriptionHash);
    }

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

    function _propose(
        address[] memory targets,
        uint256[] memory values,
        bytes[] memory calldatas,
        string memory description,
        address proposer
    ) internal override(Governor, GovernorMembershipGate, GovernorCategoryRules, GovernorChambersAndChoices) returns (uint256) {
        return super._propose(targets, values, calldatas, description, proposer);
    }

    function _castVote(
        uint256 proposalId,
        address account,
        uint8 support,
        string memory reason,
        bytes memory params
    ) internal override(Governor, GovernorMemberCounting) returns (uint256) {
        return super._castVote(proposalId, account, support, reason, params);
    }

    function _tallyUpdated(uint256 proposalId) internal override(Governor, GovernorLateQuorum, GovernorEarlyClose) {
        super._tallyUpdated(proposalId);
    }

    function _queueOperations(
        uint256 proposalId,
        address[] memory targets,
        uint256[] memory values,
        bytes[] memory calldatas,
        bytes32 descriptionHash
    ) internal override(Governor, GovernorTimelockControl) returns (uint48) {
        (targets, values, calldatas) = _decidedActions(proposalId, targets, values, calldatas);
        return super._queueOperations(
            proposalId,
            targets,
            values,
            calldatas,
            _operationDescription(proposalId, descriptionHash)
        );
    }

    function _executeOperations(
        uint256 proposalId,
        address[] memory targets,
        uint256[] memory values,
        bytes[] memory calldatas,
        bytes32 descriptionHash
    ) internal override(Governor, GovernorTimelockControl) {
        (targets, values, calldatas) = _decidedActions(proposalId, targets, values, calldatas);
        super._executeOperations(
            proposalId,
            targets,
            values,
            calldatas,
            _operationDescription(proposalId, descriptionHash)
        );
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
