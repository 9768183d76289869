"""Options shared by many commands, and their callbacks: what a person types becomes what the command needs at the
CLI boundary (as ape's ``cli/options.py`` does), so command bodies never parse it.

* ``AccountArg``/``account_option``: an address, or a name that stands for one: a member's name (or the beginnings
  of its words: ``ministry``), a keystore alias, or for ``--token`` a token's symbol. Ambiguous and unknown names
  are one sentence with the candidates or suggestions (:func:`ccsi_dao.addresses.resolve_account`).
* The global options ``--rpc-url``, ``--deployment`` and ``--timeout``, accepted after a command's name as well as
  before it (``ccsi-dao members list --rpc-url URL``): added to every command that reaches the chain by
  :func:`add_global_options` (``common.Group``). They are processed first (eager), so a name is resolved on the
  chain they select.
* ``--version``.

A callback runs while the command line is parsed, before the command's body (and its ``handled``): a ccsi-dao
error raised here is printed and exits the same way.
"""

import functools
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ccsi_dao.cli.common import consortium, handled, settings

if TYPE_CHECKING:
    from ccsi_dao.addresses import KnownAccount

TOKENS_ENV = "CCSI_DAO_TOKENS"


def boundary(fn: Callable[..., Any]) -> Callable[..., Any]:
    """A callback whose ccsi-dao errors end the command like a command body's: one ``error:`` line, its exit code."""
    return handled(fn)


# ---------------------------------------------------------------------------------------------- names for addresses


def known_accounts(ctx: typer.Context, *, tokens: bool = False) -> "list[KnownAccount]":
    """Every name that stands for an address here: keystore aliases (their recorded addresses), members' names and,
    with ``tokens``, the symbols of the treasury's tokens."""
    from ccsi_dao.addresses import KnownAccount
    from ccsi_dao.chain.keystore import OWN, KeyStore

    known = [KnownAccount(info.alias if info.source == OWN else f"{info.source}:{info.alias}", info.address, "keystore")
             for info in KeyStore().list()]  # fmt: skip
    dao = consortium(ctx)
    if tokens:
        known += [
            KnownAccount(b.token.symbol, b.token.address, "token") for b in dao.treasury(configured_tokens(ctx)).tokens
        ]
        return known
    known += [KnownAccount(name, address, "member") for address, name in dao.member_names().items()]
    return known


def _resolve(ctx: typer.Context, value: str, *, tokens: bool = False) -> str:
    from ccsi_dao.addresses import looks_like_address, not_an_address, parse_address, plausible_name, resolve_account

    if looks_like_address(value):
        return parse_address(value)
    if not plausible_name(value):  # refused before any keystore or chain is read
        raise not_an_address(value)
    return resolve_account(value, known_accounts(ctx, tokens=tokens))


@boundary
def _account(ctx: typer.Context, value: str | None) -> str | None:
    return None if value is None else _resolve(ctx, value)


@boundary
def _accounts(ctx: typer.Context, values: list[str] | None) -> list[str] | None:
    return None if values is None else [_resolve(ctx, v) for v in values]


@boundary
def _token(ctx: typer.Context, value: str | None) -> str | None:
    if value is None or not value.strip():
        return None  # no token: ETH
    return _resolve(ctx, value, tokens=True)


def account_argument(help_text: str) -> Any:
    return typer.Argument(help=f"{help_text} An address, a member's name (or its first words) or a keystore alias.",
                          callback=_account, metavar="ACCOUNT")  # fmt: skip


def accounts_option(name: str, help_text: str) -> Any:
    return typer.Option(name, callback=_accounts, metavar="ACCOUNT",
                        help=f"{help_text} An address, a member's name or a keystore alias.")  # fmt: skip


AccountArg = Annotated[str, account_argument("The member.")]
TokenOpt = Annotated[
    str | None,
    typer.Option("--token", callback=_token,
                 help="ERC-20 token: its address, or the symbol of a token the treasury holds (default: ETH)."),
]  # fmt: skip


def configured_tokens(ctx: typer.Context) -> list[str]:
    """Token addresses to show in the treasury even before it received any: ``$CCSI_DAO_TOKENS`` (comma-separated)
    or ``tokens:`` in the config file (a list)."""
    from ccsi_dao.addresses import parse_address
    from ccsi_dao.errors import ConfigError

    raw = settings(ctx)._pick(None, TOKENS_ENV, "tokens", [])  # noqa: SLF001 - env, then config, as every setting
    items = raw.split(",") if isinstance(raw, str) else raw
    if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
        raise ConfigError(f"the tokens setting must be a list of token addresses, not {raw!r}")
    try:
        return [parse_address(i) for i in items if i.strip()]
    except ValueError as error:
        raise ConfigError(f"the tokens setting: {error}") from None


# ---------------------------------------------------------------------------------------------- global options


def _root_setting(field: str) -> Callable[..., Any]:
    @boundary
    def store(ctx: typer.Context, value: Any) -> Any:
        if value is not None:
            setattr(settings(ctx), field, value)
        return value

    return store


def _global_options(
    rpc_url: Annotated[
        str | None,
        typer.Option("--rpc-url", help="JSON-RPC endpoint (or $CCSI_DAO_RPC_URL; default: the local devnet).",
                     callback=_root_setting("rpc_url"), is_eager=True, expose_value=False),
    ] = None,
    deployment: Annotated[
        Path | None,
        typer.Option("--deployment", help="Deployment record (or $CCSI_DAO_DEPLOYMENT).",
                     callback=_root_setting("deployment"), is_eager=True, expose_value=False),
    ] = None,
    timeout: Annotated[
        float | None,
        typer.Option("--timeout", help="Seconds to wait for a transaction's receipt (default 120).",
                     callback=_root_setting("receipt_timeout"), is_eager=True, expose_value=False),
    ] = None,
) -> None:  # fmt: skip
    """Only a template: its parameters become the global options of every command that reaches the chain."""


@functools.cache
def global_params() -> tuple[Any, ...]:
    template = typer.Typer(add_completion=False)
    template.command()(_global_options)
    return tuple(typer.main.get_command(template).params)


def local(fn: Any) -> Any:
    """Mark a command that never reaches a chain (wallets, agreement files): it gets no global options."""
    fn.ccsi_local = True
    return fn


def add_global_options(command: Any) -> None:
    """Give ``command`` the global options, unless it is local or runs a devnet of its own (``--port``)."""
    if getattr(command, "_ccsi_globals", False):
        return
    command._ccsi_globals = True
    if getattr(command.callback, "ccsi_local", False):
        return
    own = {opt for param in command.params for opt in getattr(param, "opts", ())}
    if "--port" in own:
        return
    command.params.extend(p for p in global_params() if not set(p.opts) & own)


def show_version(value: bool) -> None:
    if value:
        from ccsi_dao import __version__

        typer.echo(f"ccsi-dao {__version__}")
        raise typer.Exit()


VersionOpt = Annotated[
    bool,
    typer.Option("--version", help="Print the version and exit.", callback=show_version, is_eager=True),
]
