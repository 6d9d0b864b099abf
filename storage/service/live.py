"""Live segments: refreshed after every change to the workspace's data, once per data version.

Every transaction that changes what criteria match bumps the workspace's data version
(storage/data_version.py). A live segment remembers the version it was last refreshed at; the
leader process finds the workspaces whose live segments are behind, and refreshes them in
dependency order, each in its own transaction keyed by segment and version, so a refresh happens
once per version however many processes try and however often a pass is restarted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Unpack

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.data_version import data_version
from storage.errors import N_, ValidationError
from storage.models import LiveSegment, Segment, Workspace
from storage.models.schedules import TRIGGER_LIVE
from storage.service import history
from storage.service._common import find_segment, from_row
from storage.service._segment_rows import remove_segment_row, segment_row
from storage.service.authorization import Caller, check_may_change
from storage.service.dependencies import dependency_graph, dependency_order
from storage.service.history import RunInfo


@dataclass(frozen=True)
class LiveInfo:
    """A live segment: where its changes are posted, in which language, and how current it is."""

    workspace_id: int
    segment_no: str
    segment_description: str
    channel_id: str | None
    channel_name: str | None
    locale: str
    created_by: str
    refreshed_version: int

    @property
    def destination(self) -> str | None:
        """What chat.postMessage takes: the channel id, or "#name" when only a name was typed."""
        if self.channel_id:
            return self.channel_id
        return f"#{self.channel_name}" if self.channel_name else None


def set_live(
    session: Session,
    workspace_id: int,
    segment_no: str,
    *,
    channel_id: str | None,
    channel_name: str | None = None,
    locale: str = "en",
    **caller: Unpack[Caller],
) -> LiveInfo:
    """Make the segment live, posting to the channel (or move it to another channel).

    It counts as current at today's data version: the next data change refreshes it. Live
    refreshes change the segment, so only its owner or a workspace admin may.
    """
    if not channel_id and not channel_name:
        raise ValidationError("say which channel gets the live segment's changes, e.g. #sales")
    segment = find_segment(session, workspace_id, segment_no)
    check_may_change(segment, **caller)
    live = segment_row(session, LiveSegment, segment.id)
    if live is None:
        live = LiveSegment(
            workspace_id=workspace_id,
            segment_id=segment.id,
            refreshed_version=data_version(session, workspace_id),
        )
        session.add(live)
    live.channel_id = channel_id
    live.channel_name = channel_name
    live.locale = locale
    live.created_by = caller["user_id"]
    session.flush()
    return _info(live, segment)


def unset_live(session: Session, workspace_id: int, segment_no: str, **caller: Unpack[Caller]) -> LiveInfo:
    """Stop refreshing the segment live and return what it was; NotFoundError when it was not live."""
    missing = N_("{segment_no} is not live")
    return remove_segment_row(
        session, workspace_id, segment_no, LiveSegment, describe=_info, missing=missing, caller=caller
    )


def get_live(session: Session, workspace_id: int, segment_no: str) -> LiveInfo | None:
    """The segment's live settings, or None when it is not live (NotFoundError for an unknown segment)."""
    segment = find_segment(session, workspace_id, segment_no)
    live = segment_row(session, LiveSegment, segment.id)
    return None if live is None else _info(live, segment)


def list_live(session: Session, workspace_id: int) -> list[LiveInfo]:
    """The workspace's live segments, by number."""
    rows = session.execute(
        select(LiveSegment, Segment)
        .join(Segment, Segment.id == LiveSegment.segment_id)
        .where(LiveSegment.workspace_id == workspace_id)
        .order_by(Segment.no)
    )
    return [_info(live, segment) for live, segment in rows]


def behind_workspaces(session: Session) -> dict[int, int]:
    """Workspace id → data version, for every workspace with a live segment behind its data version.

    One indexed join over the live segments: cheap enough to ask every second.
    """
    rows = session.execute(
        select(Workspace.id, Workspace.data_version)
        .join(LiveSegment, LiveSegment.workspace_id == Workspace.id)
        .where(LiveSegment.refreshed_version < Workspace.data_version)
        .group_by(Workspace.id, Workspace.data_version)
    )
    return {workspace_id: version for workspace_id, version in rows}


def plan_pass(session: Session, workspace_id: int) -> tuple[int, list[str]]:
    """The data version to refresh at, and the live segments behind it in dependency order."""
    version = data_version(session, workspace_id)
    behind = set(
        session.scalars(
            select(Segment.no)
            .join(LiveSegment, LiveSegment.segment_id == Segment.id)
            .where(LiveSegment.workspace_id == workspace_id, LiveSegment.refreshed_version < version)
        )
    )
    if not behind:
        return version, []
    return version, dependency_order(dependency_graph(session, workspace_id), behind)


def record_live_run(session: Session, workspace_id: int, segment_no: str, *, version: int) -> RunInfo | None:
    """Refresh the live segment for data ``version`` and record the run; None when it needs none.

    None when the segment stopped being live or was already refreshed at ``version`` or later (by
    another process, a schedule, or before a restart). A refresh that cannot be done (a segment
    it is built on was deleted) is recorded as a failed run that changed nothing.
    """
    segment = find_segment(session, workspace_id, segment_no)
    live = segment_row(session, LiveSegment, segment.id)
    if live is None or live.refreshed_version >= version:
        return None
    info = _info(live, segment)
    return history.record_refresh_run(
        session,
        workspace_id,
        segment.no,
        key=live_run_key(segment.id, version),
        user_id=live.created_by,
        channel_id=info.destination,
        trigger=TRIGGER_LIVE,
        data_version=version,
        record_errors=True,
    )


def live_run_key(segment_id: int, version: int) -> str:
    """The key that makes a live refresh happen once per segment and data version."""
    return f"live:{segment_id}@{version}"


def live_locale(session: Session, workspace_id: int, segment_no: str) -> str | None:
    """The language the live segment's channel is written in, or None when it is not live."""
    return session.scalar(
        select(LiveSegment.locale)
        .join(Segment, Segment.id == LiveSegment.segment_id)
        .where(Segment.workspace_id == workspace_id, Segment.no == segment_no.strip().upper())
    )


def _info(live: LiveSegment, segment: Segment) -> LiveInfo:
    return from_row(
        LiveInfo,
        live,
        segment_no=segment.no,
        segment_description=segment.description,
        locale=live.locale or "en",
    )
