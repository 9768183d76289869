"""What every command shares: options defined once, error handling, tables, JSON, confirmation."""

import functools
import json
import os
import shutil
import sys
from collections.abc import Callable, Sequence
from contextvars import ContextVar
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from typer.core import TyperGroup, TyperOption

from ccsi_dao.errors import CcsiDaoError
from ccsi_dao.settings import Settings

if TYPE_CHECKING:
    from eth_account.signers.local import LocalAccount

    from ccsi_dao.governance.consortium import Consortium

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
    """A command group: its help lists commands under headings, as gh does (a command's heading is its
    ``rich_help_panel``), each with its first paragraph in full (click would cut it with "..."); its options cost
    nothing when not given (see ``_GroupOption``); and every command under it that reaches the chain also accepts the
    global options (``--rpc-url``, ``--deployment``, ``--timeout``) after its own name (``cli.options``)."""

    def get_params(self, ctx: Any) -> list[Any]:
        params = super().get_params(ctx)
        for param in params:
            if type(param) is TyperOption:
                param.__class__ = _GroupOption  # the same object and state; only process_value differs
        return params

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        command = super().get_command(ctx, cmd_name)
        if command is not None and not isinstance(command, TyperGroup):
            from ccsi_dao.cli.options import add_global_options

            add_global_options(command)
        return command

    order: tuple[str, ...] = ()
    """Commands listed first, in this order (the rest follow as typer lists them)."""

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        sections: dict[str, list[tuple[str, str]]] = {}
        names = self.list_commands(ctx)
        for name in sorted(names, key=lambda n: self.order.index(n) if n in self.order else len(self.order)):
            command = self.get_command(ctx, name)
            if command is None or command.hidden:
                continue
            heading = getattr(command, "rich_help_panel", None) or "Commands"
            sections.setdefault(heading, []).append((name, command.get_short_help_str(limit=10_000)))
        for heading, rows in sections.items():
            with formatter.section(heading):
                formatter.write_dl(rows)


def new_app(help_text: str, *, cls: type[Group] = Group, **kwargs: Any) -> typer.Typer:
    """A command group. Its help is plain text: rich's formatting (rich_markup_mode) would import rich, markdown-it
    and pygments at every ``--help`` and double the start-up time."""
    return typer.Typer(help=help_text, cls=cls, no_args_is_help=True, rich_markup_mode=None, **kwargs)


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
    root = ctx.find_root()
    if root.obj is None:
        root.obj = Settings()
    base: Settings = root.obj
    base.account = account or base.account
    base.password_file = password_file or base.password_file
    base.on_wait = _show_wait
    return base


def consortium(ctx: typer.Context) -> "Consortium":
    """The consortium of the command's settings, connected once per command (an option callback that resolved a
    member's name and the command's body share it)."""
    meta = ctx.find_root().meta
    if "ccsi_dao.consortium" not in meta:
        from ccsi_dao.decisionlog.reads import use_index

        # proposals and votes from the decision index, read only: a command that fails writes no file
        meta["ccsi_dao.consortium"] = use_index(settings(ctx).consortium(), write=False)
    dao: Consortium = meta["ccsi_dao.consortium"]
    return dao


def save_index(dao: "Consortium") -> None:
    """After a command that succeeded: sync the decision index its reads used, so the next reads only new blocks."""
    from ccsi_dao.decisionlog.reads import IndexReads

    if isinstance(dao.reads, IndexReads):
        dao.reads.save()


def my_address(s: Settings) -> str | None:
    """The address of the signing account (``--from``, ``$CCSI_DAO_ACCOUNT`` or the config file) without unlocking
    it, or None if none is set."""
    from ccsi_dao.errors import ConfigError

    try:
        ref = s.account_ref()
    except ConfigError:
        return None
    from ccsi_dao.chain.keystore import KeyStore

    return KeyStore().address(ref)


def unlock(s: Settings) -> "LocalAccount":
    """Unlock the signing account. A wrong password typed at the prompt may be typed again once, right away, before
    anything else is asked; from a file or ``$CCSI_DAO_PASSWORD`` it is an error at once."""
    from ccsi_dao.chain.keystore import PASSWORD_ENV
    from ccsi_dao.errors import UserError

    prompt = password_prompt()
    typed = prompt is not None and s.password_file is None and not os.environ.get(PASSWORD_ENV)
    try:
        return s.signer(prompt)
    except UserError as error:
        if not (typed and str(error).startswith("wrong password")):
            raise
        typer.echo(f"{error}; try again", err=True)
    return s.signer(prompt)


RAISE_ERRORS: ContextVar[bool] = ContextVar("ccsi_dao_raise_errors", default=False)
"""While set, :func:`handled` lets a ccsi-dao error through to the command that ran this one."""


