"""Comparing two segments: sizes, overlap and what each holds that the other does not."""

from __future__ import annotations

from sqlalchemy import and_, exists, func, select
from sqlalchemy.orm import Session

from storage.errors import ValidationError
from storage.models import SegmentLine
from storage.service._common import contact_page, find_segment, segment_size
from storage.service.types import Comparison, Page


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


BOTH = "both"
ONLY_A = "a"
ONLY_B = "b"
SIDES = (BOTH, ONLY_A, ONLY_B)


def comparison_page(
    session: Session, workspace_id: int, a: str, b: str, side: str, *, page: int, page_size: int
) -> Page:
    """One page of the contacts in both segments (``BOTH``), or only in ``a`` (``ONLY_A``) or ``b``."""
    if side not in SIDES:
        raise ValidationError("unknown part of a comparison: {side}", side=side)
    first = find_segment(session, workspace_id, a)
    second = find_segment(session, workspace_id, b)
    if side == ONLY_B:
        first, second = second, first
    lines = SegmentLine.__table__
    mine, theirs = lines.alias("mine"), lines.alias("theirs")
    in_other = exists().where(theirs.c.segment_id == second.id, theirs.c.contact_id == mine.c.contact_id)
    conditions = [mine.c.segment_id == first.id, in_other if side == BOTH else ~in_other]
    total = session.scalar(select(func.count()).select_from(mine).where(*conditions)) or 0
    return contact_page(session, workspace_id, mine, conditions, total=total, page=page, page_size=page_size)
