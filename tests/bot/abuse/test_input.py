"""Items 3, 5, 6, 7 and 10: criteria, texts and files past the limits get a clear answer and change nothing.

Every test runs on SQLite and, with TEST_DATABASE_URL, on PostgreSQL, on the demo generator's contacts.
"""

from __future__ import annotations

import logging
import time
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session, sessionmaker

from bot.delivery import GENERIC_FAILURE, answer_safely
from commands.context import CommandContext
from commands.criteria_parser import MAX_CRITERIA_CHARS, MAX_CRITERIA_TERMS, CriteriaError, parse_criteria
from commands.registry import Registry, Verb, load_registry
from commands.reply import Reply
from storage.contacts_import import import_contacts
from storage.db import make_engine, make_session_factory, unit_of_work
from storage.demo import generate_demo
from storage.errors import NotFoundError, StatementTimeoutError, TooLongError, ValidationError
from storage.interactions_import import import_interactions
from storage.models import Contact, PendingAction, SavedCriteria, Segment, SegmentAction, Workspace
from storage.service import changes, segments
from tests.commands.conftest import owner_context
from tests.storage.service.conftest import crit

OWNER = "U0OWNER"
TODAY = date(2026, 11, 30)


@pytest.fixture(scope="module")
def registry() -> Registry:
    return load_registry()


@pytest.fixture
def ctx(session_factory: sessionmaker[Session], workspace: Workspace) -> CommandContext:
    with session_factory.begin() as s:
        generate_demo(s, workspace.id, count=60, seed=1)
        seg = segments.create_segment(s, workspace.id, description="Berlin", owner_user_id=OWNER).no
        changes.apply_action(s, workspace.id, seg, "add", criteria=crit("type", "company"), user_id=OWNER)
    return owner_context(session_factory, workspace, channel_id="C0S", today=TODAY)


def _counts(session_factory: sessionmaker[Session]) -> tuple[int, ...]:
    with session_factory() as s:
        return tuple(
            s.scalar(select(func.count()).select_from(model)) or 0
            for model in (Segment, SegmentAction, PendingAction, SavedCriteria, Contact)
        )


# --- 3. criteria size and time ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("command", "refusal"),
    [
        # 1,000 values in under 4,000 characters: SQLite refused this as "Expression tree is too large".
        pytest.param(
            "add SEG00001 city:" + ",".join(str(i) for i in range(1000)),
            f"limited to {MAX_CRITERIA_TERMS} terms",
            id="a-thousand-comma-values-by-the-term-limit",
        ),
        pytest.param(
            'new "Long" name:' + "x" * MAX_CRITERIA_CHARS,
            f"limited to {MAX_CRITERIA_CHARS} characters",
            id="criteria-over-4000-characters",
        ),
    ],
)
def test_criteria_too_large_are_refused_and_change_nothing(
    registry: Registry, ctx: CommandContext, command: str, refusal: str
) -> None:
    before = _counts(ctx.session_factory)

    with pytest.raises(CriteriaError) as caught:
        registry.dispatch(command, ctx)

    assert refusal in str(caught.value)
    assert _counts(ctx.session_factory) == before


def test_two_hundred_negated_terms_are_accepted_and_answer_promptly(
    registry: Registry, ctx: CommandContext
) -> None:
    criteria = " ".join(f"-name:x{i}*" for i in range(MAX_CRITERIA_TERMS - 1))

    started = time.perf_counter()
    reply = registry.dispatch(f"add SEG00001 type:person {criteria}", ctx)

    assert "Add will add" in reply.text
    assert time.perf_counter() - started < 10


def _timeout_engine(engine: Engine, seconds: float) -> Engine:
    url = engine.url.render_as_string(hide_password=False)
    if engine.dialect.name == "sqlite":
        return make_engine(url, statement_timeout=seconds)
    with engine.connect() as conn:
        schema = conn.exec_driver_sql("SHOW search_path").scalar()
    return make_engine(url, schema=str(schema), statement_timeout=seconds)


