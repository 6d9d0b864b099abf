"""Holding up under faults: Slack's repeated deliveries, a database that goes away and comes back, and a
Slack Web API that answers 5xx for a moment.
"""

from __future__ import annotations

import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from slack_sdk.signature import SignatureVerifier
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session, sessionmaker

from bench.tcp_proxy import TcpProxy
from bot.app import create_app
from bot.clients import make_web_client
from bot.http import make_wsgi_app
from commands.registry import load_registry
from segbot_testing.slack_api import FakeSlackApi, message_text
from segbot_testing.slack_harness import SIGNING_SECRET, new_segment_form
from storage.db import make_engine, make_session_factory
from storage.models import Segment
from tests.bot.conftest import RunningBot, bot_settings
from tests.bot.http_server import serve_in_background, serve_web_api_answers


def _post(events_url: str, body: str, *, retry: int | None = None) -> int:
    ts = str(int(time.time()))
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": SignatureVerifier(SIGNING_SECRET).generate_signature(timestamp=ts, body=body),
    }
    if retry is not None:
        headers |= {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"}
    request = urllib.request.Request(events_url, data=body.encode(), method="POST", headers=headers)
    with urllib.request.urlopen(request, timeout=10) as response:
        return int(response.status)


def _segments(session_factory: sessionmaker[Session]) -> int:
    with session_factory() as s:
        return s.scalar(select(func.count()).select_from(Segment)) or 0


def test_a_slash_command_slack_delivers_again_is_acknowledged_and_not_repeated(slack: RunningBot) -> None:
    body, response_url = slack.sim.command_body('new "Retail"')

    assert _post(slack.sim.events_url, body) == 200
    assert _post(slack.sim.events_url, body, retry=1) == 200
    assert _post(slack.sim.events_url, body, retry=2) == 200

    slack.fake.wait_for("response_url", url=response_url)
    time.sleep(0.5)
    assert len([c for c in slack.fake.calls_to("response_url") if c.path.endswith(response_url[-8:])]) == 1
    assert _segments(slack.session_factory) == 1


def test_a_modal_submission_delivered_twice_creates_one_segment(slack: RunningBot) -> None:
    slack.sim.command("new")
    view = slack.fake.wait_for("views.open")[0].params["view"]
    values = new_segment_form("Berlin retail", "city:berlin")

    first = slack.sim.submit_view(view, values, trigger_id="trigger.modal")
    again = slack.sim.submit_view(view, values, trigger_id="trigger.modal")

    assert (first.status, again.status) == (200, 200)
    slack.fake.wait_for("chat.postEphemeral")
    time.sleep(0.5)
    assert _segments(slack.session_factory) == 1
    assert len(slack.fake.calls_to("chat.postEphemeral")) == 1


def test_one_delivery_reaching_two_processes_at_once_is_worked_on_by_one(
    start_bot: Callable[..., RunningBot],
) -> None:
    first, second = start_bot(), start_bot()
    body, response_url = first.sim.command_body('new "Retail"')
    statuses: list[int] = []
    threads = [
        threading.Thread(target=lambda url=url: statuses.append(_post(url, body)))
        for url in (first.sim.events_url, second.sim.events_url)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert statuses == [200, 200]
    first.fake.wait_for("response_url", url=response_url)
    time.sleep(0.5)
    assert _segments(first.session_factory) == 1


# --- the database goes away and comes back ------------------------------------------------------------


@pytest.fixture
def flaky_database(engine: Engine) -> Iterator[tuple[TcpProxy, sessionmaker[Session], Engine]]:
    """The test database reached through a loopback proxy that the test can cut and restore."""
    if engine.dialect.name != "postgresql":
        pytest.skip("a database server to lose needs PostgreSQL; SQLite is a file in the process")
    with engine.connect() as conn:
        schema = conn.execute(text("SELECT current_schema()")).scalar_one()
    url = engine.url
    proxy = TcpProxy([(url.host or "127.0.0.1", url.port or 5432)]).start()
    proxied = make_engine(
        url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False),
        schema=schema,
        connect_args={"connect_timeout": 2},
    )
    yield proxy, make_session_factory(proxied), proxied
    proxy.stop()
    proxied.dispose()


def _health(base_url: str) -> int:
    try:
        with urllib.request.urlopen(f"{base_url}/healthz", timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return exc.code


def test_with_the_database_down_users_are_told_to_try_again_and_the_bot_recovers_when_it_returns(
    fake_slack: FakeSlackApi, engine: Engine, flaky_database: tuple[TcpProxy, sessionmaker[Session], Engine]
) -> None:
    proxy, session_factory, proxied = flaky_database
    settings = bot_settings(fake_slack, engine)
    app = create_app(settings, session_factory, load_registry())
    server = serve_in_background(make_wsgi_app(app, proxied))
    base_url, stop = server.url, server.stop
    events_url = f"{base_url}/slack/events"
    try:
        from segbot_testing.slack_harness import SlackSimulator

        sim = SlackSimulator(events_url=events_url, fake=fake_slack)
        assert _health(base_url) == 200
        proxy.stop()

        body, response_url = sim.command_body('new "Retail"')
        started = time.perf_counter()
        assert _post(events_url, body) == 200
        assert time.perf_counter() - started < 3
        reply = fake_slack.wait_for("response_url", url=response_url, timeout=20)[0]
        assert "try again" in message_text(reply).lower()
        assert reply.params.get("response_type", "ephemeral") == "ephemeral"
        assert _health(base_url) == 503

        proxy.start()
        assert _health(base_url) == 200
        again = sim.reply_to('new "Retail"')
        assert "SEG00001" in message_text(again)
        assert _segments(make_session_factory(engine)) == 1
    finally:
        stop()


# --- Slack's Web API answering 5xx for a moment ---------------------------------------------------------


def test_a_web_api_call_answered_503_is_retried(fake_slack: FakeSlackApi, engine: Engine) -> None:
    answers = iter([503, 200])
    seen: list[str] = []

    def flaky(path: str) -> tuple[int, dict[str, Any]]:
        status = next(answers, 200)
        seen.append(path)
        return status, {"ok": status == 200, "error": "" if status == 200 else "fatal"}

    server = serve_web_api_answers(flaky)
    try:
        settings = bot_settings(fake_slack, engine, slack_api_url=f"{server.url}/api/")
        response = make_web_client(settings).chat_postMessage(channel="C0001", text="hello")
    finally:
        server.stop()
    assert response["ok"] is True
    assert seen == ["/api/chat.postMessage", "/api/chat.postMessage"]
