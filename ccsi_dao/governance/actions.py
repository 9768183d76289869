"""Typed builders for proposal actions.

Each builder returns an :class:`Action` (target, value, calldata) for one of the things a consortium decides:
membership changes, agreement amendments, treasury transfers, rule changes, a text-only signal, or a raw call.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

from eth_abi import encode as abi_encode
from eth_utils import function_signature_to_4byte_selector, to_checksum_address

from ccsi_dao.errors import UserError
from ccsi_dao.governance.categories import (
    ADMIT,
    REINSTATE,
    REMOVE,
    SET_CONSTITUTIONAL_VOTE,
    SET_GROUP,
    SET_ROLE,
    SET_WEIGHT,
    SUSPEND,
)
from ccsi_dao.types import Category, Ratio, Role, StakeholderGroup

SIGNAL_TARGET = "0x0000000000000000000000000000000000000000"


@dataclass(frozen=True)
class Action:
    """One call a proposal makes through the timelock."""

    target: str
    value: int = 0
    data: bytes = b""


def _call(target: str, signature: str, types: list[str], args: list[Any], value: int = 0) -> Action:
    data = function_signature_to_4byte_selector(signature) + abi_encode(types, args)
    return Action(to_checksum_address(target), value, data)


# ---------------------------------------------------------------- membership (registry)


def admit(
    registry: str,
    account: str,
    name: str,
    role: Role = Role.PARTNER,
    group: StakeholderGroup = StakeholderGroup.OTHER,
    weight: int = 1,
) -> Action:
    """Admit ``account`` as a member: a membership decision, unless it is a founding partner (constitutional). The new
    member votes in ordinary, treasury and membership decisions; add :func:`set_constitutional_vote` (which makes the
    proposal constitutional) to give it a vote in constitutional decisions too."""
    return _call(
        registry,
        ADMIT,
        ["address", "uint8", "uint8", "uint32", "string"],
        [to_checksum_address(account), int(role), int(group), weight, name],
    )


def remove(registry: str, account: str) -> Action:
    """Remove ``account`` from the consortium."""
    return _call(registry, REMOVE, ["address"], [to_checksum_address(account)])


def suspend(registry: str, account: str) -> Action:
    """Suspend ``account``'s membership."""
    return _call(registry, SUSPEND, ["address"], [to_checksum_address(account)])


def reinstate(registry: str, account: str) -> Action:
    """Lift ``account``'s suspension."""
    return _call(registry, REINSTATE, ["address"], [to_checksum_address(account)])


def set_role(registry: str, account: str, role: Role) -> Action:
    """Change ``account``'s role."""
    return _call(registry, SET_ROLE, ["address", "uint8"], [to_checksum_address(account), int(role)])


def set_group(registry: str, account: str, group: StakeholderGroup) -> Action:
    """Move ``account`` to stakeholder group ``group`` (a constitutional decision); votes on proposals whose snapshot
    precedes the change still count in the chamber of its former group."""
    return _call(registry, SET_GROUP, ["address", "uint8"], [to_checksum_address(account), int(group)])


def set_constitutional_vote(registry: str, account: str, constitutional_vote: bool = True) -> Action:
    """Give ``account`` a vote in constitutional decisions (or take it away); a constitutional decision."""
    return _call(
        registry, SET_CONSTITUTIONAL_VOTE, ["address", "bool"], [to_checksum_address(account), constitutional_vote]
    )


def set_weight(registry: str, account: str, weight: int) -> Action:
    """Change ``account``'s voting weight."""
    return _call(registry, SET_WEIGHT, ["address", "uint32"], [to_checksum_address(account), weight])


def amend_agreement(registry: str, content_hash: bytes, uri: str) -> Action:
    """Adopt a new version of the consortium agreement."""
    return _call(registry, "amendAgreement(bytes32,string)", ["bytes32", "string"], [content_hash, uri])


# ---------------------------------------------------------------- treasury (timelock funds)


def transfer_eth(to: str, amount_wei: int) -> Action:
    """Send ``amount_wei`` from the treasury to ``to``."""
    return Action(to_checksum_address(to), amount_wei, b"")


def transfer_erc20(token: str, to: str, amount: int) -> Action:
    """Send ``amount`` (base units) of ERC-20 ``token`` from the treasury to ``to``."""
    return _call(token, "transfer(address,uint256)", ["address", "uint256"], [to_checksum_address(to), amount])


# ---------------------------------------------------------------- rules (registry) and settings (governor)

RULE_SET_TYPE = "((uint16,uint16),(uint16,uint16))[4],bool,uint256[4],bool"