_SLOW = {
    "sqlite": "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000000000) "
    "SELECT count(*) FROM n",
    "postgresql": "SELECT pg_sleep(20)",
}


def test_a_statement_past_the_timeout_is_stopped_with_a_clear_error_and_changes_nothing(
    engine: Engine, workspace: Workspace
) -> None:
    bounded = _timeout_engine(engine, 0.5)
    factory = make_session_factory(bounded)
    started = time.perf_counter()

    with pytest.raises(StatementTimeoutError) as caught, unit_of_work(factory) as s:
        s.add(Workspace(team_id="T0TIMEOUT"))
        s.flush()
        s.execute(text(_SLOW[engine.dialect.name]))

    assert time.perf_counter() - started < 5
    assert "took too long; narrow the criteria" in str(caught.value)
    with factory() as s:
        assert s.scalar(select(func.count()).where(Workspace.team_id == "T0TIMEOUT")) == 0
        # The connection serves the next statement normally.
        assert s.scalar(text("SELECT 1")) == 1
    bounded.dispose()


# --- 5. lengths -----------------------------------------------------------------------------------


def test_an_over_long_saved_description_names_the_field_and_its_limit(
    registry: Registry, ctx: CommandContext
) -> None:
    before = _counts(ctx.session_factory)

    with pytest.raises(TooLongError) as caught:
        registry.dispatch("save SEG00001 BERLIN " + "d" * 201, ctx)

    assert str(caught.value) == "description is limited to 200 characters; this one has 201."
    assert _counts(ctx.session_factory) == before


def test_an_over_long_template_is_an_unknown_one_named_with_the_known_ones(
    registry: Registry, ctx: CommandContext
) -> None:
    before = _counts(ctx.session_factory)

    # Templates must exist, so an over-long one never reaches the database.
    with pytest.raises(
        NotFoundError, match=r"no interaction template T{41} in this workspace; the known ones"
    ):
        registry.dispatch("log SEG00001 template:" + "T" * 41, ctx)

    assert _counts(ctx.session_factory) == before


def test_an_over_long_subject_names_the_field_and_its_limit(registry: Registry, ctx: CommandContext) -> None:
    before = _counts(ctx.session_factory)

    with pytest.raises(ValidationError, match="a subject has at most 200 characters"):
        registry.dispatch("set SEG00001 subject " + "s" * 201, ctx)

    assert _counts(ctx.session_factory) == before


# --- 6. NUL and other control characters -------------------------------------------------------------


def test_a_nul_in_criteria_is_refused_alike_on_both_databases(
    registry: Registry, ctx: CommandContext
) -> None:
    before = _counts(ctx.session_factory)

    with pytest.raises(ValidationError, match="control character U\\+0000 at position 19"):
        registry.dispatch("add SEG00001 name:*\x00*", ctx)

    assert _counts(ctx.session_factory) == before


@pytest.mark.parametrize("char", ["\x00", "\x07", "\x1b", "\x7f", "\x85"])
def test_control_characters_in_criteria_are_refused_where_they_are(char: str) -> None:
    with pytest.raises(CriteriaError) as caught:
        parse_criteria(f"city:berlin name:a{char}b")

    assert caught.value.position == 18
    assert f"U+{ord(char):04X}" in str(caught.value)


def test_tabs_and_line_breaks_are_white_space_not_control_characters() -> None:
    assert parse_criteria("city:berlin\tname:a*\r\ntype:person") == parse_criteria(
        "city:berlin name:a* type:person"
    )


def test_a_control_character_in_a_description_is_refused(registry: Registry, ctx: CommandContext) -> None:
    before = _counts(ctx.session_factory)

    with pytest.raises(ValidationError, match="U\\+0007"):
        registry.dispatch('new "Bell\x07 ringers"', ctx)

    assert _counts(ctx.session_factory) == before


