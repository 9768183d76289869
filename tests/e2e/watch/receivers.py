"""Real receivers for the watch's channels, on loopback ports of this worker: an SMTP server (aiosmtpd, with
STARTTLS and AUTH) and an HTTP server for webhooks that can refuse, or hold a request until told to answer.

A webhook request counts as *accepted* only when the receiver answered 2xx to a sender still connected: a request
whose sender died while the receiver held it was never confirmed to the sender, which must send it again (with the
same ``Idempotency-Key``).
"""

from __future__ import annotations

import email
import email.policy
import json
import select
import socket
import subprocess
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from tests.support.anvil import free_port

SMTP_USER, SMTP_PASSWORD = "watch", "s3cret-pass"


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and localhost (openssl), and its key."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
         "-days", "2", "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


# ---------------------------------------------------------------------------------------------- SMTP


class _Handler:
    def __init__(self, smtp: SmtpReceiver) -> None:
        self.smtp = smtp

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        if address in self.smtp.refuse:
            return "550 5.1.1 no such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.smtp.down:
            return "451 4.3.0 try again later"
        message = email.message_from_bytes(envelope.original_content or envelope.content, policy=email.policy.default)
        with self.smtp.lock:
            self.smtp.messages.append((list(envelope.rcpt_tos), message, session.authenticated))
        return "250 OK"


@dataclass
class SmtpReceiver:
    port: int
    messages: list[tuple[list[str], Any, bool]] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)
    down: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)
    controller: Any = None

    def to(self, address: str) -> list[Any]:
        with self.lock:
            return [m for rcpt, m, _ in self.messages if address in rcpt]

    def stop(self) -> None:
        self.controller.stop()


def start_smtp(cert: Path, key: Path) -> SmtpReceiver:
    """A mail server that requires STARTTLS and AUTH (user ``watch``)."""
    import ssl

    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)

    def authenticator(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        ok = isinstance(data, LoginPassword) and (data.login, data.password) == (
            SMTP_USER.encode(),
            SMTP_PASSWORD.encode(),
        )
        return AuthResult(success=ok, handled=False)

    receiver = SmtpReceiver(free_port())
    receiver.controller = Controller(
        _Handler(receiver), hostname="127.0.0.1", port=receiver.port, tls_context=context, require_starttls=True,
        auth_required=True, auth_require_tls=True, authenticator=authenticator, ready_timeout=10,
    )  # fmt: skip
    receiver.controller.start()
    return receiver


# ---------------------------------------------------------------------------------------------- webhooks


@dataclass
class Request:
    path: str
    headers: dict[str, str]
    body: Any
    accepted: bool
    status: int


@dataclass
class HookReceiver:
    port: int
    requests: list[Request] = field(default_factory=list)
    fail_first: int = 0  # answer 503 to this many requests first
    hold_request: int | None = None  # hold this request (1-based) until `release` is set
    holding: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)
    server: Any = None
    times: list[float] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def accepted(self, path: str | None = None) -> list[Request]:
        with self.lock:
            return [r for r in self.requests if r.accepted and (path is None or r.path == path)]

    def stop(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


def _client_gone(sock: socket.socket) -> bool:
    readable, _, _ = select.select([sock], [], [], 0)
    if not readable:
        return False
    try:
        return sock.recv(1, socket.MSG_PEEK) == b""
    except OSError:
        return True


def start_hooks() -> HookReceiver:
    receiver = HookReceiver(free_port())

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            import time

            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"null")
            with receiver.lock:
                number = len(receiver.requests) + 1
                receiver.times.append(time.monotonic())
                fail = number <= receiver.fail_first
            if receiver.hold_request == number:
                receiver.holding.set()
                receiver.release.wait(30)
            alive = not _client_gone(self.connection)
            status = 503 if fail else 200
            with receiver.lock:
                receiver.requests.append(
                    Request(self.path, dict(self.headers), body, accepted=alive and status == 200, status=status)
                )
            if not alive:
                return
            self.send_response(status)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok" if status == 200 else b"no")

    receiver.server = ThreadingHTTPServer(("127.0.0.1", receiver.port), Handler)
    receiver.server.daemon_threads = True
    threading.Thread(target=receiver.server.serve_forever, daemon=True).start()
    return receiver
