"""The channels a notice goes out through: terminal, JSONL file, email (SMTP), webhook, iCalendar feed.

Each channel has :meth:`Channel.check`, run once at start (a misconfigured channel is a clear error then, never a
crash at the first notice), and :meth:`Channel.send`, which raises :class:`ChannelFailure` when the channel is down
(the outbox then retries it with backoff). File channels know whether a delivery cut off by a crash already reached
them (:meth:`Channel.already_delivered`); the others are sent again with the same delivery id.
"""

from __future__ import annotations

import os
import smtplib
import socket
import ssl
import sys
import tempfile
from email.message import EmailMessage
from email.utils import formatdate, parseaddr
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from ccsi_dao.errors import UserError
from ccsi_dao.fileio import write_atomic
from ccsi_dao.watch import render, webhook
from ccsi_dao.watch.notices import CalendarEntry
from ccsi_dao.watch.subscriptions import (
    ChannelConfig,
    EmailChannel,
    IcsChannel,
    JsonlChannel,
    Smtp,
    TerminalChannel,
    WebhookChannel,
)

if TYPE_CHECKING:
    from ccsi_dao.watch.outbox import Delivery, Outbox


class ChannelError(UserError):
    """A channel of the subscriptions cannot work as configured (found at start)."""


class ChannelFailure(Exception):
    """A channel did not take a notice now; it is retried later."""


class Channel:
    """One place notices go to, shared by every recipient that lists it."""

    def __init__(self, id: str, label: str, consortium: str) -> None:
        self.id = id
        self.label = label
        self.consortium = consortium

    def check(self) -> None:
        """ChannelError if the channel cannot work (run once, at start)."""

    def already_delivered(self, delivery: Delivery, outbox: Outbox) -> bool:
        """Whether a delivery cut off mid-way already reached the channel (only file channels can tell)."""
        return False

    def send(self, delivery: Delivery, outbox: Outbox) -> None:
        raise NotImplementedError


# ---------------------------------------------------------------------------------------------- terminal


class Terminal(Channel):
    def __init__(self, consortium: str, stream: TextIO | None = None) -> None:
        super().__init__("terminal", "the terminal", consortium)
        self.stream = stream

    def send(self, delivery: Delivery, outbox: Outbox) -> None:
        stream = self.stream or sys.stdout
        try:
            stream.write(render.terminal(delivery.notice, delivery.recipient) + "\n")
            stream.flush()
        except OSError as exc:
            raise ChannelFailure(f"cannot write to the terminal: {exc.strerror or exc}") from None


# ---------------------------------------------------------------------------------------------- files


def _check_file(path: Path, what: str) -> None:
    """ChannelError unless ``path`` can be written (probed for real: permissions, read-only file systems and
    missing folders all show)."""
    if path.is_dir():
        raise ChannelError(f"{what}: {path} is a folder; give a file name")
    if not path.parent.is_dir():
        raise ChannelError(f"{what}: cannot write {path}: the folder {path.parent} does not exist")
    try:
        if path.exists():
            with open(path, "ab"):
                pass
        else:
            fd, probe = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".probe")
            os.close(fd)
            os.unlink(probe)
    except OSError as exc:
        raise ChannelError(f"{what}: cannot write {path}: {exc.strerror or exc}") from None


