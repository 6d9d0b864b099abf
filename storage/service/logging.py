"""Logging a segment: one interaction per line and a logged segment record, as Business Central does."""

from __future__ import annotations

from datetime import date
from typing import cast

from sqlalchemy import Table, insert, literal, select, update
from sqlalchemy.orm import Session

from storage.data_version import bump_data_version
from storage.errors import ConflictError, NotFoundError, ValidationError
from storage.models import InteractionLogEntry, LoggedSegment, Segment, SegmentLine
from storage.service._common import find_segment, next_number, segment_size, utc_today
from storage.service.actions import include_logged_segment
from storage.service.authorization import check_may_cancel_logged, check_may_change
from storage.service.segments import create_segment
from storage.service.types import LoggedSegmentInfo


def log_segment(
    session: Session,
    workspace_id: int,
    segment_no: str,
    *,
    template_code: str | None,
    follow_up: bool = False,
    user_id: str,
    is_admin: bool = False,
    today: date | None = None,
) -> LoggedSegmentInfo:
    """Log one interaction per contact of the segment under a new logged segment (LSEG00001...).

    The template is ``template_code`` or else the segment's own; ``follow_up`` also creates a new
    segment holding the same contacts (Business Central's "Create Follow-up Segment"). Owner or
    workspace admin only.
    """
    segment = find_segment(session, workspace_id, segment_no)
    check_may_change(segment, user_id=user_id, is_admin=is_admin)
    template = (template_code or segment.interaction_template_code or "").strip().upper()
    if not template:
        raise ValidationError(
            "{segment_no} has no interaction template; name one with template:CODE", segment_no=segment.no
        )
    size = segment_size(session, segment.id)
    if size == 0:
        raise ValidationError("{segment_no} has no contacts to log", segment_no=segment.no)
    day = today or utc_today()
    logged = LoggedSegment(
        workspace_id=workspace_id,
        no=next_number(session, workspace_id, "logged_segment_seq", "LSEG"),
        segment_no=segment.no,
        description=segment.description,
        template_code=template,
        interactions=size,
        user_id=user_id,
        canceled=False,
    )
    session.add(logged)
    session.flush()
    entries = cast(Table, InteractionLogEntry.__table__)
    lines = SegmentLine.__table__
    session.execute(
        insert(entries).from_select(
            [
                "workspace_id",
                "contact_id",
                "template_code",
                "date",
                "description",
                "segment_no",
                "canceled",
                "logged_segment_id",
            ],
            select(
                literal(workspace_id, entries.c.workspace_id.type),
                lines.c.contact_id,
                literal(template, entries.c.template_code.type),
                literal(day, entries.c.date.type),
                literal(segment.description[:200], entries.c.description.type),
                literal(segment.no, entries.c.segment_no.type),
                literal(False, entries.c.canceled.type),
                literal(logged.id, entries.c.logged_segment_id.type),
            ).where(lines.c.segment_id == segment.id),
        )
    )
    bump_data_version(session, workspace_id)
    follow_up_no = None
    if follow_up:
        created = create_segment(
            session,
            workspace_id,
            description=f"Follow-up: {segment.description}"[:200],
            owner_user_id=user_id,
            today=day,
        )
        include_logged_segment(session, workspace_id, created.no, logged.no, user_id=user_id)
        follow_up_no = created.no
    return LoggedSegmentInfo(
        no=logged.no,
        segment_no=segment.no,
        template_code=template,
        interactions=size,
        canceled=False,
        follow_up_segment_no=follow_up_no,
    )


def cancel_logged_segment(
    session: Session,
    workspace_id: int,
    logged_no: str,
    *,
    undo: bool = False,
    user_id: str,
    is_admin: bool = False,
) -> LoggedSegmentInfo:
    """Cancel a logged segment and its interactions; ``undo`` restores them.

    Whoever logged it, the owner of its segment, or a workspace admin may.
    """
    logged = session.scalars(
        select(LoggedSegment).where(
            LoggedSegment.workspace_id == workspace_id, LoggedSegment.no == logged_no.strip().upper()
        )
    ).one_or_none()
    if logged is None:
        raise NotFoundError(
            "no logged segment {logged_no} in this workspace", logged_no=logged_no.strip().upper()
        )
    segment = session.scalars(
        select(Segment).where(Segment.workspace_id == workspace_id, Segment.no == logged.segment_no)
    ).one_or_none()
    check_may_cancel_logged(logged, segment, user_id=user_id, is_admin=is_admin)
    wanted = not undo
    if logged.canceled == wanted:
        if wanted:
            raise ConflictError("{logged_no} is already canceled", logged_no=logged.no)
        raise ConflictError("{logged_no} is not canceled", logged_no=logged.no)
    logged.canceled = wanted
    session.execute(
        update(InteractionLogEntry)
        .where(
            InteractionLogEntry.workspace_id == workspace_id,
            InteractionLogEntry.logged_segment_id == logged.id,
        )
        .values(canceled=wanted)
        .execution_options(synchronize_session=False)
    )
    bump_data_version(session, workspace_id)
    session.flush()
    return LoggedSegmentInfo(
        no=logged.no,
        segment_no=logged.segment_no,
        template_code=logged.template_code,
        interactions=logged.interactions,
        canceled=logged.canceled,
    )
