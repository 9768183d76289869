"""What every command shares: options defined once, error handling, tables, JSON, confirmation."""

from __future__ import annotations

import functools
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from ccsi_dao.errors import CcsiDaoError
from ccsi_dao.settings import Settings

F = TypeVar("F", bound=Callable[..., Any])

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON for scripts instead of a table.")]
FromOpt = Annotated[
    str | None,
    typer.Option("--from", "-a", help="Signing account: keystore alias, address or file (or $CCSI_DAO_ACCOUNT)."),
]
PasswordFileOpt = Annotated[
    Path | None, typer.Option("--password-file", help="Read the keystore password from this file (or $CCSI_DAO_PASSWORD).")
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
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(exc.exit_code) from None
        except KeyboardInterrupt:
            typer.echo("interrupted", err=True)
            raise typer.Exit(130) from None

    return wrapper  # type: ignore[return-value]


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
