"""``ccsi-dao serve`` over HTTP, without a browser: read-only (every method but GET and HEAD refused, nothing sent to
the chain, no key-handling code in the package), the host guard, the protective headers, errors as pages, the live
stream, and the command's start and stop (loopback by default, a warning for anything else, exit 0 on Ctrl-C)."""

from __future__ import annotations

import http.client
import json
import re
import signal
import subprocess
import time
from pathlib import Path

import pytest

from ccsi_dao.decisionlog.store import DecisionIndex
from tests.e2e.web.conftest import Site, fetch, start_server, stop_server
from tests.support import ROOT
from tests.support.faultlib import CLI, rpc

pytestmark = pytest.mark.slow

WEB = ROOT / "ccsi_dao" / "web"
PATHS = [
    "/",
    "/proposals",
    "/proposals/1",
    "/members",
    "/log",
    "/treasury",
    "/agreement",
    "/verification",
    "/verification/run",
    "/report",
    "/report.md",
    "/events",
    "/api/status",
    "/static/dashboard.css",
    "/static/dashboard.js",
    "/no-such-page",
]


def test_every_method_but_get_and_head_is_refused(site: Site) -> None:
    """POST, PUT, DELETE, PATCH, OPTIONS and TRACE on every path: 405 with ``Allow: GET, HEAD``, and the chain and
    the dashboard's state unchanged."""
    url = site.built.url
    accounts = [a.address for a in site.built.accounts]
    chain_before = (rpc(url, "eth_blockNumber"), [rpc(url, "eth_getTransactionCount", a, "latest") for a in accounts])
    running_before = site.status()["verification_running"]
    for path in PATHS:
        for method in ("POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE"):
            status, headers, body = fetch(site.url + path, method=method)
            assert status == 405, (method, path, status)
            assert headers.get("allow") == "GET, HEAD" or headers.get("Allow") == "GET, HEAD"
            assert "read-only" in body
    status, _, body = fetch(site.url + "/", method="HEAD")
    assert status == 200 and body == ""
    assert (rpc(url, "eth_blockNumber"), [rpc(url, "eth_getTransactionCount", a, "latest") for a in accounts]) == (
        chain_before
    )
    assert site.status()["verification_running"] == running_before


def test_the_package_has_no_way_to_sign_or_send() -> None:
    """No module of the dashboard unlocks a key, signs or sends: the library's signing and sending entry points are
    named nowhere in ``ccsi_dao/web``."""
    forbidden = re.compile(
        r"KeyStore|keystore|\.signer\(|read_password|\.transact\(|sign_ballot|sign_transaction|send_raw|"
        r"eth_sendRawTransaction|eth_sendTransaction|(?<!db)\.(vote|propose|queue|execute|relay|cancel|resign|"
        r"appoint_proxy|revoke_proxy)\(|LocalAccount|private_key"
    )
    found = [
        f"{path.relative_to(ROOT)}:{n}: {line.strip()}"
        for path in sorted(WEB.rglob("*"))
        if path.is_file() and path.suffix in (".py", ".html", ".js")
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if forbidden.search(line)
    ]
    assert found == []


def test_the_pages_fetch_nothing_from_elsewhere() -> None:
    """Offline: no template, stylesheet or script names another origin (no CDN, no font service)."""
    found = [
        f"{path.relative_to(ROOT)}: {match}"
        for path in sorted([*WEB.glob("templates/*"), *WEB.glob("static/*")])
        for match in re.findall(r"(?:https?:)?//[\w.-]+\.[a-z]{2,}[^\s\"')]*|@import|url\((?!#)", path.read_text())
    ]
    assert found == []


def test_only_loopback_host_names_are_served(site: Site) -> None:
    """DNS rebinding: a page elsewhere pointing a name of its own at 127.0.0.1 gets nothing."""
    port = site.url.rsplit(":", 1)[1]
    assert fetch(site.url + "/api/status", headers={"Host": "attacker.example"})[0] == 400
    assert fetch(site.url + "/api/status", headers={"Host": f"attacker.example:{port}"})[0] == 400
    for host in (f"localhost:{port}", f"127.0.0.1:{port}", f"[::1]:{port}", "localhost"):
        assert fetch(site.url + "/api/status", headers={"Host": host})[0] == 200, host


