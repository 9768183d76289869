"""``ccsi-dao log`` and ``ccsi-dao audit ...``: the decision log, independent verification, the auditors' report.

Each command works from the deployment record, or, with ``--governor ADDRESS``, from the chain alone (the registry
and the timelock are found from the governor: :func:`ccsi_dao.decisionlog.discover.discover_deployment`).
"""

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from ccsi_dao.cli.agreement_verify import GovernorOpt, RpcOpt
from ccsi_dao.cli.agreement_verify import verify as agreement_verify
from ccsi_dao.cli.common import handled, new_app, settings

app = new_app("For auditors: verify every decision from chain data, check the deployed code, write a report.")

__all__ = ["agreement_verify", "app", "log", "target"]

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
NoSyncOpt = Annotated[
    bool, typer.Option("--no-sync", help="Read the index as it is, without asking the chain (nor checking it).")
]
RangeOpt = Annotated[int, typer.Option("--max-range", min=1, help="Largest eth_getLogs block range to ask for.")]


def _progress(synced_to: int, target_block: int, first: int) -> None:
    if target_block - first < 10_000 and not sys.stderr.isatty():
        return
    share = 100.0 if target_block <= first else 100.0 * (synced_to - first + 1) / (target_block - first + 1)
    end = "\n" if synced_to >= target_block else ""
    sys.stderr.write(f"\rsyncing the decision index: block {synced_to} of {target_block} ({share:5.1f}%)" + end)
    sys.stderr.flush()


def target(ctx: typer.Context, governor: str | None, rpc_url: str | None = None) -> tuple[Any, Any]:
    """``(settings, consortium)``: from the deployment record, or from the chain alone with ``--governor``;
    ``rpc_url`` (the command's own ``--rpc-url``) overrides the global one."""
    s = settings(ctx)
    if rpc_url:
        s.rpc_url = rpc_url
    if governor is None:
        return s, s.consortium()
    from ccsi_dao.addresses import parse_address
    from ccsi_dao.decisionlog.discover import discover_deployment
    from ccsi_dao.governance.consortium import Consortium

    address = parse_address(governor)
    chain = s.chain()
    return s, Consortium(chain, discover_deployment(chain, address))


def _record_only(ctx: typer.Context, governor: str | None, rpc_url: str | None) -> tuple[Any, Any]:
    """``(record, chain or None)`` without touching the chain when the record is enough (``log --no-sync``)."""
    s = settings(ctx)
    if governor is None:
        return s.record(), None
    _, consortium = target(ctx, governor, rpc_url)
    return consortium.record, consortium.chain


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
            "proposal, vote, outcome, queue, execute, cancel, extend, membership, proxy, "
            "agreement, rules, settings, treasury, timelock, roles.",
        ),
    ] = None,
    since: Annotated[str | None, typer.Option("--since", help="From this time (2026-03-01, ISO time or unix).")] = None,
    until: Annotated[str | None, typer.Option("--until", help="Up to this time.")] = None,
    from_block: Annotated[int | None, typer.Option("--from-block", min=0)] = None,
    to_block: Annotated[int | None, typer.Option("--to-block", min=0)] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table, jsonl, json, csv or markdown.")] = "table",
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the entries as one JSON array (--format json).")
    ] = False,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write to this file instead of stdout.")] = None,
    governor: GovernorOpt = None,
    rpc_url: RpcOpt = None,
    index: IndexOpt = None,
    no_sync: NoSyncOpt = False,
    confirmations: ConfirmOpt = None,
    max_range: RangeOpt = 2_000,
) -> None:
    """The chronological record of every governance event, from the local index (synced first).

    Every outcome too (passed, defeated and why); an index that does not match the chain is refused."""
    from ccsi_dao.decisionlog.entries import FORMATS, Filters, check_filters, entries, parse_when, render, select
    from ccsi_dao.errors import ConfigError, UserError
    from ccsi_dao.fileio import check_writable, write_atomic

    if fmt not in FORMATS:
        raise UserError(f"unknown format {fmt!r}: choose from {', '.join(FORMATS)}")
    if as_json and fmt not in ("table", "json"):
        raise UserError(f"--json prints JSON; it cannot be combined with --format {fmt}")
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
    from ccsi_dao.decisionlog.check import check_index, self_check
    from ccsi_dao.decisionlog.history import load_history
    from ccsi_dao.decisionlog.store import open_index

    if no_sync:
        record, chain = _record_only(ctx, governor, rpc_url)
    else:
        _, consortium = target(ctx, governor, rpc_url)
        record, chain = consortium.record, consortium.chain
    with open_index(record, index) as idx:
        if no_sync:
            if idx.synced_to is None:
                raise UserError(f"the index {idx.path} is empty: run without --no-sync first")
        else:
            from ccsi_dao.chain.logs import LogFetcher

            checked_to = idx.synced_to
            fetch = LogFetcher(chain.w3, max_range=max_range)
            idx.sync(chain.w3, confirmations=confirmations, max_range=max_range, progress=_progress, fetcher=fetch)
            differences = check_index(idx, fetch, to_block=checked_to) if checked_to is not None else []
            if differences:
                more = f" (and {len(differences) - 1} more)" if len(differences) > 1 else ""
                raise ConfigError(
                    f"the index {idx.path} does not match the chain, so it is not printed: {differences[0].text}"
                    f"{more}; delete it to rebuild it, and run ccsi-dao audit verify to see every difference"
                )
        history = load_history(idx)
    problems = self_check(history)
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise ConfigError(
            f"the index {idx.path} is inconsistent, so it is not printed: {problems[0]}{more}; delete it to rebuild it"
        )
    text = render(select(entries(history), filters, history), "json" if as_json else fmt)
    if output is not None:
        write_atomic(output, text)
    else:
        typer.echo(text, nl=False)


