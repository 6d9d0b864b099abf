"""``segbot interactions``: import interaction log entries from CSV (docs/admin-guide.md)."""

from __future__ import annotations

from pathlib import Path

import typer

from bot.cli.common import TEAM_HELP
from bot.cli.imports import run_import
from storage.interactions_import import import_interactions

app = typer.Typer(no_args_is_help=True, help="Interactions: import the interaction log from CSV.")


@app.command("import")
def import_command(
    file: Path = typer.Argument(..., help="Interactions CSV: contact_no, template, date, optional others."),
    team: str | None = typer.Option(None, "--team", help=TEAM_HELP),
) -> None:
    """Add interaction log entries for existing contacts; one bad row rejects the whole file."""
    run = run_import(
        file,
        team,
        import_interactions,
        # Interactions name existing contacts, so their workspace must exist already.
        create_workspace=False,
    )
    typer.echo(f"imported {run.result} interactions into {run.team_id} in {run.seconds:.1f} s")
