// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Governor} from "@openzeppelin/contracts/governance/Governor.sol";
import {Checkpoints} from "@openzeppelin/contracts/utils/structs/Checkpoints.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IConsortiumGovernor} from "../interfaces/IConsortiumGovernor.sol";
import {IConsortiumMembership} from "../interfaces/IConsortiumMembership.sol";

/**
 * @title GovernorCategoryRules
 * @notice Extension of {Governor} that derives each proposal's category from its actions and judges it by that
 * category's participation quorum and approval threshold, as in force at the proposal's snapshot.
 *
 * A call's category: to the governor or the timelock themselves, constitutional; to the membership registry,
 * membership for the six membership operations and constitutional for anything else (agreement amendments
 * included); the signal (zero address, no value, no data) is ordinary; any other call is treasury, because the
 * timelock holds the treasury and the target's code runs with the timelock as caller. The strictest call decides.
 *
 * Rules change only through {updateRules}, which targets this contract and is therefore constitutional. A proposal
 * is judged by the rule of its category in force when it was created, kept in its record: a later change never
 * applies to it. Changes are also checkpointed, for {rulesAt} and {quorum}.
 *
 * @dev Quorum: `(for + against + abstain) * q.denominator >= q.numerator * totalPower(snapshot)`.
 * Approval: `for * a.denominator >= a.numerator * (for + against)` and `for > against`.
 */
