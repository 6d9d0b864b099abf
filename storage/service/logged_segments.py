"""Logging a segment: one interaction per line and a logged segment record, as Business Central does.

``plan_log`` says what logging would write (the preview); ``log_segment`` writes it. The header's
template, date, campaign and subject apply unless the caller names others. With a campaign, every
interaction carries it and each contact counts as one campaign entry. The Logged Segments page
lists logged segments, shows one with its interactions, and deletes a canceled one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import cast

from sqlalchemy import Table, delete, func, insert, literal, select, update
from sqlalchemy.orm import Session

from storage.data_version import bump_data_version
from storage.errors import ConflictError, NotFoundError, ValidationError
from storage.models import Contact, InteractionLogEntry, LoggedSegment, Segment, SegmentLine
from storage.service._common import find_segment, from_row, next_number, segment_size, utc_today
from storage.service.authorization import check_may_cancel_logged, check_may_change
from storage.service.changes import include_logged_segment
from storage.service.codes import check_campaign, check_template, default_template, template_codes
from storage.service.segments import create_segment
from storage.service.types import InteractionPage, InteractionRow, LoggedSegmentInfo, LogPlan

# A logged segment records that we contacted the segment: outbound, initiated by us.
_OUTBOUND = "outbound"
_US = "us"
_MAX_SUBJECT = 200


@dataclass(frozen=True)
class LogChoices:
    """What the command named; None takes the segment header's value."""

    template_code: str | None = None
    interaction_date: date | None = None
    campaign_no: str | None = None
    subject: str | None = None


def plan_log(
    session: Session,
    workspace_id: int,
    segment_no: str,
    *,
    choices: LogChoices = LogChoices(),
    follow_up: bool = False,
    user_id: str,
    is_admin: bool = False,
    today: date | None = None,
) -> LogPlan:
    """What logging the segment would write, checked: owner or admin, a known template and campaign,
    at least one contact. Earlier logged segments of this segment that are not canceled come along."""
    segment = find_segment(session, workspace_id, segment_no)
    check_may_change(segment, user_id=user_id, is_admin=is_admin)
    wanted = (
        choices.template_code or segment.interaction_template_code or default_template(session, workspace_id)
    )
    if not wanted:
        known = template_codes(session, workspace_id)
        if not known:
            raise ValidationError(
                "{segment_no} has no interaction template and this workspace has none yet; "
                "importing interactions adds their templates",
                segment_no=segment.no,
            )
        raise ValidationError(
            "{segment_no} has no interaction template; name one of: {known}",
            segment_no=segment.no,
            known=", ".join(known[:20]),
        )
    template = check_template(session, workspace_id, wanted)
    campaign_wanted = choices.campaign_no or segment.campaign_no
    campaign = check_campaign(session, workspace_id, campaign_wanted) if campaign_wanted else None
    subject = " ".join((choices.subject or segment.subject or "").split()) or None
    if subject is not None and len(subject) > _MAX_SUBJECT:
        raise ValidationError("a subject has at most {limit} characters", limit=_MAX_SUBJECT)
    size = segment_size(session, segment.id)
    if size == 0:
        raise ValidationError("{segment_no} has no contacts to log", segment_no=segment.no)
    before = session.scalars(
        select(LoggedSegment)
        .where(
            LoggedSegment.workspace_id == workspace_id,
            LoggedSegment.segment_no == segment.no,
            LoggedSegment.canceled.is_(False),
        )
        .order_by(LoggedSegment.id)
    )
    return LogPlan(
        segment_no=segment.no,
        description=segment.description,
        template_code=template,
        interaction_date=choices.interaction_date or segment.segment_date or today or utc_today(),
        campaign_no=campaign,
        subject=subject,
        salesperson=segment.salesperson,
        interactions=size,
        segment_version=segment.version,
        follow_up=follow_up,
        logged_before=tuple(_info(logged) for logged in before),
    )


