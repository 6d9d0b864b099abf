"""``segbot console``: the bot offline, in a terminal or fed by a pipe."""

from __future__ import annotations

import sys
from datetime import datetime
from zoneinfo import ZoneInfo

import typer
from sqlalchemy.orm import Session, sessionmaker

from bot.cli.common import open_database, resolve_workspace
from bot.console import CONSOLE_CHANNEL, CONSOLE_USER, Console
from bot.settings import Settings, load_settings
from commands.context import CommandContext
from commands.i18n import reply_locale
from commands.registry import load_registry
from storage.db import unit_of_work
from storage.service import workspaces


def console_context(
    settings: Settings,
    session_factory: sessionmaker[Session],
    team: str | None,
    *,
    user: str = CONSOLE_USER,
    language: str | None = None,
) -> CommandContext:
    """The console's caller: an admin of workspace ``team`` (or of the only one, or of a new offline one).

    It speaks ``language`` when segbot has that catalog, else the workspace's default language.
    """
    with unit_of_work(session_factory) as session:
        workspace = resolve_workspace(session, team, create=team is None)
        team_id, workspace_locale = workspace.team_id, workspaces.default_locale(session, workspace.id)
    return CommandContext(
        session_factory=session_factory,
        team_id=team_id,
        user_id=user,
        channel_id=CONSOLE_CHANNEL,
        page_size=settings.segbot_page_size,
        # Whoever holds the database file may do anything to it anyway.
        is_admin=True,
        today=datetime.now(ZoneInfo(settings.segbot_timezone)).date(),
        timezone=settings.segbot_timezone,
        locale=reply_locale(language, workspace_locale),
    )


def run_console(
    settings: Settings,
    session_factory: sessionmaker[Session],
    team: str | None,
    *,
    language: str | None = None,
) -> None:
    """Read commands from stdin until it ends (or ``quit``), answering on stdout."""
    ctx = console_context(settings, session_factory, team, language=language)
    console = Console(load_registry(), ctx)
    console.run(sys.stdin, sys.stdout, interactive=sys.stdin.isatty())


def console(
    team: str | None = typer.Option(None, "--team", help="Slack team id; optional with one workspace."),
    language: str | None = typer.Option(
        None, "--language", help="Reply language (en, it); default: the workspace's default language."
    ),
) -> None:
    """Offline: type slash commands, see the replies as text, press buttons by their label."""
    settings = load_settings()
    run_console(settings, open_database(settings), team, language=language)
