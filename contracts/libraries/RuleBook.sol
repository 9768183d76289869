// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Checkpoints} from "@openzeppelin/contracts/utils/structs/Checkpoints.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IConsortiumRules} from "../interfaces/IConsortiumRules.sol";
import {ChamberConditions} from "../utils/ChamberConditions.sol";
import {Fractions} from "../utils/Fractions.sol";

/**
 * @title RuleBook
 * @notice The consortium agreement's decision rules, checkpointed, as the membership registry keeps them: for each
 * proposal category a participation quorum, an approval threshold and up to three chamber conditions, and the
 * early-close switch. Every rule is an exact share at or above the agreement's floors, a stricter category never
 * has a weaker quorum or threshold than a less strict one, and every rule set keeps the chamber conditions the
 * agreement entrenches.
 *
 * @dev A linked library: validating, storing and expanding rule sets runs here, in the registry's storage, so the
 * registry's own code stays within the size limit; the lookup a proposal's first vote makes ({ruleAt}) is internal
 * and compiled into the registry. Each rule set is stored packed under an id (4 categories x 4 uint16 in one word;
 * each category's chamber conditions in a word of their own, only if it has some); the ids are checkpointed by
 * timepoint together with the early-close switch and which categories have chamber conditions.
 */
library RuleBook {
    using Checkpoints for Checkpoints.Trace208;

    /// @dev The rule set in force now and since when.
    struct Current {
        uint32 id;
        bool earlyClose;
        uint8 chambered;
        uint48 effectiveFrom;
        bool approvalVoting;
    }

    /// @dev Everything the registry keeps about its rules.
    struct Book {
        Current current;
        uint64 floors;
        mapping(uint256 ruleSetId => uint256 packed) rules;
        mapping(uint256 ruleSetId => mapping(uint256 category => uint256 packed)) chambers;
        Checkpoints.Trace208 history; // timepoint => ruleSetId << 6 | approvalVoting << 5 | chambered << 1 | earlyClose
        uint256[4] entrenched;
    }

    uint256 private constant _CATEGORIES = 4;

    /// @dev Sets the floors (fixed for good) and the first rules. Reverts like {update}, or with
    /// {IConsortiumRules-RulesInvalid} (Ordinary) for malformed floors.
    function initialize(
        Book storage book,
        IConsortiumRules.RuleFloors memory floors,
        IConsortiumRules.RuleSet memory rules,
        uint48 now_
    ) external {
        IConsortiumRules.Fraction memory q = floors.quorum;
        IConsortiumRules.Fraction memory a = floors.approval;
        if (
            !Fractions.isShare(q.numerator, q.denominator) ||
            q.numerator == 0 ||
            !Fractions.isShare(a.numerator, a.denominator) ||
            uint256(a.numerator) * 2 < a.denominator
        ) {
            revert IConsortiumRules.RulesInvalid(IConsortiumRules.Category.Ordinary);
        }
        book.floors = uint64(_packRule(IConsortiumRules.CategoryRule(q, a)));
        for (uint256 c = 0; c < _CATEGORIES; ++c) {
            uint256 invalid = ChamberConditions.invalidIndex(floors.chambers[c]);
            if (invalid != 0) revert IConsortiumRules.RulesInvalidChamber(IConsortiumRules.Category(c), invalid - 1);
            book.entrenched[c] = floors.chambers[c];
        }
        _store(book, rules, now_);
    }

    /// @dev Validates `rules` and puts them in force from `now_` on; emits {IConsortiumRules-RulesUpdated}.
    function update(Book storage book, IConsortiumRules.RuleSet memory rules, uint48 now_) external {
        _store(book, rules, now_);
    }

    /// @dev The rules in force at `timepoint`.
    function rulesAt(
        Book storage book,
        uint256 timepoint
    ) external view returns (IConsortiumRules.RuleSet memory rules) {
        (uint256 id, bool earlyClose, uint256 chambered, bool approval) = _ruleSetAt(book, timepoint);
        uint256 packed = book.rules[id];
        for (uint256 c = 0; c < _CATEGORIES; ++c) {
            rules.rules[c] = _unpackRule(packed >> (64 * c));
            if (chambered & (1 << c) != 0) rules.chambers[c] = book.chambers[id][c];
        }
        rules.earlyClose = earlyClose;
        rules.approvalVoting = approval;
    }

    /// @dev The entrenched chamber conditions of each category.
    function entrenchedChambers(Book storage book) internal view returns (uint256[4] memory) {
        return book.entrenched;
    }

    /// @dev The lowest quorum and approval threshold.
    function floorsOf(Book storage book) internal view returns (IConsortiumRules.CategoryRule memory) {
        return _unpackRule(book.floors);
    }

    /**
     * @dev What a proposal of `category` with snapshot `timepoint` is judged by: the category's rule packed as
     * {Fractions} reads it, the early-close switch and the category's chamber conditions packed as
     * {ChamberConditions} reads them (0: none). Reads no checkpoint when the rules have not changed since.
     */
    function ruleAt(
        Book storage book,
        uint256 timepoint,
        IConsortiumRules.Category category
    ) internal view returns (uint256 rule, bool earlyClose, uint256 chambers) {
        (uint256 id, bool early, uint256 chambered, ) = _ruleSetAt(book, timepoint);
        rule = uint64(book.rules[id] >> (64 * uint256(category)));
        if (chambered & (1 << uint256(category)) != 0) chambers = book.chambers[id][uint256(category)];
        return (rule, early, chambers);
    }

    // ------------------------------------------------------------------ private

    function _store(Book storage book, IConsortiumRules.RuleSet memory rules, uint48 now_) private {
        IConsortiumRules.CategoryRule memory floors = _unpackRule(book.floors);
        uint256 packed = 0;
        uint256 chambered = 0;
        uint32 id = book.history.length() == 0 ? 0 : book.current.id + 1;
        for (uint256 c = 0; c < _CATEGORIES; ++c) {
            IConsortiumRules.Category category = IConsortiumRules.Category(c);
            IConsortiumRules.Fraction memory q = rules.rules[c].quorum;
            IConsortiumRules.Fraction memory a = rules.rules[c].approval;
            if (
                !Fractions.isShare(q.numerator, q.denominator) ||
                !Fractions.isShare(a.numerator, a.denominator) ||
                Fractions.lessThan(q.numerator, q.denominator, floors.quorum.numerator, floors.quorum.denominator) ||
                Fractions.lessThan(a.numerator, a.denominator, floors.approval.numerator, floors.approval.denominator)
            ) revert IConsortiumRules.RulesInvalid(category);
            if (c > 0) {
                IConsortiumRules.Fraction memory wq = rules.rules[c - 1].quorum;
                IConsortiumRules.Fraction memory wa = rules.rules[c - 1].approval;
                if (
                    Fractions.lessThan(q.numerator, q.denominator, wq.numerator, wq.denominator) ||
                    Fractions.lessThan(a.numerator, a.denominator, wa.numerator, wa.denominator)
                ) revert IConsortiumRules.RulesNotMonotonic(category);
            }
            packed |= _packRule(rules.rules[c]) << (64 * c);

            uint256 conditions = rules.chambers[c];
            uint256 invalid = ChamberConditions.invalidIndex(conditions);
            if (invalid != 0) revert IConsortiumRules.RulesInvalidChamber(category, invalid - 1);
            _checkEntrenched(category, conditions, book.entrenched[c]);
            if (conditions != 0) {
                chambered |= 1 << c;
                book.chambers[id][c] = conditions;
            }
        }
        book.rules[id] = packed;
        book.current = Current(id, rules.earlyClose, uint8(chambered), now_, rules.approvalVoting);
        book.history.push(
            now_,
            (uint208(id) << 6) |
                (rules.approvalVoting ? 32 : 0) |
                uint208(chambered << 1) |
                (rules.earlyClose ? 1 : 0)
        );
        emit IConsortiumRules.RulesUpdated(id, now_, rules);
    }

    /// @dev Reverts unless every entrenched condition has a no weaker counterpart among `conditions`.
    function _checkEntrenched(IConsortiumRules.Category category, uint256 conditions, uint256 entrenched) private pure {
        uint256 required = ChamberConditions.count(entrenched);
        uint256 present = ChamberConditions.count(conditions);
        for (uint256 e = 0; e < required; ++e) {
            uint256 floor = ChamberConditions.at(entrenched, e);
            bool kept = false;
            for (uint256 i = 0; i < present && !kept; ++i) {
                kept = ChamberConditions.noWeaker(ChamberConditions.at(conditions, i), floor);
            }
            if (!kept) revert IConsortiumRules.RulesWeakerThanFloor(category, e);
        }
    }

    /// @dev Id, early-close switch, chambered categories and approval-voting switch of the rule set in force at
    /// `timepoint`.
    function _ruleSetAt(
        Book storage book,
        uint256 timepoint
    ) private view returns (uint256 id, bool earlyClose, uint256 chambered, bool approval) {
        Current memory current = book.current;
        if (timepoint >= current.effectiveFrom) {
            return (current.id, current.earlyClose, current.chambered, current.approvalVoting);
        }
        uint256 value = book.history.upperLookupRecent(SafeCast.toUint48(timepoint));
        return (value >> 6, value & 1 == 1, (value >> 1) & 0xf, value & 32 != 0);
    }

    /// @dev Whether the rules in force now allow approval voting.
    function approvalVoting(Book storage book) internal view returns (bool) {
        return book.current.approvalVoting;
    }

    function _packRule(IConsortiumRules.CategoryRule memory rule) private pure returns (uint256) {
        return
            uint256(rule.quorum.numerator) |
            (uint256(rule.quorum.denominator) << 16) |
            (uint256(rule.approval.numerator) << 32) |
            (uint256(rule.approval.denominator) << 48);
    }

    function _unpackRule(uint256 bits) private pure returns (IConsortiumRules.CategoryRule memory) {
        return
            IConsortiumRules.CategoryRule({
                quorum: IConsortiumRules.Fraction(uint16(bits), uint16(bits >> 16)),
                approval: IConsortiumRules.Fraction(uint16(bits >> 32), uint16(bits >> 48))
            });
    }
}
