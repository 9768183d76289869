// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IConsortiumRules} from "../interfaces/IConsortiumRules.sol";
import {RuleBook} from "../libraries/RuleBook.sol";
import {ChamberConditions} from "../utils/ChamberConditions.sol";

/**
 * @title AgreementRules
 * @notice The consortium agreement's decision rules, checkpointed: for each proposal category a participation
 * quorum, an approval threshold and conditions on chambers of the membership, and the early-close switch. Every
 * rule is an exact share at or above the agreement's floors (fixed at deployment), a stricter category never has a
 * weaker quorum or threshold than a less strict one, and the chamber conditions the agreement entrenches stay.
 *
 * @dev The rules live in a {RuleBook} (a linked library that validates and expands them); the contract that
 * inherits this one exposes {updateRules} to its governance.
 */
abstract contract AgreementRules is IConsortiumRules {
    using RuleBook for RuleBook.Book;

    /// @notice The most chamber conditions one category may carry.
    uint256 public constant MAX_CHAMBER_CONDITIONS = ChamberConditions.MAX_CONDITIONS;

    RuleBook.Book private _book;

    /**
     * @param floors The lowest quorum (above zero) and approval threshold (at least one half) any rule may have, and
     * the chamber conditions every rule set must keep.
     * @param initialRules The rules in force from deployment on.
     */
    constructor(RuleFloors memory floors, RuleSet memory initialRules) {
        _book.initialize(floors, initialRules, _rulesClock());
    }

    /// @inheritdoc IConsortiumRules
    function rulesAt(uint256 timepoint) public view virtual returns (RuleSet memory) {
        return _book.rulesAt(timepoint);
    }

    /// @inheritdoc IConsortiumRules
    function ruleAt(uint256 timepoint, Category category) public view virtual returns (CategoryRule memory, bool) {
        (uint256 rule, bool earlyClose, ) = _book.ruleAt(timepoint, category);
        return (
            CategoryRule({
                quorum: Fraction(uint16(rule), uint16(rule >> 16)),
                approval: Fraction(uint16(rule >> 32), uint16(rule >> 48))
            }),
            earlyClose
        );
    }

    /// @inheritdoc IConsortiumRules
    function approvalVoting() public view virtual returns (bool) {
        return _book.approvalVoting();
    }

    /// @inheritdoc IConsortiumRules
    function ruleFloors() public view virtual returns (Fraction memory minQuorum, Fraction memory minApproval) {
        CategoryRule memory floors = _book.floorsOf();
        return (floors.quorum, floors.approval);
    }

    /// @inheritdoc IConsortiumRules
    function entrenchedChambers() public view virtual returns (uint256[4] memory) {
        return _book.entrenchedChambers();
    }

    /// @dev The rule of `category` at `timepoint` (packed as {Fractions} reads it), the early-close switch and the
    /// category's chamber conditions (packed as {ChamberConditions} reads them).
    function _packedRuleAt(
        uint256 timepoint,
        Category category
    ) internal view returns (uint256 rule, bool earlyClose, uint256 chambers) {
        return _book.ruleAt(timepoint, category);
    }

    /// @dev The timepoint rules take effect at (the inheriting contract's clock).
    function _rulesClock() internal view virtual returns (uint48);

    /// @dev Validate and store `rules`, in force from now on.
    function _setRules(RuleSet memory rules) internal virtual {
        _book.update(rules, _rulesClock());
    }
}
