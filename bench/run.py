"""``make bench``: the segmentation service at 1,000,000 contacts, on SQLite and PostgreSQL.

Builds the demo contacts once per backend and keeps them (``bench/.cache/segbot_bench.db``; the
PostgreSQL schema ``segbot_bench``, shared with ``bench/slack_bench.py``), then measures, as the
median of ``--runs`` runs after one warm-up:

- the preview of a 3-term Add (``industry:X country:A,B profile.rating:A``) through the service,
- the same count as hand-written SQL (the physical floor) and as the compiled criteria alone,
- applying an Add of about 100,000 contacts, refreshing that segment, and undoing the Add,
- breakdowns of a segment holding half the contacts by country, by industry and by a profile
  question through the service (top ten, other, none), beside the hand-written GROUP BY;
- drawing the country breakdown's bar chart and the size of its PNG;
- the measuring process's peak RSS.

Each backend is built and measured in its own child process, so the peak RSS is that of the
measurements alone, not of the load or of the other backend.

    python -m bench.run [--count 1000000] [--runs 3] [--backends sqlite,postgresql]
    BENCH_DATABASE_URL=postgresql+psycopg://user@host/db python -m bench.run
"""

from __future__ import annotations

import argparse
import functools
import json
import math
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event, false, func, insert, literal, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from bench.housekeeping import drop_dataset, vacuum_after_load
from bench.memory import peak_rss_mib
from storage.criteria.ast import And, Expr, Match, Text
from storage.criteria.compile import compile_criteria
from storage.db import make_engine, make_session_factory, unit_of_work
from storage.errors import SegbotError
from storage.migrate import schema_differences, upgrade
from storage.models import Base, Contact, ContactIndustryGroup, Segment, SegmentLine
from storage.service.breakdown import breakdown_segment
from storage.service.changes import apply_action, preview_action, refresh_segment, undo_last
from storage.service.segments import create_segment, delete_segment
from storage.service.workspaces import ensure_workspace

CACHE = Path(__file__).parent / ".cache"
# BENCH_SCHEMA keeps one run's load apart from another's on a shared PostgreSQL server.
SCHEMA = os.environ.get("BENCH_SCHEMA", "segbot_bench")
# The same workspace and chunking as bench/slack_bench.py, so both reuse one PostgreSQL load.
TEAM_ID = "T0001"
CHUNK = 50_000
USER = "UBENCH"
TARGET_ADD = 100_000
STATEMENT_TIMEOUT_S = 60
contacts = Contact.__table__

HAND_WRITTEN_COUNT = """
SELECT count(*)
FROM contacts c
JOIN contact_industry_groups g ON g.contact_id = c.company_id AND g.code = :industry
JOIN contact_profile_answers a ON a.contact_id = c.id AND a.question = 'rating' AND a.answer_lower = 'a'
WHERE c.workspace_id = :ws AND c.country IN (:country_a, :country_b) AND NOT c.exclude_from_segment
"""

# The physical floor of each breakdown: the same grouping without ranking or folding, as the
# fastest plain SQL for each database (a dict when the two differ).
HAND_WRITTEN_BREAKDOWNS: dict[str, str | dict[str, str]] = {
    "country": """
SELECT c.country, count(*) FROM segment_lines l JOIN contacts c ON c.id = l.contact_id
WHERE l.segment_id = :seg GROUP BY c.country
""",
    "industry": {
        "postgresql": """
SELECT g.code, count(*) FROM segment_lines l JOIN contacts c ON c.id = l.contact_id
LEFT JOIN contact_industry_groups g ON g.contact_id = c.company_id
WHERE l.segment_id = :seg GROUP BY g.code
""",
        # SQLite searches the codes' B-tree once per company rather than once per person.
        "sqlite": """
SELECT g.code, sum(m.n) FROM (
  SELECT c.company_id, count(*) AS n FROM segment_lines l JOIN contacts c ON c.id = l.contact_id
  WHERE l.segment_id = :seg GROUP BY c.company_id
) m LEFT JOIN contact_industry_groups g ON g.contact_id = m.company_id GROUP BY g.code
""",
    },
    "profile.rating": """
SELECT a.answer_lower, count(*) FROM segment_lines l
LEFT JOIN contact_profile_answers a
  ON a.contact_id = l.contact_id AND a.workspace_id = :ws AND a.question = 'rating'
WHERE l.segment_id = :seg GROUP BY a.answer_lower
""",
}


