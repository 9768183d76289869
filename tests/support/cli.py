"""Driving the real ``ccsi-dao`` command in subprocesses, and watching what it leaves behind.

Used by ``tests/test_cli.py``. Every command runs as a partner would run it in a script: its own process, no
terminal on stdin, ``CI=true``, an isolated ``CCSI_DAO_HOME`` and ``HOME``, and the RPC URL of the test's anvil.
:class:`Rpc` talks to that anvil directly (block number, nonces, snapshots, time), and :func:`digest` fingerprints
a folder so a test can prove a command changed no file.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eth_account import Account

from ccsi_dao.devnet import dev_account, rpc  # noqa: F401 - dev_account: one import for the CLI tests
from tests.support import ROOT

SMALL = ROOT / "examples" / "small.yaml"
PASSWORD = "cli-test-password"
FAST_SCRYPT = 2**10  # the keystore reader accepts any cost; the standard 2**18 costs ~0.5 s per unlock


def cli_command() -> list[str]:
    """The installed console script next to this interpreter, else the module."""
    script = Path(sys.executable).with_name("ccsi-dao")
    if script.is_file() and os.access(script, os.X_OK):
        return [str(script)]
    return [sys.executable, "-m", "ccsi_dao.cli.main"]


@dataclass(frozen=True)
class Result:
    """What one command did: its arguments, exit code, output and wall time."""

    args: tuple[str, ...]
    code: int
    stdout: str
    stderr: str
    seconds: float

    def json(self) -> Any:
        return json.loads(self.stdout)

    def __str__(self) -> str:
        return (
            f"$ ccsi-dao {' '.join(self.args)}\n-> exit {self.code} in {self.seconds:.2f} s\n"
            f"--- stdout\n{self.stdout}--- stderr\n{self.stderr}"
        )


class Cli:
    """``ccsi-dao`` bound to one home folder and one chain."""

    def __init__(
        self, home: Path, url: str, *, user_home: Path | None = None, cwd: Path | None = None, in_process: bool = False
    ) -> None:
        self.in_process = in_process  # each command in a fork of this process (see run_in_process), not a new one
        self.home = Path(home)
        self.url = url
        self.user_home = Path(user_home) if user_home else self.home.parent / "user-home"
        self.cwd = Path(cwd) if cwd else self.home.parent
        self.user_home.mkdir(parents=True, exist_ok=True)

    def env(self, extra: Mapping[str, str | None] | None = None) -> dict[str, str]:
        """The environment of a command: nothing of the user's ccsi-dao, ape or Foundry settings leaks in."""
        env = {k: v for k, v in os.environ.items() if not k.startswith(("CCSI_DAO_", "APE_"))}
        env.update(
            CCSI_DAO_HOME=str(self.home), CCSI_DAO_RPC_URL=self.url, CCSI_DAO_PASSWORD=PASSWORD,
            HOME=str(self.user_home), CI="true", NO_COLOR="1", TERM="dumb", COLUMNS="200",
        )  # fmt: skip
        for key, value in (extra or {}).items():
            if value is None:
                env.pop(key, None)
            else:
                env[key] = value
        return env

    def run(
        self, *args: str, env: Mapping[str, str | None] | None = None, cwd: Path | None = None, timeout: float = 120
    ) -> Result:
        if self.in_process:
            return run_in_process([(self, args, {"env": env, "cwd": cwd})], workers=1, timeout=timeout)[0]
        started = time.monotonic()
        proc = subprocess.run(
            [*cli_command(), *args], stdin=subprocess.DEVNULL, capture_output=True, text=True,
            env=self.env(env), cwd=cwd or self.cwd, timeout=timeout,
        )  # fmt: skip
        return Result(tuple(args), proc.returncode, proc.stdout, proc.stderr, time.monotonic() - started)

    def ok(self, *args: str, **kwargs: Any) -> Result:
        """Run a command that must succeed, cleanly."""
        return _succeeded(self.run(*args, **kwargs))

    def ok_all(self, *commands: tuple[str, ...]) -> list[Result]:
        """Run independent commands at once (never two sending from one account); each must succeed."""
        return [_succeeded(r) for r in run_parallel((self, tuple(c), {}) for c in commands)]


def _succeeded(result: Result) -> Result:
    assert result.code == 0, str(result)
    assert not result.stderr and "Traceback" not in result.stdout, str(result)
    return result


def run_parallel(
    jobs: Iterable[tuple[Cli, tuple[str, ...], dict[str, Any]]], workers: int | None = None
) -> list[Result]:
    """Run independent commands at once (never two that send from the same account); results in input order."""
    from concurrent.futures import ThreadPoolExecutor

    jobs = list(jobs)
    with ThreadPoolExecutor(max_workers=workers or max(2, os.cpu_count() or 2)) as pool:
        return list(pool.map(lambda job: job[0].run(*job[1], **job[2]), jobs))


# -------------------------------------------------------------------------------------------------- keys


def write_keystore(home: Path, alias: str, key: bytes, password: str = PASSWORD) -> Path:
    """A ccsi-dao keystore written directly, with a low scrypt cost (tests only)."""
    folder = home / "keystores"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    keyfile = Account.encrypt(key, password, kdf="scrypt", iterations=FAST_SCRYPT)
    keyfile["address"] = Account.from_key(key).address
    path = folder / f"{alias}.json"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(keyfile, handle)
    return path


