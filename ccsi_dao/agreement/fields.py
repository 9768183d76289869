"""The agreement's field types: what each value may be, with the message a person sees when it is not.

Every validator raises :class:`ValueError` with one sentence; :func:`problems` gathers several at once, each at
its own path below the field, so an agreement's problems are all reported together, field by field.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
import unicodedata
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from typing import Annotated, Any

from eth_utils import is_checksum_address, to_checksum_address
from pydantic import PlainSerializer, PlainValidator, ValidationError, ValidatorFunctionWrapHandler, WithJsonSchema
from pydantic_core import PydanticCustomError

from ccsi_dao.durations import PATTERN as DURATION_PATTERN
from ccsi_dao.durations import format_duration, parse_duration
from ccsi_dao.errors import ConfigError
from ccsi_dao.types import Ratio, Role, StakeholderGroup, group_name, role_name

MAX_WEIGHT = 1_000_000  # ConsortiumMembership.MAX_WEIGHT
MAX_NAME_LENGTH = 100
MAX_CONSORTIUM_NAME_BYTES = 31  # the governor's name is its EIP-712 domain name (OpenZeppelin 5.7: a ShortString)
MAX_DOCUMENT_BYTES = 64 * 1024 * 1024
# Bounds every consortium keeps (ConsortiumGovernor's GovernorTiming, ConsortiumTimelock.MIN_DELAY/MAX_DELAY): a window
# to react, and no delay so long that a decision could freeze governance.
MIN_VOTING_DELAY = 3_600
MAX_VOTING_DELAY = 365 * 86_400
MIN_VOTING_PERIOD = 3_600
MAX_VOTING_PERIOD = 365 * 86_400
MIN_TIMELOCK_DELAY = 86_400
MAX_TIMELOCK_DELAY = 365 * 86_400
UINT16_MAX = 2**16 - 1
UINT32_MAX = 2**32 - 1
UINT48_MAX = 2**48 - 1
HALF = Ratio(1, 2)

# ISO 3166-1 alpha-2, plus XK (Kosovo), which the EU and most registries use.
COUNTRY_CODES = frozenset(
    [
        "AD",
        "AE",
        "AF",
        "AG",
        "AI",
        "AL",
        "AM",
        "AO",
        "AQ",
        "AR",
        "AS",
        "AT",
        "AU",
        "AW",
        "AX",
        "AZ",
        "BA",
        "BB",
        "BD",
        "BE",
        "BF",
        "BG",
        "BH",
        "BI",
        "BJ",
        "BL",
        "BM",
        "BN",
        "BO",
        "BQ",
        "BR",
        "BS",
        "BT",
        "BV",
        "BW",
        "BY",
        "BZ",
        "CA",
        "CC",
        "CD",
        "CF",
        "CG",
        "CH",
        "CI",
        "CK",
        "CL",
        "CM",
        "CN",
        "CO",
        "CR",
        "CU",
        "CV",
        "CW",
        "CX",
        "CY",
        "CZ",
        "DE",
        "DJ",
        "DK",
        "DM",
        "DO",
        "DZ",
        "EC",
        "EE",
        "EG",
        "EH",
        "ER",
        "ES",
        "ET",
        "FI",
        "FJ",
        "FK",
        "FM",
        "FO",
        "FR",
        "GA",
        "GB",
        "GD",
        "GE",
        "GF",
        "GG",
        "GH",
        "GI",
        "GL",
        "GM",
        "GN",
        "GP",
        "GQ",
        "GR",
        "GS",
        "GT",
        "GU",
        "GW",
        "GY",
        "HK",
        "HM",
        "HN",
        "HR",
        "HT",
        "HU",
        "ID",
        "IE",
        "IL",
        "IM",
        "IN",
        "IO",
        "IQ",
        "IR",
        "IS",
        "IT",
        "JE",
        "JM",
        "JO",
        "JP",
        "KE",
        "KG",
        "KH",
        "KI",
        "KM",
        "KN",
        "KP",
        "KR",
        "KW",
        "KY",
        "KZ",
        "LA",
        "LB",
        "LC",
        "LI",
        "LK",
        "LR",
        "LS",
        "LT",
        "LU",
        "LV",
        "LY",
        "MA",
        "MC",
        "MD",
        "ME",
        "MF",
        "MG",
        "MH",
        "MK",
        "ML",
        "MM",
        "MN",
        "MO",
        "MP",
        "MQ",
        "MR",
        "MS",
        "MT",
        "MU",
        "MV",
        "MW",
        "MX",
        "MY",
        "MZ",
        "NA",
        "NC",
        "NE",
        "NF",
        "NG",
        "NI",
        "NL",
        "NO",
        "NP",
        "NR",
        "NU",
        "NZ",
        "OM",
        "PA",
        "PE",
        "PF",
        "PG",
        "PH",
        "PK",
        "PL",
        "PM",
        "PN",
        "PR",
        "PS",
        "PT",
        "PW",
        "PY",
        "QA",
        "RE",
        "RO",
        "RS",
        "RU",
        "RW",
        "SA",
        "SB",
        "SC",
        "SD",
        "SE",
        "SG",
        "SH",
        "SI",
        "SJ",
        "SK",
        "SL",
        "SM",
        "SN",
        "SO",
        "SR",
        "SS",
        "ST",
        "SV",
        "SX",
        "SY",
        "SZ",
        "TC",
        "TD",
        "TF",
        "TG",
        "TH",
        "TJ",
        "TK",
        "TL",
        "TM",
        "TN",
        "TO",
        "TR",
        "TT",
        "TV",
        "TW",
        "TZ",
        "UA",
        "UG",
        "UM",
        "US",
        "UY",
        "UZ",
        "VA",
        "VC",
        "VE",
        "VG",
        "VI",
        "VN",
        "VU",
        "WF",
        "WS",
        "XK",
        "YE",
        "YT",
        "ZA",
        "ZM",
        "ZW",
    ]
)
_COUNTRY_HINTS = {"EL": "GR", "UK": "GB"}  # EU and common spellings that are not ISO codes


def _names(enum: type[Role] | type[StakeholderGroup]) -> dict[str, Any]:
    return {m.name.lower().replace("_", "-"): m for m in enum if m.name != "NONE"}


ROLE_NAMES = _names(Role)
GROUP_NAMES = _names(StakeholderGroup)


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


def share_value(ratio: Ratio) -> Fraction:
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
    if any(
        unicodedata.category(c) == "Cc" or c in "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
        for c in value
    ):
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


def _seconds(minimum: int, maximum: int, why: str = ""):
    def validate(value: Any) -> int:
        if isinstance(value, bool):
            raise ValueError("expected a duration such as 90s, 12h or 7d")
        seconds = parse_duration(value)  # UserError is a ValueError: pydantic reports it at the field
        if seconds < minimum:
            raise ValueError(f"{value} is too short; it must be at least {format_duration(minimum)}{why}")
        if seconds > maximum:
            most = f"{maximum // 86_400}d" if maximum % 86_400 == 0 else format_duration(maximum)
            raise ValueError(f"{value} is too long; it must be at most {most}")
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


# ---------------------------------------------------------------------------------------------- chamber conditions

MAX_CHAMBER_CONDITIONS = 3  # ConsortiumMembership.MAX_CHAMBER_CONDITIONS
MAX_CHAMBER_TERM = 255  # a chamber's shares are stored as two 8-bit terms (IConsortiumRules)
CHAMBER_ROLES = {
    "founding partners": (Role.FOUNDING_PARTNER,),
    "partners": (Role.PARTNER,),
    "all": (Role.FOUNDING_PARTNER, Role.PARTNER),
    "all members": (Role.FOUNDING_PARTNER, Role.PARTNER),
}
"""The members a chamber may name by role; any other chamber names stakeholder groups."""


def _words(value: Any) -> str:
    return " ".join(str(value).replace("_", " ").replace("-", " ").split()).lower()


def _chamber_role(value: Any) -> tuple[Role, ...]:
    if isinstance(value, str) and _words(value).removesuffix("s") + "s" in ("founding partners", "partners"):
        return CHAMBER_ROLES[_words(value).removesuffix("s") + "s"]
    raise ValueError(f"unknown role {value!r}; write founding partners or partners")


def _chamber_groups(value: Any) -> tuple[StakeholderGroup, ...]:
    items = value if isinstance(value, list) else [value]
    if not items or not all(isinstance(i, str) and i.strip() for i in items):
        raise ValueError(
            "expected all, founding partners, partners, or stakeholder groups (one, or a list such as "
            "[municipality, civil-society])"
        )
    groups: list[StakeholderGroup] = []
    for item in items:
        key = _words(item).replace(" ", "-")
        if key not in GROUP_NAMES:
            raise ValueError(f"unknown stakeholder group {item!r}; choose one of {', '.join(GROUP_NAMES)}")
        if GROUP_NAMES[key] in groups:
            raise ValueError(f"{item!r} is listed twice")
        groups.append(GROUP_NAMES[key])
    return tuple(sorted(groups))


def parse_chamber_members(value: Any) -> tuple[tuple[Role, ...], tuple[StakeholderGroup, ...] | None]:
    """``all``, ``founding partners``, ``partners``, or stakeholder groups -> (roles, groups; None for every group)."""
    if isinstance(value, str) and _words(value) in CHAMBER_ROLES:
        return CHAMBER_ROLES[_words(value)], None
    return (Role.FOUNDING_PARTNER, Role.PARTNER), _chamber_groups(value)


def _chamber_share(text: str, what: str) -> Ratio:
    share = parse_ratio(text)
    if share.numerator > MAX_CHAMBER_TERM or share.denominator > MAX_CHAMBER_TERM:
        exact = "" if text.replace(" ", "") == str(share) else f" ({share} in lowest terms)"
        raise ValueError(
            f"{text}{exact} has a term above {MAX_CHAMBER_TERM}; a chamber's shares are stored with terms of at most "
            f"{MAX_CHAMBER_TERM}: use a simpler {what} such as 55% or 2/3"
        )
    return share


_AT_LEAST = re.compile(r"^(at least|>=|≥)\s*", re.IGNORECASE)
_MORE_THAN = re.compile(r"^(more than|over|>)\s*", re.IGNORECASE)


def _threshold_text(value: Any, what: str) -> tuple[str, bool]:
    """``"at least 55%"`` -> ("55%", False); ``"more than 1/2"`` -> ("1/2", True); a bare share is "at least"."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise ValueError(f"expected a {what} such as at least 2/3, more than 1/2 or 55%")
    text = " ".join(str(value).split())
    if match := _MORE_THAN.match(text):
        return text[match.end() :], True
    return _AT_LEAST.sub("", text, count=1), False


