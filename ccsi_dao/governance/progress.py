"""A proposal's progress against its chambers and options, gathered from the chain and judged by
:mod:`ccsi_dao.governance.decisions` (the rules in Python).

The governor keeps each chamber's tallies in its own storage without a view for them, so they are re-counted here
from the votes as the governor counts them: each vote's weight (its ``VoteCast`` event), its options (the params of
``VoteCastWithParams``) and its split by class (the voter's own class when the weight is its own units at the
snapshot, else ``votesByClassAt``); each chamber's power from ``classPowerAt`` at the snapshot; the conditions from
``electorateAt``. The overall tally and the options' votes are the governor's own (``proposalVotes``,
``optionVotes``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ccsi_dao.governance.categories import sanctioned
from ccsi_dao.governance.decisions import (
    ChoiceManifest,
    CountedVote,
    Decision,
    Judgement,
    Outcome,
    Votes,
    approves,
    chamber_lines,
    chambers_of,
    count_votes,
    decode_manifest,
    decode_options,
    judge,
    needed,
    own_lanes,
    share_words,
    union_of,
)
from ccsi_dao.types import Category, Ratio

if TYPE_CHECKING:
    from ccsi_dao.governance.consortium import Consortium
    from ccsi_dao.governance.proposals import Proposal

_UNITS = 0xFFFFFFFF


@dataclass(frozen=True)
class Progress:
    """Where a proposal stands against every rule it is judged by: the decision as counted, the choice's options
    (None for a plain proposal) and the judgement in words."""

    decision: Decision
    manifest: ChoiceManifest | None
    judgement: Judgement

    @property
    def labels(self) -> tuple[str, ...]:
        return self.manifest.labels if self.manifest is not None else ()


def manifest_of(proposal: Proposal) -> ChoiceManifest | None:
    """A choice's options, from its first action (None for a plain proposal)."""
    if not proposal.id & (1 << 252) or not proposal.actions:
        return None
    return decode_manifest(proposal.actions[0].data)


def read_progress(dao: Consortium, proposal: Proposal) -> Progress | None:
    """The proposal's decision as the governor counts it and its judgement, once its snapshot has passed (None
    before: its electorate and chambers are not fixed yet)."""
    chain = dao.chain
    if proposal.snapshot >= chain.now():
        return None
    reg = dao.membership.functions
    gov = dao.governor.functions
    snapshot = proposal.snapshot
    category = proposal.category
    constitutional = category == Category.CONSTITUTIONAL
    electorate, packed, _early_close, conditions = chain.read(reg.electorateAt(snapshot, int(category)))
    quorum, approval = _rule(packed)
    manifest = manifest_of(proposal)
    chambers = chambers_of(int(conditions))
    union = union_of(chambers)
    power = list(chain.read(reg.classPowerAt(snapshot, union))) if chambers else []
    shift = 32 if constitutional else 0
    left_out = []
    for action in proposal.actions:
        member = sanctioned(dao.record, action.target, action.value, action.data)
        if member is not None:
            left_out.append(list(chain.read(reg.votesByClassAt(member, snapshot))))
    excluded = sum((lanes[c] >> shift) & _UNITS for lanes in left_out for c in range(12))
    counted = []
    params = params_by_voter(dao, proposal.id) if manifest is not None else {}
    for vote in dao.votes_cast(proposal.id):
        lanes: list[int] | None = []
        if chambers:
            *_, state = chain.read(reg.voterAt(vote.voter, snapshot, constitutional))
            lanes = own_lanes(vote.weight, int(state), constitutional)
            if lanes is None:
                lanes = list(chain.read(reg.votesByClassAt(vote.voter, snapshot)))
        options = decode_options(params.get(vote.voter, b"")) or ()
        counted.append(CountedVote(vote.support, vote.weight, lanes or (), tuple(options)))
    option_count = len(manifest.labels) if manifest is not None else 0
    _overall, _options, chamber_votes = count_votes(
        counted, chambers, power, constitutional=constitutional, option_count=option_count, left_out=left_out
    )
    against, for_, abstain = chain.read(gov.proposalVotes(proposal.id))
    decision = Decision(
        votes=Votes(int(against), int(for_), int(abstain)),
        electorate=int(electorate),
        quorum_base=int(electorate) - excluded,
        quorum=quorum,
        approval=approval,
        options=tuple(int(v) for v in chain.read(gov.optionVotes(proposal.id))) if manifest is not None else (),
        chambers=chamber_votes,
    )
    return Progress(decision, manifest, judge(decision, manifest.labels if manifest is not None else ()))


