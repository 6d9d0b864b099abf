"""Slack transport benchmark: ack latency and time to the first preview while commands run at once.

Starts the real HTTP app under waitress on loopback, in a process of its own as in production (so
the simulated users' threads do not share its interpreter lock), with a fake Slack, on a database
holding N demo contacts, and has ``--clients`` simulated users each type ``--per-client`` previews
(``/segment new "bench" <criteria>``) back to back. Reports the HTTP acknowledgement's latency
(Slack's 3 s limit; the target: p99 under 200 ms with 20 at once) and the time until the
preview reaches ``response_url`` (target: p95 under 2 s).

    python -m bench.slack_bench --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test \\
        --schema segbot_bench --contacts 1000000 --clients 20 --per-client 3
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session, sessionmaker

from bench.bot_process import bot_processes, serve_bot
from bench.housekeeping import vacuum_after_load, vacuum_set_tables
from segbot_testing.slack_api import FakeSlackApi, message_text
from segbot_testing.slack_harness import SIGNING_SECRET, TEAM_ID, SlackSimulator, button_labels
from storage.db import make_engine, make_session_factory, unit_of_work
from storage.migrate import upgrade
from storage.models import Contact
from storage.service.segments import delete_segment, list_segments
from storage.service.workspaces import ensure_workspace

# Selective and broad criteria mixed, as sales people type them.
CRITERIA = (
    "industry:retail country:de,fr",
    "city:berlin OR city:paris",
    "relation:cust -email:*",
    "industry:retail,software created:>=2020-01-01",
    "name:a* country:us",
)


def _percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered)) - 1))
    return ordered[index]


def _engine(url: str, schema: str | None) -> Engine:
    kwargs: dict[str, Any] = {}
    if url.startswith("postgresql"):
        kwargs.update(pool_size=40, max_overflow=10)
        if schema:
            admin = make_engine(url)
            with admin.begin() as conn:
                conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
            admin.dispose()
    # Loading a million contacts runs statements longer than the bot's interactive bound.
    return make_engine(url, schema=schema, statement_timeout=3600.0, **kwargs)


def _populate(engine: Engine, count: int) -> int:
    from storage.demo import generate_demo

    factory = make_session_factory(engine)
    with unit_of_work(factory) as session:
        workspace_id = ensure_workspace(session, TEAM_ID, name="bench")
        have = session.scalar(
            select(func.count()).select_from(Contact).where(Contact.workspace_id == workspace_id)
        )
    have = have or 0
    started = time.perf_counter()
    if have >= count:
        # A load kept from before (bench/run.py's, or bench/curve.py's schema segbot_curve_<N>).
        return have
    while have < count:
        chunk = min(50_000, count - have)
        with unit_of_work(factory) as session:
            have += generate_demo(session, workspace_id, count=chunk, seed=have + 1)
        print(f"  {have:,} contacts ({time.perf_counter() - started:.0f} s)", flush=True)
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))
    vacuum_after_load(engine)
    return have


def _clean_up(session_factory: sessionmaker[Session], clients: int) -> None:
    """Delete the segments the simulated users made, so the shared bench database stays as it was."""
    with unit_of_work(session_factory) as session:
        workspace_id = ensure_workspace(session, TEAM_ID, name="bench")
        for client in range(clients):
            for info in list_segments(session, workspace_id, owner_user_id=f"UB{client:03d}"):
                delete_segment(session, workspace_id, info.no, user_id=info.owner_user_id, is_admin=True)


def serve(args: argparse.Namespace) -> None:
    """The bot alone in this process, on the benchmark's database."""
    engine = _engine(args.database_url, args.schema)
    serve_bot(
        engine,
        port=args.serve,
        api_url=args.api_url,
        database_url=args.database_url,
        signing_secret=SIGNING_SECRET,
    )


