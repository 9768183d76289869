// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/**
 * @title IConsortiumGovernor
 * @notice What the consortium governor adds to OpenZeppelin's {IGovernor}: proposal categories derived from the
 * actions, per-category participation quorum and approval threshold, and the rules' history.
 */
interface IConsortiumGovernor {
    /// @notice Proposal categories, from least to most strict. The strictest action decides.
    enum Category {
        Ordinary,
        Treasury,
        Membership,
        Constitutional
    }

    /// @notice An exact share, such as 2/3.
    struct Fraction {
        uint16 numerator;
        uint16 denominator;
    }

    /// @notice The rule of one category: participation quorum (For + Against + Abstain, as a share of the total
    /// voting power at the snapshot) and approval threshold (For as a share of For + Against).
    struct CategoryRule {
        Fraction quorum;
        Fraction approval;
    }

    /// @notice All rules in force from one timepoint on.
    struct RuleSet {
        CategoryRule[4] rules;
        bool earlyClose;
    }

    /// @notice The rules in force changed; they apply to proposals created from `effectiveFrom` on.
    event RulesUpdated(uint256 indexed ruleSetId, uint48 effectiveFrom, RuleSet rules);

    /// @notice Proposal `proposalId` falls into `category`.
    event ProposalCategorized(uint256 indexed proposalId, Category category);

    /// @dev `proposer` holds no vote in the consortium (not an active voting member).
    error GovernorProposerNotMember(address proposer);
    /// @dev `voter` is not an active member and cannot vote.
    error GovernorVoterNotActive(address voter);
    /// @dev A fraction is malformed (zero denominator, above one) or below the agreement's floor.
    error GovernorInvalidRule(Category category);
    /// @dev A category's rule is weaker than the rule of a less strict category.
    error GovernorRulesNotMonotonic(Category category);
    /// @dev No proposal `proposalId`.
    error GovernorUnknownProposal(uint256 proposalId);

    /// @notice The category the contract derives for these actions.
    function categorize(address[] calldata targets, uint256[] calldata values, bytes[] calldata calldatas)
        external
        view
        returns (Category);

    /// @notice The category of proposal `proposalId`.
    function proposalCategory(uint256 proposalId) external view returns (Category);

    /// @notice The rule proposal `proposalId` is judged by (the rule of its category in force when it was created).
    function proposalRule(uint256 proposalId) external view returns (CategoryRule memory);

    /// @notice Votes needed for proposal `proposalId` to reach its quorum.
    /// @dev Reverts (ERC5805FutureLookup) until the proposal's snapshot has passed: the electorate is not fixed before.
    function proposalQuorum(uint256 proposalId) external view returns (uint256);

    /// @notice The rules in force at `timepoint`.
    function rulesAt(uint256 timepoint) external view returns (RuleSet memory);

    /// @notice The lowest quorum and approval threshold any rule may have, fixed at deployment.
    function ruleFloors() external view returns (Fraction memory minQuorum, Fraction memory minApproval);

    /// @notice Replace the rules; they apply to proposals created from now on. Governance only, and always a
    /// constitutional decision.
    function updateRules(RuleSet calldata rules) external;
}
