"""``ccsi-dao devnet fund-treasury`` and ``ccsi-dao devnet test-token``: money for the consortium on the devnet.

Added to the ``devnet`` group (``cli/devnet.py`` runs anvil itself); unlike those commands, these act on the
consortium of the deployment record, on its chain, which must be a local anvil devnet. They send from one of the
devnet's public test accounts (account 0 unless ``--dev-account``), so no keystore or password is needed.
"""

from typing import Annotated

import typer

from ccsi_dao.cli.common import JsonOpt, consortium, done, handled, print_json, settings, shown, tx_hash, tx_json
from ccsi_dao.cli.devnet import app
from ccsi_dao.cli.options import TokenOpt, accounts_option

DevAccountOpt = Annotated[
    int, typer.Option("--dev-account", min=0, max=19, help="Devnet test account that pays (0-19).")
]


@app.command("fund-treasury")
@handled
def fund_treasury(
    ctx: typer.Context,
    amount: Annotated[str, typer.Argument(help="How much: ETH, or the test token's units with --token (e.g. 250.75).")],
    token: TokenOpt = None,
    dev_account: DevAccountOpt = 0,
    json_: JsonOpt = False,
) -> None:
    """Fund the consortium's treasury on the devnet: send ETH from a devnet test account, or mint test tokens to it
    (--token, a token made by `ccsi-dao devnet test-token`)."""
    from ccsi_dao.devnet import dev_account as devnet_account
    from ccsi_dao.governance import actions
    from ccsi_dao.governance.devnet_funds import fund_treasury as fund
    from ccsi_dao.governance.devnet_funds import mint_test_token, require_devnet
    from ccsi_dao.governance.treasury import format_units

    dao = consortium(ctx)
    require_devnet(dao.chain, settings(ctx).url, "fund the treasury")
    sender = devnet_account(dev_account)
    if token is None:
        wei = actions.parse_amount(amount)
        receipt = fund(dao, sender, wei)
        what, units, symbol = f"{format_units(wei, 18)} ETH", wei, "ETH"
    else:
        info = dao.token(token)
        units = actions.parse_amount(amount, info.decimals)
        receipt = mint_test_token(dao.chain, sender, info, dao.record.timelock, units)
        what, symbol = info.amount(units), info.symbol
    if json_:
        print_json({"treasury": dao.record.timelock, "asset": symbol, "token": token, "amount": str(units),
                    "from": sender.address, "transaction": tx_json(receipt)})  # fmt: skip
        return
    done(f"sent {shown(what)} to the treasury {dao.record.timelock} (tx {tx_hash(receipt)})")


@app.command("test-token")
@handled
def test_token(
    ctx: typer.Context,
    mint: Annotated[str, typer.Option("--mint", help="tEUR to mint to the treasury (0 for none).")] = "1000",
    to: Annotated[
        list[str] | None, accounts_option("--to", "Also mint the same amount to this account (repeat for several).")
    ] = None,
    dev_account: DevAccountOpt = 0,
    json_: JsonOpt = False,
) -> None:
    """Deploy a test ERC-20 token on the devnet (Test Euro, tEUR, 18 decimals) and mint some to the treasury, for
    trying treasury proposals. Anyone may mint it: never use it outside a devnet."""
    from ccsi_dao.devnet import dev_account as devnet_account
    from ccsi_dao.governance import actions
    from ccsi_dao.governance.devnet_funds import deploy_test_token, mint_test_token, require_devnet

    dao = consortium(ctx)
    require_devnet(dao.chain, settings(ctx).url, "deploy a test token")
    units = 0 if mint.strip() in ("0", "0.0") else actions.parse_amount(mint)
    recipients = [dao.record.timelock, *(to or ())] if units else []
    sender = devnet_account(dev_account)
    address = deploy_test_token(dao.chain, sender)
    token = dao.token(address)
    minted = [(who, mint_test_token(dao.chain, sender, token, who, units)) for who in recipients]
    if json_:
        print_json({"token": address, "symbol": token.symbol, "name": token.name, "decimals": token.decimals,
                    "from": sender.address,
                    "minted": [{"to": who, "amount": str(units), "transaction": tx_json(r)} for who, r in minted]})  # fmt: skip
        return
    done(f"test token {shown(token.symbol)} ({shown(token.name)}, {token.decimals} decimals) at {address}")
    for who, receipt in minted:
        label = "the treasury" if who == dao.record.timelock else who
        typer.echo(f"minted {shown(token.amount(units))} to {label} (tx {tx_hash(receipt)})")
