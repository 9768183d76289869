"""Chambers and choices: the decision rules a plain For/Against/Abstain count cannot express, in Python.

This is the one place these rules live in Python; the CLI's progress, the decision log and ``audit verify`` take them
from here. Everything mirrors the contracts exactly (DEVELOPERS.md, "Design notes (chambers and choices)"):

* :class:`ChamberCondition` is one condition of a category, as ``contracts/utils/ChamberConditions.sol`` packs it: a
  set of classes of members (12 bits: class ``6 * r + g``, ``r`` 0 for founding partners and 1 for partners, ``g``
  the stakeholder group), whether it applies to each stakeholder group on its own, whether it counts members rather
  than weight, and up to four measures (quorum, approval, support, blocking) as shares with 8-bit terms.
  :func:`pack_conditions` / :func:`unpack_conditions` turn up to three of them into a category's word and back;
  :func:`invalid_index` and :func:`weaker_than_floor` are the registry's checks (``RulesInvalidChamber``,
  ``RulesWeakerThanFloor``), :func:`chambers_of` the chambers a proposal is judged in.
* :class:`ChoiceManifest` is a choice's first action, ``offerOptions(string[],uint256[],uint256)`` to the governor
  (``IChoiceManifest``): :func:`encode_manifest`, :func:`decode_manifest`, and a ballot's params
  (:func:`encode_options`, ``abi.encode(uint256[])``).
* :class:`Decision` is what a proposal is judged on (the overall tally, the electorate and quorum base, the
  category's rule, the votes per option, each chamber's votes and power); :func:`quorum_reached`, :func:`winner`
  and :func:`certain_outcome` are ``DecisionRules.judge``'s three answers, and :func:`judge` says the same in words
  (each option's qualification and, where it fails, why).

Pure: nothing here reads a chain. :mod:`ccsi_dao.governance.progress` gathers a proposal's votes from one.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import IntEnum
from fractions import Fraction
from typing import TYPE_CHECKING

from eth_abi import decode as abi_decode
from eth_abi import encode as abi_encode
from eth_utils import function_signature_to_4byte_selector

from ccsi_dao.types import Category, Ratio, Role, StakeholderGroup, VoteType, group_name

if TYPE_CHECKING:
    from ccsi_dao.agreement.model import Agreement, ChamberRule

# ---------------------------------------------------------------------------------------------- classes of members

CLASSES = 12
"""Classes of voting members: role (founding partner, partner) x stakeholder group."""
GROUPS = 6
ALL_MEMBERS = (1 << CLASSES) - 1
FOUNDING_PARTNERS = (1 << GROUPS) - 1
"""Classes 0..5: the founding partners of each stakeholder group."""
PARTNERS = FOUNDING_PARTNERS << GROUPS
"""Classes 6..11: the partners (not founding) of each stakeholder group."""
MAX_CONDITIONS = 3
"""The most conditions one category may carry (``ConsortiumMembership.MAX_CHAMBER_CONDITIONS``)."""
MAX_TERM = 255
"""A chamber's shares are stored as two 8-bit terms."""
MAX_OPTIONS = 10
"""The most options a choice may offer (``DecisionRules.MAX_OPTIONS``)."""
MIN_OPTIONS = 2
MAX_OPTION_ACTIONS = 255
"""The most actions the options of one choice may have together."""

_CONDITION_BITS = 80
_COUNT_SHIFT = 240
_EACH_GROUP = 1 << 12
_BY_COUNT = 1 << 13
_STRICT_SUPPORT = 1 << 14
_RESERVED = 1 << 15
_MEASURES = {"quorum": 16, "approval": 32, "support": 48, "blocking": 64}
_LANE = 0xFFFFFFFF


def class_of(role: Role, group: StakeholderGroup) -> int | None:
    """The class of a member with ``role`` and ``group`` (None for an observer or no role: they have no vote)."""
    if role == Role.FOUNDING_PARTNER:
        return int(group)
    if role == Role.PARTNER:
        return GROUPS + int(group)
    return None


def class_of_state(state: int) -> int:
    """The class of a member state packed as ``voterAt`` returns it (units | constitutional units << 96 | role << 192
    | group << 200): founding partners ``g``, anyone else ``6 + g`` (``DecisionRules.ownClass``)."""
    role, group = (state >> 192) & 0xFF, (state >> 200) & 0xFF
    return (0 if role == Role.FOUNDING_PARTNER else GROUPS) + group


def members_mask(
    roles: Iterable[Role] = (Role.FOUNDING_PARTNER, Role.PARTNER), groups: Iterable[StakeholderGroup] | None = None
) -> int:
    """The class mask of the members with one of ``roles`` in one of ``groups`` (every group if None)."""
    chosen = list(StakeholderGroup) if groups is None else list(groups)
    mask = 0
    for role in roles:
        for group in chosen:
            found = class_of(Role(role), StakeholderGroup(group))
            if found is not None:
                mask |= 1 << found
    return mask


