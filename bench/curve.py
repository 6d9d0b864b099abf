"""The cost curve: every operation of segbot at several sizes, beside the hand-written SQL of each read.

One dataset per size and backend, built through the product's import path (``segbot contacts
import``, ``campaigns import`` and ``interactions import`` of the demo CSVs of storage/demo.py, each
timed in its own process) and kept: the PostgreSQL schema ``segbot_curve_<N>`` and the SQLite file
``bench/.cache/curve_<N>.db``; a dataset is rebuilt only when the models changed since. Then, per
size, the median of ``--runs`` runs after one warm-up of:

- preview: the 3-term Add of ``make bench`` (selective) and ``broad``, the commonest industries
  until about a fifth of the contacts, each beside the same count as hand-written SQL;
- builder: the segment builder's live count of both, beside the same hand-written SQL;
- apply, refresh, undo: an Add of the single industry nearest a tenth of the contacts;
- breakdown: that segment by country, industry and profile.rating, beside the plain GROUP BY;
- export: that segment through ``/segment export`` in a process of its own (time and peak RSS);
- import: the contacts CSV of the size, as timed when the dataset was built;
- live: live segments refreshed and posted after a 10,000-row import (PostgreSQL; bench/live_bench.py).

Results are merged into ``bench/.cache/curve.json`` (per backend, size and operation), so one
operation or one size can be measured again and the whole table printed with ``--print``. The
growth exponent between two sizes is log(t2/t1) / log(n2/n1): about 1 is linear, above 1.2 is
flagged as super-linear.

    python -m bench.curve [--counts 1000000,3000000,10000000] [--backends postgresql,sqlite]
        [--ops preview,broad,apply,refresh,undo,breakdown,export,import,builder,live] [--runs 3]
    python -m bench.curve --print            # the tables again, from bench/.cache/curve.json
    python -m bench.curve --rebuild ...      # drop and build again datasets the models outgrew
    python -m bench.curve --build --counts 10000000 --backends postgresql   # the dataset alone
    python -m bench.curve --build --counts 10000000 --copies-of 1000000     # ten copies, in SQL
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import os
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Engine, bindparam, func, select, text
from sqlalchemy.orm import Session, sessionmaker

from bench.housekeeping import drop_dataset, vacuum_after_load, vacuum_set_tables
from bench.run import (
    HAND_WRITTEN_BREAKDOWNS,
    HAND_WRITTEN_COUNT,
    hand_written_breakdown,
    industry_nearest,
    preview_terms,
    segment_size,
)
from segbot_testing.slack_harness import TEAM_ID as SLACK_TEAM_ID
from storage.criteria.ast import And, Expr, Match, Text
from storage.db import make_engine, make_session_factory, unit_of_work
from storage.demo import write_demo_csv
from storage.migrate import schema_differences, upgrade
from storage.models import Base, Contact, Segment, Workspace
from storage.service import matches
from storage.service.breakdown import breakdown_segment
from storage.service.changes import (
    apply_action,
    forget_shared_previews,
    preview_action,
    refresh_segment,
    undo_last,
)
from storage.service.codes import default_template, set_default_template
from storage.service.segments import create_segment, delete_segment, list_segments
from storage.service.types import ActionOptions

_T = TypeVar("_T")
CACHE = Path(__file__).parent / ".cache"
RESULTS = CACHE / "curve.json"
# The workspace of bench/slack_bench.py and bench/run.py, so the Slack benchmark runs on these datasets.
TEAM_ID = SLACK_TEAM_ID
USER = "UCURVE"
# A fixed "today" for the CSVs, so a file generated again is the same file.
DEMO_TODAY = date(2026, 1, 1)
DEFAULT_COUNTS = (1_000_000, 3_000_000, 10_000_000)
SQLITE_LARGEST = 3_000_000
OPERATIONS = (
    "import",
    "preview",
    "broad",
    "builder",
    "apply",
    "refresh",
    "undo",
    "breakdown",
    "export",
    "live",
)
# Loading millions of rows and building their indexes runs far past the bot's interactive bound.
LOAD_TIMEOUT_S = 3600.0
STATEMENT_TIMEOUT_S = 600.0
SUPER_LINEAR = 1.2
FAR_FROM_FLOOR = 1.5
BROAD_SHARE = 0.2
ADD_SHARE = 0.1


# --- datasets ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Dataset:
    """One size on one backend: where it lives and how to reach it."""

    backend: str
    count: int

    @property
    def schema(self) -> str:
        return f"segbot_curve_{self.count}"

    @property
    def url(self) -> str:
        """A database URL that needs no schema argument, so the ``segbot`` CLI can be given it."""
        if self.backend == "sqlite":
            return f"sqlite:///{(CACHE / f'curve_{self.count}.db').resolve()}"
        base = _postgres_url()
        return base + ("&" if "?" in base else "?") + f"options=-csearch_path%3D{self.schema}"

    @property
    def marker(self) -> Path:
        """The build's figures, written last: a dataset without one is incomplete."""
        return CACHE / f"curve_{self.backend}_{self.count}.build.json"

    def engine(self, *, statement_timeout: float = STATEMENT_TIMEOUT_S) -> Engine:
        return make_engine(self.url, statement_timeout=statement_timeout, pool_size=5)

    def label(self) -> str:
        return f"{'SQLite' if self.backend == 'sqlite' else 'PostgreSQL'} {self.count:,}"


