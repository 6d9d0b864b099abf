"""The App Home tab of a user: a dashboard of their segments and the workspace's busiest this week."""

from __future__ import annotations

from slack_sdk.models.views import View
from sqlalchemy.orm import Session, sessionmaker

from commands.blocks.home import build_home
from commands.i18n import translator
from storage.db import unit_of_work
from storage.service import dashboard, workspaces


def build_home_view(
    session_factory: sessionmaker[Session], team_id: str, user_id: str, *, locale: str | None = None
) -> View:
    """The Home view: ``user_id``'s segments with size, week's change, last sizes, next run and buttons."""
    with unit_of_work(session_factory) as session:
        workspace_id = workspaces.ensure_workspace(session, team_id)
        trends = dashboard.user_dashboard(session, workspace_id, user_id)
        moves = dashboard.most_changed(session, workspace_id)
    return build_home(trends, moves, tr=translator(locale))
