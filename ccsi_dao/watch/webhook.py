"""Webhooks: a notice as one JSON POST in the shape of a Slack, Microsoft Teams or Matrix incoming hook.

This is the watch's only HTTP client (it speaks no JSON-RPC; the chain layer stays the only package that does).
Redirects are not followed and no proxy settings are read: a notice goes to the address in the subscriptions file or
nowhere. Each request carries ``Idempotency-Key``: the delivery's stable id, the same when a delivery cut off by a
crash is sent again.
"""

from __future__ import annotations

import http.client
import json
import socket
import ssl
from typing import Any
from urllib.parse import urlsplit

from ccsi_dao.watch import render
from ccsi_dao.watch.notices import Notice

USER_AGENT = "ccsi-dao-watch"


class WebhookFailure(Exception):
    """The hook did not take the notice; the sentence says why."""


def redacted(url: str) -> str:
    """A hook's address without its path (which often is the secret), for messages."""
    parts = urlsplit(url)
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{parts.hostname}{port}/…"


def payload(notice: Notice, fmt: str, consortium: str) -> dict[str, Any]:
    """The JSON body for a Slack (``text`` in mrkdwn), Teams (an Adaptive Card message) or Matrix (hookshot's
    ``text``/``html``) incoming hook."""
    if fmt == "slack":
        return {"text": render.slack(notice), "unfurl_links": False, "unfurl_media": False}
    if fmt == "teams":
        body = [
            {"type": "TextBlock", "text": notice.headline.render(render.for_markdown), "weight": "Bolder", "wrap": True}
        ]
        body += [{"type": "TextBlock", "text": line.render(render.for_markdown), "wrap": True} for line in notice.lines]
        return {
            "type": "message",
            "attachments": [
                {
                    "contentType": "application/vnd.microsoft.card.adaptive",
                    "content": {
                        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                        "type": "AdaptiveCard",
                        "version": "1.4",
                        "body": body,
                    },
                }
            ],
        }
    text = "\n".join([render.plain_headline(notice), *render.plain_lines(notice)])
    return {
        "text": text,
        "html": render.matrix_html(notice),
        "username": render.for_terminal(consortium, single_line=True),
    }


def _connection(url: str, timeout: float) -> tuple[http.client.HTTPConnection, str]:
    parts = urlsplit(url)
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    if parts.scheme == "https":
        conn: http.client.HTTPConnection = http.client.HTTPSConnection(
            parts.hostname or "", parts.port, timeout=timeout, context=ssl.create_default_context()
        )
    else:
        conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=timeout)
    return conn, path


def post(url: str, body: dict[str, Any], idempotency_key: str, timeout: float) -> None:
    """POST ``body``; WebhookFailure unless the hook answers 2xx."""
    conn, path = _connection(url, timeout)
    data = json.dumps(body, ensure_ascii=False).encode()
    try:
        conn.request(
            "POST",
            path,
            body=data,
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "User-Agent": USER_AGENT,
                "Idempotency-Key": idempotency_key,
            },
        )
        response = conn.getresponse()
        answer = response.read(2048)
    except (OSError, http.client.HTTPException) as exc:
        raise WebhookFailure(f"{redacted(url)} did not answer: {_reason(exc)}") from None
    finally:
        conn.close()
    if not 200 <= response.status < 300:
        text = answer.decode("utf-8", "replace").strip().splitlines()[0][:120] if answer.strip() else ""
        raise WebhookFailure(
            f"{redacted(url)} answered HTTP {response.status}" + (f" ({render.for_terminal(text)})" if text else "")
        )


def probe(url: str, timeout: float) -> str | None:
    """Whether the hook's host can be reached (name resolved, TCP connection, TLS handshake for https), without
    sending anything; None if so, else the reason."""
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        with socket.create_connection((parts.hostname or "", port), timeout=timeout) as sock:
            if parts.scheme == "https":
                with ssl.create_default_context().wrap_socket(sock, server_hostname=parts.hostname):
                    pass
    except (OSError, ssl.SSLError) as exc:
        return _reason(exc)
    return None


def _reason(exc: BaseException) -> str:
    if isinstance(exc, socket.gaierror):
        return "its host name does not resolve"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, TimeoutError | socket.timeout):
        return "no answer in time"
    if isinstance(exc, ssl.SSLCertVerificationError):
        return f"its TLS certificate is not trusted ({exc.verify_message})"
    if isinstance(exc, ssl.SSLError):
        return f"TLS failed ({exc.reason or exc})"
    return getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