def _postgres_url() -> str:
    return os.environ.get("BENCH_DATABASE_URL") or os.environ.get(
        "TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
    )


def demo_files(count: int) -> tuple[Path, Path, Path]:
    """The contacts, interactions and campaigns CSVs of ``count`` demo contacts, written on first use."""
    contacts = CACHE / f"curve-contacts-{count}.csv"
    interactions = CACHE / f"curve-interactions-{count}.csv"
    campaigns = CACHE / f"curve-campaigns-{count}.csv"
    if not (contacts.exists() and interactions.exists() and campaigns.exists()):
        CACHE.mkdir(exist_ok=True)
        started = time.perf_counter()
        partial = [path.with_suffix(".partial") for path in (contacts, interactions, campaigns)]
        write_demo_csv(
            partial[0], count=count, seed=1, today=DEMO_TODAY, interactions=partial[1], campaigns=partial[2]
        )
        for written, final in zip(partial, (contacts, interactions, campaigns), strict=True):
            written.rename(final)
        print(
            f"  wrote the demo CSVs of {count:,} contacts in {time.perf_counter() - started:.0f} s",
            flush=True,
        )
    return contacts, interactions, campaigns


def is_current(dataset: Dataset) -> bool:
    """Whether the dataset was built completely, by the current models, and holds its contacts."""
    if not dataset.marker.exists():
        return False
    engine = dataset.engine()
    try:
        upgrade(engine)
        with engine.connect() as conn:
            # Not alembic's comparison alone: it reports PostgreSQL-only indexes missing on SQLite.
            if schema_differences(conn):
                return False
            held = conn.scalar(
                select(func.count())
                .select_from(Contact)
                .join(Workspace, Workspace.id == Contact.workspace_id)
                .where(Workspace.team_id == TEAM_ID)
            )
        return held == dataset.count
    finally:
        engine.dispose()


def build(dataset: Dataset, *, rebuild: bool = False) -> dict[str, Any]:
    """Build ``dataset`` through the CLI imports unless it is current; the import's figures.

    A complete dataset that no longer matches the models is dropped only with ``rebuild``: at 10M
    it took most of an hour to build, and a checkout in the middle of an edit must not cost that.
    """
    if is_current(dataset):
        figures: dict[str, Any] = json.loads(dataset.marker.read_text())
        return figures
    _refuse_to_drop(dataset, rebuild=rebuild)
    print(f"{dataset.label()}: building through the CSV imports", flush=True)
    _drop(dataset)
    contacts, interactions, campaigns = demo_files(dataset.count)
    engine = dataset.engine(statement_timeout=LOAD_TIMEOUT_S)
    upgrade(engine)
    figures = {"contacts": dataset.count, "load_average": os.getloadavg()[0]}
    for kind, path in (("contacts", contacts), ("campaigns", campaigns), ("interactions", interactions)):
        seconds, reported, peak_mib = _cli_import(dataset, kind, path)
        figures[f"{kind}_import"], figures[f"{kind}_import_process"] = reported, seconds
        figures[f"{kind}_import_peak_mib"] = peak_mib
        print(f"  {kind}: {seconds:.1f} s with the process's start, peak RSS {peak_mib:.0f} MiB", flush=True)
    factory = make_session_factory(engine)
    with unit_of_work(factory) as session:
        workspace_id = _workspace_id(session)
        if default_template(session, workspace_id) is None:
            set_default_template(session, workspace_id, "EMAIL")
    started = time.perf_counter()
    if dataset.backend == "postgresql":
        vacuum_after_load(engine)
    else:
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))
    figures["vacuum_analyze"] = time.perf_counter() - started
    figures["database_mb"] = _database_mb(engine, dataset)
    engine.dispose()
    dataset.marker.write_text(json.dumps(figures, indent=1))
    return figures


