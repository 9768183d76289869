"""The dashboard's proposal page with chambers and choices, over HTTP: per-chamber and per-option progress of the
history of :mod:`tests.support.chambers_history`, and live while a choice is being voted on."""

from __future__ import annotations

import html
import json
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from subprocess import Popen

import pytest
from eth_account.signers.local import LocalAccount

from tests.e2e.web.conftest import fetch, start_server, stop_server
from tests.support.anvil import start_anvil, stop_anvil
from tests.support.chambers_history import (
    TEXT_LABELS,
    ChambersBuilt,
    build_chambers_history,
    choice_actions,
    vote_options,
)
from tests.support.cli import Rpc
from tests.support.scenario import AGAINST

pytestmark = pytest.mark.slow


@dataclass
class ChambersSite:
    url: str
    built: ChambersBuilt
    process: Popen[str]
    log: Path

    def page(self, path: str) -> str:
        status, _, body = fetch(self.url + path)
        assert status == 200, (status, body[:500])
        return html.unescape(re.sub(r"<[^>]+>", " ", body))

    def block(self) -> int | None:
        """The block the dashboard has synced to (None before it answers)."""
        try:
            return json.loads(fetch(self.url + "/api/status")[2])["block"]
        except (OSError, ValueError):  # not listening yet
            return None


@pytest.fixture(scope="module")
def chambers_site(tmp_path_factory: pytest.TempPathFactory, accounts: list[LocalAccount]) -> Iterator[ChambersSite]:
    proc, url = start_anvil()
    server = log = None
    try:
        built = build_chambers_history(url, accounts)
        home = tmp_path_factory.mktemp("web-chambers") / "home"
        home.mkdir()
        built.dao.record.save(home / "deployment.json")
        server, base, log = start_server(home, url, "--interval", "0.3", "--verify-every", "0")
        site = ChambersSite(base, built, server, log)
        wait_for_block(site, built.chain.block_number())
        yield site
    finally:
        if server is not None and log is not None:
            stop_server(server, log)
        stop_anvil(proc)


def wait_for_block(site: ChambersSite, block: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = site.block()
        if found is not None and found >= block:
            return
        time.sleep(0.1)
    raise AssertionError(f"the dashboard did not reach block {block}: {site.log.read_text()}")


def words(text: str) -> str:
    return " ".join(text.split())


def test_a_choice_shows_each_option_and_the_winner(chambers_site: ChambersSite) -> None:
    page = words(chambers_site.page(f"/proposals/{chambers_site.built.number('choice')}"))
    assert "winner: Cooperative, with 4 votes" in page
    assert "1 Association 2 no approval: 2 for, 5 against" in page
    assert "2 Cooperative winner 4 yes" in page
    assert "for : Association, Cooperative" in page  # founding partner 2's ballot
    assert "offer a choice among 3 options, a ballot selecting up to 2 options: 1. Association;" in page


def test_a_blocked_proposal_names_the_chamber_and_its_measure(chambers_site: ChambersSite) -> None:
    page = words(chambers_site.page(f"/proposals/{chambers_site.built.number('blocked')}"))
    assert "blocked by founding partners" in page
    assert (
        "founding partners founding partners: any vote against blocks 2 0 1 0 ✗ founding partners: 1 against, 0 for: "
        "blocked (any vote against blocks)" in page
    )
    no_winner = words(chambers_site.page(f"/proposals/{chambers_site.built.number('no-winner')}"))
    assert "no option qualifies: Two-tier board: approval: 2 for, 3 against" in no_winner


def test_progress_is_live_while_a_choice_is_open(chambers_site: ChambersSite) -> None:
    b = chambers_site.built
    r = b.round
    with Rpc(b.chain.url).rolled_back():
        p = r.open(choice_actions(b.dao.record.governor, TEXT_LABELS, [[], [], []], 1), "Choice: meeting rhythm")
        number = len(b.proposals) + 1
        for voter in (1, 3, 4):
            vote_options(b.dao, b.accounts[voter], p.id, [1])
        wait_for_block(chambers_site, b.chain.block_number())
        page = words(chambers_site.page(f"/proposals/{number}"))
        assert "so far: leading: Single board, with 3 votes" in page
        assert "✓ founding partners: 0 against, 1 for: not blocked" in page
        r.vote(p, [2], AGAINST)  # a founding partner against: every option is blocked
        wait_for_block(chambers_site, b.chain.block_number())
        page = words(chambers_site.page(f"/proposals/{number}"))
        assert "so far: no option qualifies" in page
        assert "✗ founding partners: 1 against, 1 for: blocked" in page
