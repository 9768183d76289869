"""Decoding a long history fast: the suite's common events read word by word, everything else by the general decoder.

A history of 1,000 proposals holds some 26,000 logs, 20,000 of them ``VoteCast``; eth-abi's strict decoders spend
most of ``audit verify``'s time on them. :class:`HistoryDecoder` decodes an event whose arguments are all static
elementary types (addresses, unsigned integers, booleans, ``bytes32``) plus strings or bytes directly from the 32-byte
words (and dynamic arrays of them, as ``ProposalCreated`` has), but only when the log is in the canonical ABI
encoding and every value is in its type's range; any other log (another shape, a non-canonical pointer, padding that
is not zero, a token's transfer) goes to :class:`ccsi_dao.abi.events.EventDecoder`, so the result is always exactly
what that decoder gives (a test decodes a whole history both ways). Text that is not UTF-8 is decoded as that decoder
decodes it (:func:`ccsi_dao.chain.codec.decode_text`: visible escapes, the bytes kept).
"""

from __future__ import annotations

from typing import Any

from ccsi_dao.abi.artifacts import abi_type, load_artifact
from ccsi_dao.abi.events import Decoded, EventDecoder, RawLog, checksum, event_topic
from ccsi_dao.chain.codec import decode_text

_STATIC = ("address", "bool", "bytes32")
_DYNAMIC = ("string", "bytes")


def _elementary(t: str) -> bool:
    return t in _STATIC or t in _DYNAMIC or (t.startswith("uint") and t[4:].isdigit())


def _fast_type(t: str) -> bool:
    """An elementary type, or a dynamic array of one (``address[]``, ``bytes[]``)."""
    return _elementary(t) or (t.endswith("[]") and _elementary(t[:-2]))


def _dynamic(t: str) -> bool:
    return t in _DYNAMIC or t.endswith("[]")


class _Plan:
    __slots__ = ("contract", "data", "event", "indexed", "types")

    def __init__(self, contract: str, item: dict[str, Any]) -> None:
        self.contract = contract
        self.event = item["name"]
        self.indexed = [(i["name"], abi_type(i)) for i in item["inputs"] if i.get("indexed")]
        self.data = [(i["name"], abi_type(i)) for i in item["inputs"] if not i.get("indexed")]
        self.types = [(t, _dynamic(t)) for _, t in self.data]


def _word(raw: bytes, t: str) -> Any:
    """One static word as ``t``, or raise ValueError where the value is out of the type's range."""
    value = int.from_bytes(raw, "big")
    if t == "address":
        if value >> 160:
            raise ValueError
        return checksum("0x" + raw[12:].hex())
    if t == "bool":
        if value > 1:
            raise ValueError
        return bool(value)
    if t == "bytes32":
        return raw
    bits = int(t[4:])
    if value >> bits:
        raise ValueError
    return value


class HistoryDecoder:
    """Decodes the suite's logs and ERC-20 transfers as :class:`~ccsi_dao.abi.events.EventDecoder` does, faster."""

    def __init__(self, governor: str, membership: str, timelock: str) -> None:
        self.general = EventDecoder(governor, membership, timelock)
        self._plans: dict[tuple[str, str], _Plan] = {}
        for name, contract, address in (
            ("governor", "ConsortiumGovernor", governor),
            ("membership", "ConsortiumMembership", membership),
            ("timelock", "ConsortiumTimelock", timelock),
        ):
            for item in load_artifact(contract).abi:
                if item["type"] != "event" or item.get("anonymous"):
                    continue
                types = [abi_type(i) for i in item["inputs"]]
                indexed_dynamic = any(_dynamic(abi_type(i)) for i in item["inputs"] if i.get("indexed"))
                if all(_fast_type(t) for t in types) and not indexed_dynamic:
                    self._plans[(address.lower(), "0x" + event_topic(item).hex())] = _Plan(name, item)

    def decode(self, log: RawLog, timestamp: int) -> Decoded | None:
        """The decoded log, or None for a log the general decoder would not decode either."""
        plan = self._plans.get((log.address, log.topics[0] if log.topics else ""))
        if plan is not None:
            args = _decode(plan, log)
            if args is not None:
                return Decoded(log, plan.contract, plan.event, args, timestamp)
        return self.general.decode(log, timestamp)


def _decode(plan: _Plan, log: RawLog) -> dict[str, Any] | None:
    """The arguments of a canonically encoded log with every value in range; None to let the general decoder judge."""
    if len(log.topics) != 1 + len(plan.indexed):
        return None
    try:
        args: dict[str, Any] = {}
        for (name, t), topic in zip(plan.indexed, log.topics[1:], strict=True):
            raw = bytes.fromhex(topic[2:])
            if len(raw) != 32:
                return None
            args[name] = _word(raw, t)
        data = bytes.fromhex(log.data[2:])
        values, end = _sequence(data, plan.types, 0)
        if end != len(data):
            return None
        for (name, _), value in zip(plan.data, values, strict=True):
            args[name] = value
        return args
    except (ValueError, IndexError):
        return None


def _sequence(data: bytes, types: list[tuple[str, bool]], base: int) -> tuple[list[Any], int]:
    """Values of ``types`` (``(type, is dynamic)``) encoded from ``base`` (heads, then tails in order, each right
    after the last: the canonical encoding) and where the encoding ends. ValueError for anything else."""
    cursor = base + 32 * len(types)
    if len(data) < cursor:
        raise ValueError
    values: list[Any] = []
    at = base
    for t, dynamic in types:
        word = data[at : at + 32]
        at += 32
        if not dynamic:
            values.append(_word(word, t))
            continue
        if int.from_bytes(word, "big") != cursor - base:
            raise ValueError  # not where the canonical encoding puts it
        value, cursor = _tail(data, t, cursor)
        values.append(value)
    return values, cursor


def _tail(data: bytes, t: str, at: int) -> tuple[Any, int]:
    """A dynamic value at ``at`` and where it ends."""
    if len(data) < at + 32:
        raise ValueError
    length = int.from_bytes(data[at : at + 32], "big")
    if t.endswith("[]"):
        if length > len(data):
            raise ValueError
        inner = t[:-2]
        items, end = _sequence(data, [(inner, _dynamic(inner))] * length, at + 32)
        return items, end
    padded = (length + 31) // 32 * 32
    body = data[at + 32 : at + 32 + padded]
    if len(body) != padded or any(body[length:]):
        raise ValueError
    value = body[:length]
    return (decode_text(value) if t == "string" else value), at + 32 + padded


__all__ = ["HistoryDecoder"]
