// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Fractions} from "../../../contracts/utils/Fractions.sol";

/// @notice Exposes the internal functions of {Fractions} (a library of internal functions) to the tests.
contract FractionsHarness {
    function reaches(uint256 votes, uint256 total, uint256 n, uint256 d) external pure returns (bool) {
        return Fractions.reaches(votes, total, n, d);
    }

    function approves(uint256 forVotes, uint256 againstVotes, uint256 n, uint256 d) external pure returns (bool) {
        return Fractions.approves(forVotes, againstVotes, n, d);
    }

    function ceilShare(uint256 total, uint256 n, uint256 d) external pure returns (uint256) {
        return Fractions.ceilShare(total, n, d);
    }

    function isShare(uint256 n, uint256 d) external pure returns (bool) {
        return Fractions.isShare(n, d);
    }

    function lessThan(uint256 xn, uint256 xd, uint256 yn, uint256 yd) external pure returns (bool) {
        return Fractions.lessThan(xn, xd, yn, yd);
    }

    function quorumOf(uint256 rule) external pure returns (uint256 n, uint256 d) {
        return Fractions.quorumOf(rule);
    }

    function approvalOf(uint256 rule) external pure returns (uint256 n, uint256 d) {
        return Fractions.approvalOf(rule);
    }
}
