"""The direct event decoder gives, for every event of the suite, what web3's own event decoding gives."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from eth_abi import encode
from web3 import Web3
from web3._utils.events import get_event_data  # the reference, in a test only

from ccsi_dao.abi.artifacts import abi_type, load_artifact
from ccsi_dao.abi.events import EventDecoder, event_topic
from ccsi_dao.chain.codec import ChainText, text_bytes, web3_codec
from ccsi_dao.decisionlog.decode import HistoryDecoder
from ccsi_dao.decisionlog.store import RawLog
from ccsi_dao.governance.deployment import SUITE

ADDRESSES = {
    "ConsortiumGovernor": "0x5FbDB2315678afecb367f032d93F642f64180aa3",
    "ConsortiumMembership": "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512",
    "ConsortiumTimelock": "0x9fE46736679d2D9a65F0992F2272dE9f3c7fa6e0",
}


def _sample(t: str, item: dict[str, Any], n: int) -> Any:
    """A value of ABI type ``t`` (tuples spelled out by ``item``'s components)."""
    if t.endswith("]"):
        inner = t[: t.rindex("[")]
        size = t[t.rindex("[") + 1 : -1]
        return [_sample(inner, item, n + i) for i in range(int(size) if size else 2)]
    if t.startswith("("):
        return tuple(_sample(abi_type(c), c, n + i) for i, c in enumerate(item["components"]))
    if t == "address":
        return Web3.to_checksum_address(f"0x{n + 1:040x}")
    if t == "bool":
        return n % 2 == 1
    if t == "string":
        return f"text {n}"
    if t == "bytes":
        return bytes([n % 256]) * 3
    if t.startswith("bytes"):
        return bytes([n % 256]) * int(t[5:])
    if t.startswith(("uint", "int")):
        return n + 7
    raise AssertionError(t)


def _events() -> list[tuple[str, dict[str, Any]]]:
    return [(name, item) for name in SUITE for item in load_artifact(name).abi if item["type"] == "event"]


@pytest.mark.parametrize(("contract", "event"), _events(), ids=lambda v: v if isinstance(v, str) else v["name"])
def test_direct_decoder_matches_web3(contract: str, event: dict[str, Any]) -> None:
    address = ADDRESSES[contract]
    values = {i["name"]: _sample(abi_type(i), i, n) for n, i in enumerate(event["inputs"])}
    indexed = [i for i in event["inputs"] if i.get("indexed")]
    data_inputs = [i for i in event["inputs"] if not i.get("indexed")]
    topics = ["0x" + event_topic(event).hex()]
    topics += ["0x" + encode([abi_type(i)], [values[i["name"]]]).hex() for i in indexed]
    data = "0x" + encode([abi_type(i) for i in data_inputs], [values[i["name"]] for i in data_inputs]).hex()
    log = RawLog(7, 0, "0x" + "ab" * 32, "0x" + "cd" * 32, 0, address.lower(), tuple(topics), data)

    decoded = EventDecoder(*ADDRESSES.values()).decode(log, 1_700_000_000)

    reference = get_event_data(
        Web3().codec,
        event,
        {"address": address, "topics": [bytes.fromhex(t[2:]) for t in topics], "data": bytes.fromhex(data[2:]),
         "blockNumber": 7, "logIndex": 0, "transactionHash": b"\xcd" * 32, "transactionIndex": 0,
         "blockHash": b"\xab" * 32},
    )  # fmt: skip
    assert decoded is not None and decoded.event == event["name"] == reference["event"]
    assert decoded.args == _plain(dict(reference["args"]))


def test_a_log_of_another_shape_is_not_decoded() -> None:
    contract, event = next((c, e) for c, e in _events() if e["name"] == "ProposalCanceled")
    topic = "0x" + event_topic(event).hex()
    log = RawLog(7, 0, "0x" + "ab" * 32, "0x" + "cd" * 32, 0, ADDRESSES[contract].lower(), (topic,), "0x1234")
    assert EventDecoder(*ADDRESSES.values()).decode(log, 0) is None


@pytest.mark.parametrize(
    "raw",
    [b"\xff", b"reason \xc3(", b"\xed\xa0\x80 surrogate", b"ok \x80\x1b[2J", "plain ščž".encode()],
    ids=["lone-ff", "truncated", "surrogate", "continuation-and-escape", "valid"],
)
def test_text_that_is_not_utf8_is_decoded_alike_by_every_decoder(raw: bytes) -> None:
    """A string that is not UTF-8 does not make its log undecodable (the vote would drop out of the history): the
    event decoder, the word-by-word decoder and web3's codec of a connection all give the same text, each invalid
    byte a visible escape, with the exact bytes kept for hashing; valid text stays a plain ``str``."""
    vote = next(e for c, e in _events() if c == "ConsortiumGovernor" and e["name"] == "VoteCast")
    voter = "0x" + "00" * 12 + "11" * 20
    topics = ("0x" + event_topic(vote).hex(), voter)
    data = "0x" + encode(["uint256", "uint8", "uint256", "bytes"], [5, 1, 3, raw]).hex()  # bytes: as string's
    log = RawLog(7, 0, "0x" + "ab" * 32, "0x" + "cd" * 32, 0, ADDRESSES["ConsortiumGovernor"].lower(), topics, data)

    general = EventDecoder(*ADDRESSES.values()).decode(log, 0)
    fast = HistoryDecoder(*ADDRESSES.values()).decode(log, 0)
    reference = get_event_data(
        web3_codec(),
        vote,
        {"address": ADDRESSES["ConsortiumGovernor"], "topics": [bytes.fromhex(t[2:]) for t in topics],
         "data": bytes.fromhex(data[2:]), "blockNumber": 7, "logIndex": 0, "transactionHash": b"\xcd" * 32,
         "transactionIndex": 0, "blockHash": b"\xab" * 32},
    )["args"]["reason"]  # fmt: skip
    assert general is not None and fast is not None
    assert general.args == fast.args and general.args["weight"] == 3
    expected = raw.decode("utf-8", errors="backslashreplace")
    for reason in (general.args["reason"], fast.args["reason"], reference):
        assert reason == expected and text_bytes(reason) == raw
        assert type(reason) is (str if expected.encode() == raw else ChainText)
    assert text_bytes(copy.deepcopy(general.args["reason"])) == raw


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return tuple(_plain(v) for v in value)
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value