class Jsonl(Channel):
    """One JSON object per line, appended and fsynced; each line carries its ``delivery`` id first."""

    def __init__(self, path: Path, label: str, consortium: str) -> None:
        super().__init__(f"jsonl:{path}", label, consortium)
        self.path = path

    def check(self) -> None:
        _check_file(self.path, self.label)

    def already_delivered(self, delivery: Delivery, outbox: Outbox) -> bool:
        prefix = f'{{"delivery": "{delivery.id}"'.encode()
        try:
            with open(self.path, "rb") as handle:
                return any(line.startswith(prefix) for line in handle)
        except FileNotFoundError:
            return False
        except OSError as exc:
            raise ChannelFailure(f"cannot read {self.path}: {exc.strerror or exc}") from None

    def line(self, delivery: Delivery) -> str:
        import json

        n = delivery.notice
        p = n.proposal
        data: dict[str, Any] = {
            "delivery": delivery.id,
            "notice": n.key,
            "kind": n.kind.value,
            "recipient": delivery.recipient,
            "member": n.member,
            "at": render.stamp(n.at),
            "at_unix": n.at,
            "warning": n.warning,
            "consortium": render.for_terminal(self.consortium, single_line=True),
            "headline": render.plain_headline(n),
            "lines": render.plain_lines(n),
            "proposal": None
            if p is None
            else {
                "number": p.number,
                "id": str(p.id),
                "title": render.for_terminal(p.title),
                "category": p.category,
                "voting_starts": p.snapshot,
                "voting_ends": p.deadline,
            },
            "details": n.details,
        }
        return json.dumps(data, ensure_ascii=False)

    def send(self, delivery: Delivery, outbox: Outbox) -> None:
        text = self.line(delivery) + "\n"
        try:
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
            try:
                size = os.fstat(fd).st_size
                if size:
                    with open(self.path, "rb") as handle:
                        handle.seek(size - 1)
                        if handle.read(1) != b"\n":  # a line cut short by a crash elsewhere: start a fresh one
                            text = "\n" + text
                os.write(fd, text.encode())
                os.fsync(fd)
            finally:
                os.close(fd)
        except OSError as exc:
            raise ChannelFailure(f"cannot append to {self.path}: {exc.strerror or exc}") from None


class Ics(Channel):
    """An iCalendar feed of voting windows and deadlines, rewritten whole (atomically) on every change. Its events
    are kept in the watch state, so a feed file lost or damaged is rebuilt at the next start."""

    def __init__(self, path: Path, label: str, consortium: str, uid_domain: str) -> None:
        super().__init__(f"ics:{path}", label, consortium)
        self.path = path
        self.uid_domain = uid_domain

    def check(self) -> None:
        _check_file(self.path, self.label)

    def send(self, delivery: Delivery, outbox: Outbox) -> None:
        if delivery.notice.calendar:
            with outbox.transaction():
                outbox.calendar_apply(str(self.path), delivery.notice.calendar, delivery.notice.key)
            self.write(outbox)

    def write(self, outbox: Outbox) -> None:
        try:
            write_atomic(self.path, self.feed(outbox.calendar(str(self.path))))
        except (OSError, UserError) as exc:
            raise ChannelFailure(f"cannot write {self.path}: {getattr(exc, 'strerror', None) or exc}") from None

    def feed(self, entries: list[tuple[CalendarEntry, int]]) -> str:
        name = render.ics_text(render.for_terminal(self.consortium, single_line=True))
        lines = [
            "BEGIN:VCALENDAR",
            "VERSION:2.0",
            "PRODID:-//ccsi-dao//watch//EN",
            "CALSCALE:GREGORIAN",
            "METHOD:PUBLISH",
            f"X-WR-CALNAME:{name}: decisions",
        ]
        for entry, sequence in entries:
            summary = entry.summary.render(lambda s: render.for_terminal(s, single_line=True))
            description = "\n".join(d.render(render.for_terminal) for d in entry.description)
            lines += [
                "BEGIN:VEVENT",
                f"UID:{entry.uid}@{self.uid_domain}",
                f"DTSTAMP:{render.ics_time(entry.start)}",
                f"SEQUENCE:{sequence}",
                f"DTSTART:{render.ics_time(entry.start)}",
                f"DTEND:{render.ics_time(max(entry.end, entry.start + 60))}",
                f"SUMMARY:{render.ics_text(summary)}",
                f"DESCRIPTION:{render.ics_text(description)}",
                f"STATUS:{'CANCELLED' if entry.cancelled else 'CONFIRMED'}",
                "TRANSP:TRANSPARENT",
            ]
            if entry.alarm_before_end and not entry.cancelled:
                lines += [
                    "BEGIN:VALARM",
                    "ACTION:DISPLAY",
                    f"DESCRIPTION:{render.ics_text(summary)}: voting closes soon",
                    f"TRIGGER;RELATED=END:-PT{entry.alarm_before_end // 3600}H",
                    "END:VALARM",
                ]
            lines.append("END:VEVENT")
        lines.append("END:VCALENDAR")
        return "".join(render.ics_fold(line) + "\r\n" for line in lines)


