// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Governor} from "@openzeppelin/contracts/governance/Governor.sol";
import {GovernorCategoryRules} from "./GovernorCategoryRules.sol";

/**
 * @title GovernorEarlyClose
 * @notice Extension of {Governor} that closes voting as soon as the outcome can no longer change: the uncast
 * voting power could not flip it. A proposal that has certainly passed becomes `Succeeded` (and can be queued)
 * before its deadline; one that has certainly failed becomes `Defeated`.
 *
 * @dev Whether early close applies is part of the rules in force when the proposal was created (kept in its
 * record by {GovernorCategoryRules}), so enabling it never affects proposals opened before.
 * NOTE: once closed early, remaining members can no longer vote on the proposal.
 */
abstract contract GovernorEarlyClose is GovernorCategoryRules {
    /// @notice The proposal's state, with voting closed early once its outcome is certain.
    function state(uint256 proposalId) public view virtual override returns (ProposalState) {
        ProposalState current = super.state(proposalId);
        if (current != ProposalState.Active) return current;

        Outcome outcome = _decidedOutcome(proposalId);
        if (outcome == Outcome.Open) return ProposalState.Active;
        if (outcome == Outcome.Failed) return ProposalState.Defeated;
        return proposalEta(proposalId) == 0 ? ProposalState.Succeeded : ProposalState.Queued;
    }
}
