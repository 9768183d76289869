// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Governor} from "@openzeppelin/contracts/governance/Governor.sol";
import {GovernorProposalRecord} from "../../../contracts/governance/GovernorProposalRecord.sol";
import {GovernorEarlyClose} from "../../../contracts/governance/GovernorEarlyClose.sol";
import {GovernorStub} from "./GovernorStub.sol";

/**
 * @notice {GovernorEarlyClose} on a stub governor: the test sets a proposal's basis (electorate, rule, switch), its
 * quorum base (the electorate less sanctioned power) and its tallies, and reads the certain outcome.
 */
contract EarlyCloseHarness is GovernorStub, GovernorEarlyClose {
    uint256 public basisElectorate;
    uint256 public basisRule;
    bool public basisEarlyClose;
    mapping(uint256 proposalId => uint256) private _excluded;

    function setBasis(uint256 electorate, uint256 rule, bool earlyClose) external {
        (basisElectorate, basisRule, basisEarlyClose) = (electorate, rule, earlyClose);
    }

    /// @dev Leave `power` out of the proposal's quorum base, as a sanction proposal does.
    function setExcluded(uint256 proposalId, uint256 power) external {
        _excluded[proposalId] = power;
    }

    /// @dev Set the tallies (opening the record with the basis first, as a first vote does).
    function setTally(uint256 proposalId, uint32 againstVotes, uint32 forVotes, uint32 abstainVotes) external {
        ProposalRecord memory r = _proposalRecord(proposalId);
        if (r.electorate == 0) _openRecord(proposalId, r);
        (r.againstVotes, r.forVotes, r.abstainVotes) = (againstVotes, forVotes, abstainVotes);
        _setProposalRecord(proposalId, r);
    }

    function proposeSignal(string calldata description) external returns (uint256) {
        address[] memory targets = new address[](1);
        uint256[] memory values = new uint256[](1);
        bytes[] memory calldatas = new bytes[](1);
        return propose(targets, values, calldatas, description);
    }

    function certainOutcome(uint256 proposalId) external view returns (Outcome) {
        return _certainOutcome(proposalId, _proposalRecord(proposalId));
    }

    function tallyUpdated(uint256 proposalId) external {
        _tallyUpdated(proposalId);
    }

    function outcome(uint256 proposalId) external view returns (Outcome) {
        return _proposalOutcome(proposalId);
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

    function _usesConstitutionalVotes(uint256) internal pure override returns (bool) {
        return false;
    }

    function _quorumBase(uint256 proposalId) internal view override returns (uint256) {
        return super._quorumBase(proposalId) - _excluded[proposalId];
    }

    function state(uint256 proposalId) public view override(Governor, GovernorEarlyClose) returns (ProposalState) {
        return super.state(proposalId);
    }

    function _tallyUpdated(uint256 proposalId) internal override(Governor, GovernorEarlyClose) {
        super._tallyUpdated(proposalId);
    }
}
