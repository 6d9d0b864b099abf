"""``segbot contacts demo``: generate demo contacts (docs/admin-guide.md); ``import`` is in ``bot.cli``."""

from __future__ import annotations

import time

import typer

from bot.cli.common import TEAM_HELP, open_database, resolve_workspace
from storage.db import unit_of_work
from storage.demo import generate_demo


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
