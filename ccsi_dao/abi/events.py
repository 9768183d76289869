"""The direct event decoder: the suite's logs and ERC-20 transfers decoded against the committed ABIs.

Each event's decoders are built once from the ABI (eth-abi's strict decoders, the ones web3 uses); a log is then
decoded with them directly, without web3's per-log formatting, which costs several times as much on a long history.
Arguments come out as web3 gives them: addresses checksummed, arrays as lists, structs as dicts by field name. A
string that is not valid UTF-8 (a hostile voter's reason) does not make its log undecodable: it comes out as a
:class:`~ccsi_dao.chain.codec.ChainText`, each invalid byte a visible escape and the bytes kept
(:mod:`ccsi_dao.chain.codec`, the rules every decoder of the library follows).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Protocol

from eth_abi.decoding import ContextFramesBytesIO, TupleDecoder
from eth_utils import keccak, to_checksum_address

from ccsi_dao.abi.artifacts import abi_type, load_artifact
from ccsi_dao.chain.codec import REGISTRY as abi_registry

TRANSFER_TOPIC = keccak(text="Transfer(address,address,uint256)")
_TRANSFER_ABI: dict[str, Any] = {
    "type": "event",
    "name": "Transfer",
    "anonymous": False,
    "inputs": [
        {"name": "from", "type": "address", "indexed": True},
        {"name": "to", "type": "address", "indexed": True},
        {"name": "value", "type": "uint256", "indexed": False},
    ],
}
_HASHED = ("string", "bytes")  # indexed as their hash
_frames: Callable[[bytes], Any] = ContextFramesBytesIO  # eth-abi's decoding classes are untyped
_tuple_decoder: Callable[..., Any] = TupleDecoder


class RawLog(Protocol):
    """A log as read from the chain or the index (hex strings, lower case), e.g.
    :class:`ccsi_dao.decisionlog.store.RawLog`."""

    @property
    def block_number(self) -> int: ...
    @property
    def log_index(self) -> int: ...
    @property
    def block_hash(self) -> str: ...
    @property
    def tx_hash(self) -> str: ...
    @property
    def tx_index(self) -> int: ...
    @property
    def address(self) -> str: ...
    @property
    def topics(self) -> tuple[str, ...]: ...
    @property
    def data(self) -> str: ...


@dataclass(frozen=True)
class Decoded:
    """One log, decoded: which contract, which event, its arguments, its block's time."""

    log: RawLog
    contract: str  # governor, membership, timelock, token
    event: str
    args: dict[str, Any]
    timestamp: int


@dataclass(frozen=True)
class _Plan:
    """How to decode one event: its indexed inputs (name, ABI item, decoder or None for a hash) and its data."""

    indexed: tuple[tuple[str, dict[str, Any], Any], ...]
    data: tuple[dict[str, Any], ...]
    data_decoder: Any


class EventDecoder:
    """Decodes the suite's logs (governor, membership registry, timelock) and ERC-20 transfers."""

    def __init__(self, governor: str, membership: str, timelock: str) -> None:
        self._by_contract: dict[str, dict[str, dict[str, Any]]] = {}
        for name, address in (
            ("ConsortiumGovernor", governor),
            ("ConsortiumMembership", membership),
            ("ConsortiumTimelock", timelock),
        ):
            table = {}
            for item in load_artifact(name).abi:
                if item["type"] == "event" and not item.get("anonymous"):
                    table["0x" + event_topic(item).hex()] = item
            self._by_contract[address.lower()] = table
        self._plans: dict[int, _Plan] = {}
        self._names = {governor.lower(): "governor", membership.lower(): "membership", timelock.lower(): "timelock"}

    def decode(self, log: RawLog, timestamp: int) -> Decoded | None:
        """The decoded log, or None for a log this decoder does not know or whose shape does not match its ABI."""
        if log.topics and log.topics[0] == "0x" + TRANSFER_TOPIC.hex() and log.address not in self._names:
            abi, contract = _TRANSFER_ABI, "token"
        else:
            found = self._by_contract.get(log.address, {}).get(log.topics[0] if log.topics else "")
            if found is None:
                return None
            abi, contract = found, self._names.get(log.address, "")
        key = id(abi)  # the ABI items live as long as the decoder (in its tables, or module-level)
        if key not in self._plans:
            self._plans[key] = _plan(abi)
        args = _decode(self._plans[key], log)
        return None if args is None else Decoded(log, contract, abi["name"], args, timestamp)


def event_topic(item: dict[str, Any]) -> bytes:
    """The topic of an event ABI item: the keccak of its signature."""
    return keccak(text=f"{item['name']}({','.join(abi_type(i) for i in item['inputs'])})")


def _plan(abi: dict[str, Any]) -> _Plan:
    indexed = []
    for item in (i for i in abi["inputs"] if i.get("indexed")):
        t = abi_type(item)
        hashed = t in _HASHED or t.endswith("]") or t.startswith("(")
        decoder = None if hashed else _tuple_decoder(decoders=[abi_registry.get_decoder(t, strict=True)])
        indexed.append((item["name"], item, decoder))
    data = tuple(i for i in abi["inputs"] if not i.get("indexed"))
    decoder = _tuple_decoder(decoders=[abi_registry.get_decoder(abi_type(i), strict=True) for i in data])
    return _Plan(tuple(indexed), data, decoder)


def _decode(plan: _Plan, log: RawLog) -> dict[str, Any] | None:
    """Topic arguments first, then data arguments; None for a log whose shape does not match the ABI."""
    if len(log.topics) != 1 + len(plan.indexed):
        return None
    try:
        args: dict[str, Any] = {}
        for (name, item, decoder), topic in zip(plan.indexed, log.topics[1:], strict=True):
            raw = bytes.fromhex(topic[2:])
            args[name] = raw if decoder is None else _returned(item, decoder(_frames(raw))[0])
        values = plan.data_decoder(_frames(bytes.fromhex(log.data[2:])))
    except Exception:  # noqa: BLE001 - a log whose shape does not match the ABI: not ours to interpret
        return None
    for item, value in zip(plan.data, values, strict=True):
        args[item["name"]] = _returned(item, value)
    return args


@lru_cache(maxsize=65_536)
def checksum(address: str) -> str:
    """The checksummed form of an address (cached: a history names the same members again and again)."""
    return to_checksum_address(address)


def _returned(item: dict[str, Any], value: Any) -> Any:
    """A decoded value as web3 returns it: addresses checksummed, arrays as lists, structs as dicts by field name."""
    t = item["type"]
    if t.endswith("]"):
        inner = {**item, "type": t[: t.rindex("[")]}
        return [_returned(inner, v) for v in value]
    if t == "tuple":
        return {c["name"]: _returned(c, v) for c, v in zip(item["components"], value, strict=True)}
    if t == "address":
        return checksum(value)
    return value
