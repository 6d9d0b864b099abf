"""Comparing two segments: sizes, overlap and what each holds that the other does not."""

from __future__ import annotations

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from storage.models import SegmentLine
from storage.service._common import find_segment, segment_size
from storage.service.types import Comparison


def compare_segments(session: Session, workspace_id: int, a: str, b: str) -> Comparison:
    """Sizes of both segments, of their overlap, and of each one's difference from the other."""
    first = find_segment(session, workspace_id, a)
    second = find_segment(session, workspace_id, b)
    size_a = segment_size(session, first.id)
    size_b = segment_size(session, second.id)
    lines = SegmentLine.__table__
    mine, theirs = lines.alias("mine"), lines.alias("theirs")
    overlap = (
        session.scalar(
            select(func.count())
            .select_from(
                mine.join(
                    theirs, and_(theirs.c.contact_id == mine.c.contact_id, theirs.c.segment_id == second.id)
                )
            )
            .where(mine.c.segment_id == first.id)
        )
        or 0
    )
    return Comparison(
        a=first.no,
        b=second.no,
        size_a=size_a,
        size_b=size_b,
        overlap=overlap,
        only_a=size_a - overlap,
        only_b=size_b - overlap,
    )
