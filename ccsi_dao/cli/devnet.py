"""``ccsi-dao devnet``: the local anvil devnet, its chain kept on disk."""

from typing import Annotated

import typer

from ccsi_dao.cli.common import JsonOpt, handled, new_app, print_fields, print_json

app = new_app("Run the local devnet (anvil in the background, state saved to disk).")

PortOpt = Annotated[int, typer.Option("--port", min=1, max=65535, help="Loopback port of the devnet.")]
MAX_ADVANCE = 100 * 365 * 86_400  # a century: more is a typo, and anvil's clock would overflow long before 10**400 s


def _devnet(port: int):  # noqa: ANN202 (lazy import keeps --help fast)
    from ccsi_dao.devnet import Devnet

    return Devnet(port=port)


@app.command()
@handled
def start(port: PortOpt = 8545) -> None:
    """Start the devnet, or say that it runs already."""
    result = _devnet(port).start()
    s = result.status
    verb = "already running" if result.already_running else "started"
    typer.echo(f"devnet {verb} at {s.url} (chain {s.chain_id}, block {s.block_number}, pid {s.pid})")
    if result.restored_backup:
        typer.echo("note: the saved chain state was damaged; the copy from the previous start was loaded", err=True)


@app.command()
@handled
def stop(port: PortOpt = 8545) -> None:
    """Stop the devnet; its chain state is saved and comes back with the next start."""
    typer.echo("devnet stopped" if _devnet(port).stop() else "devnet was not running")


@app.command()
@handled
def status(port: PortOpt = 8545, json_: JsonOpt = False) -> None:
    """Whether the devnet runs, and its latest block."""
    s = _devnet(port).status()
    if json_:
        print_json(s.__dict__)
        return
    if not s.running:
        typer.echo("devnet not running (start it with: ccsi-dao devnet start)")
        raise typer.Exit(1)
    print_fields(
        [("url", s.url), ("chain id", s.chain_id), ("block", s.block_number), ("time", s.timestamp), ("pid", s.pid)]
    )


@app.command()
@handled
def reset(port: PortOpt = 8545, yes: Annotated[bool, typer.Option("--yes", "-y")] = False) -> None:
    """Stop the devnet and delete its chain: everything deployed on it is gone."""
    from ccsi_dao.cli.common import confirm

    confirm("Delete the devnet's chain and everything on it?", yes)
    _devnet(port).reset()
    typer.echo("devnet reset: its chain is deleted")


@app.command()
@handled
def advance(
    ctx: typer.Context,
    duration: Annotated[str, typer.Argument(help="How far to move time on: 90s, 30m, 12h, 7d, 2w.")],
    port: PortOpt = 8545,
) -> None:
    """Move the devnet's clock forward and mine a block (devnet only). The devnet of this home, wherever it runs;
    with ccsi-dao --rpc-url URL devnet advance, the development node at URL (anvil or Hardhat)."""
    from ccsi_dao.durations import parse_duration
    from ccsi_dao.errors import UserError

    seconds = parse_duration(duration)
    if seconds > MAX_ADVANCE:
        raise UserError(f"{duration!r} is more than a century; the devnet's clock moves at most 36500d at a time")
    settings = ctx.find_root().obj
    url = getattr(settings, "rpc_url", None)
    devnet = _devnet(port)
    if url and url != devnet.running_url():
        from ccsi_dao.devnet import advance_time

        timestamp = advance_time(url, seconds)
    else:
        timestamp = devnet.advance(seconds)
    from datetime import datetime

    typer.echo(f"devnet time is now {datetime.fromtimestamp(timestamp).astimezone():%Y-%m-%d %H:%M:%S %Z}")
