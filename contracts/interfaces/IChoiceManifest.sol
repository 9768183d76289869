// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/**
 * @title IChoiceManifest
 * @notice The manifest of a choice proposal: the proposal's first action is a call of {offerOptions} to the governor
 * itself, without value, that is never executed (the governor has no such function, so it would revert). It names
 * the options, how many of the following actions each owns (in order; 0 for a text-only option) and how many options
 * one ballot may select (1: a single choice; more: approval voting). Indexers read it from the proposal's actions in
 * {IGovernor-ProposalCreated}.
 */
interface IChoiceManifest {
    /// @notice Options `labels` (2 to 10), each owning the next `actionCounts[i]` actions; at most `maxSelections`
    /// options per ballot.
    function offerOptions(string[] calldata labels, uint256[] calldata actionCounts, uint256 maxSelections) external;
}
