"""The ``segbot`` command line (CONTRACT section 3)."""

from __future__ import annotations

import sys

import typer

from bot.settings import load_settings
from storage.db import make_engine
from storage.errors import SegbotError
from storage.migrate import upgrade

app = typer.Typer(no_args_is_help=True, add_completion=False, help="segbot: contact segments in Slack.")
db_app = typer.Typer(no_args_is_help=True, help="Database maintenance.")
app.add_typer(db_app, name="db")


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply the database migrations."""
    settings = load_settings()
    upgrade(make_engine(settings.database_url))
    typer.echo("database is up to date")


def main() -> None:
    """Entry point of the ``segbot`` console script: project errors become one line on stderr."""
    try:
        app(standalone_mode=True)
    except SegbotError as exc:
        typer.echo(f"segbot: {exc}", err=True)
        sys.exit(1)
