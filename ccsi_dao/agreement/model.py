"""The consortium agreement's model: partners, decision rules, voting and timelock settings, the agreement text.

Validation reports every problem at once, field by field; an :class:`Agreement`'s values are ready for the contracts
(checksummed addresses, exact uint16 fractions, durations in seconds, the agreement text's SHA-256).
"""

from __future__ import annotations

from collections.abc import ItemsView
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    StrictBool,
    ValidationInfo,
    ValidatorFunctionWrapHandler,
    field_validator,
    model_validator,
)

from ccsi_dao.agreement.fields import (
    _PARTNER_KEYS,
    HALF,
    MAX_CHAMBER_CONDITIONS,
    MAX_CONSORTIUM_NAME_BYTES,
    MAX_TIMELOCK_DELAY,
    MAX_VOTING_DELAY,
    MAX_VOTING_PERIOD,
    MAX_WEIGHT,
    MIN_TIMELOCK_DELAY,
    MIN_VOTING_DELAY,
    MIN_VOTING_PERIOD,
    Address,
    ChamberApproval,
    ChamberBlocking,
    ChamberMembers,
    ChamberQuorum,
    ChamberRole,
    ChamberSupport,
    Country,
    GroupField,
    Name,
    Problem,
    RoleField,
    Sha256,
    Share,
    Uri,
    attempt,
    duration,
    parse_ratio,
    problem_error,
    run_handler,
    sha256_file,
    share_value,
)
from ccsi_dao.durations import format_duration
from ccsi_dao.errors import ConfigError
from ccsi_dao.types import Category, Ratio, Role, StakeholderGroup


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


class ChamberRule(_Model):
    """A condition on a chamber of the membership: whose votes (``members``, optionally only one ``role`` among
    stakeholder groups), counted by weight or one per member, and what it needs (quorum, approval, support) or lets
    block it. ``each_group`` applies it to every stakeholder group among those members on its own; ``entrenched``
    makes it a floor no later rule change may drop or weaken."""

    members: ChamberMembers
    role: ChamberRole | None = Field(None, description="With stakeholder groups: only the members of this role.")
    each_group: StrictBool = Field(
        False, description="Apply the condition to each stakeholder group among these members on its own."
    )
    counted: Literal["weight", "members"] = Field(
        "weight", description="Count voting weight (default) or members, one each."
    )
    quorum: ChamberQuorum | None = None
    approval: ChamberApproval | None = None
    support: ChamberSupport | None = None
    blocking: ChamberBlocking | None = None
    entrenched: StrictBool = Field(False, description="A floor: no later rule change may drop or weaken it.")

    @model_validator(mode="after")
    def _complete(self) -> ChamberRule:
        problems: list[Problem] = []
        if self.role is not None and self.members[1] is None:
            problems.append((("role",), "only goes with a list of stakeholder groups; members already names a role"))
        if self.quorum is None and self.approval is None and self.support is None and self.blocking is None:
            problems.append(((), "no measure: give at least one of quorum, approval, support or blocking"))
        if problems:
            raise problem_error(*problems)
        return self

    @property
    def roles(self) -> tuple[Role, ...]:
        """The roles whose members the chamber holds."""
        return self.role if self.role is not None else self.members[0]

    @property
    def groups(self) -> tuple[StakeholderGroup, ...] | None:
        """The stakeholder groups whose members the chamber holds (None: every group)."""
        return self.members[1]

    @property
    def by_count(self) -> bool:
        return self.counted == "members"


class _Shares(_Model):
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
        if share_value(value) < share_value(HALF):
            raise ValueError(f"{value} is below 1/2; a proposal must never pass with more votes against than for")
        return value

    def as_tuple(self) -> tuple[tuple[int, int], tuple[int, int]]:
        """``((quorum numerator, denominator), (approval numerator, denominator))``, the contracts' struct."""
        return (self.quorum.as_tuple(), self.approval.as_tuple())