# ---------------------------------------------------------------------------------------------- email


class SmtpServer:
    """The mail server of the subscriptions' ``smtp`` section."""

    def __init__(self, config: Smtp) -> None:
        self.config = config
        self.where = f"the mail server {config.host}:{config.port}"

    def password(self) -> str | None:
        c = self.config
        if c.password_env:
            value = os.environ.get(c.password_env)
            if value is None:
                raise ChannelError(f"smtp.password_env: the environment variable {c.password_env} is not set")
            return value
        if c.password_file:
            try:
                return c.password_file.read_text(encoding="utf-8").strip("\r\n")
            except (OSError, UnicodeDecodeError) as exc:
                raise ChannelError(
                    f"smtp.password_file: cannot read {c.password_file}: {getattr(exc, 'strerror', None) or exc}"
                ) from None
        return None

    def _context(self) -> ssl.SSLContext:
        try:
            return ssl.create_default_context(cafile=str(self.config.ca_file) if self.config.ca_file else None)
        except (OSError, ssl.SSLError) as exc:
            raise ChannelError(f"smtp.ca_file: cannot use {self.config.ca_file}: {exc}") from None

    def connect(self, password: str | None) -> smtplib.SMTP:
        """A logged-in session; ChannelFailure with the reason if the server cannot be used now."""
        c = self.config
        try:
            if c.security == "tls":
                smtp: smtplib.SMTP = smtplib.SMTP_SSL(c.host, c.port, timeout=c.timeout, context=self._context())
            else:
                smtp = smtplib.SMTP(c.host, c.port, timeout=c.timeout)
            try:
                smtp.ehlo()
                if c.security == "starttls":
                    if not smtp.has_extn("starttls"):
                        raise ChannelFailure(f"{self.where} does not offer STARTTLS; set smtp.security to tls or none")
                    smtp.starttls(context=self._context())
                    smtp.ehlo()
                if c.username:
                    if password is None:
                        raise ChannelFailure("smtp.username is set but no password: give password_env or password_file")
                    smtp.login(c.username, password)
            except BaseException:
                smtp.close()
                raise
        except ChannelFailure:
            raise
        except smtplib.SMTPAuthenticationError:
            raise ChannelFailure(
                f"{self.where} refused the login of {c.username!r}: check the user and password"
            ) from None
        except smtplib.SMTPNotSupportedError as exc:
            raise ChannelFailure(f"{self.where} does not support {exc}") from None
        except (smtplib.SMTPException, OSError, ssl.SSLError) as exc:
            raise ChannelFailure(f"{self.where} cannot be used: {_smtp_reason(exc)}") from None
        return smtp

    def check(self, addresses: list[str]) -> None:
        """Connect, log in, and ask the server whether it takes each recipient (MAIL FROM, RCPT TO, then RSET:
        nothing is sent)."""
        try:
            smtp = self.connect(self.password())
        except ChannelFailure as exc:
            raise ChannelError(f"smtp: {exc}") from None
        try:
            sender = parseaddr(self.config.sender)[1]
            code, answer = smtp.mail(sender)
            if code >= 400:
                raise ChannelError(f"smtp.sender: {self.where} refuses {sender} as sender ({code} {_text(answer)})")
            for address in addresses:
                code, answer = smtp.rcpt(address)
                if code >= 400:
                    raise ChannelError(
                        f"email to {address}: {self.where} refuses this address ({code} {_text(answer)})"
                    )
            smtp.rset()
        except (smtplib.SMTPException, OSError) as exc:
            raise ChannelError(f"smtp: {self.where} cannot be used: {_smtp_reason(exc)}") from None
        finally:
            try:
                smtp.quit()
            except (smtplib.SMTPException, OSError):
                smtp.close()

    def send(self, message: EmailMessage, to: str) -> None:
        smtp = self.connect(self.password() if self.config.username else None)
        try:
            refused = smtp.send_message(message, from_addr=parseaddr(self.config.sender)[1], to_addrs=[to])
            if refused:
                raise ChannelFailure(f"{self.where} refused {to}: {refused}")
        except smtplib.SMTPRecipientsRefused as exc:
            raise ChannelFailure(f"{self.where} refused {to}: {_smtp_reason(exc)}") from None
        except (smtplib.SMTPException, OSError) as exc:
            raise ChannelFailure(f"{self.where} did not take the message: {_smtp_reason(exc)}") from None
        finally:
            try:
                smtp.quit()
            except (smtplib.SMTPException, OSError):
                smtp.close()


