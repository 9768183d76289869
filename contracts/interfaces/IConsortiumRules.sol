// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/**
 * @title IConsortiumRules
 * @notice The decision rules a consortium agreement sets: per proposal category a participation quorum and an
 * approval threshold, whether voting closes early once the outcome is certain, and the floors no rule may go below.
 * Rules are checkpointed: a proposal is judged by the rules in force at its snapshot.
 */
interface IConsortiumRules {
    /// @notice Proposal categories, from least to most strict. The strictest action of a proposal decides.
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

    /// @notice The rule of one category: participation quorum (For + Against + Abstain, as a share of the voting
    /// power at the snapshot) and approval threshold (For as a share of For + Against).
    struct CategoryRule {
        Fraction quorum;
        Fraction approval;
    }

    /// @notice All rules in force from one timepoint on.
    struct RuleSet {
        CategoryRule[4] rules;
        bool earlyClose;
    }

    /// @notice The rules in force changed; they apply to proposals whose snapshot is at `effectiveFrom` or later.
    event RulesUpdated(uint256 indexed ruleSetId, uint48 effectiveFrom, RuleSet rules);

    /// @dev A fraction is malformed (zero denominator, above one) or below the agreement's floor.
    error RulesInvalid(Category category);
    /// @dev A category's rule is weaker than the rule of a less strict category.
    error RulesNotMonotonic(Category category);

    /// @notice The rules in force at `timepoint`.
    function rulesAt(uint256 timepoint) external view returns (RuleSet memory);

    /// @notice The rule of `category` and the early-close switch in force at `timepoint`.
    function ruleAt(uint256 timepoint, Category category) external view returns (CategoryRule memory, bool earlyClose);

    /// @notice The lowest quorum and approval threshold any rule may have, fixed at deployment.
    function ruleFloors() external view returns (Fraction memory minQuorum, Fraction memory minApproval);

    /// @notice Replace the rules; they apply to proposals whose snapshot is from now on. Governance only (a
    /// constitutional decision).
    function updateRules(RuleSet calldata rules) external;
}
