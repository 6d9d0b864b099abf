"""The App Home's figures: the week's change, the last sizes, the next run, the busiest segments."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import update
from sqlalchemy.orm import Session

from storage.criteria.ast import Match, Text
from storage.models import SegmentAction, Workspace
from storage.service import changes, dashboard, schedules
from storage.service.segments import create_segment
from tests.factories import add_contact

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def _add(session: Session, workspace_id: int, no: str, city: str) -> None:
    changes.apply_action(
        session, workspace_id, no, "add", criteria=Match("city", (Text(city),)), user_id="U1", is_admin=True
    )


def test_the_weeks_change_and_the_last_sizes_come_from_the_journal(
    session: Session, workspace: Workspace
) -> None:
    for n in range(3):
        add_contact(session, workspace.id, f"B{n}", city="Berlin")
    for n in range(5):
        add_contact(session, workspace.id, f"R{n}", city="Rome")
    no = create_segment(session, workspace.id, description="Cities", owner_user_id="U1").no
    _add(session, workspace.id, no, "berlin")
    # The Berlin add happened ten days ago; Rome's this week.
    session.execute(update(SegmentAction).values(created_at=NOW - timedelta(days=10)))
    _add(session, workspace.id, no, "rome")
    schedules.schedule_segment(
        session,
        workspace.id,
        no,
        cron="0 9 * * *",
        when_text="daily 09:00",
        timezone="UTC",
        channel_id="C1",
        user_id="U1",
    )
    create_segment(session, workspace.id, description="Someone else's", owner_user_id="U2")

    [trend] = dashboard.user_dashboard(session, workspace.id, "U1", now=NOW)

    assert trend.info.no == no and trend.info.size == 8
    assert trend.week_change == 5
    assert trend.recent_sizes == (3, 8)
    assert trend.next_run is not None and trend.next_run > NOW


def test_the_busiest_segments_are_those_with_most_entering_and_leaving_this_week(
    session: Session, workspace: Workspace
) -> None:
    for n in range(4):
        add_contact(session, workspace.id, f"B{n}", city="Berlin")
    add_contact(session, workspace.id, "R1", city="Rome")
    big = create_segment(session, workspace.id, description="Big", owner_user_id="U1").no
    small = create_segment(session, workspace.id, description="Small", owner_user_id="U2").no
    old = create_segment(session, workspace.id, description="Old", owner_user_id="U2").no
    _add(session, workspace.id, old, "berlin")
    session.execute(update(SegmentAction).values(created_at=NOW - timedelta(days=9)))
    _add(session, workspace.id, big, "berlin")
    _add(session, workspace.id, small, "rome")

    moves = dashboard.most_changed(session, workspace.id, now=NOW)

    assert [(m.segment_no, m.entered, m.left) for m in moves] == [(big, 4, 0), (small, 1, 0)]
