"""``ccsi-dao wallet``: encrypted keystores (Web3 Secret Storage), interchangeable with geth, ape and Foundry."""

from pathlib import Path
from typing import Annotated

import typer

from ccsi_dao.cli.common import JsonOpt, PasswordFileOpt, handled, new_app, print_json, print_table

app = new_app("Create, import and list encrypted keys.")

AliasArg = Annotated[str, typer.Argument(help="Name of the key, e.g. ministry or hashnet.")]


def _new_password(password_file: Path | None) -> str:
    from ccsi_dao.chain.keystore import read_password
    from ccsi_dao.cli.common import password_prompt

    prompt = password_prompt()
    if prompt is not None and password_file is None:
        return read_password(
            None, prompt=lambda: typer.prompt("New keystore password", hide_input=True, confirmation_prompt=True)
        )
    return read_password(password_file, prompt=prompt)


@app.command()
@handled
def new(alias: AliasArg, password_file: PasswordFileOpt = None) -> None:
    """Create a new random key, stored encrypted."""
    from ccsi_dao.chain.keystore import KeyStore, check_alias

    check_alias(alias)
    address = KeyStore().new(alias, _new_password(password_file))
    typer.echo(f"{alias}: {address}")


@app.command("import")
@handled
def import_(
    alias: AliasArg,
    key_file: Annotated[
        Path | None, typer.Option("--key-file", help="File holding the hex private key (else prompted).")
    ] = None,
    password_file: PasswordFileOpt = None,
) -> None:
    """Import an existing private key, stored encrypted."""
    from ccsi_dao.chain.keystore import KeyStore, check_alias
    from ccsi_dao.cli.common import password_prompt
    from ccsi_dao.errors import ConfigError, UserError

    check_alias(alias)
    if key_file is not None:
        try:
            key = key_file.read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError):
            raise ConfigError(f"cannot read the key file {key_file}") from None
    elif password_prompt() is not None:
        key = typer.prompt("Private key (hex)", hide_input=True)
    else:
        raise UserError("no private key given: use --key-file FILE, or run interactively")
    address = KeyStore().import_key(alias, key, _new_password(password_file))
    typer.echo(f"{alias}: {address}")


@app.command("list")
@handled
def list_(json_: JsonOpt = False) -> None:
    """List the keys ccsi-dao can sign with (its own, ape's and Foundry's keystores)."""
    from ccsi_dao.chain.keystore import KeyStore

    keys = KeyStore().list()
    if json_:
        print_json([{"alias": k.alias, "address": k.address, "source": k.source, "path": str(k.path)} for k in keys])
        return
    if not keys:
        typer.echo("no keys yet: create one with ccsi-dao wallet new ALIAS")
        return
    print_table(["alias", "address", "source"], [(k.alias, k.address or "(unlock to see)", k.source) for k in keys])


@app.command()
@handled
def address(alias: AliasArg) -> None:
    """Print a key's address (no password needed)."""
    from ccsi_dao.chain.keystore import KeyStore

    typer.echo(KeyStore().address(alias))
