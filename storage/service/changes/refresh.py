"""Refreshing a segment: its journal replayed against today's data, the difference applied as one change."""

from __future__ import annotations

from datetime import date
from typing import Unpack

from sqlalchemy.orm import Session

from storage.models.schedules import TRIGGER_CLI
from storage.service._common import (
    find_segment,
    segment_size,
)
from storage.service.authorization import Caller
from storage.service.changes.confirm import apply_action
from storage.service.journal import action_changes_page
from storage.service.types import (
    REFRESH,
    Page,
    RefreshResult,
)


def refresh_segment(
    session: Session,
    workspace_id: int,
    segment_no: str,
    *,
    today: date | None = None,
    page_size: int = 10,
    trigger: str | None = TRIGGER_CLI,
    **caller: Unpack[Caller],
) -> RefreshResult:
    """Replay the segment's journal from empty against today's data and apply the difference.

    Journalled as one "refresh" action, so it can be undone like any other, unless it changes
    nothing; recorded as a run of the segment's history started by ``trigger`` either way.
    """
    segment = find_segment(session, workspace_id, segment_no)
    size_before = segment_size(session, segment.id)
    result = apply_action(
        session,
        workspace_id,
        segment.no,
        REFRESH,
        **caller,
        today=today,
        trigger=trigger,
    )
    nobody = Page(rows=(), total=0, page=1, page_size=max(1, page_size))

    def changes(change: int) -> Page:
        if result.seq is None:
            return nobody
        return action_changes_page(
            session, workspace_id, segment.no, result.seq, change=change, page=1, page_size=page_size
        )

    return RefreshResult(
        segment_no=segment.no,
        size_before=size_before,
        size_after=result.size_after,
        entered=changes(1),
        left=changes(-1),
        seq=result.seq,
    )
