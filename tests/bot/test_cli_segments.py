"""``segbot segments list|export|refresh`` on a real SQLite database file, as a script would run them."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select, update
from typer.testing import CliRunner

from bot.cli import app
from commands.context import CommandContext
from commands.registry import load_registry
from commands.schedule_phrases import parse_when
from segbot_testing.slack_api import FakeSlackApi, message_text
from storage.criteria.ast import Match, Text
from storage.db import make_engine, make_session_factory, unit_of_work
from storage.migrate import upgrade
from storage.models import Contact, Workspace
from storage.service import changes, history, journal, schedules, segments
from tests.factories import add_contact


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A migrated SQLite file holding team T0001 with contacts and segment SEG00001 (the Danes)."""
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.delenv("SLACK_BOT_TOKEN", raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env from the working tree
    engine = make_engine(url)
    upgrade(engine)
    with unit_of_work(make_session_factory(engine)) as session:
        workspace = Workspace(team_id="T0001", name="Acme Sales")
        session.add(workspace)
        session.flush()
        ws = workspace.id
        acme = add_contact(session, ws, "CT001", name="Acme", country="DK", industries=("RETAIL",))
        add_contact(session, ws, "CT010", name="Ana", company=acme, country="DK", email="ana@acme.dk")
        add_contact(session, ws, "CT020", name="Di", person=True, country="US")
        seg = segments.create_segment(session, ws, description="Danes", owner_user_id="U1").no
        changes.apply_action(session, ws, seg, "add", criteria=Match("country", (Text("DK"),)), user_id="U1")
        segments.create_segment(session, ws, description="Empty one", owner_user_id="U1")
    engine.dispose()
    yield url


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout


def test_list_prints_number_description_and_size_per_segment(database):
    code, out = _run("segments", "list", "--team", "T0001")
    assert code == 0
    assert out.splitlines() == ["SEG00001\tDanes\t2", "SEG00002\tEmpty one\t0"]


def test_team_may_be_left_out_when_there_is_one_workspace(database):
    assert _run("segments", "list")[1].startswith("SEG00001")


def test_export_writes_csv_with_no_first_to_stdout(database):
    code, out = _run("segments", "export", "seg00001", "--team", "T0001")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert out.startswith("no,type,name,company_no,")
    assert [(r["no"], r["type"], r["company_no"], r["industry_groups"]) for r in rows] == [
        ("CT001", "company", "CT001", "RETAIL"),
        ("CT010", "person", "CT001", ""),
    ]
    assert rows[1]["email"] == "ana@acme.dk"


def test_export_writes_json_to_a_file(database, tmp_path):
    target = tmp_path / "danes.json"
    code, _ = _run("segments", "export", "SEG00001", "-o", str(target), "--format", "json")
    assert code == 0
    rows = json.loads(target.read_text(encoding="utf-8"))
    assert [r["no"] for r in rows] == ["CT001", "CT010"]
    assert next(iter(rows[0])) == "no"


def test_the_cli_and_the_slack_export_write_the_same_file_with_profile_columns(database, tmp_path):
    engine = make_engine(database)
    factory = make_session_factory(engine)
    with unit_of_work(factory) as session:
        ws = session.scalars(select(Workspace.id)).one()
        acme = session.scalars(select(Contact).where(Contact.no == "CT001")).one()
        add_contact(
            session,
            ws,
            "CT011",
            name="=cmd|' /C calc'!A0",
            company=acme,
            country="DK",
            profile={"rating": "A"},
        )
        changes.apply_action(session, ws, "SEG00001", "include", contact_nos=["CT011"], user_id="U1")
    target = tmp_path / "danes.csv"
    _run("segments", "export", "SEG00001", "-o", str(target))
    ctx = CommandContext(session_factory=factory, team_id="T0001", user_id="U1", channel_id="C1")

    reply = load_registry().dispatch("export SEG00001", ctx)

    assert reply.upload is not None
    assert reply.upload.read() == target.read_bytes()
    reply.upload.discard()
    engine.dispose()
    rows = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8"))))
    assert [(r["no"], r["profile.rating"]) for r in rows] == [("CT001", ""), ("CT010", ""), ("CT011", "A")]
    assert rows[2]["name"] == "'=cmd|' /C calc'!A0"


def test_refresh_applies_the_change_and_prints_who_entered_and_left(database):
    engine = make_engine(database)
    with unit_of_work(make_session_factory(engine)) as session:
        session.execute(update(Contact).where(Contact.no == "CT010").values(country="SE"))
        session.execute(update(Contact).where(Contact.no == "CT020").values(country="DK"))
    code, out = _run("segments", "refresh", "SEG00001")
    assert code == 0
    assert out.splitlines() == [
        "SEG00001: 2 -> 2 (1 entered, 1 left)",
        "entered:",
        "  CT020\tDi",
        "left:",
        "  CT010\tAna",
    ]
    with unit_of_work(make_session_factory(engine)) as session:
        ws = session.query(Workspace).one().id
        assert segments.get_segment(session, ws, "SEG00001").size == 2
    engine.dispose()


def test_cli_refreshes_appear_in_the_history_and_one_that_changes_nothing_is_not_journalled(database):
    engine = make_engine(database)
    with unit_of_work(make_session_factory(engine)) as session:
        session.execute(update(Contact).where(Contact.no == "CT020").values(country="DK"))
    assert _run("segments", "refresh", "SEG00001")[0] == 0
    code, out = _run("segments", "refresh", "SEG00001")
    assert (code, out.splitlines()) == (0, ["SEG00001: 3 -> 3 (0 entered, 0 left)"])
    with unit_of_work(make_session_factory(engine)) as session:
        ws = session.query(Workspace).one().id
        runs = history.list_runs(session, ws, "SEG00001")
        kinds = [e.kind for e in journal.list_journal(session, ws, "SEG00001")]
    assert [(r.trigger, r.size_before, r.size_after, r.entered, r.left) for r in runs] == [
        ("cli", 3, 3, 0, 0),
        ("cli", 2, 3, 1, 0),
    ]
    assert kinds == ["add", "refresh"]
    engine.dispose()


def test_refresh_with_notify_posts_to_the_scheduled_channel(database, monkeypatch):
    engine = make_engine(database)
    with unit_of_work(make_session_factory(engine)) as session:
        ws = session.query(Workspace).one().id
        schedules.schedule_segment(
            session,
            ws,
            "SEG00001",
            cron=parse_when("daily 09:00"),
            when_text="daily 09:00",
            timezone="UTC",
            channel_id="C0SALES",
            user_id="U1",
        )
        session.execute(update(Contact).where(Contact.no == "CT020").values(country="DK"))
    engine.dispose()
    with FakeSlackApi() as fake:
        monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test-token")
        monkeypatch.setenv("SLACK_API_URL", fake.api_url)
        code, out = _run("segments", "refresh", "SEG00001", "--notify")
        [post] = fake.calls_to("chat.postMessage")
    assert code == 0
    assert "SEG00001: 2 -> 3 (1 entered, 0 left)" in out
    assert "notified C0SALES" in out
    assert post.params["channel"] == "C0SALES"
    assert "CT020" in message_text(post) or "Di" in message_text(post)


def test_notify_without_a_bot_token_fails_before_changing_anything(database):
    result = CliRunner().invoke(app, ["segments", "refresh", "SEG00001", "--notify"])
    assert "SLACK_BOT_TOKEN" in str(result.exception)


def test_an_unknown_segment_exits_non_zero_with_one_line_on_stderr(database):
    completed = subprocess.run(
        [sys.executable, "-c", "from bot.cli import main; main()", "segments", "export", "SEG00042"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert completed.returncode != 0
    assert completed.stderr.strip().splitlines() == ["segbot: no segment SEG00042 in this workspace"]
    assert completed.stdout == ""
