"""``segbot contacts``: import contacts from CSV, or generate demo contacts (docs/admin-guide.md)."""

from __future__ import annotations

import time

import typer

from bot.cli.common import TEAM_HELP, open_database, resolve_workspace
from bot.cli.imports import add_import_command
from storage.contacts_import import import_contacts
from storage.db import unit_of_work
from storage.demo import generate_demo

app = typer.Typer(no_args_is_help=True, help="Contacts: import a CSV file or generate demo data.")


add_import_command(
    app,
    import_contacts,
    help="Insert or update contacts by `no`; one bad row rejects the whole file and nothing is imported.",
    file_help="Contacts CSV (see docs/admin-guide.md), UTF-8 with a header row.",
    summary=lambda run: f"{run.result} into {run.team_id} in {run.seconds:.1f} s",
)


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
