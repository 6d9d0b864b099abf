"""Socket Mode against a local stand-in that speaks Slack's protocol (segbot_testing/socket_mode.py).

The bot connects out as it does in production (``apps.connections.open``, then a WebSocket); the
stand-in delivers envelopes, closes sockets and asks for new connections the way Slack does, and
the fake Web API records what users would see.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.app import create_app
from bot.socket_mode import SocketModeConnector, connect_app
from commands.registry import load_registry
from segbot_testing.slack_api import FakeSlackApi, RecordedCall, message_text
from segbot_testing.slack_harness import TEAM_ID, USER_ID, HttpAnswer, SlackSimulator
from segbot_testing.socket_mode import FakeSocketModeServer
from storage.demo import generate_demo
from storage.models import Segment, Workspace
from tests.bot.conftest import bot_settings

# Slack's limit for an acknowledgement is 3 s; these are what segbot promises on top of it.
RECONNECT_WITHIN = 1.0
FIRST_ACK_AFTER_REFRESH_WITHIN = 0.5


@dataclass
class _SocketModeSimulator(SlackSimulator):
    """The HTTP simulator's button presses, delivered as Socket Mode envelopes instead of signed POSTs."""

    server: FakeSocketModeServer | None = None
    envelope_id: str = ""

    def post(self, body: str, **_: Any) -> HttpAnswer:
        assert self.server is not None
        self.envelope_id = self.server.send_interactive(json.loads(dict(parse_qsl(body))["payload"]))
        # Socket Mode has no HTTP answer; the ack comes back on the socket.
        return HttpAnswer(status=200, body=b"", seconds=0.0)


@dataclass
class SocketBot:
    server: FakeSocketModeServer
    fake: FakeSlackApi
    connector: SocketModeConnector
    sim: _SocketModeSimulator

    def command(self, text: str, **kwargs: Any) -> tuple[str, str]:
        """Deliver ``/segment text`` as a ``slash_commands`` envelope; its envelope id and response_url."""
        body, response_url = self.sim.command_body(text)
        return self.server.send_slash_command(dict(parse_qsl(body)), **kwargs), response_url

    def reply_to(self, text: str) -> RecordedCall:
        envelope_id, response_url = self.command(text)
        self.server.wait_ack(envelope_id)
        return self.fake.wait_for("response_url", url=response_url)[0]

    def press(self, message: RecordedCall, label: str) -> tuple[str, str]:
        """Press the button ``label`` as an ``interactive`` envelope; its envelope id and response_url."""
        response_url = self.sim.press(message, label)
        assert response_url is not None
        return self.sim.envelope_id, response_url


@pytest.fixture
def demo(session_factory: sessionmaker[Session], workspace: Workspace) -> Workspace:
    with session_factory.begin() as session:
        generate_demo(session, workspace.id, count=60, seed=3)
    return workspace


@pytest.fixture
def socket_bot(
    fake_slack: FakeSlackApi, engine: Any, session_factory: sessionmaker[Session], demo: Workspace
) -> Iterator[SocketBot]:
    with FakeSocketModeServer() as server:
        fake_slack.socket_mode = server
        settings = bot_settings(fake_slack, engine, slack_app_token="xapp-test")
        app = create_app(settings, session_factory, load_registry())
        connector = connect_app(app, "xapp-test")
        server.wait_connected()
        assert connector.hello.wait(5), "the bot read Slack's hello"
        sim = _SocketModeSimulator(events_url="unused://socket-mode", fake=fake_slack, server=server)
        try:
            yield SocketBot(server=server, fake=fake_slack, connector=connector, sim=sim)
        finally:
            connector.close()


def _segments(session_factory: sessionmaker[Session]) -> int:
    with session_factory() as session:
        return session.scalar(select(func.count()).select_from(Segment)) or 0


def test_a_slash_command_is_acked_and_its_preview_reaches_the_response_url(socket_bot: SocketBot) -> None:
    envelope_id, response_url = socket_bot.command('new "Everyone" name:*')

    ack = socket_bot.server.wait_ack(envelope_id)
    preview = socket_bot.fake.wait_for("response_url", url=response_url)[0]

    assert ack.at - socket_bot.server.sent_at[envelope_id] < 0.5
    assert "Add will add" in message_text(preview)
    assert socket_bot.fake.calls_to("apps.connections.open")[0].headers["authorization"] == "Bearer xapp-test"


def test_confirm_pressed_over_socket_mode_applies_the_preview(
    socket_bot: SocketBot, session_factory: sessionmaker[Session]
) -> None:
    preview = socket_bot.reply_to('new "Everyone" name:*')

    envelope_id, response_url = socket_bot.press(preview, "Confirm")

    socket_bot.server.wait_ack(envelope_id)
    outcome = socket_bot.fake.wait_for("response_url", url=response_url)[0]
    assert "SEG00001" in message_text(outcome)
    assert outcome.params.get("replace_original") is True


def test_opening_the_app_home_over_socket_mode_publishes_it(socket_bot: SocketBot) -> None:
    envelope_id = socket_bot.server.send_event(
        {
            "team_id": TEAM_ID,
            "api_app_id": "A0001",
            "type": "event_callback",
            "event_id": f"Ev{time.time_ns()}",
            "event_time": int(time.time()),
            "event": {"type": "app_home_opened", "user": USER_ID, "channel": "D0001", "tab": "home"},
        }
    )

    socket_bot.server.wait_ack(envelope_id)
    published = socket_bot.fake.wait_for("views.publish")[0]
    assert published.params["user_id"] == USER_ID


