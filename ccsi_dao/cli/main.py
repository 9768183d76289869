"""The ``ccsi-dao`` application: global options and the command tree. Imports stay lazy so ``--help`` is fast."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ccsi_dao.cli import agreement, devnet, governance, propose, wallet
from ccsi_dao.cli.common import handled
from ccsi_dao.settings import Settings

app = typer.Typer(
    name="ccsi-dao",
    help="DAO governance for consortia: agreement as code, proposals and votes, a local devnet.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


@app.callback()
def main(
    ctx: typer.Context,
    rpc_url: Annotated[str | None, typer.Option("--rpc-url", help="JSON-RPC endpoint (or $CCSI_DAO_RPC_URL; default: the local devnet).")] = None,
    deployment: Annotated[Path | None, typer.Option("--deployment", help="Deployment record (or $CCSI_DAO_DEPLOYMENT).")] = None,
    timeout: Annotated[float | None, typer.Option("--timeout", help="Seconds to wait for a transaction's receipt (default 120).")] = None,
) -> None:
    """DAO governance for consortia."""
    ctx.obj = Settings(rpc_url=rpc_url, deployment=deployment, receipt_timeout=timeout)


app.add_typer(agreement.app, name="agreement")
app.add_typer(devnet.app, name="devnet")
app.add_typer(wallet.app, name="wallet")
app.add_typer(propose.app, name="propose")
app.add_typer(governance.members_app, name="members")
app.add_typer(governance.proposals_app, name="proposals")
app.add_typer(governance.proxy_app, name="proxy")
for command in (governance.deploy, governance.vote, governance.relay, governance.queue, governance.execute,
                governance.cancel, governance.resign):
    app.command()(handled(command))


def run() -> None:
    """Console entry point."""
    app()