def _text(answer: bytes | str) -> str:
    text = answer.decode("utf-8", "replace") if isinstance(answer, bytes) else str(answer)
    return render.for_terminal(" ".join(text.split()), single_line=True)[:160]


def _smtp_reason(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "; ".join(f"{a}: {code} {_text(msg)}" for a, (code, msg) in exc.recipients.items())
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"{exc.smtp_code} {_text(exc.smtp_error)}"
    if isinstance(exc, socket.gaierror):
        return "its host name does not resolve"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, TimeoutError | socket.timeout):
        return "no answer in time"
    if isinstance(exc, ssl.SSLCertVerificationError):
        return f"its TLS certificate is not trusted ({exc.verify_message})"
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return "it closed the connection"
    return getattr(exc, "strerror", None) or str(exc) or type(exc).__name__


class Email(Channel):
    def __init__(self, to: str, label: str, consortium: str, server: SmtpServer) -> None:
        super().__init__(f"email:{to.lower()}", label, consortium)
        self.to = to
        self.server = server

    def message(self, delivery: Delivery) -> EmailMessage:
        n = delivery.notice
        msg = EmailMessage()
        msg["From"] = self.server.config.sender
        msg["To"] = self.to
        msg["Subject"] = render.subject(n, self.consortium)
        msg["Date"] = formatdate(localtime=False)
        msg["Message-ID"] = f"<{delivery.id}@ccsi-dao.watch>"
        msg["Auto-Submitted"] = "auto-generated"
        msg["X-Ccsi-Dao-Notice"] = n.key
        msg.set_content(render.email_text(n, self.consortium))
        msg.add_alternative(render.email_html(n, self.consortium), subtype="html")
        return msg

    def send(self, delivery: Delivery, outbox: Outbox) -> None:
        self.server.send(self.message(delivery), self.to)


# ---------------------------------------------------------------------------------------------- webhooks


class Webhook(Channel):
    def __init__(self, config: WebhookChannel, label: str, consortium: str) -> None:
        super().__init__(config.id(), label, consortium)
        self.config = config

    def check(self) -> None:
        reason = webhook.probe(self.config.url, self.config.timeout)
        if reason is not None:
            raise ChannelError(f"{self.label}: cannot reach {webhook.redacted(self.config.url)}: {reason}")

    def send(self, delivery: Delivery, outbox: Outbox) -> None:
        body = webhook.payload(delivery.notice, self.config.format, self.consortium)
        try:
            webhook.post(self.config.url, body, delivery.id, self.config.timeout)
        except webhook.WebhookFailure as exc:
            raise ChannelFailure(str(exc)) from None


# ---------------------------------------------------------------------------------------------- building


def build(
    config: ChannelConfig,
    where: str,
    consortium: str,
    smtp: SmtpServer | None,
    uid_domain: str,
    stream: TextIO | None = None,
) -> Channel:
    """The channel a subscriptions entry describes; ``where`` names the entry in messages."""
    if isinstance(config, TerminalChannel):
        return Terminal(consortium, stream)
    if isinstance(config, JsonlChannel):
        return Jsonl(config.path, f"{where} (jsonl {config.path})", consortium)
    if isinstance(config, IcsChannel):
        return Ics(config.path, f"{where} (ics {config.path})", consortium, uid_domain)
    if isinstance(config, EmailChannel):
        assert smtp is not None  # the subscriptions loader requires the smtp section
        return Email(config.to, f"{where} (email to {config.to})", consortium, smtp)
    if isinstance(config, WebhookChannel):
        return Webhook(config, f"{where} (webhook {webhook.redacted(config.url)})", consortium)
    raise AssertionError(config)  # pragma: no cover
