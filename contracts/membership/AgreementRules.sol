// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Checkpoints} from "@openzeppelin/contracts/utils/structs/Checkpoints.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IConsortiumRules} from "../interfaces/IConsortiumRules.sol";
import {Fractions} from "../utils/Fractions.sol";

/**
 * @title AgreementRules
 * @notice The consortium agreement's decision rules, checkpointed: for each proposal category a participation
 * quorum and an approval threshold, and the early-close switch. Every rule is an exact share at or above the
 * agreement's floors (fixed at deployment), and a stricter category never has a weaker rule than a less strict one.
 *
 * @dev Each rule set is stored packed (4 categories x 4 uint16 in one word) under an id; the ids are checkpointed by
 * timepoint. The rule set in force now is read without a search ({_ruleSetAt}). The contract that inherits this one
 * exposes {updateRules} to its governance.
 */
abstract contract AgreementRules is IConsortiumRules {
    using Checkpoints for Checkpoints.Trace208;

    /// @dev The rule set in force now and since when.
    struct CurrentRules {
        uint32 id;
        bool earlyClose;
        uint48 effectiveFrom;
    }

    uint256 private constant _CATEGORIES = 4;

    uint16 private immutable _minQuorumNumerator;
    uint16 private immutable _minQuorumDenominator;
    uint16 private immutable _minApprovalNumerator;
    uint16 private immutable _minApprovalDenominator;

    CurrentRules private _current;
    mapping(uint256 ruleSetId => uint256 packed) private _packedRules;
    Checkpoints.Trace208 private _ruleSetHistory; // timepoint => ruleSetId << 1 | earlyClose

    /**
     * @param floors The lowest quorum (above zero) and approval threshold (at least one half) any rule may have.
     * @param initialRules The rules in force from deployment on.
     */
    constructor(CategoryRule memory floors, RuleSet memory initialRules) {
        Fraction memory q = floors.quorum;
        Fraction memory a = floors.approval;
        if (
            !Fractions.isShare(q.numerator, q.denominator) ||
            q.numerator == 0 ||
            !Fractions.isShare(a.numerator, a.denominator) ||
            uint256(a.numerator) * 2 < a.denominator
        ) {
            revert RulesInvalid(Category.Ordinary);
        }
        _minQuorumNumerator = q.numerator;
        _minQuorumDenominator = q.denominator;
        _minApprovalNumerator = a.numerator;
        _minApprovalDenominator = a.denominator;
        _setRules(initialRules);
    }

    /// @inheritdoc IConsortiumRules
    function rulesAt(uint256 timepoint) public view virtual returns (RuleSet memory rules) {
        (uint256 id, bool earlyClose) = _ruleSetAt(timepoint);
        uint256 packed = _packedRules[id];
        for (uint256 c = 0; c < _CATEGORIES; ++c) {
            rules.rules[c] = _unpack(packed, Category(c));
        }
        rules.earlyClose = earlyClose;
    }

    /// @inheritdoc IConsortiumRules
    function ruleAt(uint256 timepoint, Category category) public view virtual returns (CategoryRule memory, bool) {
        (uint256 rule, bool earlyClose) = _packedRuleAt(timepoint, category);
        return (_unpack(rule, Category.Ordinary), earlyClose);
    }

    /// @dev The rule of `category` at `timepoint`, packed as {Fractions} reads it, and the early-close switch.
    function _packedRuleAt(uint256 timepoint, Category category) internal view returns (uint256 rule, bool earlyClose) {
        uint256 id;
        (id, earlyClose) = _ruleSetAt(timepoint);
        rule = uint64(_packedRules[id] >> (64 * uint256(category)));
    }

    /// @inheritdoc IConsortiumRules
    function ruleFloors() public view virtual returns (Fraction memory minQuorum, Fraction memory minApproval) {
        return (
            Fraction(_minQuorumNumerator, _minQuorumDenominator),
            Fraction(_minApprovalNumerator, _minApprovalDenominator)
        );
    }

    /// @dev The timepoint rules take effect at (the inheriting contract's clock).
    function _rulesClock() internal view virtual returns (uint48);

    /// @dev Validate and store `rules`, in force from now on.
    function _setRules(RuleSet memory rules) internal virtual {
        uint256 packed = 0;
        for (uint256 c = 0; c < _CATEGORIES; ++c) {
            Fraction memory q = rules.rules[c].quorum;
            Fraction memory a = rules.rules[c].approval;
            if (
                !Fractions.isShare(q.numerator, q.denominator) ||
                !Fractions.isShare(a.numerator, a.denominator) ||
                Fractions.lessThan(q.numerator, q.denominator, _minQuorumNumerator, _minQuorumDenominator) ||
                Fractions.lessThan(a.numerator, a.denominator, _minApprovalNumerator, _minApprovalDenominator)
            ) revert RulesInvalid(Category(c));
            if (c > 0) {
                Fraction memory wq = rules.rules[c - 1].quorum;
                Fraction memory wa = rules.rules[c - 1].approval;
                if (
                    Fractions.lessThan(q.numerator, q.denominator, wq.numerator, wq.denominator) ||
                    Fractions.lessThan(a.numerator, a.denominator, wa.numerator, wa.denominator)
                ) revert RulesNotMonotonic(Category(c));
            }
            packed |= _pack(rules.rules[c]) << (64 * c);
        }
        uint32 id = _ruleSetHistory.length() == 0 ? 0 : _current.id + 1;
        uint48 effectiveFrom = _rulesClock();
        _packedRules[id] = packed;
        _current = CurrentRules(id, rules.earlyClose, effectiveFrom);
        _ruleSetHistory.push(effectiveFrom, (uint208(id) << 1) | (rules.earlyClose ? 1 : 0));
        emit RulesUpdated(id, effectiveFrom, rules);
    }

    /// @dev Id and early-close switch of the rule set in force at `timepoint` (the latest, without a search, when
    /// it has not changed since).
    function _ruleSetAt(uint256 timepoint) internal view returns (uint256 id, bool earlyClose) {
        CurrentRules memory current = _current;
        if (timepoint >= current.effectiveFrom) return (current.id, current.earlyClose);
        uint256 value = _ruleSetHistory.upperLookupRecent(SafeCast.toUint48(timepoint));
        return (value >> 1, value & 1 == 1);
    }

    function _pack(CategoryRule memory rule) private pure returns (uint256) {
        return
            uint256(rule.quorum.numerator) |
            (uint256(rule.quorum.denominator) << 16) |
            (uint256(rule.approval.numerator) << 32) |
            (uint256(rule.approval.denominator) << 48);
    }

    function _unpack(uint256 packed, Category category) private pure returns (CategoryRule memory) {
        uint256 bits = packed >> (64 * uint256(category));
        return
            CategoryRule({
                quorum: Fraction(uint16(bits), uint16(bits >> 16)),
                approval: Fraction(uint16(bits >> 32), uint16(bits >> 48))
            });
    }
}
