"""The index's consistency check: its rows against the chain's, each difference said so a person can see it.

:func:`compare_index` compares the index's logs and blocks with the chain's for the blocks both cover and lists every
difference: a log the index lacks, a log the chain does not have, a log whose fields differ (decoded, field by field,
each value shown around the place where the two differ), a block whose hash or time differs. :func:`check_index`
reads the chain's rows itself (the same ``eth_getLogs`` requests a sync makes) and compares. ``ccsi-dao log``
refuses to print an index that fails it; ``audit verify`` reports each difference as a FAIL.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from eth_abi import encode as abi_encode
from eth_utils import keccak

from ccsi_dao.abi.events import Decoded, EventDecoder
from ccsi_dao.chain.codec import text_bytes
from ccsi_dao.chain.logs import LogFetcher
from ccsi_dao.decisionlog.chambers import offers_options, voted_actions
from ccsi_dao.decisionlog.history import History, ProposalRecord
from ccsi_dao.decisionlog.store import DecisionIndex, RawLog
from ccsi_dao.decisionlog.sync import read_ahead
from ccsi_dao.governance.categories import CATEGORY_SHIFT, SANCTIONS_FLAG, categorize, sanctioned
from ccsi_dao.governance.decisions import CHOICE_FLAG, decode_options
from ccsi_dao.governance.deployment import DeploymentRecord
from ccsi_dao.safetext import for_terminal

_FIELDS = ("block_hash", "tx_hash", "tx_index", "address", "topics", "data")


@dataclass(frozen=True)
class Difference:
    """One way the index differs from the chain. ``what`` is "missing" (the chain has a log the index lacks),
    "extra" (the index has a log the chain does not), "altered" (a log's fields differ) or "block" (a block's hash
    or time differs); ``field`` names what differs, ``index_value`` and ``chain_value`` are the two values (None
    where one side has nothing); ``proposal`` is the number of the proposal the log is about, when it is about one.
    ``text`` says it all in a sentence, with the values shown where they differ."""

    what: str
    block: int
    log_index: int | None
    field: str | None
    index_value: str | None
    chain_value: str | None
    text: str
    proposal_id: int | None = None


def readable_diff(a: str, b: str, *, context: int = 16) -> tuple[str, str, int]:
    """Two long values shown where they differ: ``(a's excerpt, b's excerpt, offset of the first difference)``, each
    excerpt the same window (``context`` characters either side of the first difference, to the end of the last
    difference if it is near), with ``…`` where text was left out."""
    a, b = str(a), str(b)
    first = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))
    last_a, last_b = len(a), len(b)
    while last_a > first and last_b > first and a[last_a - 1] == b[last_b - 1]:
        last_a, last_b = last_a - 1, last_b - 1
    start = max(0, first - context)

    def excerpt(text: str, last: int) -> str:
        end = min(len(text), max(last, first + 1) + context)
        return ("…" if start > 0 else "") + text[start:end] + ("…" if end < len(text) else "")

    return excerpt(a, last_a), excerpt(b, last_b), first


def show_difference(
    name: str, index_value: Any, chain_value: Any, *, labels: tuple[str, str] = ("index", "chain")
) -> str:
    """``name``: the two values, in full when short, else around where they differ."""
    a, b = str(index_value), str(chain_value)
    if len(a) <= 48 and len(b) <= 48:
        return (
            f"{name}: {labels[0]} {for_terminal(a, single_line=True)}, {labels[1]} {for_terminal(b, single_line=True)}"
        )
    x, y, at = readable_diff(a, b)
    return (
        f"{name} differs from character {at}: {labels[0]} {for_terminal(x, single_line=True)}, "
        f"{labels[1]} {for_terminal(y, single_line=True)}"
    )


def compare_index(
    index: DecisionIndex, logs: list[RawLog], blocks: dict[int, tuple[str, int]], last: int
) -> list[Difference]:
    """The differences between the index and the chain's ``logs`` and ``blocks`` (``{block: (hash, time)}``), for
    the blocks up to ``last`` that the index covers."""
    covered = min(last, index.synced_to) if index.synced_to is not None else index.record.start_block - 1
    stored_texts = index.row_texts(to_block=covered)
    chain = {log.key(): log for log in logs if log.block_number <= covered}
    differing = {k for k, log in chain.items() if k in stored_texts and stored_texts[k] != log.text()}
    only_stored = stored_texts.keys() - chain.keys()
    stored = {k: RawLog.from_row(row) for k in differing | only_stored if (row := index.row(k)) is not None}
    decoder = EventDecoder(index.record.governor, index.record.membership, index.record.timelock)
    times = {n: t for n, (_, t) in blocks.items()}
    out: list[Difference] = []
    for key in sorted(chain.keys() - stored_texts.keys()):
        log = chain[key]
        out.append(
            Difference(
                "missing", key[0], key[1], None, None, log.data,
                f"the chain has a log the index lacks: block {key[0]} log {key[1]}: "
                f"{_describe(decoder, log, times.get(key[0], 0))} (tx {log.tx_hash})",
                _proposal_of(decoder, log),
            )
        )  # fmt: skip
    for key in sorted(only_stored):
        log = stored[key]
        out.append(
            Difference(
                "extra", key[0], key[1], None, log.data, None,
                f"the index has a log the chain does not: block {key[0]} log {key[1]}: "
                f"{_describe(decoder, log, times.get(key[0], 0))}",
                _proposal_of(decoder, log),
            )
        )  # fmt: skip
    for key in sorted(differing):
        a, b = stored[key], chain[key]
        fields = [f for f in _FIELDS if getattr(a, f) != getattr(b, f)]
        first = fields[0]
        decoded_a = decoder.decode(a, times.get(key[0], 0))
        decoded_b = decoder.decode(b, times.get(key[0], 0))
        words = _decoded_difference(decoded_a, decoded_b)
        raw = show_difference(first, getattr(a, first), getattr(b, first))
        out.append(
            Difference(
                "altered", key[0], key[1], first, str(getattr(a, first)), str(getattr(b, first)),
                f"block {key[0]} log {key[1]} differs from the chain in {', '.join(fields)}: "
                f"{_describe(decoder, b, times.get(key[0], 0))}; " + (f"{words}; " if words else "") + raw,
                _proposal_of(decoder, b),
            )
        )  # fmt: skip
    stored_blocks = index.blocks(to_block=covered)
    for n in sorted(set(stored_blocks) & set(blocks)):
        if stored_blocks[n] != blocks[n]:
            (ih, it), (ch, ct) = stored_blocks[n], blocks[n]
            parts = []
            if ih != ch:
                parts.append(show_difference("hash", ih, ch))
            if it != ct:
                parts.append(show_difference("time", it, ct))
            out.append(
                Difference(
                    "block", n, None, "hash" if ih != ch else "timestamp", f"{ih}:{it}", f"{ch}:{ct}",
                    f"block {n}: " + "; ".join(parts),
                )
            )  # fmt: skip
    return out


def _describe(decoder: EventDecoder, log: RawLog, timestamp: int) -> str:
    d = decoder.decode(log, timestamp)
    if d is None:
        return f"an undecodable log of {log.address}"
    args = ", ".join(
        f"{k} {_short(v)}" for k, v in d.args.items() if k not in ("targets", "values", "calldatas", "signatures")
    )
    return f"{d.contract} {d.event}({for_terminal(args, single_line=True)})"


def _decoded_difference(a: Decoded | None, b: Decoded | None) -> str:
    """The decoded arguments that differ, each with both values (index first)."""
    if a is None or b is None or a.event != b.event:
        if a is not None and b is not None:
            return f"event: index {a.event}, chain {b.event}"
        return ""
    parts = [
        show_difference(name, _short(a.args.get(name), 200), _short(b.args.get(name), 200))
        for name in b.args
        if a.args.get(name) != b.args.get(name)
    ]
    if b.event == "VoteCastWithParams" and a.args.get("params") != b.args.get("params"):
        chosen = [decode_options(bytes(x.args.get("params") or b"")) for x in (a, b)]
        shown = [", ".join(str(o + 1) for o in c) if c else "none" for c in chosen]
        parts.append(show_difference("options (numbered from 1)", shown[0], shown[1]))
    return "; ".join(parts)


def _short(value: Any, limit: int = 66) -> str:
    text = "0x" + value.hex() if isinstance(value, bytes) else str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _proposal_of(decoder: EventDecoder, log: RawLog) -> int | None:
    d = decoder.decode(log, 0)
    if d is not None and d.contract == "governor" and "proposalId" in d.args:
        return int(d.args["proposalId"])
    return None


def read_chain_rows(
    fetch: LogFetcher, record: DeploymentRecord, first: int, last: int
) -> tuple[list[RawLog], dict[int, tuple[str, int]]]:
    """The chain's rows for blocks ``[first, last]`` as the index would store them (read ahead in pieces:
    :func:`ccsi_dao.decisionlog.sync.read_ahead`)."""
    logs: list[RawLog] = []
    blocks: dict[int, tuple[str, int]] = {}
    for _, part_logs, part_blocks in read_ahead(fetch, record, first, last):
        logs += part_logs
        blocks.update(part_blocks)
    return logs, blocks


def proposal_id(record: DeploymentRecord, p: ProposalRecord) -> int:
    """The id the governor gives ``p``'s actions and description (``getProposalId``: OpenZeppelin's ``hashProposal``
    with the category in bits 255..254, the sanction flag in bit 253 and the choice flag in bit 252)."""
    encoded = abi_encode(
        ["address[]", "uint256[]", "bytes[]", "bytes32"],
        [
            [a.target for a in p.actions],
            [a.value for a in p.actions],
            [a.data for a in p.actions],
            keccak(text_bytes(p.description)),
        ],
    )
    digest = int.from_bytes(keccak(encoded), "big") & (CHOICE_FLAG - 1)
    judged = voted_actions(record.governor, p.actions)
    sanctions = any(sanctioned(record, a.target, a.value, a.data) for a in judged)
    choice = CHOICE_FLAG if offers_options(record.governor, p.actions) else 0
    category = int(categorize(record, judged)) << CATEGORY_SHIFT
    return digest | category | (SANCTIONS_FLAG if sanctions else 0) | choice


def self_check(history: History) -> list[str]:
    """What is inconsistent within a history, without asking the chain: a proposal whose id is not the one its
    actions and description give (an edited description or action), a vote on a proposal the history lacks."""
    problems = [
        f"proposal #{p.number}'s id is not the one its actions and description give ("
        + show_difference("id", p.id, proposal_id(history.record, p), labels=("logged", "computed"))
        + ")"
        for p in history.proposal_list()
        if proposal_id(history.record, p) != p.id
    ]
    problems += [
        f"block {d.log.block_number} log {d.log.log_index}: a vote on proposal {d.args['proposalId']}, which it lacks"
        for d in history.unknown_votes
    ]
    return problems


def check_index(index: DecisionIndex, fetch: LogFetcher, *, to_block: int | None = None) -> list[Difference]:
    """The differences between the index and the chain, for the blocks the index covers (up to ``to_block``):
    empty when every row is the chain's."""
    last = index.synced_to
    if last is None:
        return []
    if to_block is not None:
        last = min(last, to_block)
    logs, blocks = read_chain_rows(fetch, index.record, index.record.start_block, last)
    return compare_index(index, logs, blocks, last)


__all__ = [
    "Difference",
    "check_index",
    "compare_index",
    "proposal_id",
    "read_chain_rows",
    "readable_diff",
    "self_check",
    "show_difference",
]
