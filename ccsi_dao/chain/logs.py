"""Log reads over any block range, split to whatever range the provider accepts.

Public providers refuse ``eth_getLogs`` over too many blocks or with too many results, each in its own words
("block range too large", "query returned more than 10000 results", ...). :class:`LogFetcher` splits a refused range
in half until the provider answers, down to single blocks, and adapts its range size: it shrinks on refusal and
grows again, slowly, after each success. Blocks and other requests go through the same :class:`Transport`, with its
retries and JSON-RPC batches.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from web3 import Web3

from ccsi_dao.chain.transport import RETRY_POLICY, RequestRefused, RetryPolicy, Transport, range_refused
from ccsi_dao.errors import ChainError

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
                self.range = max(MIN_RANGE, (end - start + 1) // 2)
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