def build_from_copies(dataset: Dataset, source: Dataset, *, rebuild: bool = False) -> dict[str, Any]:
    """Build ``dataset`` from copies of ``source`` (a built dataset whose size divides it) in SQL.

    For when the import path is too slow for the time at hand: the k-th copy's contacts get ids and
    numbers shifted by k times the source's, so every copy is another set of companies with their
    persons, links, answers and interactions in the same proportions. The import is then not
    measured at this size (its figures stay those of the source, scaled).
    """
    copies, rest = divmod(dataset.count, source.count)
    if rest or copies < 2 or source.backend != "postgresql" or dataset.backend != "postgresql":
        sys.exit("--copies-of: a PostgreSQL dataset whose size is a multiple of the source's")
    if is_current(dataset):
        figures: dict[str, Any] = json.loads(dataset.marker.read_text())
        return figures
    _refuse_to_drop(dataset, rebuild=rebuild)
    source_figures = build(source, rebuild=rebuild)
    print(f"{dataset.label()}: building from {copies} copies of {source.label()}", flush=True)
    _drop(dataset)
    engine = dataset.engine(statement_timeout=LOAD_TIMEOUT_S)
    upgrade(engine)
    started = time.perf_counter()
    src = source.schema
    copied = ("contacts", "interaction_log_entries", *_LINK_TABLES)
    with engine.begin() as conn:
        # The copies are of checked rows: no foreign-key trigger per row (as the import does, superuser only).
        conn.execute(text("SET LOCAL session_replication_role = replica"))
        conn.execute(text("SET LOCAL maintenance_work_mem = '512MB'"))
        # Secondary indexes are built once at the end, not maintained row by row (keys and unique
        # constraints stay, so a wrong copy still fails).
        secondary = conn.execute(
            text(
                "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.schemaname = :schema "
                "AND i.tablename = ANY(:tables) AND NOT EXISTS (SELECT 1 FROM pg_constraint c "
                "WHERE c.conname = i.indexname AND c.connamespace = to_regnamespace(:schema))"
            ),
            {"schema": dataset.schema, "tables": list(copied)},
        ).all()
        for name, _ in secondary:
            conn.execute(text(f'DROP INDEX "{name}"'))
        shift = int(conn.scalar(text(f'SELECT max(id) FROM "{src}".contacts')) or 0)
        entries = int(conn.scalar(text(f'SELECT max(id) FROM "{src}".interaction_log_entries')) or 0)
        for table in Base.metadata.sorted_tables:
            if table.name not in copied:
                conn.execute(text(f'INSERT INTO "{table.name}" SELECT * FROM "{src}"."{table.name}"'))
        for k in range(copies):
            for name in copied:
                names = [c.name for c in Base.metadata.tables[name].columns]
                values = [_copied_value(name, column, k * shift, k * entries) for column in names]
                select_copy = f'SELECT {", ".join(values)} FROM "{src}"."{name}"'
                conn.execute(text(f'INSERT INTO "{name}" ({", ".join(names)}) {select_copy}'))
            print(f"  copy {k + 1} of {copies} ({time.perf_counter() - started:.0f} s)", flush=True)
        for name, definition in secondary:
            conn.execute(text(definition))
            print(f"  {name} built ({time.perf_counter() - started:.0f} s)", flush=True)
        for name in ("contacts", "interaction_log_entries"):
            conn.execute(
                text(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), (SELECT max(id) FROM {name}))")
            )
    vacuum_after_load(engine)
    figures = {
        "contacts": dataset.count,
        "copies_of": source.count,
        "copy_seconds": time.perf_counter() - started,
        "load_average": os.getloadavg()[0],
        "database_mb": _database_mb(engine, dataset),
        "source": source_figures,
    }
    engine.dispose()
    dataset.marker.write_text(json.dumps(figures, indent=1))
    return figures


def _copied_value(table: str, column: str, shift: int, entries: int) -> str:
    """The SQL of ``column`` in a copy whose contacts are shifted by ``shift``, its entries by ``entries``."""
    if table == "interaction_log_entries" and column == "id":
        return f"id + {entries}"
    if column in ("id", "contact_id", "company_id"):
        return f"{column} + {shift}"
    if column in ("no", "company_no"):
        return _shifted_number(column, shift)
    return column


_DEMO_PREFIX = "CT"


def _shifted_number(column: str, by: int) -> str:
    number = f"(substr({column}, 3)::bigint + {by})::text"
    return f"'{_DEMO_PREFIX}' || lpad({number}, greatest(6, length({number})), '0')"


_LINK_TABLES = (
    "contact_industry_groups",
    "contact_business_relations",
    "contact_mailing_groups",
    "contact_job_responsibilities",
    "contact_profile_answers",
)


def _refuse_to_drop(dataset: Dataset, *, rebuild: bool) -> None:
    # The marker lives in this checkout's bench/.cache, the schema on the server: a fresh checkout
    # (or another worktree) sees a schema with contacts and no marker, and must not drop it either.
    if (dataset.marker.exists() or _holds_contacts(dataset)) and not rebuild:
        sys.exit(
            f"{dataset.label()}: the kept dataset differs from the models, holds other contacts, or "
            "was built by another checkout (no build record in bench/.cache); run again with "
            "--rebuild to drop and build it again"
        )


