"""``ccsi-dao serve`` in a real browser (headless Chromium through Playwright): every page loads on a desktop and a
phone screen without fetching anything from elsewhere, the filters work as ``ccsi-dao log``'s do, a vote cast during
the test appears without a reload, the audit report renders, the keyboard reaches every control, the pages pass
basic accessibility checks in both colour schemes, and hostile text from the chain stays text.

Screenshots of every page (desktop and phone) are saved to ``.build/screenshots/``.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ccsi_dao.types import VoteType
from tests.e2e.web.conftest import Site
from tests.e2e.web.history import HOSTILE_DESCRIPTION, HOSTILE_NAME, OPEN_TITLE
from tests.support.faultlib import CLI

pytestmark = pytest.mark.slow

PAGES = {
    "/": "Overview",
    "/proposals": "Proposals",
    "/proposals/1": "#1 Signal",
    "/members": "Members",
    "/log": "Decision log",
    "/treasury": "Treasury",
    "/agreement": "Agreement",
    "/verification": "Verification",
}
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}

FOCUSABLES = """() => {
  const sel = 'a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex]:not([tabindex="-1"])';
  const out = [];
  document.querySelectorAll(sel).forEach((el, i) => {
    if (el.disabled || el.closest('[hidden]')) return;
    if (el.tagName !== 'SUMMARY' && el.closest('details:not([open])')) return;
    const st = getComputedStyle(el);
    if (st.visibility === 'hidden' || st.display === 'none') return;
    const r = el.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) return;
    el.setAttribute('data-kbd', String(i));
    out.push(String(i));
  });
  return out;
}"""

CONTRAST = """() => {
  const parse = c => { const m = c.match(/rgba?\\(([^)]+)\\)/); if (!m) return null;
    const p = m[1].split(',').map(parseFloat); return {r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1}; };
  const lum = c => { const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b); };
  const bg = el => { while (el) { const c = parse(getComputedStyle(el).backgroundColor); if (c && c.a > 0.5) return c;
    el = el.parentElement; } return parse(getComputedStyle(document.documentElement).backgroundColor) || {r: 255, g: 255, b: 255}; };
  const bad = [], seen = new Set();
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  let node;
  while ((node = walker.nextNode())) {
    const el = node.parentElement;
    if (!node.textContent.trim() || seen.has(el)) continue;
    seen.add(el);
    if (el.closest('.visually-hidden, [hidden], .skip-link')) continue;
    const st = getComputedStyle(el);
    if (st.visibility === 'hidden' || st.display === 'none') continue;
    const fg = parse(st.color), back = bg(el);
    const a = lum(fg), b = lum(back);
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    const size = parseFloat(st.fontSize), bold = parseInt(st.fontWeight, 10) >= 700;
    const large = size >= 24 || (bold && size >= 18.66);
    if (ratio < (large ? 3 : 4.5)) bad.push(`${el.tagName}.${el.className}: ${ratio.toFixed(2)} "${node.textContent.trim().slice(0, 30)}"`);
  }
  return bad;
}"""

STRUCTURE = """() => {
  const problems = [];
  const count = sel => document.querySelectorAll(sel).length;
  if (document.documentElement.lang !== 'en') problems.push('no lang');
  if (count('body > header') !== 1) problems.push('header (banner) landmarks: ' + count('body > header'));
  if (count('nav[aria-label="Sections"]') !== 1) problems.push('no labelled main navigation');
  if (count('main') !== 1) problems.push('main landmarks: ' + count('main'));
  if (count('body > footer') !== 1) problems.push('footer (contentinfo) landmarks: ' + count('body > footer'));
  if (count('h1') !== 1) problems.push('h1 count: ' + count('h1'));
  if (!document.title.trim()) problems.push('no title');
  document.querySelectorAll('input:not([type=hidden]), select, textarea').forEach(el => {
    const named = (el.labels && el.labels.length) || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby');
    if (!named) problems.push('control without a label: ' + (el.name || el.id));
  });
  document.querySelectorAll('button').forEach(el => { if (!el.textContent.trim() && !el.getAttribute('aria-label')) problems.push('button without a name'); });
  document.querySelectorAll('a[href]').forEach(el => { if (!el.textContent.trim() && !el.getAttribute('aria-label')) problems.push('link without text: ' + el.href); });
  document.querySelectorAll('svg[role=img]').forEach(el => { if (!el.getAttribute('aria-label')) problems.push('chart without a name'); });
  document.querySelectorAll('svg:not([role=img])').forEach(el => { if (el.getAttribute('aria-hidden') !== 'true') problems.push('decorative svg not hidden'); });
  document.querySelectorAll('img').forEach(el => { if (!el.hasAttribute('alt')) problems.push('img without alt'); });
  document.querySelectorAll('table').forEach(el => { if (!el.querySelector('caption') && !el.closest('[aria-label]')) problems.push('table without a caption'); });
  const ids = {}; document.querySelectorAll('[id]').forEach(el => { ids[el.id] = (ids[el.id] || 0) + 1; });
  Object.entries(ids).forEach(([id, n]) => { if (n > 1) problems.push('duplicate id ' + id); });
  return problems;
}"""


class Tab:
    """A browser tab on the dashboard that records what it fetched and any script error."""

    def __init__(self, browser: Any, site: Site, viewport: dict[str, int] = DESKTOP, scheme: str = "light") -> None:
        self.site = site
        self.context = browser.new_context(viewport=viewport, color_scheme=scheme)
        self.page = self.context.new_page()
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        # a page answered 400 or 404 on purpose logs "Failed to load resource"; the page's own parts must not fail
        self.page.on(
            "console",
            lambda m: (
                self.errors.append(m.text)
                if m.type == "error" and not m.text.startswith("Failed to load resource")
                else None
            ),
        )
        self.page.on(
            "response",
            lambda r: (
                self.errors.append(f"{r.status} {r.url}")
                if r.status >= 400 and ("/static/" in r.url or "/events" in r.url or "/api/" in r.url)
                else None
            ),
        )
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))

    def open(self, path: str) -> Any:
        response = self.page.goto(self.site.url + path)
        assert response is not None
        return response

    def foreign_requests(self) -> list[str]:
        return [u for u in self.requests if not u.startswith((self.site.url + "/", "data:"))]

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def tab(browser: Any, site: Site) -> Iterator[Tab]:
    opened = Tab(browser, site)
    yield opened
    opened.close()
    assert opened.errors == [], opened.errors
    assert opened.dialogs == [], f"a script from the chain ran: {opened.dialogs}"


def _shot(page: Any, folder: Path, name: str) -> None:
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


# ---------------------------------------------------------------------------------------------- pages


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_every_page_loads_offline(browser: Any, site: Site, screenshots: Path, viewport: str) -> None:
    """Each page answers 200 with its heading, fetches nothing from another origin (no CDN, no font), runs its
    script without error, and on a phone never needs sideways scrolling of the page itself."""
    tab = Tab(browser, site, PHONE if viewport == "phone" else DESKTOP)
    try:
        for path, heading in PAGES.items():
            response = tab.open(path)
            assert response.status == 200, (path, response.status)
            assert tab.page.locator("h1").inner_text().startswith(heading), path
            assert "no-store" in response.headers["cache-control"]
            assert tab.page.evaluate("document.documentElement.classList.contains('js')"), "the script did not run"
            if viewport == "phone":
                overflow = tab.page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
                assert overflow <= 1, (path, overflow)
            _shot(tab.page, screenshots, f"{viewport}-{path.strip('/').replace('/', '-') or 'overview'}")
        assert tab.foreign_requests() == []
        assert any(u.endswith(".css") or "/static/dashboard.css" in u for u in tab.requests)
        assert tab.errors == []
    finally:
        tab.close()


def test_navigation_marks_the_current_page(tab: Tab) -> None:
    tab.open("/")
    for label in ("Proposals", "Members", "Decision log", "Treasury", "Agreement", "Verification", "Overview"):
        tab.page.get_by_role("navigation", name="Sections").get_by_role("link", name=label, exact=True).click()
        current = tab.page.locator('nav[aria-label="Sections"] a[aria-current="page"]')
        assert current.count() == 1 and current.inner_text() == label


def test_proposal_shows_progress_votes_and_actions(tab: Tab, site: Site) -> None:
    tab.open("/proposals/1")
    text = tab.page.locator("main").inner_text()
    assert "executed" in text and "Quorum reached" in text and "Approval met" in text
    assert "For 8" in text and "Against 1" in text and "Abstain 1" in text  # member 11 voted with member 10's weight
    assert "signed ballot relayed by" in text and "also as proxy for" in text
    assert "no on-chain effect (signal)" in text
    chart = tab.page.locator("svg.bar[role=img]").first.get_attribute("aria-label")
    assert chart is not None and "8 for, 1 against, 1 abstain" in chart and "quorum" in chart
    tab.open("/proposals/4")
    text = tab.page.locator("main").inner_text()
    # the outcome and its reason as the decision log judges them (ccsi-dao log's outcome entry), in the same words
    [closed] = _cli_log(site, "--proposal", "4", "--kind", "outcome")
    assert (closed["details"]["outcome"], closed["details"]["reason"]) == ("defeated", "approval failed")
    assert "defeated: approval failed" in text and closed["details"]["explanation"] in text


def test_proposal_filters(tab: Tab) -> None:
    tab.open("/proposals")
    tab.page.get_by_label("State").select_option("executed")
    tab.page.get_by_role("button", name="Show").click()
    tab.page.wait_for_url("**/proposals?state=executed*")
    states = tab.page.locator("article .state").all_inner_texts()
    assert states and all("executed" in s for s in states)
    assert tab.page.locator("#proposal-count").inner_text().startswith(f"{len(states)} proposal")
    tab.page.get_by_label("Category").select_option("constitutional")
    tab.page.get_by_role("button", name="Show").click()
    tab.page.wait_for_url("**category=constitutional*")
    assert [t.split(" ", 1)[0] for t in tab.page.locator("article h2").all_inner_texts()] == ["#5"]


# ---------------------------------------------------------------------------------------------- the log's filters


def _cli_log(site: Site, *args: str) -> list[dict[str, Any]]:
    """``ccsi-dao log`` on the server's own index, without syncing (the same entries the server shows)."""
    proc = subprocess.run(
        [CLI, "--rpc-url", site.built.url, "--deployment", str(site.home / "deployment.json"), "log", "--no-sync",
         "--format", "jsonl", *args],
        capture_output=True, text=True, timeout=60, env={"CCSI_DAO_HOME": str(site.home), "PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    return [json.loads(line) for line in proc.stdout.splitlines()]


def _shown(tab: Tab) -> tuple[int, list[str]]:
    count = int(tab.page.locator("#log-count").inner_text().split(" ", 1)[0].replace(",", ""))
    return count, tab.page.locator("#log-results table.log tbody tr").all_inner_texts()


@pytest.mark.parametrize(
    ("fill", "cli"),
    [
        ({"Proposal": "1"}, ("--proposal", "1")),
        ({"Member": "Partner 6"}, ("--member", "Partner 6")),
        ({"Stakeholder group": "municipality"}, ("--group", "municipality")),
        ({"kinds": ["vote", "execute"], "Proposal": "3"}, ("--kind", "vote,execute", "--proposal", "3")),
        ({"From block": "20", "To block": "40"}, ("--from-block", "20", "--to-block", "40")),
        ({"Since": "2000-01-01", "kinds": ["agreement"]}, ("--since", "2000-01-01", "--kind", "agreement")),
    ],
    ids=["proposal", "member", "group", "kinds-and-proposal", "blocks", "since-and-kind"],
)
def test_log_filters_match_the_cli(tab: Tab, site: Site, fill: dict[str, Any], cli: tuple[str, ...]) -> None:
    """The log page's filters select exactly what ``ccsi-dao log`` selects with the same options."""
    expected = _cli_log(site, *cli)
    tab.open("/log")
    for label, value in fill.items():
        if label == "kinds":
            for kind in value:
                tab.page.get_by_role("checkbox", name=kind, exact=True).check()
        elif label == "Stakeholder group":
            tab.page.get_by_label(label).select_option(value)
        else:
            tab.page.get_by_label(label, exact=True).fill(value)
    tab.page.get_by_role("button", name="Filter").click()
    tab.page.wait_for_url("**/log?*")
    count, rows = _shown(tab)
    assert count == len(expected) > 0, (count, len(expected))
    if count <= 100:
        # (block, kind); an outcome reached at a deadline has no block ("-" on the page, null in the CLI's JSON)
        newest_first = [(e["block"], e["kind"]) for e in reversed(expected)]
        cells = [r.split("\t") for r in rows]
        assert [(None if c[1] == "-" else int(c[1].replace(",", "")), c[2]) for c in cells] == newest_first
    if "--proposal" in cli:
        number = cli[cli.index("--proposal") + 1]
        assert all(f"#{number}" in r for r in rows)


def test_log_filter_mistakes_are_explained(tab: Tab) -> None:
    tab.open("/log?since=yesterday&group=municipality")
    field = tab.page.get_by_label("Since", exact=True)
    assert field.get_attribute("aria-invalid") == "true"
    assert "is not a time" in tab.page.locator("#filter-problems").inner_text()
    assert tab.page.get_by_label("Stakeholder group").input_value() == "municipality"  # the rest of the form is kept
    tab.open("/log?member=Nobody+at+all")
    assert "no member's name contains" in tab.page.locator("#filter-problems").inner_text()
    tab.page.get_by_role("link", name="Clear the filters").click()
    assert tab.page.locator("#filter-problems").count() == 0


# ---------------------------------------------------------------------------------------------- live updates


def test_a_vote_cast_now_appears_without_a_reload(browser: Any, site: Site, screenshots: Path) -> None:
    built = site.built
    pid = built.proposals["open"]
    tabs = [Tab(browser, site), Tab(browser, site, PHONE)]
    try:
        tabs[0].open("/proposals/7")
        tabs[1].open("/")
        for t in tabs:
            t.page.evaluate("window.__notReloaded = true")
            assert "Against 0" in t.page.locator("main").inner_text()
        assert OPEN_TITLE in tabs[0].page.locator("h1").inner_text()
        before = site.status()["block"]
        built.dao.vote(built.accounts[3], pid, VoteType.AGAINST, "decided live, during the test")
        for t in tabs:
            t.page.wait_for_function(
                "() => document.querySelector('main').innerText.includes('Against 1')", timeout=20_000
            )
            assert t.page.evaluate("window.__notReloaded") is True, "the page was reloaded"
        votes = tabs[0].page.locator("#votes").inner_text()
        assert "decided live, during the test" in votes and "Partner 3" in votes
        tabs[0].page.wait_for_function(
            "() => document.getElementById('announcer').textContent.startsWith('Updated to block')", timeout=5_000
        )
        assert int(tabs[0].page.locator("#synced-block").inner_text().replace(",", "")) > before
        _shot(tabs[0].page, screenshots, "live-vote-desktop")
        _shot(tabs[1].page, screenshots, "live-vote-phone")
        for t in tabs:
            assert t.errors == [] and t.foreign_requests() == []
    finally:
        for t in tabs:
            t.close()


def test_live_updates_keep_a_filter_being_typed(tab: Tab, site: Site) -> None:
    """A refresh replaces the results only: text typed into the filter form and the focus stay."""
    tab.open("/log")
    field = tab.page.get_by_label("Member", exact=True)
    field.fill("Partn")
    field.focus()
    tab.page.evaluate("window.__notReloaded = true")
    version = site.status()["version"]
    site.built.round.advance(60)  # a new block: the snapshot changes, every page refreshes its live parts
    tab.page.wait_for_function(f"() => +document.body.dataset.version > {version}", timeout=20_000)
    assert field.input_value() == "Partn"
    assert tab.page.evaluate("document.activeElement.id") == "f-member"
    assert tab.page.evaluate("window.__notReloaded") is True


def test_live_updates_can_be_paused(tab: Tab) -> None:
    tab.open("/")
    toggle = tab.page.locator("#live-toggle")
    assert toggle.get_attribute("aria-pressed") == "true"
    toggle.press("Enter")
    assert toggle.get_attribute("aria-pressed") == "false" and "paused" in toggle.inner_text()
    tab.page.reload()
    assert tab.page.locator("#live-toggle").get_attribute("aria-pressed") == "false"  # remembered
    tab.page.locator("#live-toggle").click()
    assert tab.page.locator("#live-toggle").get_attribute("aria-pressed") == "true"


# ---------------------------------------------------------------------------------------------- the report


def test_the_audit_report_renders_from_the_dashboard(tab: Tab, site: Site, screenshots: Path) -> None:
    tab.open("/verification")
    verdict = tab.page.locator(".verdict").inner_text()
    assert "Verification" in verdict
    tab.page.get_by_role("link", name="Open the audit report (HTML)").click()
    tab.page.wait_for_url("**/report")
    assert tab.page.locator("h1").inner_text().startswith("Decision report")
    body = tab.page.locator("body").inner_text()
    assert "Verification" in body and "Proposals" in body
    assert tab.page.evaluate("document.scripts.length") == 0
    _shot(tab.page, screenshots, "report")
    tab.page.go_back()
    markdown = tab.page.get_by_role("link", name="The report in Markdown")
    with tab.page.expect_response("**/report.md") as answer:
        markdown.click()
    assert answer.value.status == 200 and answer.value.text().startswith("# Decision report")


def test_verification_can_be_asked_for(tab: Tab, site: Site) -> None:
    tab.open("/verification")
    tab.page.get_by_role("link", name="Run verification now").click()
    tab.page.wait_for_url("**/verification?asked=*")
    assert (
        tab.page.get_by_role("status").filter(has_text="already running").count()
        + tab.page.get_by_role("status").filter(has_text="Verification asked for").count()
        >= 1
    )
    site.wait(lambda s: not s["verification_running"], "the verification asked for")
    tab.page.wait_for_function(
        "() => !document.querySelector('.verdict').innerText.includes('running')", timeout=20_000
    )


# ---------------------------------------------------------------------------------------------- keyboard and accessibility


@pytest.mark.parametrize("path", ["/", "/proposals", "/proposals/1", "/members", "/log", "/verification"])
def test_the_keyboard_reaches_every_control(tab: Tab, path: str) -> None:
    """Tab walks through every link, button, field and scrollable region, each with a visible focus ring; the first
    stop is the skip link, which moves the focus to the content."""
    tab.open(path)
    wanted = set(tab.page.evaluate(FOCUSABLES))
    assert wanted
    reached: list[str | None] = []
    unringed = []
    for _ in range(len(wanted) + 5):
        tab.page.keyboard.press("Tab")
        key = tab.page.evaluate("document.activeElement && document.activeElement.getAttribute('data-kbd')")
        reached.append(key)
        if key is not None:
            ring = tab.page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
            if ring == "none":
                unringed.append(tab.page.evaluate("document.activeElement.outerHTML.slice(0, 80)"))
    assert wanted - set(reached) == set(), f"never reached by Tab: {sorted(wanted - set(reached))}"
    assert unringed == []
    tab.open(path)
    tab.page.keyboard.press("Tab")
    assert tab.page.evaluate("document.activeElement.className") == "skip-link"
    tab.page.keyboard.press("Enter")
    assert tab.page.evaluate("document.activeElement.id") == "main"


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_accessibility_basics(browser: Any, site: Site, scheme: str, screenshots: Path) -> None:
    """Landmarks, one h1, labels on every control and chart, captions on tables, unique ids, and text contrast of
    at least 4.5:1 (3:1 for large text) everywhere, in both colour schemes."""
    tab = Tab(browser, site, scheme=scheme)
    try:
        for path in [*PAGES, "/log?since=nonsense"]:
            tab.open(path)
            tab.page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
            assert tab.page.evaluate(STRUCTURE) == [], path
            assert tab.page.evaluate(CONTRAST) == [], (path, scheme)
        _shot(tab.page, screenshots, f"{scheme}-log-with-a-mistake")
    finally:
        tab.close()


def test_no_meaning_rests_on_colour_alone(tab: Tab) -> None:
    tab.open("/proposals")
    for badge in tab.page.locator("article .state").all_inner_texts():
        assert badge.split()[-1] in ("pending", "active", "succeeded", "queued", "executed", "defeated", "canceled")
    tab.open("/proposals/4")
    text = tab.page.locator(".tally").first.inner_text()
    assert "Quorum reached" in text and "Approval not met" in text and "For 2" in text and "Against 7" in text
    tab.open("/verification")
    assert tab.page.locator(".verdict").inner_text().strip().split(" ", 1)[1].startswith("Verification")


# ---------------------------------------------------------------------------------------------- hostile text


def test_text_from_the_chain_stays_text(tab: Tab) -> None:
    tab.open("/proposals/1")
    assert tab.page.evaluate("document.scripts.length") == 1  # the dashboard's own, nothing from the chain
    assert HOSTILE_DESCRIPTION in tab.page.locator("h1").inner_text()
    assert HOSTILE_DESCRIPTION in tab.page.locator("main").inner_text()
    assert tab.page.locator("main b").count() == 0
    votes = tab.page.locator("#votes").inner_text()
    assert "\\u202e" in votes and "\u202e" not in votes  # a text-direction override is shown, not obeyed
    tab.open("/members")
    assert HOSTILE_NAME in tab.page.locator("main").inner_text()
    assert tab.page.locator("main img").count() == 0
    tab.open("/log?member=" + "Mestna")
    assert tab.page.locator("main img").count() == 0
    assert tab.page.evaluate("document.title").startswith("Decision log")
