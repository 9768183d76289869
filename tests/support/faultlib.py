"""Helpers of the load, fault, file and bad-input tests: an anvil with many funded accounts, fast test keystores,
the real CLI in subprocesses, a hash of every file under a ccsi-dao home, and a fault-injecting JSON-RPC proxy."""

from __future__ import annotations

import hashlib
import json
import os
import random
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from eth_account import Account
from eth_account.signers.local import LocalAccount

from tests.support.anvil import dev_accounts, start_anvil  # noqa: F401 - dev_accounts: one import for the fault tests

CLI = str(Path(sys.executable).with_name("ccsi-dao"))
PASSWORD = "fault-test-password"


def launch_anvil(*extra: str, accounts: int = 20) -> tuple[subprocess.Popen, str]:
    """An anvil on a free loopback port with ``accounts`` funded dev accounts; returns it once it answers."""
    return start_anvil(*extra, accounts=accounts)


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)


def rpc(url: str, method: str, *params: Any, timeout: float = 5.0) -> Any:
    """One JSON-RPC call straight to a node (never through the proxy); raises on an error answer."""
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": list(params)}).encode()
    request = urllib.request.Request(url, body, {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        answer = json.loads(response.read())
    if "error" in answer:
        raise RuntimeError(f"{method}: {answer['error']}")
    return answer["result"]


def advance(url: str, seconds: int) -> None:
    rpc(url, "evm_increaseTime", seconds)
    rpc(url, "evm_mine")


def nonce(url: str, address: str) -> int:
    return int(rpc(url, "eth_getTransactionCount", address, "latest"), 16)


def block_number(url: str) -> int:
    return int(rpc(url, "eth_blockNumber"), 16)


def write_keystore(home: Path, alias: str, account: LocalAccount, password: str = PASSWORD) -> Path:
    """A fast (scrypt n=2**10) keystore ``<home>/keystores/<alias>.json``, mode 0600, recording its address."""
    folder = home / "keystores"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    keyfile = Account.encrypt(account.key, password, kdf="scrypt", iterations=2**10)
    path = folder / f"{alias}.json"
    path.write_text(json.dumps(keyfile))
    path.chmod(0o600)
    return path


def cli_env(home: Path, url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CCSI_DAO_")}
    env.update(CCSI_DAO_HOME=str(home), CCSI_DAO_RPC_URL=url, CCSI_DAO_PASSWORD=PASSWORD, CI="1", **extra)
    return env


def ccsi(env: dict[str, str], *args: str, timeout: float = 60, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """Run the real ``ccsi-dao`` command."""
    return subprocess.run(
        [CLI, *args], env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=timeout, cwd=cwd
    )


def assert_clean_error(result: Any, codes: tuple[int, ...] = (2,)) -> str:
    """A failed command (a CompletedProcess, or anything with ``returncode`` and ``stderr``): an expected exit
    code, no traceback, and either one ``error: ...`` line (an agreement's problems may follow, indented, one per
    line) or click's usage error. Returns the message as one line, for matching."""
    output = result.stderr or ""
    assert result.returncode in codes, (result.returncode, codes, output, getattr(result, "stdout", ""))
    assert "Traceback" not in output, output
    lines = [line for line in output.splitlines() if line.strip()]
    assert lines, "no error message at all"
    if lines[0].startswith("error:"):
        assert all(line.startswith("  ") for line in lines[1:]), output  # only an agreement's list of problems
        return " ".join(line.strip() for line in lines)
    # click's usage error: "Usage: ...", "Try ... --help", then the error (typer draws a box around it)
    assert lines[0].startswith("Usage:") and any("Error" in line for line in lines), output
    text = " ".join(
        line.strip(" │╭╮╰╯─") for line in lines[lines.index(next(line for line in lines if "Error" in line)) :]
    )
    return " ".join(text.split())


def hash_tree(folder: Path) -> dict[str, str]:
    """sha256 (and mode) of every file under ``folder``, by relative path; also lists empty directories."""
    found: dict[str, str] = {}
    if not folder.exists():
        return found
    for path in sorted(folder.rglob("*")):
        rel = str(path.relative_to(folder))
        if path.is_dir():
            found[rel + "/"] = "dir"
        elif path.is_file():
            found[rel] = f"{hashlib.sha256(path.read_bytes()).hexdigest()} {oct(path.stat().st_mode & 0o777)}"
    return found


# ---------------------------------------------------------------------------------------------- fault proxy

Decide = Callable[[str, int, random.Random], str]
"""(JSON-RPC method, request number, rng) -> "pass", "delay", "drop", "drop_after", "http502" or "rpc_error"."""


def share_of_faults(share: float, kinds: tuple[str, ...] = ("delay", "drop", "http502", "rpc_error")) -> Decide:
    """Fault ``share`` of all requests, the kind chosen at random from ``kinds``."""

    def decide(method: str, number: int, rng: random.Random) -> str:
        return rng.choice(kinds) if rng.random() < share else "pass"

    return decide


class FaultProxy:
    """A loopback JSON-RPC proxy in front of a node that delays, drops or errors requests as ``decide`` says.

    - ``delay``: answers after 0.02-0.25 s;
    - ``drop``: closes the connection without answering, before forwarding;
    - ``drop_after``: forwards the request to the node, then closes the connection without passing the answer on
      (the worst case for a send: the node acted, the client cannot know);
    - ``http502``: answers HTTP 502 Bad Gateway;
    - ``rpc_error``: answers JSON-RPC error -32000 "temporarily unavailable".
    Bounded: a daemon thread per request, and it shuts itself down after ``lifetime`` seconds at the latest.
    """

    def __init__(self, upstream: str, decide: Decide, *, seed: int = 5, lifetime: float = 300.0) -> None:
        self.upstream = upstream
        self.decide = decide
        self.rng = random.Random(seed)
        self.lock = threading.Lock()
        self.count = 0
        self.faults: Counter[str] = Counter()
        self.methods: Counter[str] = Counter()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                try:
                    method = str(json.loads(body).get("method", "?"))
                except (ValueError, AttributeError):
                    method = "?"
                with proxy.lock:
                    proxy.count += 1
                    number = proxy.count
                    kind = proxy.decide(method, number, proxy.rng)
                    delay = proxy.rng.uniform(0.02, 0.25)
                    proxy.methods[method] += 1
                    if kind != "pass":
                        proxy.faults[kind] += 1
                if kind == "drop":
                    self.close_connection = True
                    return
                if kind == "http502":
                    self._answer(502, b"<html>502 Bad Gateway</html>", "text/html")
                    return
                if kind == "rpc_error":
                    request_id = json.loads(body).get("id") if body else None
                    error = {"code": -32000, "message": "temporarily unavailable, try again"}
                    self._answer(200, json.dumps({"jsonrpc": "2.0", "id": request_id, "error": error}).encode())
                    return
                if kind == "delay":
                    time.sleep(delay)
                request = urllib.request.Request(proxy.upstream, body, {"Content-Type": "application/json"})
                try:
                    with urllib.request.urlopen(request, timeout=30) as response:
                        answer = response.read()
                except OSError:
                    self.close_connection = True
                    return
                if kind == "drop_after":
                    self.close_connection = True
                    return
                self._answer(200, answer)

            def _answer(self, status: int, data: bytes, content_type: str = "application/json") -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._timer = threading.Timer(lifetime, self.close)
        self._timer.daemon = True

    def __enter__(self) -> FaultProxy:
        self._thread.start()
        self._timer.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def close(self) -> None:
        self._timer.cancel()
        if self._thread.is_alive():
            self.server.shutdown()
        self.server.server_close()


def closed_port() -> str:
    """The URL of a loopback port nobody listens on."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"