def _holds_contacts(dataset: Dataset) -> bool:
    if dataset.backend == "sqlite":
        return (CACHE / f"curve_{dataset.count}.db").exists()
    admin = make_engine(_postgres_url())
    try:
        with admin.connect() as conn:
            table = conn.scalar(text("SELECT to_regclass(:name)"), {"name": f'"{dataset.schema}".contacts'})
            return table is not None and bool(
                conn.scalar(text(f'SELECT EXISTS (SELECT 1 FROM "{dataset.schema}".contacts)'))
            )
    finally:
        admin.dispose()


def _cli_import(dataset: Dataset, kind: str, path: Path) -> tuple[float, float, float]:
    """Seconds of ``segbot <kind> import`` in a process of its own, the seconds the command reports
    for its unit of work (without the interpreter's start), and the process's peak RSS (MiB)."""
    command = [str(Path(sys.executable).with_name("segbot")), kind, "import", str(path), "--team", TEAM_ID]
    env = {**os.environ, "DATABASE_URL": dataset.url, "SEGBOT_STATEMENT_TIMEOUT": str(LOAD_TIMEOUT_S)}
    started = time.perf_counter()
    child = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, text=True)
    said = child.stdout.read() if child.stdout else ""
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    print(said, end="", flush=True)
    if child.returncode != 0:
        sys.exit(f"{dataset.label()}: {kind} import failed (exit {child.returncode})")
    reported = re.findall(r" in ([0-9.]+) s", said)
    # The kernel counts this process's own peak (under 100 MiB when building) into the child's
    # ru_maxrss (bench/memory.py), so the figure is an upper bound, close for a large import.
    return seconds, float(reported[-1]) if reported else math.nan, usage.ru_maxrss / 1024


def _drop(dataset: Dataset) -> None:
    dataset.marker.unlink(missing_ok=True)
    sqlite_file = CACHE / f"curve_{dataset.count}.db" if dataset.backend == "sqlite" else None
    drop_dataset(_postgres_url(), dataset.schema, sqlite_file, recreate=True)


def _database_mb(engine: Engine, dataset: Dataset) -> float:
    if dataset.backend == "sqlite":
        return (CACHE / f"curve_{dataset.count}.db").stat().st_size / 1e6
    with engine.connect() as conn:
        size = conn.scalar(
            text(
                "SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c "
                "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = :schema AND c.relkind = 'r'"
            ),
            {"schema": dataset.schema},
        )
    return float(size or 0) / 1e6


def _workspace_id(session: Session) -> int:
    return int(session.execute(select(Workspace.id).where(Workspace.team_id == TEAM_ID)).scalar_one())


# --- measuring ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sitting:
    """What every operation of one dataset needs: its sessions, its workspace and the criteria."""

    dataset: Dataset
    factory: sessionmaker[Session]
    workspace_id: int
    runs: int
    selective: Expr
    selective_params: dict[str, Any]
    broad: Expr
    broad_codes: tuple[str, ...]
    add_code: str


HAND_WRITTEN_BROAD = text(
    """
SELECT count(*) FROM contacts c
WHERE c.workspace_id = :ws AND NOT c.exclude_from_segment
  AND EXISTS (SELECT 1 FROM contact_industry_groups g WHERE g.contact_id = c.company_id AND g.code IN :codes)
"""
).bindparams(bindparam("codes", expanding=True))

Figures = dict[str, dict[str, float]]


def open_sitting(dataset: Dataset, runs: int) -> Sitting:
    """Pick the criteria of each operation from the data, as ``make bench`` does."""
    from bench.run import industry_sizes

    factory = make_session_factory(dataset.engine())
    with factory() as session:
        workspace_id = _workspace_id(session)
        industry, country_a, country_b = preview_terms(session, workspace_id)
        sizes = industry_sizes(session, workspace_id)
        add_code, _ = industry_nearest(session, workspace_id, round(dataset.count * ADD_SHARE))
    # The commonest industries, one by one, until about a fifth of the contacts.
    broad_codes: list[str] = []
    reached = 0
    for code, size in sizes:
        if reached >= dataset.count * BROAD_SHARE:
            break
        broad_codes.append(code)
        reached += size
    return Sitting(
        dataset=dataset,
        factory=factory,
        workspace_id=workspace_id,
        runs=runs,
        selective=And(
            (
                Match("industry", (Text(industry),)),
                Match("country", (Text(country_a), Text(country_b))),
                Match("profile.rating", (Text("A"),)),
            )
        ),
        selective_params={
            "ws": workspace_id,
            "industry": industry,
            "country_a": country_a,
            "country_b": country_b,
        },
        broad=Match("industry", tuple(Text(code) for code in broad_codes)),
        broad_codes=tuple(broad_codes),
        add_code=add_code,
    )


