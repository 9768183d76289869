"""``ccsi-dao log`` and ``ccsi-dao audit ...``: the decision log, independent verification, the auditors' report."""

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from ccsi_dao.cli.common import handled, new_app, settings

app = new_app("For auditors: verify every decision from chain data, check the deployed code, write a report.")

IndexOpt = Annotated[
    Path | None,
    typer.Option("--index", help="SQLite index file (default: $CCSI_DAO_HOME/index-<chain>-<governor>.sqlite)."),
]
ConfirmOpt = Annotated[
    int | None,
    typer.Option(
        "--confirmations",
        min=0,
        help="Index only blocks this deep (default: the chain's finalized block, else 12; 0 on a local devnet).",
    ),
]
NoSyncOpt = Annotated[bool, typer.Option("--no-sync", help="Read the index as it is, without asking the chain.")]
RangeOpt = Annotated[int, typer.Option("--max-range", min=1, help="Largest eth_getLogs block range to ask for.")]


def _progress(synced_to: int, target: int, first: int) -> None:
    if target - first < 10_000 and not sys.stderr.isatty():
        return
    share = 100.0 if target <= first else 100.0 * (synced_to - first + 1) / (target - first + 1)
    end = "\n" if synced_to >= target else ""
    sys.stderr.write(f"\rsyncing the decision index: block {synced_to} of {target} ({share:5.1f}%)" + end)
    sys.stderr.flush()


def _open(ctx: typer.Context, index: Path | None, sync: bool, confirmations: int | None, max_range: int):
    from ccsi_dao.decisionlog.store import open_index

    s = settings(ctx)
    record = s.record()
    idx = open_index(record, index)
    chain = None
    if sync:
        chain = s.chain(record.chain_id)
        idx.sync(chain.w3, confirmations=confirmations, max_range=max_range, progress=_progress)
    elif idx.synced_to is None:
        idx.close()
        from ccsi_dao.errors import UserError

        raise UserError(f"the index {idx.path} is empty: run without --no-sync first")
    return s, record, idx, chain


@handled
def log(
    ctx: typer.Context,
    proposal: Annotated[str | None, typer.Option("--proposal", "-p", help="Only this proposal (number or id).")] = None,
    member: Annotated[
        str | None, typer.Option("--member", "-m", help="Only this member (address or part of its name).")
    ] = None,
    group: Annotated[str | None, typer.Option("--group", "-g", help="Only members of this stakeholder group.")] = None,
    kind: Annotated[
        list[str] | None,
        typer.Option(
            "--kind",
            "-k",
            help="Only these kinds (repeat or comma-separate): "
            "proposal, vote, queue, execute, cancel, extend, membership, proxy, "
            "agreement, rules, settings, treasury, timelock, roles.",
        ),
    ] = None,
    since: Annotated[str | None, typer.Option("--since", help="From this time (2026-03-01, ISO time or unix).")] = None,
    until: Annotated[str | None, typer.Option("--until", help="Up to this time.")] = None,
    from_block: Annotated[int | None, typer.Option("--from-block", min=0)] = None,
    to_block: Annotated[int | None, typer.Option("--to-block", min=0)] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table, jsonl, csv or markdown.")] = "table",
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write to this file instead of stdout.")] = None,
    index: IndexOpt = None,
    no_sync: NoSyncOpt = False,
    confirmations: ConfirmOpt = None,
    max_range: RangeOpt = 2_000,
) -> None:
    """The chronological record of every governance event, from the local index (synced first)."""
    from ccsi_dao.decisionlog.entries import FORMATS, Filters, check_filters, entries, parse_when, render, select
    from ccsi_dao.decisionlog.history import load_history
    from ccsi_dao.errors import UserError
    from ccsi_dao.fileio import check_writable, write_atomic

    if fmt not in FORMATS:
        raise UserError(f"unknown format {fmt!r}: choose from {', '.join(FORMATS)}")
    kinds = tuple(k.strip() for item in (kind or []) for k in item.split(",") if k.strip())
    filters = Filters(
        proposal=proposal,
        member=member,
        group=group,
        kinds=kinds,
        since=parse_when(since) if since else None,
        until=parse_when(until) if until else None,
        from_block=from_block,
        to_block=to_block,
    )
    check_filters(filters)
    if output is not None:
        check_writable(output)
    _, _, idx, _ = _open(ctx, index, not no_sync, confirmations, max_range)
    with idx:
        history = load_history(idx)
    text = render(select(entries(history), filters, history), fmt)
    if output is not None:
        write_atomic(output, text)
    else:
        typer.echo(text, nl=False)


