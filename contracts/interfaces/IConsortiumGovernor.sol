// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IConsortiumRules} from "./IConsortiumRules.sol";

/**
 * @title IConsortiumGovernor
 * @notice What the consortium governor adds to OpenZeppelin's {IGovernor}: proposal categories derived from the
 * actions, each judged by its category's quorum and approval threshold (the agreement's rules, kept by the
 * membership registry, see {IConsortiumRules}), and the consortium's protections (no capture through a weaker rule,
 * no freeze, a window to react).
 *
 * @dev Proposal ids: the governor's {IGovernor-getProposalId} is OpenZeppelin's `hashProposal` with its top three
 * bits replaced: bits 255..254 hold the proposal's category and bit 253 is set when the proposal suspends or removes
 * members (its quorum then leaves their power out, see {proposalQuorum}). The category is a pure function of the
 * actions, so the id stays computable in advance; tools must use {IGovernor-getProposalId} (as for OpenZeppelin's
 * GovernorSequentialProposalId) or the id in {IGovernor-ProposalCreated}, not `hashProposal`. Bit 252 is set for a
 * choice among options ({IChoiceManifest}).
 *
 * Choices and chambers (the governor's DecisionRules library): a proposal may offer 2 to 10 options, each with its
 * own actions or none; members vote For with `params = abi.encode(uint256[] options)` through
 * {IGovernor-castVoteWithReasonAndParams} (or its signed form), Against (none of them) or Abstain. The winner is the
 * qualifying option with the most support; only its actions are queued and executed. The options are described by
 * the proposal's first action, a manifest ({IChoiceManifest}). A category's rules may add
 * conditions on chambers of the membership ({IConsortiumRules-ChamberCondition}): each chamber's power at the snapshot
 * is the registry's {IConsortiumMembership-classPowerAt}, each vote's split by class its
 * {IConsortiumMembership-votesByClassAt}.
 */
interface IConsortiumGovernor {
    /// @notice `relayer` submitted `voter`'s signed ballot on `proposalId`; the {IGovernor-VoteCast} event that
    /// follows in the same transaction records the vote itself.
    event VoteRelayed(uint256 indexed proposalId, address indexed voter, address relayer);

    /// @dev `proposer` holds no vote in the consortium (not an active voting member).
    error GovernorProposerNotMember(address proposer);
    /// @dev `voter` is not an active voting member, or its vote was interrupted (suspension, resignation, role
    /// change) since the proposal's snapshot.
    error GovernorVoterNotActive(address voter);
    /// @dev `voter` held no voting power in this proposal's electorate at its snapshot.
    error GovernorNoVotingPower(address voter, uint256 snapshot);
    /// @dev No proposal `proposalId`.
    error GovernorUnknownProposal(uint256 proposalId);
    /// @dev The proposal names `account` in more than one suspension or removal.
    error GovernorDuplicateSanction(address account);
    /// @dev The governor's timelock is fixed: the membership registry is governed by it for good.
    error GovernorTimelockFixed();
    /// @dev The choice manifest is malformed: 2 to 10 labelled options, action counts that add up to the proposal's
    /// other actions (at most 255), 1 to (option count) selections.
    error GovernorInvalidChoice();
    /// @dev The choice lets a ballot select several options, but the rules in force do not allow approval voting.
    error GovernorApprovalVotingNotAllowed();
    /// @dev The ballot's options do not fit the proposal: options on a plain proposal or with Against or Abstain,
    /// none with For on a choice, an unknown option, options out of order or repeated, more than allowed.
    error GovernorInvalidOptions();

    /// @notice Number of options of `proposalId` and the most one ballot may select (0, 0 for a plain proposal).
    function proposalOptions(uint256 proposalId) external view returns (uint256 count, uint256 maxSelections);

    /// @notice Voting power for each option of `proposalId` (empty for a plain proposal).
    function optionVotes(uint256 proposalId) external view returns (uint256[] memory);

    /**
     * @notice Whether `proposalId` has a winner with the votes cast so far, and which option (0 for a plain
     * proposal): it meets the quorum, the approval threshold and every chamber condition, with more support than any
     * other option that does. Reverts before the snapshot.
     */
    function winningOption(uint256 proposalId) external view returns (bool decided, uint256 option);

    /// @notice The category the contract derives for these actions.
    function categorize(
        address[] calldata targets,
        uint256[] calldata values,
        bytes[] calldata calldatas
    ) external view returns (IConsortiumRules.Category);

    /// @notice The category of proposal `proposalId`.
    function proposalCategory(uint256 proposalId) external view returns (IConsortiumRules.Category);

    /**
     * @notice Votes needed for proposal `proposalId` to reach its quorum: its category's quorum share of the voting
     * power at the snapshot in the proposal's electorate (constitutional proposals count constitutional votes only),
     * leaving out the power of the members the proposal suspends or removes.
     * @dev Reverts (ERC5805FutureLookup) until the proposal's snapshot has passed: the electorate is not fixed before.
     */
    function proposalQuorum(uint256 proposalId) external view returns (uint256);
}