def parse_chamber_measure(value: Any, what: str) -> Ratio:
    """A chamber's quorum or approval: ``at least 1/2`` or a bare share (approval also takes ``more than 1/2``, the
    plain majority every approval needs anyway)."""
    text, strict = _threshold_text(value, what)
    share = _chamber_share(text, what)
    if strict and not (what == "approval" and share == HALF):
        raise ValueError(
            f"a {what} is always reached at a share (at least); write at least {share}"
            + (" (approval always needs more for than against)" if what == "approval" else "")
        )
    if what == "quorum" and share.numerator == 0:
        raise ValueError("must be above 0 (leave the quorum out instead)")
    if what == "approval" and share_value(share) < share_value(HALF):
        raise ValueError(
            f"{share} is below 1/2, which adds nothing: approval always needs more for than against; write 1/2 for a "
            "plain majority"
        )
    return share


def parse_support(value: Any) -> tuple[Ratio, bool]:
    """A chamber's support (For as a share of the chamber's power): ``at least 55%``, ``more than 1/2``, a share."""
    text, strict = _threshold_text(value, "support")
    share = _chamber_share(text, "support")
    if share.numerator == 0 and not strict:
        raise ValueError("must be above 0 (or more than 0: at least one for)")
    if strict and share.numerator == share.denominator:
        raise ValueError("more than all of them can never be reached")
    return share, strict