class CategoryRule(_Shares):
    """A category's rule: participation quorum (share of all voting power), approval threshold (share of For +
    Against) and up to three conditions on chambers of the membership."""

    chambers: tuple[ChamberRule, ...] = Field(
        (),
        description="Conditions on chambers of the membership, each met as well as the quorum and approval (at "
        "most 3).",
    )

    @field_validator("chambers")
    @classmethod
    def _few_enough(cls, value: tuple[ChamberRule, ...]) -> tuple[ChamberRule, ...]:
        if len(value) > MAX_CHAMBER_CONDITIONS:
            raise ValueError(
                f"{len(value)} conditions; a category may have at most {MAX_CHAMBER_CONDITIONS} (the contracts keep "
                "three per category)"
            )
        return value


class Floors(_Shares):
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


_DELAY_WHY = ", so that members see a proposal before its electorate is fixed (every consortium keeps this floor)"
_TIMELOCK_WHY = (
    ", so that members have a day to learn of a decision and react before it takes effect (every consortium keeps this"
    " floor)"
)


class Voting(_Model):
    delay: duration(MIN_VOTING_DELAY, MAX_VOTING_DELAY, _DELAY_WHY) = Field(  # type: ignore[valid-type]
        description="From proposal to the start of voting; 1h to 365d."
    )
    period: duration(MIN_VOTING_PERIOD, MAX_VOTING_PERIOD) = Field(  # type: ignore[valid-type]
        description="How long voting lasts; 1h to 365d."
    )
    late_quorum_extension: duration(0, MAX_VOTING_PERIOD) = Field(  # type: ignore[valid-type]
        0, description="Voting time still left after a late quorum is reached; at most the voting period."
    )
    early_close: StrictBool = Field(False, description="Close voting once the outcome can no longer change.")

    @model_validator(mode="after")
    def _extension_within_period(self) -> Voting:
        if self.late_quorum_extension > self.period:
            raise problem_error(
                (
                    ("late_quorum_extension",),
                    f"{format_duration(self.late_quorum_extension)} is longer than the voting period "
                    f"({format_duration(self.period)}); it may be at most one voting period (OpenZeppelin 5.7)",
                )
            )
        return self


class Choices(_Model):
    """How members vote on a choice among options."""

    approval_voting: StrictBool = Field(
        False,
        description="Let a ballot on a choice select several options (approval voting); otherwise one option per "
        "ballot.",
    )


class Timelock(_Model):
    delay: duration(MIN_TIMELOCK_DELAY, MAX_TIMELOCK_DELAY, _TIMELOCK_WHY) = Field(  # type: ignore[valid-type]
        description="From a passed proposal to its execution; 1d to 365d."
    )


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
                raise problem_error(((), "give either path (the agreement text next to this file) or uri and sha256"))
            if self.sha256 is None:
                raise problem_error(
                    (("sha256",), 'required with uri alone: "0x" and the 64 hex digits of the text\'s SHA-256')
                )
            self._hash = self.sha256
            return self
        base = Path((info.context or {}).get("base_dir", "."))
        file = base / self.path
        try:
            digest = sha256_file(file)
        except ConfigError as error:
            raise problem_error((("path",), str(error))) from None
        if self.sha256 is not None and self.sha256 != digest:
            raise problem_error((("sha256",), f"does not match {self.path} (whose SHA-256 is 0x{digest.hex()})"))
        self._hash, self._file = digest, file
        return self


