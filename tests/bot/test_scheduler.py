"""Scheduled refreshes end to end: the job fires, the segment is refreshed once, Slack hears about it once.

Jobs are fired by calling the job function (or by a scheduler finding a run it missed), never by
waiting for wall-clock time; Slack is the fake Web API on loopback.
"""

from __future__ import annotations

import logging
import random
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import Engine, select, text

from bot.clients import make_web_client
from bot.scheduler import (
    RefreshScheduler,
    SchedulerRuntime,
    refresh_and_notify,
    refresh_due_schedule,
)
from bot.scheduler.runs import retry_notifications, run_scheduled_refresh
from bot.settings import load_settings
from segbot_testing.slack_api import RecordedCall
from storage.models import SegmentRun
from storage.service import journal, segments
from tests.bot.conftest import Scene
from tests.bot.http_server import serve_web_api_answers
from tests.factories import add_berlin_segment

OWNER = "U0OWNER"
SEG = "SEG00001"


@pytest.fixture
def berlin(scene: Scene) -> str:
    """SEG00001 = the Berlin contacts CT0001, CT0002; CT0003 is in Paris. Scheduled through the verb."""
    with scene.session_factory.begin() as s:
        no = add_berlin_segment(s, scene.workspace.id, owner=OWNER)
    scene.dispatch(f"schedule {no} hourly <#C0NEWS|news>")
    return no


def posted_text(call: RecordedCall) -> str:
    """Every text of a chat.postMessage as the channel reads it."""
    parts: list[str] = [str(call.params.get("text", ""))]

    def collect(data: Any) -> None:
        if isinstance(data, dict):
            if isinstance(data.get("text"), str):
                parts.append(data["text"])
            for value in data.values():
                collect(value)
        elif isinstance(data, list):
            for item in data:
                collect(item)

    collect(call.params.get("blocks"))
    return "\n".join(parts)


def run_count(scene: Scene) -> int:
    with scene.session_factory() as s:
        return len(s.scalars(select(SegmentRun)).all())


def refresh_count(scene: Scene) -> int:
    with scene.session_factory() as s:
        return sum(1 for e in journal.list_journal(s, scene.workspace.id, SEG) if e.kind == "refresh")


def test_firing_the_job_posts_one_notification_with_who_entered_and_who_left(
    scene: Scene, berlin: str
) -> None:
    scene.move("CT0002", "Paris")
    scene.move("CT0003", "Berlin")
    run_scheduled_refresh(scene.workspace.id, berlin)
    [call] = scene.posts()
    assert call.params["channel"] == "C0NEWS"
    text = posted_text(call)
    assert "Segment refreshed: SEG00001 Berlin" in text
    assert "2 → 2" in text and "1 entered and 1 left" in text
    entered, left = text.split("*Entering*")[1].split("*Leaving*")
    assert "CT0003" in entered and "CT0002" not in entered
    assert "CT0002" in left and "CT0003" not in left
    with scene.session_factory() as s:
        segment = segments.segment_page(s, scene.workspace.id, berlin, page=1, page_size=10)
    assert [r.no for r in segment.rows] == ["CT0001", "CT0003"]


def test_a_run_key_done_twice_refreshes_and_posts_once(scene: Scene, berlin: str) -> None:
    scene.move("CT0003", "Berlin")
    at = datetime(2026, 11, 28, 9, 0, 30, tzinfo=UTC)
    first = refresh_due_schedule(scene.runtime, scene.workspace.id, berlin, at=at)
    scene.move("CT0001", "Paris")
    # Another process, a retry, or APScheduler firing again for the same hour.
    again = refresh_due_schedule(scene.runtime, scene.workspace.id, berlin, at=at + timedelta(minutes=5))
    assert first is not None and again is not None
    assert first.is_new and not again.is_new and again.id == first.id
    assert len(scene.posts()) == 1
    assert refresh_count(scene) == 1
    # The next hour is a new run, which sees CT0001 leave.
    later = refresh_due_schedule(scene.runtime, scene.workspace.id, berlin, at=at + timedelta(hours=1))
    assert later is not None and later.is_new and later.left == 1
    assert len(scene.posts()) == 2


