"""What every CLI command needs: settings, the database, and which workspace ``--team`` means."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from bot.settings import Settings, load_settings
from storage.db import make_engine, make_session_factory
from storage.errors import NotFoundError, ValidationError
from storage.migrate import upgrade
from storage.service import workspaces

# The workspace of a database used offline before any Slack team was named: `segbot run` without
# credentials, `segbot console` and `segbot contacts demo|import` all pick it on a fresh database.
DEMO_TEAM = "TDEMO"
TEAM_HELP = "Slack team id of the workspace; optional when the database holds exactly one."


def open_database(settings: Settings | None = None, *, migrate: bool = True) -> sessionmaker[Session]:
    """A session factory on ``DATABASE_URL``, migrated first so a fresh file just works."""
    settings = settings or load_settings()
    engine = make_engine(settings.database_url, statement_timeout=settings.segbot_statement_timeout)
    if migrate:
        upgrade(engine)
    return make_session_factory(engine)


@dataclass(frozen=True)
class CliWorkspace:
    """The workspace a CLI command acts on."""

    id: int
    team_id: str


def resolve_workspace(session: Session, team: str | None, *, create: bool = False) -> CliWorkspace:
    """The workspace named by ``--team`` (a Slack team id), or the only one when ``team`` is None.

    ``create`` makes an unknown team (importing data is how a workspace starts out offline); on a
    database without any workspace it makes the offline one, ``DEMO_TEAM``, when ``team`` is None.
    """
    if team is None:
        teams = workspaces.team_ids(session)
        if len(teams) > 1:
            raise ValidationError(f"--team is required: the database holds {len(teams)} workspaces")
        if not teams and not create:
            raise ValidationError("--team is required: the database holds no workspace yet")
        team = teams[0] if teams else DEMO_TEAM
    if create:
        return CliWorkspace(id=workspaces.ensure_workspace(session, team), team_id=team)
    workspace_id = workspaces.workspace_of_team(session, team)
    if workspace_id is None:
        raise NotFoundError(f"no workspace {team!r} in the database")
    return CliWorkspace(id=workspace_id, team_id=team)