def update_rules(
    registry: str,
    rules: dict[Category, tuple[Ratio, Ratio]],
    early_close: bool,
    chambers: Mapping[Category, int] | None = None,
    approval_voting: bool = False,
) -> Action:
    """Replace the rules of all categories (quorum, approval, chamber conditions packed as the registry reads them:
    none where ``chambers`` has no entry), the early-close switch and whether choices may use approval voting."""
    packed = [(rules[c][0].as_tuple(), rules[c][1].as_tuple()) for c in Category]
    conditions = [(chambers or {}).get(c, 0) for c in Category]
    return _call(
        registry,
        f"updateRules(({RULE_SET_TYPE}))",
        [f"({RULE_SET_TYPE})"],
        [(packed, early_close, conditions, approval_voting)],
    )


def offer_options(governor: str, labels: list[str], action_counts: list[int], max_selections: int = 1) -> Action:
    """A choice's manifest, its first action (``IChoiceManifest.offerOptions`` to the governor; never executed):
    the options' labels, how many of the following actions each owns, and how many one ballot may select."""
    from ccsi_dao.governance.decisions import encode_manifest

    return Action(to_checksum_address(governor), 0, encode_manifest(labels, action_counts, max_selections))


def set_voting_period(governor: str, seconds: int) -> Action:
    """Change the voting period."""
    return _call(governor, "setVotingPeriod(uint32)", ["uint32"], [seconds])


def set_voting_delay(governor: str, seconds: int) -> Action:
    """Change the voting delay."""
    return _call(governor, "setVotingDelay(uint48)", ["uint48"], [seconds])


def set_late_quorum_extension(governor: str, seconds: int) -> Action:
    """Change the late-quorum extension (at most the voting period)."""
    return _call(governor, "setLateQuorumVoteExtension(uint48)", ["uint48"], [seconds])


def update_timelock_delay(timelock: str, seconds: int) -> Action:
    """Change the timelock's delay (at least a day)."""
    return _call(timelock, "updateDelay(uint256)", ["uint256"], [seconds])


# ---------------------------------------------------------------- other


def signal() -> Action:
    """A text-only proposal: one call without effect (no target code, no value, no data)."""
    return Action(SIGNAL_TARGET, 0, b"")


def raw(target: str, data: bytes = b"", value: int = 0) -> Action:
    """Any other call."""
    return Action(to_checksum_address(target), value, data)


# ---------------------------------------------------------------- checks of user input


def parse_amount(text: str, decimals: int = 18) -> int:
    """``"1.5"`` -> base units with ``decimals`` places; UserError for anything but a positive amount."""
    try:
        value = Decimal(str(text).strip())
    except InvalidOperation:
        raise UserError(f"{text!r} is not an amount: write a number such as 1.5") from None
    if not value.is_finite() or value <= 0:
        raise UserError(f"the amount must be positive, not {text}")
    units = value.scaleb(decimals)
    if units != units.to_integral_value():
        raise UserError(f"{text} has more than {decimals} decimal places")
    if units >= 2**256:
        raise UserError(f"{text} is too large")
    return int(units)


def check_rules(rules: dict[Category, tuple[Ratio, Ratio]], floors: tuple[Ratio, Ratio]) -> None:
    """The governor's rule checks, run before proposing so a doomed rule change is never sent."""
    previous: tuple[Ratio, Ratio] | None = None
    for category in Category:
        quorum, approval = rules[category]
        name = category.name.lower()
        if _share(quorum) < _share(floors[0]):
            raise UserError(f"the {name} quorum {quorum} is below the agreement's floor {floors[0]}")
        if _share(approval) < _share(floors[1]):
            raise UserError(f"the {name} approval threshold {approval} is below the agreement's floor {floors[1]}")
        if previous is not None and (_share(quorum) < _share(previous[0]) or _share(approval) < _share(previous[1])):
            raise UserError(
                f"the {name} rule {quorum}, {approval} would be weaker than the rule of a less strict category"
            )
        previous = (quorum, approval)


def check_chambers(chambers: Mapping[Category, int], entrenched: Mapping[Category, int]) -> None:
    """The registry's chamber checks (``RulesInvalidChamber``, ``RulesWeakerThanFloor``), run before proposing so a
    doomed rule change is never sent."""
    from ccsi_dao.governance.decisions import invalid_index, unpack_conditions, weaker_than_floor

    for category in Category:
        name = category.name.lower()
        word = chambers.get(category, 0)
        bad = invalid_index(word)
        if bad is not None:
            raise UserError(f"chamber condition {bad + 1} of the {name} rule is malformed")
        floor = entrenched.get(category, 0)
        if floor and weaker_than_floor(word, floor) is not None:
            kept = unpack_conditions(floor)[weaker_than_floor(word, floor) or 0]
            raise UserError(
                f"the {name} rule would drop or weaken the entrenched condition on {kept.describe()}; a rule change "
                "must keep it at least as strict"
            )


def _share(ratio: Ratio) -> Fraction:
    return Fraction(ratio.numerator, ratio.denominator)
