"""Live segments end to end: an import in another process, the leader's poll, one post per segment.

The scheduler polls every 0.1 s here (a second in production); Slack is the fake Web API on loopback.
"""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from bot.scheduler import RefreshScheduler
from bot.scheduler.runs import refresh_due_schedule, run_live_pass
from storage.criteria import ast as A
from storage.errors import SegbotError
from storage.models import Contact, Segment, SegmentRun
from storage.service import changes, live, segments
from storage.service.types import ADD, REFINE
from tests.bot.conftest import Scene, run_segbot_script
from tests.bot.test_scheduler import posted_text
from tests.factories import add_berlin_segment, add_contact

OWNER = "U0OWNER"
# SEG00001 Berlin, SEG00002 its persons: built on SEG00001, so refreshed after it.
BERLIN, PERSONS = "SEG00001", "SEG00002"


@pytest.fixture
def berlin(scene: Scene) -> None:
    """CT0001 Acme and its person CT0002 in Berlin, CT0003 Banque Sud and its person CT0004 in Paris.

    SEG00001 = Berlin (CT0001, CT0002); SEG00002 = the persons of SEG00001 (CT0002). Both live,
    made so through the verb, posting to #news.
    """
    ws = scene.workspace.id
    with scene.session_factory.begin() as s:
        add_berlin_segment(s, ws, owner=OWNER)
        sud = s.scalars(select(Contact).where(Contact.no == "CT0003")).one()
        add_contact(s, ws, "CT0004", name="Jean Roux", company=sud, city="Paris")
        persons = segments.create_segment(s, ws, description="Berlin people", owner_user_id=OWNER)
        for kind, criteria in (
            (ADD, A.Match("segment", (A.Text(BERLIN),))),
            (REFINE, A.Match("type", (A.Text("person"),))),
        ):
            changes.apply_action(s, ws, persons.no, kind, criteria=criteria, user_id=OWNER)
    # Made live in the dependent's order first: the pass must still refresh SEG00001 first.
    assert "is live" in scene.dispatch(f"live {PERSONS} <#C0NEWS|news>")
    assert "is live" in scene.dispatch(f"live {BERLIN} <#C0NEWS|news>")


def _scheduler(scene: Scene, key: int) -> RefreshScheduler:
    return RefreshScheduler(
        scene.runtime, scene.engine, sync_seconds=3600, retry_seconds=0.1, live_seconds=0.1, lock_key=key
    )


