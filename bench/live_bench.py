"""How long live segments take to be refreshed and posted after a contacts import (PostgreSQL).

The workspace holds ``--count`` demo contacts (1,000,000 by default) and ``--segments`` live
segments (20) of about ``count / segments`` contacts each, each a window of creation dates. Then
``segbot contacts import`` runs in a process of its own with ``--rows`` contacts (10,000) moved
to another window, and the leader (a ``RefreshScheduler`` polling every second, Slack faked on
loopback) refreshes the live segments and posts who entered and left. Printed: the import's own
time, and the time from its end (its commit) to the last post.

    python -m bench.live_bench [--count 1000000] [--segments 20] [--rows 10000]
    python -m bench.live_bench --schema segbot_writes_10m --team TBENCH --count 10000000
    BENCH_DATABASE_URL=postgresql+psycopg://user@host/db python -m bench.live_bench

Data are kept in the PostgreSQL schema ``segbot_live_bench`` (or ``--schema``, for instance one
loaded by ``python -m bench.import_bench --keep-schema``); each run replaces the workspace's segments.
"""

from __future__ import annotations

import argparse
import csv
import itertools
import os
import random
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from sqlalchemy import Engine, delete, func, select, text

from bench.housekeeping import vacuum_after_load
from bot.clients import make_web_client
from bot.scheduler import RefreshScheduler, SchedulerRuntime, install_runtime
from bot.settings import load_settings
from segbot_testing.slack_api import FakeSlackApi
from storage.criteria.ast import And, Compare, Day
from storage.db import make_engine, make_session_factory, unit_of_work
from storage.demo import generate_demo
from storage.migrate import upgrade
from storage.models import Contact, LiveSegment, Segment, Workspace
from storage.service import changes, live, segments
from storage.service.types import ADD
from storage.service.workspaces import ensure_workspace

SCHEMA = "segbot_live_bench"
TEAM_ID = "T0LIVE"
OWNER = "U0BENCH"
CHUNK = 50_000


def _url() -> str:
    return os.environ.get("BENCH_DATABASE_URL") or os.environ.get(
        "TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
    )


def _engine(schema: str) -> Engine:
    admin = make_engine(_url())
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
    admin.dispose()
    return make_engine(_url(), schema=schema)


def populate(engine: Engine, count: int, team_id: str = TEAM_ID) -> int:
    """The bench workspace's id, after loading demo contacts until it holds ``count``."""
    upgrade(engine)
    factory = make_session_factory(engine)
    with unit_of_work(factory) as session:
        workspace_id = ensure_workspace(session, team_id, name="live bench")
        have = session.scalar(select(func.count()).where(Contact.workspace_id == workspace_id)) or 0
    started = time.perf_counter()
    loaded = False
    while have < count:
        with unit_of_work(factory) as session:
            have += generate_demo(session, workspace_id, count=min(CHUNK, count - have), seed=have + 1)
        print(f"  {have:,} contacts ({time.perf_counter() - started:.0f} s)", flush=True)
        loaded = True
    if loaded:
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))
        vacuum_after_load(engine)
    return workspace_id


def windows(engine: Engine, workspace_id: int, parts: int) -> list[tuple[date, date]]:
    """``parts`` consecutive creation-date windows holding about the same number of contacts each."""
    with engine.connect() as conn:
        # One sort for every quantile (an array of fractions), not one per quantile.
        days = conn.execute(
            text(
                "SELECT percentile_disc(CAST(:qs AS float8[])) WITHIN GROUP (ORDER BY created) FROM contacts "
                "WHERE workspace_id = :ws AND created IS NOT NULL"
            ),
            {"qs": [i / parts for i in range(parts + 1)], "ws": workspace_id},
        ).scalar_one()
    return list(itertools.pairwise(days))


def make_live_segments(engine: Engine, workspace_id: int, parts: list[tuple[date, date]]) -> list[str]:
    """One live segment per window, replacing the previous run's; their numbers."""
    factory = make_session_factory(engine)
    with unit_of_work(factory) as session:
        for info in segments.list_segments(session, workspace_id):
            segments.delete_segment(session, workspace_id, info.no, user_id=OWNER, is_admin=True)
        session.execute(delete(LiveSegment).where(LiveSegment.workspace_id == workspace_id))
    numbers = []
    for low, high in parts:
        with unit_of_work(factory) as session:
            info = segments.create_segment(
                session, workspace_id, description=f"{low}..{high}", owner_user_id=OWNER
            )
            criteria = And((Compare("created", ">=", Day(low)), Compare("created", "<", Day(high))))
            changes.apply_action(session, workspace_id, info.no, ADD, criteria=criteria, user_id=OWNER)
            live.set_live(session, workspace_id, info.no, channel_id="C0LIVE", user_id=OWNER)
            numbers.append(info.no)
    with unit_of_work(factory) as session:
        sizes = [segments.get_segment(session, workspace_id, no).size for no in numbers]
    print(f"  {len(numbers)} live segments of {min(sizes):,}–{max(sizes):,} contacts", flush=True)
    return numbers


