"""Load test: the HTTP bot on PostgreSQL with 1,000,000 contacts, 20 concurrent Slack clients, one process
and then two processes behind one port.

Each simulated user owns a segment and loops: types ``/segment include SEG <contact>`` (a preview),
waits for it, presses ``Confirm`` twice (a double click; behind the proxy the two presses usually
reach different processes), then types ``show`` and ``list`` without waiting. Every request is signed
as Slack signs it and sent over loopback. Reported: acknowledgements per second, ack latency
percentiles, errors (non-200 acks, replies that are not what was asked), and duplicate applies
(journal entries beyond one per confirmed preview; "applied" outcomes beyond one per preview).

    make loadtest            # or: python -m bench.loadtest --requests-per-client 40

The contacts are the benchmark's cached PostgreSQL load (schema ``segbot_bench``, see bench/run.py),
built on first use. ``BENCH_DATABASE_URL`` / ``TEST_DATABASE_URL`` name the server.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from slack_sdk.signature import SignatureVerifier
from sqlalchemy import Engine, func, select

from bench.bot_process import bot_processes, serve_bot
from bench.housekeeping import vacuum_set_tables
from bench.tcp_proxy import TcpProxy
from segbot_testing.slack_api import FakeSlackApi, message_text
from storage.db import make_engine, make_session_factory, unit_of_work
from storage.migrate import upgrade
from storage.models import Base, Contact, Segment, SegmentAction

SCHEMA = "segbot_bench"
TEAM_ID = "T0001"
CONTACTS = 1_000_000
SECRET = "loadtest-signing-secret"
_SIGNER = SignatureVerifier(SECRET)


def _url() -> str:
    return os.environ.get("BENCH_DATABASE_URL") or os.environ.get(
        "TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
    )


def _engine(**kwargs: Any) -> Engine:
    # Loading a million contacts runs statements longer than the bot's interactive bound.
    return make_engine(_url(), schema=SCHEMA, statement_timeout=3600.0, **kwargs)


def prepare(count: int) -> None:
    """The cached bench contacts, loaded on first use; tables added since the cache was built are created."""
    from bench.run import populate

    engine = _engine()
    upgrade(engine)
    with engine.connect() as conn:
        have = conn.scalar(select(func.count()).select_from(Contact)) or 0
    if have < count:
        populate("postgresql", count)
    # The cache predates newer tables (one regenerated initial migration): add only what is missing.
    Base.metadata.create_all(engine, checkfirst=True)
    vacuum_set_tables(engine)
    engine.dispose()


# --- one bot process -------------------------------------------------------------------------------------


def serve(port: int, api_url: str) -> None:
    """Run one bot process on the bench schema."""
    # Two processes share the server's 100 connections with whatever else runs on it.
    engine = _engine(pool_size=15, max_overflow=10)
    serve_bot(engine, port=port, api_url=api_url, database_url=_url(), signing_secret=SECRET)


def _processes(count: int, api_url: str) -> AbstractContextManager[list[int]]:
    return bot_processes(
        count,
        lambda port: [sys.executable, "-m", "bench.loadtest", "--serve", str(port), "--api-url", api_url],
    )


# --- the simulated Slack users ------------------------------------------------------------------------


@dataclass
class Tally:
    acks: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    previews: int = 0
    applied_outcomes: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def ack(self, seconds: float, status: int, what: str) -> None:
        with self.lock:
            self.acks.append(seconds)
            if status != 200:
                self.errors.append(f"{what}: HTTP {status}")

    def error(self, message: str) -> None:
        with self.lock:
            self.errors.append(message)


def _post(url: str, body: str) -> tuple[int, float]:
    ts = str(int(time.time()))
    request = urllib.request.Request(
        url,
        data=body.encode(),
        method="POST",
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Slack-Request-Timestamp": ts,
            "X-Slack-Signature": _SIGNER.generate_signature(timestamp=ts, body=body),
        },
    )
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            response.read()
            status = response.status
    except urllib.error.HTTPError as exc:
        status = exc.code
    except OSError:
        status = 0
    return status, time.perf_counter() - started


class Client:
    """One Slack user typing commands and pressing buttons as fast as the replies come."""

    def __init__(self, index: int, url: str, fake: FakeSlackApi, segment: str, tally: Tally) -> None:
        self.user = f"UL{index:03d}"
        self.url, self.fake, self.segment, self.tally = url, fake, segment, tally
        self._n = 0

    def _response_url(self) -> str:
        self._n += 1
        return self.fake.response_url(f"{self.user}-{self._n}")

    def command(self, text: str) -> str:
        response_url = self._response_url()
        body = urlencode(
            {
                "team_id": TEAM_ID,
                "user_id": self.user,
                "channel_id": "C0LOAD",
                "command": "/segment",
                "text": text,
                "response_url": response_url,
                "trigger_id": f"{self.user}.{self._n}.{time.time_ns()}",
            }
        )
        status, seconds = _post(self.url, body)
        self.tally.ack(seconds, status, text.split()[0])
        return response_url

    def press(self, button: dict[str, Any]) -> str:
        response_url = self._response_url()
        payload = {
            "type": "block_actions",
            "team": {"id": TEAM_ID},
            "user": {"id": self.user, "team_id": TEAM_ID},
            "channel": {"id": "C0LOAD"},
            "container": {"type": "message", "channel_id": "C0LOAD", "is_ephemeral": True},
            "trigger_id": f"{self.user}.{self._n}.{time.time_ns()}",
            "response_url": response_url,
            "actions": [{"type": "button", "action_id": button["action_id"], "value": button["value"]}],
        }
        status, seconds = _post(self.url, urlencode({"payload": json.dumps(payload)}))
        self.tally.ack(seconds, status, "button")
        return response_url

    def run(self, requests: int, contact_nos: list[str], deadline: float) -> None:
        sent = 0
        while sent < requests and time.monotonic() < deadline:
            contact = contact_nos[(sent * 7 + int(self.user[2:])) % len(contact_nos)]
            reply = self._wait(self.command(f"include {self.segment} {contact}"))
            sent += 1
            confirm = _button(reply, "Confirm") if reply is not None else None
            if confirm is None:
                if reply is not None and "already" not in message_text(reply):
                    self.tally.error(f"no preview: {message_text(reply)[:120]}")
                continue
            with self.tally.lock:
                self.tally.previews += 1
            first, second = self.press(confirm), self.press(confirm)
            sent += 2
            for url in (first, second):
                outcome = self._wait(url)
                if outcome is not None and "New size" in message_text(outcome):
                    with self.tally.lock:
                        self.tally.applied_outcomes += 1
            self.command(f"show {self.segment}")
            self.command("list")
            sent += 2

    def _wait(self, response_url: str) -> Any:
        try:
            return self.fake.wait_for("response_url", url=response_url, timeout=60)[0]
        except AssertionError:
            self.tally.error(f"no reply at {response_url.rsplit('/', 1)[-1]}")
            return None


def _button(call: Any, label: str) -> dict[str, Any] | None:
    def _walk(node: Any) -> Iterator[dict[str, Any]]:
        if isinstance(node, dict):
            if node.get("type") == "button":
                yield node
            for value in node.values():
                yield from _walk(value)
        elif isinstance(node, list):
            for item in node:
                yield from _walk(item)

    for button in _walk(call.params.get("blocks") or []):
        if (button.get("text") or {}).get("text") == label:
            return button
    return None


def _segments(clients: int, run: str) -> dict[int, str]:
    from storage.service.segments import create_segment
    from storage.service.workspaces import ensure_workspace

    factory = make_session_factory(_engine())
    made = {}
    with unit_of_work(factory) as session:
        ws = ensure_workspace(session, TEAM_ID, name="bench")
        for client in range(clients):
            info = create_segment(session, ws, description=f"loadtest {run}", owner_user_id=f"UL{client:03d}")
            made[client] = info.no
    return made


def _contact_nos(limit: int = 500) -> list[str]:
    with make_session_factory(_engine())() as session:
        return list(session.scalars(select(Contact.no).order_by(Contact.id).limit(limit)))


def _journalled(segments: dict[int, str]) -> int:
    with make_session_factory(_engine())() as session:
        return (
            session.scalar(
                select(func.count())
                .select_from(SegmentAction)
                .join(Segment, Segment.id == SegmentAction.segment_id)
                .where(Segment.no.in_(list(segments.values())))
            )
            or 0
        )


def _clean_up(segments: dict[int, str]) -> None:
    from storage.service.segments import delete_segment
    from storage.service.workspaces import ensure_workspace

    with unit_of_work(make_session_factory(_engine())) as session:
        ws = ensure_workspace(session, TEAM_ID)
        for no in segments.values():
            delete_segment(session, ws, no, user_id="loadtest", is_admin=True)


def _percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered)) - 1))]


def measure(
    processes: int, args: argparse.Namespace, fake: FakeSlackApi, contact_nos: list[str]
) -> dict[str, Any]:
    segments = _segments(args.clients, f"{processes}p")
    tally = Tally()
    with _processes(processes, fake.api_url) as ports:
        proxy = TcpProxy([("127.0.0.1", port) for port in ports]).start() if processes > 1 else None
        port = proxy.port if proxy is not None else ports[0]
        url = f"http://127.0.0.1:{port}/slack/events"
        clients = [Client(i, url, fake, segments[i], tally) for i in range(args.clients)]
        deadline = time.monotonic() + args.seconds
        started = time.perf_counter()
        threads = [
            threading.Thread(target=c.run, args=(args.requests_per_client, contact_nos, deadline))
            for c in clients
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.perf_counter() - started
        time.sleep(1)  # replies to the last fire-and-forget commands
        if proxy is not None:
            proxy.stop()
    journalled = _journalled(segments)
    _clean_up(segments)
    acks_ms = [s * 1000 for s in tally.acks]
    return {
        "processes": processes,
        "requests": len(acks_ms),
        "seconds": wall,
        "per_second": len(acks_ms) / wall,
        "p50": statistics.median(acks_ms),
        "p95": _percentile(acks_ms, 95),
        "p99": _percentile(acks_ms, 99),
        "errors": len(tally.errors),
        "first_error": tally.errors[0] if tally.errors else "",
        "previews": tally.previews,
        "duplicate_applies": (journalled - tally.previews) + max(0, tally.applied_outcomes - tally.previews),
        "lost_applies": max(0, tally.previews - journalled),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--requests-per-client", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60.0, help="stop sending after this long")
    parser.add_argument("--contacts", type=int, default=CONTACTS)
    parser.add_argument(
        "--processes", default="1,2", help="bot process counts to measure in turn (default: 1,2)"
    )
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--api-url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.api_url)
        return

    prepare(args.contacts)
    contact_nos = _contact_nos()
    results = []
    with FakeSlackApi() as fake:
        for processes in (int(n) for n in args.processes.split(",")):
            print(f"  {processes} process(es), {args.clients} clients ...", flush=True)
            results.append(measure(processes, args, fake, contact_nos))
            fake.clear()
    print(f"\nPostgreSQL, {args.contacts:,} contacts, {args.clients} concurrent clients on loopback")
    print(
        f"{'processes':>10}{'requests':>10}{'req/s':>8}{'p50 ms':>8}{'p95 ms':>8}{'p99 ms':>8}"
        f"{'errors':>8}{'applies':>9}{'dup':>5}{'lost':>6}"
    )
    for r in results:
        print(
            f"{r['processes']:>10}{r['requests']:>10}{r['per_second']:>8.1f}{r['p50']:>8.1f}{r['p95']:>8.1f}"
            f"{r['p99']:>8.1f}{r['errors']:>8}{r['previews']:>9}{r['duplicate_applies']:>5}{r['lost_applies']:>6}"
        )
        if r["first_error"]:
            print(f"   first error: {r['first_error']}")


if __name__ == "__main__":
    main()