def median_of(operation: Callable[[], _T], runs: int, *, warm_up: bool = True) -> tuple[float, _T]:
    """Median seconds of ``runs`` calls (after one untimed call, as a running bot has warm caches),
    and what the last call returned."""
    if warm_up:
        operation()
    times = []
    for _ in range(max(1, runs)):
        started = time.perf_counter()
        result = operation()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def _hand_count(sitting: Sitting, statement: Any, params: dict[str, Any]) -> Callable[[], int]:
    def count() -> int:
        with sitting.factory() as session:
            return int(session.execute(statement, params).scalar_one())

    return count


def _read(
    sitting: Sitting, service: Callable[[], int], hand: Callable[[], int], what: str
) -> dict[str, float]:
    # Alternating would spread a neighbour's burst over both; the medians of one sitting suffice.
    seconds, rows = median_of(service, sitting.runs)
    floor, expected = median_of(hand, sitting.runs)
    if rows != expected:
        sys.exit(f"{what}: the service counted {rows:,}, the hand-written SQL {expected:,}")
    return {"seconds": seconds, "hand": floor, "rows": rows}


def measure_previews(sitting: Sitting, *, broad: bool) -> Figures:
    """The preview of an Add on an empty segment, beside the same count as hand-written SQL."""
    criteria = sitting.broad if broad else sitting.selective
    with unit_of_work(sitting.factory) as session:
        segment_no = create_segment(
            session, sitting.workspace_id, description="curve preview", owner_user_id=USER
        ).no

    def preview() -> int:
        # A first preview of these criteria: a repeat within minutes is answered from the shared
        # result (docs/performance.md, "Shared previews") and would time nothing.
        forget_shared_previews()
        with sitting.factory() as session:
            made = preview_action(
                session, sitting.workspace_id, segment_no, "add", criteria=criteria, user_id=USER
            )
            session.rollback()
        return made.added

    hand = (
        _hand_count(
            sitting, HAND_WRITTEN_BROAD, {"ws": sitting.workspace_id, "codes": list(sitting.broad_codes)}
        )
        if broad
        else _hand_count(sitting, text(HAND_WRITTEN_COUNT), sitting.selective_params)
    )
    try:
        return {f"preview {'broad' if broad else 'selective'}": _read(sitting, preview, hand, "preview")}
    finally:
        with unit_of_work(sitting.factory) as session:
            delete_segment(session, sitting.workspace_id, segment_no, user_id=USER, is_admin=True)


def measure_builder(sitting: Sitting) -> Figures:
    """The builder's live count of both criteria, beside the same hand-written counts."""
    today = date.today()
    figures: Figures = {}
    for name, criteria, hand in (
        (
            "selective",
            sitting.selective,
            _hand_count(sitting, text(HAND_WRITTEN_COUNT), sitting.selective_params),
        ),
        (
            "broad",
            sitting.broad,
            _hand_count(
                sitting, HAND_WRITTEN_BROAD, {"ws": sitting.workspace_id, "codes": list(sitting.broad_codes)}
            ),
        ),
    ):

        def count(criteria: Expr = criteria) -> int:
            with sitting.factory() as session:
                return matches.count_matches(
                    session, sitting.workspace_id, criteria, ActionOptions(), today=today
                ).total

        figures[f"builder count {name}"] = _read(sitting, count, hand, "builder count")
    return figures


def _add_criteria(sitting: Sitting) -> Expr:
    return Match("industry", (Text(sitting.add_code),))


def measure_changes(sitting: Sitting, ops: set[str]) -> Figures:
    """Apply, refresh and undo of the tenth-of-the-contacts Add, ``runs`` times on a new segment each."""
    applied, refreshed, undone, sizes = [], [], [], []
    for _ in range(sitting.runs):
        with unit_of_work(sitting.factory) as session:
            segment_no = create_segment(
                session, sitting.workspace_id, description="curve add", owner_user_id=USER
            ).no
        try:
            applied.append(
                _timed_uow(
                    sitting,
                    lambda s, no=segment_no: apply_action(
                        s, sitting.workspace_id, no, "add", criteria=_add_criteria(sitting), user_id=USER
                    ),
                )
            )
            refreshed.append(
                _timed_uow(
                    sitting,
                    lambda s, no=segment_no: refresh_segment(s, sitting.workspace_id, no, user_id=USER),
                )
            )
            with sitting.factory() as session:
                sizes.append(segment_size(session, sitting.workspace_id, segment_no))
            undone.append(
                _timed_uow(
                    sitting, lambda s, no=segment_no: undo_last(s, sitting.workspace_id, no, user_id=USER)
                )
            )
        finally:
            with unit_of_work(sitting.factory) as session:
                delete_segment(session, sitting.workspace_id, segment_no, user_id=USER, is_admin=True)
    figures: Figures = {}
    for op, name, times in (
        ("apply", "apply Add", applied),
        ("refresh", "refresh", refreshed),
        ("undo", "undo Add", undone),
    ):
        if op in ops:
            figures[name] = {"seconds": statistics.median(times), "rows": sizes[0]}
    return figures


