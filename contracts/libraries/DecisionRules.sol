// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IConsortiumMembership} from "../interfaces/IConsortiumMembership.sol";
import {IConsortiumGovernor} from "../interfaces/IConsortiumGovernor.sol";
import {IConsortiumRules} from "../interfaces/IConsortiumRules.sol";
import {ChamberConditions} from "../utils/ChamberConditions.sol";
import {Fractions} from "../utils/Fractions.sol";

/**
 * @title DecisionRules
 * @notice How the governor counts and judges what a plain For/Against/Abstain count cannot express: conditions on
 * chambers of the membership (founding partners, stakeholder groups, members by count) and choices among options.
 *
 * Choices. A choice proposal's first action is the manifest `offerOptions(labels, actionCounts, maxSelections)` to
 * the governor itself (never executed): 2 to {MAX_OPTIONS} options, option `i` owning the next `actionCounts[i]`
 * actions (none for a text-only option). A member votes For with `params = abi.encode(uint256[] options)` (option
 * numbers in increasing order, at most `maxSelections` of them: 1 is a single choice, more is approval voting),
 * Against (none of the options) or Abstain, without params. For each option `i`, `F_i` is the power voting for it
 * and `A_i` the power of the other decisive votes (For some other option only, or Against): the option is judged as
 * a For/Against question by the category's quorum (all three kinds count) and approval threshold and by every
 * chamber condition. The winner is the qualifying option with the most power for it; a tie at the top, or no
 * qualifying option, is no decision (the proposal is defeated). Only the winner's actions are queued and executed.
 * A plain proposal is the special case of one option whose votes are the For votes.
 *
 * Chambers. Each {IConsortiumRules-ChamberCondition} of the proposal's category becomes one chamber, or one per
 * stakeholder group (`eachGroup`). The first vote fixes the conditions and every chamber's power at the snapshot
 * (less the power of members the proposal suspends or removes); each vote adds the voter's power to every chamber
 * that holds one of its classes (a proxy's principals count in their own classes).
 *
 * Early close: a proposal passes early when its leading option meets every condition even if all uncast power
 * votes against it, and no other option could reach it; it fails early when no option could meet every condition
 * even if all uncast power voted for it. The uncast power of a chamber is its power less its votes, and never more
 * than the uncast power of the electorate.
 *
 * @dev A linked library: the governor delegates to it only for proposals that have chambers or options, so plain
 * proposals pay nothing for them. Storage of one proposal ({Decision}): the choice word (set at proposal: option
 * count in bits 0..3, maximum selections in 4..7, the end of option `i`'s actions at bit 8 + 8i), the chamber
 * conditions (fixed by the first vote) and tally words: the options' For votes (32 bits each, eight a word) at
 * words 0..1; each chamber's Against, For, Abstain and power (32 bits each, two chambers a word) from word 2; each
 * chamber's For votes per option at words 16 + 2 * chamber; each chamber's left-out power (eight a word) from word 64.
 */