class Agreement(_Model):
    """A consortium agreement: who the partners are and how they decide."""

    consortium: Name = Field(
        description="The consortium's name; also the governor's name on chain and its EIP-712 signing domain (at most "
        "31 bytes of UTF-8)."
    )
    document: Document
    partners: tuple[Partner, ...]
    max_share: Share = Field(
        "1/3",
        validate_default=True,
        description="The largest share of the voting power one partner's own weight may hold (above 0, at most 1/2); "
        "governance can never give a member more. Default 1/3.",
    )
    floors: Floors = Field(
        default_factory=Floors,  # type: ignore[arg-type]
        description="Default: quorum 1/10, approval 1/2.",
    )
    rules: Rules
    choices: Choices = Field(
        default_factory=Choices,  # type: ignore[arg-type]
        description="Choices among options: approval_voting (default false: one option per ballot).",
    )
    voting: Voting
    timelock: Timelock

    @field_validator("consortium")
    @classmethod
    def _fits_eip712(cls, value: str) -> str:
        size = len(value.encode("utf-8"))
        if size > MAX_CONSORTIUM_NAME_BYTES:
            raise ValueError(
                f"{value!r} is {size} bytes of UTF-8; the governor's name is its EIP-712 signing domain, which "
                f"OpenZeppelin limits to {MAX_CONSORTIUM_NAME_BYTES} bytes (deploying would fail): use a short form "
                "such as 'CCSI Slovenia' and keep the full name in the agreement text"
            )
        return value

    @field_validator("max_share")
    @classmethod
    def _cap_range(cls, value: Ratio) -> Ratio:
        if value.numerator == 0 or share_value(value) > share_value(HALF):
            raise ValueError(f"{value} must be above 0 and at most 1/2, so that no single partner holds a majority")
        return value

    @model_validator(mode="after")
    def _shares_within_cap(self) -> Agreement:
        voting = [p.weight for p in self.partners if p.votes]
        total = sum(voting)
        problems = [
            (
                ("partners", index, "weight"),
                f"{p.weight} of the partners' {total} votes is more than max_share {self.max_share} allows; "
                "lower the weight or raise max_share (at most 1/2)",
            )
            for index, p in enumerate(self.partners)
            if p.votes and p.weight * self.max_share.denominator > self.max_share.numerator * total
        ]
        if problems:
            raise problem_error(*problems)
        return self

    @field_validator("partners", mode="wrap")
    @classmethod
    def _partners_consistent(cls, value: Any, handler: ValidatorFunctionWrapHandler) -> tuple[Partner, ...]:
        partners, problems = run_handler(handler, value)
        items: list[Any] = list(value) if isinstance(value, (list, tuple)) else []
        if partners is not None:
            fields = [(p.address, p.name, p.role) for p in partners]
        else:
            fields = [
                tuple(attempt(check, item.get(key)) for check, key in _PARTNER_KEYS)
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
            raise problem_error(*sorted(problems, key=lambda p: p[0][0] if p[0] and isinstance(p[0][0], int) else -1))
        return partners

    @field_validator("rules", mode="wrap")
    @classmethod
    def _rules_consistent(cls, value: Any, handler: ValidatorFunctionWrapHandler, info: ValidationInfo) -> Rules:
        rules, problems = run_handler(handler, value)
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
                    share = attempt(parse_ratio, raw.get(part)) if isinstance(raw, dict) else None
                if share is None:
                    continue
                floor = getattr(floors, part) if floors is not None else None
                if (key, part) in reported:
                    pass
                elif floor is not None and share_value(share) < share_value(floor):
                    problems.append(((key, part), f"{share} is below the floor {floor} (floors.{part})"))
                elif part in weaker and share_value(share) < share_value(weaker[part][1]):
                    name, other = weaker[part]
                    problems.append(
                        (
                            (key, part),
                            f"{share} is below the {name} {part} {other}; a stricter category needs at least as much",
                        )
                    )
                weaker[part] = (key, share)
        if problems:
            raise problem_error(*problems)
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
    def approval_voting(self) -> bool:
        """Whether a ballot on a choice may select several options."""
        return self.choices.approval_voting

    def chamber_rules(self) -> dict[Category, tuple[ChamberRule, ...]]:
        """Each category's chamber conditions, where it has any."""
        return {category: rule.chambers for category, rule in self.rules.items() if rule.chambers}

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
