"""Keeping the local index in step with the chain, on real networks.

- **Confirmations.** Only blocks up to a *safe head* are indexed: ``latest - confirmations`` when a depth is
  given; otherwise the chain's ``finalized`` block where it has a sane one (above genesis, not above ``latest``),
  else ``latest - 12``; on a local devnet (chain id 31337/1337), which never reorganises by itself, ``latest``.
- **Atomic ranges.** Each block range is committed in one SQLite transaction together with the new sync tip
  (:meth:`~ccsi_dao.decisionlog.store.DecisionIndex.commit_range`), so a resumed sync loses nothing and counts
  nothing twice (rows are keyed by block number and log index as well).
- **Reorgs.** The hash of every block holding a log and of the sync tip is stored. Before syncing on, the tip's
  hash is compared with the chain's; on a mismatch the index walks back to the newest stored block whose hash
  still matches, deletes everything after it and re-reads from there. Each log's block hash is also checked
  against the block read for its timestamp, so a reorg during a sync is caught too.
- **Read ahead.** Each range is read in :data:`PIECES` pieces by one thread, the next piece while the last is being
  stored, so the node's time answering and the index's own work overlap.
- **Limited providers.** ``eth_getLogs`` ranges are split to what the provider accepts
  (:class:`ccsi_dao.chain.logs.LogFetcher`); transient failures are retried by the chain layer's one retry policy.
- **No receipts.** A relayed ballot is known from its ``VoteRelayed`` log (contracts v2), so only logs are read:
  the same three ``eth_getLogs`` filters per range (the suite's three addresses; ERC-20 transfers to and from the
  timelock), the timestamp of each log's block from the log itself (``blockTimestamp``, which current nodes send;
  where a provider does not, the blocks holding logs are read in JSON-RPC batches), and the range's last block, read
  before and after the logs, so a reorg during the read is caught.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from web3 import Web3

from ccsi_dao.abi.events import TRANSFER_TOPIC
from ccsi_dao.chain.logs import DEFAULT_RANGE, LogFetcher
from ccsi_dao.decisionlog.store import DecisionIndex, RawLog, Reorged
from ccsi_dao.errors import ChainError
from ccsi_dao.governance.deployment import DeploymentRecord

DEVNET_CHAIN_IDS = {31337, 1337}
DEFAULT_CONFIRMATIONS = 12
"""Depth used on chains without a sane ``finalized`` block."""

ProgressFn = Callable[[int, int, int], None]
"""``(synced_to, target, first_block)`` after each committed range."""


@dataclass(frozen=True)
class SyncResult:
    first_block: int
    synced_to: int
    target: int
    new_logs: int
    reorgs: int
    requests: int
    seconds: float


def topic_of(address: str) -> str:
    """An address as a log topic."""
    return "0x" + "00" * 12 + address.lower().removeprefix("0x")


def sync(
    index: DecisionIndex,
    w3: Web3,
    *,
    confirmations: int | None = None,
    max_range: int | None = None,
    progress: ProgressFn | None = None,
    fetcher: LogFetcher | None = None,
    to_block: int | None = None,
    chain_id: int | None = None,
) -> SyncResult:
    """Bring ``index`` up to the chain's safe head (see the module notes); return what was done. ``chain_id``: the
    chain's id where the caller has checked it already (else it is asked)."""
    started = time.monotonic()
    record = index.record
    fetch = fetcher or LogFetcher(w3, max_range=max_range or DEFAULT_RANGE)
    if chain_id is None:
        chain_id = int(fetch.call("eth_chainId", []), 16)
    if chain_id != record.chain_id:
        raise ChainError(f"the chain has chain id {chain_id}, but the deployment is on chain {record.chain_id}")
    reorgs = 0
    new_logs = 0
    first = record.start_block
    for _ in range(100):  # a chain that reorgs under us 100 times in one sync is not one to index
        target = safe_head(record, fetch, confirmations)
        if to_block is not None:
            target = min(target, to_block)
        if _repair_reorg(index, fetch):
            reorgs += 1
        start = (index.synced_to + 1) if index.synced_to is not None else first
        try:
            for end, raw, blocks in read_ahead(fetch, record, start, target):
                index.commit_range(start, end, raw, blocks)
                new_logs += len(raw)
                start = end + 1
                if progress is not None:
                    progress(end, target, first)
        except Reorged:
            reorgs += 1
            continue
        return SyncResult(
            first,
            index.synced_to if index.synced_to is not None else first - 1,
            target,
            new_logs,
            reorgs,
            fetch.requests,
            time.monotonic() - started,
        )
    raise ChainError("the chain kept reorganising during the sync; try again later")


PIECES = 8
"""Each ``eth_getLogs`` range is read and stored in this many pieces, the next read while the last is stored."""