# -------------------------------------------------------------------------------------------------- files


def digest(*roots: Path) -> dict[str, str]:
    """Every file and folder under ``roots`` (or the file itself) -> its content hash and mode."""
    seen: dict[str, str] = {}
    for root in roots:
        root = Path(root)
        if not root.exists():
            seen[str(root)] = "absent"
            continue
        paths = [root] if root.is_file() else [root, *sorted(root.rglob("*"))]
        for path in paths:
            mode = stat.S_IMODE(path.lstat().st_mode)
            if path.is_file():
                seen[str(path)] = f"{hashlib.sha256(path.read_bytes()).hexdigest()} {mode:o}"
            else:
                seen[str(path)] = f"folder {mode:o}"
    return seen


# -------------------------------------------------------------------------------------------------- chain


class Rpc:
    """JSON-RPC on one anvil: what tests need to check and steer it."""

    def __init__(self, url: str) -> None:
        self.url = url

    def __call__(self, method: str, *params: Any) -> Any:
        return rpc(self.url, method, *params)

    def block_number(self) -> int:
        return int(self("eth_blockNumber"), 16)

    def now(self) -> int:
        return int(self("eth_getBlockByNumber", "latest", False)["timestamp"], 16)

    def nonce(self, address: str) -> int:
        return int(self("eth_getTransactionCount", address, "pending"), 16)

    def state(self, addresses: Iterable[str]) -> dict[str, int]:
        """The latest block number and the nonce of each address: any transaction sent changes it."""
        return {"block": self.block_number(), **{a: self.nonce(a) for a in addresses}}

    def advance(self, seconds: int) -> int:
        """Mine a block ``seconds`` after the latest one; return its timestamp.

        The CLI tests' anvil stamps blocks at fixed 1 s intervals (so a test's timing never depends on the wall
        clock), which makes anvil ignore ``evm_increaseTime``; a block with an explicit timestamp moves time.
        """
        target = self.now() + seconds
        self("evm_mine", target)
        return target

    @contextmanager
    def rolled_back(self) -> Iterator[None]:
        """Run a block of a test, then put the chain back as it was (state and clock)."""
        snapshot = self("evm_snapshot")
        try:
            yield
        finally:
            assert self("evm_revert", snapshot) is True


# -------------------------------------------------------------------------------------------------- in-process


def _run_in_fork(jobs: list[tuple[Cli, tuple[str, ...], dict[str, Any]]]) -> list[Result]:
    """Worker (a forked process): each command through the console script's own entry point
    (``ccsi_dao.cli.main:run``), with the arguments, environment, working folder and standard streams (files, not
    a terminal; stdin empty) a subprocess of :meth:`Cli.run` would have. An exception that escapes the entry point
    is written to stderr as the traceback a user would have seen, exit 1, as Python does."""
    import tempfile
    import traceback

    from ccsi_dao.cli.main import run

    main = sys.modules["__main__"]  # a console script's: click then names the program from argv[0]
    main.__spec__, main.__package__ = None, None
    results = []
    for cli, args, kwargs in jobs:
        os.environ.clear()
        os.environ.update(cli.env(kwargs.get("env")))
        os.chdir(kwargs.get("cwd") or cli.cwd)
        started = time.monotonic()
        streams = sys.stdin, sys.stdout, sys.stderr, sys.argv
        with (
            open(os.devnull, encoding="utf-8") as stdin,
            tempfile.TemporaryFile("w+", encoding="utf-8") as stdout,
            tempfile.TemporaryFile("w+", encoding="utf-8") as stderr,
        ):
            sys.stdin, sys.stdout, sys.stderr, sys.argv = stdin, stdout, stderr, [*cli_command()[-1:], *args]
            try:
                run()
                code = 0
            except SystemExit as exit_:
                code = exit_.code if isinstance(exit_.code, int) else 0 if exit_.code is None else 1
                if not isinstance(exit_.code, int | None):
                    print(exit_.code, file=stderr)
            except BaseException:  # noqa: BLE001 - what escapes is what the user would see
                traceback.print_exc(file=stderr)
                code = 1
            finally:
                sys.stdin, sys.stdout, sys.stderr, sys.argv = streams
            stdout.seek(0)
            stderr.seek(0)
            results.append(Result(tuple(args), code, stdout.read(), stderr.read(), time.monotonic() - started))
    return results


def run_in_process(
    jobs: Iterable[tuple[Cli, tuple[str, ...], dict[str, Any]]], workers: int = 2, timeout: float = 600
) -> list[Result]:
    """Like :func:`run_parallel`, without an interpreter start-up per command: the CLI is imported once, then
    ``workers`` forked processes run the commands through its entry point (each in its own environment and folder, as
    :meth:`Cli.run` would). For tables of commands where the process itself is not what is tested."""
    import multiprocessing

    import ccsi_dao.cli.main  # noqa: F401  - imported once, before the fork

    jobs = list(jobs)
    shares = [list(range(len(jobs)))[w::workers] for w in range(workers)]
    cwd = os.getcwd()
    try:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            parts = pool.map_async(_run_in_fork, [[jobs[i] for i in share] for share in shares]).get(timeout)
    finally:
        os.chdir(cwd)
    by_index = {
        i: result for share, part in zip(shares, parts, strict=True) for i, result in zip(share, part, strict=True)
    }
    return [by_index[i] for i in sorted(by_index)]
