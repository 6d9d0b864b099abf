"""Segment headers: create, list, show a page of lines, delete."""

from __future__ import annotations

import secrets
from datetime import date

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from storage.errors import NotAllowedError, ValidationError
from storage.models import (
    PendingAction,
    PendingActionContact,
    Segment,
    SegmentAction,
    SegmentLine,
    SegmentLineHistory,
)
from storage.service._common import (
    contact_page,
    find_segment,
    next_number,
    segment_info,
    segment_size,
    utc_today,
)
from storage.service.authorization import may_change
from storage.service.codes import default_template
from storage.service.dependencies import check_deletable
from storage.service.types import Page, SegmentInfo

_MAX_DESCRIPTION = 200
# Never seen by users: replaced by number_segment before the unit of work commits.
_PROVISIONAL = "NEW"


def create_segment(
    session: Session,
    workspace_id: int,
    *,
    description: str,
    owner_user_id: str,
    today: date | None = None,
    number_last: bool = False,
) -> SegmentInfo:
    """A new, empty segment numbered SEG00001, SEG00002, ... per workspace, owned by ``owner_user_id``.

    ``number_last``: the segment gets a provisional number, and its real one from ``number_segment``
    at the end of the unit of work. Handing out a number locks the workspace's counter until
    commit, so a creation that goes on to preview an Add over a million contacts would otherwise
    make every other creation in the workspace wait for that count.
    """
    description = " ".join(description.split())
    if not description:
        raise ValidationError("a segment needs a description")
    if len(description) > _MAX_DESCRIPTION:
        raise ValidationError("a segment description has at most {limit} characters", limit=_MAX_DESCRIPTION)
    segment = Segment(
        workspace_id=workspace_id,
        no=_PROVISIONAL + secrets.token_hex(6).upper()
        if number_last
        else next_number(session, workspace_id, "segment_seq", "SEG"),
        description=description,
        owner_user_id=owner_user_id,
        created=today or utc_today(),
        version=0,
        interaction_template_code=default_template(session, workspace_id),
    )
    session.add(segment)
    session.flush()
    session.refresh(segment)
    return segment_info(session, segment, size=0)


def number_segment(session: Session, workspace_id: int, provisional_no: str) -> str:
    """Give a segment created with ``number_last`` its number; call it last in the unit of work."""
    if not provisional_no.startswith(_PROVISIONAL):
        raise ValueError(f"{provisional_no} is already numbered")
    no = next_number(session, workspace_id, "segment_seq", "SEG")
    session.execute(
        update(Segment)
        .where(Segment.workspace_id == workspace_id, Segment.no == provisional_no)
        .values(no=no)
        .execution_options(synchronize_session=False)
    )
    return no


def list_segments(
    session: Session, workspace_id: int, *, owner_user_id: str | None = None
) -> list[SegmentInfo]:
    """The workspace's segments by number, with their sizes; only one owner's with ``owner_user_id``."""
    size = (
        select(func.count())
        .where(SegmentLine.segment_id == Segment.id)
        .correlate(Segment)
        .scalar_subquery()
        .label("size")
    )
    query = select(Segment, size).where(Segment.workspace_id == workspace_id).order_by(Segment.no)
    if owner_user_id is not None:
        query = query.where(Segment.owner_user_id == owner_user_id)
    return [segment_info(session, segment, size=count) for segment, count in session.execute(query)]


def get_segment(session: Session, workspace_id: int, segment_no: str) -> SegmentInfo:
    """The segment's header and size, or NotFoundError."""
    return segment_info(session, find_segment(session, workspace_id, segment_no))


def segment_page(
    session: Session, workspace_id: int, segment_no: str, *, page: int = 1, page_size: int = 10
) -> Page:
    """One page of the segment's contacts, by contact number."""
    segment = find_segment(session, workspace_id, segment_no)
    lines = SegmentLine.__table__
    return contact_page(
        session,
        workspace_id,
        lines,
        [lines.c.segment_id == segment.id],
        total=segment_size(session, segment.id),
        page=page,
        page_size=page_size,
    )


def delete_segment(
    session: Session, workspace_id: int, segment_no: str, *, user_id: str, is_admin: bool
) -> None:
    """Delete the segment with its lines and journal; only its owner or a workspace admin may."""
    segment = find_segment(session, workspace_id, segment_no)
    if not may_change(segment, user_id=user_id, is_admin=is_admin):
        raise NotAllowedError(
            "only the owner of {segment_no} ({owner}) or an admin can delete it",
            segment_no=segment.no,
            owner=segment.owner_user_id,
        )
    check_deletable(session, workspace_id, segment.no)
    # Lines, line history and captured previews carry no foreign key to the segment (they are
    # bulk tables), so they go first; the database cascades to the journal and pending rows.
    pending_ids = select(PendingAction.id).where(PendingAction.segment_id == segment.id)
    action_ids = select(SegmentAction.id).where(SegmentAction.segment_id == segment.id)
    session.execute(delete(PendingActionContact).where(PendingActionContact.pending_id.in_(pending_ids)))
    session.execute(delete(SegmentLineHistory).where(SegmentLineHistory.action_id.in_(action_ids)))
    session.execute(delete(SegmentLine).where(SegmentLine.segment_id == segment.id))
    session.execute(delete(Segment).where(Segment.id == segment.id, Segment.workspace_id == workspace_id))
    session.expunge(segment)
