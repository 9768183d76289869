// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Governor} from "@openzeppelin/contracts/governance/Governor.sol";
import {IConsortiumMembership} from "../interfaces/IConsortiumMembership.sol";
import {IConsortiumGovernor} from "../interfaces/IConsortiumGovernor.sol";

/**
 * @title GovernorMembershipGate
 * @notice Extension of {Governor} that admits only consortium members: proposers must be active members with a
 * vote, and voters must be active members (not suspended, resigned or removed) holding power at the snapshot.
 *
 * @dev Voting power itself is still read at the proposal's snapshot; this gate only adds the requirement that the
 * voter is an active member when it votes, so a member suspended or gone after the snapshot cannot vote.
 */
abstract contract GovernorMembershipGate is Governor {
    /// @dev `voter` held no voting power at the proposal's snapshot.
    error GovernorNoVotingPower(address voter, uint256 snapshot);

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

    /// @dev Only an active member with power at the snapshot may vote. See {Governor-_castVote}.
    function _castVote(
        uint256 proposalId,
        address account,
        uint8 support,
        string memory reason,
        bytes memory params
    ) internal virtual override returns (uint256 weight) {
        if (!IConsortiumMembership(_membershipRegistry()).isActiveMember(account)) {
            revert IConsortiumGovernor.GovernorVoterNotActive(account);
        }
        weight = super._castVote(proposalId, account, support, reason, params);
        if (weight == 0) revert GovernorNoVotingPower(account, proposalSnapshot(proposalId));
    }
}
