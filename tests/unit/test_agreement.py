"""The consortium agreement YAML: the examples load, and every mistake is reported at its field."""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from ccsi_dao.agreement import (
    Agreement,
    AgreementError,
    agreement_json_schema,
    load_agreement,
    parse_ratio,
    parse_yaml,
    sha256_file,
)
from ccsi_dao.durations import format_duration, parse_duration
from ccsi_dao.errors import ConfigError, UserError
from ccsi_dao.types import Category, Ratio, Role, StakeholderGroup
from tests.support import ROOT

EXAMPLES = ROOT / "examples"
MNEMONIC = "test test test test test test test test test test test junk"


def anvil_address(index: int) -> str:
    from eth_account import Account

    Account.enable_unaudited_hdwallet_features()
    return Account.from_mnemonic(MNEMONIC, account_path=f"m/44'/60'/0'/0/{index}").address


def test_ccsi_slovenia_example() -> None:
    a = load_agreement(EXAMPLES / "ccsi-slovenia.yaml")
    assert a.consortium == "CCSI Slovenia"
    assert len(a.partners) == 15
    assert [p.address for p in a.partners] == [anvil_address(i) for i in range(1, 16)]
    founders = [p.name for p in a.partners if p.role == Role.FOUNDING_PARTNER]
    assert founders == ["Ministry of the Economy, Tourism and Sport", "Sončna zadruga", "Hashnet", "Center Noordung"]
    assert a.partners[0].group == StakeholderGroup.MINISTRY_AGENCY and a.partners[0].country == "SI"
    assert {p.country for p in a.partners} == {"SI", "IT", "RO", "GR"}
    assert a.rules[Category.ORDINARY].as_tuple() == ((1, 3), (1, 2))
    assert a.rules[Category.CONSTITUTIONAL].approval == Ratio(3, 4)
    assert a.floors.as_tuple() == ((1, 4), (1, 2))
    assert (a.voting_delay, a.voting_period, a.late_quorum_extension) == (86400, 7 * 86400, 2 * 86400)
    assert a.early_close is True and a.timelock_delay == 2 * 86400
    text = (EXAMPLES / "ccsi-slovenia-agreement.md").read_bytes()
    assert a.document_hash == hashlib.sha256(text).digest() == sha256_file(EXAMPLES / "ccsi-slovenia-agreement.md")
    assert a.document_uri == "ccsi-slovenia-agreement.md" and a.document_file.name == "ccsi-slovenia-agreement.md"


def test_small_example() -> None:
    a = load_agreement(EXAMPLES / "small.yaml")
    assert [p.address for p in a.partners] == [anvil_address(i) for i in range(1, 6)]
    assert sum(p.role == Role.FOUNDING_PARTNER for p in a.partners) == 2
    assert a.partners[0].weight == 2 and not a.partners[4].votes
    assert (a.voting_delay, a.voting_period, a.late_quorum_extension, a.timelock_delay) == (3600, 86400, 3600, 86400)
    assert a.max_share == Ratio(1, 2)


# ---------------------------------------------------------------------------------------------- mistakes


def write_variant(tmp_path: Path, change: Callable[[dict[str, Any]], None]) -> Path:
    shutil.copy(EXAMPLES / "small-agreement.md", tmp_path)
    raw = parse_yaml((EXAMPLES / "small.yaml").read_text())
    change(raw)
    path = tmp_path / "agreement.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False))
    return path


def problems_of(tmp_path: Path, change: Callable[[dict[str, Any]], None]) -> list[str]:
    with pytest.raises(AgreementError) as caught:
        load_agreement(write_variant(tmp_path, change))
    for problem in caught.value.problems:
        assert problem in str(caught.value)
    return caught.value.problems


def setter(*path: str | int, value: Any = None, delete: bool = False) -> Callable[[dict[str, Any]], None]:
    def change(raw: dict[str, Any]) -> None:
        target = raw
        for key in path[:-1]:
            target = target[key]
        if delete:
            del target[path[-1]]
        else:
            target[path[-1]] = value

    return change


def miscased(address: str) -> str:
    return address[:2] + address[2:].swapcase()


