"""The auditors' report: one self-contained HTML file (inline CSS and SVG, nothing fetched) and its Markdown twin.

Contents: the consortium and the block range covered, members over time, each proposal with its outcome and a
chart of its votes, participation per member and per stakeholder group, and the verification result.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path

from ccsi_dao.audit.verify import Verification
from ccsi_dao.decisionlog.entries import iso
from ccsi_dao.decisionlog.history import History, ProposalRecord
from ccsi_dao.fileio import write_atomic
from ccsi_dao.governance.describe import ActionDescriber
from ccsi_dao.types import MemberStatus, StakeholderGroup, VoteType, group_name, role_name

_COLORS = {VoteType.FOR: "#2e7d32", VoteType.AGAINST: "#c62828", VoteType.ABSTAIN: "#9e9e9e"}


@dataclass(frozen=True)
class Participation:
    name: str
    eligible: int
    voted: int

    @property
    def share(self) -> str:
        return f"{100 * self.voted / self.eligible:.0f}%" if self.eligible else "-"


def participation(history: History) -> tuple[list[Participation], list[Participation]]:
    """Per member and per stakeholder group: proposals it could vote on (power at the snapshot; proposals withdrawn
    before any vote left out) and votes cast."""
    members: dict[str, list[int]] = {}
    groups: dict[str, list[int]] = {group_name(g): [0, 0] for g in StakeholderGroup}
    for p in history.proposal_list():
        if p.canceled and not p.votes:
            continue  # withdrawn before anyone could vote
        voters = {v.voter for v in p.votes}
        for account in history.member_changes:
            if history.power_at(account, p.snapshot) == 0 and account not in voters:
                continue
            state = history.member_at(account)
            row = members.setdefault(account, [0, 0])
            row[0] += 1
            row[1] += account in voters
            if state:
                groups[group_name(state.group)][0] += 1
                groups[group_name(state.group)][1] += account in voters
    by_member = [Participation(f"{(history.member_at(a) or _blank).name} ({a})", e, v) for a, (e, v) in members.items()]
    by_group = [Participation(g, e, v) for g, (e, v) in groups.items() if e]
    return by_member, by_group


class _Blank:
    name = ""


_blank = _Blank()


def vote_chart(p: ProposalRecord, total: int | None = None) -> str:
    """An inline SVG bar chart of the proposal's For/Against/Abstain weights."""
    totals = p.totals()
    scale = max([total or 0, *totals.values(), 1])
    width, bar_h = 320, 18
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width + 120}" height="{3 * (bar_h + 6) + 4}" '
        f'role="img" aria-label="votes of proposal {p.number}">'
    ]
    for row, choice in enumerate((VoteType.FOR, VoteType.AGAINST, VoteType.ABSTAIN)):
        y = 2 + row * (bar_h + 6)
        w = int(width * totals[choice] / scale)
        parts.append(f'<text x="0" y="{y + 13}" font-size="12" font-family="sans-serif">{choice.name.lower()}</text>')
        parts.append(f'<rect x="60" y="{y}" width="{width}" height="{bar_h}" fill="#eeeeee"/>')
        parts.append(f'<rect x="60" y="{y}" width="{w}" height="{bar_h}" fill="{_COLORS[choice]}"/>')
        parts.append(
            f'<text x="{60 + width + 6}" y="{y + 13}" font-size="12" font-family="sans-serif">{totals[choice]}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _members_over_time(history: History) -> list[tuple[str, str, str]]:
    rows = []
    for account, changes in history.member_changes.items():
        for when, state in changes:
            rows.append(
                (
                    when,
                    f"{state.name} ({account})",
                    f"{state.status.name.lower()}, {role_name(state.role)}, {group_name(state.group)}, weight {state.weight}",
                )
            )
    rows.sort(key=lambda row: row[0])  # stable: same-time changes stay in admission order
    return [(iso(when), who, what) for when, who, what in rows]


def render_markdown(history: History, result: Verification, covered: tuple[int, int | None], name: str) -> str:
    describer = ActionDescriber(history.record, history.name_of)
    r = history.record
    lines = [
        f"# Decision report: {name}",
        "",
        f"- chain {r.chain_id}; governor {r.governor}; membership {r.membership}; timelock {r.timelock}",
        f"- blocks covered: {covered[0]}..{covered[1]}",
        f"- verification: **{'PASS' if result.ok else 'FAIL'}** ({len(result.findings)} checks, "
        f"{len(result.discrepancies)} discrepancies, blocks {result.first_block}..{result.last_block})",
        "",
        "## Members over time",
        "",
        "| when | member | record |",
        "|---|---|---|",
    ]
    lines += [f"| {w} | {m} | {s} |" for w, m, s in _members_over_time(history)]
    current = [s for a in history.member_changes if (s := history.member_at(a)) and s.status == MemberStatus.ACTIVE]
    lines += ["", f"Active now: {len(current)} members.", "", "## Proposals", ""]
    for p in history.proposal_list():
        t = p.totals()
        lines += [
            f"### #{p.number} {p.text.strip()}",
            "",
            f"- category: {p.category.name.lower() if p.category is not None else 'unknown'}; outcome: {p.outcome}",
            f"- proposed {iso(p.created.timestamp)} by {describer.who(p.proposer)}",
            f"- votes: for {t[VoteType.FOR]}, against {t[VoteType.AGAINST]}, abstain {t[VoteType.ABSTAIN]} "
            f"({len(p.votes)} voters)",
        ]
        lines += [f"- action {i}: {describer.describe(a)}" for i, a in enumerate(p.actions, 1)]
        lines.append("")
    by_member, by_group = participation(history)
    lines += ["## Participation per member", "", "| member | eligible | voted | share |", "|---|---|---|---|"]
    lines += [f"| {x.name} | {x.eligible} | {x.voted} | {x.share} |" for x in by_member]
    lines += [
        "",
        "## Participation per stakeholder group",
        "",
        "| group | eligible | voted | share |",
        "|---|---|---|---|",
    ]
    lines += [f"| {x.name} | {x.eligible} | {x.voted} | {x.share} |" for x in by_group]
    lines += ["", "## Verification", "", "| result | check | subject | evidence |", "|---|---|---|---|"]
    lines += [
        f"| {'PASS' if f.ok else 'FAIL'} | {f.check} | {f.subject} | {f.evidence.replace('|', '/')} |"
        for f in result.findings
    ]
    return "\n".join(lines) + "\n"


def render_html(history: History, result: Verification, covered: tuple[int, int | None], name: str) -> str:
    e = html.escape
    describer = ActionDescriber(history.record, history.name_of)
    r = history.record
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>Decision report: {e(name)}</title>",
        "<style>body{font-family:sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}"
        "table{border-collapse:collapse;margin:.5rem 0}td,th{border:1px solid #ccc;padding:.2rem .5rem;text-align:left;"
        "vertical-align:top;font-size:.9rem}.pass{color:#2e7d32;font-weight:bold}.fail{color:#c62828;font-weight:bold}"
        "section.proposal{border-top:1px solid #ddd;margin-top:1rem}code{font-size:.85rem}</style></head><body>",
        f"<h1>Decision report: {e(name)}</h1>",
        f"<p>Chain {r.chain_id}; governor <code>{r.governor}</code>; membership <code>{r.membership}</code>; "
        f"timelock <code>{r.timelock}</code>.<br>Blocks covered: {covered[0]}..{covered[1]}.<br>Verification: "
        f'<span class="{"pass" if result.ok else "fail"}">{"PASS" if result.ok else "FAIL"}</span> '
        f"({len(result.findings)} checks, {len(result.discrepancies)} discrepancies).</p>",
        "<h2>Members over time</h2><table><tr><th>when</th><th>member</th><th>record</th></tr>",
    ]
    out += [f"<tr><td>{e(w)}</td><td>{e(m)}</td><td>{e(s)}</td></tr>" for w, m, s in _members_over_time(history)]
    out.append("</table><h2>Proposals</h2>")
    for p in history.proposal_list():
        t = p.totals()
        out.append(
            f'<section class="proposal"><h3>#{p.number} {e(p.text.strip())}</h3>'
            f"<p>Category: {e(p.category.name.lower() if p.category is not None else 'unknown')}; "
            f"outcome: <b>{e(p.outcome)}</b>; proposed {iso(p.created.timestamp)} by {e(describer.who(p.proposer))}; "
            f"{len(p.votes)} voters: for {t[VoteType.FOR]}, against {t[VoteType.AGAINST]}, abstain "
            f"{t[VoteType.ABSTAIN]}.</p><ol>"
        )
        out += [f"<li>{e(describer.describe(a))}</li>" for a in p.actions]
        out.append("</ol>" + vote_chart(p, history.total_power_at(p.snapshot)) + "</section>")
    by_member, by_group = participation(history)
    for title, rows in (("Participation per member", by_member), ("Participation per stakeholder group", by_group)):
        out.append(f"<h2>{title}</h2><table><tr><th></th><th>eligible</th><th>voted</th><th>share</th></tr>")
        out += [f"<tr><td>{e(x.name)}</td><td>{x.eligible}</td><td>{x.voted}</td><td>{x.share}</td></tr>" for x in rows]
        out.append("</table>")
    out.append("<h2>Verification</h2><table><tr><th>result</th><th>check</th><th>subject</th><th>evidence</th></tr>")
    out += [
        f'<tr><td class="{"pass" if f.ok else "fail"}">{"PASS" if f.ok else "FAIL"}</td><td>{e(f.check)}</td>'
        f"<td>{e(f.subject)}</td><td>{e(f.evidence)}</td></tr>"
        for f in result.findings
    ]
    out.append("</table></body></html>")
    return "\n".join(out) + "\n"


def write_report(
    path: Path, history: History, result: Verification, covered: tuple[int, int | None], *, consortium_name: str
) -> tuple[Path, Path]:
    """Write the HTML report to ``path`` and the Markdown next to it, each atomically."""
    path = Path(path)
    md_path = path.with_suffix(".md")
    write_atomic(path, render_html(history, result, covered, consortium_name))
    write_atomic(md_path, render_markdown(history, result, covered, consortium_name))
    return path, md_path
