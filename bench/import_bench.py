"""How long importing a 1,000,000-row contacts CSV takes, into a fresh SQLite file and a fresh
PostgreSQL schema, the way ``segbot contacts import`` does it (one transaction, commit included).

The CSV comes from the demo generator (companies with their persons, classifications, profile
answers) and is cached under ``bench/.cache/`` so reruns measure only the import.

    python -m bench.import_bench [--count 1000000] [--backends sqlite,postgresql]
    BENCH_DATABASE_URL=postgresql+psycopg://user@host/db python -m bench.import_bench
"""

from __future__ import annotations

import argparse
import os
import resource
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session

from storage.contacts_import import import_contacts
from storage.db import make_engine, make_session_factory, unit_of_work
from storage.demo import write_demo_csv
from storage.migrate import upgrade
from storage.models import Contact, ContactProfileAnswer, Workspace

CACHE = Path(__file__).parent / ".cache"
# A million-row import is one statement per step; the bot's default bound is for interactive work.
LOAD_STATEMENT_TIMEOUT = 3600.0
POSTGRESQL_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
# A fixed "today", so the cached file is the same whenever it is generated.
DEMO_TODAY = date(2026, 1, 1)


def demo_csv(count: int) -> Path:
    """The cached demo contacts CSV of ``count`` rows, written on first use."""
    path = CACHE / f"contacts-{count}.csv"
    if not path.exists():
        CACHE.mkdir(exist_ok=True)
        started = time.perf_counter()
        partial = path.with_suffix(".partial")
        write_demo_csv(partial, count=count, seed=1, today=DEMO_TODAY)
        partial.rename(path)
        print(f"wrote {path} ({path.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - started:.1f} s")
    return path


@contextmanager
def fresh_database(backend: str) -> Iterator[Engine]:
    """An empty, migrated database: a new SQLite file, or a new PostgreSQL schema dropped afterwards."""
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
    schema = f"import_bench_{uuid.uuid4().hex[:8]}"
    admin = make_engine(url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = make_engine(url, schema=schema, statement_timeout=LOAD_STATEMENT_TIMEOUT)
    try:
        upgrade(engine)
        yield engine
    finally:
        engine.dispose()
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


def measure(backend: str, path: Path) -> tuple[float, int, int, float, float]:
    """Seconds to import ``path`` (commit included), contacts and answers stored, and the CPU seconds
    used by this process and by the PostgreSQL backend."""
    with fresh_database(backend) as engine:
        factory = make_session_factory(engine)
        cpu = time.process_time()
        started = time.perf_counter()
        with unit_of_work(factory) as session:
            server = server_cpu_seconds(session) if backend == "postgresql" else 0.0
            workspace = Workspace(team_id="TBENCH", name="bench")
            session.add(workspace)
            session.flush()
            import_contacts(session, workspace.id, path)
            session.flush()
            server = server_cpu_seconds(session) - server if backend == "postgresql" else 0.0
        seconds = time.perf_counter() - started
        cpu = time.process_time() - cpu
        with factory() as session:
            contacts = session.scalar(select(func.count()).select_from(Contact)) or 0
            answers = session.scalar(select(func.count()).select_from(ContactProfileAnswer)) or 0
    return seconds, contacts, answers, cpu, server


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--backends", default="sqlite,postgresql")
    args = parser.parse_args()
    path = demo_csv(args.count)
    rows = []
    for backend in args.backends.split(","):
        seconds, contacts, answers, cpu, server = measure(backend, path)
        rows.append((backend, contacts, answers, seconds, contacts / seconds, cpu, server))
        print(f"{backend}: {contacts} contacts in {seconds:.1f} s", flush=True)
    load = os.getloadavg()[0]
    print()
    print(
        f"{'backend':<12}{'contacts':>10}{'answers':>10}{'seconds':>10}{'rows/s':>10}"
        f"{'client cpu s':>14}{'server cpu s':>14}"
    )
    for backend, contacts, answers, seconds, rate, cpu, server in rows:
        print(
            f"{backend:<12}{contacts:>10}{answers:>10}{seconds:>10.1f}{rate:>10.0f}{cpu:>14.1f}"
            + (f"{server:>14.1f}" if backend == "postgresql" else f"{'-':>14}")
        )
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    size_mb = path.stat().st_size / 1e6
    print(f"\nfile: {path.name} ({size_mb:.0f} MB); peak RSS {peak_mib:.0f} MiB; load average {load:.1f}")


if __name__ == "__main__":
    main()
