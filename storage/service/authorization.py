"""Who may change a segment: its owner or a workspace admin (as in Business Central, where a segment
belongs to the salesperson who made it). Reading stays open to everyone in the workspace.

The rule lives here, in the service, so the slash command, the buttons, the console and any future
entry point obey it alike. Whether the caller administers the workspace is Slack's to say
(``users.info``); the caller passes it in as ``is_admin``.
"""

from __future__ import annotations

from typing import Required, TypedDict

from storage.errors import NotAllowedError
from storage.models import LoggedSegment, Segment

# Callers that act on authority granted earlier (the scheduler runs what an owner scheduled; the
# command line is whoever holds the database) pass this as ``is_admin``.
SYSTEM = True


class Caller(TypedDict, total=False):
    """Who asks, as the service functions that check permission take it: ``f(..., **caller)``.

    ``is_admin`` (default False) is whether Slack says the user administers the workspace.
    """

    user_id: Required[str]
    is_admin: bool


def may_change(segment: Segment, *, user_id: str, is_admin: bool) -> bool:
    """True when ``user_id`` may change ``segment``: its owner, or a workspace admin."""
    return is_admin or segment.owner_user_id == user_id


def check_may_change(segment: Segment, *, user_id: str, is_admin: bool = False) -> None:
    """NotAllowedError unless ``user_id`` owns ``segment`` or administers the workspace."""
    if not may_change(segment, user_id=user_id, is_admin=is_admin):
        raise NotAllowedError(
            "only the owner of {segment_no} ({owner}) or a workspace admin can change it",
            segment_no=segment.no,
            owner=segment.owner_user_id,
        )


def check_may_cancel_logged(
    logged: LoggedSegment, segment: Segment | None, *, user_id: str, is_admin: bool, deleting: bool = False
) -> None:
    """NotAllowedError unless the caller logged it, owns its segment, or administers the workspace."""
    if is_admin or logged.user_id == user_id:
        return
    if segment is not None and segment.owner_user_id == user_id:
        return
    if deleting:
        raise NotAllowedError(
            "only {owner}, who logged {logged_no}, or a workspace admin can delete it",
            logged_no=logged.no,
            owner=logged.user_id,
        )
    raise NotAllowedError(
        "only {owner}, who logged {logged_no}, or a workspace admin can cancel it",
        logged_no=logged.no,
        owner=logged.user_id,
    )
