// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {GovernorProposalRecord} from "../../../contracts/governance/GovernorProposalRecord.sol";
import {GovernorStub} from "./GovernorStub.sol";

/**
 * @notice {GovernorProposalRecord} on a stub governor, with its internal accessors exposed. The proposal's basis
 * (electorate, rule, early-close switch) is whatever the test sets with {setBasis}.
 */
contract ProposalRecordHarness is GovernorStub, GovernorProposalRecord {
    uint256 public basisElectorate;
    uint256 public basisRule;
    bool public basisEarlyClose;
    uint256 public openedCalls;

    function setBasis(uint256 electorate, uint256 rule, bool earlyClose) external {
        (basisElectorate, basisRule, basisEarlyClose) = (electorate, rule, earlyClose);
    }

    /// @dev A real proposal (a signal), so {proposalSnapshot} is set.
    function proposeSignal(string calldata description) external returns (uint256) {
        address[] memory targets = new address[](1);
        uint256[] memory values = new uint256[](1);
        bytes[] memory calldatas = new bytes[](1);
        return propose(targets, values, calldatas, description);
    }

    // ------------------------------------------------------------------ hooks

    function _membershipRegistry() internal pure override returns (address) {
        return address(0);
    }

    function _snapshotBasis(uint256) internal view override returns (uint256, uint256, bool, uint256) {
        return (basisElectorate, basisRule, basisEarlyClose, 0);
    }

    function _leftOutMembers(uint256) internal pure override returns (address[] memory) {
        return new address[](0);
    }

    function _afterRecordOpened(uint256 proposalId, uint256 chambers) internal override {
        super._afterRecordOpened(proposalId, chambers);
        ++openedCalls;
    }

    function _certainOutcome(uint256, ProposalRecord memory) internal pure override returns (Outcome) {
        return Outcome.Open;
    }

    function _usesConstitutionalVotes(uint256) internal pure override returns (bool) {
        return false;
    }

    // ------------------------------------------------------------------ exposed

    function record(uint256 proposalId) external view returns (ProposalRecord memory) {
        return _proposalRecord(proposalId);
    }

    function setRecord(uint256 proposalId, ProposalRecord memory r) external {
        _setProposalRecord(proposalId, r);
    }

    /// @dev What a first vote does: open the record in memory, then store it.
    function openRecord(uint256 proposalId) external returns (ProposalRecord memory r) {
        r = _proposalRecord(proposalId);
        _openRecord(proposalId, r);
        _setProposalRecord(proposalId, r);
    }

    function recordOpened(uint256 proposalId) external view returns (bool) {
        return _recordOpened(proposalId);
    }

    function proposalBasis(uint256 proposalId) external view returns (uint256, uint256, bool) {
        return _proposalBasis(proposalId);
    }

    function quorumBase(uint256 proposalId) external view returns (uint256) {
        return _quorumBase(proposalId);
    }

    function tally(uint256 proposalId) external view returns (uint256, uint256, uint256) {
        return _proposalTally(proposalId);
    }

    function outcome(uint256 proposalId) external view returns (Outcome) {
        return _proposalOutcome(proposalId);
    }

    function setOutcome(uint256 proposalId, Outcome o) external {
        _setProposalOutcome(proposalId, o);
    }

    function extendedDeadline(uint256 proposalId) external view returns (uint256) {
        return _extendedDeadline(proposalId);
    }

    function setExtendedDeadline(uint256 proposalId, uint256 deadline) external {
        _setExtendedDeadline(proposalId, deadline);
    }

    function hasVotedIndex(uint256 proposalId, uint256 index) external view returns (bool) {
        return _hasVotedIndex(proposalId, index);
    }

    /// @dev What a vote does: mark the voter in the record (stored afterwards) or in its word.
    function markVoted(uint256 proposalId, uint256 index) external returns (bool marked) {
        ProposalRecord memory r = _proposalRecord(proposalId);
        marked = _markVoted(proposalId, r, index);
        _setProposalRecord(proposalId, r);
    }

    /// @dev {_markVoted} without storing the record: the low bits live in the caller's copy until it stores it.
    function markVotedUnstored(uint256 proposalId, uint256 index) external returns (bool marked, uint24 votedLow) {
        ProposalRecord memory r = _proposalRecord(proposalId);
        marked = _markVoted(proposalId, r, index);
        votedLow = r.votedLow;
    }
}
