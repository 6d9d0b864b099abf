"""A segment's membership history: the refresh runs, and through their journal entries who entered and left.

A run row is inserted in the same transaction as the refresh it applies, under a unique run key
(the schedule and the fire time it stands for). So a fire time is refreshed at most once however
many processes or retries try, and a run whose notification was never posted is visible as such:
posting it again needs no second refresh.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import and_, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.data_version import data_version as current_data_version
from storage.errors import NotFoundError, ValidationError
from storage.models import LiveSegment, Segment, SegmentAction, SegmentRun
from storage.models.schedules import (
    NOTIFY_FAILED,
    NOTIFY_PENDING,
    NOTIFY_POSTED,
    NOTIFY_POSTING,
    NOTIFY_SKIPPED,
    TRIGGER_SCHEDULE,
)
from storage.service import changes
from storage.service._common import as_utc, find_segment, from_row, segment_size, utc_now
from storage.service.authorization import SYSTEM

# A poster that held a claim this long without posting is presumed dead.
CLAIM_STALE_AFTER = timedelta(minutes=10)


@dataclass(frozen=True)
class RunInfo:
    """One refresh run: sizes around it, how many entered and left, and whether it was announced."""

    id: int
    workspace_id: int
    segment_no: str
    segment_description: str
    schedule_id: int | None
    run_key: str
    trigger: str
    fire_time: datetime | None
    started_at: datetime
    size_before: int
    size_after: int
    entered: int
    left: int
    action_seq: int | None
    channel_id: str | None
    notification: str
    posted_at: datetime | None
    message_ts: str | None
    user_id: str = ""
    is_new: bool = False
    # Why the run could not refresh (an English template and its parameters); None when it did.
    error: str | None = None
    error_params: dict[str, str] | None = None

    @property
    def has_changes(self) -> bool:
        return bool(self.entered or self.left)

    @property
    def is_failed(self) -> bool:
        return self.error is not None

    @property
    def is_notified(self) -> bool:
        """Posted, or deliberately not posted (nothing changed, no channel)."""
        return self.notification in (NOTIFY_POSTED, NOTIFY_SKIPPED, NOTIFY_FAILED)


def run_key(schedule_id: int, fire_time: datetime) -> str:
    """The key that makes a scheduled run happen once: the schedule and the fire time in UTC."""
    return f"{schedule_id}@{fire_time.astimezone(UTC).isoformat(timespec='seconds')}"


def record_refresh_run(
    session: Session,
    workspace_id: int,
    segment_no: str,
    *,
    key: str,
    user_id: str,
    schedule_id: int | None = None,
    fire_time: datetime | None = None,
    channel_id: str | None = None,
    trigger: str = TRIGGER_SCHEDULE,
    today: date | None = None,
    data_version: int | None = None,
    record_errors: bool = False,
) -> RunInfo:
    """Refresh the segment as run ``key`` and record the run, unless a run with that key exists.

    Returns the new run (``is_new`` True) or the existing one (``is_new`` False, nothing refreshed).
    The caller commits: the run row and the refresh it describes become visible together. A live
    segment then counts as refreshed at ``data_version`` (by default the version read before the
    refresh), so the live pass does not refresh it again for a data change a schedule saw. With
    ``record_errors`` a refresh that cannot be done (NotFoundError, ValidationError: a segment it
    is built on was deleted) is recorded as a failed run that changed nothing, for its notification
    to say why; without, the error propagates.
    """
    segment = find_segment(session, workspace_id, segment_no)
    if data_version is None:
        data_version = current_data_version(session, workspace_id)
    existing = _run_by_key(session, key)
    if existing is not None:
        return _info(existing, segment)
    run = SegmentRun(
        workspace_id=workspace_id,
        segment_id=segment.id,
        schedule_id=schedule_id,
        run_key=key,
        trigger=trigger,
        fire_time=fire_time,
        started_at=utc_now(),
        channel_id=channel_id,
        notification=NOTIFY_PENDING,
        user_id=user_id,
    )
    try:
        # A second process racing on the same key waits here for the first to commit, then fails
        # on the unique key and reports the first one's run instead of refreshing again.
        with session.begin_nested():
            session.add(run)
            session.flush()
    except IntegrityError:
        existing = _run_by_key(session, key)
        if existing is None:
            raise
        return _info(existing, segment)
    try:
        # A savepoint, so a failed refresh leaves nothing half-done behind the failed run.
        with session.begin_nested():
            # The schedule was allowed when it was made; its runs act on that authority.
            result = changes.refresh_segment(
                session, workspace_id, segment.no, user_id=user_id, is_admin=SYSTEM, today=today, trigger=None
            )
    except (NotFoundError, ValidationError) as exc:
        # What a user must fix (a segment it is built on was deleted); a lost race (ConflictError)
        # is not announced but propagates, and the caller's next attempt refreshes.
        if not record_errors:
            raise
        run.error = exc.message or str(exc)
        run.error_params = {name: str(value) for name, value in exc.params.items()}
        run.size_before = run.size_after = segment_size(session, segment.id)
        _note_refreshed(session, segment.id, data_version)
        session.flush()
        return _info(run, segment, is_new=True)
    _note_refreshed(session, segment.id, data_version)
    run.size_before = result.size_before
    run.size_after = result.size_after
    run.entered = result.entered.total
    run.left = result.left.total
    run.action_seq = result.seq
    session.flush()
    return _info(run, segment, is_new=True)


def claim_notification(session: Session, run_id: int, *, stale_after: timedelta = CLAIM_STALE_AFTER) -> bool:
    """Take the right to post the run's notification; False when it is posted or another poster has it.

    The claim is committed before posting, so two posters never both post; a claim older than
    ``stale_after`` belongs to a poster that died and may be taken over.
    """
    now = utc_now()
    result = session.execute(
        update(SegmentRun)
        .where(
            SegmentRun.id == run_id,
            or_(
                SegmentRun.notification == NOTIFY_PENDING,
                and_(SegmentRun.notification == NOTIFY_POSTING, SegmentRun.posted_at < now - stale_after),
            ),
        )
        .values(notification=NOTIFY_POSTING, posted_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0) == 1)


def release_notification(session: Session, run_id: int) -> None:
    """Give a claimed notification back (posting failed) so a later retry posts it."""
    session.execute(
        update(SegmentRun)
        .where(SegmentRun.id == run_id, SegmentRun.notification == NOTIFY_POSTING)
        .values(notification=NOTIFY_PENDING, posted_at=None)
        .execution_options(synchronize_session=False)
    )


def mark_notified(session: Session, run_id: int, *, message_ts: str | None) -> None:
    """Record that the run's notification was posted (``message_ts``) or deliberately not (None)."""
    session.execute(
        update(SegmentRun)
        .where(SegmentRun.id == run_id)
        .values(
            notification=NOTIFY_POSTED if message_ts else NOTIFY_SKIPPED,
            posted_at=utc_now(),
            message_ts=message_ts,
        )
        .execution_options(synchronize_session=False)
    )


