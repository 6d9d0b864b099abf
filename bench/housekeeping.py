"""What autovacuum would have done between benchmark runs, for servers that run without it."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, text

from storage.db import make_engine

# The contact tables a load fills once, then only read.
CONTACT_TABLES = (
    "contacts",
    "contact_industry_groups",
    "contact_business_relations",
    "contact_mailing_groups",
    "contact_job_responsibilities",
    "contact_profile_answers",
    "interaction_log_entries",
)

# The tables a benchmark run fills and empties again, or updates row by row.
SET_TABLES = (
    "segment_lines",
    "segment_line_history",
    "pending_action_contacts",
    "pending_actions",
    "segments",
    "segment_actions",
    # One row per Slack delivery (bot.redeliveries), so a load test's thousands of requests land here.
    "slack_requests",
    # Counters and the data version: updated by every new segment.
    "workspaces",
)


def vacuum_set_tables(engine: Engine) -> None:
    """Start a run from tidy segment tables (PostgreSQL; a no-op elsewhere).

    Earlier runs insert and delete millions of set rows; where the server runs without autovacuum
    (as this test machine's does), the dead rows and stale statistics they leave (8 million dead
    rows, 1.4 GB, in pending_action_contacts after a few runs) make every capture and count slow
    and measure the server's housekeeping instead of segbot.
    """
    _vacuum(engine, SET_TABLES)


def vacuum_after_load(engine: Engine) -> None:
    """Leave loaded contacts as autovacuum would (PostgreSQL; a no-op elsewhere).

    PostgreSQL 13 and later vacuum a table after large inserts, not only after deletes, which
    sets its visibility map: counts then read the covering contact indexes alone (index-only
    scans). Without it every count would also visit the table, as on a server without autovacuum.
    """
    _vacuum(engine, CONTACT_TABLES)


def _vacuum(engine: Engine, tables: tuple[str, ...]) -> None:
    if engine.dialect.name != "postgresql":
        return
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        for name in tables:
            conn.exec_driver_sql(f"VACUUM (ANALYZE) {name}")


def drop_dataset(url: str, schema: str | None, sqlite_file: Path | None, *, recreate: bool = False) -> None:
    """Drop a benchmark's cached data: a SQLite file with its WAL, or a PostgreSQL schema (made again
    empty with ``recreate``)."""
    if sqlite_file is not None:
        for suffix in ("", "-wal", "-shm"):
            sqlite_file.with_name(sqlite_file.name + suffix).unlink(missing_ok=True)
        return
    admin = make_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        if recreate:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    admin.dispose()