def groups_in(mask: int) -> list[StakeholderGroup]:
    """The stakeholder groups with at least one class in ``mask``."""
    return [g for g in StakeholderGroup if mask & (1 << g | 1 << (GROUPS + g))]


def members_words(mask: int) -> str:
    """The members of a class mask in words: "all members", "founding partners", "partners in municipality",
    "members in academia and business"."""
    mask &= ALL_MEMBERS
    founders, partners = mask & FOUNDING_PARTNERS, (mask >> GROUPS) & FOUNDING_PARTNERS
    everyone = FOUNDING_PARTNERS
    if founders == everyone and partners == everyone:
        return "all members"
    if founders == everyone and not partners:
        return "founding partners"
    if partners == everyone and not founders:
        return "partners"
    if founders == partners:
        return f"members in {_and(group_name(g) for g in groups_in(mask))}"
    parts = []
    if founders:
        parts.append("founding partners" if founders == everyone else f"founding partners in {_and(_names(founders))}")
    if partners:
        parts.append("partners" if partners == everyone else f"partners in {_and(_names(partners))}")
    return " and ".join(parts) if parts else "no members"


def _names(groups_mask: int) -> list[str]:
    return [group_name(g) for g in StakeholderGroup if groups_mask & (1 << g)]


def _and(words: Iterable[str]) -> str:
    items = list(words)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


# ---------------------------------------------------------------------------------------------- shares


def reaches(votes: int, total: int, share: Ratio) -> bool:
    """``votes >= share * total``, cross-multiplied (``Fractions.reaches``)."""
    return votes * share.denominator >= share.numerator * total


def approves(for_votes: int, against_votes: int, share: Ratio) -> bool:
    """More for than against, and ``for >= share * (for + against)`` (``Fractions.approves``)."""
    return for_votes > against_votes and for_votes * share.denominator >= share.numerator * (for_votes + against_votes)


