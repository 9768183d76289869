"""The local devnet: anvil running in the background on 127.0.0.1, with its chain kept across restarts.

The chain lives in ``<state dir>/state.json`` (default ``$CCSI_DAO_HOME/devnet``), which anvil rewrites every
second and on a graceful stop, so contracts, balances and even a kill -9 survive up to the last second. anvil
does not save the offset that ``evm_increaseTime`` adds to its clock; :class:`Devnet` saves it (on
:meth:`Devnet.advance` and :meth:`Devnet.stop`) and restores it on start, and never lets a restarted chain's
clock fall behind its latest block. Only JSON-RPC over ``urllib`` is used (:mod:`ccsi_dao.chain.jsonrpc`), so
importing this module is cheap.
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ccsi_dao.chain.jsonrpc import rpc
from ccsi_dao.durations import parse_duration
from ccsi_dao.errors import ChainError, ConfigError, UserError
from ccsi_dao.fileio import ccsi_home, write_atomic

DEFAULT_PORT = 8545
DEVNET_CHAIN_ID = 31337
DEV_CHAIN_IDS = (31337, 31338)
"""Chain ids of development nodes (anvil's, Hardhat's and ccsi-dao's devnet: 31337; the Hardhat 3 node of the
tests, ``tools/nodes``: 31338): only on them does ccsi-dao move time."""
DEV_CLIENTS = ("anvil/", "hardhatnetwork/", "hardhat/")
"""How development nodes name themselves (``web3_clientVersion``)."""
DEV_MNEMONIC = "test test test test test test test test test test test junk"
DEV_ACCOUNTS = 20  # account 0 deploys, 1-15 are the example partners
START_TIMEOUT = 10.0
STOP_TIMEOUT = 10.0


@dataclass(frozen=True)
class DevnetStatus:
    running: bool
    pid: int | None
    url: str
    chain_id: int | None = None
    block_number: int | None = None
    timestamp: int | None = None  # of the latest block


@dataclass(frozen=True)
class StartResult:
    status: DevnetStatus
    already_running: bool
    restored_backup: bool = False  # state.json was damaged; the copy taken at the previous start was loaded


def find_anvil() -> Path:
    """The anvil binary: ``$CCSI_DAO_ANVIL``, the npm package found above the working or package folder, or PATH."""
    if env := os.environ.get("CCSI_DAO_ANVIL"):
        path = Path(env).expanduser()
        if not (path.is_file() and os.access(path, os.X_OK)):
            raise ConfigError(f"CCSI_DAO_ANVIL is {env}, which is not an executable file; fix or unset it")
        return path
    machine = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64"}.get(
        platform.machine().lower()
    )
    system = {"linux": "linux", "darwin": "darwin", "win32": "win32"}.get(sys.platform)
    exe = "anvil.exe" if system == "win32" else "anvil"
    relative = Path("node_modules", "@foundry-rs", f"anvil-{system}-{machine}", "bin", exe)
    for start in (Path.cwd(), Path(__file__).resolve().parent):
        for folder in (start, *start.parents):
            if (folder / relative).is_file():
                return folder / relative
    if found := shutil.which("anvil"):
        return Path(found)
    raise ConfigError("anvil not found: run `npm ci` in the project, or put anvil on PATH")


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_anvil(
    *extra: str, accounts: int = DEV_ACCOUNTS, wait: float = 15.0, port: int | None = None
) -> tuple[subprocess.Popen[bytes], str]:
    """A throwaway anvil (nothing saved) on ``port`` (default: a free loopback port) with ``accounts`` funded
    development accounts and the ``extra`` options, returned with its URL once it answers; for tests and benchmarks.
    The caller stops it."""
    port = port or free_port()
    proc = subprocess.Popen(
        [
            str(find_anvil()),
            "--port",
            str(port),
            "--host",
            "127.0.0.1",
            "--accounts",
            str(accounts),
            "--silent",
            *extra,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        try:
            rpc(url, "eth_chainId", timeout=1)
            return proc, url
        except ChainError:
            if proc.poll() is not None:
                raise RuntimeError(f"anvil exited: {proc.stderr.read().decode() if proc.stderr else ''}") from None
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError(f"anvil did not start within {wait:.0f} s")


def require_devnet(url: str) -> str:
    """UserError unless ``url`` is a development node (anvil or Hardhat on a development chain id, see
    :data:`DEV_CHAIN_IDS`): time travel is for devnets only. Returns the node's client name."""
    chain_id = int(rpc(url, "eth_chainId"), 16)
    client = str(rpc(url, "web3_clientVersion"))
    if chain_id not in DEV_CHAIN_IDS or not client.lower().startswith(DEV_CLIENTS):
        raise UserError(
            f"refusing to move time: {url} is not a local development node (chain id {chain_id}, client {client}); "
            "time moves only on anvil or Hardhat with a development chain id"
        )
    return client


