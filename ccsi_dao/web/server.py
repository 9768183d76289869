"""Serving the dashboard: the address checked and bound before anything else starts, then uvicorn on that socket.

Loopback (127.0.0.1) is the default. Any other address must be given with ``--host`` and is announced with a
warning: whoever reaches it can read the whole decision log (nothing on the server can change anything). On a
loopback address only requests naming a loopback host are answered (:class:`ccsi_dao.web.app.HostGuard`).
"""

from __future__ import annotations

import contextlib
import errno
import ipaddress
import socket
from collections.abc import Iterator
from dataclasses import dataclass

from ccsi_dao.errors import UserError


@dataclass(frozen=True)
class Address:
    host: str  # an IP address
    loopback: bool

    @property
    def family(self) -> socket.AddressFamily:
        return socket.AF_INET6 if ":" in self.host else socket.AF_INET

    def url(self, port: int) -> str:
        shown = "127.0.0.1" if self.host == "0.0.0.0" else "[::1]" if self.host == "::" else self.host  # noqa: S104
        return f"http://[{shown}]:{port}/" if ":" in shown and not shown.startswith("[") else f"http://{shown}:{port}/"


def check_host(text: str) -> Address:
    """``--host``: an IP address (or ``localhost``); a name is not looked up (that would ask DNS)."""
    value = text.strip()
    if value.lower() == "localhost":
        return Address("127.0.0.1", True)
    try:
        ip = ipaddress.ip_address(value.strip("[]"))
    except ValueError:
        shown = value if len(value) <= 60 else value[:57] + "..."
        raise UserError(
            f"--host must be an IP address of this machine (127.0.0.1, ::1, or 0.0.0.0 for every interface), "
            f"not {shown!r}"
        ) from None
    return Address(str(ip), ip.is_loopback)


def listen(address: Address, port: int) -> socket.socket:
    """A listening socket on ``address:port``; UserError in one sentence if it cannot be had."""
    # IPPROTO_TCP named, so that asyncio sets TCP_NODELAY on each connection (it checks the socket's protocol):
    # without it, an answer written in two parts waits ~40 ms for the client's delayed ACK (Nagle's algorithm)
    sock = socket.socket(address.family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # a restart right after a stop; never a busy port
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if address.family == socket.AF_INET6:
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        sock.bind((address.host, port))
        sock.listen(128)
    except OSError as exc:
        sock.close()
        where = f"{address.host}:{port}" if address.family == socket.AF_INET else f"[{address.host}]:{port}"
        if exc.errno == errno.EADDRINUSE:
            raise UserError(f"cannot serve on {where}: port {port} on {address.host} is already in use") from None
        if exc.errno == errno.EADDRNOTAVAIL:
            raise UserError(f"cannot serve on {where}: {address.host} is not an address of this machine") from None
        if exc.errno == errno.EACCES:
            raise UserError(f"cannot serve on {where}: permission denied (ports below 1024 need privileges)") from None
        raise UserError(f"cannot serve on {where}: {exc.strerror or exc}") from None
    return sock


def warning_for(address: Address, port: int) -> str | None:
    """The warning printed before serving on anything but loopback."""
    if address.loopback:
        return None
    return (
        f"warning: serving on {address.host}:{port}, reachable from other machines: anyone who can reach it can "
        "read the consortium's decision log (nothing on it can send a transaction)"
    )


def run(app: object, sock: socket.socket, *, access_log: bool = False) -> None:
    """Serve ``app`` on the bound ``sock`` until interrupted (Ctrl-C, SIGTERM)."""
    import uvicorn

    config = uvicorn.Config(
        app,  # type: ignore[arg-type]
        log_level="warning",
        access_log=access_log,
        lifespan="on",
        http="h11",
        ws="none",
        proxy_headers=False,
        server_header=False,
        timeout_graceful_shutdown=1,
        limit_concurrency=256,
    )
    server = _server_class()(config)
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()


def _server_class() -> type:
    import uvicorn

    class Server(uvicorn.Server):
        """uvicorn's server, for which Ctrl-C or SIGTERM is the ordinary way to stop: it shuts down gracefully and the
        command exits 0 (uvicorn would raise the signal again once stopped, ending the process by it)."""

        @contextlib.contextmanager
        def capture_signals(self) -> Iterator[None]:
            with super().capture_signals():
                try:
                    yield
                finally:
                    captured = getattr(self, "_captured_signals", None)
                    if isinstance(captured, list):
                        captured.clear()

    return Server
