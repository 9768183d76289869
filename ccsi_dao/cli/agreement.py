"""``ccsi-dao agreement``: check an agreement file, export its JSON Schema, list the versions anchored on chain."""

import stat
from pathlib import Path
from typing import Annotated

import typer

from ccsi_dao.cli.common import JsonOpt, consortium, handled, new_app, print_fields, print_json, print_table
from ccsi_dao.cli.options import local

app = new_app("Check a consortium agreement file; export its JSON Schema; list the versions anchored on chain.")

MAX_AGREEMENT_BYTES = 4 << 20  # an agreement is a few kilobytes of YAML


def _agreement_file(path: Path) -> Path:
    """``path`` if it is a regular file of an agreement's size; a device (/dev/zero), a pipe or a huge file would
    never finish reading."""
    from ccsi_dao.errors import ConfigError

    try:
        info = path.stat()
    except FileNotFoundError:
        raise ConfigError(f"agreement file {path} not found; check the path") from None
    except OSError as error:
        raise ConfigError(f"cannot read agreement file {path}: {error.strerror or error}") from None
    if not stat.S_ISREG(info.st_mode):
        raise ConfigError(f"cannot read agreement file {path}: not a regular file")
    if info.st_size > MAX_AGREEMENT_BYTES:
        raise ConfigError(f"cannot read agreement file {path}: {info.st_size} bytes is far more than an agreement")
    return path


@app.command()
@local
@handled
def check(file: Annotated[Path, typer.Argument(help="The agreement YAML file.")], json_: JsonOpt = False) -> None:
    """Validate an agreement and summarise what it sets up."""
    from ccsi_dao.agreement import load_agreement
    from ccsi_dao.durations import format_duration
    from ccsi_dao.governance.decisions import condition_from_agreement

    a = load_agreement(_agreement_file(file))
    if json_:
        print_json(
            {
                **a.model_dump(mode="json"),
                "document_uri": a.document_uri,
                "document_sha256": "0x" + a.document_hash.hex(),
            }
        )
        return
    founders = sum(1 for p in a.partners if p.role.name == "FOUNDING_PARTNER")
    print_fields(
        [
            ("consortium", a.consortium),
            ("partners", f"{len(a.partners)} ({founders} founding), {len({p.country for p in a.partners})} countries"),
            (
                "voting",
                f"delay {format_duration(a.voting_delay)}, period {format_duration(a.voting_period)}, "
                f"late-quorum extension {format_duration(a.late_quorum_extension)}, "
                f"early close {'on' if a.early_close else 'off'}",
            ),
            ("timelock", format_duration(a.timelock_delay)),
            *(
                row
                for c, r in a.rules.items()
                for row in (
                    (c.name.lower(), f"quorum {r.quorum}, approval {r.approval}"),
                    *(
                        (
                            "",
                            f"and {condition_from_agreement(k).describe()}" + (" (entrenched)" if k.entrenched else ""),
                        )
                        for k in r.chambers
                    ),
                )
            ),
            ("choices", "approval voting allowed" if a.approval_voting else "one option per ballot"),
            ("document", f"{a.document_uri} (sha256 0x{a.document_hash.hex()})"),
        ]
    )
    typer.echo(f"{file}: valid")


@app.command()
@local
@handled
def schema() -> None:
    """Print the agreement's JSON Schema (for editor validation and completion)."""
    from ccsi_dao.agreement import agreement_json_schema

    print_json(agreement_json_schema())


@app.command()
@handled
def versions(ctx: typer.Context, json_: JsonOpt = False) -> None:
    """Every version of the agreement anchored in the registry: when it was adopted, its SHA-256 and its URI
    (version 1 is the one deployed; later ones were adopted by constitutional decisions)."""
    from ccsi_dao.governance.describe import format_time

    found = consortium(ctx).agreement_versions()
    if json_:
        print_json([{"version": v.version, "adopted_at": v.adopted_at, "sha256": "0x" + v.sha256.hex(), "uri": v.uri}
                    for v in found])  # fmt: skip
        return
    print_table(
        ["version", "adopted", "sha256", "uri"],
        [(v.version, format_time(v.adopted_at), "0x" + v.sha256.hex(), v.uri) for v in found],
        flexible=("uri",),
        min_width=16,
    )
    typer.echo(f"in force: version {found[-1].version}" if found else "no agreement anchored")
