"""``segbot interactions``: import interaction log entries from CSV (docs/admin-guide.md)."""

from __future__ import annotations

import time
from pathlib import Path

import typer

from bot.cli.common import open_database, resolve_workspace
from bot.cli.contacts import TEAM_HELP, require_file
from bot.cli.progress import file_progress
from storage.db import unit_of_work
from storage.interactions_import import import_interactions

app = typer.Typer(no_args_is_help=True, help="Interactions: import the interaction log from CSV.")


@app.command("import")
def import_command(
    file: Path = typer.Argument(..., help="Interactions CSV: contact_no, template, date, optional others."),
    team: str | None = typer.Option(None, "--team", help=TEAM_HELP),
) -> None:
    """Add interaction log entries for existing contacts; one bad row rejects the whole file."""
    require_file(file)
    factory = open_database()
    started = time.perf_counter()
    with file_progress(file.name) as progress, unit_of_work(factory) as session:
        workspace = resolve_workspace(session, team)
        added = import_interactions(session, workspace.id, file, progress=progress)
    elapsed = time.perf_counter() - started
    typer.echo(f"imported {added} interactions into {workspace.team_id} in {elapsed:.1f} s")
