"""The database layer: a transaction's rows stay invisible to others until it commits, savepoints included;
sessions that run their queries without parallel workers."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from storage.db import make_engine, without_parallel_query
from storage.models import Workspace


def _workspaces(engine: Engine) -> int:
    with engine.connect() as other:
        return other.scalar(select(func.count()).select_from(Workspace)) or 0


def test_a_savepoint_released_before_the_commit_does_not_publish_its_rows(
    engine: Engine, session_factory: sessionmaker[Session]
) -> None:
    # Reads first, then a savepoint around an insert: the shape of "create it unless it exists".
    with session_factory() as session:
        assert session.scalar(select(func.count()).select_from(Workspace)) == 0
        with session.begin_nested():
            session.add(Workspace(team_id="T0SAVE", name="Savepoint"))
            session.flush()
        # pysqlite began no transaction for the SELECT; a SAVEPOINT then opened one of its own and
        # its RELEASE committed the row at once, before the rest of this unit of work.
        assert _workspaces(engine) == 0
        session.rollback()
    assert _workspaces(engine) == 0


def test_rows_written_after_a_savepoint_commit_together_with_it(
    engine: Engine, session_factory: sessionmaker[Session]
) -> None:
    with session_factory() as session:
        with session.begin_nested():
            session.add(Workspace(team_id="T0ONE", name="One"))
            session.flush()
        session.add(Workspace(team_id="T0TWO", name="Two"))
        session.flush()
        assert _workspaces(engine) == 0
        session.commit()
    assert _workspaces(engine) == 2


def _parallel_workers(session: Session) -> str:
    return str(session.connection().exec_driver_sql("SHOW max_parallel_workers_per_gather").scalar())


def test_sessions_without_parallel_query_turn_it_off_for_their_own_transactions_only(
    engine: Engine, session_factory: sessionmaker[Session]
) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("parallel query workers are PostgreSQL's")
    with session_factory() as session:
        default = _parallel_workers(session)
    assert default != "0"
    with without_parallel_query(session_factory)() as session:
        assert _parallel_workers(session) == "0"
        session.commit()
        # A new transaction on the same session: still off.
        assert _parallel_workers(session) == "0"
    # SET LOCAL ended with those transactions; the pooled connection went back as it came.
    with session_factory() as session:
        assert _parallel_workers(session) == default


def test_options_given_in_a_postgresql_url_are_kept_beside_the_statement_timeout(engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("connection options are PostgreSQL's")
    url = engine.url.set(query={"options": "-capplication_name=segbot-sales"})
    configured = make_engine(url.render_as_string(hide_password=False), statement_timeout=7)
    try:
        with configured.connect() as connection:
            assert connection.exec_driver_sql("SHOW application_name").scalar() == "segbot-sales"
            assert connection.exec_driver_sql("SHOW statement_timeout").scalar() == "7s"
    finally:
        configured.dispose()


def test_postgresql_connections_skip_jit_compilation_unless_the_url_asks_for_it(engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("JIT compilation is PostgreSQL's")
    plain = make_engine(engine.url.render_as_string(hide_password=False))
    asked = make_engine(engine.url.set(query={"options": "-cjit=on"}).render_as_string(hide_password=False))
    try:
        with plain.connect() as connection:
            assert connection.exec_driver_sql("SHOW jit").scalar() == "off"
        with asked.connect() as connection:
            assert connection.exec_driver_sql("SHOW jit").scalar() == "on"
    finally:
        plain.dispose()
        asked.dispose()
