"""Schedules of segment refreshes and the runs they record, on the real databases."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from storage.errors import NotFoundError, ValidationError
from storage.models import Contact, Workspace
from storage.service import changes, history, schedules, segments
from storage.service.schedules import ScheduleInfo
from tests.factories import add_berlin_segment

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
OWNER = "U0OWNER"


@pytest.fixture
def segment_no(session_factory: sessionmaker[Session], workspace: Workspace) -> str:
    """SEG00001 = the Berlin contacts CT0001 and CT0002; CT0003 lives in Paris."""
    with session_factory.begin() as s:
        return add_berlin_segment(s, workspace.id, owner=OWNER)


def _schedule(
    session: Session, workspace: Workspace, segment_no: str, *, cron: str = "0 * * * *", **kw: Any
) -> ScheduleInfo:
    """Schedule ``segment_no`` as its owner: hourly, in UTC, to channel C1 unless told otherwise."""
    values: dict[str, Any] = {"when_text": "hourly", "timezone": "UTC", "channel_id": "C1", **kw}
    return schedules.schedule_segment(session, workspace.id, segment_no, cron=cron, user_id=OWNER, **values)


def _move(session_factory: sessionmaker[Session], workspace: Workspace, no: str, city: str) -> None:
    with session_factory.begin() as s:
        contact = s.scalars(
            select(Contact).where(Contact.workspace_id == workspace.id, Contact.no == no)
        ).one()
        contact.city = city


def test_scheduling_a_phrase_stores_its_cron_and_says_the_next_run_in_the_callers_zone(
    session: Session, workspace: Workspace, segment_no: str
) -> None:
    info = _schedule(
        session,
        workspace,
        segment_no.lower(),
        cron="30 8 * * 1-5",
        when_text="weekdays 08:30",
        timezone="Europe/Rome",
        channel_id="C0SALES",
        now=NOW,
    )
    assert (info.segment_no, info.cron, info.timezone, info.channel_id) == (
        segment_no,
        "30 8 * * 1-5",
        "Europe/Rome",
        "C0SALES",
    )
    # Saturday noon UTC: next is Monday 08:30 in Rome (07:30 UTC in winter).
    assert info.next_run.astimezone(UTC) == datetime(2026, 11, 30, 7, 30, tzinfo=UTC)


def test_scheduling_again_replaces_the_segments_schedule(
    session: Session, workspace: Workspace, segment_no: str
) -> None:
    for cron, when in (("0 9 * * *", "daily 09:00"), ("0 * * * *", "hourly")):
        _schedule(session, workspace, segment_no, cron=cron, when_text=when)
    listed = schedules.list_schedules(session, workspace.id)
    assert [(s.segment_no, s.cron, s.when_text) for s in listed] == [(segment_no, "0 * * * *", "hourly")]


def test_unscheduling_removes_the_schedule_and_a_second_time_says_there_is_none(
    session: Session, workspace: Workspace, segment_no: str
) -> None:
    _schedule(session, workspace, segment_no, channel_name="sales", channel_id=None)
    removed = schedules.unschedule_segment(session, workspace.id, segment_no, user_id=OWNER)
    assert (removed.channel_id, removed.channel_name) == (None, "sales")
    assert schedules.get_schedule(session, workspace.id, segment_no) is None
    with pytest.raises(NotFoundError, match="has no schedule"):
        schedules.unschedule_segment(session, workspace.id, segment_no, user_id=OWNER)


@pytest.mark.parametrize(
    ("cron", "timezone", "channel", "message"),
    [
        ("0 9 * *", "UTC", "C1", "five fields"),
        ("0 9 * * *", "Mars/Olympus", "C1", "unknown time zone"),
        ("0 9 * * *", "UTC", None, "which channel"),
        ("0 0 31 2 *", "UTC", "C1", "never fires"),
    ],
)
def test_bad_schedules_store_nothing(
    session: Session,
    workspace: Workspace,
    segment_no: str,
    cron: str,
    timezone: str,
    channel: str | None,
    message: str,
) -> None:
    with pytest.raises(ValidationError, match=message):
        _schedule(
            session, workspace, segment_no, cron=cron, when_text=cron, timezone=timezone, channel_id=channel
        )
    assert schedules.list_schedules(session, workspace.id) == []


def test_scheduling_an_unknown_segment_is_not_found(session: Session, workspace: Workspace) -> None:
    with pytest.raises(NotFoundError):
        _schedule(session, workspace, "SEG09999")


def test_a_run_records_sizes_and_who_entered_and_left(
    session_factory: sessionmaker[Session], workspace: Workspace, segment_no: str
) -> None:
    _move(session_factory, workspace, "CT0002", "Paris")
    _move(session_factory, workspace, "CT0003", "Berlin")
    fire = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
    with session_factory.begin() as s:
        run = history.record_refresh_run(
            s,
            workspace.id,
            segment_no,
            key=history.run_key(7, fire),
            user_id=OWNER,
            fire_time=fire,
            today=date(2026, 11, 28),
        )
    assert run.is_new
    assert (run.size_before, run.size_after, run.entered, run.left) == (2, 2, 1, 1)
    with session_factory() as s:
        entered = changes.action_changes_page(
            s, workspace.id, segment_no, run.action_seq or 0, change=1, page=1, page_size=10
        )
        left = changes.action_changes_page(
            s, workspace.id, segment_no, run.action_seq or 0, change=-1, page=1, page_size=10
        )
        listed = history.list_runs(s, workspace.id, segment_no)
    assert [r.no for r in entered.rows] == ["CT0003"]
    assert [r.no for r in left.rows] == ["CT0002"]
    assert [(r.run_key, r.fire_time) for r in listed] == [("7@2026-11-28T09:00:00+00:00", fire)]


def test_a_run_key_already_recorded_does_not_refresh_again(
    session_factory: sessionmaker[Session], workspace: Workspace, segment_no: str
) -> None:
    key = history.run_key(1, NOW)
    with session_factory.begin() as s:
        first = history.record_refresh_run(s, workspace.id, segment_no, key=key, user_id=OWNER)
    _move(session_factory, workspace, "CT0003", "Berlin")
    with session_factory.begin() as s:
        again = history.record_refresh_run(s, workspace.id, segment_no, key=key, user_id=OWNER)
        size = segments.get_segment(s, workspace.id, segment_no).size
    assert first.is_new and not again.is_new
    assert again.id == first.id
    # CT0003 moved to Berlin, but the second call refreshed nothing.
    assert size == 2
    with session_factory() as s:
        assert len(history.list_runs(s, workspace.id, segment_no)) == 1


def test_a_notification_is_claimed_by_one_poster_and_a_released_claim_is_retried(
    session_factory: sessionmaker[Session], workspace: Workspace, segment_no: str
) -> None:
    with session_factory.begin() as s:
        run = history.record_refresh_run(s, workspace.id, segment_no, key="k1", user_id=OWNER)
    with session_factory.begin() as s:
        assert history.claim_notification(s, run.id)
    with session_factory.begin() as s:
        assert not history.claim_notification(s, run.id)
        assert history.runs_awaiting_notification(s, since=NOW - timedelta(days=400)) == []
        history.release_notification(s, run.id)
    with session_factory.begin() as s:
        waiting = history.runs_awaiting_notification(s, since=NOW - timedelta(days=400))
        assert [r.id for r in waiting] == [run.id]
        assert history.claim_notification(s, run.id)
        history.mark_notified(s, run.id, message_ts="1700000000.000100")
    with session_factory() as s:
        done = history.get_run(s, run.id)
    assert done.is_notified and done.message_ts == "1700000000.000100"


def test_a_claim_left_by_a_dead_poster_can_be_taken_over(
    session_factory: sessionmaker[Session], workspace: Workspace, segment_no: str
) -> None:
    with session_factory.begin() as s:
        run = history.record_refresh_run(s, workspace.id, segment_no, key="k2", user_id=OWNER)
        assert history.claim_notification(s, run.id)
    with session_factory.begin() as s:
        assert history.claim_notification(s, run.id, stale_after=timedelta(seconds=-1))
