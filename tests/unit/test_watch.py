"""The watch without a chain: the subscriptions file checked field by field, chain text escaped for each channel,
the iCalendar feed as a real parser reads it, and the outbox's exactly-once bookkeeping across a crash."""

from __future__ import annotations

import textwrap
from pathlib import Path

import icalendar
import pytest

from ccsi_dao.errors import ConfigError
from ccsi_dao.watch import render
from ccsi_dao.watch.channels import Ics, Jsonl
from ccsi_dao.watch.notices import CalendarEntry, Kind, Notice, ProposalRef, Text, chain
from ccsi_dao.watch.outbox import Cursor, Outbox
from ccsi_dao.watch.subscriptions import SubscriptionsError, load_subscriptions
from ccsi_dao.watch.webhook import payload

HOSTILE = "Pay <!channel> *now* \x1b]8;;http://evil\x07link\x1b]8;;\x07 & <b>more</b>\r\u202eexe.pdf"


def _subs(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "subs.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_subscriptions_problems_are_reported_field_by_field(tmp_path: Path) -> None:
    path = _subs(
        tmp_path,
        """
        reminder_before: soon
        retry: {first: -1}
        watchdog: {treasury_threshold: lots, token_thresholds: {"0x12": 5}, similarity: 2}
        smtp: {host: "mail example", port: 70000, sender: "not an address", password_env: A, password_file: f}
        recipients:
          - name: ministry
            notices: [decisions, everything]
            channels:
              - {type: pager}
              - {type: email, to: "office@"}
              - {type: webhook, format: discord, url: "ftp://hooks.example/x"}
              - {type: jsonl}
          - name: ministry
            colour: blue
            channels: []
        """,
    )
    with pytest.raises(SubscriptionsError) as caught:
        load_subscriptions(path)
    problems = caught.value.problems
    expected = [
        "reminder_before: 'soon' is not a duration",
        "retry.first: -1 is not a duration between 0 and a year",
        "watchdog.treasury_threshold: 'lots' is not an amount of ETH such as 1.5",
        "watchdog.token_thresholds.0x12",
        "watchdog.similarity:",
        "smtp.host: 'mail example' is not a host name or IP address",
        "smtp.port: 70000 is above the maximum 65535",
        "smtp.sender: 'not an address' is not an email address",
        "smtp.password_file: give password_env or password_file, not both",
        "recipients.0.notices: unknown kind 'everything': use all, decisions, reminders, watchdog or one of",
        "recipients.0.channels.0: unknown channel type; use terminal, jsonl, email, webhook or ics",
        "recipients.0.channels.1.to: 'office@' is not an email address such as office@ministry.example",
        "recipients.0.channels.2.url: 'ftp://hooks.example/x' is not a webhook address",
        "recipients.0.channels.2.format:",
        "recipients.0.channels.3.path: required; add it",
        "recipients.1.colour: unknown field; check its spelling or remove it",
        "recipients.1.channels:",
    ]
    for start in expected:
        assert any(p.startswith(start) for p in problems), (start, problems)
    assert str(caught.value).startswith(f"{path}: {len(problems)} problems in the subscriptions:")


def test_subscriptions_resolve_paths_and_need_smtp_for_email(tmp_path: Path) -> None:
    ok = load_subscriptions(_subs(tmp_path, "recipients: [{name: a, channels: [{type: ics, path: feeds/a.ics}]}]"))
    assert ok.recipients[0].channels[0].path == tmp_path.resolve() / "feeds" / "a.ics"
    assert ok.recipients[0].kinds() == frozenset(Kind)
    with pytest.raises(SubscriptionsError, match=r"recipients.0.channels.0: an email channel needs the smtp section"):
        load_subscriptions(_subs(tmp_path, "recipients: [{name: a, channels: [{type: email, to: a@b.example}]}]"))
    for text, says in [
        ("recipients: [", r"is not valid YAML"),
        ("- just a list", r"\(top level\): expected a mapping"),
        ("recipients: [{name: a, channels: [{type: terminal}]}]\nrecipients: []", r"appears twice"),
    ]:
        with pytest.raises(ConfigError, match=says):
            load_subscriptions(_subs(tmp_path, text))
    with pytest.raises(ConfigError, match=r"not found"):
        load_subscriptions(tmp_path / "missing.yaml")


def _notice(title: str = HOSTILE, **extra: object) -> Notice:
    return Notice(
        key="proposal-created:1",
        kind=Kind.PROPOSAL_CREATED,
        at=1_800_000_000,
        headline=Text.of("New proposal #1: ", chain(title)),
        lines=(Text.of("Proposed by ", chain("Mestna občina <Ljubljana>"), " (0xabc)"), Text.of("A; B, C\\D")),
        proposal=ProposalRef(1, 1, title, "ordinary", 1_800_003_600, 1_800_010_800),
        calendar=(
            CalendarEntry(
                "voting-1",
                1_800_003_600,
                1_800_010_800,
                Text.of("Vote on #1: ", chain(title * 3)),
                (Text.of("multi\nline; with, commas"),),
                alarm_before_end=86_400,
            ),
        ),
        **extra,  # type: ignore[arg-type]
    )


def test_chain_text_is_escaped_for_each_channel() -> None:
    n = _notice()
    assert Notice.from_json(n.to_json()) == n
    for text in (render.terminal(n, "ministry"), render.email_text(n, "CCSI"), render.subject(n, "CCSI")):
        assert not any(c in text for c in "\x1b\x07\r\u202e"), text
    assert "\n" not in render.subject(n, "CCSI\nBcc: victim@example.org")
    html = render.email_html(n, "CCSI")
    assert "<b>more</b>" not in html and "&lt;b&gt;more&lt;/b&gt;" in html and "&lt;Ljubljana&gt;" in html
    slack = payload(n, "slack", "CCSI")["text"]
    assert "<!channel>" not in slack and "&lt;!channel&gt;" in slack and "&amp; &lt;b&gt;" in slack
    teams = payload(n, "teams", "CCSI")["attachments"][0]["content"]["body"][0]["text"]
    assert r"\<\!channel\>" in teams and r"\*now\*" in teams and "\x1b" not in teams
    matrix = payload(n, "matrix", "CCSI")
    assert "<b>" not in matrix["html"] and "\x1b" not in matrix["text"]
    assert render.plain_lines(n)[0] == "Proposed by Mestna občina <Ljubljana> (0xabc)"  # the watch's own words kept


def test_the_calendar_feed_parses_and_folds(tmp_path: Path) -> None:
    outbox = Outbox(tmp_path / "state.sqlite", {"chain_id": "1", "governor": "0x1"})
    feed = Ics(tmp_path / "feed.ics", "feed", "CCSI, Slovenia; 2026", "1.0x1.ccsi-dao")
    with outbox.transaction():
        outbox.calendar_apply(str(feed.path), _notice().calendar, "n1")
        outbox.calendar_apply(str(feed.path), _notice().calendar, "n1")  # the same notice twice: no change
    feed.write(outbox)
    raw = feed.path.read_bytes()
    assert all(len(line) <= 75 for line in raw.split(b"\r\n")), "RFC 5545 lines are at most 75 octets"
    calendar = icalendar.Calendar.from_ical(raw)
    [event] = calendar.walk("VEVENT")
    assert b"\r\nX-WR-CALNAME:CCSI\\, Slovenia\\; 2026: decisions\r\n" in raw  # TEXT, escaped
    assert str(event["SUMMARY"]).startswith("Vote on #1: Pay <!channel> *now* \\x1b]8;;http://evil\\x07link")
    assert str(event["DESCRIPTION"]) == "multi\nline; with, commas"
    assert event["SEQUENCE"] == 0 and str(event["UID"]) == "voting-1@1.0x1.ccsi-dao"
    outbox.close()


def test_a_delivery_cut_off_by_a_crash_is_written_once(tmp_path: Path) -> None:
    """The JSONL line was written, then the process died before the outbox recorded it: at restart the delivery is
    found in doubt, the file already holds it, and it is not written again."""
    identity = {"chain_id": "1", "governor": "0x1"}
    path = tmp_path / "state.sqlite"
    channel = Jsonl(tmp_path / "out.jsonl", "out", "CCSI")
    outbox = Outbox(path, identity)
    outbox.record([_notice()], lambda n: [("ministry", channel.id)], Cursor(1, "0x1", 1), first_run=False)
    [delivery] = outbox.open_deliveries()
    outbox.begin(delivery)
    channel.send(delivery, outbox)  # ... and the process dies here (kill -9): never marked delivered
    outbox.db.close()

    outbox = Outbox(path, identity)  # restarted
    [again] = outbox.open_deliveries()
    assert again.in_doubt and again.id == delivery.id and again.attempts == 1
    assert channel.already_delivered(again, outbox)
    outbox.delivered(again)
    assert outbox.open_deliveries() == []
    assert len(channel.path.read_text().splitlines()) == 1
    # recorded again (the next pass sees the same notice): no new delivery
    assert outbox.record([_notice()], lambda n: [("ministry", channel.id)], Cursor(2, "0x2", 2), first_run=False) == []
    assert outbox.counts()["delivered"] == 1 and outbox.cursor == Cursor(2, "0x2", 2)
    with pytest.raises(ConfigError, match="belongs to another deployment"):
        Outbox(path, {"chain_id": "1", "governor": "0x2"})
    outbox.close()


def test_backoff_doubles_per_channel_up_to_the_most(tmp_path: Path) -> None:
    outbox = Outbox(tmp_path / "state.sqlite", {"chain_id": "1", "governor": "0x1"})
    outbox.record([_notice()], lambda n: [("m", "webhook:x")], Cursor(1, "0x1", 1), first_run=False)
    [d] = outbox.open_deliveries()
    import time

    waits = []
    for _ in range(6):
        before = time.time()
        waits.append(round(outbox.failed(d, "HTTP 503", 10, 60) - before))
    assert waits == [10, 20, 40, 60, 60, 60]
    assert outbox.channel_state("webhook:x").failures == 6  # type: ignore[union-attr]
    outbox.delivered(d)
    assert outbox.channel_state("webhook:x") is None and outbox.open_deliveries() == []
    outbox.close()


def test_the_documented_examples_hold() -> None:
    """examples/watch-subscriptions.yaml is a valid subscriptions file, and the systemd unit runs the command the
    README documents, restarting on failure but not on a mistake in the file (exit 2)."""
    from tests.support import ROOT

    subs = load_subscriptions(ROOT / "examples" / "watch-subscriptions.yaml")
    assert [r.name for r in subs.recipients] == ["ministry", "hashnet", "secretariat"]
    assert {c.type for r in subs.recipients for c in r.channels} == {"email", "ics", "webhook", "jsonl", "terminal"}
    unit = (ROOT / "examples" / "ccsi-dao-watch.service").read_text()
    settings = dict(line.split("=", 1) for line in unit.splitlines() if "=" in line and not line.startswith("#"))
    assert settings["ExecStart"].split()[1:3] == ["watch", "/etc/ccsi-dao/watch-subscriptions.yaml"]
    assert settings["Restart"] == "on-failure" and settings["RestartPreventExitStatus"] == "2"
    written = [c.path for r in subs.recipients for c in r.channels if c.type in ("ics", "jsonl")]
    assert all(str(p).startswith(settings["ReadWritePaths"]) for p in written)  # writable under ProtectSystem=strict
    assert "## Partners never miss a decision" in (ROOT / "README.md").read_text()