def params_by_voter(dao: Consortium, proposal_id: int) -> dict[str, bytes]:
    """Each voter's ballot params on ``proposal_id`` (``VoteCastWithParams``)."""
    from eth_utils import to_checksum_address

    found: dict[str, bytes] = {}
    for log in dao.chain.events(dao.governor.events.VoteCastWithParams, dao.record.start_block):
        args = log["args"]
        if int(args["proposalId"]) == proposal_id:
            found[to_checksum_address(args["voter"])] = bytes(args["params"])
    return found


def _rule(packed: int) -> tuple[Ratio, Ratio]:
    qn, qd, an, ad = ((int(packed) >> shift) & 0xFFFF for shift in (0, 16, 32, 48))
    return Ratio(qn, qd), Ratio(an, ad)


def progress_words(progress: Progress) -> list[str]:
    """The proposal against every rule in words, one line each, ``ok``/``--`` in front of a met or unmet rule: the
    category's quorum, each chamber's measures, and on a choice each option's qualification; then the outcome so
    far ("winner so far: Cooperative", "no option qualifies: nothing would be executed", a tie)."""
    d, j = progress.decision, progress.judgement
    lines = []
    quorum_ok = reaches_quorum(d)
    lines.append(
        f"{_mark(quorum_ok)} quorum: {d.votes.cast} of {d.quorum_base} took part, needs at least "
        f"{share_words(d.quorum)} ({needed(d.quorum_base, d.quorum)})"
    )
    if progress.manifest is None:
        a = d.votes.against
        lines.append(
            f"{_mark(approves(d.votes.for_, a, d.approval))} approval: {d.votes.for_} for, {a} against, needs at "
            f"least {share_words(d.approval)} of those for or against, and more for than against"
        )
        for chamber in j.chambers:
            lines += [f"{_mark(ok)} {text}" for text, ok in chamber.lines]
    else:
        for option in j.options:
            state = "qualifies" if option.qualifies else "does not qualify"
            lines.append(f"option {option.option + 1}, {option.label}: {option.votes} for, {state}")
            f = option.votes
            a = d.votes.for_ + d.votes.against - f
            lines.append(
                f"   {_mark(approves(f, a, d.approval))} approval: {f} for, {a} against or for other options, needs at "
                f"least {share_words(d.approval)} of those, and more for than against"
            )
            for counted in d.chambers:
                fi = d.chamber_option_votes(counted, option.option)
                ai = counted.votes.for_ + counted.votes.against - fi
                lines += [f"   {_mark(ok)} {text}" for text, ok in chamber_lines(counted, fi, ai)]
    lines.append(outcome_words(progress))
    return lines


def outcome_words(progress: Progress) -> str:
    """The outcome with the votes cast so far, exactly as the governor would decide it now."""
    j = progress.judgement
    labels = progress.labels
    certain = {Outcome.PASSED: " (certain: the votes not cast cannot change it)",
               Outcome.FAILED: " (certain: no option can qualify any more)", Outcome.OPEN: ""}[j.outcome]  # fmt: skip
    if j.winner is not None and j.quorum_reached:
        name = labels[j.winner] if labels else "the proposal passes"
        return f"winner so far: {name}{certain}" if labels else f"outcome so far: {name}{certain}"
    if j.tie:
        top = max(o.votes for o in j.options if o.qualifies)
        tied = [o.label for o in j.options if o.qualifies and o.votes == top]
        return (
            f"no winner so far: {' and '.join(tied)} tie at the top with {top} each, and a tie decides nothing{certain}"
        )
    if labels:
        return f"no option qualifies so far: nothing would be executed{certain}"
    return f"outcome so far: the proposal fails{certain}"


def reaches_quorum(d: Decision) -> bool:
    """The category's own quorum (the chambers' quorums are their own lines)."""
    return d.votes.cast * d.quorum.denominator >= d.quorum.numerator * d.quorum_base


def _mark(ok: bool) -> str:
    return "ok" if ok else "--"