def log_segment(
    session: Session,
    workspace_id: int,
    segment_no: str,
    *,
    template_code: str | None = None,
    choices: LogChoices | None = None,
    follow_up: bool = False,
    user_id: str,
    is_admin: bool = False,
    today: date | None = None,
    preview_key: str | None = None,
    segment_version: int | None = None,
) -> LoggedSegmentInfo:
    """Log one interaction per contact of the segment under a new logged segment (LSEG00001...).

    Values not in ``choices`` (or ``template_code``) come from the segment's header; ``follow_up``
    also creates a new segment holding the same contacts (Business Central's "Create Follow-up
    Segment"). Owner or workspace admin only. ``preview_key`` makes Confirm idempotent: a second
    call with the same key returns the first logged segment (``already_logged``). With
    ``segment_version``, a segment changed since the preview is refused.
    """
    if choices is None:
        choices = LogChoices(template_code=template_code)
    if preview_key:
        # Serializes two presses of one Confirm; the unique key is the backstop on SQLite.
        find_segment(session, workspace_id, segment_no, for_update=True)
        done = session.scalars(
            select(LoggedSegment).where(
                LoggedSegment.workspace_id == workspace_id, LoggedSegment.preview_key == preview_key
            )
        ).one_or_none()
        if done is not None:
            return _info(done, already_logged=True)
    plan = plan_log(
        session,
        workspace_id,
        segment_no,
        choices=choices,
        follow_up=follow_up,
        user_id=user_id,
        is_admin=is_admin,
        today=today,
    )
    if segment_version is not None and plan.segment_version != segment_version:
        raise ConflictError(
            "{segment_no} changed since the preview; run log again to see what it would log now",
            segment_no=plan.segment_no,
        )
    segment = find_segment(session, workspace_id, plan.segment_no)
    logged = LoggedSegment(
        workspace_id=workspace_id,
        no=next_number(session, workspace_id, "logged_segment_seq", "LSEG"),
        segment_no=segment.no,
        description=segment.description,
        template_code=plan.template_code,
        interactions=plan.interactions,
        user_id=user_id,
        canceled=False,
        campaign_no=plan.campaign_no,
        campaign_entries=plan.interactions if plan.campaign_no else 0,
        interaction_date=plan.interaction_date,
        preview_key=preview_key,
    )
    session.add(logged)
    session.flush()
    entries = cast(Table, InteractionLogEntry.__table__)
    lines = SegmentLine.__table__
    # One interaction per line of the segment, with the logged segment's values.
    fixed = {
        "workspace_id": workspace_id,
        "template_code": plan.template_code,
        "date": plan.interaction_date,
        "description": (plan.subject or segment.description)[:200],
        "segment_no": segment.no,
        "canceled": False,
        "logged_segment_id": logged.id,
        "campaign_no": plan.campaign_no,
        "salesperson": plan.salesperson,
        "information_flow": _OUTBOUND,
        "initiated_by": _US,
    }
    session.execute(
        insert(entries).from_select(
            ["contact_id", *fixed],
            select(
                lines.c.contact_id, *(literal(value, entries.c[name].type) for name, value in fixed.items())
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
            today=today or utc_today(),
        )
        include_logged_segment(session, workspace_id, created.no, logged.no, user_id=user_id)
        follow_up_no = created.no
    session.flush()
    session.refresh(logged)
    return _info(logged, follow_up_segment_no=follow_up_no)


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
    logged = _find_logged(session, workspace_id, logged_no)
    segment = _segment_of(session, workspace_id, logged)
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
    return _info(logged)


def list_logged_segments(session: Session, workspace_id: int) -> list[LoggedSegmentInfo]:
    """The workspace's logged segments, the latest first."""
    found = session.scalars(
        select(LoggedSegment)
        .where(LoggedSegment.workspace_id == workspace_id)
        .order_by(LoggedSegment.id.desc())
    )
    return [_info(logged) for logged in found]


def get_logged_segment(session: Session, workspace_id: int, logged_no: str) -> LoggedSegmentInfo:
    """One logged segment, or NotFoundError."""
    return _info(_find_logged(session, workspace_id, logged_no))


def logged_interactions_page(
    session: Session, workspace_id: int, logged_no: str, *, page: int = 1, page_size: int = 10
) -> InteractionPage:
    """One page of the logged segment's interactions, by contact number."""
    logged = _find_logged(session, workspace_id, logged_no)
    entries = InteractionLogEntry
    mine = (entries.workspace_id == workspace_id, entries.logged_segment_id == logged.id)
    total = session.scalar(select(func.count()).select_from(entries).where(*mine)) or 0
    page_size = max(1, page_size)
    page = min(max(1, page), max(1, -(-total // page_size)))
    query = (
        select(
            Contact.no.label("contact_no"),
            Contact.name.label("contact_name"),
            entries.template_code,
            entries.date,
            entries.description,
            entries.evaluation,
            entries.campaign_no,
            entries.canceled,
        )
        .join(Contact, Contact.id == entries.contact_id)
        .where(*mine)
        .order_by(Contact.no)
        .limit(page_size)
        .offset((page - 1) * page_size)
    )
    rows = tuple(from_row(InteractionRow, row) for row in session.execute(query))
    return InteractionPage(rows=rows, total=total, page=page, page_size=page_size)


def check_deletable(
    session: Session, workspace_id: int, logged_no: str, *, user_id: str, is_admin: bool = False
) -> LoggedSegmentInfo:
    """The logged segment when the caller may delete it now, else the error saying why not."""
    return _info(_deletable(session, workspace_id, logged_no, user_id=user_id, is_admin=is_admin))


def delete_logged_segment(
    session: Session, workspace_id: int, logged_no: str, *, user_id: str, is_admin: bool = False
) -> LoggedSegmentInfo:
    """Delete a canceled logged segment and its (canceled) interactions; one not canceled is refused.

    As in Business Central, only a canceled logged segment may go, so no live interaction is lost.
    Whoever logged it, the owner of its segment, or a workspace admin may.
    """
    logged = _deletable(session, workspace_id, logged_no, user_id=user_id, is_admin=is_admin)
    info = _info(logged)
    session.execute(
        delete(InteractionLogEntry).where(
            InteractionLogEntry.workspace_id == workspace_id,
            InteractionLogEntry.logged_segment_id == logged.id,
            InteractionLogEntry.canceled.is_(True),
        )
    )
    session.execute(delete(LoggedSegment).where(LoggedSegment.id == logged.id))
    session.expunge(logged)
    return info


def _deletable(
    session: Session, workspace_id: int, logged_no: str, *, user_id: str, is_admin: bool
) -> LoggedSegment:
    logged = _find_logged(session, workspace_id, logged_no)
    segment = _segment_of(session, workspace_id, logged)
    check_may_cancel_logged(logged, segment, user_id=user_id, is_admin=is_admin, deleting=True)
    if not logged.canceled:
        raise ConflictError(
            "{logged_no} is not canceled, so its {count} interactions still count; cancel it first",
            logged_no=logged.no,
            count=logged.interactions,
        )
    return logged


def _find_logged(session: Session, workspace_id: int, logged_no: str) -> LoggedSegment:
    no = logged_no.strip().upper()
    logged = session.scalars(
        select(LoggedSegment).where(LoggedSegment.workspace_id == workspace_id, LoggedSegment.no == no)
    ).one_or_none()
    if logged is None:
        raise NotFoundError("no logged segment {logged_no} in this workspace", logged_no=no)
    return logged


def _segment_of(session: Session, workspace_id: int, logged: LoggedSegment) -> Segment | None:
    return session.scalars(
        select(Segment).where(Segment.workspace_id == workspace_id, Segment.no == logged.segment_no)
    ).one_or_none()


def _info(
    logged: LoggedSegment, *, follow_up_segment_no: str | None = None, already_logged: bool = False
) -> LoggedSegmentInfo:
    return from_row(
        LoggedSegmentInfo, logged, follow_up_segment_no=follow_up_segment_no, already_logged=already_logged
    )