def parse_blocking(value: Any) -> Ratio:
    """Who blocks: ``any against`` (0/1), ``all against`` (1/1), or a share of the chamber's decisive votes against
    (``at least 1/3``)."""
    if isinstance(value, str):
        words = _words(value).removesuffix(" against").removesuffix(" votes")
        if words in ("any", "any vote", "anyone"):
            return Ratio(0, 1)
        if words in ("all", "all votes", "everyone"):
            return Ratio(1, 1)
    if isinstance(value, bool):
        raise ValueError("expected any against, all against, or a share such as at least 1/3")
    text, strict = _threshold_text(str(value).strip().removesuffix("against").strip(), "blocking share")
    if strict:
        raise ValueError("write the blocking share as at least a share of the decisive votes, e.g. at least 1/3")
    return _chamber_share(text, "blocking share")


_MEMBERS_SCHEMA = {
    "anyOf": [
        {"type": "string", "description": "all, founding partners, partners, or one stakeholder group"},
        {"type": "array", "items": {"type": "string", "enum": list(GROUP_NAMES)}, "minItems": 1},
    ],
    "description": "Whose votes the chamber holds: all, founding partners, partners, or stakeholder groups.",
}
ChamberMembers = Annotated[
    tuple[tuple[Role, ...], tuple[StakeholderGroup, ...] | None],
    PlainValidator(parse_chamber_members),
    PlainSerializer(
        lambda v: (
            next(k for k, roles in CHAMBER_ROLES.items() if roles == v[0])
            if v[1] is None
            else [group_name(g) for g in v[1]]
        )
    ),
    WithJsonSchema(_MEMBERS_SCHEMA),
]
ChamberRole = Annotated[
    tuple[Role, ...],
    PlainValidator(_chamber_role),
    PlainSerializer(lambda v: "founding partners" if v == (Role.FOUNDING_PARTNER,) else "partners"),
    WithJsonSchema({"type": "string", "enum": ["founding partners", "partners"],
                    "description": "Only the members of this role in those groups."}),
]  # fmt: skip
_THRESHOLD = {"type": ["string", "number"], "pattern": r"^\s*((at least|more than)\s+)?[0-9./]+\s*%?\s*$"}
ChamberQuorum = Annotated[
    Ratio,
    PlainValidator(lambda v: parse_chamber_measure(v, "quorum")),
    PlainSerializer(lambda r: f"at least {r}"),
    WithJsonSchema({**_THRESHOLD, "description": "Votes cast in the chamber, as a share of its power: at least 1/2."}),
]
ChamberApproval = Annotated[
    Ratio,
    PlainValidator(lambda v: parse_chamber_measure(v, "approval")),
    PlainSerializer(lambda r: f"at least {r}"),
    WithJsonSchema({**_THRESHOLD, "description": "For, as a share of the chamber's For + Against: at least 2/3."}),
]
ChamberSupport = Annotated[
    tuple[Ratio, bool],
    PlainValidator(parse_support),
    PlainSerializer(lambda v: f"{'more than' if v[1] else 'at least'} {v[0]}"),
    WithJsonSchema({**_THRESHOLD,
                    "description": "For, as a share of the chamber's whole power: more than 1/2, at least 55%."}),
]  # fmt: skip
ChamberBlocking = Annotated[
    Ratio,
    PlainValidator(parse_blocking),
    PlainSerializer(lambda r: "any against" if r.numerator == 0 else "all against" if r.numerator == r.denominator
                    else f"at least {r} against"),
    WithJsonSchema({"type": "string", "description": "When the chamber blocks: any against, all against, or at least "
                    "a share of its decisive votes against (at least 1/3)."}),
]  # fmt: skip

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


