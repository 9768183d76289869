// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IChoiceManifest} from "../interfaces/IChoiceManifest.sol";
import {IConsortiumGovernor} from "../interfaces/IConsortiumGovernor.sol";
import {IConsortiumMembership} from "../interfaces/IConsortiumMembership.sol";
import {IConsortiumRules} from "../interfaces/IConsortiumRules.sol";
import {Fractions} from "../utils/Fractions.sol";
import {GovernorProposalRecord} from "./GovernorProposalRecord.sol";

/**
 * @title GovernorCategoryRules
 * @notice Extension of {Governor} that derives each proposal's category from its actions and judges it by that
 * category's participation quorum and approval threshold, as in force at the proposal's snapshot.
 *
 * A call's category: to the governor or the timelock themselves, constitutional; to the membership registry,
 * membership only for admitting a member other than a founding partner, and constitutional for everything else
 * (weights, roles, constitutional votes, suspension, reinstatement, removal, agreement amendments), because those
 * move power among the existing members; the signal (zero address, no value, no data) is ordinary; any other call
 * is treasury, because the timelock holds the treasury and the target's code runs with the timelock as caller.
 * The strictest call decides. Constitutional proposals are counted in the constitutional electorate, which only
 * constitutional decisions can change, so no decision taken under a weaker rule can outweigh it.
 *
 * The category is part of the proposal id ({getProposalId}: bits 255..254), so it costs no storage; bit 253 marks
 * proposals that suspend or remove members. Their quorum leaves out the power those members held at the snapshot
 * (their votes still count): a member who never votes cannot make the quorum of its own sanction unreachable.
 *
 * The rules themselves are the agreement's, kept (checkpointed) by the membership registry ({IConsortiumRules}) and
 * changed only by a call to the registry, which is constitutional. A proposal is judged by the rules in force at its
 * snapshot (as OpenZeppelin's quorum fraction is), when its electorate is frozen; its first vote fixes them in its
 * record ({GovernorProposalRecord}).
 *
 * @dev Quorum: `(for + against + abstain) * q.denominator >= q.numerator * base` where base is the electorate less
 * the sanctioned members' power. Approval: `for * a.denominator >= a.numerator * (for + against)` and `for > against`.
 */
