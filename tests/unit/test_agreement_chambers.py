"""Chamber conditions and choices in the agreement YAML: each shape an agreement needs is written plainly, becomes
the exact condition the contracts store, and every mistake is one sentence at its field."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from ccsi_dao.agreement import AgreementError, agreement_json_schema, load_agreement, parse_yaml
from ccsi_dao.agreement.model import Agreement
from ccsi_dao.governance import decisions as D
from ccsi_dao.governance.decisions import ChamberCondition, agreement_chambers, unpack_conditions
from ccsi_dao.governance.deployment import SuiteParams
from ccsi_dao.types import Category, Ratio, Role, StakeholderGroup
from tests.support import ROOT

EXAMPLES = ROOT / "examples"
SMALL = parse_yaml((EXAMPLES / "small.yaml").read_text())


def with_chambers(category: str, conditions: list[dict[str, Any]], **extra: Any) -> Agreement:
    """small.yaml with chamber conditions on ``category``, read as a file is (mistakes become AgreementError)."""
    import tempfile

    import yaml

    raw = json.loads(json.dumps(SMALL))
    raw["rules"][category] = {**raw["rules"][category], "chambers": conditions}
    raw.update(extra)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "agreement.yaml"
        path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
        shutil.copyfile(EXAMPLES / "small-agreement.md", Path(folder) / "small-agreement.md")
        return load_agreement(path)


def test_legal_model_example() -> None:
    a = load_agreement(EXAMPLES / "legal-model.yaml")
    assert a.consortium == "CCSI Bulgaria" and a.approval_voting is True
    founders = [p.name for p in a.partners if p.role == Role.FOUNDING_PARTNER]
    assert founders == ["Sofia Development Association", "National Alliance for Volunteer Work - Plovdiv",
                        "Ministry of Labour and Social Policy"]  # fmt: skip
    params = SuiteParams.from_agreement(a)
    assert set(params.chambers) == {Category.MEMBERSHIP, Category.CONSTITUTIONAL}
    assert unpack_conditions(params.chambers[Category.CONSTITUTIONAL]) == (
        ChamberCondition(D.FOUNDING_PARTNERS, blocking=Ratio(0, 1)),
        ChamberCondition(D.ALL_MEMBERS, by_count=True, support=Ratio(11, 20)),
        ChamberCondition(D.ALL_MEMBERS, support=Ratio(13, 20)),
    )
    assert unpack_conditions(params.entrenched[Category.CONSTITUTIONAL]) == (
        ChamberCondition(D.FOUNDING_PARTNERS, blocking=Ratio(0, 1)),
    )
    assert unpack_conditions(params.chambers[Category.MEMBERSHIP]) == (
        ChamberCondition(D.ALL_MEMBERS, each_group=True, blocking=Ratio(1, 1)),
    )
    assert params.approval_voting is True and params.rule_set()[2][3] == params.chambers[Category.CONSTITUTIONAL]


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        # a majority of the founding partners voting for (of those for or against)
        ({"members": "founding partners", "approval": "more than 1/2"},
         ChamberCondition(D.FOUNDING_PARTNERS, approval=Ratio(1, 2))),
        # a majority of all founding partners, counted one each
        ({"members": "founding partners", "counted": "members", "support": "more than 1/2"},
         ChamberCondition(D.FOUNDING_PARTNERS, by_count=True, support=Ratio(1, 2), strict_support=True)),
        # founders' consent: no founding partner against
        ({"members": "founding-partners", "blocking": "any against"},
         ChamberCondition(D.FOUNDING_PARTNERS, blocking=Ratio(0, 1))),
        # no stakeholder group whose votes are all against
        ({"members": "all", "each_group": True, "blocking": "all against"},
         ChamberCondition(D.ALL_MEMBERS, each_group=True, blocking=Ratio(1, 1))),
        # double majority: 55% of the members, 65% of the weight (two conditions)
        ({"members": "all", "counted": "members", "support": "at least 55%"},
         ChamberCondition(D.ALL_MEMBERS, by_count=True, support=Ratio(11, 20))),
        ({"members": "all", "support": "65%"}, ChamberCondition(D.ALL_MEMBERS, support=Ratio(13, 20))),
        # the municipalities' own quorum and approval; the partners among academia and business
        ({"members": ["municipality"], "quorum": "1/2", "approval": "2/3"},
         ChamberCondition(1 << StakeholderGroup.MUNICIPALITY | 1 << (6 + StakeholderGroup.MUNICIPALITY),
                          quorum=Ratio(1, 2), approval=Ratio(2, 3))),
        ({"members": ["business", "academia"], "role": "partners", "quorum": "1/3"},
         ChamberCondition(1 << (6 + StakeholderGroup.ACADEMIA) | 1 << (6 + StakeholderGroup.BUSINESS),
                          quorum=Ratio(1, 3))),
    ],
)  # fmt: skip
def test_each_shape_becomes_the_condition_stored(written: dict[str, Any], expected: ChamberCondition) -> None:
    a = with_chambers("constitutional", [written])
    chambers, entrenched = agreement_chambers(a)
    assert unpack_conditions(chambers[Category.CONSTITUTIONAL]) == (expected,) and entrenched == {}
    assert D.invalid_index(chambers[Category.CONSTITUTIONAL]) is None
    dumped = json.loads(json.dumps(a.model_dump(mode="json")))  # what `agreement check --json` prints reads back
    again = Agreement.model_validate(dumped, context={"base_dir": EXAMPLES})
    assert agreement_chambers(again) == (chambers, entrenched)


def test_entrenched_conditions_are_the_floors() -> None:
    a = with_chambers("membership", [
        {"members": "all", "each_group": True, "blocking": "all against", "entrenched": True},
        {"members": "founding partners", "quorum": "1/2"},
    ])  # fmt: skip
    chambers, entrenched = agreement_chambers(a)
    assert D.condition_count(chambers[Category.MEMBERSHIP]) == 2
    assert unpack_conditions(entrenched[Category.MEMBERSHIP]) == unpack_conditions(chambers[Category.MEMBERSHIP])[:1]
    assert D.weaker_than_floor(chambers[Category.MEMBERSHIP], entrenched[Category.MEMBERSHIP]) is None
    dropped = D.pack_conditions(unpack_conditions(chambers[Category.MEMBERSHIP])[1:])
    assert D.weaker_than_floor(dropped, entrenched[Category.MEMBERSHIP]) == 0


@pytest.mark.parametrize(
    ("conditions", "field", "message"),
    [
        ([{"members": ["army"], "blocking": "any against"}], "chambers.0.members",
         "unknown stakeholder group 'army'"),
        ([{"members": "all", "quorum": "1/2"}] * 4, "chambers", "4 conditions; a category may have at most 3"),
        ([{"members": "all", "support": "1/300"}], "chambers.0.support", "1/300 has a term above 255"),
        ([{"members": "all", "quorum": "55.55%"}], "chambers.0.quorum", "55.55% (1111/2000 in lowest terms) has a term above 255"),
        ([{"members": "all"}], "chambers.0", "no measure"),
        ([{"members": "all", "approval": "1/3"}], "chambers.0.approval", "1/3 is below 1/2"),
        ([{"members": "all", "quorum": "more than 1/2"}], "chambers.0.quorum", "a quorum is always reached at a share"),
        ([{"members": "founding partners", "role": "partners", "quorum": "1/2"}], "chambers.0.role",
         "only goes with a list of stakeholder groups"),
        ([{"members": "all", "support": "more than 1/1"}], "chambers.0.support", "more than all of them can never be reached"),
        ([{"members": "all", "quorum": "1/2", "counted": "heads"}], "chambers.0.counted", ""),
    ],
)  # fmt: skip
def test_mistakes_are_reported_at_their_field(conditions: list[dict[str, Any]], field: str, message: str) -> None:
    with pytest.raises(AgreementError) as caught:
        with_chambers("constitutional", conditions)
    text = str(caught.value)
    assert f"rules.constitutional.{field}: {message}" in text, text


def test_approval_voting_switch() -> None:
    assert with_chambers("ordinary", [], choices={"approval_voting": True}).approval_voting is True
    assert with_chambers("ordinary", []).approval_voting is False
    with pytest.raises(AgreementError, match=r"choices.approval_voting: expected true or false"):
        with_chambers("ordinary", [], choices={"approval_voting": "perhaps"})


def test_json_schema_describes_chambers_and_choices() -> None:
    schema = json.loads(json.dumps(agreement_json_schema()))
    chamber = schema["$defs"]["ChamberRule"]["properties"]
    assert {"members", "role", "each_group", "counted", "quorum", "approval", "support", "blocking",
            "entrenched"} == set(chamber)  # fmt: skip
    assert "municipality" in chamber["members"]["anyOf"][1]["items"]["enum"]
    assert schema["$defs"]["Choices"]["properties"]["approval_voting"]["type"] == "boolean"
