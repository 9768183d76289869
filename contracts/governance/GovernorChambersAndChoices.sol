// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IConsortiumGovernor} from "../interfaces/IConsortiumGovernor.sol";
import {DecisionRules} from "../libraries/DecisionRules.sol";
import {GovernorProposalRecord} from "./GovernorProposalRecord.sol";

/**
 * @title GovernorChambersAndChoices
 * @notice Extension of {Governor} for the decision rules a plain For/Against/Abstain count cannot express:
 * conditions on chambers of the membership (a majority of the founding partners, no stakeholder group all against,
 * a double majority of members and weight, ...) and choices among 2 to 10 options, single or approval voting, of
 * which only the winner's actions are queued and executed. The counting and judging are the {DecisionRules} linked
 * library's; see it for the exact rules.
 *
 * @dev Plain proposals of a category without chamber conditions never reach this extension's storage or the
 * library: their quorum, approval and early close are the other extensions'. The category of a choice is the
 * strictest of all its options' actions.
 */
abstract contract GovernorChambersAndChoices is GovernorProposalRecord, IConsortiumGovernor {
    mapping(uint256 proposalId => DecisionRules.Decision) private _decisions;
    /// @dev Transient slot: the proposal whose vote being cast left its chambers' verdicts as they were (or 0);
    /// keccak256("ccsi-dao.governor.chambers-settled-by-vote").
    uint256 private constant _SETTLED_BY_VOTE = 0xf7273407a323b5ac2ed0187114098933eb6ff0a9d5f12ac1f78aa2f5c3bedad0;

    /// @inheritdoc IConsortiumGovernor
    function proposalOptions(uint256 proposalId) public view virtual returns (uint256 count, uint256 maxSelections) {
        return DecisionRules.optionsOf(_decisions[proposalId].choice);
    }

    /// @inheritdoc IConsortiumGovernor
    function optionVotes(uint256 proposalId) public view virtual returns (uint256[] memory) {
        return DecisionRules.optionVotes(_decisions[proposalId]);
    }

    /// @inheritdoc IConsortiumGovernor
    function winningOption(uint256 proposalId) public view virtual returns (bool decided, uint256 option) {
        if (!_judgedHere(proposalId)) return (_quorumReached(proposalId) && _voteSucceeded(proposalId), 0);
        if (!_decisionQuorumReached(proposalId)) return (false, 0);
        return _winner(proposalId);
    }

    // ------------------------------------------------------------------ hooks

    /// @dev Stores a choice's options. See {Governor-_propose}.
    function _propose(
        address[] memory targets,
        uint256[] memory values,
        bytes[] memory calldatas,
        string memory description,
        address proposer
    ) internal virtual override returns (uint256 proposalId) {
        proposalId = super._propose(targets, values, calldatas, description, proposer);
        if (proposalId & _CHOICE != 0) {
            DecisionRules.openChoice(_decisions[proposalId], calldatas[0], targets.length, _membershipRegistry());
        }
    }

    /// @dev Fixes the chamber conditions and each chamber's power at the snapshot, if the category has any.
    function _afterRecordOpened(uint256 proposalId, uint256 chambers) internal virtual override {
        super._afterRecordOpened(proposalId, chambers);
        if (chambers == 0) return;
        DecisionRules.openChambers(
            _decisions[proposalId],
            chambers,
            _membershipRegistry(),
            proposalSnapshot(proposalId),
            _usesConstitutionalVotes(proposalId),
            _leftOutMembers(proposalId)
        );
    }

    /**
     * @dev Counts the ballot's options and its power in each chamber: here, for the everyday ballot (a plain
     * proposal, the voter's own power), in the {DecisionRules} library otherwise (choices, a proxy's ballot).
     */
    function _countBallot(
        uint256 proposalId,
        ProposalRecord memory record,
        address account,
        uint8 support,
        bytes memory params,
        uint256 weight,
        uint256 state
    ) internal virtual override {
        if (!_judgedHere(proposalId, record)) {
            return super._countBallot(proposalId, record, account, support, params, weight, state);
        }
        (bool counted, bool settled) = params.length == 0 && proposalId & _CHOICE == 0
            ? _countOwnVote(proposalId, record, support, weight, state)
            : (false, false);
        if (!counted) {
            DecisionRules.count(
                _decisions[proposalId],
                DecisionRules.Ballot({
                    account: account,
                    snapshot: proposalSnapshot(proposalId),
                    constitutional: _usesConstitutionalVotes(proposalId),
                    support: support,
                    weight: weight,
                    state: state
                }),
                params,
                _membershipRegistry()
            );
        }
        uint256 settledId = settled ? proposalId : 0;
        assembly ("memory-safe") {
            tstore(_SETTLED_BY_VOTE, settledId)
        }
    }

    /**
     * @dev Whether the vote being counted on `proposalId` left every chamber's verdict for early close as it was
     * (see {DecisionRules-countOwnVote}): the outcome, open before it, is then open unless the category's own quorum
     * and approval make it certain. Known for the vote being cast only (transient storage, written by each vote on a
     * proposal judged here).
     */
    function _chambersSettledByVote(uint256 proposalId) internal view returns (bool) {
        uint256 settledId;
        assembly ("memory-safe") {
            settledId := tload(_SETTLED_BY_VOTE)
        }
        return settledId == proposalId;
    }

    /**
     * @dev Whether the proposal is counted and judged here (a choice, or a category with chamber conditions);
     * the governor then takes its quorum, success and early close from {_decisionQuorumReached},
     * {_decisionSucceeded} and {_decisionCertainOutcome}.
     */
    function _judgedHere(uint256 proposalId) internal view returns (bool) {
        return proposalId & _CHOICE != 0 || _chambered(proposalId);
    }

    /// @dev {_judgedHere}, from the proposal's opened `record`.
    function _judgedHere(uint256 proposalId, ProposalRecord memory record) internal pure returns (bool) {
        return proposalId & _CHOICE != 0 || _chambered(record);
    }

    /// @dev The category's quorum and every chamber's.
    function _decisionQuorumReached(uint256 proposalId) internal view returns (bool) {
        return _judge(proposalId, DecisionRules.QUORUM_REACHED) != 0;
    }

    /// @dev A winning option: the category's quorum and approval and every chamber condition met.
    function _decisionSucceeded(uint256 proposalId) internal view returns (bool decided) {
        (decided, ) = _winner(proposalId);
    }

    /// @dev See {GovernorEarlyClose}: no chamber's and no option's outcome can change any more.
    function _decisionCertainOutcome(uint256 proposalId) internal view returns (Outcome) {
        return Outcome(_judge(proposalId, DecisionRules.CERTAIN_OUTCOME));
    }

    /**
     * @dev The actions to queue and execute: the winning option's, for a choice (the manifest is never executed);
     * all of them otherwise. The winner's actions are a slice of each list, taken in place: the slice's length is
     * written over the element before it (the manifest's, or an earlier option's), which {Governor-queue} and
     * {Governor-execute} no longer read once they have computed the proposal id.
     */
    function _decidedActions(
        uint256 proposalId,
        address[] memory targets,
        uint256[] memory values,
        bytes[] memory calldatas
    ) internal view returns (address[] memory t, uint256[] memory v, bytes[] memory c) {
        if (proposalId & _CHOICE == 0) return (targets, values, calldatas);
        (, uint256 option) = _winner(proposalId);
        (uint256 start, uint256 end) = DecisionRules.actionsOf(_decisions[proposalId].choice, option);
        assembly ("memory-safe") {
            let offset := mul(sub(start, 1), 32)
            t := add(add(targets, 32), offset)
            v := add(add(values, 32), offset)
            c := add(add(calldatas, 32), offset)
            let length := sub(end, start)
            mstore(t, length)
            mstore(v, length)
            mstore(c, length)
        }
    }

    /**
     * @dev The description hash the timelock operation of `proposalId` is salted with: the proposal's own for a plain
     * proposal (OpenZeppelin's salt); for a choice, xor the proposal id. Two choices with the same description can
     * have winners with the same actions (two text-only winners: both empty batches); with OpenZeppelin's salt they
     * would be the same timelock operation, and the later one could never be queued.
     */
    function _operationDescription(uint256 proposalId, bytes32 descriptionHash) internal pure returns (bytes32) {
        return proposalId & _CHOICE == 0 ? descriptionHash : descriptionHash ^ bytes32(proposalId);
    }

    // ------------------------------------------------------------------ private

    /// @dev {DecisionRules-countOwnVote} of a ballot without params on a plain proposal, if it carries the voter's own
    /// power: whether it is counted, and whether it leaves every chamber's verdict for early close as it was.
    function _countOwnVote(
        uint256 proposalId,
        ProposalRecord memory record,
        uint8 support,
        uint256 weight,
        uint256 state
    ) private returns (bool counted, bool settled) {
        (bool own, uint256 class) = DecisionRules.ownClass(state, weight, _usesConstitutionalVotes(proposalId));
        if (!own) return (false, false);
        uint256 uncast = _uncastToAsk(record, support, weight);
        return DecisionRules.countOwnVote(_decisions[proposalId], support, class, weight, uncast);
    }

    /// @dev The electorate's uncast power after a For vote (counted in `record`) on a proposal with early close that
    /// had an earlier vote; `type(uint256).max` (not asked) otherwise (see {DecisionRules-countOwnVote}).
    function _uncastToAsk(ProposalRecord memory record, uint8 support, uint256 weight) private pure returns (uint256) {
        if (support != 1 || !_earlyClose(record)) return type(uint256).max;
        uint256 cast = uint256(record.againstVotes) + record.forVotes + record.abstainVotes;
        if (cast == weight) return type(uint256).max;
        return record.electorate > cast ? record.electorate - cast : 0;
    }

    function _winner(uint256 proposalId) private view returns (bool decided, uint256 option) {
        uint256 answer = _judge(proposalId, DecisionRules.WINNER);
        return (answer != 0, answer & 0xff);
    }

    function _judge(uint256 proposalId, uint256 question) private view returns (uint256) {
        return DecisionRules.judge(_decisions[proposalId], _basis(proposalId), question);
    }

    function _basis(uint256 proposalId) private view returns (DecisionRules.Basis memory basis) {
        (basis.againstVotes, basis.forVotes, basis.abstainVotes) = _proposalTally(proposalId);
        (basis.electorate, basis.rule, ) = _proposalBasis(proposalId);
        basis.quorumBase = _quorumBase(proposalId);
    }
}
