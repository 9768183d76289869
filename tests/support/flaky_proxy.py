"""A loopback JSON-RPC proxy that behaves like a limited, unreliable provider.

It refuses ``eth_getLogs`` over more than ``max_range`` blocks (alternating the two error messages public providers
use), and fails a share of all requests: HTTP 502, a dropped connection, or an answer slower than the client's
timeout. It answers the methods in ``lacks`` as a provider that does not have them (geth's -32601), and with
``no_log_timestamps`` sends logs without their ``blockTimestamp`` (as providers older than the field do). Bounded: 127.0.0.1 only, at most ``max_requests`` requests, daemon threads, stopped by :meth:`close`.
"""

from __future__ import annotations

import contextlib
import json
import random
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class FlakyProxy:
    def __init__(
        self,
        upstream: str,
        *,
        max_range: int = 7,
        failure_share: float = 0.2,
        slow_share: float = 0.03,
        slow_seconds: float = 0.6,
        seed: int = 4,
        max_requests: int = 20_000,
        lacks: frozenset[str] = frozenset(),
        no_log_timestamps: bool = False,
    ) -> None:
        self.upstream = upstream
        self.lacks = lacks
        self.no_log_timestamps = no_log_timestamps
        self.max_range = max_range
        self.failure_share = failure_share
        self.slow_share = slow_share
        self.slow_seconds = slow_seconds
        self.random = random.Random(seed)
        self.max_requests = max_requests
        self.counts: dict[str, int] = {
            "requests": 0,
            "refused_range": 0,
            "502": 0,
            "dropped": 0,
            "slow": 0,
            "lacked": 0,
            "stripped": 0,
        }
        self._lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                proxy.handle(self, body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def _roll(self) -> str:
        with self._lock:
            self.counts["requests"] += 1
            if self.counts["requests"] > self.max_requests:
                return "502"
            x = self.random.random()
        if x < self.failure_share * 0.6:
            return "502"
        if x < self.failure_share:
            return "dropped"
        if x < self.failure_share + self.slow_share:
            return "slow"
        return "ok"

    def handle(self, handler: BaseHTTPRequestHandler, body: bytes) -> None:
        fate = self._roll()
        if fate == "502":
            self._count("502")
            handler.send_response(502)
            handler.send_header("Content-Length", "11")
            handler.end_headers()
            handler.wfile.write(b"bad gateway")
            return
        if fate == "dropped":
            self._count("dropped")
            handler.close_connection = True
            handler.connection.close()
            return
        request = json.loads(body)
        if request.get("method") in self.lacks:
            self._count("lacked")
            message = f"the method {request['method']} does not exist/is not available"
            self._reply(
                handler, {"jsonrpc": "2.0", "id": request.get("id"), "error": {"code": -32601, "message": message}}
            )
            return
        if request.get("method") == "eth_getLogs":
            f = request["params"][0]
            span = int(f["toBlock"], 16) - int(f["fromBlock"], 16) + 1
            if span > self.max_range:
                self._count("refused_range")
                message = (
                    "query returned more than 10000 results"
                    if self.counts["refused_range"] % 2
                    else f"block range too large: max {self.max_range} blocks"
                )
                self._reply(
                    handler, {"jsonrpc": "2.0", "id": request.get("id"), "error": {"code": -32005, "message": message}}
                )
                return
        if fate == "slow":
            self._count("slow")
            time.sleep(self.slow_seconds)
        upstream = urllib.request.Request(self.upstream, data=body, headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(upstream, timeout=10) as response:  # noqa: S310 - loopback anvil
            data = response.read()
        if self.no_log_timestamps and isinstance(request, dict) and request.get("method") == "eth_getLogs":
            answer = json.loads(data)
            for log in answer.get("result") or []:
                if log.pop("blockTimestamp", None) is not None:
                    self._count("stripped")
            data = json.dumps(answer).encode()
        with contextlib.suppress(OSError):  # the client gave up (a slow answer): nothing to do
            self._raw(handler, data)

    def _count(self, key: str) -> None:
        with self._lock:
            self.counts[key] += 1

    def _reply(self, handler: BaseHTTPRequestHandler, payload: dict[str, Any]) -> None:
        self._raw(handler, json.dumps(payload).encode())

    @staticmethod
    def _raw(handler: BaseHTTPRequestHandler, data: bytes) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
