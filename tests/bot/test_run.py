"""``segbot run`` as a process: migrates, serves HTTP under waitress, or explains what is missing."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qsl

import pytest

from segbot_testing.slack_api import FakeSlackApi, message_text
from segbot_testing.slack_harness import SIGNING_SECRET, SlackSimulator
from segbot_testing.socket_mode import FakeSocketModeServer

SEGBOT = [sys.executable, "-c", "from bot.cli import main; main()"]


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "SEGBOT_", "DATABASE_URL"))}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'segbot.db'}"
    env.update(extra)
    return env


def _run(
    tmp_path: Path, *args: str, env: dict[str, str], stdin: str | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """``segbot run`` with ``args`` to its end, in ``tmp_path``."""
    return subprocess.run(
        [*SEGBOT, "run", *args],
        env=env,
        cwd=tmp_path,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def _socket_mode_env(tmp_path: Path, fake: FakeSlackApi) -> dict[str, str]:
    """Both tokens, so ``segbot run`` connects in Socket Mode, to the fake Slack."""
    return _env(
        tmp_path, SLACK_BOT_TOKEN="xoxb-test", SLACK_APP_TOKEN="xapp-test", SLACK_API_URL=fake.api_url
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_healthy(url: str, process: subprocess.Popen[str], timeout: float = 30.0) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"segbot run exited: {process.communicate()[1]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return int(response.status)
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.2)
    raise AssertionError("segbot run did not answer /healthz in time")


@pytest.fixture
def fake() -> Iterator[FakeSlackApi]:
    with FakeSlackApi() as fake:
        yield fake


@pytest.fixture
def socket_server(fake: FakeSlackApi) -> Iterator[FakeSocketModeServer]:
    """Slack's Socket Mode endpoint, which the fake's apps.connections.open hands out."""
    with FakeSocketModeServer() as server:
        fake.socket_mode = server
        yield server


def test_run_http_migrates_serves_health_and_answers_a_signed_command(
    tmp_path: Path, fake: FakeSlackApi
) -> None:
    port = _free_port()
    env = _env(
        tmp_path,
        SLACK_BOT_TOKEN="xoxb-test",
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=fake.api_url,
    )
    process = subprocess.Popen(
        [*SEGBOT, "run", "--http", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert _wait_healthy(f"http://127.0.0.1:{port}/healthz", process) == 200
        sim = SlackSimulator(events_url=f"http://127.0.0.1:{port}/slack/events", fake=fake)

        reply = sim.reply_to("help")

        assert "/segment new" in message_text(reply)
        assert fake.calls_to("auth.test"), "the token is checked at start-up"
    finally:
        process.terminate()
        _, stderr = process.communicate(timeout=10)
    assert "xoxb-test" not in stderr
    assert SIGNING_SECRET not in stderr


def test_run_with_an_app_token_connects_in_socket_mode_with_that_token(
    tmp_path: Path, fake: FakeSlackApi
) -> None:
    env = _socket_mode_env(tmp_path, fake)
    process = subprocess.Popen(
        [*SEGBOT, "run"], env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        opened = fake.wait_for("apps.connections.open", timeout=30)[0]
    finally:
        process.terminate()
        _, stderr = process.communicate(timeout=10)

    assert opened.headers["authorization"] == "Bearer xapp-test"
    assert fake.calls_to("auth.test")[0].headers["authorization"] == "Bearer xoxb-test"
    assert "xapp-test" not in stderr


def test_run_with_a_bot_token_but_neither_socket_mode_nor_http_says_what_to_set(tmp_path: Path) -> None:
    done = _run(tmp_path, env=_env(tmp_path, SLACK_BOT_TOKEN="xoxb-test"))

    assert done.returncode != 0
    assert done.stderr.strip().splitlines()[-1] == (
        "segbot: set SLACK_APP_TOKEN for Socket Mode, or run with --http (SEGBOT_HTTP=1)"
    )


def test_run_http_without_a_signing_secret_refuses_to_start(tmp_path: Path) -> None:
    done = _run(tmp_path, "--http", env=_env(tmp_path, SLACK_BOT_TOKEN="xoxb-test"))

    assert done.returncode != 0
    assert "SLACK_SIGNING_SECRET is required" in done.stderr.strip().splitlines()[-1]


def test_run_without_slack_credentials_opens_the_console_on_demo_data(tmp_path: Path) -> None:
    done = _run(tmp_path, env=_env(tmp_path), stdin='new "Everyone" name:*\n', timeout=120)

    assert done.returncode == 0, done.stderr
    assert "SLACK_BOT_TOKEN" in done.stderr
    # Demo data flags a few contacts "exclude from segment", which Add skips as Business Central does.
    assert re.search(r"Add will add 4\d\d contacts", done.stdout), done.stdout
    assert "[Confirm] [Cancel]" in done.stdout


def test_run_in_socket_mode_answers_over_the_socket_logs_its_connection_and_closes_cleanly_on_stop(
    tmp_path: Path, fake: FakeSlackApi, socket_server: FakeSocketModeServer
) -> None:
    env = _socket_mode_env(tmp_path, fake)
    process = subprocess.Popen(
        [*SEGBOT, "run"], env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        connection = socket_server.wait_connected(timeout=30)
        body, response_url = SlackSimulator(events_url="unused", fake=fake).command_body("help")
        envelope_id = socket_server.send_slash_command(dict(parse_qsl(body)))
        socket_server.wait_ack(envelope_id)
        reply = fake.wait_for("response_url", url=response_url)[0]
    finally:
        process.terminate()
        _, stderr = process.communicate(timeout=10)
    socket_server.wait_closed(connection)

    assert "/segment new" in message_text(reply)
    assert stderr.count("Socket Mode connected") == 1
    assert connection.close_code == 1000, "a stopped bot says goodbye with a close handshake"
    assert "xapp-test" not in stderr


def test_run_check_reports_the_database_and_the_socket_mode_connection(
    tmp_path: Path, fake: FakeSlackApi, socket_server: FakeSocketModeServer
) -> None:
    env = _socket_mode_env(tmp_path, fake)
    done = _run(tmp_path, "--check", env=env)

    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "database: ok"
    assert re.fullmatch(r"Socket Mode connected \(hello after \d+ ms\)", lines[1])
    socket_server.wait_closed(socket_server.connections[0])
    assert socket_server.connections[0].close_code == 1000


def test_run_check_fails_with_one_line_when_slack_cannot_be_reached(
    tmp_path: Path, fake: FakeSlackApi
) -> None:
    env = _socket_mode_env(tmp_path, fake)

    done = _run(tmp_path, "--check", env=env)

    assert done.returncode == 1
    assert done.stdout.splitlines()[-1].startswith("Socket Mode not connected: ")
    assert "xapp-test" not in done.stdout + done.stderr