abstract contract GovernorCategoryRules is Governor, IConsortiumGovernor {
    using Checkpoints for Checkpoints.Trace208;

    /// @dev The rule set in force now; `id` keys `_packedRules` (per category 64 bits: quorum n, d, approval n, d).
    struct CurrentRules {
        uint32 id;
        bool earlyClose;
    }

    /// @dev Outcome of a proposal that can no longer change, whatever the members who have not voted yet do.
    enum Outcome {
        Open,
        Passed,
        Failed
    }

    uint256 private constant _CATEGORIES = 4;

    uint16 private immutable _minQuorumNumerator;
    uint16 private immutable _minQuorumDenominator;
    uint16 private immutable _minApprovalNumerator;
    uint16 private immutable _minApprovalDenominator;

    /**
     * @dev One slot per proposal, written at creation: its category, and the rule of that category and the
     * early-close switch then in force. After a vote (the only thing that can change them): the early-close
     * outcome and, once quorum is reached, the late-quorum deadline.
     */
    struct ProposalRecord {
        Category category;
        bool earlyClose;
        Outcome decided;
        uint16 quorumNumerator;
        uint16 quorumDenominator;
        uint16 approvalNumerator;
        uint16 approvalDenominator;
        uint48 extendedDeadline;
    }

    CurrentRules private _current;
    mapping(uint256 ruleSetId => uint256 packed) private _packedRules;
    Checkpoints.Trace208 private _ruleSetHistory; // timepoint => ruleSetId << 1 | earlyClose
    mapping(uint256 proposalId => ProposalRecord) private _records;

    /**
     * @param floors The lowest quorum (above zero) and approval threshold (at least one half) any rule may have.
     * @param initialRules The rules in force from deployment on.
     */
    constructor(CategoryRule memory floors, RuleSet memory initialRules) {
        Fraction memory q = floors.quorum;
        Fraction memory a = floors.approval;
        if (!_isShare(q) || q.numerator == 0 || !_isShare(a) || uint256(a.numerator) * 2 < a.denominator) {
            revert GovernorInvalidRule(Category.Ordinary);
        }
        _minQuorumNumerator = q.numerator;
        _minQuorumDenominator = q.denominator;
        _minApprovalNumerator = a.numerator;
        _minApprovalDenominator = a.denominator;
        _setRules(initialRules);
    }

    // ------------------------------------------------------------------ categories

    /// @inheritdoc IConsortiumGovernor
    function categorize(
        address[] memory targets,
        uint256[] memory values,
        bytes[] memory calldatas
    ) public view virtual returns (Category category) {
        for (uint256 i = 0; i < targets.length; ++i) {
            Category c = _categorizeCall(targets[i], values[i], calldatas[i]);
            if (c > category) category = c;
        }
    }

    /// @inheritdoc IConsortiumGovernor
    function proposalCategory(uint256 proposalId) public view virtual returns (Category) {
        if (proposalSnapshot(proposalId) == 0) revert GovernorUnknownProposal(proposalId);
        return _records[proposalId].category;
    }

    /**
     * @dev Category of one call. Anything this contract cannot prove to be weaker is constitutional.
     */
    function _categorizeCall(address target, uint256 value, bytes memory data) internal view virtual returns (Category) {
        if (target == address(this) || target == _executor()) return Category.Constitutional;
        if (target == _membershipRegistry()) {
            if (data.length < 4) return Category.Constitutional;
            bytes4 selector = bytes4(data);
            if (
                selector == IConsortiumMembership.admit.selector ||
                selector == IConsortiumMembership.remove.selector ||
                selector == IConsortiumMembership.suspend.selector ||
                selector == IConsortiumMembership.reinstate.selector ||
                selector == IConsortiumMembership.setRole.selector ||
                selector == IConsortiumMembership.setWeight.selector
            ) {
                return value == 0 ? Category.Membership : Category.Constitutional;
            }
            return Category.Constitutional;
        }
        // Only the signal (a call to the zero address, without value or data) is proven to do nothing: any other
        // target may run code (now, or once deployed there) with the timelock as caller.
        if (target == address(0) && value == 0 && data.length == 0) return Category.Ordinary;
        return Category.Treasury;
    }

    /// @dev Records the category of a new proposal and the rule it will be judged by. See {Governor-_propose}.
    function _propose(
        address[] memory targets,
        uint256[] memory values,
        bytes[] memory calldatas,
        string memory description,
        address proposer
    ) internal virtual override returns (uint256 proposalId) {
        proposalId = super._propose(targets, values, calldatas, description, proposer);
        Category category = categorize(targets, values, calldatas);
        CurrentRules memory current = _current;
        CategoryRule memory rule = _unpack(_packedRules[current.id], category);
        _records[proposalId] = ProposalRecord({
            category: category,
            earlyClose: current.earlyClose,
            decided: Outcome.Open,
            quorumNumerator: rule.quorum.numerator,
            quorumDenominator: rule.quorum.denominator,
            approvalNumerator: rule.approval.numerator,
            approvalDenominator: rule.approval.denominator,
            extendedDeadline: 0
        });
        emit ProposalCategorized(proposalId, category);
    }

    // ------------------------------------------------------------------ rules

    /// @inheritdoc IConsortiumGovernor
    function rulesAt(uint256 timepoint) public view virtual returns (RuleSet memory rules) {
        (uint256 id, bool earlyClose) = _ruleSetAt(timepoint);
        uint256 packed = _packedRules[id];
        for (uint256 c = 0; c < _CATEGORIES; ++c) {
            rules.rules[c] = _unpack(packed, Category(c));
        }
        rules.earlyClose = earlyClose;
    }

    /// @inheritdoc IConsortiumGovernor
    function ruleFloors() public view virtual returns (Fraction memory minQuorum, Fraction memory minApproval) {
        return (
            Fraction(_minQuorumNumerator, _minQuorumDenominator),
            Fraction(_minApprovalNumerator, _minApprovalDenominator)
        );
    }

    /// @inheritdoc IConsortiumGovernor
    function proposalRule(uint256 proposalId) public view virtual returns (CategoryRule memory) {
        proposalCategory(proposalId); // reverts for an unknown proposal
        CategoryRule memory rule = _ruleOf(proposalId);
        return rule;
    }

    /// @inheritdoc IConsortiumGovernor
    function proposalQuorum(uint256 proposalId) public view virtual returns (uint256) {
        Fraction memory q = proposalRule(proposalId).quorum;
        return _votesFor(_electorateOf(proposalId), q);
    }

    /**
     * @notice Votes needed to reach the ordinary category's quorum at `timepoint`.
     * @dev {IGovernor-quorum} has no proposal argument; stricter categories need more, see {proposalQuorum}.
     */
    function quorum(uint256 timepoint) public view virtual override returns (uint256) {
        (uint256 id, ) = _ruleSetAt(timepoint);
        Fraction memory q = _unpack(_packedRules[id], Category.Ordinary).quorum;
        return _votesFor(_totalPowerAt(timepoint), q);
    }

    /// @inheritdoc IConsortiumGovernor
    function updateRules(RuleSet calldata rules) public virtual onlyGovernance {
        _setRules(rules);
    }

    function _setRules(RuleSet memory rules) internal virtual {
        uint256 packed;
        for (uint256 c = 0; c < _CATEGORIES; ++c) {
            CategoryRule memory rule = rules.rules[c];
            if (
                !_isShare(rule.quorum) ||
                !_isShare(rule.approval) ||
                _less(rule.quorum, Fraction(_minQuorumNumerator, _minQuorumDenominator)) ||
                _less(rule.approval, Fraction(_minApprovalNumerator, _minApprovalDenominator))
            ) revert GovernorInvalidRule(Category(c));
            if (c > 0) {
                CategoryRule memory weaker = rules.rules[c - 1];
                if (_less(rule.quorum, weaker.quorum) || _less(rule.approval, weaker.approval)) {
                    revert GovernorRulesNotMonotonic(Category(c));
                }
            }
            packed |= _pack(rule) << (64 * c);
        }
        uint32 id = _ruleSetHistory.length() == 0 ? 0 : _current.id + 1;
        _packedRules[id] = packed;
        _current = CurrentRules(id, rules.earlyClose);
        uint48 effectiveFrom = clock();
        _ruleSetHistory.push(effectiveFrom, (uint208(id) << 1) | (rules.earlyClose ? 1 : 0));
        emit RulesUpdated(id, effectiveFrom, rules);
    }

    /// @dev Id and early-close switch of the rule set in force at `timepoint`.
    function _ruleSetAt(uint256 timepoint) internal view returns (uint256 id, bool earlyClose) {
        uint256 value = _ruleSetHistory.upperLookupRecent(SafeCast.toUint48(timepoint));
        return (value >> 1, value & 1 == 1);
    }

    // ------------------------------------------------------------------ counting

    /// @dev Participation quorum of the proposal's category. See {Governor-_quorumReached}.
    function _quorumReached(uint256 proposalId) internal view virtual override returns (bool) {
        (uint256 againstVotes, uint256 forVotes, uint256 abstainVotes) = proposalVotes(proposalId);
        CategoryRule memory rule = _ruleOf(proposalId);
        return _reaches(againstVotes + forVotes + abstainVotes, _electorateOf(proposalId), rule.quorum);
    }

    /// @dev Approval threshold of the proposal's category. See {Governor-_voteSucceeded}.
    function _voteSucceeded(uint256 proposalId) internal view virtual override returns (bool) {
        (uint256 againstVotes, uint256 forVotes, ) = proposalVotes(proposalId);
        CategoryRule memory rule = _ruleOf(proposalId);
        return _approves(forVotes, againstVotes, rule.approval);
    }

    /// @dev After each vote: record whether the outcome is now certain. See {Governor-_tallyUpdated}.
    function _tallyUpdated(uint256 proposalId) internal virtual override {
        super._tallyUpdated(proposalId);
        ProposalRecord memory r = _records[proposalId];
        if (r.earlyClose) {
            Outcome decided = _certainOutcome(proposalId, r);
            if (decided != r.decided) _records[proposalId].decided = decided;
        }
    }

    /// @dev The late-quorum deadline kept in the proposal's record (0 until quorum is reached).
    function _extendedDeadline(uint256 proposalId) internal view virtual returns (uint48) {
        return _records[proposalId].extendedDeadline;
    }

    function _setExtendedDeadline(uint256 proposalId, uint48 deadline) internal virtual {
        _records[proposalId].extendedDeadline = deadline;
    }

    /**
     * @dev The early-close outcome recorded after the latest vote: passed if quorum is reached and approval holds
     * even if all uncast power votes against; failed if approval fails even if all uncast power votes for.
     * {Outcome-Open} before the first vote and whenever the rules at the snapshot do not allow an early close.
     */
    function _decidedOutcome(uint256 proposalId) internal view virtual returns (Outcome) {
        return _records[proposalId].decided;
    }

    function _certainOutcome(uint256 proposalId, ProposalRecord memory r) private view returns (Outcome) {
        (uint256 againstVotes, uint256 forVotes, uint256 abstainVotes) = proposalVotes(proposalId);
        Fraction memory q = Fraction(r.quorumNumerator, r.quorumDenominator);
        Fraction memory a = Fraction(r.approvalNumerator, r.approvalDenominator);
        uint256 total = _electorateOf(proposalId);
        uint256 cast = againstVotes + forVotes + abstainVotes;
        uint256 uncast = total > cast ? total - cast : 0;
        if (_reaches(cast, total, q) && _approves(forVotes, againstVotes + uncast, a)) return Outcome.Passed;
        if (!_approves(forVotes + uncast, againstVotes, a) || !_reaches(total, total, q)) return Outcome.Failed;
        return Outcome.Open;
    }

    /// @dev The rule the proposal is judged by, kept in its record since creation.
    function _ruleOf(uint256 proposalId) private view returns (CategoryRule memory) {
        ProposalRecord storage r = _records[proposalId];
        return CategoryRule(
            Fraction(r.quorumNumerator, r.quorumDenominator),
            Fraction(r.approvalNumerator, r.approvalDenominator)
        );
    }

    /// @dev Total voting power at the proposal's snapshot: as recorded by the first vote, else looked up. Reverts
    /// before the snapshot (ERC5805FutureLookup).
    function _electorateOf(uint256 proposalId) private view returns (uint256) {
        uint256 recorded = _votedElectorate(proposalId);
        return recorded != 0 ? recorded : _totalPowerAt(proposalSnapshot(proposalId));
    }

    /// @dev The counting module's tallies for `proposalId`.
    function proposalVotes(
        uint256 proposalId
    ) public view virtual returns (uint256 againstVotes, uint256 forVotes, uint256 abstainVotes);

    /// @dev Total voting power at `timepoint`.
    function _totalPowerAt(uint256 timepoint) internal view virtual returns (uint256);

    /// @dev Total voting power at the proposal's snapshot as recorded by the counting module's first vote; 0 before.
    function _votedElectorate(uint256 proposalId) internal view virtual returns (uint256);

    /// @dev The membership registry, whose operations form the membership category.
    function _membershipRegistry() internal view virtual returns (address);

    // ------------------------------------------------------------------ fractions

    /// @dev Smallest number of votes that reaches share `q` of `total` (total is at most 2^208: no overflow).
    function _votesFor(uint256 total, Fraction memory q) private pure returns (uint256) {
        return (total * q.numerator + q.denominator - 1) / q.denominator;
    }

    function _reaches(uint256 votes, uint256 total, Fraction memory q) private pure returns (bool) {
        return votes * q.denominator >= uint256(q.numerator) * total;
    }

    function _approves(uint256 forVotes, uint256 againstVotes, Fraction memory a) private pure returns (bool) {
        return forVotes > againstVotes && forVotes * a.denominator >= uint256(a.numerator) * (forVotes + againstVotes);
    }

    function _isShare(Fraction memory f) private pure returns (bool) {
        return f.denominator != 0 && f.numerator <= f.denominator;
    }

    function _less(Fraction memory x, Fraction memory y) private pure returns (bool) {
        return uint256(x.numerator) * y.denominator < uint256(y.numerator) * x.denominator;
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
