"""Peak memory and time of exporting one segment of 1,000,000 contacts, the way Slack and the console do.

Loads demo contacts (companies with persons, classifications, profile answers) into a PostgreSQL
schema of its own (or a SQLite file), puts them all in one segment, then runs ``/segment export``
through the command registry in a child process, so the child's peak RSS is the export's alone:
the rows are read in batches and written to a temporary file, never held in memory.

    python -m bench.export_bench [--count 1000000] [--backend postgresql|sqlite] [--keep]
    python -m bench.export_bench --count 1000000 --schema segbot_writes_10m
    BENCH_DATABASE_URL=postgresql+psycopg://user@host/db python -m bench.export_bench

The schema (``segbot_bench_export``) or file is dropped afterwards unless ``--keep``; a kept one is
reused by the next run. ``--schema NAME`` exports from a schema loaded by ``python -m
bench.import_bench --keep-schema NAME`` instead: a segment of about ``--count`` of its contacts is
made for the run and deleted after. Target: peak RSS under 300 MB.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

from sqlalchemy import Engine, text

from bench.apply_bench import window_of
from bench.housekeeping import vacuum_after_load
from bench.memory import peak_rss_mib
from storage.criteria.ast import Present
from storage.db import make_engine, make_session_factory, unit_of_work
from storage.demo import generate_demo
from storage.migrate import upgrade
from storage.service import changes, segments, workspaces
from storage.service.types import ActionOptions

CACHE = Path(__file__).parent / ".cache"
SCHEMA = "segbot_bench_export"
TEAM_ID = "TEXPORT"
# The team of the workspace that bench.import_bench loads.
LOADED_TEAM_ID = "TBENCH"
USER = "UBENCH"
CHUNK = 100_000
TARGET_MIB = 300
# A fixed "today", so reruns build the same contacts.
TODAY = date(2026, 1, 1)


def _url(backend: str) -> str:
    if backend == "sqlite":
        return f"sqlite:///{CACHE / 'export_bench.db'}"
    return os.environ.get("BENCH_DATABASE_URL") or os.environ.get(
        "TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
    )


def _engine(backend: str) -> Engine:
    if backend == "sqlite":
        CACHE.mkdir(exist_ok=True)
        return make_engine(_url(backend))
    admin = make_engine(_url(backend))
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{SCHEMA}"'))
    admin.dispose()
    return make_engine(_url(backend), schema=SCHEMA)


def _drop(backend: str) -> None:
    if backend == "sqlite":
        for leftover in CACHE.glob("export_bench.db*"):
            leftover.unlink()
        return
    admin = make_engine(_url(backend))
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{SCHEMA}" CASCADE'))
    admin.dispose()


def populate(backend: str, count: int) -> str:
    """Load ``count`` demo contacts and one segment holding all of them (once); its number."""
    engine = _engine(backend)
    upgrade(engine)
    factory = make_session_factory(engine)
    with unit_of_work(factory) as session:
        workspace_id = workspaces.ensure_workspace(session, TEAM_ID, name="export bench")
        listed = segments.list_segments(session, workspace_id)
    if listed and listed[0].size == count:
        engine.dispose()
        return listed[0].no
    have = 0
    started = time.perf_counter()
    while have < count:
        with unit_of_work(factory) as session:
            have += generate_demo(
                session, workspace_id, count=min(CHUNK, count - have), seed=have + 1, today=TODAY
            )
        print(f"  {have:,} contacts ({time.perf_counter() - started:.0f} s)", flush=True)
    with unit_of_work(factory) as session:
        no = segments.create_segment(session, workspace_id, description="Everyone", owner_user_id=USER).no
        # Excluded contacts too, so the segment holds every contact loaded.
        changes.apply_action(
            session,
            workspace_id,
            no,
            "add",
            criteria=Present("no"),
            options=ActionOptions(ignore_exclusion=True),
            user_id=USER,
            today=TODAY,
        )
    with engine.begin() as conn:
        conn.execute(text("ANALYZE"))
    vacuum_after_load(engine)
    engine.dispose()
    print(f"  segment {no} of {count:,} contacts ready ({time.perf_counter() - started:.0f} s)", flush=True)
    return no


def segment_of_loaded(schema: str, count: int) -> str:
    """A new segment of about ``count`` contacts of the workspace loaded into ``schema``; its number."""
    engine = make_engine(_url("postgresql"), schema=schema, statement_timeout=600.0)
    factory = make_session_factory(engine)
    with unit_of_work(factory) as session:
        workspace_id = workspaces.ensure_workspace(session, LOADED_TEAM_ID)
        criteria, _total = window_of(session, workspace_id, count)
        no = segments.create_segment(session, workspace_id, description="export bench", owner_user_id=USER).no
        changes.apply_action(
            session,
            workspace_id,
            no,
            "add",
            criteria=criteria,
            options=ActionOptions(ignore_exclusion=True),
            user_id=USER,
            today=TODAY,
        )
    engine.dispose()
    return no


def drop_segment_of_loaded(schema: str, segment_no: str) -> None:
    """Delete the segment that ``segment_of_loaded`` made."""
    engine = make_engine(_url("postgresql"), schema=schema, statement_timeout=600.0)
    with unit_of_work(make_session_factory(engine)) as session:
        workspace_id = workspaces.ensure_workspace(session, LOADED_TEAM_ID)
        segments.delete_segment(session, workspace_id, segment_no, user_id=USER, is_admin=True)
    engine.dispose()


def export_in_child(backend: str, segment_no: str, *, schema: str | None = None) -> dict[str, float]:
    """Run the export in a fresh process and return its figures (seconds, rows, bytes, peak RSS)."""
    command = [sys.executable, "-m", "bench.export_bench", "--child", segment_no, "--backend", backend]
    if schema:
        command += ["--schema", schema]
    done = subprocess.run(command, check=True, capture_output=True, text=True)
    figures: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return figures


def _child(backend: str, segment_no: str, schema: str | None) -> None:
    engine = make_engine(_url(backend), schema=None if backend == "sqlite" else schema or SCHEMA)
    team_id = LOADED_TEAM_ID if schema else TEAM_ID
    print(json.dumps(export_figures(engine, team_id, segment_no, today=TODAY)))


def export_figures(engine: Engine, team_id: str, segment_no: str, *, today: date) -> dict[str, float]:
    """Export the segment through ``/segment export`` in this process: seconds, rows, bytes of CSV,
    and this process's peak RSS (MiB) before and after. Run it in a fresh process of its own."""
    from commands.context import CommandContext
    from commands.registry import load_registry

    registry = load_registry()
    ctx = CommandContext(
        session_factory=make_session_factory(engine),
        team_id=team_id,
        user_id=USER,
        channel_id="CBENCH",
        is_admin=True,
        today=today,
    )
    baseline = peak_rss_mib()
    started = time.perf_counter()
    reply = registry.dispatch(f"export {segment_no}", ctx)
    seconds = time.perf_counter() - started
    assert reply.upload is not None and reply.upload.path is not None, reply.text
    size = reply.upload.path.stat().st_size
    with reply.upload.path.open(encoding="utf-8") as handle:
        rows = sum(1 for _ in handle) - 1
    reply.upload.discard()
    peak = peak_rss_mib()
    return {"seconds": seconds, "rows": rows, "bytes": size, "peak_mib": peak, "baseline_mib": baseline}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--backend", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument(
        "--keep", action="store_true", help="keep the loaded schema (or file) for the next run"
    )
    parser.add_argument(
        "--schema", metavar="NAME", help="PostgreSQL: export from this schema loaded by bench.import_bench"
    )
    parser.add_argument("--child", metavar="SEG", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.backend, args.child, args.schema)
        return
    if args.schema:
        segment_no = segment_of_loaded(args.schema, args.count)
        try:
            figures = export_in_child("postgresql", segment_no, schema=args.schema)
        finally:
            drop_segment_of_loaded(args.schema, segment_no)
    else:
        try:
            segment_no = populate(args.backend, args.count)
            figures = export_in_child(args.backend, segment_no)
        finally:
            if not args.keep:
                _drop(args.backend)
    verdict = "within" if figures["peak_mib"] < TARGET_MIB else "OVER"
    print(
        f"\n{args.backend}: exported {int(figures['rows']):,} contacts "
        f"({figures['bytes'] / 1e6:.0f} MB of CSV) "
        f"in {figures['seconds']:.1f} s; peak RSS {figures['peak_mib']:.0f} MiB "
        f"(after imports {figures['baseline_mib']:.0f} MiB), {verdict} the {TARGET_MIB} MiB target; "
        f"load average {os.getloadavg()[0]:.1f}"
    )


if __name__ == "__main__":
    main()
