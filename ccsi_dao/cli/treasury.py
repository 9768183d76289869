"""``ccsi-dao treasury``: what the timelock holds, in ETH and ERC-20 tokens (with their symbols and decimals)."""

from typing import Annotated

import typer

from ccsi_dao.cli.common import JsonOpt, consortium, print_json, print_table, shown
from ccsi_dao.cli.options import configured_tokens


def treasury(
    ctx: typer.Context,
    token: Annotated[
        list[str] | None,
        typer.Option("--token", help="Also show this ERC-20 token, even if the treasury never received it (repeat "
                     "for several; or list them in $CCSI_DAO_TOKENS or tokens: in the config file)."),
    ] = None,
    json_: JsonOpt = False,
) -> None:  # fmt: skip
    """The treasury: the timelock's address and balances, in ETH and in every ERC-20 token it received or that is
    configured, each with its symbol and decimals."""
    from ccsi_dao.addresses import parse_address
    from ccsi_dao.governance.describe import format_eth

    listed = [*configured_tokens(ctx), *(parse_address(t) for t in token or ())]
    found = consortium(ctx).treasury(listed)
    if json_:
        print_json(
            {
                "address": found.address,
                "eth": {"wei": str(found.eth), "amount": format_eth(found.eth).removesuffix(" ETH")},
                "tokens": [
                    {"address": b.token.address, "symbol": b.token.symbol, "name": b.token.name,
                     "decimals": b.token.decimals, "balance": str(b.balance), "amount": b.text.rsplit(" ", 1)[0]}
                    for b in found.tokens
                ],
                "not_tokens": list(found.not_tokens),
            }
        )  # fmt: skip
        return
    typer.echo(f"treasury: {found.address} (the timelock; it executes what passed and holds the funds)")
    rows = [("ETH", format_eth(found.eth).removesuffix(" ETH"), "18", "-", "Ether")]
    rows += [(b.token.symbol, b.text.rsplit(" ", 1)[0], str(b.token.decimals), b.token.address, b.token.name or "-")
             for b in found.tokens]  # fmt: skip
    print_table(["asset", "balance", "decimals", "token", "name"], rows, flexible=("asset", "name"))
    for address in found.not_tokens:
        typer.echo(f"note: {shown(address)} sent the treasury a Transfer event but does not answer as an ERC-20 token",
                   err=True)  # fmt: skip
