"""``ccsi-dao agreement verify FILE``: check a local copy of the agreement's text against the hash anchored on chain
(registered under ``agreement`` by ``cli/main.py``)."""

import json
from pathlib import Path
from typing import Annotated

import typer

from ccsi_dao.cli.common import handled

GovernorOpt = Annotated[
    str | None,
    typer.Option(
        "--governor",
        help="The consortium whose governor is at this address, found on the chain (no deployment record needed).",
    ),
]
RpcOpt = Annotated[
    str | None,
    typer.Option("--rpc-url", help="JSON-RPC endpoint (as ccsi-dao --rpc-url; or $CCSI_DAO_RPC_URL)."),
]


@handled
def verify(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="The agreement's text (the document whose SHA-256 is anchored).")],
    version: Annotated[
        int | None, typer.Option("--version", help="Compare with this version (default: the current one).")
    ] = None,
    governor: GovernorOpt = None,
    rpc_url: RpcOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Check a local document against the agreement's hash anchored on chain; exit 1 if it is not that version."""
    from ccsi_dao.agreement import sha256_file
    from ccsi_dao.audit.agreement import check_document, check_version_number
    from ccsi_dao.cli.audit import target
    from ccsi_dao.safetext import for_terminal

    check_version_number(version)
    sha256_file(file)  # a missing or unreadable file is reported before the chain is asked
    _, consortium = target(ctx, governor, rpc_url)
    result = check_document(consortium, file, version=version)
    if as_json:
        typer.echo(json.dumps(result.as_dict(), indent=2))
    else:
        typer.echo(("PASS: " if result.ok else "FAIL: ") + for_terminal(result.sentence()))
    if not result.ok:
        raise typer.Exit(1)