def advance_time(url: str, seconds: int | str) -> int:
    """Move a devnet's clock forward by ``seconds`` (or a duration such as ``7d``), mine a block, return its time.
    Works on anvil and on Hardhat's node (``evm_increaseTime`` and ``evm_mine``, which both have)."""
    seconds = parse_duration(seconds)
    require_devnet(url)
    rpc(url, "evm_increaseTime", seconds)
    rpc(url, "evm_mine")
    return _latest_block(url)[1]


def dev_account(index: int) -> Any:
    """The ``LocalAccount`` of devnet account ``index`` (public test keys: never use them on a real chain)."""
    from eth_account import Account

    Account.enable_unaudited_hdwallet_features()
    return Account.from_mnemonic(DEV_MNEMONIC, account_path=f"m/44'/60'/0'/0/{index}")


class Devnet:
    """anvil in the background on ``127.0.0.1:port``, its chain saved in ``state_dir``."""

    host = "127.0.0.1"

    def __init__(self, state_dir: Path | None = None, *, port: int = DEFAULT_PORT, anvil: Path | None = None) -> None:
        self.state_dir = Path(state_dir) if state_dir else ccsi_home() / "devnet"
        self.port = port
        self.anvil = anvil
        self.state_file = self.state_dir / "state.json"
        self.backup_file = self.state_dir / "state.previous.json"
        self.damaged_file = self.state_dir / "state.damaged.json"
        self.clock_file = self.state_dir / "clock.json"
        self.pid_file = self.state_dir / "anvil.pid"
        self.log_file = self.state_dir / "anvil.log"
        self._process: subprocess.Popen[bytes] | None = None  # when this object started anvil

    @property
    def url(self) -> str:
        record = self._record()
        return record["url"] if record else f"http://{self.host}:{self.port}"

    # ---------------------------------------------------------------------------------------------- lifecycle

    def start(self) -> StartResult:
        """Start anvil unless it already runs; wait until it answers (ChainError with the log's tail if not)."""
        if self._record():
            return StartResult(self.status(), already_running=True)
        anvil = self.anvil or find_anvil()
        url = f"http://{self.host}:{self.port}"
        self._refuse_busy_port(url)
        try:
            self.state_dir.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise ConfigError(f"cannot create the devnet folder {self.state_dir}: {error.strerror or error}") from None
        restored = self._check_state()
        fresh = not self.state_file.exists()
        command = [
            str(anvil), "--host", self.host, "--port", str(self.port), "--chain-id", str(DEVNET_CHAIN_ID),
            "--mnemonic", DEV_MNEMONIC, "--accounts", str(DEV_ACCOUNTS),
            "--state", str(self.state_file), "--state-interval", "1",
        ]  # fmt: skip
        with open(self.log_file, "wb") as log:
            process = subprocess.Popen(
                command, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                cwd=self.state_dir, start_new_session=True,
            )  # fmt: skip
        self._process = process
        record = {"pid": process.pid, "url": url, "anvil": str(anvil), "started_at": int(time.time())}
        write_atomic(self.pid_file, json.dumps(record) + "\n")
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if process.poll() is not None:
                self.pid_file.unlink(missing_ok=True)
                raise ChainError(
                    f"anvil stopped right after starting (exit code {process.returncode}):{self._log_tail()}"
                )
            try:
                rpc(url, "eth_chainId", timeout=1.0)
                break
            except ChainError:
                if time.monotonic() > deadline:
                    self._terminate(process.pid)
                    self.pid_file.unlink(missing_ok=True)
                    raise ChainError(f"anvil did not answer within {START_TIMEOUT:.0f} s:{self._log_tail()}") from None
                time.sleep(0.05)
        if not fresh:
            self._restore_clock(url)
        return StartResult(self.status(), already_running=False, restored_backup=restored)

    def stop(self) -> bool:
        """Stop anvil gracefully (it saves the chain), killing it if it hangs; False if it was not running."""
        record = self._record()
        if not record:
            return False
        with contextlib.suppress(ChainError):
            self._save_clock(record["url"])
        self._terminate(record["pid"])
        self.pid_file.unlink(missing_ok=True)
        return True

    def status(self) -> DevnetStatus:
        """Whether the devnet runs, and its chain id, latest block and time if it answers."""
        record = self._record()
        if not record:
            return DevnetStatus(False, None, f"http://{self.host}:{self.port}")
        url = record["url"]
        try:
            chain_id = int(rpc(url, "eth_chainId"), 16)
            number, timestamp = _latest_block(url)
        except ChainError:
            return DevnetStatus(True, record["pid"], url)
        return DevnetStatus(True, record["pid"], url, chain_id, number, timestamp)

    def reset(self) -> None:
        """Stop the devnet and delete its chain and files: the next start begins from an empty chain."""
        self.stop()
        for path in (
            self.state_file,
            self.backup_file,
            self.damaged_file,
            self.clock_file,
            self.pid_file,
            self.log_file,
        ):
            path.unlink(missing_ok=True)
        if self.state_dir.is_dir() and not any(self.state_dir.iterdir()):
            self.state_dir.rmdir()

    def advance(self, seconds: int | str) -> int:
        """Move the devnet's clock forward and mine a block; returns the block's timestamp."""
        record = self._record()
        if not record:
            raise UserError(f"the devnet in {self.state_dir} is not running; start it first")
        url = record["url"]
        timestamp = advance_time(url, seconds)
        self._save_clock(url)
        return timestamp

    def rpc(self, method: str, *params: Any) -> Any:
        """Call a JSON-RPC method on the devnet."""
        return rpc(self.url, method, *params)

    def running_url(self) -> str | None:
        """The URL of this devnet if it runs (on whatever port it was started), else None. Reads only: a stale pid
        file is left for the devnet commands to clear."""
        try:
            record = json.loads(self.pid_file.read_text())
            pid, url = int(record["pid"]), str(record["url"])
        except (OSError, ValueError, KeyError, TypeError):
            return None
        return url if _alive(pid) and _is_anvil(pid) else None

    # ---------------------------------------------------------------------------------------------- internals

    def _record(self) -> dict[str, Any] | None:
        """The pid file's record if its anvil is alive; a stale pid file is removed."""
        try:
            record = json.loads(self.pid_file.read_text())
            pid = int(record["pid"])
        except (OSError, ValueError, KeyError, TypeError):
            return None
        if _alive(pid) and _is_anvil(pid):
            return record
        self.pid_file.unlink(missing_ok=True)
        return None

    def _refuse_busy_port(self, url: str) -> None:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            probe.settimeout(0.5)
            if probe.connect_ex((self.host, self.port)) != 0:
                return
        try:
            what = f" (a node answering as {rpc(url, 'web3_clientVersion', timeout=0.5)})"
        except ChainError:
            what = ""
        raise UserError(
            f"port {self.port} on {self.host} is already in use by another program{what}; "
            "stop it or start the devnet on another port"
        )

    def _check_state(self) -> bool:
        """Keep a copy of a readable state file; replace a damaged one by that copy. True if restored."""
        if not self.state_file.exists():
            return False
        data = self.state_file.read_bytes()
        if _is_json(data):
            write_atomic(self.backup_file, data)
            return False
        if self.backup_file.exists() and _is_json(self.backup_file.read_bytes()):
            os.replace(self.state_file, self.damaged_file)
            shutil.copyfile(self.backup_file, self.state_file)
            return True
        raise ConfigError(
            f"the saved devnet chain {self.state_file} is damaged and there is no earlier copy; "
            "reset the devnet to start a new chain"
        )

    def _save_clock(self, url: str) -> None:
        offset = int(rpc(url, "evm_increaseTime", 0))  # adds nothing, returns the clock's total offset
        write_atomic(self.clock_file, json.dumps({"offset": offset}) + "\n")

    def _restore_clock(self, url: str) -> None:
        try:
            offset = int(json.loads(self.clock_file.read_text())["offset"])
        except (OSError, ValueError, KeyError, TypeError):
            offset = 0
        now = int(time.time())
        target = max(now + offset, _latest_block(url)[1] + 1)
        if target != now:
            rpc(url, "evm_setTime", target)

    def _terminate(self, pid: int) -> None:
        for sig, wait in ((signal.SIGTERM, STOP_TIMEOUT), (signal.SIGKILL, 5.0)):
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                return
            except PermissionError:
                raise ChainError(f"cannot stop anvil (pid {pid}): it belongs to another user") from None
            deadline = time.monotonic() + wait
            while time.monotonic() < deadline:
                if self._gone(pid):
                    return
                time.sleep(0.05)
        raise ChainError(f"anvil (pid {pid}) did not stop, even when killed")

    def _gone(self, pid: int) -> bool:
        if self._process is not None and self._process.pid == pid:
            return self._process.poll() is not None
        return not _alive(pid)

    def _log_tail(self, lines: int = 15) -> str:
        try:
            tail = self.log_file.read_text(errors="replace").splitlines()[-lines:]
        except OSError:
            return " (no log)"
        return f" see {self.log_file}; its last lines:\n" + "\n".join(tail)


def _latest_block(url: str) -> tuple[int, int]:
    block = rpc(url, "eth_getBlockByNumber", "latest", False)
    return int(block["number"], 16), int(block["timestamp"], 16)


def _is_json(data: bytes) -> bool:
    try:
        json.loads(data)
    except ValueError:
        return False
    return True


def _alive(pid: int) -> bool:
    """Whether process ``pid`` runs (a zombie does not): reaps it if it is our child."""
    try:
        if os.waitpid(pid, os.WNOHANG)[0] == pid:
            return False
    except ChildProcessError:
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


def _is_anvil(pid: int) -> bool:
    """Whether ``pid`` runs anvil (guards against a reused pid); assumed where /proc is missing."""
    try:
        return b"anvil" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except FileNotFoundError:
        return not Path("/proc/self").exists()
    except OSError:
        return True
