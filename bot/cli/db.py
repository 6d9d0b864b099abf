"""``segbot db``: database maintenance."""

from __future__ import annotations

import typer

from bot.settings import load_settings
from storage.db import make_engine
from storage.migrate import upgrade

app = typer.Typer(no_args_is_help=True, help="Database maintenance.")


@app.command("upgrade")
def db_upgrade() -> None:
    """Apply the database migrations (Alembic)."""
    upgrade(make_engine(load_settings().database_url))
    typer.echo("database is up to date")
