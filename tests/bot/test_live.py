"""Live segments end to end: an import in another process, the leader's poll, one post per segment.

The scheduler polls every 0.1 s here (a second in production); Slack is the fake Web API on loopback.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from bot.clients import make_web_client
from bot.scheduler import RefreshScheduler, SchedulerRuntime, install_runtime
from bot.scheduler.runs import refresh_due_schedule, run_live_pass
from bot.settings import load_settings
from commands.context import CommandContext
from commands.registry import load_registry
from segbot_testing.slack_api import FakeSlackApi
from storage.criteria.ast import Match, Text
from storage.data_version import bump_data_version
from storage.errors import SegbotError
from storage.models import Contact, Segment, SegmentRun, Workspace
from storage.service import changes, live, segments
from storage.service.types import ADD, REFINE
from tests.bot.test_scheduler import posted_text
from tests.factories import add_contact

OWNER = "U0OWNER"
# SEG00001 Berlin, SEG00002 its persons: built on SEG00001, so refreshed after it.
BERLIN, PERSONS = "SEG00001", "SEG00002"


@pytest.fixture
def runtime(fake_slack: FakeSlackApi, session_factory: sessionmaker[Session]) -> Iterator[SchedulerRuntime]:
    settings = load_settings(slack_bot_token="xoxb-test", slack_api_url=fake_slack.api_url)
    made = SchedulerRuntime(
        session_factory=session_factory, client_for_team=lambda _team: make_web_client(settings), page_size=5
    )
    install_runtime(made)
    yield made
    install_runtime(None)


def dispatch(
    session_factory: sessionmaker[Session], workspace: Workspace, text: str, user: str = OWNER
) -> str:
    ctx = CommandContext(
        session_factory=session_factory, team_id=workspace.team_id, user_id=user, channel_id="C0X"
    )
    reply = load_registry().dispatch(text, ctx)
    return reply.text


@pytest.fixture
def berlin(session_factory: sessionmaker[Session], workspace: Workspace) -> None:
    """CT0001 Acme and its person CT0002 in Berlin, CT0003 Banque Sud and its person CT0004 in Paris.

    SEG00001 = Berlin (CT0001, CT0002); SEG00002 = the persons of SEG00001 (CT0002). Both live,
    made so through the verb, posting to #news.
    """
    with session_factory.begin() as s:
        acme = add_contact(s, workspace.id, "CT0001", name="Acme", city="Berlin")
        add_contact(s, workspace.id, "CT0002", name="Ana Berg", company=acme, city="Berlin")
        sud = add_contact(s, workspace.id, "CT0003", name="Banque Sud", city="Paris")
        add_contact(s, workspace.id, "CT0004", name="Jean Roux", company=sud, city="Paris")
        base = segments.create_segment(s, workspace.id, description="Berlin", owner_user_id=OWNER)
        changes.apply_action(
            s, workspace.id, base.no, ADD, criteria=Match("city", (Text("Berlin"),)), user_id=OWNER
        )
        persons = segments.create_segment(s, workspace.id, description="Berlin people", owner_user_id=OWNER)
        changes.apply_action(
            s, workspace.id, persons.no, ADD, criteria=Match("segment", (Text(BERLIN),)), user_id=OWNER
        )
        changes.apply_action(
            s, workspace.id, persons.no, REFINE, criteria=Match("type", (Text("person"),)), user_id=OWNER
        )
    # Made live in the dependent's order first: the pass must still refresh SEG00001 first.
    assert "is live" in dispatch(session_factory, workspace, f"live {PERSONS} <#C0NEWS|news>")
    assert "is live" in dispatch(session_factory, workspace, f"live {BERLIN} <#C0NEWS|news>")


def _scheduler(runtime: SchedulerRuntime, engine: Engine, key: int) -> RefreshScheduler:
    return RefreshScheduler(
        runtime, engine, sync_seconds=3600, retry_seconds=0.1, live_seconds=0.1, lock_key=key
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
    script = Path(sys.executable).with_name("segbot")
    done = subprocess.run(
        [str(script), "contacts", "import", "moves.csv", "--team", "T0001"],
        capture_output=True,
        text=True,
        env={**os.environ, "DATABASE_URL": url},
        cwd=tmp_path,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr


# Ana Berg moves to Paris, Jean Roux to Berlin.
MOVES = (
    "no,type,name,company_no,city\n"
    "CT0002,person,Ana Berg,CT0001,Paris\n"
    "CT0004,person,Jean Roux,CT0003,Berlin\n"
)


def _members(session_factory: sessionmaker[Session], workspace: Workspace, no: str) -> list[str]:
    with session_factory() as s:
        return [r.no for r in segments.segment_page(s, workspace.id, no, page=1, page_size=50).rows]


def test_an_import_through_the_cli_is_posted_once_per_live_segment_in_dependency_order_within_5_s(
    runtime: SchedulerRuntime,
    fake_slack: FakeSlackApi,
    berlin: None,
    workspace: Workspace,
    engine: Engine,
    session_factory: sessionmaker[Session],
    tmp_path: Path,
) -> None:
    scheduler = _scheduler(runtime, engine, random.getrandbits(31))
    scheduler.start()
    try:
        assert scheduler.wait_until_leading(10)
        _cli_import(engine, tmp_path, MOVES)
        committed = time.monotonic()
        fake_slack.wait_for("chat.postMessage", 2, timeout=10)
        assert time.monotonic() - committed < 5
        time.sleep(0.5)
        first, second = fake_slack.calls_to("chat.postMessage")
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
    assert _members(session_factory, workspace, PERSONS) == ["CT0004"]
    with session_factory() as s:
        runs = s.scalars(select(SegmentRun).order_by(SegmentRun.id)).all()
    assert [r.trigger for r in runs] == ["live", "live"]


def test_a_burst_of_imports_is_refreshed_once(
    runtime: SchedulerRuntime,
    fake_slack: FakeSlackApi,
    berlin: None,
    workspace: Workspace,
    engine: Engine,
    session_factory: sessionmaker[Session],
) -> None:
    scheduler = _scheduler(runtime, engine, random.getrandbits(31))
    _bump(session_factory, workspace, "CT0003", "Berlin")
    assert scheduler.poll_live(now=0.0) == 0
    _bump(session_factory, workspace, "CT0004", "Berlin")
    # The version moved since the last poll: still waiting for the burst to end.
    assert scheduler.poll_live(now=0.5) == 0
    assert scheduler.poll_live(now=1.0) == 2
    assert scheduler.poll_live(now=1.5) == 0
    assert len(fake_slack.calls_to("chat.postMessage")) == 2
    assert _members(session_factory, workspace, BERLIN) == ["CT0001", "CT0002", "CT0003", "CT0004"]


def test_imports_that_never_stop_are_refreshed_after_the_longest_wait(
    runtime: SchedulerRuntime,
    berlin: None,
    workspace: Workspace,
    engine: Engine,
    session_factory: sessionmaker[Session],
) -> None:
    scheduler = _scheduler(runtime, engine, random.getrandbits(31))
    refreshed = 0
    for step in range(8):
        _bump(session_factory, workspace, "CT0003", "Berlin" if step % 2 else "Paris")
        refreshed += scheduler.poll_live(now=step * 0.5)
    assert refreshed == 2


def test_a_pass_cut_short_resumes_without_refreshing_or_posting_twice(
    runtime: SchedulerRuntime,
    fake_slack: FakeSlackApi,
    berlin: None,
    workspace: Workspace,
    engine: Engine,
    session_factory: sessionmaker[Session],
) -> None:
    _bump(session_factory, workspace, "CT0004", "Berlin")
    # The process died after refreshing SEG00001 and before posting about it or going on.
    with session_factory.begin() as s:
        version, order = live.plan_pass(s, workspace.id)
        assert order == [BERLIN, PERSONS]
        live.record_live_run(s, workspace.id, BERLIN, version=version)
    scheduler = _scheduler(runtime, engine, random.getrandbits(31))
    scheduler.start()
    try:
        assert scheduler.wait_until_leading(10)
        fake_slack.wait_for("chat.postMessage", 2, timeout=10)
        time.sleep(0.5)
    finally:
        scheduler.shutdown()
    texts = sorted(posted_text(call) for call in fake_slack.calls_to("chat.postMessage"))
    assert len(texts) == 2 and "SEG00001" in texts[0] and "SEG00002" in texts[1]
    with session_factory() as s:
        assert len(s.scalars(select(SegmentRun)).all()) == 2
    assert run_live_pass(runtime, workspace.id) == []


def test_two_processes_on_postgresql_post_each_live_change_once(
    runtime: SchedulerRuntime,
    fake_slack: FakeSlackApi,
    berlin: None,
    workspace: Workspace,
    engine: Engine,
    session_factory: sessionmaker[Session],
    tmp_path: Path,
) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("advisory locks elect a leader only on PostgreSQL; SQLite is one process")
    key = random.getrandbits(31)
    a, b = _scheduler(runtime, engine, key), _scheduler(runtime, engine, key)
    a.start()
    b.start()
    try:
        assert a.wait_until_leading(5) or b.wait_until_leading(5)
        _cli_import(engine, tmp_path, MOVES)
        fake_slack.wait_for("chat.postMessage", 2, timeout=10)
        # Both processes also try the pass directly, as a follower that missed its step-down would.
        assert run_live_pass(runtime, workspace.id) == []
        time.sleep(1)
    finally:
        a.shutdown()
        b.shutdown()
    assert len(fake_slack.calls_to("chat.postMessage")) == 2


def test_a_live_segment_built_on_a_deleted_one_posts_the_error_and_keeps_its_contacts(
    runtime: SchedulerRuntime,
    fake_slack: FakeSlackApi,
    berlin: None,
    workspace: Workspace,
    session_factory: sessionmaker[Session],
) -> None:
    # Deleting SEG00001 through the verb is refused, naming SEG00002.
    with pytest.raises(SegbotError, match=PERSONS):
        dispatch(session_factory, workspace, f"delete {BERLIN}")
    # As a database from before that rule could hold it.
    with session_factory.begin() as s:
        live.unset_live(s, workspace.id, BERLIN, user_id=OWNER)
        s.execute(Segment.__table__.delete().where(Segment.no == BERLIN))
    before = _members(session_factory, workspace, PERSONS)
    _bump(session_factory, workspace, "CT0004", "Berlin")
    assert len(run_live_pass(runtime, workspace.id)) == 1
    [call] = fake_slack.calls_to("chat.postMessage")
    text = posted_text(call)
    assert "Segment not refreshed: SEG00002" in text and "SEG00001, which no longer exists" in text
    assert _members(session_factory, workspace, PERSONS) == before == ["CT0002"]


def test_the_live_verb_lists_and_stops_live_segments(
    berlin: None, workspace: Workspace, session_factory: sessionmaker[Session]
) -> None:
    listed = dispatch(session_factory, workspace, "live")
    assert "SEG00001 Berlin → <#C0NEWS>" in listed and "SEG00002" in listed
    assert "no longer live" in dispatch(session_factory, workspace, f"live {BERLIN} off")
    assert "SEG00001" not in dispatch(session_factory, workspace, "live")
    with pytest.raises(SegbotError, match="is not live"):
        dispatch(session_factory, workspace, f"live {BERLIN} off")
    with pytest.raises(SegbotError, match="not a channel"):
        dispatch(session_factory, workspace, f"live {BERLIN} sales")
    with pytest.raises(SegbotError, match="owner"):
        dispatch(session_factory, workspace, f"live {PERSONS} off", user="U0OTHER")


def _bump(session_factory: sessionmaker[Session], workspace: Workspace, no: str, city: str) -> None:
    """A change to the data as an import makes it: the contact moves and the data version moves on."""
    with session_factory.begin() as s:
        s.scalars(select(Contact).where(Contact.no == no)).one().city = city
        bump_data_version(s, workspace.id)


def test_a_scheduled_refresh_built_on_a_deleted_segment_posts_the_error_instead_of_emptying_it(
    runtime: SchedulerRuntime,
    fake_slack: FakeSlackApi,
    berlin: None,
    workspace: Workspace,
    session_factory: sessionmaker[Session],
) -> None:
    dispatch(session_factory, workspace, f"schedule {PERSONS} hourly <#C0SCHED|sched>")
    with session_factory.begin() as s:
        live.unset_live(s, workspace.id, BERLIN, user_id=OWNER)
        s.execute(Segment.__table__.delete().where(Segment.no == BERLIN))
    run = refresh_due_schedule(runtime, workspace.id, PERSONS, at=datetime.now(UTC))
    assert run is not None and run.is_failed
    [call] = fake_slack.calls_to("chat.postMessage")
    assert call.params["channel"] == "C0SCHED"
    assert "SEG00001, which no longer exists; nothing was changed" in posted_text(call)
    assert _members(session_factory, workspace, PERSONS) == ["CT0002"]
    assert "not refreshed" in dispatch(session_factory, workspace, f"history {PERSONS}")
