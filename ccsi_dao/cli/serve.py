"""``ccsi-dao serve``: the read-only web dashboard (:mod:`ccsi_dao.web`). Imports stay inside the command."""

from pathlib import Path
from typing import Annotated

import typer

from ccsi_dao.cli.common import handled, settings


@handled
def serve(
    ctx: typer.Context,
    host: Annotated[
        str,
        typer.Option(
            "--host",
            help="Address to listen on (default 127.0.0.1, this machine only). Any other address, e.g. 0.0.0.0, lets "
            "other machines read the dashboard: a warning says so.",
        ),
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="TCP port to listen on.")] = 8000,
    index: Annotated[
        Path | None,
        typer.Option("--index", help="SQLite index file (default: $CCSI_DAO_HOME/index-<chain>-<governor>.sqlite)."),
    ] = None,
    confirmations: Annotated[
        int | None,
        typer.Option(
            "--confirmations",
            min=0,
            help="Index only blocks this deep (default: the chain's finalized block, else 12; 0 on a local devnet).",
        ),
    ] = None,
    max_range: Annotated[int, typer.Option("--max-range", min=1, help="Largest eth_getLogs block range.")] = 2_000,
    interval: Annotated[
        float, typer.Option("--interval", min=0.2, max=3600, help="Seconds between two syncs of the index.")
    ] = 2.0,
    verify_every: Annotated[
        float,
        typer.Option(
            "--verify-every",
            min=0,
            max=7 * 86400,
            help="Seconds between two background verifications (0: only at start and when asked on the page).",
        ),
    ] = 600.0,
    access_log: Annotated[bool, typer.Option("--access-log", help="Print one line per request.")] = False,
) -> None:
    """A read-only web dashboard of the decision log: proposals with live progress, members, log, treasury, agreement
    versions, verification and the audit report. No keys; nothing on it can send a transaction."""
    from ccsi_dao.web.data import Source
    from ccsi_dao.web.server import check_host, listen, warning_for

    address = check_host(host)
    source = Source.from_settings(settings(ctx), index, confirmations, max_range)  # the record; nothing written
    source.consortium()  # the chain answers and holds the deployment: else exit 3 now, not a page of errors
    sock = listen(address, port)
    try:
        source.open_index().close()  # an index of another deployment, or a damaged one, is refused now
        from ccsi_dao.web.app import LOOPBACK_HOSTS, create_app
        from ccsi_dao.web.service import Dashboard

        dashboard = Dashboard(source, interval=interval, verify_every=verify_every)
        app = create_app(dashboard, allowed_hosts=LOOPBACK_HOSTS if address.loopback else None)
    except BaseException:
        sock.close()
        raise
    if (warning := warning_for(address, port)) is not None:
        typer.echo(warning, err=True)
    typer.echo(
        f"serving the dashboard of {source.record.consortium!r} at {address.url(port)} "
        f"(read-only; index {source.index_path}; Ctrl-C to stop)"
    )
    from ccsi_dao.web.server import run

    run(app, sock, access_log=access_log)
