"""The ``ccsi-dao`` application: global options and the command tree. Imports stay lazy so ``--help`` is fast."""

import sys
from pathlib import Path
from typing import Annotated

import typer

from ccsi_dao.cli import agreement, audit, devnet, governance, propose, wallet
from ccsi_dao.cli.common import handled, new_app
from ccsi_dao.settings import Settings

app = new_app(
    "DAO governance for consortia: agreement as code, proposals and votes, a local devnet.",
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
) -> None:
    """DAO governance for consortia."""
    ctx.obj = Settings(rpc_url=rpc_url, deployment=deployment, receipt_timeout=timeout)


app.add_typer(agreement.app, name="agreement")
agreement.app.command(name="verify")(audit.agreement_verify)
app.add_typer(devnet.app, name="devnet")
app.add_typer(wallet.app, name="wallet")
app.add_typer(propose.app, name="propose")
app.add_typer(governance.members_app, name="members")
app.add_typer(governance.proposals_app, name="proposals")
app.add_typer(governance.proxy_app, name="proxy")
app.add_typer(audit.app, name="audit")
app.command(name="log")(audit.log)
for command in (
    governance.deploy,
    governance.vote,
    governance.relay,
    governance.queue,
    governance.execute,
    governance.cancel,
    governance.resign,
):
    app.command()(handled(command))


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
