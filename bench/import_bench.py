"""How long importing a 1,000,000-row contacts CSV takes, into a fresh SQLite file and a fresh
PostgreSQL schema, the way ``segbot contacts import`` does it (one transaction, commit included).

The CSV comes from the demo generator (companies with their persons, classifications, profile
answers, and the interactions and campaigns files beside it) and is cached under ``bench/.cache/``
so reruns measure only the import. Above a million rows the file is the million-row file repeated,
numbered on: the generator writes a few thousand rows a second, an hour for ten million.

    python -m bench.import_bench [--count 1000000] [--backends sqlite,postgresql]
    python -m bench.import_bench --count 10000000 --backends postgresql --keep-schema segbot_writes_10m
    BENCH_DATABASE_URL=postgresql+psycopg://user@host/db python -m bench.import_bench

``--keep-schema NAME`` imports into that PostgreSQL schema (created if missing, never dropped), then
imports the campaigns and interactions too and vacuums, so other benchmarks can measure on it.
"""

from __future__ import annotations

import argparse
import os
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session

from bench.housekeeping import vacuum_after_load
from bench.memory import peak_rss_mib
from storage.campaigns_import import import_campaigns
from storage.contacts_import import import_contacts
from storage.db import make_engine, make_session_factory, unit_of_work
from storage.demo import DEMO_PREFIX, write_demo_csv
from storage.interactions_import import import_interactions
from storage.migrate import upgrade
from storage.models import Contact, ContactProfileAnswer, Workspace

CACHE = Path(__file__).parent / ".cache"
# A million-row import is one statement per step; the bot's default bound is for interactive work.
LOAD_STATEMENT_TIMEOUT = 3600.0
POSTGRESQL_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
# A fixed "today", so the cached file is the same whenever it is generated.
DEMO_TODAY = date(2026, 1, 1)


# Files above this many rows repeat the file of this many.
BLOCK = 1_000_000


@dataclass(frozen=True)
class DemoFiles:
    """A demo contacts CSV with its interactions and the campaigns those name."""

    contacts: Path
    interactions: Path
    campaigns: Path