def duration(minimum: int, maximum: int, why: str = "") -> Any:
    """A duration field between ``minimum`` and ``maximum`` seconds; ``why`` explains the minimum."""
    return Annotated[int, PlainValidator(_seconds(minimum, maximum, why)), WithJsonSchema(_DURATION_SCHEMA)]


Problem = tuple[tuple[str | int, ...], str]


def attempt(check: Callable[[Any], Any], value: Any) -> Any:
    try:
        return check(value)
    except ValueError:
        return None


def run_handler(handler: ValidatorFunctionWrapHandler, value: Any) -> tuple[Any, list[Problem]]:
    """Validate with pydantic's own handler, turning its errors into problems so more checks can follow."""
    try:
        return handler(value), []
    except ValidationError as error:
        return None, flatten(error)


def problem_error(*problems: Problem) -> PydanticCustomError:
    """One validation error carrying several problems, each at a path below the validated field."""
    summary = "; ".join(f"{'.'.join(map(str, loc)) or '(here)'}: {message}" for loc, message in problems)
    return PydanticCustomError("ccsi_problems", "{summary}", {"summary": summary, "problems": problems})


def sha256_file(path: str | Path, *, limit: int = MAX_DOCUMENT_BYTES) -> bytes:
    """SHA-256 of a regular file's bytes (32 bytes); ConfigError if it cannot be read, is not a regular file (a
    device such as /dev/zero would never end) or is larger than ``limit`` bytes."""
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as handle:
            info = os.fstat(handle.fileno())
            if not stat.S_ISREG(info.st_mode):
                raise ConfigError(f"{path} is not a regular file; the agreement text must be a document file")
            if info.st_size > limit:
                raise ConfigError(f"{path} is {info.st_size:,} bytes; an agreement text may have at most {limit:,}")
            read = 0
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                read += len(chunk)
                if read > limit:  # the file grew while being read
                    raise ConfigError(f"{path} is larger than {limit:,} bytes; an agreement text may have no more")
                digest.update(chunk)
    except OSError as error:
        raise ConfigError(f"cannot read {path}: {error.strerror or error}") from None
    return digest.digest()


# ---------------------------------------------------------------------------------------------- problems


def describe(error: ValidationError) -> list[str]:
    return [f"{'.'.join(str(part) for part in loc) or '(top level)'}: {message}" for loc, message in flatten(error)]


def flatten(error: ValidationError) -> list[Problem]:
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