def hand_written_breakdown(field: str, dialect: str) -> str:
    """The plain GROUP BY of ``field``'s breakdown, in the form fastest on ``dialect``."""
    written = HAND_WRITTEN_BREAKDOWNS[field]
    return written if isinstance(written, str) else written[dialect]


def _engine(backend: str, count: int) -> Engine:
    if backend == "sqlite":
        CACHE.mkdir(exist_ok=True)
        return make_engine(f"sqlite:///{CACHE / f'segbot_bench_{count}.db'}")
    url = _postgres_url()
    admin = make_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{SCHEMA}"'))
    admin.dispose()
    engine = make_engine(url, schema=SCHEMA)
    event.listen(engine, "connect", _limit_statements)
    return engine


def _limit_statements(dbapi_connection: Any, _record: Any) -> None:
    # A pathological plan should show as a timeout in the table, not hang the benchmark. Set
    # outside a transaction, or the pool's reset would roll the setting back.
    autocommit = dbapi_connection.autocommit
    dbapi_connection.autocommit = True
    dbapi_connection.execute(f"SET statement_timeout = {STATEMENT_TIMEOUT_S * 1000}")
    dbapi_connection.autocommit = autocommit


def _postgres_url() -> str:
    return os.environ.get("BENCH_DATABASE_URL") or os.environ.get(
        "TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
    )


def populate(backend: str, count: int) -> None:
    """Load demo contacts until the bench workspace holds ``count``; a no-op when it already does.

    A cache built from an older schema (the initial migration is regenerated as models change)
    is thrown away and rebuilt, so the numbers are always those of the current models.
    """
    engine = _engine(backend, count)
    upgrade(engine)
    if not _schema_is_current(engine):
        print(f"  {backend}: cached schema differs from the models; rebuilding", flush=True)
        engine.dispose()
        _drop_cache(backend, count)
        engine = _engine(backend, count)
        upgrade(engine)
    factory = make_session_factory(engine)
    with unit_of_work(factory) as session:
        workspace_id = ensure_workspace(session, TEAM_ID, name="bench")
        have = _contact_count(session, workspace_id)
    started = time.perf_counter()
    while have < count:
        from storage.demo import generate_demo

        with unit_of_work(factory) as session:
            have += generate_demo(session, workspace_id, count=min(CHUNK, count - have), seed=have + 1)
        print(f"  {backend}: {have:,} contacts ({time.perf_counter() - started:.0f} s)", flush=True)
    with engine.begin() as conn:
        # Fresh statistics, as autovacuum (PostgreSQL) or the importer's ANALYZE would leave them;
        # table by table, since a bare ANALYZE walks every schema of a shared server's database.
        for table in Base.metadata.sorted_tables:
            conn.execute(text(f'ANALYZE "{table.name}"'))
    vacuum_after_load(engine)
    engine.dispose()


def _schema_is_current(engine: Engine) -> bool:
    with engine.connect() as conn:
        return not schema_differences(conn)


def _drop_cache(backend: str, count: int) -> None:
    sqlite_file = CACHE / f"segbot_bench_{count}.db" if backend == "sqlite" else None
    drop_dataset(_postgres_url(), SCHEMA, sqlite_file)