abstract contract GovernorCategoryRules is GovernorProposalRecord, IConsortiumGovernor {

    uint256 private constant _CATEGORY_SHIFT = 254;
    uint256 private constant _SANCTIONS_FLAG = 1 << 253;
    uint256 private constant _HASH_MASK = (1 << 252) - 1;

    mapping(uint256 proposalId => address[]) private _sanctioned;
    mapping(uint256 proposalId => uint256) private _sanctionedPower;

    // ------------------------------------------------------------------ categories

    /**
     * @notice OpenZeppelin's `hashProposal` with the proposal's category in bits 255..254, in bit 253 whether it
     * suspends or removes members and in bit 252 whether it is a choice among options. See {IGovernor-getProposalId}.
     */
    function getProposalId(
        address[] memory targets,
        uint256[] memory values,
        bytes[] memory calldatas,
        bytes32 descriptionHash
    ) public view virtual override returns (uint256) {
        (IConsortiumRules.Category category, bool sanctions) = _classify(targets, values, calldatas);
        uint256 hash = super.getProposalId(targets, values, calldatas, descriptionHash) & _HASH_MASK;
        if (_isChoice(targets, values, calldatas)) hash |= _CHOICE;
        return hash | (uint256(category) << _CATEGORY_SHIFT) | (sanctions ? _SANCTIONS_FLAG : 0);
    }

    /// @inheritdoc IConsortiumGovernor
    function categorize(
        address[] memory targets,
        uint256[] memory values,
        bytes[] memory calldatas
    ) public view virtual returns (IConsortiumRules.Category category) {
        (category, ) = _classify(targets, values, calldatas);
    }

    /// @inheritdoc IConsortiumGovernor
    function proposalCategory(uint256 proposalId) public view virtual returns (IConsortiumRules.Category) {
        if (proposalSnapshot(proposalId) == 0) revert GovernorUnknownProposal(proposalId);
        return IConsortiumRules.Category(proposalId >> _CATEGORY_SHIFT);
    }

    /// @dev Whether the first call is the manifest of a choice (see {IChoiceManifest}).
    function _isChoice(
        address[] memory targets,
        uint256[] memory values,
        bytes[] memory calldatas
    ) internal view returns (bool) {
        return
            targets.length != 0 &&
            values.length != 0 &&
            calldatas.length != 0 &&
            targets[0] == address(this) &&
            values[0] == 0 &&
            calldatas[0].length >= 4 &&
            bytes4(calldatas[0]) == IChoiceManifest.offerOptions.selector;
    }

    /// @dev The strictest category of the calls (a choice's manifest aside), and whether any call suspends or
    /// removes a member.
    function _classify(
        address[] memory targets,
        uint256[] memory values,
        bytes[] memory calldatas
    ) internal view returns (IConsortiumRules.Category category, bool sanctions) {
        // Malformed lists are refused by {Governor-propose}; until then they are as strict as can be.
        if (targets.length != values.length || targets.length != calldatas.length) return (IConsortiumRules.Category.Constitutional, false);
        for (uint256 i = _isChoice(targets, values, calldatas) ? 1 : 0; i < targets.length; ++i) {
            (IConsortiumRules.Category c, address sanctioned) = _categorizeCall(targets[i], values[i], calldatas[i]);
            if (c > category) category = c;
            if (sanctioned != address(0)) sanctions = true;
        }
    }

    /**
     * @dev Category of one call, and the member it suspends or removes (if any). Anything this contract cannot
     * prove to be weaker is constitutional.
     */
    function _categorizeCall(
        address target,
        uint256 value,
        bytes memory data
    ) internal view virtual returns (IConsortiumRules.Category, address sanctioned) {
        if (target == address(this) || target == _executor()) return (IConsortiumRules.Category.Constitutional, address(0));
        if (target == _membershipRegistry()) {
            if (data.length < 4) return (IConsortiumRules.Category.Constitutional, address(0));
            bytes4 selector = bytes4(data);
            if (selector == IConsortiumMembership.admit.selector && value == 0 && data.length >= 68) {
                uint256 role = _word(data, 1);
                // Partner or observer: membership. A founding partner (or an invalid role, which reverts) is not.
                if (role == uint256(IConsortiumMembership.Role.Partner) || role == uint256(IConsortiumMembership.Role.Observer)) {
                    return (IConsortiumRules.Category.Membership, address(0));
                }
            } else if (
                (selector == IConsortiumMembership.suspend.selector || selector == IConsortiumMembership.remove.selector) &&
                data.length >= 36
            ) {
                uint256 account = _word(data, 0);
                // A clean address names the member; anything else reverts when executed and excludes nothing.
                if (account >> 160 == 0) return (IConsortiumRules.Category.Constitutional, address(uint160(account)));
            }
            return (IConsortiumRules.Category.Constitutional, address(0));
        }
        // Only the signal (a call to the zero address, without value or data) is proven to do nothing: any other
        // target may run code (now, or once deployed there) with the timelock as caller.
        if (target == address(0) && value == 0 && data.length == 0) return (IConsortiumRules.Category.Ordinary, address(0));
        return (IConsortiumRules.Category.Treasury, address(0));
    }

    /**
     * @dev Keeps the members a new proposal suspends or removes, whose power its quorum leaves out; refuses a
     * proposal that names one member twice. See {Governor-_propose}.
     */
    function _propose(
        address[] memory targets,
        uint256[] memory values,
        bytes[] memory calldatas,
        string memory description,
        address proposer
    ) internal virtual override returns (uint256 proposalId) {
        proposalId = super._propose(targets, values, calldatas, description, proposer);
        if (proposalId & _SANCTIONS_FLAG == 0) return proposalId;
        address[] storage sanctioned = _sanctioned[proposalId];
        for (uint256 i = 0; i < targets.length; ++i) {
            (, address account) = _categorizeCall(targets[i], values[i], calldatas[i]);
            if (account == address(0)) continue;
            for (uint256 j = 0; j < sanctioned.length; ++j) {
                if (sanctioned[j] == account) revert GovernorDuplicateSanction(account);
            }
            sanctioned.push(account);
        }
    }

    // ------------------------------------------------------------------ rules

    /// @inheritdoc IConsortiumGovernor
    function proposalQuorum(uint256 proposalId) public view virtual returns (uint256) {
        proposalCategory(proposalId); // reverts for an unknown proposal
        (, uint256 rule, ) = _proposalBasis(proposalId);
        (uint256 qn, uint256 qd) = Fractions.quorumOf(rule);
        return Fractions.ceilShare(_quorumBase(proposalId), qn, qd);
    }

    /**
     * @notice Votes needed to reach the ordinary category's quorum at `timepoint`, of the total voting power then.
     * @dev {IGovernor-quorum} has no proposal argument; stricter categories need more, see {proposalQuorum}.
     */
    function quorum(uint256 timepoint) public view virtual override returns (uint256) {
        (uint256 power, uint256 rule, , ) = IConsortiumMembership(_membershipRegistry()).electorateAt(
            timepoint,
            IConsortiumRules.Category.Ordinary
        );
        (uint256 qn, uint256 qd) = Fractions.quorumOf(rule);
        return Fractions.ceilShare(power, qn, qd);
    }

    // ------------------------------------------------------------------ judging

    /// @dev Participation quorum of the proposal's category. See {Governor-_quorumReached}.
    function _quorumReached(uint256 proposalId) internal view virtual override returns (bool) {
        (uint256 againstVotes, uint256 forVotes, uint256 abstainVotes) = _proposalTally(proposalId);
        (, uint256 rule, ) = _proposalBasis(proposalId);
        (uint256 qn, uint256 qd) = Fractions.quorumOf(rule);
        return Fractions.reaches(againstVotes + forVotes + abstainVotes, _quorumBase(proposalId), qn, qd);
    }

    /// @dev Approval threshold of the proposal's category. See {Governor-_voteSucceeded}.
    function _voteSucceeded(uint256 proposalId) internal view virtual override returns (bool) {
        (uint256 againstVotes, uint256 forVotes, ) = _proposalTally(proposalId);
        (, uint256 rule, ) = _proposalBasis(proposalId);
        (uint256 an, uint256 ad) = Fractions.approvalOf(rule);
        return Fractions.approves(forVotes, againstVotes, an, ad);
    }

    /// @dev Constitutional proposals count constitutional votes only.
    function _usesConstitutionalVotes(uint256 proposalId) internal view virtual override returns (bool) {
        return proposalId >> _CATEGORY_SHIFT == uint256(IConsortiumRules.Category.Constitutional);
    }

    /// @dev The electorate's power, the category's rule, the early-close switch and chamber conditions at the
    /// proposal's snapshot.
    function _snapshotBasis(
        uint256 proposalId
    ) internal view virtual override returns (uint256 electorate, uint256 rule, bool earlyClose, uint256 chambers) {
        return
            IConsortiumMembership(_membershipRegistry()).electorateAt(
                proposalSnapshot(proposalId),
                IConsortiumRules.Category(proposalId >> _CATEGORY_SHIFT)
            );
    }

    /// @dev Records, with the proposal's basis, the power of the members it sanctions.
    function _afterRecordOpened(uint256 proposalId, uint256 chambers) internal virtual override {
        super._afterRecordOpened(proposalId, chambers);
        if (proposalId & _SANCTIONS_FLAG != 0) _sanctionedPower[proposalId] = _sumSanctionedPower(proposalId);
    }

    /// @dev The members the proposal suspends or removes.
    function _leftOutMembers(uint256 proposalId) internal view virtual override returns (address[] memory) {
        return _sanctioned[proposalId];
    }

    /// @dev The electorate less the power the sanctioned members held at the snapshot.
    function _quorumBase(uint256 proposalId) internal view virtual override returns (uint256) {
        uint256 base = super._quorumBase(proposalId);
        if (proposalId & _SANCTIONS_FLAG == 0) return base;
        uint256 excluded = _recordOpened(proposalId)
            ? _sanctionedPower[proposalId]
            : _sumSanctionedPower(proposalId);
        return base - excluded;
    }

    /// @dev Power the sanctioned members held at the snapshot (constitutional: sanctions are constitutional).
    function _sumSanctionedPower(uint256 proposalId) private view returns (uint256 power) {
        IConsortiumMembership registry = IConsortiumMembership(_membershipRegistry());
        uint256 snapshot = proposalSnapshot(proposalId);
        address[] storage sanctioned = _sanctioned[proposalId];
        for (uint256 i = 0; i < sanctioned.length; ++i) {
            power += registry.getPastConstitutionalVotes(sanctioned[i], snapshot);
        }
    }

    // ------------------------------------------------------------------ packing

    function _word(bytes memory data, uint256 index) private pure returns (uint256 value) {
        assembly ("memory-safe") {
            value := mload(add(add(data, 36), mul(index, 32)))
        }
    }

}