def test_protective_headers(site: Site) -> None:
    _, headers, _ = fetch(site.url + "/")
    headers = {k.lower(): v for k, v in headers.items()}
    csp = headers["content-security-policy"]
    assert "default-src 'none'" in csp and "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert headers["x-content-type-options"] == "nosniff" and headers["referrer-policy"] == "no-referrer"
    status, headers, body = fetch(site.url + "/report")
    headers = {k.lower(): v for k, v in headers.items()}
    assert status == 200 and "sandbox" in headers["content-security-policy"]
    assert "script-src" not in headers["content-security-policy"] and "<script" not in body.lower()


@pytest.mark.parametrize(
    ("path", "status", "says"),
    [
        ("/proposals/999", 404, "there is no proposal 999"),
        ("/no-such-page", 404, "no such page"),
        ("/proposals?state=bogus", 400, "unknown state or category"),
        ("/log?page=two", 400, "is not a page number"),
        ("/log?since=yesterday", 400, "is not a time"),
        ("/log?kind=bogus", 400, "unknown event kind"),
        ("/log?group=bogus", 400, "unknown stakeholder group"),
        ("/log?proposal=99", 400, "there is no proposal 99"),
        ("/log?from_block=-3", 400, "is not a block number"),
        ("/log?member=" + "x" * 5000, 400, "no member"),
    ],
)
def test_mistakes_are_pages_not_tracebacks(site: Site, path: str, status: int, says: str) -> None:
    got, headers, body = fetch(site.url + path)
    assert got == status, (path, got)
    assert says in body.replace("&#39;", "'"), body[:3000]
    assert "Traceback" not in body and "<h1>" in body
    assert {k.lower(): v for k, v in headers.items()}["content-type"].startswith("text/html")


def test_the_live_stream_tells_of_the_current_version(site: Site) -> None:
    host, port = site.url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        connection.request("GET", "/events")
        answer = connection.getresponse()
        assert answer.status == 200 and answer.getheader("content-type", "").startswith("text/event-stream")
        lines = []
        while not any(line.startswith("data:") for line in lines):
            lines.append(answer.readline().decode().strip())
        assert "event: update" in lines
        status = json.loads(next(line for line in lines if line.startswith("data:")).removeprefix("data:"))
        assert status["version"] >= 1 and status["block"] == site.status()["block"]
    finally:
        connection.close()


def test_status_for_polling(site: Site) -> None:
    status = site.status()
    assert set(status) >= {"version", "block", "synced_to", "head", "sync_error", "verification", "proposals"}
    assert status["sync_error"] is None and status["proposals"] >= 7


def test_another_address_is_announced_and_ctrl_c_stops_cleanly(site: Site, tmp_path: Path) -> None:
    """``--host 0.0.0.0``: a warning before serving, no host guard (any name reaches it); SIGINT: exit 0."""
    server, url, log = start_server(site.home, site.built.url, "--host", "0.0.0.0", "--verify-every", "0")
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and "serving the dashboard" not in log.read_text():
            assert server.poll() is None, log.read_text()
            time.sleep(0.1)
        text = log.read_text()
        assert text.startswith("warning: serving on 0.0.0.0:") and "reachable from other machines" in text
        assert fetch(url + "/api/status", headers={"Host": "dashboard.example.org"})[0] == 200
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=15)
    assert server.returncode == 0, log.read_text()
    assert "Traceback" not in log.read_text() and "interrupted" not in log.read_text()


def test_an_index_of_another_deployment_is_refused_at_start(site: Site, tmp_path: Path) -> None:
    other = site.built.dao.record.model_copy(update={"start_block": 0})
    path = tmp_path / "other.sqlite"
    DecisionIndex(path, other).close()
    server, _url, log = start_server(site.home, site.built.url, "--index", str(path))
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        stop_server(server, log)
        raise
    assert server.returncode == 2
    lines = log.read_text().strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: the index") and "belongs to another deployment" in lines[0]


def test_the_command_needs_nothing_heavy_for_its_help() -> None:
    proc = subprocess.run([CLI, "serve", "--help"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and "--host" in proc.stdout and "read-only" in proc.stdout
