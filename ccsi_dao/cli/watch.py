"""``ccsi-dao watch``: follow the chain and tell partners about every decision (the work is ccsi_dao.watch's)."""

from pathlib import Path
from typing import Annotated

import typer

from ccsi_dao.cli.common import handled, settings


@handled
def watch(
    ctx: typer.Context,
    subscriptions: Annotated[Path, typer.Argument(help="Subscriptions file (YAML): recipients and their channels.")],
    once: Annotated[bool, typer.Option("--once", help="One pass, then exit (for cron).")] = False,
    interval: Annotated[
        str, typer.Option("--interval", help="Time between passes: 30s, 5m, ... (default 60s).")
    ] = "60s",
    check: Annotated[bool, typer.Option("--check", help="Check the file and every channel, then exit.")] = False,
    state: Annotated[
        Path | None,
        typer.Option("--state", help="State file (default: $CCSI_DAO_HOME/watch-<chain>-<governor>.sqlite)."),
    ] = None,
    index: Annotated[Path | None, typer.Option("--index", help="Decision index file (as for ccsi-dao log).")] = None,
    confirmations: Annotated[
        int | None,
        typer.Option(
            "--confirmations", min=0, help="Judge only blocks this deep (default: finalized, else 12; 0 on a devnet)."
        ),
    ] = None,
) -> None:
    """Follow the chain and notify partners: new proposals, reminders, outcomes, watchdog warnings."""
    import signal
    import threading

    from ccsi_dao.errors import ChainError, UserError
    from ccsi_dao.watch import Watcher, load_subscriptions
    from ccsi_dao.watch.subscriptions import _seconds

    try:
        every = _seconds(interval)
    except ValueError as exc:
        raise UserError(f"--interval: {exc}") from None
    subs = load_subscriptions(subscriptions)
    watcher = Watcher(settings(ctx).consortium(), subs, state_path=state, index_path=index, confirmations=confirmations)
    if check:
        watcher.check()  # nothing written
        typer.echo(
            f"{subscriptions}: {len(subs.recipients)} recipients, {len(watcher.channels)} channels, all reachable"
        )
        return
    watcher.start()
    try:
        counts = len(subs.recipients), len(watcher.channels)
        if once:
            result = watcher.run_once()
            if result.failures:
                raise ChainError(
                    f"{result.waiting} deliveries wait for channels that failed ({'; '.join(result.failures)}); "
                    "they stay in the outbox and are retried on the next run"
                )
            return
        stop = threading.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
        typer.echo(
            f"watching {watcher.dao.name} (chain {watcher.dao.record.chain_id}) for {counts[0]} recipients through "
            f"{counts[1]} channels, every {every:g} s; state {watcher.state_path}",
            err=True,
        )
        watcher.run(every, stop)
    finally:
        watcher.close()