def read_ahead(
    fetch: LogFetcher, record: DeploymentRecord, start: int, target: int
) -> Iterator[tuple[int, list[RawLog], dict[int, tuple[str, int]]]]:
    """``(end, logs, blocks)`` of consecutive pieces of ``[start, target]``, in order (:func:`read_range`). One
    thread reads the next piece while the caller stores the last: the node's time answering overlaps the index's own
    work, instead of adding to it. Only that thread uses ``fetch`` meanwhile; an error of a read is raised here."""
    if start > target:
        return
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="ccsi-dao-sync") as reader:

        def submit(first: int) -> tuple[int, Future[tuple[list[RawLog], dict[int, tuple[str, int]]]]]:
            end = min(target, first + max(1, fetch.range // PIECES) - 1)
            return end, reader.submit(read_range, fetch, record, first, end)

        end, pending = submit(start)
        while True:
            raw, blocks = pending.result()
            done = end
            if done < target:
                end, pending = submit(done + 1)
            yield done, raw, blocks
            if done >= target:
                return


def safe_head(record: DeploymentRecord, fetch: LogFetcher, confirmations: int | None) -> int:
    """The newest block the index may trust (see the module notes)."""
    latest = int(fetch.block("latest")["number"], 16)  # type: ignore[index]
    if confirmations is not None:
        return max(latest - confirmations, 0)
    if record.chain_id in DEVNET_CHAIN_IDS:
        return latest  # a local devnet never reorganises by itself; a forced reorg is still repaired
    try:
        finalized = fetch.block("finalized")
    except ChainError:
        finalized = None
    if finalized is not None:
        number = int(finalized["number"], 16)
        if 0 < number <= latest:  # a chain whose "finalized" is always genesis has no real finality
            return number
    return max(latest - DEFAULT_CONFIRMATIONS, 0)


def _repair_reorg(index: DecisionIndex, fetch: LogFetcher) -> bool:
    """If the chain no longer holds the tip, cut the index back to the newest stored block it still holds."""
    tip = index.synced_to
    if tip is None:
        return False
    block = fetch.block(tip)
    if block is not None and block["hash"].lower() == index.tip_hash:
        return False
    keep = index.record.start_block - 1
    for number, stored in sorted(index.block_hashes().items(), reverse=True):
        if number >= tip:
            continue
        block = fetch.block(number)
        if block is not None and block["hash"].lower() == stored:
            keep = number
            break
    index.cut_back(keep)
    return True


def log_queries(record: DeploymentRecord) -> list[dict[str, Any]]:
    """The three ``eth_getLogs`` filters of a deployment: the suite's three addresses, and ERC-20 transfers to and
    from the timelock (the treasury's tokens)."""
    transfer = "0x" + TRANSFER_TOPIC.hex()
    return [
        {"address": [record.governor.lower(), record.membership.lower(), record.timelock.lower()]},
        {"topics": [transfer, None, topic_of(record.timelock)]},
        {"topics": [transfer, topic_of(record.timelock)]},
    ]


def read_logs(fetch: LogFetcher, record: DeploymentRecord, start: int, end: int) -> tuple[list[RawLog], dict[int, int]]:
    """The deployment's logs in blocks ``[start, end]`` in chain order, and ``{block: timestamp}`` where the provider
    sent each log's ``blockTimestamp``. Raises Reorged on a removed log or a block seen with two hashes."""
    raw: dict[tuple[int, int], RawLog] = {}
    times: dict[int, int] = {}
    hashes: dict[int, str] = {}
    transfer = "0x" + TRANSFER_TOPIC.hex()
    suite = _suite(record)
    for query in log_queries(record):
        for item in fetch.logs(start, end, query):
            if item.get("removed"):
                raise Reorged("a removed log")
            log = RawLog.from_rpc(item)
            topics = log.topics
            not_erc20 = topics and topics[0] == transfer and (len(topics) != 3 or len(log.data) != 66)
            if not_erc20 and log.address not in suite:
                continue  # ERC-721 and other non-ERC-20 Transfer events
            number = log.block_number
            if hashes.setdefault(number, log.block_hash) != log.block_hash:
                raise Reorged(f"block {number} changed during the read")
            stamp = item.get("blockTimestamp")
            if stamp is not None and number not in times:
                times[number] = int(stamp, 16) if isinstance(stamp, str) else int(stamp)
            raw[(number, log.log_index)] = log
    return [raw[k] for k in sorted(raw)], times


def _suite(record: DeploymentRecord) -> tuple[str, str, str]:
    return (record.governor.lower(), record.membership.lower(), record.timelock.lower())


def read_range(
    fetch: LogFetcher, record: DeploymentRecord, start: int, end: int
) -> tuple[list[RawLog], dict[int, tuple[str, int]]]:
    """Everything the index keeps about blocks ``[start, end]``, read from the chain: the suite's logs and the
    timelock's ERC-20 transfers in chain order, and ``{block: (hash, timestamp)}`` for their blocks and ``end``.
    Raises Reorged if the chain changed meanwhile."""
    tip = fetch.block(end)
    if tip is None:
        raise Reorged(f"block {end} vanished")
    raw, times = read_logs(fetch, record, start, end)
    blocks: dict[int, tuple[str, int]] = {}
    for log in raw:
        if log.block_number in times:
            blocks[log.block_number] = (log.block_hash, times[log.block_number])
    missing = sorted({log.block_number for log in raw} - set(blocks))
    for number, block in zip(
        missing, fetch.call_many([("eth_getBlockByNumber", [hex(n), False]) for n in missing]), strict=True
    ):  # a provider that does not send blockTimestamp with its logs
        if block is None:
            raise Reorged(f"block {number} vanished")
        blocks[number] = (block["hash"].lower(), int(block["timestamp"], 16))
    for log in raw:
        if blocks[log.block_number][0] != log.block_hash:
            raise Reorged(f"block {log.block_number} changed during the read")
    again = fetch.block(end) if raw else tip
    if again is None or again["hash"].lower() != tip["hash"].lower():
        raise Reorged(f"block {end} changed during the read")
    blocks[end] = (tip["hash"].lower(), int(tip["timestamp"], 16))
    if end in times and blocks[end][1] != times[end]:
        raise Reorged(f"block {end} changed during the read")  # pragma: no cover - a log and its block disagree
    return raw, blocks