def _timed_uow(sitting: Sitting, action: Callable[[Session], Any]) -> float:
    started = time.perf_counter()
    with unit_of_work(sitting.factory) as session:
        action(session)
    return time.perf_counter() - started


@contextmanager
def _added_segment(sitting: Sitting) -> Iterator[tuple[str, int]]:
    """A segment holding the tenth-of-the-contacts Add, deleted afterwards: its number and id."""
    with unit_of_work(sitting.factory) as session:
        segment_no = create_segment(
            session, sitting.workspace_id, description="curve breakdown", owner_user_id=USER
        ).no
        apply_action(
            session, sitting.workspace_id, segment_no, "add", criteria=_add_criteria(sitting), user_id=USER
        )
        segment_id = session.execute(
            select(Segment.id).where(Segment.workspace_id == sitting.workspace_id, Segment.no == segment_no)
        ).scalar_one()
    if sitting.dataset.backend == "postgresql":
        # As autovacuum would after a large insert; the server here runs without it.
        with sitting.factory.kw["bind"].connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM (ANALYZE) segment_lines")
    try:
        yield segment_no, segment_id
    finally:
        with unit_of_work(sitting.factory) as session:
            delete_segment(session, sitting.workspace_id, segment_no, user_id=USER, is_admin=True)


def measure_breakdowns(sitting: Sitting, segment_no: str, segment_id: int) -> Figures:
    """Each breakdown of the segment through the service, beside its plain GROUP BY."""
    figures: Figures = {}
    for field in HAND_WRITTEN_BREAKDOWNS:
        sql = hand_written_breakdown(field, sitting.dataset.backend)

        def service(field: str = field) -> int:
            with sitting.factory() as session:
                found = breakdown_segment(session, sitting.workspace_id, segment_no, field)
            return sum(row.count for row in found.rows) + found.other + found.none

        def hand(sql: str = sql) -> int:
            with sitting.factory() as session:
                rows = session.execute(text(sql), {"seg": segment_id, "ws": sitting.workspace_id}).all()
            return sum(int(n) for _, n in rows)

        figures[f"breakdown by {field}"] = _read(sitting, service, hand, f"breakdown by {field}")
    return figures


def measure_export(sitting: Sitting, segment_no: str) -> Figures:
    """``/segment export`` of the segment in a process of its own, so its peak RSS is the export's."""
    dataset = sitting.dataset
    command = [sys.executable, "-m", "bench.curve", "--export-child", segment_no]
    command += ["--backends", dataset.backend, "--counts", str(dataset.count)]
    done = subprocess.run(command, check=True, capture_output=True, text=True)
    found = json.loads(done.stdout.strip().splitlines()[-1])
    return {"export": {"seconds": found["seconds"], "rows": found["rows"], "peak_mib": found["peak_mib"]}}


def _export_child(dataset: Dataset, segment_no: str) -> None:
    from bench.export_bench import export_figures

    engine = dataset.engine()
    print(json.dumps(export_figures(engine, TEAM_ID, segment_no, today=date.today())))


def measure_live(sitting: Sitting) -> Figures:
    """Live segments over all contacts, a 10,000-row import, the time to the last post (live_bench)."""
    from bench.live_bench import run_live

    engine = sitting.factory.kw["bind"]
    found = run_live(engine, sitting.dataset.url, sitting.workspace_id, TEAM_ID, segments=20, rows=10_000)
    with unit_of_work(sitting.factory) as session:
        for info in list_segments(session, sitting.workspace_id):
            delete_segment(session, sitting.workspace_id, info.no, user_id=info.owner_user_id, is_admin=True)
    return {
        "live: import of 10,000 rows": {"seconds": found["import_seconds"]},
        "live: commit to last post": {"seconds": found["posted_seconds"], "rows": found["segments"]},
    }


def import_figures(dataset: Dataset, built: dict[str, Any]) -> Figures:
    return {
        "import contacts": {
            "seconds": built["contacts_import"],
            "rows": dataset.count,
            "peak_mib": built["contacts_import_peak_mib"],
        },
        "import interactions": {
            "seconds": built["interactions_import"],
            "peak_mib": built["interactions_import_peak_mib"],
        },
    }