def demo_files(count: int) -> DemoFiles:
    """The cached demo files of ``count`` contacts, written on first use."""
    files = DemoFiles(
        contacts=CACHE / f"contacts-{count}.csv",
        interactions=CACHE / f"interactions-{count}.csv",
        campaigns=CACHE / f"campaigns-{count}.csv",
    )
    if all(path.exists() for path in (files.contacts, files.interactions, files.campaigns)):
        return files
    CACHE.mkdir(exist_ok=True)
    started = time.perf_counter()
    if count > BLOCK:
        if count % BLOCK:
            raise SystemExit(f"--count above {BLOCK:,} must be a multiple of it")
        _repeat(demo_files(BLOCK), files, times=count // BLOCK)
    else:
        partial = files.contacts.with_suffix(".partial")
        write_demo_csv(
            partial,
            count=count,
            seed=1,
            today=DEMO_TODAY,
            interactions=files.interactions,
            campaigns=files.campaigns,
        )
        partial.rename(files.contacts)
    size = files.contacts.stat().st_size / 1e6
    print(f"wrote {files.contacts} ({size:.0f} MB) in {time.perf_counter() - started:.1f} s", flush=True)
    return files


def demo_csv(count: int) -> Path:
    """The cached demo contacts CSV of ``count`` rows, written on first use."""
    return demo_files(count).contacts


def _repeat(block: DemoFiles, files: DemoFiles, *, times: int) -> None:
    """Write ``block`` ``times`` over, each copy's contact numbers moved on by the block's size."""
    size = sum(1 for _ in block.contacts.open(encoding="utf-8")) - 1
    for source, target, number_columns in (
        (block.contacts, files.contacts, ("no", "company_no")),
        (block.interactions, files.interactions, ("contact_no",)),
    ):
        partial = target.with_suffix(".partial")
        with partial.open("w", encoding="utf-8") as out:
            for copy in range(times):
                with source.open(encoding="utf-8") as rows:
                    header = next(rows)
                    if copy == 0:
                        out.write(header)
                    names = header.rstrip("\n").split(",")
                    columns = [names.index(name) for name in number_columns]
                    # The demo files quote nothing, so a plain split finds the columns.
                    for line in rows:
                        record = line.split(",")
                        for index in columns:
                            if record[index]:
                                number = int(record[index][len(DEMO_PREFIX) :]) + copy * size
                                record[index] = f"{DEMO_PREFIX}{number:06d}"
                        out.write(",".join(record))
        partial.rename(target)
    files.campaigns.write_bytes(block.campaigns.read_bytes())


@contextmanager
def fresh_database(backend: str, *, keep_schema: str | None = None) -> Iterator[Engine]:
    """An empty, migrated database: a new SQLite file, or a new PostgreSQL schema dropped afterwards
    (``keep_schema``: that schema, created empty and kept)."""
    if backend == "sqlite":
        path = CACHE / "import_bench.db"
        for leftover in CACHE.glob("import_bench.db*"):
            leftover.unlink()
        engine = make_engine(f"sqlite:///{path}", statement_timeout=LOAD_STATEMENT_TIMEOUT)
        upgrade(engine)
        try:
            yield engine
        finally:
            engine.dispose()
            for leftover in CACHE.glob("import_bench.db*"):
                leftover.unlink()
        return
    url = os.environ.get("BENCH_DATABASE_URL", POSTGRESQL_URL)
    schema = keep_schema or f"import_bench_{uuid.uuid4().hex[:8]}"
    admin = make_engine(url)
    with admin.begin() as connection:
        if keep_schema and connection.scalar(
            text("SELECT 1 FROM pg_namespace WHERE nspname = :name"), {"name": schema}
        ):
            raise SystemExit(f"schema {schema} exists; drop it first to load it again")
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = make_engine(url, schema=schema, statement_timeout=LOAD_STATEMENT_TIMEOUT)
    try:
        upgrade(engine)
        yield engine
    finally:
        engine.dispose()
        if not keep_schema:
            with admin.begin() as connection:
                connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def server_cpu_seconds(session: Session) -> float:
    """CPU seconds the PostgreSQL backend serving ``session`` has used, when it runs on this machine."""
    pid = session.scalar(text("SELECT pg_backend_pid()"))
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    # utime and stime, fields 14 and 15 of proc(5), counted from after the command name.
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class ImportFigures:
    """One import: seconds (commit included), rows stored, CPU seconds of this process and the server."""

    seconds: float
    contacts: int
    answers: int
    client_cpu: float
    server_cpu: float
    interactions: int = 0
    interaction_seconds: float = 0.0


def measure(
    backend: str, files: DemoFiles | Path, *, keep_schema: str | None = None, progress: bool = False
) -> ImportFigures:
    """Import the contacts file into a fresh database and time it; with ``keep_schema``, also its
    campaigns and interactions, and leave the schema vacuumed for other benchmarks.

    ``progress`` passes a callback like the command line's progress bar, to count its cost too.
    """
    path = files.contacts if isinstance(files, DemoFiles) else files
    calls = [0]

    def advance(_done: int, _total: int) -> None:
        calls[0] += 1

    with fresh_database(backend, keep_schema=keep_schema) as engine:
        factory = make_session_factory(engine)
        cpu = time.process_time()
        started = time.perf_counter()
        with unit_of_work(factory) as session:
            server = server_cpu_seconds(session) if backend == "postgresql" else 0.0
            workspace = Workspace(team_id="TBENCH", name="bench")
            session.add(workspace)
            session.flush()
            workspace_id = workspace.id
            import_contacts(session, workspace_id, path, progress=advance if progress else None)
            session.flush()
            server = server_cpu_seconds(session) - server if backend == "postgresql" else 0.0
        seconds = time.perf_counter() - started
        cpu = time.process_time() - cpu
        interactions, interaction_seconds = 0, 0.0
        if keep_schema and isinstance(files, DemoFiles):
            started = time.perf_counter()
            with unit_of_work(factory) as session:
                import_campaigns(session, workspace_id, files.campaigns)
            with unit_of_work(factory) as session:
                interactions = import_interactions(session, workspace_id, files.interactions)
            interaction_seconds = time.perf_counter() - started
            vacuum_after_load(engine)
        with factory() as session:
            contacts = session.scalar(select(func.count()).select_from(Contact)) or 0
            answers = session.scalar(select(func.count()).select_from(ContactProfileAnswer)) or 0
    if progress:
        print(f"progress callback called {calls[0]:,} times", flush=True)
    return ImportFigures(seconds, contacts, answers, cpu, server, interactions, interaction_seconds)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument(
        "--keep-schema", metavar="NAME", help="PostgreSQL: load into this new schema and keep it"
    )
    parser.add_argument(
        "--progress", action="store_true", help="report progress as the command line's bar does"
    )
    args = parser.parse_args()
    files = demo_files(args.count)
    rows = []
    for backend in args.backends.split(","):
        keep = args.keep_schema if backend == "postgresql" else None
        figures = measure(backend, files, keep_schema=keep, progress=args.progress)
        rows.append((backend, figures))
        print(f"{backend}: {figures.contacts} contacts in {figures.seconds:.1f} s", flush=True)
        if keep:
            print(
                f"{backend}: {figures.interactions} interactions (and campaigns) in "
                f"{figures.interaction_seconds:.1f} s; schema {keep} kept",
                flush=True,
            )
    load = os.getloadavg()
    print()
    print(
        f"{'backend':<12}{'contacts':>10}{'answers':>10}{'seconds':>10}{'rows/s':>10}"
        f"{'client cpu s':>14}{'server cpu s':>14}"
    )
    for backend, f in rows:
        print(
            f"{backend:<12}{f.contacts:>10}{f.answers:>10}{f.seconds:>10.1f}{f.contacts / f.seconds:>10.0f}"
            f"{f.client_cpu:>14.1f}" + (f"{f.server_cpu:>14.1f}" if backend == "postgresql" else f"{'-':>14}")
        )
    peak_mib = peak_rss_mib()
    size_mb = files.contacts.stat().st_size / 1e6
    print(
        f"\nfile: {files.contacts.name} ({size_mb:.0f} MB); peak RSS {peak_mib:.0f} MiB; "
        f"load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}"
    )


if __name__ == "__main__":
    main()
