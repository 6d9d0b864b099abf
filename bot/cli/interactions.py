"""``segbot interactions``: import interaction log entries from CSV (docs/admin-guide.md)."""

from __future__ import annotations

import typer

from bot.cli.imports import add_import_command
from storage.interactions_import import import_interactions

app = typer.Typer(no_args_is_help=True, help="Interactions: import the interaction log from CSV.")


add_import_command(
    app,
    import_interactions,
    help="Add interaction log entries for existing contacts; one bad row rejects the whole file.",
    file_help="Interactions CSV: contact_no, template, date, optional others.",
    # Interactions name existing contacts, so their workspace must exist already.
    create_workspace=False,
    summary=lambda run: f"imported {run.result} interactions into {run.team_id} in {run.seconds:.1f} s",
)
