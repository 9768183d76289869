// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC5805} from "@openzeppelin/contracts/interfaces/IERC5805.sol";
import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";
import {ConsortiumGovernor} from "../../../contracts/ConsortiumGovernor.sol";
import {IConsortiumRules} from "../../../contracts/interfaces/IConsortiumRules.sol";

/**
 * @notice The real {ConsortiumGovernor} with a few internals exposed: the category and sanctioned member of one
 * call, the quorum base, the voted bitmap and the record. Nothing is overridden.
 */
contract GovernorHarness is ConsortiumGovernor {
    constructor(IERC5805 registry, TimelockController timelock_, Config memory config)
        ConsortiumGovernor(registry, timelock_, config)
    {}

    function categorizeCall(address target, uint256 value, bytes memory data)
        external
        view
        returns (IConsortiumRules.Category, address)
    {
        return _categorizeCall(target, value, data);
    }

    function quorumBase(uint256 proposalId) external view returns (uint256) {
        return _quorumBase(proposalId);
    }

    function hasVotedIndex(uint256 proposalId, uint256 index) external view returns (bool) {
        return _hasVotedIndex(proposalId, index);
    }

    function proposalRecord(uint256 proposalId) external view returns (ProposalRecord memory) {
        return _proposalRecord(proposalId);
    }
}
