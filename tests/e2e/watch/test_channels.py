"""Every channel against a real receiver, with hostile chain text: email through an SMTP server that requires
STARTTLS and a login (aiosmtpd), Slack, Teams and Matrix webhooks (a local HTTP server), the iCalendar feed (parsed
by icalendar, rebuilt when damaged) and the terminal."""

from __future__ import annotations

from pathlib import Path

import icalendar

from ccsi_dao.governance import actions
from tests.e2e.watch.conftest import World, write_subs
from tests.e2e.watch.receivers import SMTP_PASSWORD, HookReceiver, SmtpReceiver
from tests.support.cli import Cli

HOSTILE = "Fund <!channel> *now* \x1b[2J<script>alert(1)</script>\u202egnp.exe"


def subs_text(smtp: SmtpReceiver, hooks: HookReceiver, cert: Path) -> str:
    return f"""
    smtp:
      host: 127.0.0.1
      port: {smtp.port}
      security: starttls
      username: watch
      password_env: WATCH_SMTP_PASSWORD
      sender: "CCSI watch <watch@ccsi.example>"
      ca_file: {cert}
    recipients:
      - name: ministry
        channels:
          - {{type: email, to: office@ministry.example}}
          - {{type: webhook, format: slack, url: "{hooks.url}/slack/T000/B000/secret"}}
          - {{type: webhook, format: teams, url: "{hooks.url}/teams"}}
          - {{type: webhook, format: matrix, url: "{hooks.url}/matrix"}}
          - {{type: ics, path: ministry.ics}}
          - {{type: terminal}}
    """


def test_every_channel_with_hostile_chain_text(
    w: World, cli: Cli, tmp_path: Path, smtp: SmtpReceiver, hooks: HookReceiver, certs: tuple[Path, Path]
) -> None:
    r = w.round
    subs = write_subs(tmp_path, subs_text(smtp, hooks, certs[0]))
    env = {"WATCH_SMTP_PASSWORD": SMTP_PASSWORD}
    checked = cli.ok("watch", str(subs), "--check", env=env)  # the mail login and address, hooks, file: tried
    assert checked.stdout == f"{subs}: 1 recipients, 6 channels, all reachable\n"
    assert not list(cli.home.glob("watch-*")) and smtp.messages == [] and hooks.requests == []
    cli.ok("watch", str(subs), "--once", env=env)
    p = r.propose([actions.signal()], HOSTILE)
    result = cli.ok("watch", str(subs), "--once", env=env)

    # terminal: the escape sequence and the text-direction override shown, not obeyed
    assert "\x1b" not in result.stdout and "\u202e" not in result.stdout
    assert "New proposal #1: Fund <!channel> *now* \\x1b[2J<script>alert(1)</script>\\u202egnp.exe" in result.stdout

    # email: one message, over STARTTLS with the login, a sanitised subject, the HTML escaped
    [message] = smtp.to("office@ministry.example")
    assert smtp.messages[0][2] is True  # the session was authenticated
    assert message["Subject"] == (
        "[CCSI Test Consortium] New proposal #1: Fund <!channel> *now* \\x1b[2J<script>alert(1)</script>\\u202egnp.exe"
    )
    assert message["Message-ID"].endswith("@ccsi-dao.watch>") and message["Auto-Submitted"] == "auto-generated"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "\x1b" not in text and "Category: ordinary" in text and "no on-chain effect (signal)" in text
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "\x1b" not in html

    # webhooks: one POST each, in each service's shape; chain text cannot mention, link or inject
    slack, teams, matrix = (hooks.accepted(path) for path in ("/slack/T000/B000/secret", "/teams", "/matrix"))
    assert len(slack) == len(teams) == len(matrix) == 1
    keys = {req.headers["Idempotency-Key"] for req in (*slack, *teams, *matrix)}
    assert len(keys) == 3  # one delivery id per channel
    body = slack[0].body
    assert set(body) == {"text", "unfurl_links", "unfurl_media"}
    assert body["text"].startswith("*New proposal #1: Fund &lt;!channel&gt; *now* \\x1b[2J&lt;script&gt;")
    assert "<!channel>" not in body["text"] and "<script>" not in body["text"]
    card = teams[0].body["attachments"][0]
    assert teams[0].body["type"] == "message" and card["contentType"] == "application/vnd.microsoft.card.adaptive"
    blocks = card["content"]["body"]
    assert card["content"]["type"] == "AdaptiveCard" and blocks[0]["weight"] == "Bolder"
    assert blocks[0]["text"] == (
        "New proposal #1: Fund \\<\\!channel\\> \\*now\\* \\\\x1b\\[2J\\<script\\>alert\\(1\\)\\</script\\>\\\\u202egnp.exe"
    )
    m = matrix[0].body
    assert set(m) == {"text", "html", "username"} and m["username"] == "CCSI Test Consortium"
    assert "<script>" not in m["html"] and "&lt;script&gt;" in m["html"] and "\x1b" not in m["text"]

    # the calendar: the voting window, parsed by a real iCalendar parser
    calendar = icalendar.Calendar.from_ical((tmp_path / "ministry.ics").read_bytes())
    [event] = calendar.walk("VEVENT")
    assert int(event["DTSTART"].dt.timestamp()) == p.snapshot and int(event["DTEND"].dt.timestamp()) == p.deadline
    assert str(event["SUMMARY"]) == "Vote on #1: Fund <!channel> *now* \\x1b[2J<script>alert(1)</script>\\u202egnp.exe"
    assert str(event["STATUS"]) == "CONFIRMED" and event["SEQUENCE"] == 0
    assert str(event.walk("VALARM")[0]["TRIGGER"].to_ical(), "ascii") == "-P1D"

    # cancelled: the same event, cancelled (a new sequence), and one more message everywhere; nothing twice
    w.dao.cancel(w.accounts[1], p)
    cli.ok("watch", str(subs), "--once", env=env)
    feed = tmp_path / "ministry.ics"
    kept = feed.read_bytes()
    feed.write_bytes(b"BEGIN:VCALENDAR\r\n")  # the feed damaged (or deleted) by someone else: rebuilt at start
    cli.ok("watch", str(subs), "--once", env=env)
    assert feed.read_bytes() == kept
    [event] = icalendar.Calendar.from_ical(kept).walk("VEVENT")
    assert str(event["STATUS"]) == "CANCELLED" and event["SEQUENCE"] == 1
    assert len(smtp.to("office@ministry.example")) == 2
    assert [len(hooks.accepted(path)) for path in ("/slack/T000/B000/secret", "/teams", "/matrix")] == [2, 2, 2]