def test_a_text_with_a_nul_never_reaches_the_database_whatever_the_path(
    session: Session, workspace: Workspace
) -> None:
    with pytest.raises(ValidationError, match="description holds control character U\\+0000"):
        segments.create_segment(session, workspace.id, description="a\x00b", owner_user_id=OWNER)


def test_criteria_built_without_the_parser_are_checked_for_control_characters_too(
    registry: Registry, ctx: CommandContext
) -> None:
    before = _counts(ctx.session_factory)

    nul = crit("name", "*\x00*")
    with (
        pytest.raises(ValidationError, match="holds control character U\\+0000"),
        unit_of_work(ctx.session_factory) as s,
    ):
        workspace_id = s.scalars(select(Workspace.id).where(Workspace.team_id == ctx.team_id)).one()
        changes.preview_action(s, workspace_id, "SEG00001", "add", criteria=nul, user_id=OWNER)

    assert _counts(ctx.session_factory) == before


def _csv(tmp_path: Path, content: bytes, name: str = "contacts.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(content)
    return path


def test_an_import_with_a_nul_names_its_line_and_column(
    session: Session, workspace: Workspace, tmp_path: Path
) -> None:
    path = _csv(tmp_path, b"no,type,name,city\nCT1,company,Acme,Berlin\nCT2,company,Bad\x00Co,Rome\n")

    with pytest.raises(ValidationError) as caught:
        import_contacts(session, workspace.id, path)

    assert str(caught.value) == "line 3, column name: control character U+0000 is not allowed"
    assert session.scalar(select(func.count()).select_from(Contact)) == 0


def test_an_interactions_import_with_a_control_character_names_its_line_and_column(
    session: Session, workspace: Workspace, tmp_path: Path
) -> None:
    path = _csv(
        tmp_path,
        b"contact_no,template,date,description\nCT1,CALL,2026-01-02,ok\x1b[31m\n",
        "interactions.csv",
    )

    with pytest.raises(ValidationError, match="line 2, column description: control character U\\+001B"):
        import_interactions(session, workspace.id, path)


# --- 10. encodings ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "message"),
    [
        pytest.param(
            b"no,type,name\nCT1,company,M\xfcller GmbH\nCT2,company,Acme\n",
            "line 2: the file is not UTF-8 text (byte 14 of the line)",
            id="on-line-2",
        ),
        pytest.param(
            b"no,type,name\n"
            + b"".join(b"CT%d,company,Company %d\n" % (i, i) for i in range(5000))
            + b"CTX,company,Caf\xe9\n",
            "line 5002: the file is not UTF-8 text (byte 16 of the line)",
            id="deep-in-a-large-file",
        ),
    ],
)
def test_a_latin_1_byte_is_reported_on_its_line_and_imports_nothing(
    session: Session, workspace: Workspace, tmp_path: Path, content: bytes, message: str
) -> None:
    path = _csv(tmp_path, content)

    with pytest.raises(ValidationError) as caught:
        import_contacts(session, workspace.id, path)

    assert str(caught.value) == message
    assert session.scalar(select(func.count()).select_from(Contact)) == 0


# --- 7. logs without request values ---------------------------------------------------------------


def test_a_failing_command_logs_its_traceback_without_the_values_it_sent(
    ctx: CommandContext, caplog: pytest.LogCaptureFixture
) -> None:
    secret = "city-of-secret-4711"

    def probe(text_after: str, probe_ctx: CommandContext) -> Reply:
        with probe_ctx.session_factory() as s:
            s.execute(text("SELECT * FROM no_such_table WHERE name = :name"), {"name": text_after})
        return Reply(text="unreachable")

    registry = Registry()
    registry.add(Verb(name="probe", aliases=(), usage="probe", summary="probe", run=probe))

    with caplog.at_level(logging.INFO):
        reply = answer_safely(lambda: registry.dispatch(f"probe {secret}", ctx), what="probe")

    assert isinstance(reply, Reply) and GENERIC_FAILURE in reply.text
    assert "no_such_table" in caplog.text
    assert secret not in caplog.text
