"""A user's segments at a glance: size, change over the last week, the last sizes, the next run.

Every figure is read for all the user's segments at once (a window over the journal), so a
user with 200 segments costs a handful of queries, not 200 of each.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from storage.models import Segment, SegmentAction
from storage.service import schedules, segments
from storage.service._common import utc_now
from storage.service.types import SegmentInfo

WEEK = timedelta(days=7)
RECENT_SIZES = 8


@dataclass(frozen=True)
class SegmentTrend:
    """One segment on the dashboard; ``week_change`` is its size now minus its size a week ago."""

    info: SegmentInfo
    week_change: int
    recent_sizes: tuple[int, ...]
    next_run: datetime | None


@dataclass(frozen=True)
class SegmentMoves:
    """How many contacts entered and left a segment over the last week."""

    segment_no: str
    description: str
    entered: int
    left: int


def user_dashboard(
    session: Session, workspace_id: int, user_id: str, *, now: datetime | None = None
) -> list[SegmentTrend]:
    """The user's segments, most recently changed first, with their trends."""
    now = now or utc_now()
    mine = segments.list_segments(session, workspace_id, owner_user_id=user_id)
    if not mine:
        return []
    owned = select(Segment.id).where(Segment.workspace_id == workspace_id, Segment.owner_user_id == user_id)
    week_ago = _sizes_at(session, owned, now - WEEK)
    recent = _recent_sizes(session, owned)
    next_runs = {s.segment_no: s.next_run for s in schedules.list_schedules(session, workspace_id, now=now)}
    trends = [
        SegmentTrend(
            info=info,
            # A segment with no action a week ago was empty then (or did not exist).
            week_change=info.size - week_ago.get(info.no, 0),
            recent_sizes=tuple(recent.get(info.no, ())),
            next_run=next_runs.get(info.no),
        )
        for info in mine
    ]
    return sorted(trends, key=lambda t: t.info.updated_at, reverse=True)


def most_changed(
    session: Session, workspace_id: int, *, now: datetime | None = None, limit: int = 5
) -> list[SegmentMoves]:
    """The workspace's segments with the most contacts entering and leaving over the last week."""
    since = (now or utc_now()) - WEEK
    moved = func.sum(SegmentAction.added + SegmentAction.removed)
    rows = session.execute(
        select(
            Segment.no, Segment.description, func.sum(SegmentAction.added), func.sum(SegmentAction.removed)
        )
        .join(Segment, Segment.id == SegmentAction.segment_id)
        .where(SegmentAction.workspace_id == workspace_id, SegmentAction.created_at >= since)
        .group_by(Segment.no, Segment.description)
        .having(moved > 0)
        .order_by(moved.desc(), Segment.no)
        .limit(limit)
    ).all()
    return [SegmentMoves(no, description, int(entered), int(left)) for no, description, entered, left in rows]


def _sizes_at(session: Session, owned: Select[Any], moment: datetime) -> dict[str, int]:
    """Each segment's size after its last action up to ``moment``."""
    newest = (
        func.row_number()
        .over(partition_by=SegmentAction.segment_id, order_by=SegmentAction.seq.desc())
        .label("rank")
    )
    ranked = (
        select(SegmentAction.segment_id, SegmentAction.size_after, newest)
        .where(SegmentAction.segment_id.in_(owned), SegmentAction.created_at <= moment)
        .subquery()
    )
    rows = session.execute(
        select(Segment.no, ranked.c.size_after)
        .join(ranked, ranked.c.segment_id == Segment.id)
        .where(ranked.c.rank == 1)
    )
    return {no: size for no, size in rows}


def _recent_sizes(session: Session, owned: Select[Any]) -> dict[str, list[int]]:
    """Each segment's sizes after its last ``RECENT_SIZES`` actions, oldest first."""
    newest = (
        func.row_number()
        .over(partition_by=SegmentAction.segment_id, order_by=SegmentAction.seq.desc())
        .label("rank")
    )
    ranked = (
        select(SegmentAction.segment_id, SegmentAction.seq, SegmentAction.size_after, newest)
        .where(SegmentAction.segment_id.in_(owned))
        .subquery()
    )
    rows = session.execute(
        select(Segment.no, ranked.c.size_after)
        .join(ranked, ranked.c.segment_id == Segment.id)
        .where(ranked.c.rank <= RECENT_SIZES)
        .order_by(Segment.no, ranked.c.seq)
    )
    found: dict[str, list[int]] = {}
    for no, size in rows:
        found.setdefault(no, []).append(size)
    return found
