"""Engines and units of work.

One engine per process; one session per action (a unit of work), committed only when the
action succeeded, so a failure part-way leaves nothing half-applied.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, make_url
from sqlalchemy.engine import ExceptionContext
from sqlalchemy.orm import Session, sessionmaker

import storage.limits  # noqa: F401  (registers the text checks every flush runs)
from storage.errors import StatementTimeoutError

# Seconds one statement may run (SEGBOT_STATEMENT_TIMEOUT): long enough for any import or refresh of
# a million contacts, short enough that pathological criteria do not hold a work slot for minutes.
DEFAULT_STATEMENT_TIMEOUT = 30.0
# SQLite calls the progress handler every this many virtual-machine instructions (about a millisecond).
_SQLITE_PROGRESS_STEPS = 10_000
_DEADLINE = "segbot_deadline"


def is_sqlite(engine_or_url: Engine | str) -> bool:
    url = engine_or_url if isinstance(engine_or_url, str) else str(engine_or_url.url)
    return url.startswith("sqlite")


def make_engine(
    url: str,
    *,
    schema: str | None = None,
    statement_timeout: float = DEFAULT_STATEMENT_TIMEOUT,
    **kwargs: Any,
) -> Engine:
    """Create the engine for ``url``.

    ``schema`` (PostgreSQL only) puts every table in that schema via the search path; the tests
    use it to give each run a fresh, private schema in a shared database. Every statement is stopped
    after ``statement_timeout`` seconds with a :class:`StatementTimeoutError`. SQL parameters never
    appear in errors or logs: they hold the users' criteria values and contact data.
    """
    connect_args: dict[str, Any] = dict(kwargs.pop("connect_args", {}))
    if is_sqlite(url):
        # The bot's listener threads share the engine; SQLite's own check would refuse that.
        connect_args.setdefault("check_same_thread", False)
        connect_args.setdefault("timeout", 30)
    else:
        # No JIT compilation: it pays off for queries of minutes, but segbot's take a second or two,
        # and compiling one of them took longer than running it (docs/performance.md, "JIT").
        options = ["-cjit=off"]
        # Options the URL gives (`?options=-csearch_path%3Dsales`) are kept: connect_args would replace them.
        given = make_url(url).query.get("options")
        if given:
            options.append(given if isinstance(given, str) else " ".join(given))
        options.append(f"-cstatement_timeout={max(1, round(statement_timeout * 1000))}")
        if schema:
            options.append(f"-csearch_path={schema}")
        connect_args["options"] = " ".join(options)
    engine = create_engine(url, connect_args=connect_args, pool_pre_ping=True, hide_parameters=True, **kwargs)
    if is_sqlite(url):
        event.listen(engine, "connect", _configure_sqlite)
        event.listen(engine, "savepoint", _begin_before_savepoint)
        _bound_sqlite_statements(engine, statement_timeout)
    event.listen(engine, "handle_error", _report_timeout)
    return engine


def _report_timeout(context: ExceptionContext) -> None:
    """Turn a statement stopped by the timeout into the project's error, which says what to do."""
    original = context.original_exception
    stopped = getattr(original, "sqlstate", None) == "57014"  # PostgreSQL's query_canceled
    if context.engine is not None and is_sqlite(context.engine):
        stopped = str(original) == "interrupted"  # what sqlite3 says when the progress handler stops it
    if stopped:
        raise StatementTimeoutError("this query took too long; narrow the criteria") from original


def _bound_sqlite_statements(engine: Engine, seconds: float) -> None:
    """SQLite has no statement timeout: a progress handler stops a statement past its deadline.

    The deadline starts at each execute and lasts through its fetches (SQLite computes rows as they
    are fetched); a commit or a rollback clears it, so they are never interrupted.
    """

    def _on_connect(dbapi_connection: Any, record: Any) -> None:
        deadline = [math.inf]
        record.info[_DEADLINE] = deadline
        dbapi_connection.set_progress_handler(lambda: time.monotonic() > deadline[0], _SQLITE_PROGRESS_STEPS)

    def _start(conn: Connection, *_args: Any) -> None:
        deadline = conn.connection.info.get(_DEADLINE)
        if deadline is not None:
            deadline[0] = time.monotonic() + seconds

    def _clear(conn: Connection) -> None:
        deadline = conn.connection.info.get(_DEADLINE)
        if deadline is not None:
            deadline[0] = math.inf

    def _clear_on_checkin(_dbapi_connection: Any, record: Any) -> None:
        # The pool's ping runs outside the statement events: it must not meet an old deadline.
        if record is not None and _DEADLINE in record.info:
            record.info[_DEADLINE][0] = math.inf

    event.listen(engine, "connect", _on_connect)
    event.listen(engine, "before_cursor_execute", _start)
    event.listen(engine, "commit", _clear)
    event.listen(engine, "rollback", _clear)
    event.listen(engine, "checkin", _clear_on_checkin)


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
    Alone, a query keeps its workers (docs/performance.md, "Parallel workers").
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
