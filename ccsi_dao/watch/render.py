"""A notice in the words and escaping each channel needs. Chain text always goes through :mod:`ccsi_dao.safetext`
(terminal-safe: control, format and text-direction characters made visible), and then through the escaping of the
medium: Markdown for Teams, Slack's ``&<>`` entities (so a description cannot ping ``<!channel>``), HTML entities
for email and Matrix HTML, RFC 5545 text escaping for the calendar.
"""

from __future__ import annotations

import html
from datetime import UTC, datetime

from ccsi_dao.safetext import for_markdown, for_terminal
from ccsi_dao.watch.notices import Notice, Text


def _line(text: str) -> str:
    return for_terminal(text, single_line=True)


def plain_headline(notice: Notice) -> str:
    return notice.headline.render(_line)


def plain_lines(notice: Notice) -> list[str]:
    """The body as lines of terminal-safe text (multi-line chain text, such as a description, kept as lines)."""
    out: list[str] = []
    for line in notice.lines:
        out += line.render(for_terminal).splitlines() or [""]
    return out


def stamp(ts: int) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M UTC")


def terminal(notice: Notice, recipient: str) -> str:
    mark = "!" if notice.warning else "-"
    head = f"{mark} [{stamp(notice.at)}] to {for_terminal(recipient, single_line=True)}: {plain_headline(notice)}"
    return "\n".join([head, *(f"    {line}" for line in plain_lines(notice))])


def subject(notice: Notice, consortium: str) -> str:
    text = f"[{_line(consortium)}] {plain_headline(notice)}"
    return text if len(text) <= 200 else text[:199] + "…"


def email_text(notice: Notice, consortium: str) -> str:
    return "\n".join([plain_headline(notice), "", *plain_lines(notice), "", _footer(consortium)]) + "\n"


def _footer(consortium: str) -> str:
    return f"-- \nccsi-dao watch for {_line(consortium)}. Text quoted from the chain was written by whoever sent it."


def _html(text: Text, *, multiline: bool = False) -> str:
    escape = (
        (lambda s: html.escape(for_terminal(s)).replace("\n", "<br>"))
        if multiline
        else (lambda s: html.escape(_line(s)))
    )
    return text.render(escape, html.escape)


def email_html(notice: Notice, consortium: str) -> str:
    body = "".join(f"<li>{_html(line, multiline=True)}</li>" for line in notice.lines)
    return (
        '<!DOCTYPE html><html><body style="font-family: sans-serif">'
        f"<h3>{_html(notice.headline)}</h3><ul>{body}</ul>"
        f'<p style="color: #666">{html.escape(_footer(consortium)).replace(chr(10), "<br>")}</p></body></html>'
    )


def markdown(notice: Notice) -> str:
    """Markdown (Teams cards, Matrix text): chain text escaped so it renders as the literal text."""
    head = notice.headline.render(for_markdown)
    lines = [line.render(for_markdown) for line in notice.lines]
    return "\n\n".join([f"**{head}**", *lines]) if lines else f"**{head}**"


def _slack_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack(notice: Notice) -> str:
    """Slack mrkdwn: ``&``, ``<``, ``>`` as entities everywhere (Slack's rule), so chain text cannot form a link,
    a mention or ``<!channel>``."""
    head = notice.headline.render(lambda s: _slack_escape(_line(s)), _slack_escape)
    lines = [line.render(lambda s: _slack_escape(for_terminal(s)), _slack_escape) for line in notice.lines]
    return "\n".join([f"*{head}*", *lines])


def matrix_html(notice: Notice) -> str:
    body = "<br>".join(_html(line, multiline=True) for line in notice.lines)
    return f"<strong>{_html(notice.headline)}</strong>" + (f"<br>{body}" if body else "")


# ---------------------------------------------------------------------------------------------- iCalendar


def ics_text(text: str) -> str:
    """RFC 5545 TEXT: backslash, semicolon, comma and newline escaped."""
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\r\n", "\n").replace("\n", "\\n")


def ics_fold(line: str) -> str:
    """RFC 5545 3.1: content lines of at most 75 octets, continued on lines that begin with a space; never inside a
    UTF-8 character."""
    out: list[str] = []
    current, size = "", 0
    for char in line:
        width = len(char.encode())
        if size + width > (75 if not out else 74):
            out.append(current)
            current, size = "", 0
        current += char
        size += width
    out.append(current)
    return "\r\n ".join(out)


def ics_time(ts: int) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y%m%dT%H%M%SZ")
