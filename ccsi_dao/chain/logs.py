"""Log reads over any block range, split to whatever range the provider accepts.

Public providers refuse ``eth_getLogs`` over too many blocks or with too many results, each in its own words
("block range too large", "query returned more than 10000 results", ...). :class:`LogFetcher` splits a refused range
in half until the provider answers, down to single blocks, and adapts its range size: it shrinks on refusal and
grows again, slowly, after each success. Blocks and other requests go through the same :class:`Transport`, with its
retries and JSON-RPC batches.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

from web3 import Web3

from ccsi_dao.chain.transport import RETRY_POLICY, RequestRefused, RetryPolicy, Transport, range_refused
from ccsi_dao.errors import ChainError

_STATED_RANGE = (
    # "up to a 10 block range", "limited to 1,000 block range", "up to a 2K block range", "limited to a 10 range"
    re.compile(r"(?:max(?:imum)?|up to|limit(?:ed)? to)\s+(?:a\s+)?(\d[\d,]*)\s*(k?)\s*-?\s*(?:block|range)", re.I),
    # "max block range 10", "maximum block range: 5000", "block range limit (10)"
    re.compile(r"block range(?:\s+limit)?(?:\s+is|\s+of)?\s*[:=(]?\s*(\d[\d,]*)\s*(k?)\b", re.I),
)
_STATED_PAIR = re.compile(r"\[\s*(0x[0-9a-f]+)\s*,\s*(0x[0-9a-f]+)\s*\]", re.IGNORECASE)

DEFAULT_RANGE = 2_000
"""Blocks per ``eth_getLogs`` request to begin with."""
MIN_RANGE = 1


class LogFetcher:
    """``eth_getLogs`` over any range, and blocks, through one :class:`Transport` (its retries and batches).

    ``requests``, ``retries`` and ``splits`` count what it did, for reports.
    """

    def __init__(
        self,
        w3: Web3,
        *,
        max_range: int = DEFAULT_RANGE,
        sleep: Callable[[float], None] = time.sleep,
        policy: RetryPolicy = RETRY_POLICY,
    ) -> None:
        self.w3 = w3
        self.transport = Transport(w3, policy=policy, sleep=sleep)
        self.max_range = max(max_range, MIN_RANGE)
        self.range = self.max_range
        self.splits = 0

    @property
    def requests(self) -> int:
        return self.transport.requests

    @property
    def retries(self) -> int:
        return self.transport.retries

    def call(self, method: str, params: list[Any]) -> Any:
        """One JSON-RPC request (:meth:`Transport.request`)."""
        return self.transport.request(method, params)

    def call_many(self, calls: list[tuple[str, list[Any]]]) -> list[Any]:
        """Many JSON-RPC requests, in batches (:meth:`Transport.batch`)."""
        return self.transport.batch(calls)

    def logs(self, first: int, last: int, filter_: dict[str, Any]) -> list[dict[str, Any]]:
        """Every log in ``[first, last]`` matching ``filter_``, in as many requests as the provider needs."""
        out: list[dict[str, Any]] = []
        start = first
        while start <= last:
            end = min(last, start + self.range - 1)
            try:
                out.extend(self.call("eth_getLogs", [{**filter_, "fromBlock": hex(start), "toBlock": hex(end)}]))
            except RequestRefused as exc:
                if not range_refused(exc.method, exc.message):
                    raise
                if end == start:
                    raise ChainError(
                        f"the provider refuses eth_getLogs even for the single block {start}: {exc.message}"
                    ) from None
                self.splits += 1
                asked = end - start + 1
                stated = stated_range(exc.message)
                self.range = stated if stated is not None and stated < asked else max(MIN_RANGE, asked // 2)
                self.max_range = min(self.max_range, self.range) if stated is not None else self.max_range
                continue
            start = end + 1
            if self.range < self.max_range:  # grow back slowly after a success
                self.range = min(self.max_range, self.range + max(1, self.range // 4))
        return out

    def block(self, number: int | str) -> dict[str, Any] | None:
        """A block (without its transactions) by number or tag; None if the chain has none there."""
        tag = hex(number) if isinstance(number, int) else number
        block: dict[str, Any] | None = self.call("eth_getBlockByNumber", [tag, False])
        return block


def stated_range(message: str) -> int | None:
    """The widest block range a provider's refusal says it accepts ("max block range 10", "up to a 10 block range",
    "this block range should work: [0x1, 0xa]"), or None if it does not say."""
    pair = _STATED_PAIR.search(message)
    if pair:
        first, last = (int(x, 16) for x in pair.groups())
        if last >= first:
            return last - first + 1
    for pattern in _STATED_RANGE:
        found = pattern.search(message)
        if found:
            value = int(found.group(1).replace(",", "")) * (1000 if found.group(2) else 1)
            return value if value >= MIN_RANGE else None
    return None
