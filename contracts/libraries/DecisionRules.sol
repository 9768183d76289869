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
 * proposals pay nothing for them; and it counts the everyday ballot on a proposal with chambers ({countOwnVote},
 * internal) in its own code, without the call. Storage of one proposal ({Decision}): the choice word (set at
 * proposal: option count in bits 0..3, maximum selections in 4..7, the end of option `i`'s actions at bit 8 + 8i),
 * the chamber conditions (fixed by the first vote) and tally words: the options' For votes (32 bits each, eight a
 * word) at words 0..1; each chamber's Against, For, Abstain and power (32 bits each, two chambers a word) from word
 * 2; each chamber's For votes per option at words 16 + 2 * chamber; each chamber's left-out power (eight a word) from
 * word 64.
 * The conditions word carries two flags above its count (bit 255: not a choice; bit 254: some power left out), so a
 * vote on a plain proposal reads neither the choice word nor the left-out words.
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
    /// @dev Flags {openChambers} adds to the stored conditions word (above the count at bits 240..241): the proposal
    /// is not a choice (its choice word need not be read), and some power is left out (the left-out words are read).
    uint256 private constant _PLAIN = 1 << 255;
    uint256 private constant _EXCLUSIONS = 1 << 254;
    uint256 private constant _CONDITIONS = (1 << 242) - 1;

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
        (uint256[] memory slots, uint256 union) = _slots(chambers);
        uint256[12] memory power = IConsortiumMembership(registry).classPowerAt(snapshot, union);
        for (uint256 s = 0; s < slots.length; ++s) {
            uint256 total = _sum(power, slots[s], constitutional);
            d.tallies[_SLOT_WORDS + (s >> 1)] |= total << (((s & 1) << 7) + _TOTAL);
        }
        uint256 flags = d.choice == 0 ? _PLAIN : 0;
        for (uint256 k = 0; k < sanctioned.length; ++k) {
            uint256[12] memory votes = IConsortiumMembership(registry).votesByClassAt(sanctioned[k], snapshot);
            for (uint256 s = 0; s < slots.length; ++s) {
                uint256 left = _sum(votes, slots[s], constitutional);
                if (left == 0) continue;
                d.tallies[_EXCLUDED_WORDS + (s >> 3)] += left << ((s & 7) << 5);
                flags = flags | _EXCLUSIONS;
            }
        }
        d.chambers = chambers | flags;
    }

    /**
     * @dev Counts `ballot` in the proposal's options and chambers (its overall tally is the governor's). Reverts with
     * {IConsortiumGovernor-GovernorInvalidOptions} when the params do not fit the proposal: options on a plain
     * proposal or with Against or Abstain, none with For on a choice, an unknown option, options out of order or
     * repeated, more than the proposal allows. The governor counts a plain proposal's ballot cast with the voter's
     * own power itself ({countOwnVote}); this covers choices and ballots that carry other members' power.
     */
    function count(Decision storage d, Ballot memory ballot, bytes memory params, address registry) external {
        uint256 chambers = d.chambers;
        uint256 chosen = _chosenOptions(chambers & _PLAIN != 0 ? 0 : d.choice, ballot.support, params);
        if (chosen != 0) _addToOptions(d, 0, chosen, ballot.weight);
        chambers &= _CONDITIONS;
        if (chambers == 0) return;
        (uint256[] memory slots, ) = _slots(chambers);
        uint256[] memory added = new uint256[](slots.length);
        (bool own, uint256 class) = ownClass(ballot.state, ballot.weight, ballot.constitutional);
        if (own) {
            for (uint256 s = 0; s < slots.length; ++s) {
                added[s] = _ownPowerIn(slots[s], slots[s] >> 16, class, ballot.weight);
            }
        } else {
            uint256[12] memory votes = IConsortiumMembership(registry).votesByClassAt(ballot.account, ballot.snapshot);
            for (uint256 s = 0; s < slots.length; ++s) added[s] = _sum(votes, slots[s], ballot.constitutional);
        }
        for (uint256 s = 0; chosen != 0 && s < slots.length; ++s) {
            if (added[s] != 0) _addToOptions(d, _SLOT_OPTION_WORDS + 2 * s, chosen, added[s]);
        }
        _addToChambers(d, added, ballot.support);
    }

    /**
     * @dev Whether a ballot of `weight` from a voter in `state` at the snapshot (see {IConsortiumMembership-voterAt})
     * carries the voter's own power only (`own`), and then the voter's class (role x stakeholder group). A proxy's
     * ballot carries its principals' power, in their classes.
     */
    function ownClass(
        uint256 state,
        uint256 weight,
        bool constitutional
    ) internal pure returns (bool own, uint256 class) {
        if (weight != uint96(constitutional ? state >> 96 : state)) return (false, 0);
        class = (uint8(state >> 192) == uint8(IConsortiumMembership.Role.FoundingPartner) ? 0 : 6) + uint8(state >> 200);
        return (true, class);
    }

    /**
     * @dev Counts, in the chambers of a plain proposal (not a choice), a ballot without params cast with the voter's
     * own power `weight` (from a voter of `class`, see {ownClass}), when each condition is one chamber (none applies
     * to each stakeholder group separately): then `counted`, else nothing is written and {count} counts it. Internal,
     * so that the governor runs it in its own code: the everyday vote on a proposal with chambers makes no library
     * call.
     *
     * Also answers, when `uncast` is the electorate's power not cast once a For ballot is counted (the governor asks
     * after an earlier ballot, with early close), whether this ballot leaves every chamber's verdict for early close
     * as it was (`settled`; `type(uint256).max` does not ask). A For ballot adds to a chamber's For what it takes
     * from the chamber's uncast power, so the chamber's measures with all uncast power for it cannot get worse, and
     * with it against them nothing changes that the category's own measures do not already judge; unless the uncast
     * power a weight chamber counts is capped by the electorate's (`uncast`), which a ballot from outside the chamber
     * lowers: `settled` is false when some weight chamber has more uncast power than the electorate's. The governor
     * then needs the category's quorum and approval alone to know the outcome stays open (see
     * {GovernorChambersAndChoices}).
     */
    function countOwnVote(
        Decision storage d,
        uint8 support,
        uint256 class,
        uint256 weight,
        uint256 uncast
    ) internal returns (bool counted, bool settled) {
        uint256 chambers = d.chambers;
        uint256 n = ChamberConditions.count(chambers & _CONDITIONS);
        // Chamber k's lanes are at bit 128 * (k % 2) of tally word 2 + k / 2: at most three chambers, two words.
        uint256 low = 0;
        uint256 high = 0;
        for (uint256 k = 0; k < n; ++k) {
            uint256 c = ChamberConditions.at(chambers, k);
            if (ChamberConditions.eachGroup(c)) return (false, false);
            uint256 added = _ownPowerIn(c, c, class, weight) << (((k & 1) << 7) + (uint256(support) << 5));
            if (k < 2) low += added;
            else high = added;
        }
        settled = uncast != type(uint256).max && support == _FOR;
        if (low != 0) low = d.tallies[_SLOT_WORDS] += low;
        else if (settled) low = d.tallies[_SLOT_WORDS];
        if (high != 0) high = d.tallies[_SLOT_WORDS + 1] += high;
        else if (settled && n > 2) high = d.tallies[_SLOT_WORDS + 1];
        if (!settled) return (true, false);
        for (uint256 k = 0; k < n; ++k) {
            uint256 lanesOfK = k < 2 ? low >> ((k & 1) << 7) : high;
            if (_capped(ChamberConditions.at(chambers, k), lanesOfK, uncast)) return (true, false);
        }
        return (true, true);
    }

    /// @dev Whether a chamber counted by weight (`condition`), whose lanes are the low 128 bits of `tallies`, has more
    /// uncast power than the electorate's `uncast` (see {countOwnVote}).
    function _capped(uint256 condition, uint256 tallies, uint256 uncast) private pure returns (bool) {
        if (ChamberConditions.byCount(condition)) return false;
        (uint256 against, uint256 for_, uint256 abstain, uint256 total) = _tally((tallies & type(uint128).max) << 128);
        uint256 cast = against + for_ + abstain;
        return total > cast && total - cast > uncast;
    }

    /// @dev Adds the power `added` to each chamber by a ballot of `support`: one write per tally word (two chambers a
    /// word), none for a word the ballot adds nothing to.
    function _addToChambers(Decision storage d, uint256[] memory added, uint8 support) private {
        uint256 bits = 0;
        for (uint256 s = 0; s < added.length; ++s) {
            bits += added[s] << (((s & 1) << 7) + (uint256(support) << 5));
            if ((s & 1 == 1 || s + 1 == added.length) && bits != 0) {
                d.tallies[_SLOT_WORDS + (s >> 1)] += bits;
                bits = 0;
            }
        }
    }

    // ------------------------------------------------------------------ judging

    /// @dev What {judge} answers: whether every quorum is reached (1 or 0), the winner (`decided << 8 | option`),
    /// the certain outcome ({OPEN}, {PASSED}, {FAILED}).
    uint256 internal constant QUORUM_REACHED = 0;
    uint256 internal constant WINNER = 1;
    uint256 internal constant CERTAIN_OUTCOME = 2;

    /// @dev One entry point for the governor's questions (one call site each costs it code): see {QUORUM_REACHED},
    /// {WINNER}, {CERTAIN_OUTCOME}. The proposal's words are read once ({_load}).
    function judge(Decision storage d, Basis memory basis, uint256 question) external view returns (uint256) {
        if (question == QUORUM_REACHED && !_overallQuorumReached(basis)) return 0; // the chambers need not be read
        (uint256 choice, uint256[] memory slots) = _load(d);
        if (question == QUORUM_REACHED) return quorumReached(slots, basis) ? 1 : 0;
        if (question == WINNER) {
            (bool decided, uint256 option) = winner(d, choice, slots, basis);
            return decided ? (1 << 8) | option : 0;
        }
        return certainOutcome(d, choice, slots, basis);
    }

    /// @dev Whether the proposal reached the category's quorum and every chamber's quorum (`slots` as {_load}s).
    function quorumReached(uint256[] memory slots, Basis memory basis) internal pure returns (bool) {
        if (!_overallQuorumReached(basis)) return false;
        for (uint256 s = 0; s < slots.length; ++s) {
            (uint256 n, uint256 dd) = ChamberConditions.measure(slots[s] >> 16, ChamberConditions.QUORUM);
            if (dd == 0) continue;
            (uint256 a, uint256 f, uint256 b, uint256 total) = _tally(slots[s]);
            uint256 base = total - _leftOut(slots[s]);
            if (base != 0 && !Fractions.reaches(a + f + b, base, n, dd)) return false;
        }
        return true;
    }

    /// @dev Whether the votes cast reach the category's quorum.
    function _overallQuorumReached(Basis memory basis) private pure returns (bool) {
        (uint256 qn, uint256 qd) = Fractions.quorumOf(basis.rule);
        return Fractions.reaches(basis.forVotes + basis.againstVotes + basis.abstainVotes, basis.quorumBase, qn, qd);
    }

    /**
     * @dev The winning option (0 for a plain proposal that passes), if any: of the options meeting the category's
     * quorum and approval and every chamber condition, the one with the most power for it, alone at the top.
     */
    function winner(
        Decision storage d,
        uint256 choice,
        uint256[] memory slots,
        Basis memory basis
    ) internal view returns (bool decided, uint256 option) {
        uint256 options = _optionCount(choice);
        uint256 best = 0;
        bool tied = false;
        for (uint256 i = 0; i < options; ++i) {
            uint256 f = _optionVotes(d, choice, basis, i);
            if (!_qualifies(d, choice, basis, slots, i, f, _AS_CAST)) continue;
            if (!decided || f > best) {
                (decided, option, best, tied) = (true, i, f, false);
            } else if (f == best) {
                tied = true;
            }
        }
        if (tied) return (false, 0);
    }

    /// @dev The outcome the votes cast so far make certain: {OPEN}, {PASSED} or {FAILED}.
    function certainOutcome(
        Decision storage d,
        uint256 choice,
        uint256[] memory slots,
        Basis memory basis
    ) internal view returns (uint8) {
        (bool decided, uint256 leader) = winner(d, choice, slots, basis);
        if (decided) {
            // An option that qualifies as cast still does with more votes for it: the outcome is not FAILED.
            return _passedEarly(d, choice, slots, basis, leader) ? PASSED : OPEN;
        }
        uint256 options = _optionCount(choice);
        for (uint256 i = 0; i < options; ++i) {
            if (_qualifies(d, choice, basis, slots, i, _optionVotes(d, choice, basis, i), _UNCAST_FOR)) return OPEN;
        }
        return FAILED;
    }

    /// @dev Whether `leader`, the winner so far, keeps winning whatever the uncast power does (see
    /// {certainOutcome}): it still qualifies with every uncast power against it, and no other option can reach it.
    function _passedEarly(
        Decision storage d,
        uint256 choice,
        uint256[] memory slots,
        Basis memory basis,
        uint256 leader
    ) private view returns (bool) {
        uint256 lead = _optionVotes(d, choice, basis, leader);
        if (!_qualifies(d, choice, basis, slots, leader, lead, _UNCAST_AGAINST)) return false;
        uint256 cast = basis.forVotes + basis.againstVotes + basis.abstainVotes;
        uint256 uncast = basis.electorate > cast ? basis.electorate - cast : 0;
        uint256 options = _optionCount(choice);
        for (uint256 j = 0; j < options; ++j) {
            if (j != leader && _optionVotes(d, choice, basis, j) + uncast >= lead) return false;
        }
        return true;
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
        uint256 choice,
        Basis memory basis,
        uint256[] memory slots,
        uint256 i,
        uint256 f,
        uint256 scenario
    ) private view returns (bool) {
        (bool overall, uint256 uncast) = _overallQualifies(basis, f, scenario);
        if (!overall) return false;
        for (uint256 s = 0; s < slots.length; ++s) {
            uint256 fi = choice == 0 ? 0 : _lane(d, _SLOT_OPTION_WORDS + 2 * s + (i >> 3), i & 7);
            if (!_chamberQualifies(slots[s], choice == 0, fi, scenario, uncast)) return false;
        }
        return true;
    }

    /// @dev {_qualifies} for the category's quorum and approval; also the electorate's uncast power in `scenario`
    /// (0 as cast).
    function _overallQualifies(
        Basis memory basis,
        uint256 f,
        uint256 scenario
    ) private pure returns (bool, uint256 uncast) {
        uint256 cast = basis.forVotes + basis.againstVotes + basis.abstainVotes;
        uncast = scenario == _AS_CAST || basis.electorate <= cast ? 0 : basis.electorate - cast;
        uint256 extraFor = scenario == _UNCAST_FOR ? uncast : 0;
        (uint256 n, uint256 dd) = Fractions.approvalOf(basis.rule);
        uint256 against = basis.forVotes + basis.againstVotes - f + (scenario == _UNCAST_AGAINST ? uncast : 0);
        if (!Fractions.approves(f + extraFor, against, n, dd)) return (false, uncast);
        (n, dd) = Fractions.quorumOf(basis.rule);
        return (Fractions.reaches(cast + extraFor, basis.quorumBase, n, dd), uncast);
    }

    /// @dev {_qualifies} for one chamber (`slot` as {_load}s it), with `fi` its votes for the option judged (its For
    /// votes on a `plain` proposal); `uncast` is the electorate's.
    function _chamberQualifies(
        uint256 slot,
        bool plain,
        uint256 fi,
        uint256 scenario,
        uint256 uncast
    ) private pure returns (bool) {
        (uint256 against, uint256 for_, uint256 abstain, uint256 total) = _tally(slot);
        uint256 base = total - _leftOut(slot);
        if (base == 0) return true;
        if (plain) fi = for_;
        uint256 cast = against + for_ + abstain;
        uint256 decisive = against + for_;
        uint256 extra = scenario == _AS_CAST || total <= cast ? 0 : total - cast;
        if (!ChamberConditions.byCount(slot >> 16) && extra > uncast) extra = uncast; // part of the electorate's
        if (scenario == _UNCAST_FOR) return _meets(slot >> 16, fi + extra, decisive - fi, cast + extra, base);
        return _meets(slot >> 16, fi, decisive - fi + extra, cast, base);
    }

    /// @dev Whether `f` For, `a` Against and `cast` votes in all meet packed condition `c` in a chamber of `base`.
    function _meets(uint256 c, uint256 f, uint256 a, uint256 cast, uint256 base) private pure returns (bool) {
        // 32-bit lanes times 8-bit terms: no product comes near overflowing.
        unchecked {
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

    /**
     * @dev The proposal's choice word (0 for a plain proposal, without reading it) and its chambers as {_slots}
     * gives them, each completed with what judging needs, read once: its power left out at bits 96..127 and its
     * Against, For, Abstain and power at bits 128, 160, 192 and 224.
     */
    function _load(Decision storage d) private view returns (uint256 choice, uint256[] memory slots) {
        uint256 chambers = d.chambers;
        choice = chambers & _PLAIN != 0 ? 0 : d.choice;
        (slots, ) = _slots(chambers & _CONDITIONS);
        uint256 word = 0;
        for (uint256 s = 0; s < slots.length; ++s) {
            if (s & 1 == 0) word = d.tallies[_SLOT_WORDS + (s >> 1)];
            slots[s] |= ((word >> ((s & 1) << 7)) & type(uint128).max) << 128;
        }
        if (chambers & _EXCLUSIONS == 0) return (choice, slots);
        for (uint256 s = 0; s < slots.length; ++s) {
            if (s & 7 == 0) word = d.tallies[_EXCLUDED_WORDS + (s >> 3)];
            slots[s] |= ((word >> ((s & 7) << 5)) & _LANE) << 96;
        }
    }

    /// @dev Against, For, Abstain and power (before left-out members) of a loaded slot.
    function _tally(
        uint256 slot
    ) private pure returns (uint256 against, uint256 for_, uint256 abstain, uint256 total) {
        return ((slot >> 128) & _LANE, (slot >> 160) & _LANE, (slot >> 192) & _LANE, slot >> 224);
    }

    /// @dev Power left out of a loaded slot (members the proposal suspends or removes).
    function _leftOut(uint256 slot) private pure returns (uint256) {
        return (slot >> 96) & _LANE;
    }

    /// @dev What a ballot of the voter's own power `weight` (from a voter of `class`) adds to a chamber of the classes
    /// `members` (bits 0..11) under `condition`: the voter (one member) or its weight, if the chamber holds the class.
    function _ownPowerIn(
        uint256 members,
        uint256 condition,
        uint256 class,
        uint256 weight
    ) private pure returns (uint256) {
        if (members & (1 << class) == 0) return 0;
        return ChamberConditions.byCount(condition) ? 1 : weight;
    }

    /// @dev The sum over the classes of `slot` of the lane a chamber counts (units or members, in the electorate).
    function _sum(uint256[12] memory lanes, uint256 slot, bool constitutional) private pure returns (uint256 total) {
        uint256 shift = (ChamberConditions.byCount(slot >> 16) ? 64 : 0) + (constitutional ? 32 : 0);
        for (uint256 c = 0; c < 12; ++c) {
            if (slot & (1 << c) != 0) total += (lanes[c] >> shift) & _LANE;
        }
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

    /// @dev Power for option `i` (the For votes on a plain proposal, `choice` 0).
    function _optionVotes(
        Decision storage d,
        uint256 choice,
        Basis memory basis,
        uint256 i
    ) private view returns (uint256) {
        return choice == 0 ? basis.forVotes : _lane(d, i >> 3, i & 7);
    }

    /// @dev Number of options judged: 1 for a plain proposal.
    function _optionCount(uint256 choice) private pure returns (uint256) {
        uint256 n = choice & 0xf;
        return n == 0 ? 1 : n;
    }

    function _lane(Decision storage d, uint256 word, uint256 lane) private view returns (uint256) {
        return (d.tallies[word] >> (lane << 5)) & _LANE;
    }
}
