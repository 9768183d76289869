// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Fractions} from "../utils/Fractions.sol";
import {GovernorProposalRecord} from "./GovernorProposalRecord.sol";

/**
 * @title GovernorEarlyClose
 * @notice Extension of {Governor} that closes voting as soon as the outcome can no longer change: the uncast
 * voting power could not flip it. A proposal that has certainly passed becomes `Succeeded` (and can be queued)
 * before its deadline; one that has certainly failed becomes `Defeated`.
 *
 * @dev Whether early close applies is part of the rules the proposal is judged by (its basis). Passed:
 * the quorum is reached and approval holds even if all uncast power votes against. Failed: approval fails even if
 * all uncast power votes for, or the quorum cannot be reached even if everyone votes. Uncast power is the
 * electorate less the votes cast, so the power of members who can no longer vote keeps a proposal open: early close
 * is conservative.
 * NOTE: once closed early, remaining members can no longer vote on the proposal.
 */
abstract contract GovernorEarlyClose is GovernorProposalRecord {
    /// @notice The proposal's state, with voting closed early once its outcome is certain.
    function state(uint256 proposalId) public view virtual override returns (ProposalState) {
        ProposalState current = super.state(proposalId);
        if (current != ProposalState.Active) return current;

        Outcome outcome = _proposalOutcome(proposalId);
        if (outcome == Outcome.Open) return ProposalState.Active;
        if (outcome == Outcome.Failed) return ProposalState.Defeated;
        return proposalEta(proposalId) == 0 ? ProposalState.Succeeded : ProposalState.Queued;
    }

    /// @dev After each vote: record whether the outcome is now certain. See {Governor-_tallyUpdated}.
    function _tallyUpdated(uint256 proposalId) internal virtual override {
        super._tallyUpdated(proposalId);
        ProposalRecord memory r = _proposalRecord(proposalId);
        if (!_earlyClose(r)) return;
        Outcome outcome = _certainOutcome(proposalId, r);
        if (outcome != _outcome(r)) _setProposalOutcome(proposalId, outcome);
    }

    /// @dev The outcome the votes cast so far make certain, or {Outcome-Open}.
    function _certainOutcome(
        uint256 proposalId,
        ProposalRecord memory r
    ) internal view virtual override returns (Outcome) {
        (uint256 againstVotes, uint256 forVotes, uint256 abstainVotes) = (r.againstVotes, r.forVotes, r.abstainVotes);
        (uint256 qn, uint256 qd) = Fractions.quorumOf(r.rule);
        (uint256 an, uint256 ad) = Fractions.approvalOf(r.rule);
        uint256 base = _quorumBase(proposalId);
        uint256 cast = againstVotes + forVotes + abstainVotes;
        uint256 uncast = r.electorate > cast ? r.electorate - cast : 0;
        if (Fractions.reaches(cast, base, qn, qd) && Fractions.approves(forVotes, againstVotes + uncast, an, ad)) {
            return Outcome.Passed;
        }
        if (!Fractions.approves(forVotes + uncast, againstVotes, an, ad) || !Fractions.reaches(cast + uncast, base, qn, qd)) {
            return Outcome.Failed;
        }
        return Outcome.Open;
    }
}
