"""``segbot contacts``: import contacts from CSV, or generate demo contacts (docs/admin-guide.md)."""

from __future__ import annotations

import time
from pathlib import Path

import typer

from bot.cli.common import open_database, resolve_workspace
from bot.cli.progress import file_progress
from storage.contacts_import import import_contacts
from storage.db import unit_of_work
from storage.demo import generate_demo
from storage.errors import ValidationError

app = typer.Typer(no_args_is_help=True, help="Contacts: import a CSV file or generate demo data.")

TEAM_HELP = "Slack team id of the workspace; optional when the database holds exactly one."


def require_file(path: Path) -> None:
    """Refuse a path that is not a readable file, in one line rather than a usage screen."""
    if not path.is_file():
        # Command-line only, so English and not in the Slack catalogs.
        message = f"no such file: {path}"
        raise ValidationError(message)


@app.command("import")
def import_command(
    file: Path = typer.Argument(..., help="Contacts CSV (see docs/admin-guide.md), UTF-8 with a header row."),
    team: str | None = typer.Option(None, "--team", help=TEAM_HELP),
) -> None:
    """Insert or update contacts by `no`; one bad row rejects the whole file and nothing is imported."""
    require_file(file)
    factory = open_database()
    started = time.perf_counter()
    with file_progress(file.name) as progress, unit_of_work(factory) as session:
        workspace = resolve_workspace(session, team, create=True)
        summary = import_contacts(session, workspace.id, file, progress=progress)
    typer.echo(f"{summary} into {workspace.team_id} in {time.perf_counter() - started:.1f} s")


@app.command("demo")
def demo_command(
    team: str | None = typer.Option(None, "--team", help=TEAM_HELP),
    count: int = typer.Option(1000, "--count", min=1, help="How many contacts to create."),
    seed: int = typer.Option(1, "--seed", help="The same seed gives the same contacts."),
) -> None:
    """Generate realistic demo contacts: companies with their persons, classified, profiled, with a few
    interactions."""
    factory = open_database()
    started = time.perf_counter()
    with unit_of_work(factory) as session:
        workspace = resolve_workspace(session, team, create=True)
        created = generate_demo(session, workspace.id, count=count, seed=seed)
    typer.echo(
        f"created {created} demo contacts in {workspace.team_id} (seed {seed}) "
        f"in {time.perf_counter() - started:.1f} s"
    )
