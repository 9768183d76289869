"""The decision log's pieces for chambers and choices that need no chain: a member's class and lanes as the
registry packs them, the chambers of a rule set, a choice's manifest among the actions, and the CSV columns."""

from __future__ import annotations

import csv
import io

from ccsi_dao.decisionlog.chambers import offers_options, option_words, voted_actions
from ccsi_dao.decisionlog.entries import COLUMNS, Entry, render
from ccsi_dao.decisionlog.history import MemberState, member_class, rule_extras, state_lanes, state_word
from ccsi_dao.governance.actions import Action
from ccsi_dao.governance.decisions import class_of_state, encode_manifest, own_lanes
from ccsi_dao.types import Category, MemberStatus, Role, StakeholderGroup

GOVERNOR = "0x5FC8d32690cc91D4c39d9d3abcBD16989F875707"


def member(role: Role, group: StakeholderGroup, weight: int = 3, constitutional: bool = True) -> MemberState:
    return MemberState(role, group, MemberStatus.ACTIVE, weight, "A partner", 0, constitutional)


def test_a_members_lanes_are_those_the_governor_gives_a_vote_with_its_own_units() -> None:
    for role in (Role.FOUNDING_PARTNER, Role.PARTNER):
        for group in StakeholderGroup:
            for constitutional in (False, True):
                m = member(role, group, 3, constitutional)
                word = state_word(m)
                assert class_of_state(word) == member_class(m) == (0 if role == Role.FOUNDING_PARTNER else 6) + group
                for in_constitutional in (False, True):
                    weight = m.constitutional_units if in_constitutional else m.units
                    if not weight:
                        continue
                    lanes = own_lanes(weight, word, in_constitutional)
                    assert lanes is not None and lanes[member_class(m)] == state_lanes(m)
                    assert sum(1 for lane in lanes if lane) == 1


def test_members_without_a_vote_have_no_lanes() -> None:
    assert state_lanes(member(Role.OBSERVER, StakeholderGroup.ACADEMIA)) == 0
    suspended = MemberState(Role.PARTNER, StakeholderGroup.BUSINESS, MemberStatus.SUSPENDED, 2, "B", 0, True)
    assert state_lanes(suspended) == 0 and state_word(suspended) >> 96 == int(Role.PARTNER) << 96 | 3 << 104


def test_a_rule_sets_chambers_and_approval_voting_in_either_decoded_form() -> None:
    rules = [((1, 4), (1, 2))] * 4
    words = [7 << 240 | 1, 0, 0, 5]
    assert rule_extras((rules, True, words, True)) == (
        {Category.ORDINARY: 7 << 240 | 1, Category.CONSTITUTIONAL: 5},
        True,
    )
    named = {"rules": rules, "earlyClose": False, "chambers": [0, 0, 9, 0], "approvalVoting": False}
    assert rule_extras(named) == ({Category.MEMBERSHIP: 9}, False)
    assert rule_extras((rules, True)) == ({}, False)  # a rule set of contracts without chambers


def test_only_a_manifest_first_to_the_governor_makes_a_choice() -> None:
    manifest = Action(GOVERNOR, 0, encode_manifest(["A", "B"], [1, 0], 1))
    pay = Action("0x" + "11" * 20, 5, b"")
    assert offers_options(GOVERNOR, [manifest, pay]) and list(voted_actions(GOVERNOR, [manifest, pay])) == [pay]
    assert not offers_options(GOVERNOR, [pay, manifest])  # not first
    assert not offers_options(GOVERNOR, [Action(GOVERNOR, 1, manifest.data)])  # with value
    assert not offers_options("0x" + "22" * 20, [manifest])  # to another contract
    assert list(voted_actions(GOVERNOR, [pay, manifest])) == [pay, manifest]
    assert option_words(["A", "B"], [1, 0, 4]) == ["B", "A", "option 5"]


def test_csv_columns_for_option_votes_and_winners() -> None:
    vote = Entry("2026-01-01T00:00:00Z", 0, 5, 1, "0xaa", "vote", "VoteCastWithParams", "voted",
                 details={"choice": "for", "options": ["A, with a comma", "B"], "chamber_class": "partner, academia"})  # fmt: skip
    outcome = Entry("2026-01-02T00:00:00Z", 1, None, None, None, "outcome", "VotingClosed", "closed",
                    details={"options": [{"label": "A", "votes": 2}, {"label": "=B", "votes": 3}], "winner": "=B"})  # fmt: skip
    rows = list(csv.DictReader(io.StringIO(render([vote, outcome], "csv"))))
    assert list(rows[0]) == list(COLUMNS)
    assert (rows[0]["options"], rows[0]["chamber_class"], rows[0]["winner"]) == (
        "A, with a comma; B",
        "partner, academia",
        "",
    )
    assert rows[1]["options"].endswith("=B: 3") and rows[1]["chamber_class"] == ""
    assert not rows[1]["winner"].startswith("=")  # chain text that a spreadsheet would run is defused
