"""Chambers and choices re-derived from a history alone: each vote's classes and options, each chamber's power at
the snapshot, and the proposal's :class:`~ccsi_dao.governance.decisions.Decision` judged with the rules of
:mod:`ccsi_dao.governance.decisions` (the one place they live in Python).

:func:`decision_setup` fixes what the first vote fixes on chain (the rule set's conditions at the snapshot, each
chamber's power ``T`` from the class power rebuilt from membership events, the power of the members the proposal
suspends or removes); :func:`counted_vote` gives a logged vote its classes (the voter's own class when it voted with
its own units, else its votes by class at the snapshot, as ``DecisionRules`` splits it) and options;
:func:`decision_after` is the decision after any number of votes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ccsi_dao.decisionlog.history import History, ProposalRecord, Vote, member_class, state_word
from ccsi_dao.governance.actions import Action
from ccsi_dao.governance.decisions import (
    OFFER_OPTIONS_SELECTOR,
    Chamber,
    ChoiceManifest,
    CountedVote,
    Decision,
    chambers_of,
    count_votes,
    decode_manifest,
    own_lanes,
)
from ccsi_dao.governance.decisions import Judgement as Words
from ccsi_dao.governance.decisions import judge as judge_in_words
from ccsi_dao.types import Category, Ratio, Role, VoteType, group_name, role_name


@dataclass(frozen=True)
class DecisionSetup:
    """What a proposal judged by chambers or options is judged on, apart from its votes."""

    conditions: int
    """The category's conditions word in force at the snapshot (0: none)."""
    chambers: tuple[Chamber, ...]
    class_power: tuple[int, ...]
    """``classPowerAt(snapshot)``, rebuilt from membership events (12 classes x four 32-bit lanes)."""
    left_out: tuple[tuple[int, ...], ...]
    """``votesByClassAt`` of each member the proposal suspends or removes, at the snapshot."""
    manifest: ChoiceManifest | None
    constitutional: bool
    electorate: int
    quorum_base: int
    quorum: Ratio
    approval: Ratio

    @property
    def option_count(self) -> int:
        return len(self.manifest.labels) if self.manifest is not None else 0

    @property
    def labels(self) -> tuple[str, ...]:
        return self.manifest.labels if self.manifest is not None else ()


def offers_options(governor: str, actions: Sequence[Action]) -> bool:
    """Whether the first action is a choice's manifest (``GovernorCategoryRules._isChoice``: ``offerOptions`` to
    the governor, value 0)."""
    if not actions:
        return False
    first = actions[0]
    return (
        first.target.lower() == governor.lower()
        and first.value == 0
        and bytes(first.data[:4]) == OFFER_OPTIONS_SELECTOR
    )


def voted_actions(governor: str, actions: Sequence[Action]) -> Sequence[Action]:
    """The actions a category is derived from: a choice's manifest aside."""
    return actions[1:] if offers_options(governor, actions) else actions


def describe_actions(governor: str, actions: Sequence[Action], describe: Callable[[Action], str]) -> list[str]:
    """Each action in words; on a choice, the manifest as the options it offers and each option's actions named by
    their option ("option 2, Cooperative: pay ..."). Labels are chain text: escape them where they are shown."""
    if not offers_options(governor, actions):
        return [describe(a) for a in actions]
    manifest = decode_manifest(actions[0].data)
    if manifest is None:
        return [describe(a) for a in actions]
    most = "one option" if manifest.max_selections == 1 else f"up to {manifest.max_selections} options"
    offered = "; ".join(f"{o + 1}. {label}" for o, label in enumerate(manifest.labels))
    words = [f"offer a choice among {len(manifest.labels)} options, a ballot selecting {most}: {offered}"]
    owner = {i: o for o in range(len(manifest.labels)) for i in manifest.actions_of(o)}
    for i, action in enumerate(actions[1:], start=1):
        o = owner.get(i)
        prefix = f"option {o + 1}, {manifest.labels[o]}: " if o is not None else ""
        words.append(prefix + describe(action))
    return words


