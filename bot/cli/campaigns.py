"""``segbot campaigns``: import campaigns from CSV."""

from __future__ import annotations

from pathlib import Path

import typer

from bot.cli.common import TEAM_HELP
from bot.cli.imports import run_import
from storage.campaigns_import import import_campaigns

app = typer.Typer(no_args_is_help=True, help="Campaigns: import campaigns from CSV.")


@app.command("import")
def import_command(
    file: Path = typer.Argument(
        ..., help="Campaigns CSV: no, and optional description, starting_date, ending_date, salesperson."
    ),
    team: str | None = typer.Option(None, "--team", help=TEAM_HELP),
) -> None:
    """Insert or update campaigns by `no`; one bad row rejects the whole file and nothing is imported."""
    run = run_import(
        file,
        team,
        import_campaigns,
        create_workspace=True,
    )
    summary = run.result
    typer.echo(
        f"imported {summary.inserted + summary.updated} campaigns into {run.team_id} "
        f"({summary.inserted} new, {summary.updated} updated) in {run.seconds:.1f} s"
    )
