// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Governor} from "@openzeppelin/contracts/governance/Governor.sol";
import {IConsortiumMembership} from "../interfaces/IConsortiumMembership.sol";
import {IConsortiumGovernor} from "../interfaces/IConsortiumGovernor.sol";

/**
 * @title GovernorMembershipGate
 * @notice Extension of {Governor} that lets only consortium members propose: the proposer must be an active
 * member with a vote. (Who may vote is {GovernorMemberCounting}'s concern.)
 */
abstract contract GovernorMembershipGate is Governor {
    /// @dev The membership registry.
    function _membershipRegistry() internal view virtual returns (address);

    /// @dev Only an active member with a vote may propose. See {Governor-_propose}.
    function _propose(
        address[] memory targets,
        uint256[] memory values,
        bytes[] memory calldatas,
        string memory description,
        address proposer
    ) internal virtual override returns (uint256) {
        if (IConsortiumMembership(_membershipRegistry()).votingUnitsOf(proposer) == 0) {
            revert IConsortiumGovernor.GovernorProposerNotMember(proposer);
        }
        return super._propose(targets, values, calldatas, description, proposer);
    }
}