def measure(backend: str, count: int, runs: int) -> dict[str, Any]:
    """Time each operation ``runs`` times after a warm-up; medians in seconds, plus peak RSS in MB."""
    engine = _engine(backend, count)
    factory = make_session_factory(engine)
    with unit_of_work(factory) as session:
        workspace_id = ensure_workspace(session, TEAM_ID, name="bench")
        size = _contact_count(session, workspace_id)
        industry, country_a, country_b = preview_terms(session, workspace_id)
        big_expr, big_count = _about_100k(session, workspace_id)
        preview_seg = create_segment(
            session, workspace_id, description="bench preview", owner_user_id=USER
        ).no
    three_terms = And(
        (
            Match("industry", (Text(industry),)),
            Match("country", (Text(country_a), Text(country_b))),
            Match("profile.rating", (Text("A"),)),
        )
    )
    hand_params = {"ws": workspace_id, "industry": industry, "country_a": country_a, "country_b": country_b}
    results: dict[str, Any] = {
        "contacts": size,
        "criteria": f"industry:{industry} country:{country_a},{country_b}",
    }

    def preview() -> int:
        with factory() as session:
            made = preview_action(
                session, workspace_id, preview_seg, "add", criteria=three_terms, user_id=USER
            )
            session.rollback()
        return made.added

    def hand_count() -> int:
        with factory() as session:
            return int(session.execute(text(HAND_WRITTEN_COUNT), hand_params).scalar_one())

    def compiled_count() -> int:
        condition = compile_criteria(three_terms, workspace_id=workspace_id, today=_today())
        # An Add skips contacts flagged exclude_from_segment, as Business Central does.
        query = (
            select(func.count())
            .select_from(contacts)
            .where(
                contacts.c.workspace_id == workspace_id, contacts.c.exclude_from_segment == false(), condition
            )
        )
        with factory() as session:
            return int(session.execute(query).scalar_one())

    for name, operation in (
        ("preview", preview),
        ("hand_count", hand_count),
        ("compiled_count", compiled_count),
    ):
        results[name], results[f"{name}_rows"] = _median(operation, runs)
    assert results["preview_rows"] == results["hand_count_rows"] == results["compiled_count_rows"], results

    results["big_criteria"], results["big_expected"] = big_expr[0], big_count
    apply_times, refresh_times, undo_times, sizes = [], [], [], []
    for _ in range(runs):
        with unit_of_work(factory) as session:
            seg = create_segment(session, workspace_id, description="bench add", owner_user_id=USER).no
        add = functools.partial(_in_uow, factory, apply_action, seg, "add", criteria=big_expr[1])
        apply_times.append(_timed_or_timeout(add))
        undo_times.append(_timed_or_timeout(functools.partial(_in_uow, factory, undo_last, seg)))
        _timed_or_timeout(add)
        refresh_times.append(_timed_or_timeout(functools.partial(_in_uow, factory, refresh_segment, seg)))
        with unit_of_work(factory) as session:
            sizes.append(segment_size(session, workspace_id, seg))
            delete_segment(session, workspace_id, seg, user_id=USER, is_admin=True)
    with unit_of_work(factory) as session:
        delete_segment(session, workspace_id, preview_seg, user_id=USER, is_admin=True)
    results.update(_measure_breakdowns(factory, workspace_id, runs))
    results.update(
        apply=statistics.median(apply_times),
        refresh=statistics.median(refresh_times),
        undo=statistics.median(undo_times),
        big_size=sizes[0],
        peak_rss_mb=peak_rss_mib(),
    )
    engine.dispose()
    return results