def needs_decision_rules(history: History, p: ProposalRecord) -> bool:
    """Whether the governor judges ``p`` with ``DecisionRules``: a choice, or a category with chamber conditions
    in the rule set in force at its snapshot."""
    rules = history.rules_at(p.snapshot)
    return p.is_choice or bool(rules is not None and rules.chambers.get(p.id_category))


def decision_setup(
    history: History,
    p: ProposalRecord,
    *,
    electorate: int,
    quorum_base: int,
    quorum: Ratio,
    approval: Ratio,
    sanctioned: Sequence[str] = (),
) -> DecisionSetup:
    """What the first vote on ``p`` fixes (see the module notes)."""
    rules = history.rules_at(p.snapshot)
    word = rules.chambers.get(p.id_category, 0) if rules is not None else 0
    chambers = tuple(chambers_of(word)) if word else ()
    power = tuple(history.class_power_at(p.snapshot)) if chambers else ()
    left_out = tuple(tuple(history.votes_by_class_at(a, p.snapshot)) for a in sanctioned) if chambers else ()
    return DecisionSetup(
        conditions=word,
        chambers=chambers,
        class_power=power,
        left_out=left_out,
        manifest=p.manifest,
        constitutional=p.id_category == Category.CONSTITUTIONAL,
        electorate=electorate,
        quorum_base=quorum_base,
        quorum=quorum,
        approval=approval,
    )


def counted_vote(history: History, setup: DecisionSetup, p: ProposalRecord, vote: Vote) -> CountedVote:
    """A logged vote as ``DecisionRules`` counts it: its weight, its power by class, its options."""
    lanes: Sequence[int] = ()
    if setup.chambers:
        state = history.member_at(vote.voter, p.snapshot)
        found = own_lanes(vote.weight, state_word(state), setup.constitutional) if state is not None else None
        lanes = found if found is not None else history.votes_by_class_at(vote.voter, p.snapshot)
    options: tuple[int, ...] = ()
    if setup.manifest is not None and vote.support == VoteType.FOR:  # the governor takes options only with For,
        # each once and offered (a log saying otherwise is not the chain's: the index check names it)
        options = tuple(o for o in dict.fromkeys(vote.options or ()) if 0 <= o < setup.option_count)
    return CountedVote(vote.support, vote.weight, tuple(lanes), options)


def decision_after(setup: DecisionSetup, votes: Sequence[CountedVote]) -> Decision:
    """The decision with ``votes`` cast (in the order they were cast)."""
    overall, options, chambers = count_votes(
        votes,
        setup.chambers,
        setup.class_power or (0,) * 12,
        constitutional=setup.constitutional,
        option_count=setup.option_count,
        left_out=setup.left_out,
    )
    return Decision(
        votes=overall,
        electorate=setup.electorate,
        quorum_base=setup.quorum_base,
        quorum=setup.quorum,
        approval=setup.approval,
        options=options,
        chambers=chambers,
    )


def in_words(setup: DecisionSetup, decision: Decision) -> Words:
    """The decision judged in words (each option's qualification and why not, each chamber's measures)."""
    return judge_in_words(decision, setup.labels)


def voter_class(history: History, voter: str, snapshot: int) -> str | None:
    """The voter's chamber class at the snapshot in words ("founding partner, academia"), None for one without a
    vote then."""
    state = history.member_at(voter, snapshot)
    if state is None or not state.units:
        return None
    role = Role.FOUNDING_PARTNER if member_class(state) < 6 else Role.PARTNER
    return f"{role_name(role)}, {group_name(state.group)}"


def option_words(labels: Sequence[str], options: Sequence[int] | None) -> list[str]:
    """Option numbers (from 0) as their labels (numbered from 1 where a label is missing)."""
    return [labels[o] if 0 <= o < len(labels) else f"option {o + 1}" for o in options or ()]


__all__ = [
    "DecisionSetup",
    "counted_vote",
    "decision_after",
    "decision_setup",
    "describe_actions",
    "in_words",
    "needs_decision_rules",
    "offers_options",
    "option_words",
    "voted_actions",
    "voter_class",
]
