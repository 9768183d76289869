"""The dashboard tests' world: the history of :mod:`tests.e2e.web.history` on an anvil of its own, the real
``ccsi-dao serve`` in a subprocess over it, and headless Chromium driven by Playwright.

The browser is Debian's ``chromium`` (``scripts/setup.sh`` installs it), launched by Playwright with
``executable_path`` (Playwright's own browser download is not reachable here). Screenshots go to
``.build/screenshots/`` (gitignored).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from eth_account.signers.local import LocalAccount

from tests.e2e.web.history import Built, build
from tests.support import ROOT
from tests.support.anvil import free_port, start_anvil, stop_anvil
from tests.support.faultlib import CLI

CHROMIUM = Path(os.environ.get("CCSI_DAO_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = ROOT / ".build" / "screenshots"


def server_port() -> int:
    """A free port for a dashboard: from this xdist worker's block, or (one process) from the run's base + 3500."""
    if os.environ.get("PYTEST_XDIST_WORKER", "").startswith("gw"):
        return free_port()
    base = int(os.environ.get("CCSI_DAO_TEST_PORT_BASE", "20000")) + 3_500
    for port in range(base, base + 500):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {base}-{base + 499}")


def fetch(url: str, *, method: str = "GET", headers: dict[str, str] | None = None, timeout: float = 10.0):
    """``(status, headers, body)`` of one request; error statuses are answers too."""
    request = urllib.request.Request(url, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:  # noqa: S310 - a loopback test server
            return answer.status, dict(answer.headers), answer.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read().decode()


@dataclass
class Site:
    url: str  # the dashboard, e.g. http://127.0.0.1:40123
    built: Built
    home: Path
    process: subprocess.Popen[str]
    log: Path

    def status(self) -> dict[str, Any]:
        return json.loads(fetch(self.url + "/api/status")[2])

    def wait(self, condition: Any, what: str, timeout: float = 30.0) -> dict[str, Any]:
        """Poll ``/api/status`` until ``condition(status)`` holds."""
        deadline = time.monotonic() + timeout
        status: dict[str, Any] = {}
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"the server exited: {self.log.read_text()}")
            try:
                status = self.status()
                if condition(status):
                    return status
            except (OSError, ValueError):
                pass
            time.sleep(0.1)
        raise AssertionError(f"timed out waiting for {what}; last status {status}; log {self.log.read_text()}")


def start_server(home: Path, rpc_url: str, *extra: str) -> tuple[subprocess.Popen[str], str, Path]:
    port = server_port()
    log = home / f"serve-{port}.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("CCSI_DAO_")}
    env.update({"CCSI_DAO_HOME": str(home), "CI": "1"})
    process = subprocess.Popen(
        [CLI, "--rpc-url", rpc_url, "serve", "--port", str(port), *extra],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        text=True,
    )
    return process, f"http://127.0.0.1:{port}", log


def stop_server(process: subprocess.Popen[str], log: Path) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            raise AssertionError(f"the server did not stop on SIGTERM: {log.read_text()}") from None
    text = log.read_text()
    assert "Traceback" not in text, text
    assert process.returncode == 0, (process.returncode, text)


@pytest.fixture(scope="package")
def site(tmp_path_factory: pytest.TempPathFactory, accounts: list[LocalAccount]) -> Iterator[Site]:
    """The history on its anvil, and ``ccsi-dao serve`` over it (syncing every 0.3 s; verification at start and
    when asked)."""
    proc, url = start_anvil()
    server = None
    try:
        built = build(url, accounts)
        home = tmp_path_factory.mktemp("web") / "home"
        home.mkdir()
        built.dao.record.save(home / "deployment.json")
        server, base, log = start_server(home, url, "--interval", "0.3", "--verify-every", "0")
        found = Site(base, built, home, server, log)
        found.wait(lambda s: s["block"] is not None and s["verification"] != "not run yet", "the first snapshot")
        found.wait(lambda s: not s["verification_running"], "the first verification")
        yield found
        stop_server(server, log)
        server = None
    finally:
        if server is not None and server.poll() is None:
            server.kill()
        stop_anvil(proc)


@pytest.fixture(scope="package")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing: scripts/setup.sh installs Debian's chromium")
        pytest.skip(f"{CHROMIUM} is missing: run scripts/setup.sh (as root it installs Debian's chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="package")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
