"""The App Home tab of a user: their segments, newest change first."""

from __future__ import annotations

from slack_sdk.models.views import View
from sqlalchemy.orm import Session, sessionmaker

from commands.blocks.home import build_home
from commands.i18n import translator
from storage.db import unit_of_work
from storage.service import segments, workspaces


def build_home_view(
    session_factory: sessionmaker[Session], team_id: str, user_id: str, *, locale: str | None = None
) -> View:
    """The Home view listing ``user_id``'s segments with sizes, last change and a Show button each."""
    with unit_of_work(session_factory) as session:
        workspace_id = workspaces.ensure_workspace(session, team_id)
        mine = segments.list_segments(session, workspace_id, owner_user_id=user_id)
    return build_home(mine, tr=translator(locale))