def measure(dataset: Dataset, ops: list[str], runs: int, *, rebuild: bool = False) -> dict[str, Figures]:
    """Build (or reuse) the dataset and measure ``ops`` on it; figures per operation."""
    built = build(dataset, rebuild=rebuild)
    wanted = set(ops)
    results: dict[str, Figures] = {}
    if "import" in wanted and "copies_of" in built:
        print(f"  {dataset.label()}: built from copies, its import was not measured", flush=True)
    elif "import" in wanted:
        results["import"] = import_figures(dataset, built)
    if not wanted - {"import"}:
        return results
    engine = dataset.engine()
    if dataset.backend == "postgresql":
        # Cheap when nothing changed; after a load it sets the visibility map the covering indexes need.
        vacuum_after_load(engine)
        _warn_of_old_transactions(engine)
    vacuum_set_tables(engine)
    engine.dispose()
    sitting = open_sitting(dataset, runs)
    steps: list[tuple[str, Callable[[], Figures]]] = [
        ("preview", lambda: measure_previews(sitting, broad=False)),
        ("broad", lambda: measure_previews(sitting, broad=True)),
        ("builder", lambda: measure_builder(sitting)),
    ]
    for op, step in steps:
        if op in wanted:
            print(f"  {dataset.label()}: {op}", flush=True)
            results[op] = step()
    if wanted & {"apply", "refresh", "undo"}:
        print(f"  {dataset.label()}: apply, refresh, undo", flush=True)
        for name, figures in measure_changes(sitting, wanted).items():
            op = {"apply Add": "apply", "undo Add": "undo"}.get(name, name)
            results[op] = {name: figures}
    if wanted & {"breakdown", "export"}:
        with _added_segment(sitting) as (segment_no, segment_id):
            if "breakdown" in wanted:
                print(f"  {dataset.label()}: breakdown", flush=True)
                results["breakdown"] = measure_breakdowns(sitting, segment_no, segment_id)
            if "export" in wanted:
                print(f"  {dataset.label()}: export", flush=True)
                results["export"] = measure_export(sitting, segment_no)
    if "live" in wanted:
        if dataset.backend == "postgresql":
            print(f"  {dataset.label()}: live", flush=True)
            results["live"] = measure_live(sitting)
        else:
            print(
                "  live refresh is measured on PostgreSQL only (the scheduler's leadership lock)", flush=True
            )
    sitting.factory.kw["bind"].dispose()
    return results


def _warn_of_old_transactions(engine: Engine) -> None:
    """Say so when another session's open transaction keeps VACUUM from marking rows all-visible.

    Rows written after that transaction began stay "maybe visible" to it, so index-only scans of
    the covering indexes visit the table for every row, and counts run at a fraction of their speed
    (a long import in another schema of the same database is enough).
    """
    with engine.connect() as conn:
        holders = conn.execute(
            text(
                "SELECT pid, now() - xact_start FROM pg_stat_activity WHERE backend_xmin IS NOT NULL "
                "AND pid <> pg_backend_pid() AND xact_start < now() - interval '1 minute' ORDER BY xact_start"
            )
        ).all()
    for pid, age in holders:
        print(
            f"  warning: pid {pid}'s transaction, open for {age}, keeps rows written since unvacuumable",
            flush=True,
        )


# --- the table ---------------------------------------------------------------------------------------


def growth_exponent(n1: int, t1: float, n2: int, t2: float) -> float:
    """How cost grows between two sizes: t ~ n**k, k = log(t2/t1) / log(n2/n1); 1 is linear."""
    if n1 <= 0 or n2 <= 0 or n1 == n2 or t1 <= 0 or t2 <= 0:
        return math.nan
    return math.log(t2 / t1) / math.log(n2 / n1)


def _cell(figures: dict[str, float] | None) -> str:
    if not figures:
        return "-"
    seconds = figures["seconds"]
    shown = f"{seconds:.3f} s" if seconds < 10 else f"{seconds:.1f} s"
    extras = []
    if "hand" in figures:
        ratio = seconds / figures["hand"] if figures["hand"] > 0 else math.nan
        flag = " !" if ratio > FAR_FROM_FLOOR else ""
        extras.append(f"SQL {figures['hand']:.3f} s, {ratio:.2f}x{flag}")
    if "peak_mib" in figures:
        extras.append(f"{figures['peak_mib']:.0f} MiB")
    if "rows" in figures:
        extras.append(f"{int(figures['rows']):,}")
    return shown + (f" ({'; '.join(extras)})" if extras else "")


def _growth_cell(k: float) -> str:
    if math.isnan(k):
        return "-"
    return f"{k:.2f}" + (" super-linear" if k > SUPER_LINEAR else "")


