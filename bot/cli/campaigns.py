"""``segbot campaigns``: import campaigns from CSV."""

from __future__ import annotations

import typer

from bot.cli.imports import add_import_command
from storage.campaigns_import import import_campaigns

app = typer.Typer(no_args_is_help=True, help="Campaigns: import campaigns from CSV.")


add_import_command(
    app,
    import_campaigns,
    help="Insert or update campaigns by `no`; one bad row rejects the whole file and nothing is imported.",
    file_help="Campaigns CSV: no, and optional description, starting_date, ending_date, salesperson.",
    summary=lambda run: (
        f"imported {run.result.inserted + run.result.updated} campaigns into {run.team_id} "
        f"({run.result.inserted} new, {run.result.updated} updated) in {run.seconds:.1f} s"
    ),
)
