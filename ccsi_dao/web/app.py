"""The dashboard's web application: read-only pages over the published snapshot, live updates, the report.

Routes (every one ``GET``/``HEAD``; any other method is answered 405 before it reaches a route, so nothing on the
server can change anything, and no key is ever loaded):

==========================  ======================================================================================
``/``                       overview: open proposals with their progress, the latest log entries, the treasury
``/proposals``              every proposal (``state``, ``category``, ``page``), tallies against quorum and approval
``/proposals/{n}``          one proposal: its actions, every vote (choice, weight, via whom, reason), its timeline
``/members``                members by stakeholder group, with voting power and proxies
``/log``                    the decision log with ``ccsi-dao log``'s filters (proposal, member, group, kind,
                            since/until, from/to block), newest first
``/treasury``               balances and every flow in and out
``/agreement``              the agreement's versions, the rules and settings in force
``/verification``           the last ``audit verify`` result; ``/verification/run`` asks for one now
``/report``, ``/report.md`` the ``audit report`` of the last verification (HTML, Markdown)
``/events``                 server-sent events: a new snapshot or verification result (the pages then refresh
                            their live parts); ``/api/status`` the same as JSON, for polling
``/static/...``             the stylesheet and the script (no CDN, no external font: the pages work offline)
==========================  ======================================================================================

Text from the chain is data: Jinja2's autoescape is on for every template, and chain text additionally passes
:mod:`ccsi_dao.safetext` (control and text-direction characters shown as escapes) in the body (``chain`` filter),
in attributes (``attr``) and in JSON. The Content-Security-Policy allows only the app's own script and stylesheet
(no inline script or style), and the report, whose HTML has inline styles, is served sandboxed without any script.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import math
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import (
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
    StreamingResponse,
)
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ccsi_dao.safetext import for_terminal
from ccsi_dao.web.data import GROUPS, KINDS, LogQuery, filter_log
from ccsi_dao.web.models import Snapshot
from ccsi_dao.web.service import Dashboard

HERE = Path(__file__).resolve().parent
STATIC = HERE / "static"
PROPOSALS_PER_PAGE = 25
LOG_PER_PAGE = 100
MAX_STREAMS = 64
STATES = ("pending", "active", "succeeded", "queued", "executed", "defeated", "canceled", "expired")
CATEGORIES = ("ordinary", "treasury", "membership", "constitutional")
NAV = (
    ("/", "Overview"),
    ("/proposals", "Proposals"),
    ("/members", "Members"),
    ("/log", "Decision log"),
    ("/treasury", "Treasury"),
    ("/agreement", "Agreement"),
    ("/verification", "Verification"),
)
_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
_REPORT_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; frame-ancestors 'none'; sandbox"
)
_HEADERS = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-resource-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=(), payment=()",
}


# ---------------------------------------------------------------------------------------------- guards (ASGI)


class ReadOnly:
    """Answers every method but GET and HEAD with 405, before any route or lifespan code sees the request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] not in ("GET", "HEAD"):
            response = PlainTextResponse(
                "This dashboard is read-only: it answers GET and HEAD only.\n", 405, headers={"Allow": "GET, HEAD"}
            )
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


class HostGuard:
    """On a loopback address, only requests naming a loopback host are served (a web page elsewhere that points a
    name of its own at 127.0.0.1, DNS rebinding, gets 400)."""

    def __init__(self, app: ASGIApp, allowed: frozenset[str] | None) -> None:
        self.app = app
        self.allowed = allowed

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and self.allowed is not None:
            host = dict(scope["headers"]).get(b"host", b"").decode("latin-1").strip().lower()
            name = host[: host.index("]") + 1] if host.startswith("[") and "]" in host else host.split(":")[0]
            if name not in self.allowed:
                await PlainTextResponse("Unknown host.\n", 400)(scope, receive, send)
                return
        await self.app(scope, receive, send)


class SecurityHeaders:
    """The Content-Security-Policy and the other protective headers on every answer (a route may set its own)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                extra = {**_HEADERS, "content-security-policy": _CSP}
                headers += [(k.encode(), v.encode()) for k, v in extra.items() if k.encode() not in present]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)


LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})


# ---------------------------------------------------------------------------------------------- templates


def _templates() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("ccsi_dao.web", "templates"),
        autoescape=True,  # every template, whatever its name: text from the chain is data
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["chain"] = lambda text: "" if text is None else for_terminal(str(text))
    env.filters["attr"] = lambda text: "" if text is None else for_terminal(str(text), single_line=True)
    env.filters["num"] = lambda n: "-" if n is None else f"{n:,}"
    env.filters["pct"] = lambda x: "-" if x is None else f"{x:.0f}%"
    env.filters["svgnum"] = lambda x: f"{float(x):.2f}"
    env.filters["short"] = lambda a: "" if not a else (a if len(a) <= 14 else f"{a[:6]}…{a[-4:]}")
    return env


def _asset_versions() -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()[:10] for p in STATIC.iterdir() if p.is_file()}


@dataclass(frozen=True)
class Page:
    """One page of a long list."""

    items: Sequence[Any]
    number: int
    pages: int
    total: int
    first: int  # 1-based position of the first item

    @property
    def last(self) -> int:
        return self.first + len(self.items) - 1


def paginate(items: Sequence[Any], page: int, per_page: int) -> Page:
    pages = max(1, math.ceil(len(items) / per_page))
    number = min(max(page, 1), pages)
    start = (number - 1) * per_page
    return Page(items[start : start + per_page], number, pages, len(items), start + 1)


def _pager_base(request: Request) -> str:
    """This page's address without its ``page`` parameter, ready for ``page=N`` to be appended."""
    rest = str(request.url.remove_query_params("page").query)
    return f"{request.url.path}?{rest}&" if rest else f"{request.url.path}?"