BAD = [
    (setter("partners", 3, "address", value=miscased(anvil_address(4))),
     f"partners.3.address: not a checksummed address (did you mean {anvil_address(4)}?)"),
    (setter("partners", 3, "address", value="0x1234"),
     'partners.3.address: not an address: expected "0x" followed by 40 hex digits'),
    (setter("partners", 3, "address", value="0x" + "0" * 40),
     "partners.3.address: the zero address cannot be a partner"),
    (setter("rules", "membership", "approval", value="3/2"), "rules.membership.approval: 3/2 is above 1"),
    (setter("rules", "membership", "quorum", value="-1/2"), "rules.membership.quorum: -1/2 is below 0"),
    (setter("rules", "ordinary", "approval", value="2/5"), "rules.ordinary.approval: 2/5 is below 1/2"),
    (setter("rules", "ordinary", "quorum", value="1/100000"),
     "rules.ordinary.quorum: 1/100000 cannot be stored exactly on chain"),
    (setter("rules", "ordinary", "quorum", value="a third"), "rules.ordinary.quorum: 'a third' is not a share"),
    (setter("rules", "ordinary", "quorum", value="1/5"),
     "rules.ordinary.quorum: 1/5 is below the floor 1/4 (floors.quorum)"),
    (setter("rules", "treasury", "quorum", value="1/4"),
     "rules.treasury.quorum: 1/4 is below the ordinary quorum 1/3; a stricter category needs at least as much"),
    (setter("rules", "constitutional", "approval", value="60%"),
     "rules.constitutional.approval: 3/5 is below the membership approval 2/3"),
    (setter("rules", "treasury", delete=True), "rules.treasury: required; add it"),
    (setter("floors", "approval", value=0.4), "floors.approval: 2/5 is below 1/2"),
    (setter("floors", "quorum", value=0), "floors.quorum: must be above 0"),
    (lambda raw: [p.update(role="partner") for p in raw["partners"]],
     "partners: no founding partner; at least one partner needs role founding-partner"),
    (setter("partners", value=[]), "partners: the list is empty"),
    (setter("partners", 4, "address", value=anvil_address(2).lower()), "partners.4.address: duplicate of partners.1"),
    (setter("partners", 4, "name", value="founding agency"), "partners.4.name: duplicate of partners.0"),
    (setter("partners", 2, "group", value="ngo"),
     "partners.2.group: unknown group 'ngo'; choose one of ministry-agency, civil-society, academia, business, "
     "municipality, other"),
    (setter("partners", 2, "role", value="chair"),
     "partners.2.role: unknown role 'chair'; choose one of founding-partner, partner, observer"),
    (setter("partners", 2, "country", value="EL"), "partners.2.country: unknown country code 'EL' (did you mean GR?)"),
    (setter("partners", 2, "country", value="XY"), "partners.2.country: unknown country code 'XY'"),
    (setter("partners", 2, "weight", value=0), "partners.2.weight: 0 is below the minimum 1"),
    (setter("partners", 2, "weight", value=1_000_001), "partners.2.weight: 1000001 is above the maximum 1000000"),
    (setter("partners", 2, "weight", value=1.5), "partners.2.weight: expected a whole number"),
    (setter("partners", 2, "name", value="  "), "partners.2.name: expected a non-empty name"),
    (setter("partners", 2, "name", value="x" * 101), "partners.2.name: 101 characters is too long"),
    (setter("partners", 2, "adress", value="0x"), "partners.2.adress: unknown field"),
    (setter("partners", 2, "address", delete=True), "partners.2.address: required; add it"),
    (setter("voting", "period", value=0), "voting.period: 0 is too short; it must be at least 1h"),
    (setter("voting", "period", value=2**32), "voting.period: 4294967296 is too long; it must be at most 365d"),
    (setter("voting", "delay", value="59m"),
     "voting.delay: 59m is too short; it must be at least 1h, so that members see a proposal before its electorate"),
    (setter("voting", "late_quorum_extension", value="2d"),
     "voting.late_quorum_extension: 2d is longer than the voting period (1d); it may be at most one voting period"),
    (setter("timelock", "delay", value="23h"), "timelock.delay: 23h is too short; it must be at least 1d, so that"),
    (setter("consortium", value="Nacionalni kompetenčni center za socialne inovacije"),
     "consortium: 'Nacionalni kompetenčni center za socialne inovacije' is 52 bytes of UTF-8; the governor's name"),
    (setter("max_share", value="2/3"), "max_share: 2/3 must be above 0 and at most 1/2"),
    (setter("max_share", value="1/4"), "partners.0.weight: 2 of the partners' 5 votes is more than max_share 1/4 allows"),
    (setter("voting", "delay", value="soon"), "voting.delay: 'soon' is not a duration"),
    (setter("voting", "early_close", value="maybe"), "voting.early_close: expected true or false"),
    (setter("timelock", "delay", value=-5), "timelock.delay: duration -5 is negative"),
    (setter("timelock", delete=True), "timelock: required; add it"),
    (setter("consortium", value=""), "consortium: expected a non-empty name"),
    (setter("document", value={}),
     "document: give either path (the agreement text next to this file) or uri and sha256"),
    (setter("document", value={"uri": "ipfs://bafy"}), "document.sha256: required with uri alone"),
    (setter("document", value={"path": "missing.md"}), "document.path: cannot read"),
    (setter("document", "sha256", value="0x" + "ab" * 32), "document.sha256: does not match small-agreement.md"),
    (setter("document", value={"uri": "ipfs://bafy", "sha256": "0x12"}),
     'document.sha256: expected "0x" followed by'),
    (setter("extra", value=1), "extra: unknown field"),
]  # fmt: skip


