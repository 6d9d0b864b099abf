"""Workspaces: one per Slack team, created the first time the team shows up."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.models import Contact, Workspace


def ensure_workspace(session: Session, team_id: str, *, name: str = "") -> int:
    """The id of the workspace of Slack team ``team_id``, creating it on first use."""
    workspace_id = session.scalar(select(Workspace.id).where(Workspace.team_id == team_id))
    if workspace_id is not None:
        return workspace_id
    # Two first requests of one team can race; a savepoint lets the loser read the winner's row.
    try:
        with session.begin_nested():
            workspace = Workspace(team_id=team_id, name=name or team_id)
            session.add(workspace)
            session.flush()
            return workspace.id
    except IntegrityError:
        existing = session.scalar(select(Workspace.id).where(Workspace.team_id == team_id))
        if existing is None:
            raise
        return existing


def workspace_of_team(session: Session, team_id: str) -> int | None:
    """The id of the workspace of Slack team ``team_id``; None when the team never showed up."""
    return session.scalar(select(Workspace.id).where(Workspace.team_id == team_id))


def default_locale(session: Session, workspace_id: int) -> str:
    """The language the workspace's replies fall back to when a user's own is unknown."""
    locale = session.scalar(select(Workspace.default_locale).where(Workspace.id == workspace_id))
    return locale or "en"


def set_default_locale(session: Session, workspace_id: int, locale: str) -> None:
    """Make ``locale`` (a language code such as ``it``) the workspace's default language."""
    session.execute(update(Workspace).where(Workspace.id == workspace_id).values(default_locale=locale))


def team_ids(session: Session) -> list[str]:
    """The Slack team ids of every workspace in the database."""
    return list(session.scalars(select(Workspace.team_id).order_by(Workspace.team_id)))


def team_id_of(session: Session, workspace_id: int) -> str:
    """The Slack team id of a workspace ("" when it no longer exists)."""
    return session.scalar(select(Workspace.team_id).where(Workspace.id == workspace_id)) or ""


def has_contacts(session: Session, workspace_id: int) -> bool:
    """True when the workspace holds at least one contact."""
    return session.scalar(select(Contact.id).where(Contact.workspace_id == workspace_id).limit(1)) is not None