def test_nothing_changed_posts_nothing_unless_the_schedule_asks(scene: Scene, berlin: str) -> None:
    at = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
    quiet = refresh_due_schedule(scene.runtime, scene.workspace.id, berlin, at=at)
    assert quiet is not None and quiet.is_new
    assert scene.posts() == []
    scene.dispatch(f"schedule {SEG} hourly <#C0NEWS|news> --notify-empty")
    refresh_due_schedule(scene.runtime, scene.workspace.id, berlin, at=at + timedelta(hours=1))
    [call] = scene.posts()
    assert "nobody entered or left (2 contacts)" in posted_text(call)


def test_slack_answering_429_then_ok_still_gives_one_notification(scene: Scene, berlin: str) -> None:
    scene.move("CT0003", "Berlin")
    scene.slack.rate_limit("chat.postMessage", 1, retry_after=0)
    run_scheduled_refresh(scene.workspace.id, berlin)
    assert len(scene.slack.calls_to("chat.postMessage#429")) == 1
    assert len(scene.posts()) == 1


def test_a_post_lost_after_the_refresh_is_retried_without_refreshing_again(scene: Scene, berlin: str) -> None:
    scene.move("CT0003", "Berlin")
    # Slack keeps refusing beyond the client's retries: the refresh stands, the post waits.
    scene.slack.rate_limit("chat.postMessage", 10, retry_after=0)
    run = refresh_due_schedule(scene.runtime, scene.workspace.id, berlin, at=datetime.now(UTC))
    assert run is not None and run.entered == 1
    assert scene.posts() == []
    scene.slack.rate_limit("chat.postMessage", 0)
    assert retry_notifications(scene.runtime) == 1
    assert retry_notifications(scene.runtime) == 0
    [call] = scene.posts()
    assert "CT0003" in posted_text(call)
    assert refresh_count(scene) == 1


def test_refresh_by_hand_with_notify_posts_to_the_scheduled_channel_even_when_nothing_changed(
    scene: Scene, berlin: str
) -> None:
    run, ts = refresh_and_notify(scene.runtime, scene.workspace.id, berlin.lower(), user_id="U0CLI")
    assert ts is not None and run.trigger == "manual"
    [call] = scene.posts()
    assert call.params["channel"] == "C0NEWS"


def _miss_a_run(engine: Engine, job_id: str, *, hours_ago: int) -> None:
    """Leave the stored job due ``hours_ago`` hours ago, as if the bot had been down since then."""
    store = SQLAlchemyJobStore(engine=engine, tablename="apscheduler_jobs")
    offline = BackgroundScheduler(jobstores={"default": store}, timezone="UTC")
    offline.start(paused=True)
    offline.modify_job(job_id, next_run_time=datetime.now(UTC) - timedelta(hours=hours_ago, minutes=1))
    # shutdown would dispose the shared engine's pool; a paused scheduler has nothing to stop.
    offline.pause()


def _scheduler(scene: Scene, key: int) -> RefreshScheduler:
    return RefreshScheduler(scene.runtime, scene.engine, sync_seconds=3600, retry_seconds=0.1, lock_key=key)


def _leading(scene: Scene, key: int) -> RefreshScheduler:
    """A scheduler started and already elected leader."""
    scheduler = _scheduler(scene, key)
    scheduler.start()
    assert scheduler.wait_until_leading(10)
    return scheduler


