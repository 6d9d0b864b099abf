"""Rows a segment has one of at most, its schedule and its live channel: found, and removed by its owner."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.errors import NotFoundError
from storage.models import LiveSegment, Segment, SegmentSchedule
from storage.service._common import find_segment
from storage.service.authorization import Caller, check_may_change

_Row = TypeVar("_Row", LiveSegment, SegmentSchedule)
_Info = TypeVar("_Info")


def segment_row(session: Session, model: type[_Row], segment_id: int) -> _Row | None:
    """The segment's row of ``model``, or None; a segment has one at most."""
    return session.scalars(select(model).where(model.segment_id == segment_id)).one_or_none()


def remove_segment_row(
    session: Session,
    workspace_id: int,
    segment_no: str,
    model: type[_Row],
    *,
    describe: Callable[[_Row, Segment], _Info],
    missing: str,
    caller: Caller,
) -> _Info:
    """Delete the segment's row of ``model`` and return what ``describe`` made of it.

    NotFoundError ``missing`` (a template taking ``segment_no``) when the segment has none. Only the
    segment's owner or a workspace admin may.
    """
    segment = find_segment(session, workspace_id, segment_no)
    check_may_change(segment, **caller)
    row = segment_row(session, model, segment.id)
    if row is None:
        raise NotFoundError(missing, segment_no=segment.no)
    info = describe(row, segment)
    session.delete(row)
    session.flush()
    return info
