"""Scheduled refreshes of segments, the runs they made, and APScheduler's own job table.

A schedule row is the source of truth; the scheduler's jobs are derived from it at start-up.
A run row is written in the same transaction as the refresh it applied, keyed by the schedule
and the fire time it stands for, so the same fire time never refreshes twice and a notification
lost to a crash can be posted later without refreshing again.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    Unicode,
    UniqueConstraint,
    false,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, SegmentKey, WorkspaceRow

# Notification states of a run.
NOTIFY_PENDING = "pending"
# Claimed by a poster; a claim older than a few minutes is a poster that died mid-post.
NOTIFY_POSTING = "posting"
NOTIFY_POSTED = "posted"
NOTIFY_SKIPPED = "skipped"
# Slack refused for good (channel gone, bot not in it): retrying would only repeat the refusal.
NOTIFY_FAILED = "failed"

# Who started a refresh run: a schedule, a refresh by hand that notified the schedule's channel,
# a confirmed `/segment refresh` (Slack or the console), `segbot segments refresh`, or a live segment.
TRIGGER_SCHEDULE = "schedule"
TRIGGER_MANUAL = "manual"
TRIGGER_SLACK = "slack"
TRIGGER_CLI = "cli"
TRIGGER_LIVE = "live"


class SegmentSchedule(WorkspaceRow, Base):
    __tablename__ = "segment_schedules"
    # One schedule per segment: scheduling again replaces it.
    __table_args__ = (UniqueConstraint("segment_id"),)

    segment_id: Mapped[SegmentKey]
    # Standard five-field cron (day of week 0 or 7 = Sunday), read in ``timezone``.
    cron: Mapped[str] = mapped_column(String(120))
    # What the user typed ("weekdays 08:30"), shown back in listings.
    when_text: Mapped[str] = mapped_column(String(200), default="")
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    channel_id: Mapped[str | None] = mapped_column(String(32))
    channel_name: Mapped[str | None] = mapped_column(String(100))
    notify_when_empty: Mapped[bool] = mapped_column(Boolean, default=False)
    # Each notification also uploads a chart of the segment's size over time.
    with_chart: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # The language the channel's notifications are written in (a catalog code such as "it").
    locale: Mapped[str] = mapped_column(String(16), default="en", server_default="en")
    created_by: Mapped[str] = mapped_column(String(32), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class SegmentRun(WorkspaceRow, Base):
    __tablename__ = "segment_runs"
    __table_args__ = (
        UniqueConstraint("run_key"),
        Index("ix_segment_runs_segment_started", "segment_id", "started_at"),
    )

    segment_id: Mapped[SegmentKey]
    # Not a foreign key: the run stays in the history after its schedule is removed.
    schedule_id: Mapped[int | None] = mapped_column(Integer)
    # "<schedule id>@<fire time, UTC ISO>" for scheduled runs, "<trigger>:<random>" for the others.
    run_key: Mapped[str] = mapped_column(String(100))
    trigger: Mapped[str] = mapped_column(String(16), default=TRIGGER_SCHEDULE)
    fire_time: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    size_before: Mapped[int] = mapped_column(Integer, default=0)
    size_after: Mapped[int] = mapped_column(Integer, default=0)
    entered: Mapped[int] = mapped_column(Integer, default=0)
    left: Mapped[int] = mapped_column(Integer, default=0)
    # The journal entry the refresh became; its line history says who entered and who left.
    # None when the refresh changed nothing, which is recorded here but not journalled.
    action_seq: Mapped[int | None] = mapped_column(Integer)
    channel_id: Mapped[str | None] = mapped_column(String(32))
    notification: Mapped[str] = mapped_column(String(10), default=NOTIFY_PENDING)
    posted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    message_ts: Mapped[str | None] = mapped_column(String(32))
    user_id: Mapped[str] = mapped_column(String(32), default="")
    # A run that could not refresh (a segment it is built on was deleted) changed nothing; its
    # notification says why: the error's English template and parameters, translated when posted.
    error: Mapped[str | None] = mapped_column(Text)
    error_params: Mapped[dict | None] = mapped_column(JSON)


class LiveSegment(Base):
    """A segment refreshed after every change to its workspace's data, posting who entered and left.

    ``refreshed_version`` is the workspace data version the segment was last refreshed at: the
    leader refreshes every live segment behind the current version, once per version.
    """

    __tablename__ = "live_segments"
    __table_args__ = (UniqueConstraint("segment_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    segment_id: Mapped[SegmentKey]
    channel_id: Mapped[str | None] = mapped_column(String(32))
    channel_name: Mapped[str | None] = mapped_column(String(100))
    locale: Mapped[str] = mapped_column(String(16), default="en", server_default="en")
    refreshed_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_by: Mapped[str] = mapped_column(String(32), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


# APScheduler's SQLAlchemyJobStore table, declared here exactly as the job store declares it so
# the migrations create it and Alembic does not see a foreign table to drop. The job store then
# finds it existing and only reads and writes it.
apscheduler_jobs = Table(
    "apscheduler_jobs",
    Base.metadata,
    Column("id", Unicode(191), primary_key=True),
    Column("next_run_time", Float(25), index=True),
    Column("job_state", LargeBinary, nullable=False),
)