def _measure_breakdowns(factory: sessionmaker[Session], workspace_id: int, runs: int) -> dict[str, Any]:
    """Each breakdown of a half-the-contacts segment against its hand-written GROUP BY; then the chart."""
    with unit_of_work(factory) as session:
        info = create_segment(session, workspace_id, description="bench breakdown", owner_user_id=USER)
        segment_id = session.execute(
            select(Segment.id).where(Segment.workspace_id == workspace_id, Segment.no == info.no)
        ).scalar_one()
        lines = SegmentLine.__table__
        session.execute(
            insert(lines).from_select(
                ["segment_id", "contact_id", "workspace_id"],
                select(literal(segment_id), contacts.c.id, contacts.c.workspace_id).where(
                    contacts.c.workspace_id == workspace_id, contacts.c.id % 2 == 0
                ),
            )
        )
    with factory.begin() as session:
        session.execute(text("ANALYZE segment_lines"))
    results: dict[str, Any] = {}
    dialect = factory.kw["bind"].dialect.name
    for field in HAND_WRITTEN_BREAKDOWNS:
        sql = hand_written_breakdown(field, dialect)

        def service(field: str = field) -> int:
            with factory() as session:
                found = breakdown_segment(session, workspace_id, info.no, field)
            return sum(row.count for row in found.rows) + found.other + found.none

        def hand(sql: str = sql) -> int:
            with factory() as session:
                rows = session.execute(text(sql), {"seg": segment_id, "ws": workspace_id}).all()
            return sum(int(n) for _, n in rows)

        results[f"breakdown_{field}"], counted = _median(service, runs)
        results[f"hand_{field}"], expected = _median(hand, runs)
        assert counted == expected, (field, counted, expected)
        if dialect == "sqlite":
            # SQLite works in this process: its CPU time is the query's own, whatever else the
            # machine runs, where the wall clock also counts other processes' turns.
            results[f"breakdown_{field}_cpu"] = _cpu_median(service, runs)
            results[f"hand_{field}_cpu"] = _cpu_median(hand, runs)
    with factory() as session:
        results["breakdown_size"] = segment_size(session, workspace_id, info.no)
        by_country = breakdown_segment(session, workspace_id, info.no, "country")
    results.update(_measure_chart(by_country, runs))
    with unit_of_work(factory) as session:
        delete_segment(session, workspace_id, info.no, user_id=USER, is_admin=True)
    return results


def _measure_chart(by_country: Any, runs: int) -> dict[str, Any]:
    from commands.blocks.breakdown import breakdown_figures, breakdown_title

    started = time.perf_counter()
    from commands.charts import bar_chart_png

    figures = breakdown_figures(by_country)
    labels, counts = [label for label, _ in figures], [n for _, n in figures]

    def draw() -> int:
        return len(bar_chart_png(breakdown_title(by_country), labels, counts))

    _timed(draw)
    import_and_first = time.perf_counter() - started
    chart, png_bytes = _median(draw, runs)
    # CPU time too: on a shared machine the wall clock also counts other processes' turns.
    cpu_started = time.process_time()
    for _ in range(runs):
        draw()
    chart_cpu = (time.process_time() - cpu_started) / runs
    return {"chart": chart, "chart_cpu": chart_cpu, "chart_first": import_and_first, "png_bytes": png_bytes}


def _in_uow(
    factory: sessionmaker[Session], action: Callable[..., Any], segment_no: str, *args: Any, **kw: Any
) -> Any:
    with unit_of_work(factory) as session:
        workspace_id = ensure_workspace(session, TEAM_ID)
        return action(session, workspace_id, segment_no, *args, user_id=USER, **kw)


def _timed_or_timeout(operation: Callable[[], Any]) -> float:
    """Seconds taken, or infinity when the database gave up after ``STATEMENT_TIMEOUT_S`` (or the
    step could not run because an earlier one had timed out)."""
    try:
        return _timed(operation)
    except (OperationalError, SegbotError) as exc:
        print(f"  timed out: {str(exc).splitlines()[0][:200]}", file=sys.stderr, flush=True)
        return math.inf


def _timed(operation: Callable[[], Any]) -> float:
    started = time.perf_counter()
    operation()
    return time.perf_counter() - started


def _median(operation: Callable[[], int], runs: int) -> tuple[float, int]:
    rows = operation()  # warm-up: caches as a running bot would have them
    return statistics.median(_timed(operation) for _ in range(runs)), rows


