"""``ccsi-dao wallet``: encrypted keystores (Web3 Secret Storage), interchangeable with geth, ape and Foundry."""

import os
from pathlib import Path
from typing import Annotated

import typer

from ccsi_dao.cli.common import JsonOpt, PasswordFileOpt, handled, new_app, print_json, print_table
from ccsi_dao.cli.options import local

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
@local
@handled
def new(alias: AliasArg, password_file: PasswordFileOpt = None) -> None:
    """Create a new random key, stored encrypted."""
    from ccsi_dao.chain.keystore import KeyStore, check_alias

    check_alias(alias)
    address = KeyStore().new(alias, _new_password(password_file))
    typer.echo(f"{alias}: {address}")


@app.command("import")
@local
@handled
def import_(
    alias: AliasArg,
    key_file: Annotated[
        Path | None, typer.Option("--key-file", help="File holding the hex private key (else prompted).")
    ] = None,
    keystore: Annotated[
        Path | None,
        typer.Option(
            "--keystore",
            help="A keystore file (Web3 Secret Storage JSON: geth, clef, MetaMask, ape, "
            "Foundry); its key is stored again under ALIAS, with the same password.",
        ),
    ] = None,
    password_file: PasswordFileOpt = None,
) -> None:
    """Import an existing private key, or the key of a keystore file, stored encrypted."""
    from ccsi_dao.chain.keystore import KeyStore, check_alias
    from ccsi_dao.cli.common import password_prompt
    from ccsi_dao.errors import ConfigError, UserError

    check_alias(alias)
    if keystore is not None:
        if key_file is not None:
            raise UserError("give either --key-file or --keystore, not both")
        typer.echo(f"{alias}: {_import_keystore(alias, keystore, password_file)}")
        return
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


def _import_keystore(alias: str, keystore: Path, password_file: Path | None) -> str:
    """The keystore file's key stored under ``alias``; its password is asked again once if mistyped at the prompt."""
    from ccsi_dao.chain.keystore import PASSWORD_ENV, KeyStore, read_password
    from ccsi_dao.cli.common import password_prompt
    from ccsi_dao.errors import UserError

    store = KeyStore()
    prompt = password_prompt()
    ask = None if prompt is None else (lambda: typer.prompt(f"Password of {keystore}", hide_input=True))
    typed = ask is not None and password_file is None and not os.environ.get(PASSWORD_ENV)
    try:
        return store.import_keyfile(alias, keystore, read_password(password_file, prompt=ask))
    except UserError as error:
        if not (typed and str(error).startswith("wrong password")):
            raise
        typer.echo(f"{error}; try again", err=True)
    return store.import_keyfile(alias, keystore, read_password(password_file, prompt=ask))


@app.command("list")
@local
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
@local
@handled
def address(alias: AliasArg) -> None:
    """Print a key's address (no password needed)."""
    from ccsi_dao.chain.keystore import KeyStore

    typer.echo(KeyStore().address(alias))
