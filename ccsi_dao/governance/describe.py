"""Proposal actions in plain words.

:class:`ActionDescriber` decodes each action against the suite's ABIs (registry, governor, timelock) and the
ERC-20 ``transfer``/``approve`` functions, and says what it does: "admit 0x… (Università di Bologna) as partner
…", "pay 2 ETH from the treasury to 0x…", "transfer 250.75 tEUR (token 0x…) from the treasury to 0x…". Anything it
cannot decode is shown as a raw call, never guessed at. Names, symbols and URIs in the sentences are chain text: show
them through :mod:`ccsi_dao.safetext`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from eth_utils import function_signature_to_4byte_selector, to_checksum_address

from ccsi_dao.abi.artifacts import abi_type, load_artifact
from ccsi_dao.chain.codec import decode as abi_decode
from ccsi_dao.durations import format_duration
from ccsi_dao.governance.actions import SIGNAL_TARGET, Action
from ccsi_dao.governance.deployment import DeploymentRecord
from ccsi_dao.types import Category, Role, StakeholderGroup, group_name, role_name

if TYPE_CHECKING:
    from ccsi_dao.governance.treasury import Token

_ERC20 = {
    function_signature_to_4byte_selector("transfer(address,uint256)"): ("transfer", ["address", "uint256"]),
    function_signature_to_4byte_selector("approve(address,uint256)"): ("approve", ["address", "uint256"]),
}


def format_eth(wei: int) -> str:
    """``1500000000000000000`` -> ``"1.5 ETH"``."""
    text = format(Decimal(wei) / Decimal(10**18), "f").rstrip("0").rstrip(".")
    return f"{text or '0'} ETH"


def format_time(timestamp: int) -> str:
    """A chain timestamp in local time, to the minute: ``2026-05-04 14:03 CEST``."""
    return datetime.fromtimestamp(timestamp).astimezone().strftime("%Y-%m-%d %H:%M %Z") if timestamp else "-"


def format_wait(seconds: int) -> str:
    """``in 59 s``, ``in 2 h 5 min``, ``in 3 days``; ``now`` for nothing left."""
    if seconds <= 0:
        return "now"
    if seconds < 120:
        return f"in {seconds} s"
    minutes = seconds // 60
    if minutes < 120:
        return f"in {minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"in {hours} h {minutes} min" if minutes else f"in {hours} h"
    return f"in {hours // 24} days"


def _ratio(pair: Any) -> str:
    return f"{pair[0]}/{pair[1]}"


class ActionDescriber:
    """Describes the actions of proposals made on one deployment."""

    def __init__(
        self,
        record: DeploymentRecord,
        name_of: Callable[[str], str | None] | None = None,
        *,
        token_of: Callable[[str], Token | None] | None = None,
    ) -> None:
        self.record = record
        self.name_of = name_of or (lambda address: None)
        self.token_of = token_of or (lambda address: None)
        self._functions: dict[str, dict[bytes, tuple[str, list[str], list[str]]]] = {}
        for address, contract in (
            (record.membership, "ConsortiumMembership"),
            (record.governor, "ConsortiumGovernor"),
            (record.timelock, "ConsortiumTimelock"),
        ):
            table = {}
            for item in load_artifact(contract).abi:
                if item.get("type") == "function" and item.get("stateMutability") not in ("view", "pure"):
                    types = [abi_type(i) for i in item["inputs"]]
                    selector = function_signature_to_4byte_selector(f"{item['name']}({','.join(types)})")
                    table[selector] = (item["name"], types, [i["name"] for i in item["inputs"]])
            self._functions[address] = table

    def who(self, address: str | None) -> str:
        """An address with its member name, if it has one."""
        name = self.name_of(address) if address is not None else None
        return f"{address} ({name})" if name else str(address)

    def describe(self, action: Action) -> str:
        """One sentence for one action. Total over what the chain can hold: a call whose arguments it cannot put
        into words (malformed, or a role or group that does not exist) is shown by name and raw arguments."""
        target, data, value = to_checksum_address(action.target), action.data, action.value
        if target == self.record.governor and not value:
            from ccsi_dao.governance.decisions import decode_manifest

            manifest = decode_manifest(data)
            if manifest is not None:
                return _manifest_words(manifest)
        if target == SIGNAL_TARGET and not data and not value:
            return "no on-chain effect (signal)"
        if target in self._functions:
            return self._describe_own(target, value, data)
        if not data:
            return (
                f"pay {format_eth(value)} from the treasury to {self.who(target)}"
                if value
                else f"call {target} without data"
            )
        if data[:4] in _ERC20 and len(data) == 68:
            name, types = _ERC20[data[:4]]
            try:
                to, amount = abi_decode(types, data[4:])
            except Exception:  # noqa: BLE001 - eth-abi's decoding errors share no base class narrower than this
                return f"call {name} on {target} with malformed arguments" + (
                    f", sending {format_eth(value)}" if value else ""
                )
            token = self.token_of(target)
            what = f"{token.amount(amount)} (token {target})" if token else f"{amount} base units of token {target}"
            whom = self.who(to_checksum_address(to))
            text = (
                f"transfer {what} from the treasury to {whom}"
                if name == "transfer"
                else f"allow {whom} to spend {what} of the treasury's"
            )
            return text + (f", sending {format_eth(value)}" if value else "")
        suffix = f", sending {format_eth(value)}" if value else ""
        return f"call {target} with selector 0x{data[:4].hex()} and {max(len(data) - 4, 0)} bytes of arguments{suffix}"

    def _describe_own(self, target: str, value: int, data: bytes) -> str:
        which = {
            self.record.membership: "membership registry",
            self.record.governor: "governor",
            self.record.timelock: "timelock",
        }[target]
        entry = self._functions[target].get(data[:4])
        if entry is None:
            return f"call the {which} with {len(data)} bytes of unknown data" + (
                f", sending {format_eth(value)}" if value else ""
            )
        name, types, names = entry
        try:
            args = dict(zip(names, abi_decode(types, data[4:]), strict=True))
        except Exception:  # undecodable arguments: say so rather than guess
            return f"call {name} on the {which} with malformed arguments"
        try:
            text = self._sentence(which, name, args)
        except (ValueError, KeyError, IndexError, TypeError, OverflowError):  # e.g. a role that does not exist
            text = f"call {name}({', '.join(f'{k}={_show(v)}' for k, v in args.items())}) on the {which}"
        return text + (f", sending {format_eth(value)}" if value else "")

    def _sentence(self, which: str, name: str, a: dict[str, Any]) -> str:
        account = self.who(to_checksum_address(a["account"])) if "account" in a else ""
        if name == "admit":
            return (
                f"admit {to_checksum_address(a['account'])} ({a.get('name_', a.get('name'))}) as {role_name(Role(a['role']))}, "
                f"group {group_name(StakeholderGroup(a['group']))}, weight {a['weight']}"
            )
        if name in ("remove", "suspend", "reinstate"):
            return f"{name} {account}"
        if name == "setRole":
            return f"make {account} a {role_name(Role(a['role']))}"
        if name == "setGroup":
            return f"move {account} to stakeholder group {group_name(StakeholderGroup(a['group']))}"
        if name == "setWeight":
            return f"set the voting weight of {account} to {a['weight']}"
        if name == "setConstitutionalVote":
            if a["constitutionalVote"]:
                return f"give {account} a vote in constitutional decisions"
            return f"take {account}'s vote in constitutional decisions away"
        if name == "amendAgreement":
            return f"amend the consortium agreement: sha256 0x{bytes(a['contentHash']).hex()} at {a['uri']}"
        if name == "updateRules":
            from ccsi_dao.governance.decisions import invalid_index, unpack_conditions

            rules, early_close, chambers, approval_voting = a["rules"]
            parts = []
            for c, r, word in zip(Category, rules, chambers, strict=True):
                part = f"{c.name.lower()} quorum {_ratio(r[0])}, approval {_ratio(r[1])}"
                if word and invalid_index(word) is None:
                    part += "".join(f", and {condition.describe()}" for condition in unpack_conditions(word))
                elif word:
                    part += ", and malformed chamber conditions"
                parts.append(part)
            return (
                "change the rules: " + "; ".join(parts) + f"; early close {'on' if early_close else 'off'}; "
                f"approval voting on choices {'allowed' if approval_voting else 'not allowed'}"
            )
        if name in ("setVotingDelay", "setVotingPeriod", "setLateQuorumVoteExtension"):
            field = {
                "setVotingDelay": "voting delay",
                "setVotingPeriod": "voting period",
                "setLateQuorumVoteExtension": "late-quorum extension",
            }[name]
            return f"set the {field} to {format_duration(next(iter(a.values())))}"
        if name == "updateDelay":
            return f"set the timelock delay to {format_duration(a['newDelay'])}"
        shown = ", ".join(f"{k}={_show(v)}" for k, v in a.items())
        return f"call {name}({shown}) on the {which}"


def _manifest_words(manifest: Any) -> str:
    """A choice's manifest in words: its options and which of the following actions each owns."""
    parts = []
    for i, label in enumerate(manifest.labels):
        owned = [n + 1 for n in manifest.actions_of(i)] if i < len(manifest.action_counts) else []
        acts = f"actions {', '.join(map(str, owned))}" if owned else "text-only"
        parts.append(f"{i + 1}. {label} ({acts})")
    ballot = "one option per ballot" if manifest.max_selections == 1 else (
        f"up to {manifest.max_selections} options per ballot")  # fmt: skip
    return f"offer a choice among {len(manifest.labels)} options, {ballot} (never executed): " + "; ".join(parts)


def _show(value: Any) -> str:
    if isinstance(value, bytes):
        return "0x" + value.hex()
    return str(value)
