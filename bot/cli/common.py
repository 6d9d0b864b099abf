"""What every CLI command needs: settings, the database, and which workspace ``--team`` means."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.settings import Settings, load_settings
from storage.db import make_engine, make_session_factory
from storage.errors import NotFoundError, ValidationError
from storage.migrate import upgrade
from storage.models import Workspace

# The workspace of a database used offline before any Slack team was named: `segbot run` without
# credentials, `segbot console` and `segbot contacts demo|import` all pick it on a fresh database.
DEMO_TEAM = "TDEMO"


def open_database(settings: Settings | None = None, *, migrate: bool = True) -> sessionmaker[Session]:
    """A session factory on ``DATABASE_URL``, migrated first so a fresh file just works."""
    settings = settings or load_settings()
    engine = make_engine(settings.database_url, statement_timeout=settings.segbot_statement_timeout)
    if migrate:
        upgrade(engine)
    return make_session_factory(engine)


def resolve_workspace(session: Session, team: str | None, *, create: bool = False) -> Workspace:
    """The workspace named by ``--team`` (a Slack team id), or the only one when ``team`` is None.

    ``create`` makes an unknown team (importing data is how a workspace starts out offline); on a
    database without any workspace it makes the offline one, ``DEMO_TEAM``, when ``team`` is None.
    """
    if team is None:
        count = session.scalar(select(func.count()).select_from(Workspace)) or 0
        if count == 1:
            return session.scalars(select(Workspace)).one()
        if count > 1:
            raise ValidationError(f"--team is required: the database holds {count} workspaces")
        if not create:
            raise ValidationError("--team is required: the database holds no workspace yet")
        team = DEMO_TEAM
    workspace = session.scalars(select(Workspace).where(Workspace.team_id == team)).one_or_none()
    if workspace is None:
        if not create:
            raise NotFoundError(f"no workspace {team!r} in the database")
        workspace = Workspace(team_id=team, name=team)
        session.add(workspace)
        session.flush()
    return workspace
