"""What every command shares: options defined once, error handling, tables, JSON, confirmation."""

import functools
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from typer.core import TyperGroup, TyperOption

from ccsi_dao.errors import CcsiDaoError
from ccsi_dao.settings import Settings

F = TypeVar("F", bound=Callable[..., Any])


class _GroupOption(TyperOption):
    """An option of a command group (``--help``; ``ccsi-dao``'s own ``--rpc-url`` ...). Left unset, it is None, as
    typer would make it, but without typer first building a pydantic validator for it: that imports pydantic, and
    would double the start-up of ``ccsi-dao <command> --help``. A value given is checked by typer as usual."""

    def process_value(self, ctx: Any, value: Any) -> Any:
        if value is None and self.nargs == 1 and not self.multiple and not self.required:
            return None if self.callback is None else self.callback(ctx, self, value)
        return super().process_value(ctx, value)


class Group(TyperGroup):
    """A command group: its help lists each command's first paragraph in full (click would cut it with "..."),
    and its options cost nothing when not given (see ``_GroupOption``)."""

    def get_params(self, ctx: Any) -> list[Any]:
        params = super().get_params(ctx)
        for param in params:
            if type(param) is TyperOption:
                param.__class__ = _GroupOption  # the same object and state; only process_value differs
        return params

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        rows = [
            (name, command.get_short_help_str(limit=10_000))
            for name in self.list_commands(ctx)
            if (command := self.get_command(ctx, name)) is not None and not command.hidden
        ]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


def new_app(help_text: str, **kwargs: Any) -> typer.Typer:
    """A command group. Its help is plain text: rich's formatting (rich_markup_mode) would import rich, markdown-it
    and pygments at every ``--help`` and double the start-up time."""
    return typer.Typer(help=help_text, cls=Group, no_args_is_help=True, rich_markup_mode=None, **kwargs)


JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON for scripts instead of a table.")]
FromOpt = Annotated[
    str | None,
    typer.Option("--from", "-a", help="Signing account: keystore alias, address or file (or $CCSI_DAO_ACCOUNT)."),
]
PasswordFileOpt = Annotated[
    Path | None,
    typer.Option("--password-file", help="Read the keystore password from this file (or $CCSI_DAO_PASSWORD)."),
]
YesOpt = Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")]


def settings(ctx: typer.Context, account: str | None = None, password_file: Path | None = None) -> Settings:
    """The command's settings: global options from the context, plus this command's signing options."""
    base: Settings = ctx.find_root().obj or Settings()
    base.account = account or base.account
    base.password_file = password_file or base.password_file
    base.on_wait = _show_wait
    return base


def handled(fn: F) -> F:
    """Turn a ccsi-dao error into one line on stderr and its exit code; never a traceback."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except CcsiDaoError as exc:
            _clear_wait()
            typer.echo(f"error: {printable(str(exc))}", err=True)
            raise typer.Exit(exc.exit_code) from None
        except KeyboardInterrupt:
            typer.echo("interrupted", err=True)
            raise typer.Exit(130) from None
        except Exception as exc:  # a node failure that escaped the library's own checks (e.g. a read deep in web3)
            reason = _chain_failure(exc)
            if reason is None:
                raise
            _clear_wait()
            typer.echo(f"error: {printable(reason)}", err=True)
            raise typer.Exit(3) from None

    return wrapper  # type: ignore[return-value]


# Control characters and bidirectional overrides, shown escaped: an error message often quotes what the user (or a
# file, or the chain) gave, and a terminal must not act on an escape sequence hidden in it. Newlines stay.
_UNSAFE = {
    **{c: f"\\x{c:02x}" for c in (*range(0x20), *range(0x7F, 0xA0)) if c != 0x0A},
    **{c: f"\\u{c:04x}" for c in (0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A))},
}


def printable(text: str) -> str:
    """``text`` with control characters and bidi overrides escaped (``\\x1b``), newlines kept."""
    return text.translate(_UNSAFE)


def _chain_failure(exc: Exception) -> str | None:
    """One sentence if ``exc`` is a failure of the connection to the node or the node's error answer, else None.
    Such a failure has loaded web3; anything else leaves the chain layer unimported."""
    if "web3" not in sys.modules:
        return None
    from ccsi_dao.chain.translate import as_chain_error

    error = as_chain_error(exc)
    return None if error is None else str(error)


def interactive() -> bool:
    return sys.stdin.isatty() and not os.environ.get("CI")


def confirm(question: str, yes: bool) -> None:
    """Ask before sending, when a person is at the terminal and did not say ``--yes``."""
    if yes or not interactive():
        return
    if not typer.confirm(question, default=False):
        typer.echo("nothing sent", err=True)
        raise typer.Exit(1)


def password_prompt() -> Callable[[], str] | None:
    if not sys.stdin.isatty():
        return None
    return lambda: typer.prompt("Keystore password", hide_input=True)


def print_json(data: Any) -> None:
    typer.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


def print_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """A plain, aligned table."""
    cells = [[str(h) for h in headers]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    for n, row in enumerate(cells):
        typer.echo("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
        if n == 0:
            typer.echo("  ".join("-" * w for w in widths))


def print_fields(fields: Sequence[tuple[str, Any]]) -> None:
    width = max(len(k) for k, _ in fields)
    for key, value in fields:
        typer.echo(f"{key.ljust(width)}  {value}")


_waiting = False


def _show_wait(action: str, seconds: float) -> None:
    global _waiting
    if sys.stderr.isatty():
        sys.stderr.write(f"\rwaiting for {action} to be mined ... {seconds:4.0f} s")
        sys.stderr.flush()
        _waiting = True


def _clear_wait() -> None:
    global _waiting
    if _waiting:
        sys.stderr.write("\r\033[K")
        _waiting = False


def done(message: str) -> None:
    _clear_wait()
    typer.echo(message)