def test_a_run_missed_while_the_bot_was_down_runs_once_when_it_comes_back(
    scene: Scene, berlin: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    key = random.getrandbits(31)
    first = _leading(scene, key)
    first.shutdown()
    job_id = f"refresh:{scene.workspace.id}:{berlin}"
    # Five hourly runs missed; coalescing makes them one.
    _miss_a_run(scene.engine, job_id, hours_ago=5)
    scene.move("CT0003", "Berlin")
    restarted = _scheduler(scene, key)
    restarted.start()
    try:
        try:
            scene.slack.wait_for("chat.postMessage", 1, timeout=30)
        except AssertionError as missing:
            # What the scheduler said is the only account of why a run did not happen.
            raise AssertionError(f"{missing}\nscheduler log:\n{caplog.text}") from None
        time.sleep(0.5)
        assert len(scene.posts()) == 1
        assert run_count(scene) == 1
        assert refresh_count(scene) == 1
    finally:
        restarted.shutdown()


@pytest.mark.usefixtures("leader_election")
def test_two_schedulers_on_postgresql_elect_one_leader_that_posts_each_run_once(
    scene: Scene, berlin: str
) -> None:
    key = random.getrandbits(31)
    seed = _leading(scene, key)
    seed.shutdown()
    _miss_a_run(scene.engine, f"refresh:{scene.workspace.id}:{berlin}", hours_ago=2)
    scene.move("CT0003", "Berlin")
    a, b = _scheduler(scene, key), _scheduler(scene, key)
    a.start()
    b.start()
    try:
        deadline = time.monotonic() + 10
        while not (a.is_leader or b.is_leader) and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.5)  # several retry rounds: the follower must stay a follower
        assert [a.is_leader, b.is_leader].count(True) == 1
        scene.slack.wait_for("chat.postMessage", 1, timeout=30)
        time.sleep(0.5)
        assert len(scene.posts()) == 1
        assert run_count(scene) == 1
        # The leader goes away (its lock's connection closes); the other takes over.
        leader, follower = (a, b) if a.is_leader else (b, a)
        leader.shutdown()
        assert follower.wait_until_leading(10)
    finally:
        a.shutdown()
        b.shutdown()


@pytest.mark.usefixtures("leader_election")
def test_when_the_leaders_database_connection_dies_another_process_takes_over(scene: Scene) -> None:
    key = random.getrandbits(31)
    a = _leading(scene, key)
    b = _scheduler(scene, key)
    b.start()
    try:
        time.sleep(0.3)
        assert not b.is_leader
        # What a crashed process looks like to PostgreSQL: its session ends and the lock goes with it.
        with scene.engine.begin() as conn:
            holder = conn.scalar(
                text("SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND objid = :key AND granted"),
                {"key": key},
            )
            conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": holder})
        assert b.wait_until_leading(10)
        deadline = time.monotonic() + 5
        while a.is_leader and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not a.is_leader
    finally:
        a.shutdown()
        b.shutdown()


def test_a_channel_that_refuses_the_bot_is_not_retried_forever(scene: Scene, berlin: str) -> None:
    # As Slack answers every call when the bot was not invited to the channel.
    calls: list[str] = []

    def not_in_channel(path: str) -> tuple[int, dict[str, Any]]:
        calls.append(path)
        return 200, {"ok": False, "error": "not_in_channel"}

    server = serve_web_api_answers(not_in_channel)
    try:
        settings = load_settings(slack_bot_token="xoxb-test", slack_api_url=f"{server.url}/api/")
        refused = SchedulerRuntime(
            session_factory=scene.session_factory, client_for_team=lambda _t: make_web_client(settings)
        )
        scene.move("CT0003", "Berlin")
        run = refresh_due_schedule(refused, scene.workspace.id, berlin, at=datetime.now(UTC))
        assert run is not None and run.entered == 1
        assert retry_notifications(refused) == 0
        assert len(calls) == 1
        with scene.session_factory() as s:
            assert s.scalars(select(SegmentRun.notification)).one() == "failed"
    finally:
        server.stop()


def test_a_schedule_with_chart_uploads_the_size_over_time_under_its_notification(
    scene: Scene, berlin: str
) -> None:
    scene.dispatch(f"schedule {SEG} hourly <#C0NEWS|news> --chart")
    scene.move("CT0003", "Berlin")

    run_scheduled_refresh(scene.workspace.id, berlin)

    [posted] = scene.posts()
    [completed] = scene.slack.wait_for("files.completeUploadExternal")
    assert completed.params["channel_id"] == "C0NEWS"
    assert posted.params["channel"] == "C0NEWS" and completed.params.get("thread_ts")
    [upload] = scene.slack.calls_to("upload")
    assert upload.body.startswith(b"\x89PNG\r\n\x1a\n")


def test_a_schedule_without_chart_uploads_nothing(scene: Scene, berlin: str) -> None:
    scene.move("CT0003", "Berlin")
    run_scheduled_refresh(scene.workspace.id, berlin)
    assert len(scene.posts()) == 1
    assert scene.slack.calls_to("upload") == []
