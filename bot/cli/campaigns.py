"""``segbot campaigns``: import campaigns from CSV."""

from __future__ import annotations

import time
from pathlib import Path

import typer

from bot.cli.common import open_database, resolve_workspace
from bot.cli.contacts import TEAM_HELP, require_file
from bot.cli.progress import file_progress
from storage.campaigns_import import import_campaigns
from storage.db import unit_of_work

app = typer.Typer(no_args_is_help=True, help="Campaigns: import campaigns from CSV.")


@app.command("import")
def import_command(
    file: Path = typer.Argument(
        ..., help="Campaigns CSV: no, and optional description, starting_date, ending_date, salesperson."
    ),
    team: str | None = typer.Option(None, "--team", help=TEAM_HELP),
) -> None:
    """Insert or update campaigns by `no`; one bad row rejects the whole file and nothing is imported."""
    require_file(file)
    factory = open_database()
    started = time.perf_counter()
    with file_progress(file.name) as progress, unit_of_work(factory) as session:
        workspace = resolve_workspace(session, team, create=True)
        summary = import_campaigns(session, workspace.id, file, progress=progress)
    elapsed = time.perf_counter() - started
    typer.echo(
        f"imported {summary.inserted + summary.updated} campaigns into {workspace.team_id} "
        f"({summary.inserted} new, {summary.updated} updated) in {elapsed:.1f} s"
    )
