"""The ``segbot`` command line (docs/admin-guide.md, Command line): one Typer sub-app per noun, wired here."""

from __future__ import annotations

import sys

import typer

from bot.cli import campaigns, console, contacts, db, interactions, run, segments
from storage.errors import SegbotError

app = typer.Typer(no_args_is_help=True, add_completion=False, help="segbot: contact segments in Slack.")
app.add_typer(db.app, name="db")
app.add_typer(contacts.app, name="contacts")
app.add_typer(interactions.app, name="interactions")
app.add_typer(campaigns.app, name="campaigns")
app.add_typer(segments.app, name="segments")
app.command("run")(run.run)
app.command("console")(console.console)


def main() -> None:
    """Entry point of the ``segbot`` console script: project errors become one line on stderr."""
    try:
        app(standalone_mode=True)
    except SegbotError as exc:
        typer.echo(f"segbot: {exc}", err=True)
        sys.exit(1)
