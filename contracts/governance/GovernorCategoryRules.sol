// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Governor} from "@openzeppelin/contracts/governance/Governor.sol";
import {Checkpoints} from "@openzeppelin/contracts/utils/structs/Checkpoints.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
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
 * included); to any other contract, treasury if it carries value or calldata (the timelock holds the treasury, so
 * such a call may commit its assets) and ordinary otherwise. The strictest call decides.
 *
 * Rules change only through {updateRules}, which targets this contract and is therefore constitutional. A change
 * is checkpointed at the current time: a proposal whose snapshot is earlier keeps the rules it was opened under.
 *
 * @dev Quorum: `(for + against + abstain) * q.denominator >= q.numerator * totalPower(snapshot)`.
 * Approval: `for * a.denominator >= a.numerator * (for + against)` and `for > against`.
 */
abstract contract GovernorCategoryRules is Governor, IConsortiumGovernor {
    using Checkpoints for Checkpoints.Trace208;

    /// @dev How `updateRules` packs the rules: per category 64 bits (quorum n, quorum d, approval n, approval d).
    struct StoredRuleSet {
        uint256 packedRules;
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

    StoredRuleSet[] private _ruleSets;
    Checkpoints.Trace208 private _ruleSetHistory;
    mapping(uint256 proposalId => Category) private _categories;

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
        return _categories[proposalId];
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
        if (value != 0 || data.length != 0) return Category.Treasury;
        return Category.Ordinary;
    }

    /// @dev Records the category of a new proposal. See {Governor-_propose}.
    function _propose(
        address[] memory targets,
        uint256[] memory values,
        bytes[] memory calldatas,
        string memory description,
        address proposer
    ) internal virtual override returns (uint256 proposalId) {
        proposalId = super._propose(targets, values, calldatas, description, proposer);
        Category category = categorize(targets, values, calldatas);
        _categories[proposalId] = category;
        emit ProposalCategorized(proposalId, category);
    }

    // ------------------------------------------------------------------ rules

    /// @inheritdoc IConsortiumGovernor
    function rulesAt(uint256 timepoint) public view virtual returns (RuleSet memory rules) {
        StoredRuleSet storage stored = _ruleSets[_ruleSetIdAt(timepoint)];
        for (uint256 c = 0; c < _CATEGORIES; ++c) {
            rules.rules[c] = _unpack(stored.packedRules, Category(c));
        }
        rules.earlyClose = stored.earlyClose;
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
        return _unpack(_ruleSets[_ruleSetIdAt(proposalSnapshot(proposalId))].packedRules, proposalCategory(proposalId));
    }

    /// @inheritdoc IConsortiumGovernor
    function proposalQuorum(uint256 proposalId) public view virtual returns (uint256) {
        Fraction memory q = proposalRule(proposalId).quorum;
        return Math.mulDiv(_totalPowerAt(proposalSnapshot(proposalId)), q.numerator, q.denominator, Math.Rounding.Ceil);
    }

    /**
     * @notice Votes needed to reach the ordinary category's quorum at `timepoint`.
     * @dev {IGovernor-quorum} has no proposal argument; stricter categories need more, see {proposalQuorum}.
     */
    function quorum(uint256 timepoint) public view virtual override returns (uint256) {
        Fraction memory q = _unpack(_ruleSets[_ruleSetIdAt(timepoint)].packedRules, Category.Ordinary).quorum;
        return Math.mulDiv(_totalPowerAt(timepoint), q.numerator, q.denominator, Math.Rounding.Ceil);
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
        uint256 id = _ruleSets.length;
        _ruleSets.push(StoredRuleSet({packedRules: packed, earlyClose: rules.earlyClose}));
        uint48 effectiveFrom = clock();
        _ruleSetHistory.push(effectiveFrom, SafeCast.toUint208(id));
        emit RulesUpdated(id, effectiveFrom, rules);
    }

    function _ruleSetIdAt(uint256 timepoint) internal view returns (uint256) {
        return _ruleSetHistory.upperLookupRecent(SafeCast.toUint48(timepoint));
    }

    // ------------------------------------------------------------------ counting

    /// @dev Participation quorum of the proposal's category. See {Governor-_quorumReached}.
    function _quorumReached(uint256 proposalId) internal view virtual override returns (bool) {
        (uint256 againstVotes, uint256 forVotes, uint256 abstainVotes) = proposalVotes(proposalId);
        uint256 snapshot = proposalSnapshot(proposalId);
        Fraction memory q = _unpack(_ruleSets[_ruleSetIdAt(snapshot)].packedRules, _categories[proposalId]).quorum;
        return _reaches(againstVotes + forVotes + abstainVotes, _totalPowerAt(snapshot), q);
    }

    /// @dev Approval threshold of the proposal's category. See {Governor-_voteSucceeded}.
    function _voteSucceeded(uint256 proposalId) internal view virtual override returns (bool) {
        (uint256 againstVotes, uint256 forVotes, ) = proposalVotes(proposalId);
        uint256 snapshot = proposalSnapshot(proposalId);
        Fraction memory a = _unpack(_ruleSets[_ruleSetIdAt(snapshot)].packedRules, _categories[proposalId]).approval;
        return _approves(forVotes, againstVotes, a);
    }

    /**
     * @dev Whether the outcome is already certain while voting is open: passed if quorum is reached and approval
     * holds even if all uncast power votes against; failed if approval fails even if all uncast power votes for.
     * Returns {Outcome-Open} when the rules in force at the snapshot do not allow an early close.
     */
    function _decidedOutcome(uint256 proposalId) internal view virtual returns (Outcome) {
        uint256 snapshot = proposalSnapshot(proposalId);
        StoredRuleSet storage stored = _ruleSets[_ruleSetIdAt(snapshot)];
        if (!stored.earlyClose) return Outcome.Open;
        CategoryRule memory rule = _unpack(stored.packedRules, _categories[proposalId]);
        (uint256 againstVotes, uint256 forVotes, uint256 abstainVotes) = proposalVotes(proposalId);
        uint256 total = _totalPowerAt(snapshot);
        uint256 cast = againstVotes + forVotes + abstainVotes;
        uint256 uncast = total > cast ? total - cast : 0;
        if (_reaches(cast, total, rule.quorum) && _approves(forVotes, againstVotes + uncast, rule.approval)) {
            return Outcome.Passed;
        }
        if (!_approves(forVotes + uncast, againstVotes, rule.approval) || !_reaches(total, total, rule.quorum)) {
            return Outcome.Failed;
        }
        return Outcome.Open;
    }

    /**
     * @notice Machine-readable description of the counting: For, Against, Abstain; all three count toward the
     * participation quorum.
     */
    // solhint-disable-next-line func-name-mixedcase
    function COUNTING_MODE() public pure virtual override returns (string memory) {
        return "support=bravo&quorum=for,against,abstain";
    }

    /// @dev The counting module's tallies for `proposalId`.
    function proposalVotes(
        uint256 proposalId
    ) public view virtual returns (uint256 againstVotes, uint256 forVotes, uint256 abstainVotes);

    /// @dev Total voting power at `timepoint`.
    function _totalPowerAt(uint256 timepoint) internal view virtual returns (uint256);

    /// @dev The membership registry, whose operations form the membership category.
    function _membershipRegistry() internal view virtual returns (address);

    // ------------------------------------------------------------------ fractions

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
