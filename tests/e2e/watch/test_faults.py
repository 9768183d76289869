"""The watch's guarantees, each under its fault: exactly once across restarts, ``kill -9`` mid-delivery and
reorganisations (within and past the confirmation depth); a channel that is down retried with backoff and nothing
lost; a misconfigured channel a clear error at start, with nothing written."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from ccsi_dao.governance import actions
from tests.e2e.watch.conftest import World, assert_once, jsonl, kinds, write_subs
from tests.e2e.watch.receivers import SMTP_PASSWORD, HookReceiver, SmtpReceiver
from tests.support.cli import Cli, cli_command, digest

pytestmark = pytest.mark.slow


def _start(cli: Cli, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    """``ccsi-dao watch`` running on, as systemd would run it."""
    return subprocess.Popen(
        [*cli_command(), "watch", *args], env=cli.env(env), cwd=cli.cwd, stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def _wait_for(condition, timeout: float = 60, process: subprocess.Popen[str] | None = None) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        if process is not None and process.poll() is not None:
            raise AssertionError(f"the watch ended early: {process.communicate()}")
        time.sleep(0.05)


def test_exactly_once_across_kill_9_mid_delivery(
    w: World, cli: Cli, tmp_path: Path, smtp: SmtpReceiver, hooks: HookReceiver, certs: tuple[Path, Path]
) -> None:
    subs = write_subs(
        tmp_path,
        f"""
        smtp: {{host: 127.0.0.1, port: {smtp.port}, username: watch, password_env: PW,
                sender: watch@ccsi.example, ca_file: {certs[0]}}}
        recipients:
          - name: ministry
            channels:
              - {{type: jsonl, path: ministry.jsonl}}
              - {{type: webhook, format: slack, url: "{hooks.url}/hook"}}
              - {{type: email, to: office@ministry.example}}
          - name: ngo
            channels: [{{type: jsonl, path: ngo.jsonl}}]
        """,
    )
    env = {"PW": SMTP_PASSWORD}
    cli.ok("watch", str(subs), "--once", env=env)
    for title in ("Open data policy", "Summer school in Piran", "A shared office in Celje"):
        w.round.propose([actions.signal()], title)

    hooks.hold_request = 2  # the second notice's webhook: the receiver holds it, the watch waits for the answer
    watcher = _start(cli, str(subs), "--interval", "0.2s", env=env)
    try:
        _wait_for(hooks.holding.is_set, process=watcher)
        # a second watch on the same state is refused while the first runs
        busy = cli.run("watch", str(subs), "--once", env=env)
        assert busy.code == 2 and f"another ccsi-dao watch (pid {watcher.pid}) is using the state" in busy.stderr
        os.kill(watcher.pid, signal.SIGKILL)
        watcher.wait(10)
    finally:
        if watcher.poll() is None:
            watcher.kill()
        watcher.communicate()
    hooks.release.set()
    _wait_for(lambda: len(hooks.requests) == 2)
    assert [r.accepted for r in hooks.requests] == [True, False]  # the held one never reached its sender

    cli.ok("watch", str(subs), "--once", env=env)  # restarted: resumes from the outbox
    cli.ok("watch", str(subs), "--once", env=env)  # and again: nothing new

    for name in ("ministry", "ngo"):
        lines = jsonl(tmp_path / f"{name}.jsonl")
        assert_once(lines)
        assert [line["headline"] for line in lines] == [
            "New proposal #1: Open data policy",
            "New proposal #2: Summer school in Piran",
            "New proposal #3: A shared office in Celje",
        ]
    accepted = hooks.accepted("/hook")
    keys = [r.headers["Idempotency-Key"] for r in accepted]
    assert len(accepted) == 3 and len(set(keys)) == 3
    assert hooks.requests[1].headers["Idempotency-Key"] == keys[1]  # the resend carried the same delivery id
    mails = smtp.to("office@ministry.example")
    assert len(mails) == 3 and len({m["Message-ID"] for m in mails}) == 3
    assert [m["Subject"].split(": ", 1)[1] for m in mails] == ["Open data policy", "Summer school in Piran",
                                                               "A shared office in Celje"]  # fmt: skip


def test_a_channel_that_is_down_is_retried_with_backoff(
    w: World, cli: Cli, tmp_path: Path, hooks: HookReceiver
) -> None:
    subs = write_subs(
        tmp_path,
        f"""
        retry: {{first: 0.4, max: 10}}
        recipients:
          - name: ministry
            channels:
              - {{type: webhook, format: matrix, url: "{hooks.url}/hook"}}
              - {{type: jsonl, path: ministry.jsonl}}
        """,
    )
    cli.ok("watch", str(subs), "--once")
    w.round.propose([actions.signal()], "Open data policy")
    hooks.fail_first = 3
    watcher = _start(cli, str(subs), "--interval", "60s")
    try:
        _wait_for(lambda: len(hooks.accepted()) == 1, process=watcher)
        watcher.send_signal(signal.SIGTERM)  # systemd's stop: the watch ends cleanly
        _out, err = watcher.communicate(timeout=20)
    finally:
        if watcher.poll() is None:
            watcher.kill()
    assert watcher.returncode == 0, err
    gaps = [b - a for a, b in zip(hooks.times, hooks.times[1:], strict=False)]
    assert [r.status for r in hooks.requests] == [503, 503, 503, 200]
    # 0.4 s, 0.8 s, 1.6 s: each wait doubles (less a little for the request itself), all within the 60 s interval
    assert gaps[0] >= 0.3 and gaps[1] >= 0.7 and gaps[2] >= 1.4 and gaps[2] > gaps[1] > gaps[0], gaps
    assert err.count("answered HTTP 503") == 3 and "Traceback" not in err
    assert "(webhook http://127.0.0.1:" in err and "/hook" not in err  # the hook's secret path is not printed
    assert kinds(jsonl(tmp_path / "ministry.jsonl")) == ["proposal-created"]  # the other channel never waited


def test_once_reports_a_down_channel_and_loses_nothing(
    w: World, cli: Cli, tmp_path: Path, smtp: SmtpReceiver, certs: tuple[Path, Path]
) -> None:
    subs = write_subs(
        tmp_path,
        f"""
        retry: {{first: 0.2, max: 1}}
        smtp: {{host: 127.0.0.1, port: {smtp.port}, username: watch, password_env: PW,
                sender: watch@ccsi.example, ca_file: {certs[0]}}}
        recipients:
          - {{name: ministry, channels: [{{type: email, to: office@ministry.example}}]}}
        """,
    )
    env = {"PW": SMTP_PASSWORD}
    cli.ok("watch", str(subs), "--once", env=env)
    w.round.propose([actions.signal()], "Open data policy")
    smtp.down = True
    down = cli.run("watch", str(subs), "--once", env=env)
    assert down.code == 3 and "Traceback" not in down.stderr
    assert "error: 1 deliveries wait for channels that failed" in down.stderr
    assert "451 4.3.0 try again later" in down.stderr and "retried on the next run" in down.stderr
    smtp.down = False
    time.sleep(0.3)
    cli.ok("watch", str(subs), "--once", env=env)
    cli.ok("watch", str(subs), "--once", env=env)
    [mail] = smtp.to("office@ministry.example")
    assert mail["Subject"] == "[CCSI Test Consortium] New proposal #1: Open data policy"


SUBS_JSONL = "recipients: [{name: all, channels: [{type: jsonl, path: all.jsonl}]}]"


def test_a_reorganisation_within_the_confirmation_depth_is_never_announced(w: World, cli: Cli, tmp_path: Path) -> None:
    r = w.round
    subs = write_subs(tmp_path, SUBS_JSONL)
    for _ in range(2):  # the deployment's last blocks confirmed: the first run takes them as the past
        r.rpc("evm_mine", [])
    cli.ok("watch", str(subs), "--once", "--confirmations", "2")
    fork = r.rpc("evm_snapshot", [])
    r.propose([actions.signal()], "Orphaned proposal")
    r.rpc("evm_mine", [])  # one confirmation: not deep enough
    cli.ok("watch", str(subs), "--once", "--confirmations", "2")
    assert jsonl(tmp_path / "all.jsonl") == []
    assert r.rpc("evm_revert", [fork]) is True  # the block holding it is replaced
    r.propose([actions.signal()], "The proposal that stayed")
    for _ in range(2):
        r.rpc("evm_mine", [])
    cli.ok("watch", str(subs), "--once", "--confirmations", "2")
    assert [line["headline"] for line in jsonl(tmp_path / "all.jsonl")] == ["New proposal #1: The proposal that stayed"]


def test_a_reorganisation_past_the_depth_announces_nothing_twice(w: World, cli: Cli, tmp_path: Path) -> None:
    r, dao, acc = w.round, w.dao, w.accounts
    subs = write_subs(tmp_path, SUBS_JSONL)
    cli.ok("watch", str(subs), "--once")  # a devnet: 0 confirmations
    fork = r.rpc("evm_snapshot", [])
    r.rpc("evm_mine", [])

    def history() -> None:
        r.propose([actions.signal()], "Open data policy")
        r.as_timelock(dao.membership.functions.setWeight(acc[4].address, 2))

    history()
    cli.ok("watch", str(subs), "--once")
    assert kinds(jsonl(tmp_path / "all.jsonl")) == ["proposal-created", "power-change"]
    assert r.rpc("evm_revert", [fork]) is True
    for _ in range(3):  # the new branch is longer, its blocks other ones
        r.rpc("evm_mine", [])
    history()  # the same acts, in other blocks
    r.propose([actions.signal()], "Only on the new branch", proposer=2)
    cli.ok("watch", str(subs), "--once")
    lines = jsonl(tmp_path / "all.jsonl")
    assert_once(lines)
    assert [line["headline"] for line in lines] == [
        "New proposal #1: Open data policy",
        f"Voting power changed: the weight of Partner 4 ({acc[4].address}) changed from 1 to 2",
        "New proposal #2: Only on the new branch",
    ]


def _misconfigured(smtp_port: int, cert: Path) -> dict[str, tuple[str, str]]:
    """What only a real mail server can refuse (the other misconfigurations are rows of
    tests/e2e/faults/test_bad_input.py: unknown host, refused connection, unreachable hook, unwritable file, ...)."""
    mail = (
        "smtp: {{host: {host}, port: {port}, username: watch, password_env: PW, sender: watch@ccsi.example, "
        f"ca_file: {cert}}}}}\n"
        "recipients: [{{name: m, channels: [{{type: email, to: {to}}}]}}]"
    )
    return {
        "smtp-wrong-password": (
            mail.format(host="127.0.0.1", port=smtp_port, to="office@ministry.example").replace("PW", "WRONG_PW"),
            r"smtp: the mail server 127.0.0.1:\d+ refused the login of 'watch': check the user and password",
        ),
        "smtp-address-refused": (
            mail.format(host="127.0.0.1", port=smtp_port, to="nobody@ministry.example"),
            r"email to nobody@ministry.example: the mail server .* refuses this address \(550 5.1.1 no such",
        ),
    }


def test_a_misconfigured_channel_is_a_clear_error_at_start(
    w: World, cli: Cli, tmp_path: Path, smtp: SmtpReceiver, certs: tuple[Path, Path]
) -> None:
    import re

    smtp.refuse.add("nobody@ministry.example")
    cases = _misconfigured(smtp.port, certs[0])
    for name, (text, says) in cases.items():
        folder = tmp_path / name
        folder.mkdir()
        subs = write_subs(folder, text)
        before = digest(cli.home, folder)
        result = cli.run("watch", str(subs), env={"PW": SMTP_PASSWORD, "WRONG_PW": "guess"})
        assert result.code == 2, (name, str(result))
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: "), (name, result.stderr)
        assert re.search(says, lines[0]), (name, lines[0])
        assert digest(cli.home, folder) == before, f"{name}: files written"
    assert smtp.messages == []
