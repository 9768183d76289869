"""The subscriptions file: who is told what, through which channels. YAML, checked field by field like the agreement.

.. code-block:: yaml

    reminder_before: 24h          # "24 hours left" reminders to members who have not voted
    retry: {first: 30s, max: 15m} # a channel that is down is retried with backoff; nothing is dropped
    watchdog:
      treasury_threshold: 1.5     # ETH; proposals paying out more are flagged
      token_thresholds: {"0x…": 1000000}  # base units per ERC-20 token
      similar_within: 30d         # a proposal resembling one made this recently is flagged
    smtp: {host: mail.example.org, port: 587, security: starttls, username: watch,
           password_env: CCSI_DAO_SMTP_PASSWORD, sender: "CCSI watch <watch@example.org>"}
    recipients:
      - name: ministry
        member: ministry          # keystore alias, address or on-chain name: per-member reminders come here
        notices: [all]            # or decisions, reminders, watchdog, or single kinds (proposal-created, ...)
        channels:
          - {type: email, to: office@ministry.example}
          - {type: webhook, format: slack, url: "https://hooks.slack.com/services/…"}
          - {type: jsonl, path: /var/lib/ccsi-dao/ministry.jsonl}
          - {type: ics, path: /var/www/ccsi/ministry.ics}
          - {type: terminal}

Relative paths are read from the subscriptions file's folder.
"""

from __future__ import annotations

import math
import re
import unicodedata
from decimal import Decimal, InvalidOperation
from email.utils import parseaddr
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, PlainValidator, ValidationError, ValidationInfo, field_validator

from ccsi_dao.addresses import parse_address
from ccsi_dao.agreement.fields import describe
from ccsi_dao.agreement.loading import parse_yaml
from ccsi_dao.durations import parse_duration
from ccsi_dao.errors import ConfigError, UserError
from ccsi_dao.watch.notices import GROUPS, Kind

MAX_FILE_BYTES = 1024 * 1024
_EMAIL = re.compile(r"[^@\s<>()\[\],;:\"\\]+@[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?\.[A-Za-z]{2,63}")


class SubscriptionsError(ConfigError):
    """A subscriptions file has problems; ``problems`` lists them as ``field.path: what is wrong`` lines."""

    def __init__(self, path: Path, problems: list[str]) -> None:
        count = "1 problem" if len(problems) == 1 else f"{len(problems)} problems"
        super().__init__(f"{path}: {count} in the subscriptions:\n" + "\n".join(f"  {p}" for p in problems))
        self.path = path
        self.problems = problems


# ---------------------------------------------------------------------------------------------- field types


_DECIMAL_SECONDS = re.compile(r"\d{1,9}(\.\d{1,6})?\s*s?")


def _seconds(value: Any) -> float:
    """Seconds: a number (fractions allowed: 0.5, 0.5s) or duration text such as 30s, 15m, 24h."""
    if isinstance(value, bool):
        raise ValueError("expected a duration such as 30s, 15m or 24h")
    if isinstance(value, int | float):
        seconds = float(value)
    elif isinstance(value, str) and _DECIMAL_SECONDS.fullmatch(value.strip()):
        seconds = float(value.strip().rstrip("s").strip())
    else:
        try:
            seconds = float(parse_duration(value))
        except UserError as exc:
            raise ValueError(str(exc)) from None
    if not math.isfinite(seconds) or seconds <= 0 or seconds > 366 * 86_400:
        raise ValueError(f"{value!r} is not a duration between 0 and a year")
    return seconds


def _email(value: Any) -> str:
    if not isinstance(value, str) or not _EMAIL.fullmatch(value.strip()):
        raise ValueError(f"{value!r} is not an email address such as office@ministry.example")
    return value.strip()


def _sender(value: Any) -> str:
    if not isinstance(value, str) or any(c in value for c in "\r\n"):
        raise ValueError("expected an email address, optionally with a name: CCSI watch <watch@example.org>")
    _, address = parseaddr(value)
    if not _EMAIL.fullmatch(address):
        raise ValueError(f"{value!r} is not an email address, optionally with a name: CCSI watch <watch@example.org>")
    return value.strip()


def _variable(value: Any) -> str:
    if not isinstance(value, str) or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,99}", value):
        raise ValueError(f"{value!r} is not the name of an environment variable")
    return value


def _host(value: Any) -> str:
    if not isinstance(value, str) or not re.fullmatch(r"[A-Za-z0-9.\-\[\]:]{1,253}", value.strip()):
        raise ValueError(f"{value!r} is not a host name or IP address")
    return value.strip()


