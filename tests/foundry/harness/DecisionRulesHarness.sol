// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {DecisionRules} from "../../../contracts/libraries/DecisionRules.sol";

/**
 * @notice One proposal's {DecisionRules.Decision} whose words the test writes directly (the choice word, the chamber
 * conditions, each chamber's tallies and power, the options' votes), judged by the linked library itself.
 */
contract DecisionRulesHarness {
    DecisionRules.Decision internal d;

    function setChoice(uint256 options, uint256 maxSelections) external {
        d.choice = options | (maxSelections << 4);
    }

    /// @dev The conditions, flagged as {DecisionRules-openChambers} flags them: bit 255 when the proposal is not a
    /// choice (set the choice first), bit 254 once some power is left out ({setExcluded}).
    function setChambers(uint256 chambers) external {
        d.chambers = chambers | (d.choice == 0 ? 1 << 255 : 0);
    }

    /// @dev Chamber `s`: its Against, For and Abstain votes and its power at the snapshot.
    function setChamber(uint256 s, uint32 against, uint32 for_, uint32 abstain, uint32 power) external {
        uint256 shift = (s & 1) << 7;
        uint256 word = 2 + (s >> 1);
        uint256 bits = uint256(against) | (uint256(for_) << 32) | (uint256(abstain) << 64) | (uint256(power) << 96);
        d.tallies[word] = (d.tallies[word] & ~(((1 << 128) - 1) << shift)) | (bits << shift);
    }

    /// @dev Power left out of chamber `s` (members the proposal suspends or removes).
    function setExcluded(uint256 s, uint32 power) external {
        _setLane(64 + (s >> 3), s & 7, power);
        d.chambers |= 1 << 254;
    }

    /// @dev Votes for option `i` overall.
    function setOptionVotes(uint256 i, uint32 votes) external {
        _setLane(i >> 3, i & 7, votes);
    }

    /// @dev Votes for option `i` in chamber `s`.
    function setChamberOptionVotes(uint256 s, uint256 i, uint32 votes) external {
        _setLane(16 + 2 * s + (i >> 3), i & 7, votes);
    }

    /// @dev The governor's own count of a ballot of the voter's own power ({DecisionRules-countOwnVote}).
    function countOwnVote(
        uint8 support,
        uint256 class,
        uint256 weight,
        uint256 uncast
    ) external returns (bool counted, bool settled) {
        return DecisionRules.countOwnVote(d, support, class, weight, uncast);
    }

    /// @dev The linked library's count of a ballot without params ({DecisionRules-count}).
    function count(DecisionRules.Ballot memory ballot) external {
        DecisionRules.count(d, ballot, "", address(0));
    }

    /// @dev Tally word `word` as stored.
    function tallyWord(uint256 word) external view returns (uint256) {
        return d.tallies[word];
    }

    function judge(DecisionRules.Basis memory basis, uint256 question) external view returns (uint256) {
        return DecisionRules.judge(d, basis, question);
    }

    function _setLane(uint256 word, uint256 lane, uint32 value) private {
        uint256 shift = lane << 5;
        d.tallies[word] = (d.tallies[word] & ~(uint256(0xffffffff) << shift)) | (uint256(value) << shift);
    }
}