@pytest.mark.parametrize(("change", "expected"), BAD, ids=[expected.split(":")[0] for _, expected in BAD])
def test_each_mistake_is_named(tmp_path: Path, change: Callable, expected: str) -> None:
    problems = problems_of(tmp_path, change)
    assert any(p.startswith(expected) for p in problems), problems


def test_every_problem_is_listed_at_once(tmp_path: Path) -> None:
    chosen = [BAD[i] for i in (0, 3, 9, 14, 16, 18, 29)]  # partners, rules and voting mistakes together

    def change(raw: dict[str, Any]) -> None:
        for mistake, _ in chosen:
            mistake(raw)

    problems = problems_of(tmp_path, change)
    assert len(problems) == len(chosen)
    for _, line in chosen:
        assert any(p.startswith(line) for p in problems), (line, problems)


def test_accepted_spellings(tmp_path: Path) -> None:
    def change(raw: dict[str, Any]) -> None:
        raw["partners"][0]["address"] = raw["partners"][0]["address"].lower()
        raw["partners"][1]["country"] = "si"
        raw["partners"][1]["group"] = "Civil_Society"
        raw["rules"]["ordinary"] = {"quorum": "34%", "approval": 0.5}
        raw["rules"]["membership"]["approval"] = "4/6"
        raw["voting"] = {"delay": "60m", "period": "1 week", "late_quorum_extension": "1d12h"}
        raw["document"] = {"path": "small-agreement.md", "uri": "ipfs://bafybeigdyr"}

    a = load_agreement(write_variant(tmp_path, change))
    assert a.partners[0].address == anvil_address(1)
    assert a.partners[1].country == "SI" and a.partners[1].group == StakeholderGroup.CIVIL_SOCIETY
    assert a.rules[Category.ORDINARY].as_tuple() == ((17, 50), (1, 2))
    assert a.rules[Category.MEMBERSHIP].approval == Ratio(2, 3)
    assert (a.voting_delay, a.voting_period, a.late_quorum_extension, a.early_close) == (3600, 604800, 129600, False)
    assert a.document_uri == "ipfs://bafybeigdyr"


def test_uri_with_hash_only(tmp_path: Path) -> None:
    digest = "0x" + "ab" * 32
    a = load_agreement(
        write_variant(tmp_path, setter("document", value={"uri": "https://x.test/a.md", "sha256": digest}))
    )
    assert a.document_hash == bytes.fromhex("ab" * 32) and a.document_uri == "https://x.test/a.md"
    assert a.document_file is None


def test_floors_default(tmp_path: Path) -> None:
    a = load_agreement(write_variant(tmp_path, setter("floors", delete=True)))
    assert a.floors.as_tuple() == ((1, 10), (1, 2))


def test_yaml_traps(tmp_path: Path) -> None:
    text = (EXAMPLES / "small.yaml").read_text()
    text = text.replace('"0x70997970C51812dc3A010C7d01b50e0d17dc79C8"', "0x70997970C51812dc3A010C7d01b50e0d17dc79C8")
    text = text.replace("country: GR", "country: NO")  # YAML 1.1 would read a boolean
    shutil.copy(EXAMPLES / "small-agreement.md", tmp_path)
    (tmp_path / "a.yaml").write_text(text)
    a = load_agreement(tmp_path / "a.yaml")
    assert a.partners[0].address == anvil_address(1) and a.partners[3].country == "NO"

    (tmp_path / "dup.yaml").write_text(text.replace("consortium:", "consortium: Twice\nconsortium:", 1))
    with pytest.raises(ConfigError, match=r"key 'consortium' appears twice in the same mapping \(line 4"):
        load_agreement(tmp_path / "dup.yaml")
    (tmp_path / "broken.yaml").write_text("partners: [\n")
    with pytest.raises(ConfigError, match=r"broken.yaml is not valid YAML: .*\(line 2, column 1\)"):
        load_agreement(tmp_path / "broken.yaml")
    (tmp_path / "list.yaml").write_text("- 1\n")
    with pytest.raises(AgreementError, match=r"\(top level\): expected a mapping"):
        load_agreement(tmp_path / "list.yaml")
    with pytest.raises(ConfigError, match=r"agreement file .*nope.yaml not found"):
        load_agreement(tmp_path / "nope.yaml")