def test_when_slack_closes_the_socket_the_bot_is_back_within_a_second(socket_bot: SocketBot) -> None:
    first = socket_bot.server.current()

    socket_bot.server.close(first, 1000)
    second = socket_bot.server.wait_connected(2, timeout=5)

    assert first.closed_at is not None and second.hello_at is not None
    assert second.hello_at - first.closed_at < RECONNECT_WITHIN
    assert "Add will add" in message_text(socket_bot.reply_to('new "After the close" name:*'))


@pytest.mark.parametrize("reason", ["refresh_requested", "warning"])
def test_after_slack_asks_for_a_new_connection_the_first_envelope_is_acked_at_once(
    socket_bot: SocketBot, reason: str
) -> None:
    old = socket_bot.server.current()

    socket_bot.server.disconnect(reason)
    new = socket_bot.server.wait_connected(2, timeout=5)
    envelope_id, response_url = socket_bot.command('new "Right after the switch" name:*', connection=new)

    ack = socket_bot.server.wait_ack(envelope_id, timeout=5)
    assert ack.at - socket_bot.server.sent_at[envelope_id] < FIRST_ACK_AFTER_REFRESH_WITHIN
    assert ack.connection == new.number
    assert "Add will add" in message_text(socket_bot.fake.wait_for("response_url", url=response_url)[0])
    assert old.is_open, "the old connection stays until Slack closes it: it may still deliver"


def test_envelopes_arriving_on_both_connections_during_the_switch_are_each_handled_once(
    socket_bot: SocketBot, session_factory: sessionmaker[Session]
) -> None:
    old = socket_bot.server.current()

    socket_bot.server.disconnect("refresh_requested")
    new = socket_bot.server.wait_connected(2, timeout=5)
    on_old, old_url = socket_bot.command('new "Sent on the old socket"', connection=old)
    on_new, new_url = socket_bot.command('new "Sent on the new socket"', connection=new)

    assert socket_bot.server.wait_ack(on_old).connection == old.number
    assert socket_bot.server.wait_ack(on_new).connection == new.number
    socket_bot.server.close(old, 1000)
    assert "Created" in message_text(socket_bot.fake.wait_for("response_url", url=old_url)[0])
    assert "Created" in message_text(socket_bot.fake.wait_for("response_url", url=new_url)[0])
    time.sleep(0.3)
    assert _segments(session_factory) == 2
    assert len(socket_bot.server.connections) == 2, "closing the retired socket opens no third one"


def test_an_envelope_delivered_twice_is_acked_twice_and_applied_once(
    socket_bot: SocketBot, session_factory: sessionmaker[Session]
) -> None:
    body, response_url = socket_bot.sim.command_body('new "Only once"')
    fields = dict(parse_qsl(body))

    envelope_id = socket_bot.server.send_slash_command(fields)
    socket_bot.server.wait_ack(envelope_id)
    socket_bot.server.send_slash_command(fields, envelope_id=envelope_id)

    deadline = time.monotonic() + 5
    while len(socket_bot.server.acks_of(envelope_id)) < 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert len(socket_bot.server.acks_of(envelope_id)) == 2
    socket_bot.fake.wait_for("response_url", url=response_url)
    time.sleep(0.3)
    assert (
        len([c for c in socket_bot.fake.calls_to("response_url") if c.path == urlsplit(response_url).path])
        == 1
    )
    assert _segments(session_factory) == 1


def test_closing_the_bot_completes_the_close_handshake(socket_bot: SocketBot) -> None:
    connection = socket_bot.server.current()

    socket_bot.connector.close()

    socket_bot.server.wait_closed(connection, timeout=3)
    assert connection.close_code == 1000
    time.sleep(0.3)
    assert len(socket_bot.server.connections) == 1, "a closed bot does not reconnect"


@pytest.fixture
def info_logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.INFO, logger="bot.socket_mode")
    return caplog


def test_the_bot_logs_one_line_when_connected_and_one_per_reconnect_with_its_reason(
    info_logs: pytest.LogCaptureFixture, socket_bot: SocketBot
) -> None:
    connected = [r.getMessage() for r in info_logs.get_records("setup") if r.name == "bot.socket_mode"]
    assert connected == ["Socket Mode connected"]

    socket_bot.server.disconnect("refresh_requested")
    socket_bot.server.wait_connected(2)
    socket_bot.server.close(socket_bot.server.connections[1], 1000)
    socket_bot.server.wait_connected(3)
    deadline = time.monotonic() + 3
    while socket_bot.connector.reconnects < 2 and time.monotonic() < deadline:
        time.sleep(0.02)

    lines = [r.getMessage() for r in info_logs.records if r.name == "bot.socket_mode"]
    assert lines == [
        "Socket Mode reconnected after: Slack asked (refresh_requested)",
        "Socket Mode reconnected after: Slack closed the connection (code 1000)",
    ]
    assert socket_bot.connector.state == "connected"


def test_a_disconnect_followed_at_once_by_a_close_opens_one_new_connection(socket_bot: SocketBot) -> None:
    old = socket_bot.server.current()

    socket_bot.server.disconnect("warning")
    socket_bot.server.close(old, 1000)
    socket_bot.server.wait_connected(2)
    time.sleep(0.5)

    assert len(socket_bot.server.connections) == 2
    assert socket_bot.connector.reconnects == 1
