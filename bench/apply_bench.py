"""How long the write path takes on a loaded PostgreSQL schema: preview, Confirm and undo of an Add of
about ``--lines`` contacts (1,000,000 by default, a tenth of ten million), one unit of work each, as a
user would run them from Slack.

The schema is one loaded by ``python -m bench.import_bench --keep-schema NAME``; the Add is a window
of creation dates holding about ``--lines`` contacts, into a segment of its own that is deleted after.

    python -m bench.apply_bench --schema segbot_writes_10m [--lines 1000000] [--runs 1] [--explain]

``--explain`` prints ``EXPLAIN (ANALYZE, BUFFERS)`` of each write statement of Confirm and undo,
captured while they run (auto_explain in the bench's own session).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Engine, event, text
from sqlalchemy.orm import Session, sessionmaker

from bench.housekeeping import vacuum_set_tables
from storage.criteria.ast import And, Compare, Day, Expr
from storage.db import make_engine, make_session_factory, unit_of_work
from storage.service import changes, segments
from storage.service.types import ADD

TEAM_ID = "TBENCH"
USER = "UBENCH"
POSTGRESQL_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
# The bot's 30 s statement bound would hide how long a slow step takes.
STATEMENT_TIMEOUT = 600.0


@dataclass(frozen=True)
class WriteFigures:
    """Seconds of one preview, Confirm and undo of an Add of ``lines`` contacts among ``contacts``."""

    contacts: int
    lines: int
    preview: float
    confirm: float
    undo: float


def engine_for(schema: str) -> Engine:
    """An engine on ``schema`` of the benchmark database."""
    url = os.environ.get("BENCH_DATABASE_URL", POSTGRESQL_URL)
    return make_engine(url, schema=schema, statement_timeout=STATEMENT_TIMEOUT)


def window_of(session: Session, workspace_id: int, lines: int) -> tuple[Expr, int]:
    """Criteria selecting about ``lines`` contacts (a window of creation dates) and how many there are."""
    total = _scalar(session, "SELECT count(*) FROM contacts WHERE workspace_id = :ws", ws=workspace_id)
    share = min(1.0, lines / max(1, total))
    low, high = session.execute(
        text(
            "SELECT percentile_disc(0.5 - :half) WITHIN GROUP (ORDER BY created),"
            " percentile_disc(0.5 + :half) WITHIN GROUP (ORDER BY created)"
            " FROM contacts WHERE workspace_id = :ws AND created IS NOT NULL"
        ),
        {"half": share / 2, "ws": workspace_id},
    ).one()
    criteria = And((Compare("created", ">=", Day(low)), Compare("created", "<", Day(high))))
    return criteria, total


def measure_add(
    factory: sessionmaker[Session], *, lines: int = 1_000_000, today: date | None = None
) -> WriteFigures:
    """Preview, Confirm and undo an Add of about ``lines`` contacts into a new segment; delete it after."""
    today = today or date.today()
    with unit_of_work(factory) as session:
        workspace_id = _workspace(session)
        criteria, total = window_of(session, workspace_id, lines)
        segment_no = segments.create_segment(
            session, workspace_id, description="apply bench", owner_user_id=USER
        ).no
    try:
        started = time.perf_counter()
        with unit_of_work(factory) as session:
            preview = changes.preview_action(
                session, workspace_id, segment_no, ADD, criteria=criteria, user_id=USER, today=today
            )
        previewed = time.perf_counter()
        with unit_of_work(factory) as session:
            result = changes.confirm_pending(session, workspace_id, preview.pending_id, user_id=USER)
        confirmed = time.perf_counter()
        with unit_of_work(factory) as session:
            changes.undo_last(session, workspace_id, segment_no, user_id=USER)
        undone = time.perf_counter()
    finally:
        with unit_of_work(factory) as session:
            segments.delete_segment(session, workspace_id, segment_no, user_id=USER, is_admin=True)
    return WriteFigures(
        contacts=total,
        lines=result.added,
        preview=previewed - started,
        confirm=confirmed - previewed,
        undo=undone - confirmed,
    )


def explain_writes(engine: Engine) -> None:
    """Log the plan of every statement over 1 s of this engine's sessions (``auto_explain``)."""

    @event.listens_for(engine, "connect")
    def _explain(dbapi_connection: Any, _record: Any) -> None:
        with dbapi_connection.cursor() as cursor:
            cursor.execute("LOAD 'auto_explain'")
            cursor.execute("SET auto_explain.log_min_duration = 1000")
            cursor.execute("SET auto_explain.log_analyze = on")
            cursor.execute("SET auto_explain.log_buffers = on")
            cursor.execute("SET auto_explain.log_nested_statements = on")
            cursor.execute("SET client_min_messages = log")
        # Session settings outlive the transaction the cursor opened; the pool wants none open.
        dbapi_connection.commit()
        dbapi_connection.add_notice_handler(lambda notice: print(notice.message_primary, flush=True))


def _workspace(session: Session) -> int:
    return int(_scalar(session, "SELECT id FROM workspaces WHERE team_id = :team", team=TEAM_ID))


def _scalar(session: Session, sql: str, **params: Any) -> Any:
    return session.execute(text(sql), params).scalar_one()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--schema", required=True)
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--explain", action="store_true")
    args = parser.parse_args()
    engine = engine_for(args.schema)
    if args.explain:
        explain_writes(engine)
    vacuum_set_tables(engine)
    factory = make_session_factory(engine)
    runs = []
    for _ in range(args.runs):
        figures = measure_add(factory, lines=args.lines)
        load = os.getloadavg()
        print(
            f"Add of {figures.lines:,} of {figures.contacts:,} contacts: preview {figures.preview:.1f} s, "
            f"confirm {figures.confirm:.1f} s, undo {figures.undo:.1f} s "
            f"(load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f})",
            flush=True,
        )
        runs.append(figures)
    if len(runs) > 1:
        print(
            f"median: preview {statistics.median(r.preview for r in runs):.1f} s, "
            f"confirm {statistics.median(r.confirm for r in runs):.1f} s, "
            f"undo {statistics.median(r.undo for r in runs):.1f} s"
        )


if __name__ == "__main__":
    main()
