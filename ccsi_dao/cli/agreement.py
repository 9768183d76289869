"""``ccsi-dao agreement``: check an agreement file, export its JSON Schema."""

from pathlib import Path
from typing import Annotated

import typer

from ccsi_dao.cli.common import JsonOpt, handled, new_app, print_fields, print_json

app = new_app("Check a consortium agreement file; export its JSON Schema for editors.")


@app.command()
@handled
def check(file: Annotated[Path, typer.Argument(help="The agreement YAML file.")], json_: JsonOpt = False) -> None:
    """Validate an agreement and summarise what it sets up."""
    from ccsi_dao.agreement import load_agreement
    from ccsi_dao.durations import format_duration

    a = load_agreement(file)
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
            *((f"{c.name.lower()}", f"quorum {r.quorum}, approval {r.approval}") for c, r in a.rules.items()),
            ("document", f"{a.document_uri} (sha256 0x{a.document_hash.hex()})"),
        ]
    )
    typer.echo(f"{file}: valid")


@app.command()
@handled
def schema() -> None:
    """Print the agreement's JSON Schema (for editor validation and completion)."""
    from ccsi_dao.agreement import agreement_json_schema

    print_json(agreement_json_schema())