def _name(value: Any) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > 100:
        raise ValueError("expected a name of 1 to 100 characters")
    if any(unicodedata.category(c) in ("Cc", "Cf") for c in value):
        raise ValueError("a recipient's name may not contain control or format characters")
    return value.strip()


def _url(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError("expected an http:// or https:// address")
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{value!r} is not a webhook address: expected http:// or https:// and a host")
    try:
        parts.port  # noqa: B018 - raises on a port out of range
    except ValueError:
        raise ValueError(f"{value!r} has a port that is not a number from 1 to 65535") from None
    if any(c.isspace() or ord(c) < 0x20 for c in value.strip()):
        raise ValueError("a webhook address may not contain spaces or control characters")
    return value.strip()


def _eth(value: Any) -> int:
    """An amount of ETH, as wei."""
    if isinstance(value, bool):
        raise ValueError("expected an amount of ETH such as 1.5")
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError(f"{value!r} is not an amount of ETH such as 1.5") from None
    if not amount.is_finite() or amount < 0 or amount > 10**12:
        raise ValueError(f"{value!r} is not an amount of ETH from 0 up")
    return int(amount * 10**18)


def _address(value: Any) -> str:
    try:
        return parse_address(value)
    except UserError as exc:
        raise ValueError(str(exc)) from None


def _path(value: Any) -> Path:
    if not isinstance(value, str) or not value.strip() or "\x00" in value:
        raise ValueError("expected a file path")
    return Path(value.strip()).expanduser()


Seconds = Annotated[float, PlainValidator(_seconds)]
Email = Annotated[str, PlainValidator(_email)]
FilePath = Annotated[Path, PlainValidator(_path)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# ---------------------------------------------------------------------------------------------- channels


class TerminalChannel(_Model):
    type: Literal["terminal"]

    def id(self) -> str:
        return "terminal"


class JsonlChannel(_Model):
    type: Literal["jsonl"]
    path: FilePath

    def id(self) -> str:
        return f"jsonl:{self.path}"


class EmailChannel(_Model):
    type: Literal["email"]
    to: Email

    def id(self) -> str:
        return f"email:{self.to.lower()}"


class WebhookChannel(_Model):
    type: Literal["webhook"]
    url: Annotated[str, PlainValidator(_url)]
    format: Literal["slack", "teams", "matrix"]
    timeout: Seconds = 10.0

    def id(self) -> str:
        return f"webhook:{self.url}"


class IcsChannel(_Model):
    type: Literal["ics"]
    path: FilePath

    def id(self) -> str:
        return f"ics:{self.path}"


ChannelConfig = Annotated[
    TerminalChannel | JsonlChannel | EmailChannel | WebhookChannel | IcsChannel, Field(discriminator="type")
]


# ---------------------------------------------------------------------------------------------- the file


class Smtp(_Model):
    """The mail server every email channel sends through. The password never sits in the file: it is read from
    the environment variable ``password_env`` or from ``password_file``."""

    host: Annotated[str, PlainValidator(_host)]
    port: Annotated[int, Field(ge=1, le=65535)] = 587
    security: Literal["starttls", "tls", "none"] = "starttls"
    username: str | None = None
    password_env: Annotated[str, PlainValidator(_variable)] | None = None
    password_file: FilePath | None = None
    sender: Annotated[str, PlainValidator(_sender)]
    ca_file: FilePath | None = None  # trust this certificate (a private CA) besides the system's
    timeout: Seconds = 20.0

    @field_validator("password_file")
    @classmethod
    def _one_password_source(cls, value: Path | None, info: ValidationInfo) -> Path | None:
        if value is not None and info.data.get("password_env"):
            raise ValueError("give password_env or password_file, not both")
        return value


class Watchdog(_Model):
    treasury_threshold: Annotated[int, PlainValidator(_eth)] = 10**18  # wei; ETH in the file
    token_thresholds: dict[Annotated[str, PlainValidator(_address)], Annotated[int, Field(ge=0)]] = {}
    similar_within: Seconds = 30 * 86_400.0
    similarity: Annotated[float, Field(gt=0, le=1)] = 0.85
    usual_voting_period: Seconds | None = None  # default: the voting period the consortium was deployed with


class Retry(_Model):
    first: Seconds = 30.0
    max: Seconds = 900.0


class Recipient(_Model):
    name: Annotated[str, PlainValidator(_name)]
    member: str | None = None  # keystore alias, address or on-chain name
    notices: list[str] = ["all"]
    channels: Annotated[list[ChannelConfig], Field(min_length=1)]

    @field_validator("notices")
    @classmethod
    def _known_kinds(cls, value: list[str]) -> list[str]:
        known = {*GROUPS, *(k.value for k in Kind)}
        unknown = [v for v in value if v not in known]
        if unknown:
            raise ValueError(
                f"unknown kind {unknown[0]!r}: use {', '.join(GROUPS)} or one of {', '.join(k.value for k in Kind)}"
            )
        if not value:
            raise ValueError("list at least one kind of notice, or all")
        return value

    def kinds(self) -> frozenset[Kind]:
        out: set[Kind] = set()
        for name in self.notices:
            out |= GROUPS[name] if name in GROUPS else {Kind(name)}
        return frozenset(out)


class Subscriptions(_Model):
    state: FilePath | None = None
    reminder_before: Seconds = 86_400.0
    retry: Retry = Retry()
    watchdog: Watchdog = Watchdog()
    smtp: Smtp | None = None
    recipients: Annotated[list[Recipient], Field(min_length=1)]

    @field_validator("recipients")
    @classmethod
    def _unique_names(cls, value: list[Recipient]) -> list[Recipient]:
        seen: set[str] = set()
        for recipient in value:
            if recipient.name in seen:
                raise ValueError(f"two recipients are named {recipient.name!r}; give each its own name")
            seen.add(recipient.name)
        return value

    def email_channels(self) -> list[tuple[str, EmailChannel]]:
        return [(r.name, c) for r in self.recipients for c in r.channels if isinstance(c, EmailChannel)]


# ---------------------------------------------------------------------------------------------- loading


def load_subscriptions(path: str | Path) -> Subscriptions:
    """Read and check the subscriptions file at ``path``; SubscriptionsError (a ConfigError) lists every problem.
    Relative paths in it are made relative to its folder."""
    path = Path(path)
    try:
        if not path.is_file():
            raise ConfigError(
                f"subscriptions file {path} not found; check the path"
                if not path.exists()
                else f"{path} is not a regular file; give a subscriptions file"
            )
        if path.stat().st_size > MAX_FILE_BYTES:
            raise ConfigError(f"{path} is larger than {MAX_FILE_BYTES:,} bytes; it is not a subscriptions file")
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(
            f"cannot read subscriptions file {path}: {getattr(error, 'strerror', None) or error}"
        ) from None
    raw = parse_yaml(text, path)
    if not isinstance(raw, dict):
        raise SubscriptionsError(path, ["(top level): expected a mapping with recipients (and smtp, watchdog, …)"])
    try:
        subs = Subscriptions.model_validate(raw)
    except ValidationError as error:
        raise SubscriptionsError(path, [_plain(p) for p in describe(error)]) from None
    problems = []
    if subs.smtp is None:
        for i, r in enumerate(subs.recipients):
            for j, c in enumerate(r.channels):
                if isinstance(c, EmailChannel):
                    problems.append(f"recipients.{i}.channels.{j}: an email channel needs the smtp section")
    if problems:
        raise SubscriptionsError(path, problems)
    return _relative_to(subs, path.parent.resolve())


_TAGS = re.compile(r"\.(terminal|jsonl|email|webhook|ics)(?=[.:])")


def _plain(problem: str) -> str:
    """pydantic's messages for a channel of unknown type, and its tag in the field path, in plain words."""
    problem = _TAGS.sub("", problem, count=1)
    if "does not match any of the expected tags" in problem or "Input tag" in problem:
        return problem.split(":", 1)[0] + ": unknown channel type; use terminal, jsonl, email, webhook or ics"
    if "Unable to extract tag" in problem:
        return problem.split(":", 1)[0] + ": say which channel: type: terminal, jsonl, email, webhook or ics"
    return problem


def _relative_to(subs: Subscriptions, folder: Path) -> Subscriptions:
    def fix(p: Path | None) -> Path | None:
        return None if p is None or p.is_absolute() else folder / p

    recipients = []
    for r in subs.recipients:
        channels = [
            c.model_copy(update={"path": fix(c.path) or c.path}) if isinstance(c, JsonlChannel | IcsChannel) else c
            for c in r.channels
        ]
        recipients.append(r.model_copy(update={"channels": channels}))
    smtp = subs.smtp
    if smtp is not None:
        smtp = smtp.model_copy(
            update={
                "password_file": fix(smtp.password_file) or smtp.password_file,
                "ca_file": fix(smtp.ca_file) or smtp.ca_file,
            }
        )
    return subs.model_copy(update={"recipients": recipients, "smtp": smtp, "state": fix(subs.state) or subs.state})