def test_error_classes(tmp_path: Path) -> None:
    with pytest.raises(AgreementError) as caught:
        load_agreement(write_variant(tmp_path, setter("partners", value=[])))
    error = caught.value
    assert isinstance(error, ConfigError) and isinstance(error, UserError) and error.exit_code == 2
    assert str(error).startswith(f"{error.path}: 1 problem in the consortium agreement:\n  partners: ")


@pytest.mark.parametrize(
    ("text", "expected"),
    [("2/3", (2, 3)), ("66%", (33, 50)), ("66.5%", (133, 200)), (0.5, (1, 2)), ("0.25", (1, 4)), (1, (1, 1)),
     ("2/4", (1, 2)), (0, (0, 1)), ("65535/65535", (1, 1))],
)  # fmt: skip
def test_parse_ratio(text: Any, expected: tuple[int, int]) -> None:
    assert parse_ratio(text).as_tuple() == expected


@pytest.mark.parametrize("text", ["3/2", "-1", "1/0", "abc", True, None, "1/70000", "101%"])
def test_parse_ratio_rejects(text: Any) -> None:
    with pytest.raises(ValueError):
        parse_ratio(text)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("90s", 90), ("30m", 1800), ("12h", 43200), ("7d", 604800), ("2w", 1209600), (3600, 3600), ("3600", 3600),
     ("1d12h", 129600), ("2 days", 172800), ("10 mins", 600), (" 1H ", 3600), (0, 0)],
)  # fmt: skip
def test_parse_duration(text: Any, seconds: int) -> None:
    assert parse_duration(text) == seconds
    assert parse_duration(format_duration(seconds)) == seconds


@given(st.integers(0, 2**48))
def test_duration_round_trip(seconds: int) -> None:
    assert parse_duration(format_duration(seconds)) == seconds


@given(st.integers(1, 65535).flatmap(lambda d: st.tuples(st.integers(0, d), st.just(d))))
def test_ratio_round_trip(fraction: tuple[int, int]) -> None:
    ratio = parse_ratio(f"{fraction[0]}/{fraction[1]}")
    assert ratio.numerator * fraction[1] == fraction[0] * ratio.denominator
    assert parse_ratio(str(ratio)) == ratio


@pytest.mark.parametrize("text", ["1.5h", "", "7y", "-1", -1, "d", "1 month", True])
def test_parse_duration_rejects(text: Any) -> None:
    with pytest.raises(UserError):
        parse_duration(text)


def test_json_schema() -> None:
    schema = json.loads(json.dumps(agreement_json_schema()))
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["type"] == "object" and schema["additionalProperties"] is False
    assert set(schema["properties"]) == {
        "consortium", "document", "partners", "max_share", "floors", "rules", "choices", "voting", "timelock"
    }  # fmt: skip
    assert set(schema["required"]) == {"consortium", "document", "partners", "rules", "voting", "timelock"}
    partner = schema["$defs"]["Partner"]
    assert partner["properties"]["role"]["enum"] == ["founding-partner", "partner", "observer"]
    assert "ngo" not in partner["properties"]["group"]["enum"] and "SI" in partner["properties"]["country"]["enum"]
    assert set(schema["$defs"]["Rules"]["required"]) == {"ordinary", "treasury", "membership", "constitutional"}

    def refs(node: Any) -> list[str]:
        if isinstance(node, dict):
            return ([node["$ref"]] if "$ref" in node else []) + [r for v in node.values() for r in refs(v)]
        return [r for v in node for r in refs(v)] if isinstance(node, list) else []

    for ref in refs(schema):
        assert ref.startswith("#/$defs/") and ref.removeprefix("#/$defs/") in schema["$defs"]


def test_model_validates_python_values_too() -> None:
    raw = parse_yaml((EXAMPLES / "small.yaml").read_text())
    a = Agreement.model_validate(raw, context={"base_dir": EXAMPLES})
    with pytest.raises(Exception, match="below the ordinary quorum"):
        Agreement.model_validate(
            {**raw, "rules": {**raw["rules"], "treasury": a.rules[Category.ORDINARY].model_copy(
                update={"quorum": Ratio(1, 4)})}},
            context={"base_dir": EXAMPLES},
        )  # fmt: skip


def test_a_device_or_huge_file_is_not_an_agreement_text(tmp_path: Path) -> None:
    """/dev/zero never ends: the text must be a regular file of bounded size, refused at once otherwise."""
    with pytest.raises(ConfigError, match="is not a regular file"):
        sha256_file("/dev/zero")
    big = tmp_path / "big.md"
    big.write_bytes(b"x" * 2048)
    with pytest.raises(ConfigError, match="2,048 bytes; an agreement text may have at most 1,024"):
        sha256_file(big, limit=1024)
    problems = problems_of(tmp_path, setter("document", value={"path": "/dev/zero"}))
    assert any(p.startswith("document.path: /dev/zero is not a regular file") for p in problems), problems
