"""Engines and units of work.

One engine per process; one session per action (a unit of work), committed only when the
action succeeded, so a failure part-way leaves nothing half-applied.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker


def is_sqlite(engine_or_url: Engine | str) -> bool:
    url = engine_or_url if isinstance(engine_or_url, str) else str(engine_or_url.url)
    return url.startswith("sqlite")


def make_engine(url: str, *, schema: str | None = None, **kwargs: Any) -> Engine:
    """Create the engine for ``url``.

    ``schema`` (PostgreSQL only) puts every table in that schema via the search path; the tests
    use it to give each run a fresh, private schema in a shared database.
    """
    connect_args: dict[str, Any] = dict(kwargs.pop("connect_args", {}))
    if is_sqlite(url):
        # The bot's listener threads share the engine; SQLite's own check would refuse that.
        connect_args.setdefault("check_same_thread", False)
        connect_args.setdefault("timeout", 30)
    elif schema:
        connect_args["options"] = f"-csearch_path={schema}"
    engine = create_engine(url, connect_args=connect_args, pool_pre_ping=True, **kwargs)
    if is_sqlite(url):
        event.listen(engine, "connect", _configure_sqlite)
        event.listen(engine, "savepoint", _begin_before_savepoint)
    return engine


def _begin_before_savepoint(connection: Connection, _name: str | None) -> None:
    """Open SQLite's transaction before a SAVEPOINT, so releasing the savepoint commits nothing.

    pysqlite begins a transaction only before INSERT, UPDATE or DELETE. A SAVEPOINT issued before
    any of them (reads, then "insert unless it exists") opens a transaction of its own, and its
    RELEASE commits: the rows became visible before their unit of work ended, and stayed if it
    failed (a scheduled run was recorded before its refresh, and a retry marked it as having nothing
    to announce). IMMEDIATE takes the write lock now, waiting up to busy_timeout, as the insert would.
    """
    dbapi_connection = connection.connection.dbapi_connection
    if dbapi_connection is not None and not dbapi_connection.in_transaction:
        dbapi_connection.execute("BEGIN IMMEDIATE")


def _configure_sqlite(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # SQLite ignores foreign keys (and so ON DELETE CASCADE) unless asked, per connection.
    cursor.execute("PRAGMA foreign_keys=ON")
    # WAL lets the scheduler and the listeners read while one of them writes.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    # Imports stage rows in temporary tables; in memory they load several times faster.
    cursor.execute("PRAGMA temp_store=MEMORY")
    cursor.close()
    # SQLite's own lower() folds ASCII only, so city:münchen would miss "MÜNCHEN"; criteria compare
    # lower(column) with values lower-cased in Python, as PostgreSQL's lower() already agrees with.
    dbapi_connection.create_function("lower", 1, _lower, deterministic=True)


def _lower(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


_PARALLEL_QUERY = "parallel_query"


def without_parallel_query(factory: sessionmaker[Session]) -> sessionmaker[Session]:
    """Sessions like ``factory``'s whose transactions run PostgreSQL queries without parallel workers.

    For a process already running several queries at once: each parallel query starts two more
    backends, and on a busy server they add work (start-up, passing rows) without adding cores.
    With twenty previews at once on two cores that made them 25% slower. Alone, a query keeps its
    workers (a count over a million contacts: 0.30 s instead of 0.45 s).
    """
    return sessionmaker(**{**factory.kw, "info": {**factory.kw.get("info", {}), _PARALLEL_QUERY: False}})


@event.listens_for(Session, "after_begin")
def _apply_parallel_query(session: Session, _transaction: Any, connection: Connection) -> None:
    if session.info.get(_PARALLEL_QUERY, True) or connection.dialect.name != "postgresql":
        return
    # SET LOCAL ends with the transaction, so the pooled connection goes back as it came.
    connection.exec_driver_sql("SET LOCAL max_parallel_workers_per_gather = 0")


@contextmanager
def unit_of_work(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session that commits when the block succeeds and rolls back when it raises."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def is_reachable(engine: Engine) -> bool:
    """True when the database answers ``SELECT 1`` (the health check)."""
    from sqlalchemy import text
    from sqlalchemy.exc import SQLAlchemyError

    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except (SQLAlchemyError, OSError):
        return False
    return True