def _page_number(request: Request) -> int:
    text = request.query_params.get("page", "1").strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 9:
        raise HTTPException(400, f"{text!r} is not a page number")
    return int(text)


# ---------------------------------------------------------------------------------------------- the application


def create_app(dashboard: Dashboard, *, allowed_hosts: Iterable[str] | None = LOOPBACK_HOSTS) -> ASGIApp:
    """The dashboard over ``dashboard``'s published state; ``allowed_hosts`` None serves any Host header."""
    env = _templates()
    assets = _asset_versions()
    streams = [0]

    def asset(name: str) -> str:
        return f"/static/{name}?v={assets.get(name, '0')}"

    def render(request: Request, template: str, title: str, status: int = 200, **context: Any) -> HTMLResponse:
        snap = dashboard.snapshot
        path = request.url.path
        nav = [
            {"href": href, "label": label, "current": path == href or (href != "/" and path.startswith(href + "/"))}
            for href, label in NAV
        ]
        html = env.get_template(template).render(
            title=title,
            snap=snap,
            sync=dashboard.sync,
            verification=dashboard.verification,
            report_available=dashboard.report_html is not None,
            version=dashboard.version,
            nav=nav,
            asset=asset,
            consortium=dashboard.source.record.consortium,
            record=dashboard.source.record,
            path=path,
            pager_base=_pager_base(request),
            **context,
        )
        return HTMLResponse(html, status, headers={"Cache-Control": "no-store"})

    def need_snapshot(request: Request, title: str) -> Snapshot | HTMLResponse:
        snap = dashboard.snapshot
        if snap is None:
            return render(request, "loading.html", title)
        return snap

    async def overview(request: Request) -> Response:
        snap = need_snapshot(request, "Overview")
        if isinstance(snap, Response):
            return snap
        decided = [p for p in reversed(snap.proposals) if not p.is_open][:5]
        return render(
            request,
            "overview.html",
            "Overview",
            counts=snap.count_by_state(),
            decided=decided,
            latest=list(reversed(snap.log[-10:])),
        )

    async def proposals(request: Request) -> Response:
        snap = need_snapshot(request, "Proposals")
        if isinstance(snap, Response):
            return snap
        state = request.query_params.get("state", "")
        category = request.query_params.get("category", "")
        if state not in ("", *STATES) or category not in ("", *CATEGORIES):
            raise HTTPException(400, "unknown state or category: choose one from the lists")
        chosen = [
            p
            for p in reversed(snap.proposals)
            if (not state or p.state == state) and (not category or p.category == category)
        ]
        return render(
            request,
            "proposals.html",
            "Proposals",
            page=paginate(chosen, _page_number(request), PROPOSALS_PER_PAGE),
            states=STATES,
            categories=CATEGORIES,
            state=state,
            category=category,
        )

    async def proposal(request: Request) -> Response:
        snap = need_snapshot(request, "Proposal")
        if isinstance(snap, Response):
            return snap
        found = snap.proposal(request.path_params["number"])
        if found is None:
            raise HTTPException(
                404, f"there is no proposal {request.path_params['number']} (there are {len(snap.proposals)})"
            )
        return render(request, "proposal.html", f"Proposal #{found.number}", p=found)

    async def members(request: Request) -> Response:
        snap = need_snapshot(request, "Members")
        if isinstance(snap, Response):
            return snap
        return render(request, "members.html", "Members")

    async def log(request: Request) -> Response:
        snap = need_snapshot(request, "Decision log")
        if isinstance(snap, Response):
            return snap
        query = LogQuery.from_params(request.query_params, request.query_params.getlist("kind"))
        chosen, problems = filter_log(snap, query)
        chosen.reverse()  # newest first
        return render(
            request,
            "log.html",
            "Decision log",
            status=400 if problems else 200,
            q=query,
            problems=problems,
            page=paginate(chosen, _page_number(request), LOG_PER_PAGE),
            groups=GROUPS,
            kinds=KINDS,
        )

    async def treasury(request: Request) -> Response:
        snap = need_snapshot(request, "Treasury")
        if isinstance(snap, Response):
            return snap
        return render(
            request,
            "treasury.html",
            "Treasury",
            page=paginate(snap.treasury.flows, _page_number(request), LOG_PER_PAGE),
        )

    async def agreement(request: Request) -> Response:
        snap = need_snapshot(request, "Agreement")
        if isinstance(snap, Response):
            return snap
        return render(request, "agreement.html", "Agreement")

    async def verification(request: Request) -> Response:
        return render(request, "verification.html", "Verification", asked=request.query_params.get("asked", ""))

    async def run_verification(request: Request) -> Response:
        """Ask for a verification (a read of the chain, nothing sent) and go back to its page."""
        started = dashboard.request_verification()
        return RedirectResponse(f"/verification?asked={'yes' if started else 'busy'}", 303)

    async def report(request: Request) -> Response:
        if dashboard.report_html is None:
            raise HTTPException(404, "no report yet: it is written after the first verification, which is running")
        return HTMLResponse(
            dashboard.report_html, headers={"Content-Security-Policy": _REPORT_CSP, "Cache-Control": "no-store"}
        )

    async def report_markdown(request: Request) -> Response:
        if dashboard.report_markdown is None:
            raise HTTPException(404, "no report yet: it is written after the first verification, which is running")
        return Response(
            dashboard.report_markdown,
            media_type="text/markdown; charset=utf-8",
            headers={"Content-Disposition": 'inline; filename="ccsi-dao-report.md"', "Cache-Control": "no-store"},
        )

    def status() -> dict[str, Any]:
        snap, sync, ver = dashboard.snapshot, dashboard.sync, dashboard.verification
        return {
            "version": dashboard.version,
            "block": snap.block if snap else None,
            "proposals": len(snap.proposals) if snap else None,
            "log_entries": len(snap.log) if snap else None,
            "synced_to": sync.synced_to,
            "head": sync.head,
            "sync_error": for_terminal(sync.error) if sync.error else None,
            "verification": ver.state,
            "verification_running": ver.running,
            "sync_seconds": None if sync.seconds is None else round(sync.seconds, 3),
            "snapshot_seconds": None if dashboard.build_seconds is None else round(dashboard.build_seconds, 3),
        }

    async def api_status(request: Request) -> Response:
        return JSONResponse(status(), headers={"Cache-Control": "no-store"})

    async def events(request: Request) -> Response:
        if streams[0] >= MAX_STREAMS:
            return PlainTextResponse("Too many live connections; the page falls back to polling.\n", 503)

        async def stream() -> AsyncIterator[str]:
            streams[0] += 1
            try:
                seen = -1
                yield "retry: 3000\n\n"
                while not dashboard.stopping:
                    version = await dashboard.changed(seen, 15.0)
                    if version != seen:
                        seen = version
                        yield f"event: update\ndata: {json.dumps(status(), ensure_ascii=True)}\n\n"
                    else:
                        yield ": still here\n\n"
            finally:
                streams[0] -= 1

        return StreamingResponse(
            stream(), media_type="text/event-stream", headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
        )

    async def not_found(request: Request, exc: Exception) -> Response:
        return _error(request, exc)

    def _error(request: Request, exc: Exception) -> Response:
        code = exc.status_code if isinstance(exc, HTTPException) else 500
        detail = exc.detail if isinstance(exc, HTTPException) and code != 500 else None
        title = {400: "Bad request", 404: "Not found", 405: "Not allowed"}.get(code, "Something went wrong")
        if code == 404 and detail in (None, "Not Found"):
            detail = "There is no such page on this dashboard."
        return render(
            request,
            "error.html",
            title,
            status=code,
            code=code,
            detail=detail or "The server could not show this page.",
        )

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        dashboard.start(asyncio.get_running_loop())
        try:
            yield
        finally:
            await asyncio.to_thread(dashboard.stop)

    routes = [
        Route("/", overview),
        Route("/proposals", proposals),
        Route("/proposals/{number:int}", proposal),
        Route("/members", members),
        Route("/log", log),
        Route("/treasury", treasury),
        Route("/agreement", agreement),
        Route("/verification", verification),
        Route("/verification/run", run_verification),
        Route("/report", report),
        Route("/report.md", report_markdown),
        Route("/events", events),
        Route("/api/status", api_status),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    app = Starlette(
        routes=routes,
        lifespan=lifespan,
        exception_handlers={HTTPException: not_found, Exception: not_found},
    )
    hosts = None if allowed_hosts is None else frozenset(h.lower() for h in allowed_hosts)
    return ReadOnly(HostGuard(SecurityHeaders(app), hosts))


def routes_of(app: Callable[..., Any]) -> list[str]:
    """The paths an app built by :func:`create_app` serves (for tests)."""
    inner: Any = app
    while not isinstance(inner, Starlette):
        inner = inner.app
    return [getattr(r, "path", "") for r in inner.routes]
