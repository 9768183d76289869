// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Governor} from "@openzeppelin/contracts/governance/Governor.sol";

/**
 * @notice The least an OpenZeppelin {Governor} needs to be deployed, so a harness can test one consortium extension
 * on its own: timestamp clock, fixed delay (1 h) and period (1 d), no votes, no counting. Proposals can be created
 * by anyone (no threshold), which gives the extension real proposal snapshots to work with.
 */
abstract contract GovernorStub is Governor {
    uint256 internal constant STUB_DELAY = 1 hours;
    uint256 internal constant STUB_PERIOD = 1 days;

    constructor() Governor("stub") {}

    function clock() public view virtual override returns (uint48) {
        return uint48(block.timestamp);
    }

    // solhint-disable-next-line func-name-mixedcase
    function CLOCK_MODE() public pure virtual override returns (string memory) {
        return "mode=timestamp";
    }

    function votingDelay() public view virtual override returns (uint256) {
        return STUB_DELAY;
    }

    function votingPeriod() public view virtual override returns (uint256) {
        return STUB_PERIOD;
    }

    function quorum(uint256) public view virtual override returns (uint256) {
        return 0;
    }

    // solhint-disable-next-line func-name-mixedcase
    function COUNTING_MODE() public pure virtual override returns (string memory) {
        return "support=bravo&quorum=for,against,abstain";
    }

    function hasVoted(uint256, address) public view virtual override returns (bool) {
        return false;
    }

    function _getVotes(address, uint256, bytes memory) internal view virtual override returns (uint256) {
        return 0;
    }

    function _countVote(uint256, address, uint8, uint256, bytes memory) internal virtual override returns (uint256) {
        return 0;
    }

    function _quorumReached(uint256) internal view virtual override returns (bool) {
        return false;
    }

    function _voteSucceeded(uint256) internal view virtual override returns (bool) {
        return false;
    }
}
