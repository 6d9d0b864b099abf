"""Fixtures shared by the whole suite.

Storage and service tests take ``engine`` / ``session`` and so run once per backend: SQLite always,
PostgreSQL too when ``TEST_DATABASE_URL`` is set. Each test run gets its own database (a temporary
SQLite file, a fresh PostgreSQL schema dropped at the end) built by the real migrations, and every
table is emptied after each test.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from storage.db import make_engine, make_session_factory
from storage.migrate import upgrade
from storage.models import Base, Workspace

BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get("TEST_DATABASE_URL") else [])


def _sqlite_engine(tmp_dir: Path) -> Engine:
    return make_engine(f"sqlite:///{tmp_dir / 'segbot-test.db'}")


@pytest.fixture(scope="session", params=BACKENDS)
def database(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """A migrated, private database for this test run, per backend."""
    if request.param == "sqlite":
        engine = _sqlite_engine(tmp_path_factory.mktemp("db"))
        upgrade(engine)
        yield engine
        engine.dispose()
        return
    url = os.environ["TEST_DATABASE_URL"]
    schema = f"t_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = make_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = make_engine(url, schema=schema)
    try:
        upgrade(engine)
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def _empty_all_tables(engine: Engine) -> None:
    names = [t.name for t in reversed(Base.metadata.sorted_tables)]
    extra = [n for n in ("apscheduler_jobs",) if n in _existing_tables(engine)]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(
                text("TRUNCATE " + ", ".join(f'"{n}"' for n in names + extra) + " RESTART IDENTITY CASCADE")
            )
        else:
            for name in extra + names:
                conn.execute(text(f'DELETE FROM "{name}"'))


def _existing_tables(engine: Engine) -> set[str]:
    from sqlalchemy import inspect

    return set(inspect(engine).get_table_names())


@pytest.fixture
def engine(database: Engine) -> Iterator[Engine]:
    """The run's database, emptied after the test."""
    yield database
    _empty_all_tables(database)


@pytest.fixture
def session_factory(engine: Engine) -> sessionmaker[Session]:
    return make_session_factory(engine)


@pytest.fixture
def session(session_factory: sessionmaker[Session]) -> Iterator[Session]:
    with session_factory() as s:
        yield s


@pytest.fixture
def workspace(session_factory: sessionmaker[Session]) -> Workspace:
    """A workspace (Slack team T0001) to put test data in."""
    with session_factory.begin() as s:
        ws = Workspace(team_id="T0001", name="Acme Sales")
        s.add(ws)
    return ws