def needed(total: int, share: Ratio, *, strict: bool = False) -> int:
    """The fewest votes that reach ``share`` of ``total`` (that exceed it, with ``strict``)."""
    if strict:
        return total * share.numerator // share.denominator + 1
    return -(-total * share.numerator // share.denominator)


_SHARE_WORDS = {(1, 2): "half", (1, 3): "a third", (2, 3): "two thirds", (1, 4): "a quarter",
                (3, 4): "three quarters", (1, 1): "all"}  # fmt: skip


def share_words(share: Ratio) -> str:
    """A share as people say it: "half", "two thirds", "55%", "3/7"."""
    if (share.numerator, share.denominator) in _SHARE_WORDS:
        return _SHARE_WORDS[(share.numerator, share.denominator)]
    percent = Fraction(share.numerator * 100, share.denominator)
    if percent.denominator == 1:
        return f"{percent.numerator}%"
    return f"{share.numerator}/{share.denominator}"


# ---------------------------------------------------------------------------------------------- conditions


@dataclass(frozen=True)
class ChamberCondition:
    """One chamber condition of a category (``IConsortiumRules``, packed in 80 bits).

    With ``T`` the chamber's power at the snapshot (members the proposal suspends or removes left out) and ``F``,
    ``A``, ``B`` the For, Against and Abstain votes cast in it: ``quorum`` needs ``F + A + B >= quorum * T``;
    ``approval`` needs ``F > A`` and ``F >= approval * (F + A)``; ``support`` needs ``F >= support * T`` (``>`` with
    ``strict_support``); ``blocking`` makes the chamber block when ``A > 0`` and ``A >= blocking * (F + A)`` (0/1: any
    vote against, 1/1: only all against). A measure left None is not used; a chamber without power imposes nothing.
    """

    members: int
    """Class mask (bit ``6 * r + g``); see :func:`members_mask` and :data:`FOUNDING_PARTNERS`, :data:`PARTNERS`."""
    each_group: bool = False
    """The condition applies to each stakeholder group among ``members`` on its own (one chamber per group)."""
    by_count: bool = False
    """Count members, one each, instead of voting weight."""
    quorum: Ratio | None = None
    approval: Ratio | None = None
    support: Ratio | None = None
    strict_support: bool = False
    blocking: Ratio | None = None

    def measures(self) -> dict[str, Ratio]:
        """The measures used, by name, in the order they are judged."""
        found = {"quorum": self.quorum, "approval": self.approval, "support": self.support, "blocking": self.blocking}
        return {name: share for name, share in found.items() if share is not None}

    def problems(self) -> list[str]:
        """Why this condition could not be stored (``ChamberConditions.isValid``), in words; empty if it can."""
        found = []
        if not self.members & ALL_MEMBERS or self.members & ~ALL_MEMBERS:
            found.append(
                "it names no members" if not self.members & ALL_MEMBERS else "its class mask has bits beyond 12"
            )
        if not self.measures():
            found.append("it has no measure: give at least one of quorum, approval, support or blocking")
        for name, share in self.measures().items():
            if share.numerator > MAX_TERM or share.denominator > MAX_TERM:
                found.append(f"its {name} {share} has a term above {MAX_TERM}, which a chamber cannot store")
        if self.strict_support and self.support is None:
            found.append("a strict support needs a support")
        return found

    def pack(self) -> int:
        """The 80-bit word (``ChamberConditions``); ValueError if :meth:`problems` finds any."""
        problems = self.problems()
        if problems:
            raise ValueError(f"chamber condition cannot be stored: {problems[0]}")
        word = self.members
        word |= _EACH_GROUP if self.each_group else 0
        word |= _BY_COUNT if self.by_count else 0
        word |= _STRICT_SUPPORT if self.strict_support else 0
        for name, share in self.measures().items():
            word |= (share.numerator | share.denominator << 8) << _MEASURES[name]
        return word

    @classmethod
    def unpack(cls, word: int) -> ChamberCondition:
        """A condition from its 80-bit word, whatever is in it (check with :func:`condition_valid`)."""
        shares: dict[str, Ratio | None] = {}
        for name, shift in _MEASURES.items():
            n, d = (word >> shift) & 0xFF, (word >> (shift + 8)) & 0xFF
            shares[name] = Ratio(n, d) if d != 0 and n <= d else None
        return cls(
            members=word & ALL_MEMBERS,
            each_group=bool(word & _EACH_GROUP),
            by_count=bool(word & _BY_COUNT),
            strict_support=bool(word & _STRICT_SUPPORT),
            **shares,
        )

    def no_weaker_than(self, floor: ChamberCondition) -> bool:
        """Whether this condition keeps the entrenched ``floor`` (``ChamberConditions.noWeaker``): the same classes,
        ``each_group`` and ``by_count``; every measure the floor uses used and no weaker (quorum, approval and support
        at least as high, a strict support where the floor's is strict at the same share, blocking at most as high)."""
        if (self.members, self.each_group, self.by_count) != (floor.members, floor.each_group, floor.by_count):
            return False
        for name, low in floor.measures().items():
            share = getattr(self, name)
            if share is None:
                return False
            mine, theirs = share.numerator * low.denominator, low.numerator * share.denominator
            if name == "blocking":
                if mine > theirs:
                    return False
            elif mine < theirs or (
                name == "support" and mine == theirs and floor.strict_support and not self.strict_support
            ):
                return False
        return True

    # ------------------------------------------------------------------ in words

    def who(self) -> str:
        """The chamber(s) in words: "founding partners", "each stakeholder group (all members)"."""
        words = members_words(self.members)
        return f"each stakeholder group of {words}" if self.each_group else words

    def describe(self) -> str:
        """The condition as a sentence: "founding partners (counted by members): more than half of them for"."""
        unit = "members" if self.by_count else "votes"
        parts = []
        if self.quorum is not None:
            parts.append(f"at least {share_words(self.quorum)} of their {unit} take part")
        if self.approval is not None and self.approval.numerator * 2 == self.approval.denominator:
            parts.append("more of them for than against")
        elif self.approval is not None:
            parts.append(f"at least {share_words(self.approval)} of those for or against are for")
        if self.support is not None:
            more = "more than" if self.strict_support else "at least"
            parts.append(f"{more} {share_words(self.support)} of their {unit} are for")
        if self.blocking is not None:
            parts.append(f"{blocking_words(self.blocking)} blocks")
        counted = " (counted by members)" if self.by_count else ""
        return f"{self.who()}{counted}: " + ("; ".join(parts) or "no measure")


def condition_from_agreement(rule: ChamberRule) -> ChamberCondition:
    """The condition an agreement's chamber rule (:class:`ccsi_dao.agreement.model.ChamberRule`) stands for."""
    support, strict = rule.support if rule.support is not None else (None, False)
    return ChamberCondition(
        members=members_mask(rule.roles, rule.groups),
        each_group=rule.each_group,
        by_count=rule.by_count,
        quorum=rule.quorum,
        approval=rule.approval,
        support=support,
        strict_support=strict,
        blocking=rule.blocking,
    )


def agreement_chambers(agreement: Agreement) -> tuple[dict[Category, int], dict[Category, int]]:
    """Per category, the chamber conditions an agreement sets and those it entrenches, packed as the registry reads
    them (``RuleSet.chambers``, ``RuleFloors.chambers``); categories without any are left out."""
    chambers: dict[Category, int] = {}
    entrenched: dict[Category, int] = {}
    for category, rules in agreement.chamber_rules().items():
        conditions = [condition_from_agreement(r) for r in rules]
        chambers[category] = pack_conditions(conditions)
        floors = [c for c, r in zip(conditions, rules, strict=True) if r.entrenched]
        if floors:
            entrenched[category] = pack_conditions(floors)
    return chambers, entrenched


def blocking_words(share: Ratio) -> str:
    """A blocking share in words: "any vote against", "all votes against", "at least a third against"."""
    if share.numerator == 0:
        return "any vote against"
    if share.numerator == share.denominator:
        return "all decisive votes against"
    return f"at least {share_words(share)} of the decisive votes against"


def condition_valid(word: int) -> bool:
    """Whether one 80-bit word is a well-formed condition (``ChamberConditions.isValid``)."""
    if word & ALL_MEMBERS == 0 or word & _RESERVED:
        return False
    used = False
    for shift in _MEASURES.values():
        n, d = (word >> shift) & 0xFF, (word >> (shift + 8)) & 0xFF
        if n > d:
            return False
        used = used or d != 0
    support_used = (word >> (_MEASURES["support"] + 8)) & 0xFF != 0
    return used and not (word & _STRICT_SUPPORT and not support_used)


def pack_conditions(conditions: Sequence[ChamberCondition]) -> int:
    """A category's word: up to :data:`MAX_CONDITIONS` conditions from the lowest bits, their number in bits 240..241
    (0: none). ValueError for more conditions or one that cannot be stored."""
    if len(conditions) > MAX_CONDITIONS:
        raise ValueError(f"{len(conditions)} chamber conditions; a category may have at most {MAX_CONDITIONS}")
    word = 0
    for index, condition in enumerate(conditions):
        word |= condition.pack() << (_CONDITION_BITS * index)
    return word | (len(conditions) << _COUNT_SHIFT) if conditions else 0


def condition_count(word: int) -> int:
    return word >> _COUNT_SHIFT


def condition_word(word: int, index: int) -> int:
    """Condition ``index`` of a category's word, packed (``ChamberConditions.at``)."""
    return (word >> (_CONDITION_BITS * index)) & ((1 << _CONDITION_BITS) - 1)


def unpack_conditions(word: int) -> tuple[ChamberCondition, ...]:
    """The conditions of a category's word (a well-formed one: see :func:`invalid_index`)."""
    return tuple(ChamberCondition.unpack(condition_word(word, i)) for i in range(min(condition_count(word), 3)))


def invalid_index(word: int) -> int | None:
    """None if ``word`` is a well-formed conditions word, else the index the registry names in
    ``RulesInvalidChamber`` (a count above 3, or bits beyond the last condition: index 3)."""
    n = condition_count(word)
    if n > MAX_CONDITIONS or (word & ((1 << _COUNT_SHIFT) - 1)) >> (_CONDITION_BITS * n):
        return MAX_CONDITIONS
    for i in range(n):
        if not condition_valid(condition_word(word, i)):
            return i
    return None


def weaker_than_floor(word: int, entrenched: int) -> int | None:
    """None if the conditions ``word`` keeps every entrenched condition, else the index of the first entrenched
    condition it drops or weakens (``RulesWeakerThanFloor``)."""
    present = [ChamberCondition.unpack(condition_word(word, i)) for i in range(min(condition_count(word), 3))]
    for e in range(min(condition_count(entrenched), 3)):
        floor = ChamberCondition.unpack(condition_word(entrenched, e))
        if not any(c.no_weaker_than(floor) for c in present):
            return e
    return None


# ---------------------------------------------------------------------------------------------- chambers


@dataclass(frozen=True)
class Chamber:
    """One chamber a proposal is judged in: condition ``index`` of its category, over ``classes`` (one stakeholder
    group of the condition's members, ``group``, when the condition applies to each group)."""

    index: int
    condition: ChamberCondition
    classes: int
    group: StakeholderGroup | None = None

    @property
    def name(self) -> str:
        """ "founding partners", "municipality (all members)"."""
        if self.group is None:
            return members_words(self.classes)
        words = members_words(self.condition.members)
        return group_name(self.group) if words == "all members" else f"{group_name(self.group)} ({words})"

    def power(self, lanes: Sequence[int], constitutional: bool) -> int:
        """The sum over this chamber's classes of the lane it counts: units or members, in the proposal's
        electorate (``DecisionRules._sum``); ``lanes`` as ``classPowerAt`` or ``votesByClassAt`` return them."""
        shift = (64 if self.condition.by_count else 0) + (32 if constitutional else 0)
        return sum((lanes[c] >> shift) & _LANE for c in range(CLASSES) if self.classes & (1 << c))


def chambers_of(conditions: int | Sequence[ChamberCondition]) -> list[Chamber]:
    """The chambers of a category's conditions, in the governor's order (``DecisionRules._slots``): each condition,
    or with ``each_group`` one per stakeholder group (ascending) that has classes in it."""
    found = []
    items = unpack_conditions(conditions) if isinstance(conditions, int) else tuple(conditions)
    for index, condition in enumerate(items):
        if not condition.each_group:
            found.append(Chamber(index, condition, condition.members & ALL_MEMBERS))
            continue
        for group in StakeholderGroup:
            classes = condition.members & (1 << group | 1 << (GROUPS + group))
            if classes:
                found.append(Chamber(index, condition, classes, group))
    return found


def union_of(chambers: Iterable[Chamber]) -> int:
    """Every class some chamber holds (what ``classPowerAt`` is asked for)."""
    mask = 0
    for chamber in chambers:
        mask |= chamber.classes
    return mask


def own_lanes(weight: int, state: int, constitutional: bool) -> list[int] | None:
    """A vote's power by class when the voter voted with its own units only (its weight equals its own units at the
    snapshot in the proposal's electorate): all of it in the voter's class, as ``DecisionRules.ownClass`` counts
    it. None when the weight includes principals' power: then ``votesByClassAt(voter, snapshot)`` splits it."""
    units, constitutional_units = state & ((1 << 96) - 1), (state >> 96) & ((1 << 96) - 1)
    if weight != (constitutional_units if constitutional else units):
        return None
    lanes = [0] * CLASSES
    lanes[class_of_state(state)] = (
        units | constitutional_units << 32 | 1 << 64 | ((1 << 96) if constitutional_units else 0)
    )
    return lanes


# ---------------------------------------------------------------------------------------------- choices


OFFER_OPTIONS = "offerOptions(string[],uint256[],uint256)"
"""``IChoiceManifest.offerOptions``: a choice's first action, to the governor, never executed."""
OFFER_OPTIONS_SELECTOR = function_signature_to_4byte_selector(OFFER_OPTIONS)
CHOICE_FLAG = 1 << 252
"""Proposal ids of choices have bit 252 set (``IConsortiumGovernor``)."""


def is_choice_id(proposal_id: int) -> bool:
    return bool(proposal_id & CHOICE_FLAG)


@dataclass(frozen=True)
class ChoiceManifest:
    """The options of a choice: their labels, how many of the following actions each owns (in order), and how many
    options one ballot may select (1: a single choice; more: approval voting)."""

    labels: tuple[str, ...]
    action_counts: tuple[int, ...]
    max_selections: int = 1

    def problems(self, approval_voting: bool | None = None) -> list[str]:
        """Why the governor would refuse this manifest (``GovernorInvalidChoice``, and
        ``GovernorApprovalVotingNotAllowed`` when ``approval_voting`` is given and False), in words."""
        found = []
        n = len(self.labels)
        if not MIN_OPTIONS <= n <= MAX_OPTIONS:
            found.append(f"a choice offers {MIN_OPTIONS} to {MAX_OPTIONS} options, not {n}")
        if len(self.action_counts) != n:
            found.append("every option needs its number of actions")
        if any(not label for label in self.labels):
            found.append("every option needs a label")
        if any(count < 0 for count in self.action_counts) or sum(self.action_counts) > MAX_OPTION_ACTIONS:
            found.append(f"the options may have at most {MAX_OPTION_ACTIONS} actions together")
        if not 1 <= self.max_selections <= max(n, 1):
            found.append(f"a ballot may select 1 to {n} options, not {self.max_selections}")
        elif self.max_selections > 1 and approval_voting is False:
            found.append(
                "the rules in force do not allow approval voting (a ballot selecting several options); "
                "offer a single choice (at most 1 selection)"
            )
        return found

    def actions_of(self, option: int) -> range:
        """Indexes of ``option``'s actions among the proposal's actions (the manifest is action 0)."""
        start = 1 + sum(self.action_counts[:option])
        return range(start, start + self.action_counts[option])

    def encode(self) -> bytes:
        return encode_manifest(self.labels, self.action_counts, self.max_selections)


def encode_manifest(labels: Sequence[str], action_counts: Sequence[int], max_selections: int) -> bytes:
    """The manifest's calldata: ``offerOptions(labels, actionCounts, maxSelections)``."""
    args = abi_encode(["string[]", "uint256[]", "uint256"], [list(labels), list(action_counts), max_selections])
    return OFFER_OPTIONS_SELECTOR + args


def decode_manifest(data: bytes) -> ChoiceManifest | None:
    """The manifest in a call's data, or None if the data is not an ``offerOptions`` call that decodes."""
    if bytes(data[:4]) != OFFER_OPTIONS_SELECTOR:
        return None
    try:
        labels, counts, max_selections = abi_decode(["string[]", "uint256[]", "uint256"], bytes(data[4:]))
    except Exception:  # malformed arguments: not a manifest the governor could have accepted
        return None
    return ChoiceManifest(tuple(labels), tuple(int(c) for c in counts), int(max_selections))


def encode_options(options: Iterable[int]) -> bytes:
    """A ballot's params For options (numbered from 0): ``abi.encode(uint256[])``, strictly increasing."""
    return abi_encode(["uint256[]"], [sorted(set(options))])


def decode_options(params: bytes) -> tuple[int, ...] | None:
    """The options in a ballot's params (None for no params, or params that do not decode)."""
    if not params:
        return None
    try:
        (options,) = abi_decode(["uint256[]"], bytes(params))
    except Exception:  # not a list of options: the governor would have refused it
        return None
    return tuple(int(o) for o in options)


def options_problem(options: Sequence[int], support: VoteType, option_count: int, max_selections: int) -> str | None:
    """Why the governor would refuse a ballot with these options (``GovernorInvalidOptions``), or None. ``options``
    are numbered from 0; ``option_count`` 0 is a plain proposal."""
    if not option_count:
        return "this proposal offers no options: vote for, against or abstain" if options else None
    if not options:
        if support == VoteType.FOR:
            return "this proposal is a choice: a vote for names the option(s) it is for"
        return None
    if support != VoteType.FOR:
        return f"options go with a vote for; a vote {support.name.lower()} is against or abstains on all of them"
    if len(options) > max_selections:
        most = "one option" if max_selections == 1 else f"at most {max_selections} options"
        return f"a ballot on this proposal may select {most}, not {len(options)}"
    if any(not 0 <= o < option_count for o in options):
        return f"this proposal offers options 1 to {option_count}"
    if list(options) != sorted(set(options)):
        return "each option may be selected once"
    return None


# ---------------------------------------------------------------------------------------------- judging


class Outcome(IntEnum):
    """What the votes cast so far make certain (``DecisionRules``: OPEN, PASSED, FAILED)."""

    OPEN = 0
    PASSED = 1
    FAILED = 2


@dataclass(frozen=True)
class Votes:
    """Against, For and Abstain votes (power, or members in a chamber counted by members)."""

    against: int = 0
    for_: int = 0
    abstain: int = 0

    @property
    def cast(self) -> int:
        return self.against + self.for_ + self.abstain

    def add(self, support: VoteType, amount: int) -> Votes:
        if support == VoteType.AGAINST:
            return Votes(self.against + amount, self.for_, self.abstain)
        if support == VoteType.FOR:
            return Votes(self.against, self.for_ + amount, self.abstain)
        return Votes(self.against, self.for_, self.abstain + amount)


@dataclass(frozen=True)
class ChamberVotes:
    """One chamber of a proposal: its votes, its power ``T`` at the snapshot, the power of the members the proposal
    suspends or removes (``left_out``, ``X``: the base is ``T - X``) and, on a choice, its For votes per option."""

    chamber: Chamber
    votes: Votes = field(default_factory=Votes)
    power: int = 0
    left_out: int = 0
    options: tuple[int, ...] = ()

    @property
    def base(self) -> int:
        return self.power - self.left_out

    @property
    def uncast(self) -> int:
        """Its power not yet cast (``T`` less its votes)."""
        return max(self.power - self.votes.cast, 0)


@dataclass(frozen=True)
class Decision:
    """What a proposal is judged on, as the governor holds it: the overall tally, the electorate's power at the
    snapshot ``E`` and the quorum base (``E`` less the power of members it suspends or removes), the category's
    quorum and approval, each option's For votes (empty for a plain proposal) and each chamber's votes."""

    votes: Votes
    electorate: int
    quorum_base: int
    quorum: Ratio
    approval: Ratio
    options: tuple[int, ...] = ()
    chambers: tuple[ChamberVotes, ...] = ()

    @property
    def option_count(self) -> int:
        """Options judged: 1 for a plain proposal (its For votes)."""
        return len(self.options) or 1

    def option_votes(self, option: int) -> int:
        return self.options[option] if self.options else self.votes.for_

    def chamber_option_votes(self, chamber: ChamberVotes, option: int) -> int:
        return chamber.options[option] if self.options else chamber.votes.for_

    @property
    def uncast(self) -> int:
        """The electorate's power not yet cast, ``R``."""
        return max(self.electorate - self.votes.cast, 0)


@dataclass(frozen=True)
class CountedVote:
    """One vote as the governor counts it: support, weight, its power by class (:func:`own_lanes`, or
    ``votesByClassAt``; four 32-bit lanes per class) and, For on a choice, the options it is for (from 0)."""

    support: VoteType
    weight: int
    lanes: Sequence[int] = ()
    options: tuple[int, ...] = ()


def count_votes(
    votes: Iterable[CountedVote],
    chambers: Sequence[Chamber],
    power: Sequence[int],
    *,
    constitutional: bool,
    option_count: int = 0,
    left_out: Iterable[Sequence[int]] = (),
) -> tuple[Votes, tuple[int, ...], tuple[ChamberVotes, ...]]:
    """The overall tally, each option's For votes and each chamber's votes, as the governor counts ``votes``
    (``DecisionRules.openChambers`` and ``count``): ``power`` is ``classPowerAt(snapshot, classes)``, ``left_out``
    the ``votesByClassAt(member, snapshot)`` of each member the proposal suspends or removes."""
    votes = list(votes)
    overall = Votes()
    options = [0] * option_count
    excluded = [0] * len(chambers)
    for lanes in left_out:
        excluded = [x + c.power(lanes, constitutional) for x, c in zip(excluded, chambers, strict=True)]
    tallies = [Votes()] * len(chambers)
    by_option = [[0] * option_count for _ in chambers]
    for vote in votes:
        overall = overall.add(vote.support, vote.weight)
        for option in vote.options:
            options[option] += vote.weight
        for s, chamber in enumerate(chambers):
            added = chamber.power(vote.lanes, constitutional) if vote.lanes else 0
            if not added:
                continue
            tallies[s] = tallies[s].add(vote.support, added)
            for option in vote.options:
                by_option[s][option] += added
    counted = tuple(
        ChamberVotes(chamber, tallies[s], chamber.power(power, constitutional), excluded[s], tuple(by_option[s]))
        for s, chamber in enumerate(chambers)
    )
    return overall, tuple(options), counted


def meets(condition: ChamberCondition, for_: int, against: int, cast: int, base: int) -> bool:
    """Whether ``for_`` For, ``against`` Against and ``cast`` votes in all meet ``condition`` in a chamber of ``base``
    (``DecisionRules._meets``)."""
    return not _failed_measures(condition, for_, against, cast, base)


def _failed_measures(condition: ChamberCondition, for_: int, against: int, cast: int, base: int) -> list[str]:
    failed = []
    if condition.quorum is not None and not reaches(cast, base, condition.quorum):
        failed.append("quorum")
    if condition.approval is not None and not approves(for_, against, condition.approval):
        failed.append("approval")
    share = condition.support
    if share is not None:
        if condition.strict_support:
            missed = for_ * share.denominator <= share.numerator * base
        else:
            missed = for_ * share.denominator < share.numerator * base
        if missed:
            failed.append("support")
    share = condition.blocking
    if share is not None and against > 0 and against * share.denominator >= share.numerator * (for_ + against):
        failed.append("blocking")
    return failed


def qualifies(d: Decision, option: int, extra_for: int = 0, extra_against: int = 0) -> bool:
    """Whether ``option`` meets the category's quorum and approval and every chamber condition, if ``extra_for`` more
    power voted for it (and took part) and ``extra_against`` more against it (``DecisionRules._qualifies``)."""
    return not _shortfalls(d, option, extra_for, extra_against)


def _shortfalls(d: Decision, option: int, extra_for: int = 0, extra_against: int = 0) -> list[tuple[str, object]]:
    """What ``option`` fails, as ``(what, where)``: ("approval", None), ("quorum", None) overall, or (measure, chamber)."""
    found: list[tuple[str, object]] = []
    f = d.option_votes(option)
    a = d.votes.for_ + d.votes.against - f
    if not approves(f + extra_for, a + extra_against, d.approval):
        found.append(("approval", None))
    if not reaches(d.votes.cast + extra_for, d.quorum_base, d.quorum):
        found.append(("quorum", None))
    for chamber in d.chambers:
        base = chamber.base
        if base == 0:
            continue
        fi = d.chamber_option_votes(chamber, option)
        cast = chamber.votes.cast
        uncast = chamber.uncast
        if not chamber.chamber.condition.by_count and uncast > extra_for + extra_against:
            uncast = extra_for + extra_against  # a chamber's uncast power is part of the electorate's
        more_for = uncast if extra_for else 0
        more_against = uncast if extra_against else 0
        decisive = chamber.votes.against + chamber.votes.for_
        for measure in _failed_measures(
            chamber.chamber.condition, fi + more_for, decisive - fi + more_against, cast + more_for, base
        ):
            found.append((measure, chamber))
    return found


def quorum_reached(d: Decision) -> bool:
    """The category's quorum and every chamber's quorum (``DecisionRules.quorumReached``; the late-quorum
    extension's "quorum reached")."""
    if not reaches(d.votes.cast, d.quorum_base, d.quorum):
        return False
    for chamber in d.chambers:
        share = chamber.chamber.condition.quorum
        if share is not None and chamber.base != 0 and not reaches(chamber.votes.cast, chamber.base, share):
            return False
    return True


def winner(d: Decision) -> int | None:
    """The winning option (0 for a plain proposal that passes), or None: of the options that qualify, the one with
    the most power for it, alone at the top (``DecisionRules.winner``; a tie at the top is no decision)."""
    best, chosen, tied = 0, None, False
    for option in range(d.option_count):
        f = d.option_votes(option)
        if not qualifies(d, option):
            continue
        if chosen is None or f > best:
            best, chosen, tied = f, option, False
        elif f == best:
            tied = True
    return None if tied else chosen


def certain_outcome(d: Decision) -> Outcome:
    """What the votes cast so far make certain (``DecisionRules.certainOutcome``): passed, when the winner still
    qualifies with all uncast power against it and no other option could reach it; failed, when no option would
    qualify with all uncast power for it; else open."""
    uncast = d.uncast
    leader = winner(d)
    if leader is not None:
        lead = d.option_votes(leader)
        certain = qualifies(d, leader, 0, uncast)
        for j in range(d.option_count):
            if certain and j != leader and d.option_votes(j) + uncast >= lead:
                certain = False
        if certain:
            return Outcome.PASSED
    for option in range(d.option_count):
        if qualifies(d, option, uncast, 0):
            return Outcome.OPEN
    return Outcome.FAILED


def decided(d: Decision) -> tuple[bool, int]:
    """``winningOption``: (whether there is a winner, which option) with the votes cast so far."""
    found = winner(d) if quorum_reached(d) else None
    return (found is not None, found or 0)


# ---------------------------------------------------------------------------------------------- in words


@dataclass(frozen=True)
class ChamberProgress:
    """One chamber's votes against its condition, in words (one line per measure) and whether each is met."""

    chamber: ChamberVotes
    lines: tuple[tuple[str, bool], ...]

    @property
    def met(self) -> bool:
        return all(ok for _, ok in self.lines)


@dataclass(frozen=True)
class OptionJudgement:
    """One option of a decision (the proposal itself, for a plain one): its votes, whether it qualifies, and if not,
    why, in words."""

    option: int
    label: str
    votes: int
    qualifies: bool
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class Judgement:
    """A decision judged as the governor judges it, in words."""

    quorum_reached: bool
    options: tuple[OptionJudgement, ...]
    winner: int | None
    outcome: Outcome
    tie: bool
    chambers: tuple[ChamberProgress, ...]


def _unit(chamber: ChamberVotes, amount: int) -> str:
    if chamber.chamber.condition.by_count:
        return f"{amount} member" if amount == 1 else f"{amount} members"
    return f"{amount} vote" if amount == 1 else f"{amount} votes"


def chamber_lines(chamber: ChamberVotes, for_: int | None = None, against: int | None = None) -> list[tuple[str, bool]]:
    """Each measure of a chamber's condition against its votes, as ``(sentence, met)``: "founding partners: 2 of 4
    members for, needs more than half of 4 (3)". ``for_``/``against`` override the chamber's For and Against (an
    option's, on a choice)."""
    c = chamber.chamber.condition
    name = chamber.chamber.name
    base = chamber.base
    f = chamber.votes.for_ if for_ is None else for_
    a = chamber.votes.against if against is None else against
    cast = chamber.votes.cast
    if base == 0:
        return [(f"{name}: nobody in it at the snapshot, so it imposes nothing", True)]
    of = f"of {_unit(chamber, base)}"
    lines: list[tuple[str, bool]] = []
    failed = set(_failed_measures(c, f, a, cast, base))
    if c.quorum is not None:
        lines.append((
            f"{name}: {cast} {of} took part, needs at least {share_words(c.quorum)} ({needed(base, c.quorum)})",
            "quorum" not in failed,
        ))  # fmt: skip
    if c.approval is not None:
        majority = c.approval.numerator * 2 == c.approval.denominator
        lines.append((
            f"{name}: {f} for, {a} against, needs "
            + ("more for than against" if majority else f"at least {share_words(c.approval)} of those for or "
               "against, and more for than against"),
            "approval" not in failed,
        ))  # fmt: skip
    if c.support is not None:
        more = "more than" if c.strict_support else "at least"
        lines.append((
            f"{name}: {f} {of} for, needs {more} {share_words(c.support)} of {base} "
            f"({needed(base, c.support, strict=c.strict_support)})",
            "support" not in failed,
        ))  # fmt: skip
    if c.blocking is not None:
        state = "blocked" if "blocking" in failed else "not blocked"
        lines.append((f"{name}: {a} against, {f} for: {state} ({blocking_words(c.blocking)} blocks)",
                      "blocking" not in failed))  # fmt: skip
    return lines


def judge(d: Decision, labels: Sequence[str] = ()) -> Judgement:
    """The decision judged, with each option's qualification and the reasons it fails in words. ``labels`` name the
    options (a plain proposal's one option is "the proposal")."""
    chambers = tuple(ChamberProgress(c, tuple(chamber_lines(c))) for c in d.chambers)
    judgements = []
    for option in range(d.option_count):
        label = (
            labels[option] if option < len(labels) else ("the proposal" if not d.options else f"option {option + 1}")
        )
        f = d.option_votes(option)
        reasons = []
        for what, where in _shortfalls(d, option):
            if where is None and what == "approval":
                a = d.votes.for_ + d.votes.against - f
                reasons.append(
                    f"approval: {f} for, {a} against, needs at least {share_words(d.approval)} of those for or "
                    "against, and more for than against"
                )
            elif where is None:
                reasons.append(
                    f"quorum: {d.votes.cast} of {d.quorum_base} took part, needs at least {share_words(d.quorum)} "
                    f"({needed(d.quorum_base, d.quorum)})"
                )
            else:
                assert isinstance(where, ChamberVotes)
                fi = d.chamber_option_votes(where, option)
                ai = where.votes.for_ + where.votes.against - fi
                reasons += [text for text, ok in chamber_lines(where, fi, ai) if not ok]
        judgements.append(OptionJudgement(option, label, f, not reasons, tuple(dict.fromkeys(reasons))))
    found = winner(d)
    qualifying = [j.votes for j in judgements if j.qualifies]
    tie = found is None and len(qualifying) > 1 and qualifying.count(max(qualifying)) > 1
    return Judgement(quorum_reached(d), tuple(judgements), found, certain_outcome(d), tie, chambers)
