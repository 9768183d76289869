// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/**
 * @title Fractions
 * @notice Exact arithmetic on the shares the consortium's rules are written in (2/3, 3/4, 55%): no rounding
 * anywhere, every comparison cross-multiplied in 256 bits. A share is `numerator / denominator` with both below
 * 2^16; vote counts are below 2^208 (ERC-5805), so no product overflows.
 *
 * A rule is packed in 64 bits as the agreement's registry stores it: quorum numerator, quorum denominator, approval
 * numerator, approval denominator, 16 bits each from the lowest.
 */
library Fractions {
    /// @dev Whether `votes` reach share `n / d` of `total`: `votes * d >= n * total`.
    function reaches(uint256 votes, uint256 total, uint256 n, uint256 d) internal pure returns (bool) {
        return votes * d >= n * total;
    }

    /**
     * @dev Whether `forVotes` approve against `againstVotes` under threshold `n / d`: a strict majority of the
     * decided votes and `for / (for + against) >= n / d`.
     */
    function approves(uint256 forVotes, uint256 againstVotes, uint256 n, uint256 d) internal pure returns (bool) {
        return forVotes > againstVotes && forVotes * d >= n * (forVotes + againstVotes);
    }

    /// @dev The smallest number of votes that reaches share `n / d` of `total` (rounded up; `d` is not zero).
    function ceilShare(uint256 total, uint256 n, uint256 d) internal pure returns (uint256) {
        return (total * n + d - 1) / d;
    }

    /// @dev Whether `n / d` is a share between 0 and 1 with a non-zero denominator.
    function isShare(uint256 n, uint256 d) internal pure returns (bool) {
        return d != 0 && n <= d;
    }

    /// @dev Whether `xn / xd < yn / yd` as values (denominators not zero).
    function lessThan(uint256 xn, uint256 xd, uint256 yn, uint256 yd) internal pure returns (bool) {
        return xn * yd < yn * xd;
    }

    /// @dev Quorum of a packed rule, as (numerator, denominator).
    function quorumOf(uint256 rule) internal pure returns (uint256 n, uint256 d) {
        return (uint16(rule), uint16(rule >> 16));
    }

    /// @dev Approval threshold of a packed rule, as (numerator, denominator).
    function approvalOf(uint256 rule) internal pure returns (uint256 n, uint256 d) {
        return (uint16(rule >> 32), uint16(rule >> 48));
    }
}