def _cli_import(engine: Engine, tmp_path: Path, csv: str) -> None:
    """``segbot contacts import`` in a process of its own, on the test's database."""
    (tmp_path / "moves.csv").write_text(csv)
    url = engine.url.render_as_string(hide_password=False)
    if engine.dialect.name == "postgresql":
        # The test's private schema, as its own engine sets it.
        with engine.connect() as conn:
            schema = conn.exec_driver_sql("SELECT current_schema()").scalar_one()
        url += ("&" if "?" in url else "?") + f"options=-csearch_path%3D{schema}"
    done = run_segbot_script(
        "contacts", "import", "moves.csv", "--team", "T0001", database_url=url, cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr


# Ana Berg moves to Paris, Jean Roux to Berlin.
MOVES = (
    "no,type,name,company_no,city\n"
    "CT0002,person,Ana Berg,CT0001,Paris\n"
    "CT0004,person,Jean Roux,CT0003,Berlin\n"
)


def test_an_import_through_the_cli_is_posted_once_per_live_segment_in_dependency_order_within_5_s(
    scene: Scene, berlin: None, tmp_path: Path
) -> None:
    scheduler = _scheduler(scene, random.getrandbits(31))
    scheduler.start()
    try:
        assert scheduler.wait_until_leading(10)
        _cli_import(scene.engine, tmp_path, MOVES)
        committed = time.monotonic()
        scene.slack.wait_for("chat.postMessage", 2, timeout=10)
        assert time.monotonic() - committed < 5
        time.sleep(0.5)
        first, second = scene.posts()
    finally:
        scheduler.shutdown()
    assert first.params["channel"] == second.params["channel"] == "C0NEWS"
    base, persons = posted_text(first), posted_text(second)
    assert "SEG00001 Berlin" in base and "SEG00002 Berlin people" in persons
    entered, left = base.split("*Entering*")[1].split("*Leaving*")
    assert "CT0004" in entered and "CT0002" in left and "CT0002" not in entered
    entered, left = persons.split("*Entering*")[1].split("*Leaving*")
    # Right only because SEG00001 was refreshed first.
    assert "CT0004" in entered and "CT0002" in left
    assert scene.members(PERSONS) == ["CT0004"]
    with scene.session_factory() as s:
        runs = s.scalars(select(SegmentRun).order_by(SegmentRun.id)).all()
    assert [r.trigger for r in runs] == ["live", "live"]


def test_a_burst_of_imports_is_refreshed_once(scene: Scene, berlin: None) -> None:
    scheduler = _scheduler(scene, random.getrandbits(31))
    scene.move("CT0003", "Berlin", as_an_import=True)
    assert scheduler.poll_live(now=0.0) == 0
    scene.move("CT0004", "Berlin", as_an_import=True)
    # The version moved since the last poll: still waiting for the burst to end.
    assert scheduler.poll_live(now=0.5) == 0
    assert scheduler.poll_live(now=1.0) == 2
    assert scheduler.poll_live(now=1.5) == 0
    assert len(scene.posts()) == 2
    assert scene.members(BERLIN) == ["CT0001", "CT0002", "CT0003", "CT0004"]


def test_imports_that_never_stop_are_refreshed_after_the_longest_wait(scene: Scene, berlin: None) -> None:
    scheduler = _scheduler(scene, random.getrandbits(31))
    refreshed = 0
    for step in range(8):
        scene.move("CT0003", "Berlin" if step % 2 else "Paris", as_an_import=True)
        refreshed += scheduler.poll_live(now=step * 0.5)
    assert refreshed == 2


def test_a_pass_cut_short_resumes_without_refreshing_or_posting_twice(scene: Scene, berlin: None) -> None:
    scene.move("CT0004", "Berlin", as_an_import=True)
    # The process died after refreshing SEG00001 and before posting about it or going on.
    with scene.session_factory.begin() as s:
        version, order = live.plan_pass(s, scene.workspace.id)
        assert order == [BERLIN, PERSONS]
        live.record_live_run(s, scene.workspace.id, BERLIN, version=version)
    scheduler = _scheduler(scene, random.getrandbits(31))
    scheduler.start()
    try:
        assert scheduler.wait_until_leading(10)
        scene.slack.wait_for("chat.postMessage", 2, timeout=10)
        time.sleep(0.5)
    finally:
        scheduler.shutdown()
    texts = sorted(posted_text(call) for call in scene.posts())
    assert len(texts) == 2 and "SEG00001" in texts[0] and "SEG00002" in texts[1]
    with scene.session_factory() as s:
        assert len(s.scalars(select(SegmentRun)).all()) == 2
    assert run_live_pass(scene.runtime, scene.workspace.id) == []


@pytest.mark.usefixtures("leader_election")
def test_two_processes_on_postgresql_post_each_live_change_once(
    scene: Scene, berlin: None, tmp_path: Path
) -> None:
    key = random.getrandbits(31)
    a, b = _scheduler(scene, key), _scheduler(scene, key)
    a.start()
    b.start()
    try:
        assert a.wait_until_leading(5) or b.wait_until_leading(5)
        _cli_import(scene.engine, tmp_path, MOVES)
        scene.slack.wait_for("chat.postMessage", 2, timeout=10)
        # Both processes also try the pass directly, as a follower that missed its step-down would.
        assert run_live_pass(scene.runtime, scene.workspace.id) == []
        time.sleep(1)
    finally:
        a.shutdown()
        b.shutdown()
    assert len(scene.posts()) == 2


def test_a_live_segment_built_on_a_deleted_one_posts_the_error_and_keeps_its_contacts(
    scene: Scene, berlin: None
) -> None:
    # Deleting SEG00001 through the verb is refused, naming SEG00002.
    with pytest.raises(SegbotError, match=PERSONS):
        scene.dispatch(f"delete {BERLIN}")
    # As a database from before that rule could hold it.
    with scene.session_factory.begin() as s:
        live.unset_live(s, scene.workspace.id, BERLIN, user_id=OWNER)
        s.execute(Segment.__table__.delete().where(Segment.no == BERLIN))
    before = scene.members(PERSONS)
    scene.move("CT0004", "Berlin", as_an_import=True)
    assert len(run_live_pass(scene.runtime, scene.workspace.id)) == 1
    [call] = scene.posts()
    text = posted_text(call)
    assert "Segment not refreshed: SEG00002" in text and "SEG00001, which no longer exists" in text
    assert scene.members(PERSONS) == before == ["CT0002"]


def test_the_live_verb_lists_and_stops_live_segments(scene: Scene, berlin: None) -> None:
    listed = scene.dispatch("live")
    assert "SEG00001 Berlin → <#C0NEWS>" in listed and "SEG00002" in listed
    assert "no longer live" in scene.dispatch(f"live {BERLIN} off")
    assert "SEG00001" not in scene.dispatch("live")
    with pytest.raises(SegbotError, match="is not live"):
        scene.dispatch(f"live {BERLIN} off")
    with pytest.raises(SegbotError, match="not a channel"):
        scene.dispatch(f"live {BERLIN} sales")
    with pytest.raises(SegbotError, match="owner"):
        scene.dispatch(f"live {PERSONS} off", user="U0OTHER")


def test_a_scheduled_refresh_built_on_a_deleted_segment_posts_the_error_instead_of_emptying_it(
    scene: Scene, berlin: None
) -> None:
    scene.dispatch(f"schedule {PERSONS} hourly <#C0SCHED|sched>")
    with scene.session_factory.begin() as s:
        live.unset_live(s, scene.workspace.id, BERLIN, user_id=OWNER)
        s.execute(Segment.__table__.delete().where(Segment.no == BERLIN))
    run = refresh_due_schedule(scene.runtime, scene.workspace.id, PERSONS, at=datetime.now(UTC))
    assert run is not None and run.is_failed
    [call] = scene.posts()
    assert call.params["channel"] == "C0SCHED"
    assert "SEG00001, which no longer exists; nothing was changed" in posted_text(call)
    assert scene.members(PERSONS) == ["CT0002"]
    assert "not refreshed" in scene.dispatch(f"history {PERSONS}")
