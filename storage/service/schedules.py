"""Schedules of segment refreshes: one per segment, the source of truth the scheduler's jobs follow.

Like every service function these take a session and never commit; the caller's unit of work does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Unpack

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.cron import next_fire_time, parse_cron, validate_timezone
from storage.errors import N_, ValidationError
from storage.models import Segment, SegmentSchedule
from storage.service._common import find_segment, from_row, utc_now
from storage.service._segment_rows import remove_segment_row, segment_row
from storage.service.authorization import Caller, check_may_change


@dataclass(frozen=True)
class ScheduleInfo:
    """A segment's refresh schedule, with its next run in the schedule's own time zone."""

    id: int
    workspace_id: int
    segment_no: str
    segment_description: str
    cron: str
    when_text: str
    timezone: str
    channel_id: str | None
    channel_name: str | None
    notify_when_empty: bool
    created_by: str
    next_run: datetime
    locale: str = "en"
    with_chart: bool = False


def schedule_segment(
    session: Session,
    workspace_id: int,
    segment_no: str,
    *,
    cron: str,
    when_text: str,
    timezone: str,
    channel_id: str | None,
    channel_name: str | None = None,
    notify_when_empty: bool = False,
    with_chart: bool = False,
    locale: str = "en",
    now: datetime | None = None,
    **caller: Unpack[Caller],
) -> ScheduleInfo:
    """Schedule (or reschedule) the segment's refresh at ``when`` in ``timezone``, posting to the channel.

    ``cron`` is a five-field cron expression (Sunday = 0) and ``when_text`` what the user typed for it;
    ValidationError says what is wrong.
    ``locale`` is the language of the channel's notifications. A scheduled refresh changes the
    segment, so only its owner or a workspace admin may schedule it.
    """
    if not channel_id and not channel_name:
        raise ValidationError("say which channel gets the notifications, e.g. `#sales`")
    parse_cron(cron)
    validate_timezone(timezone)
    # Also refuses a cron that never fires, before anything is stored.
    next_fire_time(cron, timezone, after=now or utc_now())
    segment = find_segment(session, workspace_id, segment_no)
    check_may_change(segment, **caller)
    schedule = segment_row(session, SegmentSchedule, segment.id)
    if schedule is None:
        schedule = SegmentSchedule(workspace_id=workspace_id, segment_id=segment.id)
        session.add(schedule)
    schedule.cron = cron
    schedule.when_text = " ".join(when_text.split()).strip("\"'“”")
    schedule.timezone = timezone
    schedule.channel_id = channel_id
    schedule.channel_name = channel_name
    schedule.notify_when_empty = notify_when_empty
    schedule.with_chart = with_chart
    schedule.locale = locale
    schedule.created_by = caller["user_id"]
    session.flush()
    return _info(schedule, segment, now=now)


def unschedule_segment(
    session: Session, workspace_id: int, segment_no: str, **caller: Unpack[Caller]
) -> ScheduleInfo:
    """Remove the segment's schedule and return what it was; NotFoundError when it has none.

    Only the segment's owner or a workspace admin may.
    """
    missing = N_("{segment_no} has no schedule")
    return remove_segment_row(
        session, workspace_id, segment_no, SegmentSchedule, describe=_info, missing=missing, caller=caller
    )


def get_schedule(
    session: Session, workspace_id: int, segment_no: str, *, now: datetime | None = None
) -> ScheduleInfo | None:
    """The segment's schedule, or None when it has none (NotFoundError for an unknown segment)."""
    segment = find_segment(session, workspace_id, segment_no)
    schedule = segment_row(session, SegmentSchedule, segment.id)
    return None if schedule is None else _info(schedule, segment, now=now)


def list_schedules(session: Session, workspace_id: int, *, now: datetime | None = None) -> list[ScheduleInfo]:
    """The workspace's schedules, soonest next run first."""
    return _listed(session, SegmentSchedule.workspace_id == workspace_id, now=now)


def all_schedules(session: Session, *, now: datetime | None = None) -> list[ScheduleInfo]:
    """Every workspace's schedules: what the scheduler's jobs are synchronised from."""
    return _listed(session, None, now=now)


def schedule_by_id(session: Session, schedule_id: int) -> ScheduleInfo | None:
    """The schedule with this id, or None once it has been removed."""
    row = session.execute(
        select(SegmentSchedule, Segment)
        .join(Segment, Segment.id == SegmentSchedule.segment_id)
        .where(SegmentSchedule.id == schedule_id)
    ).one_or_none()
    return None if row is None else _info(row[0], row[1])


def _listed(session: Session, condition: object, *, now: datetime | None) -> list[ScheduleInfo]:
    query = select(SegmentSchedule, Segment).join(Segment, Segment.id == SegmentSchedule.segment_id)
    if condition is not None:
        query = query.where(condition)  # type: ignore[arg-type]
    infos = [
        _info(schedule, segment, now=now) for schedule, segment in session.execute(query.order_by(Segment.no))
    ]
    return sorted(infos, key=lambda info: info.next_run)


def _info(schedule: SegmentSchedule, segment: Segment, *, now: datetime | None = None) -> ScheduleInfo:
    return from_row(
        ScheduleInfo,
        schedule,
        segment_no=segment.no,
        segment_description=segment.description,
        next_run=next_fire_time(schedule.cron, schedule.timezone, after=now or utc_now()),
        locale=schedule.locale or "en",
        with_chart=bool(schedule.with_chart),
    )