def _cpu_median(operation: Callable[[], int], runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.process_time()
        operation()
        times.append(time.process_time() - started)
    return statistics.median(times)


def _today() -> Any:
    from datetime import date

    return date.today()


def _contact_count(session: Session, workspace_id: int) -> int:
    return (
        session.scalar(
            select(func.count()).select_from(contacts).where(contacts.c.workspace_id == workspace_id)
        )
        or 0
    )


def segment_size(session: Session, workspace_id: int, segment_no: str) -> int:
    from storage.models import SegmentLine

    query = (
        select(func.count())
        .select_from(SegmentLine)
        .join(Segment, Segment.id == SegmentLine.segment_id)
        .where(Segment.workspace_id == workspace_id, Segment.no == segment_no)
    )
    return session.scalar(query) or 0


def preview_terms(session: Session, workspace_id: int) -> tuple[str, str, str]:
    """The commonest industry and the two commonest countries, so the 3-term Add selects someone."""
    links = ContactIndustryGroup.__table__
    industry = session.execute(
        select(links.c.code).where(links.c.workspace_id == workspace_id).group_by(links.c.code)
        .order_by(func.count().desc()).limit(1)
    ).scalar_one()  # fmt: skip
    countries = session.scalars(
        select(contacts.c.country)
        .where(contacts.c.workspace_id == workspace_id, contacts.c.country.is_not(None))
        .group_by(contacts.c.country).order_by(func.count().desc()).limit(2)
    ).all()  # fmt: skip
    return industry, countries[0], countries[1]


def _about_100k(session: Session, workspace_id: int) -> tuple[tuple[str, Expr], int]:
    """The single-industry Add whose size (companies and, through them, their persons) is nearest 100,000."""
    code, size = industry_nearest(session, workspace_id, TARGET_ADD)
    return (f"industry:{code}", Match("industry", (Text(code),))), size


def industry_nearest(session: Session, workspace_id: int, target: int) -> tuple[str, int]:
    """The industry whose contacts (companies and, through them, their persons) number nearest ``target``."""
    return min(industry_sizes(session, workspace_id), key=lambda row: abs(row[1] - target))


def industry_sizes(session: Session, workspace_id: int) -> list[tuple[str, int]]:
    """Each industry with its contacts (companies and their persons), the commonest first."""
    links = ContactIndustryGroup.__table__
    sizes = session.execute(
        select(links.c.code, func.count())
        .select_from(contacts.join(links, links.c.contact_id == contacts.c.company_id))
        .where(contacts.c.workspace_id == workspace_id)
        .group_by(links.c.code)
        .order_by(func.count().desc())
    ).all()
    return [(str(code), int(size)) for code, size in sizes]


# --- the parent: one child per backend, then the table ----------------------------------------------


def _child(mode: str, backend: str, args: argparse.Namespace) -> dict[str, Any] | None:
    command = [sys.executable, "-m", "bench.run", f"--{mode}", backend, "--count", str(args.count)]
    command += ["--runs", str(args.runs)]
    # Loading reports its progress as it goes; measuring answers with one line of JSON.
    output = subprocess.PIPE if mode == "measure" else None
    done = subprocess.run(command, stdout=output, text=True, check=False)
    if done.returncode != 0:
        print(f"{backend}: {mode} failed (exit {done.returncode})", file=sys.stderr)
        return None
    lines = [line for line in (done.stdout or "").splitlines() if line.startswith("{")]
    return json.loads(lines[-1]) if lines else {}


def _seconds(value: float) -> str:
    return f"{value:.2f} s" if math.isfinite(value) else f"timeout (> {STATEMENT_TIMEOUT_S} s)"


def _ms(value: float) -> str:
    return f"{value * 1000:.0f} ms"


def _table(results: dict[str, dict[str, Any]]) -> str:
    names = list(results)
    rows: list[tuple[str, Callable[[dict[str, Any]], str], str]] = [
        ("contacts", lambda r: f"{r['contacts']:,}", ""),
        ("preview 3-term Add (service)", _preview_cell, "< 1 s"),
        ("same count, hand-written SQL", lambda r: f"{r['hand_count']:.3f} s", "floor"),
        ("same count, compiled criteria", lambda r: f"{r['compiled_count']:.3f} s", ""),
        ("preview / hand-written", lambda r: f"{r['preview'] / r['hand_count']:.2f}x", "<= 1.5x"),
        ("apply Add", lambda r: f"{_seconds(r['apply'])} ({r['big_size']:,} contacts)", "< 5 s"),
        ("refresh", lambda r: _seconds(r["refresh"]), "< 5 s"),
        ("undo Add", lambda r: _seconds(r["undo"]), "< 5 s"),
        ("breakdown segment", lambda r: f"{r['breakdown_size']:,} contacts", "half"),
        *(
            (f"breakdown by {f} (service)", functools.partial(_breakdown_cell, field=f), "< 1 s, <= 1.5x")
            for f in HAND_WRITTEN_BREAKDOWNS
        ),
        ("bar chart PNG (drawn again)", _chart_cell, "< 300 ms"),
        ("first chart, with import", lambda r: _ms(r["chart_first"]), ""),
        ("PNG size", lambda r: f"{r['png_bytes'] / 1024:.0f} KB", "< 200 KB"),
        ("peak RSS", lambda r: f"{r['peak_rss_mb']:.0f} MB", "< 300 MB"),
    ]
    header = ["measure (median)", *names, "target"]
    body = [[label, *(show(results[n]) for n in names), target] for label, show, target in rows]
    widths = [max(len(str(row[i])) for row in [header, *body]) for i in range(len(header))]
    lines = [
        " | ".join(str(cell).ljust(w) for cell, w in zip(row, widths, strict=True)) for row in [header, *body]
    ]
    lines.insert(1, "-+-".join("-" * w for w in widths))
    first = next(iter(results.values()))
    lines.append(f"preview criteria: {first['criteria']} profile.rating:A; Add: {first['big_criteria']}")
    return "\n".join(lines)


def _preview_cell(r: dict[str, Any]) -> str:
    return f"{r['preview']:.3f} s ({r['preview_rows']:,} rows)"


def _chart_cell(r: dict[str, Any]) -> str:
    return f"{_ms(r['chart'])} (CPU {_ms(r['chart_cpu'])})"


def _breakdown_cell(r: dict[str, Any], *, field: str) -> str:
    service, hand = r[f"breakdown_{field}"], r[f"hand_{field}"]
    cell = f"{service:.3f} s (GROUP BY {hand:.3f} s, {service / hand:.2f}x)"
    if f"breakdown_{field}_cpu" in r:
        cell += f"; CPU {r[f'breakdown_{field}_cpu']:.3f} s ({r[f'hand_{field}_cpu']:.3f} s)"
    return cell


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--populate", metavar="BACKEND", help=argparse.SUPPRESS)
    parser.add_argument("--measure", metavar="BACKEND", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.populate:
        populate(args.populate, args.count)
        return
    if args.measure:
        print(json.dumps(measure(args.measure, args.count, args.runs)))
        return
    results: dict[str, dict[str, Any]] = {}
    for backend in args.backends.split(","):
        print(f"{backend}: building or reusing {args.count:,} demo contacts ...", flush=True)
        if _child("populate", backend, args) is None:
            continue
        print(f"{backend}: measuring ...", flush=True)
        measured = _child("measure", backend, args)
        if measured:
            results["SQLite" if backend == "sqlite" else "PostgreSQL"] = measured
    if not results:
        sys.exit("bench: no backend could be measured")
    print(_table(results))


if __name__ == "__main__":
    main()
