"""The consortium agreement as a validated YAML document: partners, decision rules, voting and timelock settings.

:func:`load_agreement` reads and checks a file and reports every problem at once, field by field; the result is
an :class:`Agreement` whose values are ready for the contracts (checksummed addresses, exact uint16 fractions,
durations in seconds, the agreement text's SHA-256).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Callable, ItemsView
from fractions import Fraction
from pathlib import Path
from typing import Annotated, Any

import yaml
from eth_utils import is_checksum_address, to_checksum_address
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    PlainValidator,
    PrivateAttr,
    StrictBool,
    ValidationError,
    ValidationInfo,
    ValidatorFunctionWrapHandler,
    WithJsonSchema,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from ccsi_dao.durations import PATTERN as DURATION_PATTERN
from ccsi_dao.durations import format_duration, parse_duration
from ccsi_dao.errors import ConfigError
from ccsi_dao.types import Category, Ratio, Role, StakeholderGroup

MAX_WEIGHT = 1_000_000  # ConsortiumMembership.MAX_WEIGHT
MAX_NAME_LENGTH = 100
UINT16_MAX = 2**16 - 1
UINT32_MAX = 2**32 - 1
UINT48_MAX = 2**48 - 1
HALF = Ratio(1, 2)

# ISO 3166-1 alpha-2, plus XK (Kosovo), which the EU and most registries use.
COUNTRY_CODES = frozenset(
    """
    AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ
    CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO
    FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE
    JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO
    MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW
    PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM
    TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS XK YE YT ZA ZM ZW
    """.split()
)
_COUNTRY_HINTS = {"EL": "GR", "UK": "GB"}  # EU and common spellings that are not ISO codes


def _names(enum: type[Role] | type[StakeholderGroup]) -> dict[str, Any]:
    return {m.name.lower().replace("_", "-"): m for m in enum if m.name != "NONE"}


ROLE_NAMES = _names(Role)
GROUP_NAMES = _names(StakeholderGroup)


def role_name(role: Role) -> str:
    """The agreement's spelling of ``role``, e.g. ``founding-partner``."""
    return role.name.lower().replace("_", "-")


def group_name(group: StakeholderGroup) -> str:
    """The agreement's spelling of ``group``, e.g. ``civil-society``."""
    return group.name.lower().replace("_", "-")


# ---------------------------------------------------------------------------------------------- field types


def parse_ratio(value: Any) -> Ratio:
    """An exact share between 0 and 1 from ``"2/3"``, ``"66%"``, ``0.5`` or ``Ratio``, reduced to fit uint16."""
    if isinstance(value, Ratio):
        return value
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise ValueError("expected a share such as 2/3, 66% or 0.5")
    text = str(value).strip()
    try:
        share = Fraction(text[:-1].strip()) / 100 if text.endswith("%") else Fraction(text)
    except (ValueError, ZeroDivisionError):
        raise ValueError(f"{text!r} is not a share; write it as 2/3, 66% or 0.5") from None
    if share > 1:
        raise ValueError(f"{text} is above 1")
    if share < 0:
        raise ValueError(f"{text} is below 0")
    if share.denominator > UINT16_MAX:
        raise ValueError(
            f"{text} cannot be stored exactly on chain (denominator {share.denominator} is above {UINT16_MAX}); "
            "use a simpler share"
        )
    return Ratio(share.numerator, share.denominator)


def _value(ratio: Ratio) -> Fraction:
    # Ratio's dataclass ordering compares (numerator, denominator) tuples, not values.
    return Fraction(ratio.numerator, ratio.denominator)


def _address(value: Any) -> str:
    if not isinstance(value, str) or not re.fullmatch(r"0x[0-9a-fA-F]{40}", value.strip()):
        raise ValueError('not an address: expected "0x" followed by 40 hex digits')
    value = value.strip()
    digits = value[2:]
    if digits != digits.lower() and digits != digits.upper() and not is_checksum_address(value):
        raise ValueError(
            f"not a checksummed address (did you mean {to_checksum_address(value)}?); "
            "a wrong checksum can also mean a mistyped address"
        )
    if int(digits, 16) == 0:
        raise ValueError("the zero address cannot be a partner")
    return to_checksum_address(value)