@contextmanager
def _bot_process(args: argparse.Namespace, api_url: str) -> Iterator[str]:
    """Start ``serve`` in a child process; the events URL once it answers /healthz."""

    def command(port: int) -> list[str]:
        schema = ["--schema", args.schema] if args.schema else []
        module = [sys.executable, "-m", "bench.slack_bench"]
        return [
            *module,
            "--serve",
            str(port),
            "--api-url",
            api_url,
            "--database-url",
            args.database_url,
            *schema,
        ]

    with bot_processes(1, command) as [port]:
        yield f"http://127.0.0.1:{port}/slack/events"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", default="sqlite:///bench/.cache/slack_bench.db")
    parser.add_argument("--schema", default=None, help="PostgreSQL schema (created when missing)")
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--per-client", type=int, default=3)
    parser.add_argument(
        "--verb",
        choices=("add", "new"),
        default="add",
        help="add: preview an Add on the user's own segment; new: create a segment and preview at once",
    )
    parser.add_argument(
        "--reply-timeout", type=float, default=120, help="seconds to wait for each preview (large workspaces)"
    )
    parser.add_argument(
        "--distinct",
        action="store_true",
        help="give every preview criteria of its own (a term that excludes nobody), so none is shared",
    )
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--api-url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args)
        return

    engine = _engine(args.database_url, args.schema)
    upgrade(engine)
    contacts = _populate(engine, args.contacts)
    vacuum_set_tables(engine)
    session_factory = make_session_factory(engine)

    with FakeSlackApi() as fake, _bot_process(args, fake.api_url) as events_url:
        sim = SlackSimulator(events_url=events_url, fake=fake)

        failures: list[str] = []
        by_criteria: dict[str, list[float]] = {}

        own_segment: dict[int, str] = {}
        if args.verb == "add":
            # Each user previews on a segment of their own, made beforehand (not timed).
            for client in range(args.clients):
                made = message_text(sim.reply_to(f'new "bench {client}"', user=f"UB{client:03d}"))
                own_segment[client] = re.findall(r"SEG\d{5}", made)[0]

        def one_client(client: int) -> list[tuple[float, float]]:
            timings = []
            for i in range(args.per_client):
                criteria = CRITERIA[(client + i) % len(CRITERIA)]
                # Identical previews on the same data are computed once (docs/performance.md,
                # "Shared previews"); a name nobody has makes each one a reading of its own.
                own = f" -name:nobody{client:03d}x{i:03d}" if args.distinct else ""
                typed = (
                    f"add {own_segment[client]} {criteria}{own}"
                    if args.verb == "add"
                    else f'new "bench {client}-{i}" {criteria}{own}'
                )
                sent = time.time()
                answer, response_url = sim.command(typed, user=f"UB{client:03d}")
                assert answer.status == 200, answer
                reply = fake.wait_for("response_url", url=response_url, timeout=args.reply_timeout)[0]
                if "Confirm" not in button_labels(reply):
                    failures.append(message_text(reply)[:200])
                timings.append((answer.seconds, reply.at - sent))
                by_criteria.setdefault(criteria, []).append(reply.at - sent)
            return timings

        sim.reply_to("help")  # warm-up: imports, pools, auth
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=args.clients) as pool:
            results = [t for timings in pool.map(one_client, range(args.clients)) for t in timings]
        wall = time.perf_counter() - started
    _clean_up(session_factory, args.clients)

    acks = [a * 1000 for a, _ in results]
    previews = [p for _, p in results]
    kind = f"`{args.verb}` previews" + (" of distinct criteria" if args.distinct else "")
    print(
        f"\n{engine.dialect.name}, {contacts:,} contacts, {args.clients} users at once, "
        f"{len(results)} {kind} in {wall:.1f} s"
    )
    if failures:
        print(f"{len(failures)} replies were not previews, e.g.: {failures[0]}")
    print(f"{'':26}{'p50':>9}{'p95':>9}{'p99':>9}{'max':>9}")
    print(
        f"{'ack (ms)':26}{statistics.median(acks):9.0f}{_percentile(acks, 95):9.0f}"
        f"{_percentile(acks, 99):9.0f}{max(acks):9.0f}"
    )
    print(
        f"{'preview at response_url (s)':26}{statistics.median(previews):9.2f}"
        f"{_percentile(previews, 95):9.2f}{_percentile(previews, 99):9.2f}{max(previews):9.2f}"
    )

    for criteria, seconds in sorted(by_criteria.items()):
        print(f"  {criteria:45} median {statistics.median(seconds):6.2f} s over {len(seconds)}")


if __name__ == "__main__":
    main()