def mark_notification_failed(session: Session, run_id: int) -> None:
    """Record that Slack refused the run's notification for good, so nobody retries it."""
    session.execute(
        update(SegmentRun)
        .where(SegmentRun.id == run_id)
        .values(notification=NOTIFY_FAILED, posted_at=utc_now())
        .execution_options(synchronize_session=False)
    )


def get_run(session: Session, run_id: int) -> RunInfo:
    """The run with this id; NotFoundError when there is none."""
    row = session.execute(
        select(SegmentRun, Segment)
        .join(Segment, Segment.id == SegmentRun.segment_id)
        .where(SegmentRun.id == run_id)
    ).one_or_none()
    if row is None:
        raise NotFoundError("no run {run_id}", run_id=run_id)
    return _info(row[0], row[1])


def list_runs(
    session: Session, workspace_id: int, segment_no: str, *, limit: int | None = 10
) -> list[RunInfo]:
    """The segment's refresh runs, newest first, whoever started them; every one with ``limit`` None.

    Plain values (sizes before and after, entered, left, trigger, user), e.g. for a chart over time.
    """
    segment = find_segment(session, workspace_id, segment_no)
    runs = session.scalars(
        select(SegmentRun)
        .where(SegmentRun.segment_id == segment.id)
        .order_by(SegmentRun.started_at.desc(), SegmentRun.id.desc())
        .limit(limit)
    )
    return [_info(run, segment) for run in runs]


def runs_awaiting_notification(session: Session, *, since: datetime) -> list[RunInfo]:
    """Runs applied since ``since`` whose notification was neither posted nor skipped (a crash between)."""
    rows = session.execute(
        select(SegmentRun, Segment)
        .join(Segment, Segment.id == SegmentRun.segment_id)
        .where(
            SegmentRun.started_at >= since,
            or_(
                SegmentRun.notification == NOTIFY_PENDING,
                and_(
                    SegmentRun.notification == NOTIFY_POSTING,
                    SegmentRun.posted_at < utc_now() - CLAIM_STALE_AFTER,
                ),
            ),
        )
        .order_by(SegmentRun.started_at)
    )
    return [_info(run, segment) for run, segment in rows]


def _note_refreshed(session: Session, segment_id: int, version: int) -> None:
    session.execute(
        update(LiveSegment)
        .where(LiveSegment.segment_id == segment_id, LiveSegment.refreshed_version < version)
        .values(refreshed_version=version)
        .execution_options(synchronize_session=False)
    )


def _run_by_key(session: Session, key: str) -> SegmentRun | None:
    return session.scalars(select(SegmentRun).where(SegmentRun.run_key == key)).one_or_none()


def _info(run: SegmentRun, segment: Segment, *, is_new: bool = False) -> RunInfo:
    return from_row(
        RunInfo,
        run,
        segment_no=segment.no,
        segment_description=segment.description,
        is_new=is_new,
        error_params=dict(run.error_params) if run.error_params is not None else None,
    )


@dataclass(frozen=True)
class SizePoint:
    """The segment's size right after one change: a journalled action or a run that changed nothing."""

    at: datetime
    size: int
    entered: int
    left: int


def size_timeline(
    session: Session, workspace_id: int, segment_no: str, *, limit: int = 400
) -> list[SizePoint]:
    """The segment's size over time, oldest first: after every journalled action and every run.

    Actions that were undone since still happened, so they stay; runs that journalled an action are
    that action already, and the others (nothing changed) add a point of their own. The last
    ``limit`` points are kept.
    """
    segment = find_segment(session, workspace_id, segment_no)
    actions_ = session.execute(
        select(SegmentAction.created_at, SegmentAction.size_after, SegmentAction.added, SegmentAction.removed)
        .where(SegmentAction.segment_id == segment.id)
        .order_by(SegmentAction.seq.desc())
        .limit(limit)
    ).all()
    quiet_runs = session.execute(
        select(SegmentRun.started_at, SegmentRun.size_after)
        .where(SegmentRun.segment_id == segment.id, SegmentRun.action_seq.is_(None))
        .order_by(SegmentRun.started_at.desc())
        .limit(limit)
    ).all()
    points = [SizePoint(as_utc(at), size, added, removed) for at, size, added, removed in actions_]
    points += [SizePoint(as_utc(at), size, 0, 0) for at, size in quiet_runs]
    points.sort(key=lambda point: point.at)
    return points[-limit:]
