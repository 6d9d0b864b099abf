"""``segbot segments``: list, export and refresh segments from a terminal or a script (admin guide)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

import typer
from sqlalchemy.orm import Session, sessionmaker

from bot.cli.common import TEAM_HELP, open_database, resolve_workspace
from bot.settings import load_settings
from storage.db import unit_of_work
from storage.errors import ValidationError
from storage.models.schedules import TRIGGER_CLI
from storage.service import changes, export, segments
from storage.service.authorization import SYSTEM
from storage.service.types import Page

app = typer.Typer(no_args_is_help=True, help="Segments: list, export, refresh.")

# Rows fetched per query when printing who entered or left; the whole list is printed.
_PRINT_PAGE = 500


@app.command("list")
def list_command(team: str | None = typer.Option(None, "--team", help=TEAM_HELP)) -> None:
    """One line per segment: number, description and size, tab-separated."""
    with unit_of_work(open_database()) as session:
        workspace = resolve_workspace(session, team)
        for info in segments.list_segments(session, workspace.id):
            typer.echo(f"{info.no}\t{info.description}\t{info.size}")


@app.command("export")
def export_command(
    segment: str = typer.Argument(..., help="Segment number, e.g. SEG00001."),
    team: str | None = typer.Option(None, "--team", help=TEAM_HELP),
    output: Path | None = typer.Option(None, "-o", "--output", help="File to write; stdout when left out."),
    fmt: str = typer.Option("csv", "--format", help="csv (the contacts import format) or json."),
) -> None:
    """The segment's contacts with the contact columns of the import format, `no` first."""
    chosen = next((f for f in export.EXPORT_FORMATS if f == fmt.lower()), None)
    if chosen is None:
        raise ValidationError(f"--format must be csv or json, not {fmt!r}")
    with unit_of_work(open_database()) as session:
        workspace = resolve_workspace(session, team)
        # Resolve the segment before opening the file, so a typo leaves no empty file behind.
        segments.get_segment(session, workspace.id, segment)
        with _destination(output) as out:
            written = export.write_export(out, session, workspace.id, segment, fmt=chosen)
    if output is not None:
        typer.echo(f"exported {written} contacts of {segment.upper()} to {output}", err=True)


@app.command("refresh")
def refresh_command(
    segment: str = typer.Argument(..., help="Segment number, e.g. SEG00001."),
    team: str | None = typer.Option(None, "--team", help=TEAM_HELP),
    notify: bool = typer.Option(
        False, "--notify", help="Also post the notification to the segment's scheduled channel."
    ),
) -> None:
    """Replay the segment's criteria against today's data, apply the change, print who entered and left."""
    factory = open_database()
    if notify:
        _refresh_and_notify(factory, segment, team)
        return
    with unit_of_work(factory) as session:
        workspace = resolve_workspace(session, team)
        result = changes.refresh_segment(
            session, workspace.id, segment, user_id="cli", is_admin=SYSTEM, trigger=TRIGGER_CLI
        )
        _print_refresh(
            session, workspace.id, result.segment_no, result.seq, result.size_before, result.size_after
        )


def _refresh_and_notify(factory: sessionmaker[Session], segment: str, team: str | None) -> None:
    # The scheduler owns notifications (one message format, posted once); the CLI only asks it.
    from bot.oauth import is_oauth_configured
    from bot.scheduler import SchedulerRuntime, refresh_and_notify
    from bot.team_clients import team_client_factory

    settings = load_settings()
    if settings.slack_bot_token is None and not is_oauth_configured(settings):
        raise ValidationError("--notify needs SLACK_BOT_TOKEN (or an OAuth install) to post to Slack")
    runtime = SchedulerRuntime(
        session_factory=factory,
        client_for_team=team_client_factory(settings, factory.kw["bind"]),
        page_size=settings.segbot_page_size,
    )
    with unit_of_work(runtime.session_factory) as session:
        workspace_id = resolve_workspace(session, team).id
    run, ts = refresh_and_notify(runtime, workspace_id, segment, user_id="cli")
    with unit_of_work(runtime.session_factory) as session:
        _print_refresh(session, workspace_id, run.segment_no, run.action_seq, run.size_before, run.size_after)
    where = run.channel_id or "the scheduled channel"
    typer.echo(f"notified {where}" if ts else f"notification to {where} not posted yet; it will be retried")


def _print_refresh(
    session: Session, workspace_id: int, segment_no: str, seq: int | None, before: int, after: int
) -> None:
    if seq is None:
        # Nothing changed, so nothing was journalled; the run is in `history` all the same.
        typer.echo(f"{segment_no}: {before} -> {after} (0 entered, 0 left)")
        return
    first_in = _changes(session, workspace_id, segment_no, seq, 1, page=1)
    first_out = _changes(session, workspace_id, segment_no, seq, -1, page=1)
    typer.echo(f"{segment_no}: {before} -> {after} ({first_in.total} entered, {first_out.total} left)")
    for label, change, first in (("entered", 1, first_in), ("left", -1, first_out)):
        if first.total:
            typer.echo(f"{label}:")
            for page in _pages(session, workspace_id, segment_no, seq, change, first):
                for row in page.rows:
                    typer.echo(f"  {row.no}\t{row.name}")


def _changes(
    session: Session, workspace_id: int, segment_no: str, seq: int, change: int, *, page: int
) -> Page:
    return changes.action_changes_page(
        session, workspace_id, segment_no, seq, change=change, page=page, page_size=_PRINT_PAGE
    )


def _pages(
    session: Session, workspace_id: int, segment_no: str, seq: int, change: int, first: Page
) -> Iterator[Page]:
    yield first
    for number in range(2, first.pages + 1):
        yield _changes(session, workspace_id, segment_no, seq, change, page=number)


@contextmanager
def _destination(output: Path | None) -> Iterator[TextIO]:
    if output is None:
        yield sys.stdout
        return
    with output.open("w", encoding="utf-8", newline="") as handle:
        yield handle