library DecisionRules {
    /// @dev One proposal's chambers and options.
    struct Decision {
        uint256 choice;
        uint256 chambers;
        mapping(uint256 word => uint256 bits) tallies;
    }

    /// @dev The proposal's overall votes and what it is judged by, as the governor's record holds them.
    struct Basis {
        uint256 againstVotes;
        uint256 forVotes;
        uint256 abstainVotes;
        uint256 electorate;
        uint256 quorumBase;
        uint256 rule;
    }

    /// @dev One counted vote: who, on which snapshot, with what power and state (see {IConsortiumMembership-voterAt}).
    struct Ballot {
        address account;
        uint256 snapshot;
        bool constitutional;
        uint8 support;
        uint256 weight;
        uint256 state;
    }

    /// @dev Outcome codes, as the governor's record keeps them.
    uint8 internal constant OPEN = 0;
    uint8 internal constant PASSED = 1;
    uint8 internal constant FAILED = 2;

    /// @notice The most options one choice proposal may offer.
    uint256 internal constant MAX_OPTIONS = 10;

    uint256 private constant _FOR = 1;
    uint256 private constant _SLOT_WORDS = 2;
    uint256 private constant _SLOT_OPTION_WORDS = 16;
    uint256 private constant _EXCLUDED_WORDS = 64;
    uint256 private constant _MAX_SLOTS = 18;
    uint256 private constant _LANE = 0xffffffff;
    uint256 private constant _TOTAL = 96;
    uint256 private constant _GROUP_CLASSES = (1 << 6) | 1;

    // ------------------------------------------------------------------ proposing

    /**
     * @dev Validates the `manifest` (the proposal's first action) of a proposal with `actions` actions in all,
     * and stores its options. Reverts with {IConsortiumGovernor-GovernorInvalidChoice} unless it offers 2 to
     * {MAX_OPTIONS} labelled options, whose action counts add up to the other actions (at most 255), with 1 to
     * (option count) selections allowed, and more than one only if the rules of `registry` allow approval voting.
     */
    function openChoice(Decision storage d, bytes memory manifest, uint256 actions, address registry) external {
        bytes memory args;
        assembly ("memory-safe") {
            // The arguments follow the 4-byte selector: reuse the copy's memory, overwriting its length and selector.
            args := add(manifest, 4)
            mstore(args, sub(mload(manifest), 4))
        }
        (string[] memory labels, uint256[] memory actionCounts, uint256 maxSelections) = abi.decode(
            args,
            (string[], uint256[], uint256)
        );
        uint256 n = labels.length;
        if (n < 2 || n > MAX_OPTIONS || actionCounts.length != n || maxSelections == 0 || maxSelections > n) {
            revert IConsortiumGovernor.GovernorInvalidChoice();
        }
        uint256 word = n | (maxSelections << 4);
        uint256 end = 0;
        for (uint256 i = 0; i < n; ++i) {
            end += actionCounts[i];
            if (bytes(labels[i]).length == 0 || end > 255) revert IConsortiumGovernor.GovernorInvalidChoice();
            word |= end << (8 + 8 * i);
        }
        if (end + 1 != actions) revert IConsortiumGovernor.GovernorInvalidChoice();
        if (maxSelections > 1 && !IConsortiumRules(registry).approvalVoting()) {
            revert IConsortiumGovernor.GovernorApprovalVotingNotAllowed();
        }
        d.choice = word;
    }

    /// @dev Number of options of a choice word, and the most a ballot may select (0, 0 for a plain proposal).
    function optionsOf(uint256 choice) internal pure returns (uint256 options, uint256 maxSelections) {
        return (choice & 0xf, (choice >> 4) & 0xf);
    }

    /// @dev The actions of option `option` in a choice word: indexes `start` (inclusive) to `end` (exclusive) of the
    /// proposal's actions (the manifest is action 0).
    function actionsOf(uint256 choice, uint256 option) internal pure returns (uint256 start, uint256 end) {
        start = option == 0 ? 1 : uint8(choice >> (8 * option)) + 1;
        end = uint8(choice >> (8 + 8 * option)) + 1;
    }

    // ------------------------------------------------------------------ voting

    /**
     * @dev Called by the proposal's first vote when its category has chamber conditions: fixes them and each
     * chamber's power at the snapshot, less the power of the members in `sanctioned`.
     */
    function openChambers(
        Decision storage d,
        uint256 chambers,
        address registry,
        uint256 snapshot,
        bool constitutional,
        address[] memory sanctioned
    ) external {
        d.chambers = chambers;
        (uint256[] memory slots, uint256 union) = _slots(chambers);
        uint256[12] memory power = IConsortiumMembership(registry).classPowerAt(snapshot, union);
        for (uint256 s = 0; s < slots.length; ++s) {
            uint256 total = _sum(power, slots[s], constitutional);
            d.tallies[_SLOT_WORDS + (s >> 1)] |= total << (((s & 1) << 7) + _TOTAL);
        }
        for (uint256 k = 0; k < sanctioned.length; ++k) {
            uint256[12] memory votes = IConsortiumMembership(registry).votesByClassAt(sanctioned[k], snapshot);
            for (uint256 s = 0; s < slots.length; ++s) {
                d.tallies[_EXCLUDED_WORDS + (s >> 3)] += _sum(votes, slots[s], constitutional) << ((s & 7) << 5);
            }
        }
    }

    /**
     * @dev Counts `ballot` in the proposal's options and chambers (its overall tally is the governor's). Reverts with
     * {IConsortiumGovernor-GovernorInvalidOptions} when the params do not fit the proposal: options on a plain
     * proposal or with Against or Abstain, none with For on a choice, an unknown option, options out of order or
     * repeated, more than the proposal allows.
     */
    function count(Decision storage d, Ballot memory ballot, bytes memory params, address registry) external {
        uint256 chosen = _chosenOptions(d.choice, ballot.support, params);
        if (chosen != 0) _addToOptions(d, 0, chosen, ballot.weight);
        uint256 chambers = d.chambers;
        if (chambers == 0) return;
        uint256[12] memory votes = _votesByClass(ballot, registry);
        (uint256[] memory slots, ) = _slots(chambers);
        uint256 lane = uint256(ballot.support) << 5;
        for (uint256 s = 0; s < slots.length; ++s) {
            uint256 added = _sum(votes, slots[s], ballot.constitutional);
            if (added == 0) continue;
            d.tallies[_SLOT_WORDS + (s >> 1)] += added << (((s & 1) << 7) + lane);
            if (chosen != 0) _addToOptions(d, _SLOT_OPTION_WORDS + 2 * s, chosen, added);
        }
    }

    // ------------------------------------------------------------------ judging

    /// @dev What {judge} answers: whether every quorum is reached (1 or 0), the winner (`decided << 8 | option`),
    /// the certain outcome ({OPEN}, {PASSED}, {FAILED}).
    uint256 internal constant QUORUM_REACHED = 0;
    uint256 internal constant WINNER = 1;
    uint256 internal constant CERTAIN_OUTCOME = 2;

    /// @dev One entry point for the governor's questions (one call site each costs it code): see {QUORUM_REACHED},
    /// {WINNER}, {CERTAIN_OUTCOME}.
    function judge(Decision storage d, Basis memory basis, uint256 question) external view returns (uint256) {
        if (question == QUORUM_REACHED) return quorumReached(d, basis) ? 1 : 0;
        if (question == WINNER) {
            (bool decided, uint256 option) = winner(d, basis);
            return decided ? (1 << 8) | option : 0;
        }
        return certainOutcome(d, basis);
    }

    /// @dev Whether the proposal reached the category's quorum and every chamber's quorum.
    function quorumReached(Decision storage d, Basis memory basis) internal view returns (bool) {
        (uint256 qn, uint256 qd) = Fractions.quorumOf(basis.rule);
        uint256 cast = basis.forVotes + basis.againstVotes + basis.abstainVotes;
        if (!Fractions.reaches(cast, basis.quorumBase, qn, qd)) return false;
        (uint256[] memory slots, ) = _slots(d.chambers);
        for (uint256 s = 0; s < slots.length; ++s) {
            (uint256 n, uint256 dd) = ChamberConditions.measure(slots[s] >> 16, ChamberConditions.QUORUM);
            if (dd == 0) continue;
            (uint256 a, uint256 f, uint256 b, uint256 total) = _chamber(d, s);
            uint256 base = total - _excluded(d, s);
            if (base != 0 && !Fractions.reaches(a + f + b, base, n, dd)) return false;
        }
        return true;
    }

    /**
     * @dev The winning option (0 for a plain proposal that passes), if any: of the options meeting the category's
     * quorum and approval and every chamber condition, the one with the most power for it, alone at the top.
     */
    function winner(Decision storage d, Basis memory basis) internal view returns (bool decided, uint256 option) {
        (uint256[] memory slots, ) = _slots(d.chambers);
        uint256 options = _optionCount(d.choice);
        uint256 best = 0;
        bool tied = false;
        for (uint256 i = 0; i < options; ++i) {
            uint256 f = _optionVotes(d, basis, i);
            if (!_qualifies(d, basis, slots, i, f, _AS_CAST)) continue;
            if (!decided || f > best) {
                (decided, option, best, tied) = (true, i, f, false);
            } else if (f == best) {
                tied = true;
            }
        }
        if (tied) return (false, 0);
    }

    /// @dev The outcome the votes cast so far make certain: {OPEN}, {PASSED} or {FAILED}.
    function certainOutcome(Decision storage d, Basis memory basis) internal view returns (uint8) {
        (uint256[] memory slots, ) = _slots(d.chambers);
        uint256 options = _optionCount(d.choice);
        uint256 cast = basis.forVotes + basis.againstVotes + basis.abstainVotes;
        uint256 uncast = basis.electorate > cast ? basis.electorate - cast : 0;

        (bool decided, uint256 leader) = winner(d, basis);
        if (decided) {
            uint256 lead = _optionVotes(d, basis, leader);
            bool certain = _qualifies(d, basis, slots, leader, lead, _UNCAST_AGAINST);
            for (uint256 j = 0; certain && j < options; ++j) {
                if (j != leader && _optionVotes(d, basis, j) + uncast >= lead) certain = false;
            }
            if (certain) return PASSED;
        }
        for (uint256 i = 0; i < options; ++i) {
            if (_qualifies(d, basis, slots, i, _optionVotes(d, basis, i), _UNCAST_FOR)) return OPEN;
        }
        return FAILED;
    }

    // ------------------------------------------------------------------ views

    /// @dev Votes for each option (empty for a plain proposal).
    function optionVotes(Decision storage d) external view returns (uint256[] memory votes) {
        votes = new uint256[](_optionCount(d.choice) == 1 ? 0 : _optionCount(d.choice));
        for (uint256 i = 0; i < votes.length; ++i) votes[i] = _lane(d, i >> 3, i & 7);
    }

    // ------------------------------------------------------------------ private

    /// @dev Scenarios {_qualifies} judges: the votes as cast, every uncast power against, every uncast power for.
    uint256 private constant _AS_CAST = 0;
    uint256 private constant _UNCAST_AGAINST = 1;
    uint256 private constant _UNCAST_FOR = 2;

    /**
     * @dev Whether option `i`, with `f` votes for it, meets the category's quorum and approval and every chamber
     * condition in `scenario`: as cast, or with every uncast power added against it or for it (in each chamber its
     * own uncast power). Quorums are judged without the uncast power against: they cannot fall.
     */
    function _qualifies(
        Decision storage d,
        Basis memory basis,
        uint256[] memory slots,
        uint256 i,
        uint256 f,
        uint256 scenario
    ) private view returns (bool) {
        uint256 cast = basis.forVotes + basis.againstVotes + basis.abstainVotes;
        uint256 uncast = scenario == _AS_CAST || basis.electorate <= cast ? 0 : basis.electorate - cast;
        uint256 extraFor = scenario == _UNCAST_FOR ? uncast : 0;
        (uint256 n, uint256 dd) = Fractions.approvalOf(basis.rule);
        uint256 against = basis.forVotes + basis.againstVotes - f + (scenario == _UNCAST_AGAINST ? uncast : 0);
        if (!Fractions.approves(f + extraFor, against, n, dd)) return false;
        (n, dd) = Fractions.quorumOf(basis.rule);
        if (!Fractions.reaches(cast + extraFor, basis.quorumBase, n, dd)) return false;
        for (uint256 s = 0; s < slots.length; ++s) {
            if (!_chamberQualifies(d, slots[s], s, i, scenario, uncast)) return false;
        }
        return true;
    }

    /// @dev {_qualifies} for chamber `s` (`slot` its classes and condition); `uncast` is the electorate's.
    function _chamberQualifies(
        Decision storage d,
        uint256 slot,
        uint256 s,
        uint256 i,
        uint256 scenario,
        uint256 uncast
    ) private view returns (bool) {
        uint256 total;
        uint256 cast;
        uint256 decisive;
        uint256 fi;
        {
            (uint256 against, uint256 for_, uint256 abstain, uint256 power) = _chamber(d, s);
            (total, cast, decisive) = (power, against + for_ + abstain, against + for_);
            fi = _optionCount(d.choice) == 1 ? for_ : _lane(d, _SLOT_OPTION_WORDS + 2 * s + (i >> 3), i & 7);
        }
        uint256 base = total - _excluded(d, s);
        if (base == 0) return true;
        uint256 extra = scenario == _AS_CAST || total <= cast ? 0 : total - cast;
        if (!ChamberConditions.byCount(slot >> 16) && extra > uncast) extra = uncast; // part of the electorate's
        if (scenario == _UNCAST_FOR) return _meets(slot >> 16, fi + extra, decisive - fi, cast + extra, base);
        return _meets(slot >> 16, fi, decisive - fi + extra, cast, base);
    }

    /// @dev Whether `f` For, `a` Against and `cast` votes in all meet packed condition `c` in a chamber of `base`.
    function _meets(uint256 c, uint256 f, uint256 a, uint256 cast, uint256 base) private pure returns (bool) {
        (uint256 n, uint256 dd) = ChamberConditions.measure(c, ChamberConditions.QUORUM);
        if (dd != 0 && !Fractions.reaches(cast, base, n, dd)) return false;
        (n, dd) = ChamberConditions.measure(c, ChamberConditions.APPROVAL);
        if (dd != 0 && !Fractions.approves(f, a, n, dd)) return false;
        (n, dd) = ChamberConditions.measure(c, ChamberConditions.SUPPORT);
        if (dd != 0) {
            if (ChamberConditions.strictSupport(c) ? f * dd <= n * base : f * dd < n * base) return false;
        }
        (n, dd) = ChamberConditions.measure(c, ChamberConditions.BLOCKING);
        if (dd != 0 && a > 0 && a * dd >= n * (f + a)) return false;
        return true;
    }

    /**
     * @dev The chambers of a conditions word, in order (each condition, or each of its stakeholder groups), each as
     * its class mask | its packed condition << 16; and the union of their classes.
     */
    function _slots(uint256 chambers) private pure returns (uint256[] memory slots, uint256 union) {
        uint256 conditions = ChamberConditions.count(chambers);
        slots = new uint256[](_MAX_SLOTS);
        uint256 n = 0;
        for (uint256 k = 0; k < conditions; ++k) {
            uint256 c = ChamberConditions.at(chambers, k);
            uint256 members = ChamberConditions.members(c);
            union |= members;
            if (!ChamberConditions.eachGroup(c)) {
                slots[n++] = members | (c << 16);
                continue;
            }
            for (uint256 g = 0; g < 6; ++g) {
                uint256 group = members & (_GROUP_CLASSES << g);
                if (group != 0) slots[n++] = group | (c << 16);
            }
        }
        assembly ("memory-safe") {
            mstore(slots, n)
        }
    }

    /// @dev The sum over the classes of `slot` of the lane a chamber counts (units or members, in the electorate).
    function _sum(uint256[12] memory lanes, uint256 slot, bool constitutional) private pure returns (uint256 total) {
        uint256 shift = (ChamberConditions.byCount(slot >> 16) ? 64 : 0) + (constitutional ? 32 : 0);
        for (uint256 c = 0; c < 12; ++c) {
            if (slot & (1 << c) != 0) total += (lanes[c] >> shift) & _LANE;
        }
    }

    /// @dev The voter's votes by class: its own state's class alone when the ballot carries its own power only.
    function _votesByClass(
        Ballot memory ballot,
        address registry
    ) private view returns (uint256[12] memory votes) {
        uint256 state = ballot.state;
        uint256 units = uint96(state);
        uint256 constitutionalUnits = uint96(state >> 96);
        if (ballot.weight != (ballot.constitutional ? constitutionalUnits : units)) {
            return IConsortiumMembership(registry).votesByClassAt(ballot.account, ballot.snapshot);
        }
        uint256 class = (uint8(state >> 192) == uint8(IConsortiumMembership.Role.FoundingPartner) ? 0 : 6) +
            uint8(state >> 200);
        votes[class] = units | (constitutionalUnits << 32) | (1 << 64) | (constitutionalUnits != 0 ? 1 << 96 : 0);
    }

    /// @dev The ballot's options as a bit mask (0 unless it votes For on a choice), validated.
    function _chosenOptions(uint256 choice, uint8 support, bytes memory params) private pure returns (uint256 chosen) {
        (uint256 n, uint256 maxSelections) = optionsOf(choice);
        if (params.length == 0) {
            if (n != 0 && support == _FOR) revert IConsortiumGovernor.GovernorInvalidOptions();
            return 0;
        }
        if (n == 0 || support != _FOR || params.length < 64) revert IConsortiumGovernor.GovernorInvalidOptions();
        // Only the canonical `abi.encode(uint256[])` is accepted (anything else is refused with the custom error
        // rather than a bare revert from `abi.decode`): offset 32, then the length, then exactly that many words.
        uint256 offset;
        uint256 length;
        assembly ("memory-safe") {
            offset := mload(add(params, 32))
            length := mload(add(params, 64))
        }
        if (offset != 32 || length == 0 || length > maxSelections || params.length != 64 + 32 * length) {
            revert IConsortiumGovernor.GovernorInvalidOptions();
        }
        uint256 previous = 0;
        for (uint256 k = 0; k < length; ++k) {
            uint256 option;
            assembly ("memory-safe") {
                option := mload(add(params, add(96, shl(5, k))))
            }
            if (option >= n || (k > 0 && option <= previous)) revert IConsortiumGovernor.GovernorInvalidOptions();
            chosen |= 1 << option;
            previous = option;
        }
    }

    /// @dev Adds `votes` to the lanes of the `chosen` options in the two words from `word`.
    function _addToOptions(Decision storage d, uint256 word, uint256 chosen, uint256 votes) private {
        uint256 low = 0;
        uint256 high = 0;
        for (uint256 i = 0; i < MAX_OPTIONS; ++i) {
            if (chosen & (1 << i) == 0) continue;
            if (i < 8) low += votes << (i << 5);
            else high += votes << ((i - 8) << 5);
        }
        if (low != 0) d.tallies[word] += low;
        if (high != 0) d.tallies[word + 1] += high;
    }

    /// @dev Power for option `i` (the For votes on a plain proposal).
    function _optionVotes(Decision storage d, Basis memory basis, uint256 i) private view returns (uint256) {
        return _optionCount(d.choice) == 1 ? basis.forVotes : _lane(d, i >> 3, i & 7);
    }

    /// @dev Number of options judged: 1 for a plain proposal.
    function _optionCount(uint256 choice) private pure returns (uint256) {
        uint256 n = choice & 0xf;
        return n == 0 ? 1 : n;
    }

    /// @dev Against, For, Abstain and power (before left-out members) of chamber `s`.
    function _chamber(
        Decision storage d,
        uint256 s
    ) private view returns (uint256 against, uint256 for_, uint256 abstain, uint256 total) {
        uint256 bits = d.tallies[_SLOT_WORDS + (s >> 1)] >> ((s & 1) << 7);
        return (bits & _LANE, (bits >> 32) & _LANE, (bits >> 64) & _LANE, (bits >> _TOTAL) & _LANE);
    }

    function _excluded(Decision storage d, uint256 s) private view returns (uint256) {
        return _lane(d, _EXCLUDED_WORDS + (s >> 3), s & 7);
    }

    function _lane(Decision storage d, uint256 word, uint256 lane) private view returns (uint256) {
        return (d.tallies[word] >> (lane << 5)) & _LANE;
    }
}