def _name(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError("expected a non-empty name")
    value = " ".join(value.split())
    if any(unicodedata.category(c) == "Cc" or c in "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069" for c in value):
        raise ValueError("control characters and text-direction overrides cannot be part of a name")
    if len(value) > MAX_NAME_LENGTH:
        raise ValueError(f"{len(value)} characters is too long; shorten it to at most {MAX_NAME_LENGTH}")
    return value


def _choice(kind: str, names: dict[str, Any]):
    def validate(value: Any) -> Any:
        if isinstance(value, (Role, StakeholderGroup)) and value in names.values():
            return value
        key = str(value).strip().lower().replace("_", "-").replace(" ", "-")
        if key not in names:
            raise ValueError(f"unknown {kind} {value!r}; choose one of {', '.join(names)}")
        return names[key]

    return validate


def _country(value: Any) -> str:
    code = str(value).strip().upper() if isinstance(value, str) else ""
    if code in COUNTRY_CODES:
        return code
    hint = f" (did you mean {_COUNTRY_HINTS[code]}?)" if code in _COUNTRY_HINTS else ""
    raise ValueError(f"unknown country code {value!r}{hint}; use an ISO 3166-1 alpha-2 code such as SI, IT, RO or GR")


def _seconds(minimum: int, maximum: int):
    def validate(value: Any) -> int:
        if isinstance(value, bool):
            raise ValueError("expected a duration such as 90s, 12h or 7d")
        seconds = parse_duration(value)  # UserError is a ValueError: pydantic reports it at the field
        if seconds < minimum:
            raise ValueError(f"{value} is too short; it must be at least {format_duration(minimum)}")
        if seconds > maximum:
            raise ValueError(f"{value} is too long; it must be at most {maximum} seconds")
        return seconds

    return validate


def _uri(value: Any) -> str:
    if not isinstance(value, str) or not value.strip() or any(c.isspace() for c in value.strip()):
        raise ValueError("expected a URI without spaces, such as ipfs://… or https://…")
    if len(value.strip()) > 2000:
        raise ValueError(f"{len(value.strip())} characters is too long; use at most 2000")
    return value.strip()


def _sha256(value: Any) -> bytes:
    if not isinstance(value, str) or not re.fullmatch(r"(0x)?[0-9a-fA-F]{64}", value.strip()):
        raise ValueError('expected "0x" followed by the 64 hex digits of the document\'s SHA-256')
    return bytes.fromhex(value.strip().removeprefix("0x"))


_PARTNER_KEYS = ((_address, "address"), (_name, "name"), (_choice("role", ROLE_NAMES), "role"))

_SHARE_SCHEMA = {
    "anyOf": [{"type": "string", "pattern": r"^\s*[0-9./]+\s*%?\s*$"}, {"type": "number", "minimum": 0, "maximum": 1}],
    "description": 'A share between 0 and 1: "2/3", "66%" or 0.5.',
}
_DURATION_SCHEMA = {
    "anyOf": [{"type": "string", "pattern": DURATION_PATTERN}, {"type": "integer", "minimum": 0}],
    "description": "Seconds, or a duration such as 90s, 30m, 12h, 7d, 2w.",
}

Share = Annotated[Ratio, PlainValidator(parse_ratio), PlainSerializer(str), WithJsonSchema(_SHARE_SCHEMA)]
Address = Annotated[
    str,
    PlainValidator(_address),
    WithJsonSchema({"type": "string", "pattern": "^0x[0-9a-fA-F]{40}$", "description": "Checksummed or lowercase."}),
]
Name = Annotated[str, PlainValidator(_name), WithJsonSchema({"type": "string", "minLength": 1, "maxLength": 100})]
RoleField = Annotated[
    Role,
    PlainValidator(_choice("role", ROLE_NAMES)),
    PlainSerializer(role_name),
    WithJsonSchema({"type": "string", "enum": list(ROLE_NAMES)}),
]
GroupField = Annotated[
    StakeholderGroup,
    PlainValidator(_choice("group", GROUP_NAMES)),
    PlainSerializer(group_name),
    WithJsonSchema({"type": "string", "enum": list(GROUP_NAMES)}),
]
Country = Annotated[
    str,
    PlainValidator(_country),
    WithJsonSchema({"type": "string", "enum": sorted(COUNTRY_CODES), "description": "ISO 3166-1 alpha-2."}),
]
Uri = Annotated[str, PlainValidator(_uri), WithJsonSchema({"type": "string", "minLength": 1, "maxLength": 2000})]
Sha256 = Annotated[
    bytes,
    PlainValidator(_sha256),
    PlainSerializer(lambda b: "0x" + b.hex()),
    WithJsonSchema({"type": "string", "pattern": "^(0x)?[0-9a-fA-F]{64}$"}),
]


def _duration(minimum: int, maximum: int) -> Any:
    return Annotated[int, PlainValidator(_seconds(minimum, maximum)), WithJsonSchema(_DURATION_SCHEMA)]


Problem = tuple[tuple[str | int, ...], str]


def _attempt(check: Callable[[Any], Any], value: Any) -> Any:
    try:
        return check(value)
    except ValueError:
        return None


def _run(handler: ValidatorFunctionWrapHandler, value: Any) -> tuple[Any, list[Problem]]:
    """Validate with pydantic's own handler, turning its errors into problems so more checks can follow."""
    try:
        return handler(value), []
    except ValidationError as error:
        return None, _flatten(error)


def _problems(*problems: Problem) -> PydanticCustomError:
    """One validation error carrying several problems, each at a path below the validated field."""
    summary = "; ".join(f"{'.'.join(map(str, loc)) or '(here)'}: {message}" for loc, message in problems)
    return PydanticCustomError("ccsi_problems", "{summary}", {"summary": summary, "problems": problems})


# ---------------------------------------------------------------------------------------------- models


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Partner(_Model):
    """A consortium partner as the agreement lists it."""

    address: Address
    name: Name
    role: RoleField
    group: GroupField
    country: Country
    weight: int = Field(1, ge=1, le=MAX_WEIGHT, strict=True, description="Voting weight (observers have no vote).")

    @property
    def votes(self) -> bool:
        """Whether the partner holds a vote (observers do not)."""
        return self.role != Role.OBSERVER


class CategoryRule(_Model):
    """Participation quorum (share of all voting power) and approval threshold (share of For + Against)."""

    quorum: Share
    approval: Share

    @field_validator("quorum")
    @classmethod
    def _quorum_positive(cls, value: Ratio) -> Ratio:
        if value.numerator == 0:
            raise ValueError("must be above 0")
        return value

    @field_validator("approval")
    @classmethod
    def _approval_majority(cls, value: Ratio) -> Ratio:
        if _value(value) < _value(HALF):
            raise ValueError(f"{value} is below 1/2; a proposal must never pass with more votes against than for")
        return value

    def as_tuple(self) -> tuple[tuple[int, int], tuple[int, int]]:
        """``((quorum numerator, denominator), (approval numerator, denominator))``, the contracts' struct."""
        return (self.quorum.as_tuple(), self.approval.as_tuple())


class Floors(CategoryRule):
    """The lowest quorum and approval threshold any rule may ever have, fixed at deployment."""

    quorum: Share = Field("1/10", validate_default=True)
    approval: Share = Field("1/2", validate_default=True)


class Rules(_Model):
    """The rule of each proposal category; stricter categories never have weaker rules."""

    ordinary: CategoryRule
    treasury: CategoryRule
    membership: CategoryRule
    constitutional: CategoryRule

    def __getitem__(self, category: Category) -> CategoryRule:
        return getattr(self, category.name.lower())

    def by_category(self) -> dict[Category, CategoryRule]:
        return {category: self[category] for category in Category}

    def items(self) -> ItemsView[Category, CategoryRule]:
        """``(category, rule)`` pairs, from ordinary to constitutional."""
        return self.by_category().items()


class Voting(_Model):
    delay: _duration(0, UINT48_MAX) = Field(description="From proposal to the start of voting.")
    period: _duration(1, UINT32_MAX) = Field(description="How long voting lasts.")
    late_quorum_extension: _duration(0, UINT48_MAX) = Field(
        0, description="Voting time still left after a late quorum is reached."
    )
    early_close: StrictBool = Field(False, description="Close voting once the outcome can no longer change.")


class Timelock(_Model):
    delay: _duration(0, UINT48_MAX) = Field(description="From a passed proposal to its execution.")


class Document(_Model):
    """The agreement text: a file next to the YAML (``path``), or ``uri`` with the text's ``sha256``."""

    path: str | None = Field(None, description="The text, relative to this YAML file; its SHA-256 is computed.")
    uri: Uri | None = Field(None, description="What goes on chain as the URI (default: the file name).")
    sha256: Sha256 | None = Field(None, description="SHA-256 of the text; required without path.")
    _hash: bytes = PrivateAttr(b"")
    _file: Path | None = PrivateAttr(None)

    @model_validator(mode="after")
    def _locate(self, info: ValidationInfo) -> Document:
        if self.path is None:
            if self.uri is None:
                raise _problems(((), "give either path (the agreement text next to this file) or uri and sha256"))
            if self.sha256 is None:
                raise _problems(
                    (("sha256",), 'required with uri alone: "0x" and the 64 hex digits of the text\'s SHA-256')
                )
            self._hash = self.sha256
            return self
        base = Path((info.context or {}).get("base_dir", "."))
        file = base / self.path
        try:
            digest = sha256_file(file)
        except ConfigError as error:
            raise _problems((("path",), str(error))) from None
        if self.sha256 is not None and self.sha256 != digest:
            raise _problems((("sha256",), f"does not match {self.path} (whose SHA-256 is 0x{digest.hex()})"))
        self._hash, self._file = digest, file
        return self


class Agreement(_Model):
    """A consortium agreement: who the partners are and how they decide."""

    consortium: Name = Field(description="The consortium's name; also the governor's name on chain.")
    document: Document
    partners: tuple[Partner, ...]
    floors: Floors = Field(default_factory=Floors, description="Default: quorum 1/10, approval 1/2.")
    rules: Rules
    voting: Voting
    timelock: Timelock

    @field_validator("partners", mode="wrap")
    @classmethod
    def _partners_consistent(cls, value: Any, handler: ValidatorFunctionWrapHandler) -> tuple[Partner, ...]:
        partners, problems = _run(handler, value)
        items: list[Any] = list(value) if isinstance(value, (list, tuple)) else []
        if partners is not None:
            fields = [(p.address, p.name, p.role) for p in partners]
        else:
            fields = [
                tuple(_attempt(check, item.get(key)) for check, key in _PARTNER_KEYS)
                if isinstance(item, dict)
                else (None, None, None)
                for item in items
            ]
        roles = [role for _, _, role in fields]
        if isinstance(value, (list, tuple)) and not value:
            problems.append(((), "the list is empty; add the consortium's partners"))
        elif fields and None not in roles and Role.FOUNDING_PARTNER not in roles:
            problems.append(((), "no founding partner; at least one partner needs role founding-partner"))
        seen: dict[tuple[str, Any], int] = {}
        for index, (address, name, _) in enumerate(fields):
            for key, found in (("address", address), ("name", name and name.casefold())):
                if found is not None and (first := seen.setdefault((key, found), index)) != index:
                    problems.append(((index, key), f"duplicate of partners.{first}"))
        if problems:
            raise _problems(*sorted(problems, key=lambda p: p[0][0] if p[0] and isinstance(p[0][0], int) else -1))
        return partners

    @field_validator("rules", mode="wrap")
    @classmethod
    def _rules_consistent(cls, value: Any, handler: ValidatorFunctionWrapHandler, info: ValidationInfo) -> Rules:
        rules, problems = _run(handler, value)
        floors: Floors | None = info.data.get("floors")
        reported = {loc for loc, _ in problems}
        weaker: dict[str, tuple[str, Ratio]] = {}
        for category in Category:
            key = category.name.lower()
            raw = value.get(key) if isinstance(value, dict) else None
            for part in ("quorum", "approval"):
                if rules is not None:
                    share: Ratio | None = getattr(rules[category], part)
                else:
                    share = _attempt(parse_ratio, raw.get(part)) if isinstance(raw, dict) else None
                if share is None:
                    continue
                floor = getattr(floors, part) if floors is not None else None
                if (key, part) in reported:
                    pass
                elif floor is not None and _value(share) < _value(floor):
                    problems.append(((key, part), f"{share} is below the floor {floor} (floors.{part})"))
                elif part in weaker and _value(share) < _value(weaker[part][1]):
                    name, other = weaker[part]
                    problems.append(
                        (
                            (key, part),
                            f"{share} is below the {name} {part} {other}; a stricter category needs at least as much",
                        )
                    )
                weaker[part] = (key, share)
        if problems:
            raise _problems(*problems)
        return rules

    # Values ready for the contracts.
    @property
    def voting_delay(self) -> int:
        return self.voting.delay

    @property
    def voting_period(self) -> int:
        return self.voting.period

    @property
    def late_quorum_extension(self) -> int:
        return self.voting.late_quorum_extension

    @property
    def early_close(self) -> bool:
        return self.voting.early_close

    @property
    def timelock_delay(self) -> int:
        return self.timelock.delay

    @property
    def document_uri(self) -> str:
        """The URI anchored on chain: ``document.uri``, or the text's file name."""
        return self.document.uri or Path(self.document.path or "").name

    @property
    def document_hash(self) -> bytes:
        """SHA-256 of the agreement text (32 bytes, the on-chain ``bytes32``)."""
        return self.document._hash

    @property
    def document_file(self) -> Path | None:
        """The agreement text's file, if the agreement names one."""
        return self.document._file


# ---------------------------------------------------------------------------------------------- loading


class AgreementError(ConfigError):
    """An agreement file has problems; ``problems`` lists them as ``field.path: what is wrong`` lines."""

    def __init__(self, path: Path, problems: list[str]) -> None:
        count = "1 problem" if len(problems) == 1 else f"{len(problems)} problems"
        super().__init__(f"{path}: {count} in the consortium agreement:\n" + "\n".join(f"  {p}" for p in problems))
        self.path = path
        self.problems = problems


def sha256_file(path: str | Path) -> bytes:
    """SHA-256 of a file's bytes (32 bytes); ConfigError if it cannot be read."""
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
    except OSError as error:
        raise ConfigError(f"cannot read {path}: {error.strerror or error}") from None
    return digest.digest()


def load_agreement(path: str | Path) -> Agreement:
    """Read and check the agreement at ``path``; AgreementError (a ConfigError) lists every problem found."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"agreement file {path} not found; check the path") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"cannot read agreement file {path}: {error}") from None
    raw = parse_yaml(text, path)
    if not isinstance(raw, dict):
        raise AgreementError(path, ["(top level): expected a mapping with consortium, document, partners, rules, …"])
    try:
        return Agreement.model_validate(raw, context={"base_dir": path.parent})
    except ValidationError as error:
        raise AgreementError(path, _describe(error)) from None


def agreement_json_schema() -> dict[str, Any]:
    """JSON Schema (draft 2020-12) of the agreement YAML, for editors."""
    schema = Agreement.model_json_schema(mode="validation")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        **schema,
        "title": "CCSI consortium agreement",
    }


def _describe(error: ValidationError) -> list[str]:
    return [f"{'.'.join(str(part) for part in loc) or '(top level)'}: {message}" for loc, message in _flatten(error)]


def _flatten(error: ValidationError) -> list[Problem]:
    problems: list[Problem] = []
    for item in error.errors(include_url=False):
        loc = tuple(item["loc"])
        if item["type"] == "ccsi_problems":
            problems += [(loc + sub, message) for sub, message in item["ctx"]["problems"]]
        else:
            problems.append((loc, _message(item)))
    return problems


_MESSAGES = {
    "missing": "required; add it",
    "extra_forbidden": "unknown field; check its spelling or remove it",
    "model_type": "expected a mapping of fields",
    "model_attributes_type": "expected a mapping of fields",
    "dict_type": "expected a mapping of fields",
    "list_type": "expected a list",
    "int_type": "expected a whole number",
    "int_parsing": "expected a whole number",
    "int_from_float": "expected a whole number",
    "bool_type": "expected true or false",
    "bool_parsing": "expected true or false",
    "string_type": "expected text",
}


def _message(item: Any) -> str:
    kind, ctx = item["type"], item.get("ctx") or {}
    if kind == "value_error":
        return str(ctx.get("error", item["msg"]))
    if kind == "greater_than_equal":
        return f"{item['input']} is below the minimum {ctx['ge']}"
    if kind == "less_than_equal":
        return f"{item['input']} is above the maximum {ctx['le']}"
    return _MESSAGES.get(kind, item["msg"])


# ---------------------------------------------------------------------------------------------- YAML


class _Loader(yaml.SafeLoader):
    """YAML without its traps: only true/false are booleans (so country NO stays "NO"), 0x… stays text,
    and a key given twice is an error."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if not isinstance(key, (str, int, float, bool)):
                continue
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"key {key!r} appears twice in the same mapping", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


_BOOL = "tag:yaml.org,2002:bool"
_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != _BOOL]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(_BOOL, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))
_Loader.yaml_implicit_resolvers["0"].insert(0, ("tag:yaml.org,2002:str", re.compile(r"^0x[0-9a-fA-F_]+$")))


def parse_yaml(text: str, path: Path | str = "<text>") -> Any:
    """Parse YAML text the way agreement files are read; ConfigError with line and column on a syntax error."""
    try:
        return yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        raise ConfigError(f"{path} is not valid YAML: {error.problem or error.context}{where}") from None
    except yaml.YAMLError as error:
        raise ConfigError(f"{path} is not valid YAML: {error}") from None
    except RecursionError:
        raise ConfigError(f"{path} is nested too deeply to be a consortium agreement") from None