@app.command()
@handled
def verify(
    ctx: typer.Context,
    governor: GovernorOpt = None,
    rpc_url: RpcOpt = None,
    index: IndexOpt = None,
    no_index: Annotated[bool, typer.Option("--no-index", help="Do not compare a local index with the chain.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the findings as JSON.")] = False,
    only_failures: Annotated[bool, typer.Option("--failures", help="Print only discrepancies.")] = False,
) -> None:
    """Re-derive every decision from raw chain data and compare with the contracts (and the local index); exit 1 on
    any discrepancy."""
    from ccsi_dao.audit.verify import verify as run
    from ccsi_dao.decisionlog.store import default_index_path, open_index
    from ccsi_dao.safetext import for_terminal

    _, consortium = target(ctx, governor, rpc_url)
    path = index or default_index_path(consortium.record)
    idx = None if no_index or not path.exists() else open_index(consortium.record, path)
    try:
        result = run(consortium, index=idx)
    finally:
        if idx is not None:
            idx.close()
    if as_json:
        from ccsi_dao.decisionlog.entries import json_safe

        typer.echo(json_safe(json.dumps(result.as_dict(), indent=2, ensure_ascii=False)))
    else:
        for finding in result.findings:
            if finding.ok and only_failures:
                continue
            typer.echo(for_terminal(finding.line(), single_line=True))
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
    governor: GovernorOpt = None,
    rpc_url: RpcOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the findings as JSON.")] = False,
) -> None:
    """Check that the code at each deployed address is the committed artifacts' code."""
    from ccsi_dao.audit.bytecode import verify_code as run

    _, consortium = target(ctx, governor, rpc_url)
    result = run(consortium)
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
    governor: GovernorOpt = None,
    rpc_url: RpcOpt = None,
    index: IndexOpt = None,
    no_index: Annotated[bool, typer.Option("--no-index", help="Do not sync or compare a local index.")] = False,
    confirmations: ConfirmOpt = None,
    max_range: RangeOpt = 2_000,
) -> None:
    """Write a self-contained HTML report (and Markdown) made only of verified chain data: outcomes and reasons,
    votes, agreement versions, treasury, rules, proxies, membership, participation; exit 1 if verification failed
    (the failing facts are marked in the report, with both values)."""
    from ccsi_dao.audit.report import write_report
    from ccsi_dao.audit.verify import verify as run
    from ccsi_dao.decisionlog.store import open_index
    from ccsi_dao.fileio import check_writable

    if output.suffix.lower() == ".md":
        from ccsi_dao.errors import UserError

        raise UserError(
            f"{output} would be overwritten by the Markdown: give the HTML file (.html); the .md goes next to it"
        )
    check_writable(output)
    check_writable(output.with_suffix(".md"))
    _, consortium = target(ctx, governor, rpc_url)
    if no_index:
        result = run(consortium)
    else:
        with open_index(consortium.record, index) as idx:
            idx.sync(consortium.chain.w3, confirmations=confirmations, max_range=max_range, progress=_progress)
            result = run(consortium, index=idx)
    html_path, md_path = write_report(output, result, consortium_name=consortium.record.consortium)
    if result.ok:
        typer.echo(f"wrote {html_path} and {md_path}: verification passed ({len(result.findings)} checks)")
        return
    typer.echo(
        f"wrote {html_path} and {md_path}: VERIFICATION FAILED ({len(result.discrepancies)} of "
        f"{len(result.findings)} checks); the failing facts are marked in the report with both values"
    )
    raise typer.Exit(1)
