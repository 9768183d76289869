// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/**
 * @title IConsortiumRules
 * @notice The decision rules a consortium agreement sets: per proposal category a participation quorum and an
 * approval threshold, conditions on chambers of the membership (founding partners, stakeholder groups, ...), whether
 * voting closes early once the outcome is certain, and the floors no rule may go below (including the chamber
 * conditions the agreement entrenches). Rules are checkpointed: a proposal is judged by the rules in force at its
 * snapshot.
 *
 * Chambers. Members are sorted into twelve classes by role and stakeholder group: class `6 * r + g`, where `r` is
 * 0 for founding partners and 1 for partners and `g` is the {IConsortiumMembership-StakeholderGroup} (observers have
 * no vote and no class). A chamber is a set of classes (a 12-bit mask); a {ChamberCondition} judges the votes cast
 * in it against its power at the proposal's snapshot, each member in the class it had then, each proxy's principals
 * in their own classes.
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

    /**
     * @notice A category's chamber conditions, packed in one word (0: none): up to {MAX_CHAMBER_CONDITIONS}
     * conditions of 80 bits each from the lowest bits, and their number in bits 240..241. One condition: bits 0..11
     * the chamber's classes (bit `6 * r + g`), bit 12 `eachGroup` (the condition applies to each stakeholder group
     * among the classes on its own), bit 13 `byCount` (count members, one each, instead of voting weight), bit 14
     * `strictSupport`; then four measures, each a fraction of two 8-bit terms (numerator first; denominator 0: not
     * used): quorum at bit 16, approval at 32, support at 48, blocking at 64. With `T` the chamber's power at the
     * snapshot (members a proposal suspends or removes left out) and `F`, `A`, `B` the For, Against and Abstain
     * votes cast in it:
     * - quorum: `F + A + B >= quorum * T`;
     * - approval: `F > A` and `F >= approval * (F + A)`, as the category's approval threshold;
     * - support: `F >= support * T` (`F > support * T` if `strictSupport`);
     * - blocking: the chamber blocks when `A > 0` and `A >= blocking * (F + A)`: 0/1 lets any vote against block
     *   (consent), 1/1 only a chamber whose decisive votes are all against.
     * A chamber without power at the snapshot imposes nothing. Packed so that rule sets stay static ABI types: the
     * library ({ccsi_dao.agreement}) packs and unpacks them, and so does the governor's ChamberConditions library.
     */
    /**
     * @notice All rules in force from one timepoint on: each category's rule, the early-close switch, each
     * category's chamber conditions (packed, see above) and whether a choice among options may let a ballot select
     * several of them (approval voting; otherwise one option per ballot).
     */
    struct RuleSet {
        CategoryRule[4] rules;
        bool earlyClose;
        uint256[4] chambers;
        bool approvalVoting;
    }

    /**
     * @notice What no rule set may go below, fixed at deployment: the lowest quorum and approval threshold, and per
     * category the chamber conditions the agreement entrenches (every rule set must keep each of them, on the same
     * chamber, counted the same way, with no weaker measure).
     */
    struct RuleFloors {
        Fraction quorum;
        Fraction approval;
        uint256[4] chambers;
    }

    /// @notice The rules in force changed; they apply to proposals whose snapshot is at `effectiveFrom` or later.
    event RulesUpdated(uint256 indexed ruleSetId, uint48 effectiveFrom, RuleSet rules);

    /// @dev A fraction is malformed (zero denominator, above one) or below the agreement's floor.
    error RulesInvalid(Category category);
    /// @dev A category's rule is weaker than the rule of a less strict category.
    error RulesNotMonotonic(Category category);
    /// @dev Chamber condition `index` of `category` is malformed: no class, no measure, a fraction above one, a
    /// numerator without a denominator, `strictSupport` without a support, a bit set outside the layout, or more
    /// than {MAX_CHAMBER_CONDITIONS} conditions.
    error RulesInvalidChamber(Category category, uint256 index);
    /// @dev The rules of `category` drop or weaken the entrenched chamber condition `index`.
    error RulesWeakerThanFloor(Category category, uint256 index);

    /// @notice The rules in force at `timepoint`.
    function rulesAt(uint256 timepoint) external view returns (RuleSet memory);

    /// @notice The rule of `category` and the early-close switch in force at `timepoint` (its chamber conditions
    /// are in {rulesAt}).
    function ruleAt(uint256 timepoint, Category category) external view returns (CategoryRule memory, bool earlyClose);

    /// @notice Whether the rules in force now allow approval voting (a ballot selecting several options).
    function approvalVoting() external view returns (bool);

    /// @notice The lowest quorum and approval threshold any rule may have, fixed at deployment.
    function ruleFloors() external view returns (Fraction memory minQuorum, Fraction memory minApproval);

    /// @notice Per category, the chamber conditions (packed) every rule set must keep, fixed at deployment.
    function entrenchedChambers() external view returns (uint256[4] memory);

    /// @notice Replace the rules; they apply to proposals whose snapshot is from now on. Governance only (a
    /// constitutional decision).
    function updateRules(RuleSet calldata rules) external;
}
