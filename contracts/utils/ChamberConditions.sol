// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/**
 * @title ChamberConditions
 * @notice The chamber conditions of one category packed in one word (see {IConsortiumRules}), as rule sets carry
 * them and the governor fixes them in a proposal: up to three conditions of 80 bits each, from the lowest bits, and
 * their number in bits 240..241.
 *
 * One condition: bits 0..11 the class mask, 12 `eachGroup`, 13 `byCount`, 14 `strictSupport`, then four fractions
 * of two 8-bit terms each (numerator first): quorum at 16, approval at 32, support at 48, blocking at 64. A
 * fraction with denominator 0 is not used.
 */
library ChamberConditions {
    /// @dev The most conditions one category may carry.
    uint256 internal constant MAX_CONDITIONS = 3;
    /// @dev Bits of one packed condition.
    uint256 internal constant BITS = 80;
    /// @dev The twelve classes (role x stakeholder group).
    uint256 internal constant ALL_CLASSES = 0xfff;

    uint256 private constant _COUNT_SHIFT = 240;
    uint256 private constant _EACH_GROUP = 1 << 12;
    uint256 private constant _BY_COUNT = 1 << 13;
    uint256 private constant _STRICT_SUPPORT = 1 << 14;
    uint256 internal constant QUORUM = 16;
    uint256 internal constant APPROVAL = 32;
    uint256 internal constant SUPPORT = 48;
    uint256 internal constant BLOCKING = 64;

    // ------------------------------------------------------------------ one word, several conditions

    /// @dev Number of conditions in a packed word.
    function count(uint256 packed) internal pure returns (uint256) {
        return packed >> _COUNT_SHIFT;
    }

    /// @dev Condition `index` of a packed word.
    function at(uint256 packed, uint256 index) internal pure returns (uint256) {
        return (packed >> (BITS * index)) & ((1 << BITS) - 1);
    }

    /**
     * @dev 0 if `packed` is a well-formed conditions word, else the index + 1 of the first malformed condition (a
     * count above {MAX_CONDITIONS}, or bits set beyond the last condition, count as condition {MAX_CONDITIONS}).
     */
    function invalidIndex(uint256 packed) internal pure returns (uint256) {
        uint256 n = count(packed);
        if (n > MAX_CONDITIONS || (packed & ((1 << _COUNT_SHIFT) - 1)) >> (BITS * n) != 0) return MAX_CONDITIONS + 1;
        for (uint256 i = 0; i < n; ++i) {
            if (!isValid(at(packed, i))) return i + 1;
        }
        return 0;
    }

    /// @dev Whether one packed condition is well formed: classes, at least one measure, every fraction a share (no
    /// numerator without a denominator), `strictSupport` only with a support, no bit outside the layout.
    function isValid(uint256 c) internal pure returns (bool) {
        if (c & ALL_CLASSES == 0 || c & (1 << 15) != 0) return false;
        bool any = false;
        for (uint256 shift = QUORUM; shift <= BLOCKING; shift += 16) {
            (uint256 n, uint256 d) = measure(c, shift);
            if (n > d) return false;
            if (d != 0) any = true;
        }
        (, uint256 supportDenominator) = measure(c, SUPPORT);
        return any && !(strictSupport(c) && supportDenominator == 0);
    }

    /// @dev Class mask of a packed condition.
    function members(uint256 c) internal pure returns (uint256) {
        return c & ALL_CLASSES;
    }

    /// @dev Whether a packed condition applies to each stakeholder group of its members separately.
    function eachGroup(uint256 c) internal pure returns (bool) {
        return c & _EACH_GROUP != 0;
    }

    /// @dev Whether a packed condition counts members rather than voting weight.
    function byCount(uint256 c) internal pure returns (bool) {
        return c & _BY_COUNT != 0;
    }

    /// @dev Whether a packed condition's support must be exceeded rather than reached.
    function strictSupport(uint256 c) internal pure returns (bool) {
        return c & _STRICT_SUPPORT != 0;
    }

    /// @dev Measure at bit `shift` ({QUORUM}, {APPROVAL}, {SUPPORT}, {BLOCKING}) of a packed condition, as
    /// (numerator, denominator); denominator 0 when not used.
    function measure(uint256 c, uint256 shift) internal pure returns (uint256 n, uint256 d) {
        return (uint8(c >> shift), uint8(c >> (shift + 8)));
    }

    /**
     * @dev Whether packed condition `c` is at least as strict as the entrenched `floor`: the same chamber counted the
     * same way, every measure the floor uses used and no weaker (a lower or equal blocking share, a strict support
     * where the floor's is strict at the same share).
     */
    function noWeaker(uint256 c, uint256 floor) internal pure returns (bool) {
        uint256 shape = ALL_CLASSES | _EACH_GROUP | _BY_COUNT;
        if (c & shape != floor & shape) return false;
        for (uint256 shift = QUORUM; shift <= BLOCKING; shift += 16) {
            (uint256 fn, uint256 fd) = measure(floor, shift);
            if (fd == 0) continue;
            (uint256 n, uint256 d) = measure(c, shift);
            if (d == 0) return false;
            if (shift == BLOCKING) {
                if (n * fd > fn * d) return false;
            } else if (n * fd < fn * d) {
                return false;
            } else if (shift == SUPPORT && n * fd == fn * d && strictSupport(floor) && !strictSupport(c)) {
                return false;
            }
        }
        return true;
    }
}