@app.command()
@handled
def verify(
    ctx: typer.Context,
    index: IndexOpt = None,
    no_index: Annotated[bool, typer.Option("--no-index", help="Do not compare a local index with the chain.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the findings as JSON.")] = False,
    only_failures: Annotated[bool, typer.Option("--failures", help="Print only discrepancies.")] = False,
) -> None:
    """Recompute every decision from raw chain data and compare with the contracts (and the local index)."""
    from ccsi_dao.audit.verify import verify as run
    from ccsi_dao.decisionlog.store import default_index_path, open_index

    s = settings(ctx)
    consortium = s.consortium()
    path = index or default_index_path(consortium.record)
    idx = None if no_index or not path.exists() else open_index(consortium.record, path)
    try:
        result = run(consortium, index=idx)
    finally:
        if idx is not None:
            idx.close()
    if as_json:
        typer.echo(json.dumps(result.as_dict(), indent=2))
    else:
        for finding in result.findings:
            if finding.ok and only_failures:
                continue
            typer.echo(finding.line())
        typer.echo(
            f"{'PASS' if result.ok else 'FAIL'}: {len(result.findings)} checks, {len(result.discrepancies)} "
            f"discrepancies; {result.proposals} proposals, {result.logs} logs, blocks {result.first_block}.."
            f"{result.last_block}, {result.seconds:.2f} s"
        )
    if not result.ok:
        raise typer.Exit(1)


@app.command("verify-code")
@handled
def verify_code(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print the findings as JSON.")] = False,
) -> None:
    """Check that the code at each deployed address is the committed artifacts' code."""
    from ccsi_dao.audit.bytecode import verify_code as run

    result = run(settings(ctx).consortium())
    if as_json:
        typer.echo(json.dumps(result.as_dict(), indent=2))
    else:
        for finding in result.findings:
            typer.echo(finding.line())
        typer.echo(f"{'PASS' if result.ok else 'FAIL'}: {len(result.discrepancies)} discrepancies")
    if not result.ok:
        raise typer.Exit(1)


@app.command()
@handled
def report(
    ctx: typer.Context,
    output: Annotated[
        Path, typer.Option("--output", "-o", help="HTML file to write; the Markdown goes next to it (.md).")
    ] = Path("ccsi-dao-report.html"),
    index: IndexOpt = None,
    confirmations: ConfirmOpt = None,
    max_range: RangeOpt = 2_000,
) -> None:
    """Write a self-contained HTML report (and Markdown): members, proposals, votes, participation, verification."""
    from ccsi_dao.audit.report import write_report
    from ccsi_dao.audit.verify import verify as run
    from ccsi_dao.decisionlog.history import load_history
    from ccsi_dao.fileio import check_writable

    check_writable(output)
    s, record, idx, _chain = _open(ctx, index, True, confirmations, max_range)
    with idx:
        history = load_history(idx)
        covered = idx.covered()
        consortium = s.consortium()
        result = run(consortium, index=idx)
    html_path, md_path = write_report(output, history, result, covered, consortium_name=record.consortium)
    typer.echo(f"wrote {html_path} and {md_path} ({'verification passed' if result.ok else 'VERIFICATION FAILED'})")