def handled(fn: F) -> F:
    """Turn a ccsi-dao error into one line on stderr and its exit code; never a traceback."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except CcsiDaoError as exc:
            if RAISE_ERRORS.get():  # a command run inside another (an option's action of `propose choice`)
                raise
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


def printable(text: str) -> str:
    """An error message safe to print: it often quotes what the user, a file or the chain gave, and a terminal must
    not act on an escape sequence hidden in it. Control, format and text-direction characters are shown escaped
    (``\\x1b``, :func:`ccsi_dao.safetext.for_terminal`); newlines stay (an agreement's problems follow, one a line)."""
    from ccsi_dao.safetext import for_terminal

    return for_terminal(text)


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


# Characters json.dumps leaves as they are (it escapes only C0 controls) that a terminal may still act on: DEL, the C1
# controls (0x9b is CSI on some terminals), line and paragraph separators and the text-direction controls.
_JSON_UNSAFE = {c: f"\\u{c:04x}" for c in (*range(0x7F, 0xA0), 0x2028, 0x2029, 0x200E, 0x200F,
                                             *range(0x202A, 0x202F), *range(0x2066, 0x206A))}  # fmt: skip


def print_json(data: Any) -> None:
    """``data`` as JSON: the same data for a script, and nothing a terminal would act on (chain text in it is
    escaped with JSON's own escapes)."""
    typer.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str).translate(_JSON_UNSAFE))


def shown(text: Any) -> str:
    """Chain text (a description, a member's name, a symbol, a URI) safe in one line of a terminal."""
    from ccsi_dao.safetext import for_terminal

    return for_terminal(str(text), single_line=True)


def terminal_width() -> int | None:
    """Columns to fit a table in: ``$COLUMNS``, else the terminal's, else None (output to a file or a pipe is not
    cut)."""
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    if sys.stdout.isatty():
        return shutil.get_terminal_size().columns
    return None


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(width - 1, 0)] + "…"


def print_table(
    headers: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    flexible: Sequence[str] = (),
    optional: Sequence[str] = (),
    min_width: int = 8,
) -> None:
    """A plain, aligned table. Every cell is shown as one safe line (chain text cannot move the cursor, erase or
    start a new row). When the terminal is narrower than the table, the ``flexible`` columns (names, titles) are cut
    with "…", widest first, to 20 characters; then the ``optional`` columns are left out, in that order; then the
    flexible columns are cut further, down to ``min_width``."""
    cells = [[str(h) for h in headers]] + [[shown(c) for c in row] for row in rows]
    keep = list(range(len(headers)))
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    limit = terminal_width()
    if limit is not None:

        def excess() -> int:
            return sum(widths[i] for i in keep) + 2 * (len(keep) - 1) - limit

        def shrink(least: int) -> None:
            floor = {i: min(widths[i], max(least, len(headers[i]))) for i in keep if headers[i] in flexible}
            while excess() > 0 and (shrinkable := [i for i in floor if widths[i] > floor[i]]):
                widths[max(shrinkable, key=lambda i: widths[i])] -= 1  # the widest flexible column first

        natural = list(widths)
        shrink(max(min_width, 20))  # names stay readable while less important columns can go
        for name in optional:
            if excess() <= 0:
                break
            keep = [i for i in keep if headers[i] != name]
        shrink(min_width)
        for i in keep:  # room left by the columns that went: back to the flexible ones
            if headers[i] in flexible and excess() < 0:
                widths[i] = min(natural[i], widths[i] - excess())
    for n, row in enumerate(cells):
        typer.echo("  ".join(_cut(row[i], widths[i]).ljust(widths[i]) for i in keep).rstrip())
        if n == 0:
            typer.echo("  ".join("-" * widths[i] for i in keep))


def print_fields(fields: Sequence[tuple[str, Any]]) -> None:
    """``key  value`` lines; values are shown as safe single lines."""
    width = max(len(k) for k, _ in fields)
    for key, value in fields:
        typer.echo(f"{key.ljust(width)}  {shown(value)}")


def tx_json(receipt: Any) -> dict[str, Any]:
    """What a script needs of a transaction's receipt."""
    return {
        "hash": "0x" + bytes(receipt["transactionHash"]).hex(),
        "block": int(receipt["blockNumber"]),
        "from": receipt.get("from"),
        "to": receipt.get("to"),
        "gas_used": int(receipt["gasUsed"]),
        "status": "success" if receipt["status"] == 1 else "failed",
    }


def tx_hash(receipt: Any) -> str:
    return "0x" + bytes(receipt["transactionHash"]).hex()


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