def write_moves(
    engine: Engine, workspace_id: int, rows: int, parts: list[tuple[date, date]], path: Path
) -> None:
    """A contacts CSV that moves ``rows`` contacts of the segments to another segment's window."""
    low, high = parts[0][0], parts[-1][1]
    with engine.connect() as conn:
        picked = conn.execute(
            select(Contact.no, Contact.type, Contact.name, Contact.created)
            .where(Contact.workspace_id == workspace_id, Contact.created >= low, Contact.created < high)
            .order_by(func.random())
            .limit(rows)
        ).all()
        company_nos = dict(
            conn.execute(
                text(
                    "SELECT p.no, c.no FROM contacts p JOIN contacts c ON c.id = p.company_id "
                    "WHERE p.workspace_id = :ws AND p.no = ANY(:nos)"
                ),
                {"ws": workspace_id, "nos": [row.no for row in picked]},
            ).all()
        )
    chooser = random.Random(1)
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["no", "type", "name", "company_no", "created"])
        for no, kind, name, _created in picked:
            target_low, target_high = chooser.choice(parts)
            moved = target_low + (target_high - target_low) * chooser.random()
            writer.writerow([no, kind, name, company_nos.get(no, ""), moved.isoformat()])


def run_live(
    engine: Engine, url: str, workspace_id: int, team_id: str, *, segments: int, rows: int
) -> dict[str, float]:
    """Make ``segments`` live segments over the workspace's contacts, import ``rows`` moved contacts
    with ``segbot contacts import`` in a process of its own (``url`` reaches the same tables), and
    wait for every live segment's post. Seconds of the import, and from its commit to the last post."""
    parts = windows(engine, workspace_id, segments)
    numbers = make_live_segments(engine, workspace_id, parts)
    with tempfile.TemporaryDirectory() as scratch, FakeSlackApi() as fake:
        moves = Path(scratch) / "moves.csv"
        write_moves(engine, workspace_id, rows, parts, moves)
        settings = load_settings(slack_bot_token="xoxb-bench", slack_api_url=fake.api_url)
        runtime = SchedulerRuntime(
            session_factory=make_session_factory(engine), client_for_team=lambda _t: make_web_client(settings)
        )
        install_runtime(runtime)
        scheduler = RefreshScheduler(runtime, engine, sync_seconds=3600, live_seconds=1.0)
        scheduler.start()
        if not scheduler.wait_until_leading(30):
            scheduler.shutdown()
            sys.exit("another process leads the scheduler on this database; stop it first")
        started = time.perf_counter()
        command = [
            str(Path(sys.executable).with_name("segbot")),
            "contacts",
            "import",
            str(moves),
            "--team",
            team_id,
        ]
        done = subprocess.run(
            command, env={**os.environ, "DATABASE_URL": url}, capture_output=True, text=True, check=False
        )
        committed = time.perf_counter()
        if done.returncode != 0:
            scheduler.shutdown()
            sys.exit(done.stderr)
        try:
            fake.wait_for("chat.postMessage", len(numbers), timeout=600)
        finally:
            posted = time.perf_counter()
            scheduler.shutdown()
        with unit_of_work(runtime.session_factory) as session:
            version = session.scalar(select(Workspace.data_version).where(Workspace.id == workspace_id))
            current = session.scalar(
                select(func.count()).where(
                    LiveSegment.workspace_id == workspace_id, LiveSegment.refreshed_version == version
                )
            )
            total = session.scalar(
                select(func.count()).select_from(Segment).where(Segment.workspace_id == workspace_id)
            )
        return {
            "import_seconds": committed - started,
            "posted_seconds": posted - committed,
            "posts": len(fake.calls_to("chat.postMessage")),
            "current": current or 0,
            "segments": total or 0,
        }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--segments", type=int, default=20)
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--schema", default=SCHEMA)
    parser.add_argument("--team", default=TEAM_ID)
    args = parser.parse_args()
    engine = _engine(args.schema)
    print(f"loading {args.count:,} contacts into schema {args.schema}", flush=True)
    workspace_id = populate(engine, args.count, args.team)
    url = _url() + ("&" if "?" in _url() else "?") + f"options=-csearch_path%3D{args.schema}"
    found = run_live(engine, url, workspace_id, args.team, segments=args.segments, rows=args.rows)
    print(f"import of {args.rows:,} rows (its own process, commit included): {found['import_seconds']:.1f} s")
    print(
        f"import commit -> {found['posts']:.0f} live segments refreshed and posted: "
        f"{found['posted_seconds']:.1f} s "
        f"({found['current']:.0f} of {found['segments']:.0f} segments current); "
        f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}"
    )


if __name__ == "__main__":
    main()
