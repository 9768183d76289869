"""The rules of chambers and choices in Python (``ccsi_dao.governance.decisions``), without a chain.

Each rule is checked at its exact boundary (the vote that makes a share, the one that does not), the packing against
the layout of ``ChamberConditions.sol``, and with Hypothesis: packing round-trips, "no weaker" is a preorder that
measures move the right way, and early close is sound: whatever the members who have not voted do, a proposal
closed as passed keeps its winner and one closed as failed never gets one.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from eth_utils import keccak
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from ccsi_dao.agreement.fields import MAX_CHAMBER_CONDITIONS, MAX_CHAMBER_TERM
from ccsi_dao.governance import decisions as D
from ccsi_dao.governance.decisions import ChamberCondition as C
from ccsi_dao.types import Ratio, Role, StakeholderGroup, VoteType

HALF, ALL, ANY = Ratio(1, 2), Ratio(1, 1), Ratio(0, 1)

# ---------------------------------------------------------------------------------------------- classes


def test_classes_follow_the_contracts() -> None:
    assert D.class_of(Role.FOUNDING_PARTNER, StakeholderGroup.MINISTRY_AGENCY) == 0
    assert D.class_of(Role.PARTNER, StakeholderGroup.MUNICIPALITY) == 10
    assert D.class_of(Role.OBSERVER, StakeholderGroup.OTHER) is None
    state = 3 | 3 << 96 | int(Role.PARTNER) << 192 | int(StakeholderGroup.ACADEMIA) << 200
    assert D.class_of_state(state) == 8
    assert D.members_mask((Role.FOUNDING_PARTNER,)) == D.FOUNDING_PARTNERS == 0x03F
    assert D.members_mask((Role.PARTNER,)) == D.PARTNERS == 0xFC0
    assert D.members_mask(groups=[StakeholderGroup.MUNICIPALITY]) == 1 << 4 | 1 << 10
    assert D.MAX_CONDITIONS == MAX_CHAMBER_CONDITIONS and D.MAX_TERM == MAX_CHAMBER_TERM  # the agreement's limits


@pytest.mark.parametrize(
    ("mask", "words"),
    [
        (D.ALL_MEMBERS, "all members"),
        (D.FOUNDING_PARTNERS, "founding partners"),
        (D.PARTNERS, "partners"),
        (1 << 4 | 1 << 10, "members in municipality"),
        (1 << 2 | 1 << 3 | 1 << 8 | 1 << 9, "members in academia and business"),
        (1 << 10, "partners in municipality"),
        (D.FOUNDING_PARTNERS | 1 << 10, "founding partners and partners in municipality"),
    ],
)
def test_members_in_words(mask: int, words: str) -> None:
    assert D.members_words(mask) == words


# ---------------------------------------------------------------------------------------------- packing

FOUNDERS_MAJORITY = C(D.FOUNDING_PARTNERS, by_count=True, support=HALF, strict_support=True)
FOUNDERS_CONSENT = C(D.FOUNDING_PARTNERS, blocking=ANY)
NO_GROUP_ALL_AGAINST = C(D.ALL_MEMBERS, each_group=True, blocking=ALL)
DOUBLE_MAJORITY = (C(D.ALL_MEMBERS, by_count=True, support=Ratio(11, 20)), C(D.ALL_MEMBERS, support=Ratio(13, 20)))


def test_layout_of_one_condition() -> None:
    word = FOUNDERS_MAJORITY.pack()
    assert word & 0xFFF == 0x03F and word >> 12 & 0b111 == 0b110  # classes; byCount and strictSupport, not eachGroup
    assert (word >> 48 & 0xFF, word >> 56 & 0xFF) == (1, 2)  # support 1/2
    assert word >> 16 & 0xFFFF == 0 and word >> 32 & 0xFFFF == 0 and word >> 64 == 0  # no quorum, approval, blocking
    assert FOUNDERS_CONSENT.pack() >> 64 == 0x0100  # blocking 0/1: numerator 0, denominator 1
    packed = D.pack_conditions([FOUNDERS_MAJORITY, FOUNDERS_CONSENT])
    assert packed >> 240 == 2 and D.condition_word(packed, 1) == FOUNDERS_CONSENT.pack()
    assert D.pack_conditions([]) == 0


def test_conditions_that_cannot_be_stored() -> None:
    assert C(0, quorum=HALF).problems() == ["it names no members"]
    assert "no measure" in C(D.ALL_MEMBERS).problems()[0]
    assert "term above 255" in C(D.ALL_MEMBERS, support=Ratio(1, 256)).problems()[0]
    assert "strict support needs a support" in C(D.ALL_MEMBERS, quorum=HALF, strict_support=True).problems()[0]
    with pytest.raises(ValueError, match="at most 3"):
        D.pack_conditions([FOUNDERS_CONSENT] * 4)


@pytest.mark.parametrize(
    ("word", "index"),
    [
        (0, None),
        (D.pack_conditions([FOUNDERS_CONSENT, NO_GROUP_ALL_AGAINST]), None),
        (4 << 240, 3),  # more than three conditions
        (D.pack_conditions([FOUNDERS_CONSENT]) | 1 << 80, 3),  # bits beyond the last condition
        (1 << 240 | 0x03F, 0),  # no measure
        (1 << 240 | 0x03F | 0x0102 << 16, 0),  # quorum 2/1: above one
        (1 << 240 | 0x03F | 0x0102 << 64, 0),  # blocking 2/1
        (1 << 240 | 0x03F | 1 << 15 | 0x0201 << 16, 0),  # the reserved bit
        (1 << 240 | 0x03F | 1 << 14 | 0x0201 << 16, 0),  # strict support without a support
        (2 << 240 | FOUNDERS_CONSENT.pack() | (0x03F | 0x0001 << 16) << 80, 1),  # quorum 1/0: no denominator
    ],
)
def test_invalid_index_as_the_registry(word: int, index: int | None) -> None:
    assert D.invalid_index(word) == index


shares = st.builds(lambda d, n: Ratio(n % (d + 1), d), st.integers(1, 255), st.integers(0, 255))  # every storable share
conditions = st.builds(
    lambda members, each, count, q, a, s, strict, b: C(members, each, count, q, a, s, strict and s is not None, b),
    st.integers(1, D.ALL_MEMBERS),
    st.booleans(),
    st.booleans(),
    st.none() | shares,
    st.none() | shares,
    st.none() | shares,
    st.booleans(),
    st.none() | shares,
).filter(lambda c: bool(c.measures()))


@given(st.lists(conditions, max_size=3))
def test_packing_round_trips(items: list[C]) -> None:
    word = D.pack_conditions(items)
    assert D.invalid_index(word) is None
    assert D.unpack_conditions(word) == tuple(items)
    assert all(D.condition_valid(c.pack()) for c in items)


@given(conditions)
def test_no_weaker_than_itself(c: C) -> None:
    assert c.no_weaker_than(c)


@given(conditions, shares)
def test_no_weaker_moves_each_measure_the_right_way(c: C, other: Ratio) -> None:
    for name in ("quorum", "approval", "support", "blocking"):
        floor = getattr(c, name)
        if floor is None:
            continue
        changed = replace(c, **{name: other})
        higher = other.numerator * floor.denominator > floor.numerator * other.denominator
        lower = other.numerator * floor.denominator < floor.numerator * other.denominator
        if name == "blocking":
            if higher:
                assert not changed.no_weaker_than(c)  # letting fewer block is weaker
            if lower:
                assert changed.no_weaker_than(c)
        else:
            if lower:
                assert not changed.no_weaker_than(c)
            if higher:
                assert changed.no_weaker_than(c)
        assert not replace(c, **{name: None}).no_weaker_than(c)  # a measure the floor uses must be used


def test_no_weaker_keeps_the_chamber_and_strictness() -> None:
    assert not replace(FOUNDERS_MAJORITY, by_count=False).no_weaker_than(FOUNDERS_MAJORITY)
    assert not replace(FOUNDERS_MAJORITY, members=D.ALL_MEMBERS).no_weaker_than(FOUNDERS_MAJORITY)
    assert not replace(FOUNDERS_MAJORITY, strict_support=False).no_weaker_than(FOUNDERS_MAJORITY)
    assert replace(FOUNDERS_MAJORITY, support=Ratio(2, 3), strict_support=False).no_weaker_than(FOUNDERS_MAJORITY)
    assert replace(FOUNDERS_MAJORITY, quorum=HALF).no_weaker_than(FOUNDERS_MAJORITY)  # an extra measure is fine
    entrenched = D.pack_conditions([FOUNDERS_MAJORITY])
    assert D.weaker_than_floor(D.pack_conditions([FOUNDERS_CONSENT, FOUNDERS_MAJORITY]), entrenched) is None
    assert D.weaker_than_floor(D.pack_conditions([FOUNDERS_CONSENT]), entrenched) == 0
    assert D.weaker_than_floor(0, entrenched) == 0


def test_chambers_of_a_proposal() -> None:
    chambers = D.chambers_of([FOUNDERS_MAJORITY, NO_GROUP_ALL_AGAINST])
    assert [c.index for c in chambers] == [0, 1, 1, 1, 1, 1, 1]
    assert [c.group for c in chambers[1:]] == list(StakeholderGroup)
    assert chambers[3].classes == 1 << 2 | 1 << 8 and chambers[3].name == "academia"
    partners_by_group = D.chambers_of([C(D.PARTNERS | 1 << 0, each_group=True, blocking=ALL)])
    assert [c.classes for c in partners_by_group] == [1 << 0 | 1 << 6, *(1 << (6 + g) for g in range(1, 6))]
    assert D.chambers_of(D.pack_conditions([FOUNDERS_CONSENT])) == D.chambers_of([FOUNDERS_CONSENT])


# ---------------------------------------------------------------------------------------------- measures at their boundaries


def one_chamber(condition: C, votes: D.Votes, power: int) -> D.Decision:
    """A plain proposal that passes overall (quorum 1/10, approval 1/2), judged by one chamber."""
    chamber = D.ChamberVotes(D.chambers_of([condition])[0], votes, power)
    overall = D.Votes(against=0, for_=10, abstain=0)
    return D.Decision(overall, 10, 10, Ratio(1, 10), HALF, (), (chamber,))


@pytest.mark.parametrize(
    ("condition", "votes", "power", "passes"),
    [
        # support more than 1/2 of 4 founders: 2 is not enough, 3 is
        (FOUNDERS_MAJORITY, D.Votes(0, 2, 0), 4, False),
        (FOUNDERS_MAJORITY, D.Votes(0, 3, 0), 4, True),
        # at least 11/20 of 20: 11 is, 10 is not
        (C(D.ALL_MEMBERS, support=Ratio(11, 20)), D.Votes(0, 11, 0), 20, True),
        (C(D.ALL_MEMBERS, support=Ratio(11, 20)), D.Votes(0, 10, 0), 20, False),
        # quorum at least 1/2 of 5: 3 cast (abstaining counts), 2 not
        (C(D.ALL_MEMBERS, quorum=HALF), D.Votes(1, 1, 1), 5, True),
        (C(D.ALL_MEMBERS, quorum=HALF), D.Votes(1, 1, 0), 5, False),
        # approval 2/3: 2 for 1 against is, 3 for 2 against is not; a tie never is, even at 1/2
        (C(D.ALL_MEMBERS, approval=Ratio(2, 3)), D.Votes(1, 2, 0), 9, True),
        (C(D.ALL_MEMBERS, approval=Ratio(2, 3)), D.Votes(2, 3, 0), 9, False),
        (C(D.ALL_MEMBERS, approval=HALF), D.Votes(2, 2, 0), 9, False),
        # consent: one founder against blocks; abstaining does not
        (FOUNDERS_CONSENT, D.Votes(1, 3, 0), 4, False),
        (FOUNDERS_CONSENT, D.Votes(0, 3, 1), 4, True),
        # all against: blocks only a group whose decisive votes are all against
        (C(D.ALL_MEMBERS, blocking=ALL), D.Votes(2, 0, 1), 3, False),
        (C(D.ALL_MEMBERS, blocking=ALL), D.Votes(2, 1, 0), 3, True),
        (C(D.ALL_MEMBERS, blocking=ALL), D.Votes(0, 0, 3), 3, True),
        # a third against blocks: 1 of 3 does, 1 of 4 does not
        (C(D.ALL_MEMBERS, blocking=Ratio(1, 3)), D.Votes(1, 2, 0), 9, False),
        (C(D.ALL_MEMBERS, blocking=Ratio(1, 3)), D.Votes(1, 3, 0), 9, True),
        # a chamber with no power at the snapshot imposes nothing
        (FOUNDERS_MAJORITY, D.Votes(0, 0, 0), 0, True),
    ],
)
def test_measures_at_their_boundaries(condition: C, votes: D.Votes, power: int, passes: bool) -> None:
    d = one_chamber(condition, votes, power)
    assert (D.winner(d) == 0) is passes
    judged = D.judge(d)
    assert judged.options[0].qualifies is passes
    assert bool(judged.options[0].reasons) is not passes


def test_left_out_power_lowers_the_base() -> None:
    chamber = D.ChamberVotes(D.chambers_of([FOUNDERS_MAJORITY])[0], D.Votes(0, 2, 0), power=4, left_out=1)
    d = D.Decision(D.Votes(0, 10, 0), 10, 10, Ratio(1, 10), HALF, (), (chamber,))
    assert D.winner(d) == 0  # 2 of 3 is more than half


def test_words_for_a_chamber() -> None:
    d = one_chamber(FOUNDERS_MAJORITY, D.Votes(0, 2, 0), 4)
    ((line, ok),) = D.judge(d).chambers[0].lines
    assert line == "founding partners: 2 of 4 members for, needs more than half of 4 (3)" and not ok
    assert D.judge(d).options[0].reasons == (line,)
    assert (
        FOUNDERS_MAJORITY.describe()
        == "founding partners (counted by members): more than half of their members are for"
    )
    assert NO_GROUP_ALL_AGAINST.describe() == "each stakeholder group of all members: all decisive votes against blocks"


# ---------------------------------------------------------------------------------------------- choices


def test_manifest_round_trip_and_selector() -> None:
    manifest = D.ChoiceManifest(("Association", "Cooperative", "Foundation"), (0, 2, 1), 2)
    data = manifest.encode()
    assert data[:4] == D.OFFER_OPTIONS_SELECTOR == keccak(text="offerOptions(string[],uint256[],uint256)")[:4]
    assert D.decode_manifest(data) == manifest
    assert D.decode_manifest(b"\x00" * 4) is None and D.decode_manifest(D.OFFER_OPTIONS_SELECTOR + b"\x01") is None
    assert list(manifest.actions_of(0)) == [] and list(manifest.actions_of(1)) == [1, 2]
    assert list(manifest.actions_of(2)) == [3]
    assert manifest.problems(approval_voting=True) == []
    assert "approval voting" in manifest.problems(approval_voting=False)[0]
    assert "2 to 10 options" in D.ChoiceManifest(("Only",), (0,), 1).problems()[0]


def test_ballot_params() -> None:
    assert D.decode_options(D.encode_options([2, 0])) == (0, 2)
    assert D.decode_options(b"") is None and D.decode_options(b"\x01") is None
    assert D.options_problem((), VoteType.FOR, 4, 1) is not None  # For on a choice names its option
    assert D.options_problem((1,), VoteType.AGAINST, 4, 1) is not None
    assert D.options_problem((0, 1), VoteType.FOR, 4, 1) == "a ballot on this proposal may select one option, not 2"
    assert D.options_problem((4,), VoteType.FOR, 4, 1) == "this proposal offers options 1 to 4"
    assert D.options_problem((1,), VoteType.FOR, 0, 0) is not None  # options on a plain proposal
    assert D.options_problem((0, 2), VoteType.FOR, 4, 2) is None


def choice(options: tuple[int, ...], against: int = 0, abstain: int = 0, electorate: int = 10) -> D.Decision:
    """A choice judged by quorum 1/2 and approval 1/2 of an electorate of 10, one ballot per voter (For is the
    power that voted for any option: here each voter chose one)."""
    votes = D.Votes(against, sum(options), abstain)
    return D.Decision(votes, electorate, electorate, HALF, HALF, options)


def test_winner_of_a_choice() -> None:
    # 4 for Association, 3 for Cooperative: Association has 4 against the other 3 decisive votes
    assert D.winner(choice((4, 3, 0, 0))) == 0
    # one ballot, one option: a tie at the top leaves each option with as much against it as for it
    d = choice((3, 3, 0, 0), electorate=6)
    assert D.winner(d) is None and not D.judge(d).tie and not any(o.qualifies for o in D.judge(d).options)
    # approval voting: six voters for both options 0 and 1; both qualify, a tie at the top: no decision
    d = D.Decision(D.Votes(0, 6, 0), 6, 6, HALF, HALF, (6, 6, 0))
    assert D.qualifies(d, 0) and D.qualifies(d, 1)
    assert D.winner(d) is None and D.judge(d).tie and D.certain_outcome(d) == D.Outcome.OPEN
    # no option has more for than against it: no decision
    assert D.winner(choice((2, 2, 1, 0))) is None
    # approval voting: a voter for options 0 and 1 counts for both; For (the power for any option) is 6
    d = D.Decision(D.Votes(0, 6, 0), 10, 10, HALF, HALF, (6, 4, 0, 0))
    assert D.winner(d) == 0


def test_certain_outcome_of_a_choice() -> None:
    assert D.certain_outcome(choice((6, 1, 0, 0))) == D.Outcome.PASSED  # 3 uncast cannot lift option 1 to 6
    assert D.certain_outcome(choice((5, 2, 0, 0))) == D.Outcome.OPEN  # 3 uncast could tie option 1 with option 0
    assert D.certain_outcome(choice((0, 0, 0, 0), against=6)) == D.Outcome.FAILED


# ---------------------------------------------------------------------------------------------- early close is sound

CLASS = st.integers(0, 11)
WEIGHT = st.integers(1, 4)


@st.composite
def ballots(draw: st.DrawFn) -> tuple:
    n = draw(st.integers(2, 9))
    members = [(draw(CLASS), draw(WEIGHT)) for _ in range(n)]
    option_count = draw(st.sampled_from([0, 2, 3]))
    max_selections = draw(st.integers(1, max(option_count, 1)))
    rules = draw(st.lists(conditions, min_size=0, max_size=2))
    quorum, approval = (
        draw(shares.filter(lambda r: r.numerator > 0)),
        draw(shares.filter(lambda r: 2 * r.numerator >= r.denominator)),
    )

    def ballot(draw: st.DrawFn) -> tuple[VoteType, tuple[int, ...]]:
        support = draw(st.sampled_from(list(VoteType)))
        if support != VoteType.FOR or not option_count:
            return support, ()
        k = draw(st.integers(1, max_selections))
        return support, tuple(sorted(draw(st.sets(st.integers(0, option_count - 1), min_size=k, max_size=k))))

    cast = draw(st.integers(0, n))
    now = [ballot(draw) for _ in range(cast)]
    later = [ballot(draw) for _ in range(n - cast)]
    return members, option_count, rules, quorum, approval, now, later


def decision_of(members, option_count, conditions, quorum, approval, ballots_cast) -> D.Decision:
    chambers = D.chambers_of(conditions)
    lanes = [0] * 12
    for cls, weight in members:
        lanes[cls] += weight | 1 << 64
    votes = [
        D.CountedVote(support, weight, [weight | 1 << 64 if c == cls else 0 for c in range(12)], options)
        for (cls, weight), (support, options) in zip(members, ballots_cast, strict=False)
    ]
    overall, options, counted = D.count_votes(votes, chambers, lanes, constitutional=False, option_count=option_count)
    electorate = sum(w for _, w in members)
    return D.Decision(overall, electorate, electorate, quorum, approval, options, counted)


@settings(max_examples=400, deadline=None)
@given(ballots())
def test_early_close_is_sound(case: tuple) -> None:
    members, option_count, conditions, quorum, approval, now, later = case
    before = decision_of(members, option_count, conditions, quorum, approval, now)
    after = decision_of(members, option_count, conditions, quorum, approval, now + later)
    outcome = D.certain_outcome(before)
    assume(outcome != D.Outcome.OPEN)
    if outcome == D.Outcome.PASSED:
        assert D.winner(after) == D.winner(before) is not None
        assert D.quorum_reached(after)
    else:
        assert D.winner(after) is None


@settings(max_examples=200, deadline=None)
@given(ballots())
def test_when_everyone_voted(case: tuple) -> None:
    """Once every member has voted, a decision without a winner has failed; one with a winner has passed unless an
    option that does not qualify has as much support (then it stays open to its deadline, as the contracts do)."""
    members, option_count, conditions, quorum, approval, now, later = case
    d = decision_of(members, option_count, conditions, quorum, approval, now + later)
    found = D.winner(d)
    outcome = D.certain_outcome(d)
    if found is None:
        assert outcome in (D.Outcome.FAILED, D.Outcome.OPEN)
        assert (outcome == D.Outcome.OPEN) == any(D.qualifies(d, i) for i in range(d.option_count))
    else:
        rivals = any(d.option_votes(j) >= d.option_votes(found) for j in range(d.option_count) if j != found)
        assert outcome == (D.Outcome.OPEN if rivals else D.Outcome.PASSED)


@pytest.mark.parametrize(
    ("signature", "args", "sentence"),
    [
        ("GovernorInvalidChoice()", [], "the choice is malformed: it needs 2 to 10 labelled options"),
        ("GovernorInvalidOptions()", [], "the ballot's options do not fit this proposal"),
        ("GovernorApprovalVotingNotAllowed()", [], "the rules in force do not allow approval voting"),
        ("RulesInvalidChamber(uint8,uint256)", [3, 1], "chamber condition 2 of the constitutional rule is malformed"),
        ("RulesWeakerThanFloor(uint8,uint256)", [2, 0],
         "the membership rule would drop or weaken entrenched chamber condition 1"),
    ],
)  # fmt: skip
def test_chamber_and_choice_reverts_are_sentences(signature: str, args: list[int], sentence: str) -> None:
    from eth_abi import encode
    from eth_utils import function_signature_to_4byte_selector

    from ccsi_dao.abi.artifacts import load_artifact
    from ccsi_dao.abi.reverts import RevertDecoder
    from ccsi_dao.governance.deployment import DEPLOYED

    types = signature[signature.index("(") + 1 : -1].split(",") if args else []
    raw = function_signature_to_4byte_selector(signature) + encode(types, args)
    error = RevertDecoder([load_artifact(name).abi for name in DEPLOYED]).decode_known(raw, "the proposal")
    assert error is not None and sentence in str(error) and "0x" not in str(error)
