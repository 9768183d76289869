"""The ``ccsi-dao`` application: global options and the command tree. Imports stay lazy so ``--help`` is fast."""

import sys
from pathlib import Path
from typing import Annotated

import typer

from ccsi_dao.cli import agreement, audit, devnet, devnet_funds, governance, propose, serve, treasury, wallet, watch
from ccsi_dao.cli.common import Group, handled, new_app
from ccsi_dao.cli.options import VersionOpt
from ccsi_dao.settings import Settings

# The headings of `ccsi-dao --help`, as gh groups its commands.
START, DECIDE, LOOK, OWN, AUDIT = (
    "Set up",
    "Propose and decide",
    "Look up",
    "A member's own acts",
    "Audit",
)


class _Root(Group):
    order = ("devnet", "agreement", "wallet", "deploy", "propose", "vote", "relay", "queue", "execute", "cancel",
             "proposals", "members", "treasury", "proxy", "resign", "log", "audit")  # fmt: skip


app = new_app(
    "DAO governance for consortia: agreement as code, proposals and votes, a local devnet.",
    cls=_Root,
    name="ccsi-dao",
    pretty_exceptions_enable=False,
    add_completion=False,
)


@app.callback()
def main(
    ctx: typer.Context,
    rpc_url: Annotated[
        str | None,
        typer.Option("--rpc-url", help="JSON-RPC endpoint (or $CCSI_DAO_RPC_URL; default: the local devnet)."),
    ] = None,
    deployment: Annotated[
        Path | None, typer.Option("--deployment", help="Deployment record (or $CCSI_DAO_DEPLOYMENT).")
    ] = None,
    timeout: Annotated[
        float | None, typer.Option("--timeout", help="Seconds to wait for a transaction's receipt (default 120).")
    ] = None,
    version: VersionOpt = False,
    legacy: Annotated[
        bool,
        typer.Option("--legacy", help="Send legacy transactions only (or $CCSI_DAO_LEGACY=1, legacy: true in config)."),
    ] = False,
) -> None:
    """DAO governance for consortia. --rpc-url, --deployment and --timeout may also follow the command's name."""
    ctx.obj = Settings(rpc_url=rpc_url, deployment=deployment, receipt_timeout=timeout, legacy=legacy or None)


app.add_typer(devnet.app, name="devnet", rich_help_panel=START)
app.add_typer(agreement.app, name="agreement", rich_help_panel=START)
agreement.app.command(name="verify")(audit.agreement_verify)
app.add_typer(wallet.app, name="wallet", rich_help_panel=START)
app.command(rich_help_panel=START)(handled(governance.deploy))
app.add_typer(propose.app, name="propose", rich_help_panel=DECIDE)
for command in (governance.vote, governance.relay, governance.queue, governance.execute, governance.cancel):
    app.command(rich_help_panel=DECIDE)(handled(command))
app.add_typer(governance.proposals_app, name="proposals", rich_help_panel=LOOK)
app.add_typer(governance.members_app, name="members", rich_help_panel=LOOK)
app.command(rich_help_panel=LOOK)(handled(treasury.treasury))
app.add_typer(governance.proxy_app, name="proxy", rich_help_panel=OWN)
app.command(rich_help_panel=OWN)(handled(governance.resign))
app.command(name="log", rich_help_panel=AUDIT)(audit.log)
app.add_typer(audit.app, name="audit", rich_help_panel=AUDIT)
app.command(name="serve", rich_help_panel=AUDIT)(serve.serve)
app.command(name="watch", rich_help_panel=LOOK)(watch.watch)
_ = devnet_funds  # its commands join the devnet group


def run() -> None:
    """Console entry point. A mistake in the command line itself (unknown option, value out of range, missing
    argument) is reported like every other user error: one ``error:`` line on stderr and exit code 2."""
    try:
        code = app(standalone_mode=False)
    except typer.TyperException as exc:  # typer's usage errors derive from it
        if type(exc).__name__ == "NoArgsIsHelpError":  # the help text was the answer
            exc.show()  # type: ignore[attr-defined]
        else:
            ctx = getattr(exc, "ctx", None)
            hint = f" (see {ctx.command_path} --help)" if ctx is not None else ""
            typer.echo(f"error: {' '.join(exc.format_message().split())}{hint}", err=True)
        sys.exit(getattr(exc, "exit_code", 2))
    except typer.Abort:
        typer.echo("aborted", err=True)
        sys.exit(1)
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":
    run()