def format_table(backend: str, by_count: dict[int, dict[str, Any]]) -> str:
    """One backend's curve: a row per measured figure, a column per size, then the growth exponents.

    ``by_count`` maps a size to ``{"ops": {op: {figure: {...}}}, "load": {op: load average}}``.
    """
    counts = sorted(by_count)
    names: list[str] = []
    for op in OPERATIONS:
        for count in counts:
            for name in by_count[count].get("ops", {}).get(op, {}):
                if name not in names:
                    names.append(name)

    def figures_of(count: int, name: str) -> dict[str, float] | None:
        for figures in by_count[count].get("ops", {}).values():
            if name in figures:
                found: dict[str, float] = figures[name]
                return found
        return None

    header = ["operation", *(f"{count:,}" for count in counts)]
    header += [f"growth {_short(a)}->{_short(b)}" for a, b in itertools.pairwise(counts)]
    body = []
    for name in names:
        row = [name, *(_cell(figures_of(count, name)) for count in counts)]
        for a, b in itertools.pairwise(counts):
            fa, fb = figures_of(a, name), figures_of(b, name)
            k = growth_exponent(a, fa["seconds"], b, fb["seconds"]) if fa and fb else math.nan
            row.append(_growth_cell(k))
        body.append(row)
    loads = ["load average", *(_loads(by_count[count]) for count in counts)]
    loads += [""] * (len(header) - len(loads))
    body.append(loads)
    widths = [max(len(row[i]) for row in [header, *body]) for i in range(len(header))]
    # A Markdown table, so docs/performance.md takes it as printed.
    lines = [
        "| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |"
        for row in [header, *body]
    ]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    title = "SQLite" if backend == "sqlite" else "PostgreSQL"
    return (
        f"{title}: median of each set of runs; '!' marks more than {FAR_FROM_FLOOR}x the hand-written SQL\n\n"
        + "\n".join(lines)
    )


def _short(count: int) -> str:
    return f"{count // 1_000_000}M" if count % 1_000_000 == 0 else f"{count:,}"


def _loads(entry: dict[str, Any]) -> str:
    values = [float(v) for v in entry.get("load", {}).values()]
    if not values:
        return "-"
    return f"{min(values):.1f}" if min(values) == max(values) else f"{min(values):.1f}-{max(values):.1f}"


def load_results() -> dict[str, Any]:
    if RESULTS.exists():
        loaded: dict[str, Any] = json.loads(RESULTS.read_text())
        return loaded
    return {}


def merge_results(results: dict[str, Any], dataset: Dataset, found: dict[str, Figures], load: float) -> None:
    """Replace the figures of the operations just measured, keeping the others of earlier runs."""
    entry = results.setdefault(dataset.backend, {}).setdefault(str(dataset.count), {"ops": {}, "load": {}})
    for op, figures in found.items():
        entry["ops"][op] = figures
        entry["load"][op] = load


def print_tables(results: dict[str, Any]) -> None:
    for backend, sizes in results.items():
        print()
        print(format_table(backend, {int(count): entry for count, entry in sizes.items()}))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--counts", default=",".join(str(n) for n in DEFAULT_COUNTS))
    parser.add_argument("--backends", default="postgresql,sqlite")
    parser.add_argument("--ops", default=",".join(OPERATIONS))
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--build", action="store_true", help="build (or check) the datasets, measure nothing")
    parser.add_argument("--rebuild", action="store_true", help="drop and rebuild datasets the models outgrew")
    parser.add_argument("--print", action="store_true", help="print the tables of bench/.cache/curve.json")
    parser.add_argument(
        "--copies-of",
        type=int,
        metavar="N",
        help="build larger PostgreSQL datasets from copies of the N-contact one, in SQL (quicker)",
    )
    parser.add_argument("--export-child", metavar="SEG", help=argparse.SUPPRESS)
    args = parser.parse_args()
    counts = [int(n.replace("_", "")) for n in args.counts.split(",")]
    backends = args.backends.split(",")
    ops = [op for op in args.ops.split(",") if op]
    unknown = sorted(set(ops) - set(OPERATIONS))
    if unknown:
        sys.exit(f"unknown operations: {', '.join(unknown)}; known: {', '.join(OPERATIONS)}")
    if args.export_child:
        _export_child(Dataset(backends[0], counts[0]), args.export_child)
        return
    if args.print:
        print_tables(load_results())
        return
    for backend in backends:
        for count in counts:
            dataset = Dataset(backend, count)
            if backend == "sqlite" and count > SQLITE_LARGEST:
                print(f"{dataset.label()}: skipped, SQLite is measured up to {SQLITE_LARGEST:,} contacts")
                continue
            if args.copies_of and backend == "postgresql" and count > args.copies_of:
                build_from_copies(dataset, Dataset(backend, args.copies_of), rebuild=args.rebuild)
            if args.build:
                print(f"{dataset.label()}: {build(dataset, rebuild=args.rebuild)}")
                continue
            found = measure(dataset, ops, args.runs, rebuild=args.rebuild)
            results = load_results()
            merge_results(results, dataset, found, os.getloadavg()[0])
            CACHE.mkdir(exist_ok=True)
            RESULTS.write_text(json.dumps(results, indent=1))
    if not args.build:
        print_tables(load_results())


if __name__ == "__main__":
    main()
