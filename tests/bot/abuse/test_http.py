"""Items 1 and 2: hostile HTTP requests are refused cheaply, and slow clients do not lock others out."""

from __future__ import annotations

import contextlib
import json
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from slack_sdk.signature import SignatureVerifier

from bot.http import MAX_BODY_BYTES
from segbot_testing.slack_api import FakeSlackApi
from segbot_testing.slack_harness import SIGNING_SECRET
from tests.bot.abuse.process import BotProcess, running_bot
from tests.bot.conftest import RunningBot

MIB = 1024 * 1024
HALF_REQUEST = b"POST /slack/events HTTP/1.1\r\nHost: segbot\r\nContent-Length: 1000\r\n\r\npayload="


@pytest.fixture
def bot_process(tmp_path: Path, fake_slack: FakeSlackApi) -> Iterator[BotProcess]:
    with running_bot(tmp_path, fake_slack.api_url) as bot:
        yield bot


def _status_line(raw: bytes) -> int:
    return int(raw.split(b" ", 2)[1])


def _post(url: str, body: bytes, *, signed: bool = False, content_type: str = "application/json") -> int:
    headers = {"Content-Type": content_type}
    if signed:
        ts = str(int(time.time()))
        headers["X-Slack-Request-Timestamp"] = ts
        headers["X-Slack-Signature"] = SignatureVerifier(SIGNING_SECRET).generate_signature(
            timestamp=ts, body=body.decode()
        )
    request = urllib.request.Request(url, data=body, method="POST", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return exc.code


def _status_of_headers(base_url: str, *, content_length: int) -> int:
    """The status the server answers a signed-looking POST with from its headers, before any body."""
    port = int(base_url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(
            f"POST /slack/events HTTP/1.1\r\nHost: segbot\r\nContent-Length: {content_length}\r\n"
            f"Content-Type: application/json\r\nX-Slack-Request-Timestamp: {int(time.time())}\r\n"
            "X-Slack-Signature: v0=00\r\n\r\n".encode()
        )
        answer = b""
        while b"\r\n" not in answer:
            more = sock.recv(4096)
            if not more:
                break
            answer += more
    return _status_line(answer)


def _send_large_body(port: int, size: int, *, chunked: bool = False) -> int:
    """POST ``size`` bytes of ``payload=...`` unsigned, streamed; the status the server answered with."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        framing = "Transfer-Encoding: chunked" if chunked else f"Content-Length: {size}"
        sock.sendall(
            f"POST /slack/events HTTP/1.1\r\nHost: segbot\r\n{framing}\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n\r\n".encode()
        )
        block = b"payload=" + b"A" * (64 * 1024 - 8)
        sent = 0
        answer = b""
        try:
            while sent < size:
                data = block[: size - sent]
                sock.sendall(b"%x\r\n%s\r\n" % (len(data), data) if chunked else data)
                sent += len(data)
                sock.settimeout(0.001)
                with contextlib.suppress(TimeoutError, BlockingIOError):
                    answer += sock.recv(4096)
                sock.settimeout(10)
                if answer:
                    break
            if chunked and not answer:
                sock.sendall(b"0\r\n\r\n")
            while b"\r\n" not in answer:
                more = sock.recv(4096)
                if not more:
                    break
                answer += more
        except (BrokenPipeError, ConnectionResetError):
            # The server refused and closed while the body was still coming: what a limit should do.
            pass
        assert answer.startswith(b"HTTP/1.1 "), answer[:200]
        return _status_line(answer)


def test_an_unsigned_50_mb_request_is_refused_with_413_and_costs_under_20_mb(bot_process: BotProcess) -> None:
    for _ in range(3):
        # Warm up: the first requests load Bolt's code paths; memory they take is not the body's.
        _post(f"{bot_process.base_url}/slack/events", b"payload=%7B%7D", content_type="x")
    before = bot_process.peak_rss_kib()

    status = _send_large_body(bot_process.port, 50 * MIB)

    time.sleep(0.5)
    grown_mib = (bot_process.peak_rss_kib() - before) / 1024
    assert status == 413
    assert grown_mib < 20, f"peak memory grew {grown_mib:.1f} MiB"


def test_a_chunked_body_over_1_mib_is_refused_with_413(bot_process: BotProcess) -> None:
    assert _send_large_body(bot_process.port, 2 * MIB, chunked=True) == 413


def test_healthz_answers_while_a_hundred_and_twenty_slow_clients_hold_half_requests(
    bot_process: BotProcess,
) -> None:
    slow: list[socket.socket] = []
    try:
        for _ in range(120):
            sock = socket.create_connection(("127.0.0.1", bot_process.port), timeout=5)
            sock.sendall(HALF_REQUEST)
            slow.append(sock)
        time.sleep(0.5)
        started = time.perf_counter()
        with urllib.request.urlopen(f"{bot_process.base_url}/healthz", timeout=5) as response:
            status = response.status
        seconds = time.perf_counter() - started
    finally:
        for sock in slow:
            sock.close()

    assert status == 200
    assert seconds < 1.0


def test_the_bot_listens_on_loopback_unless_told_otherwise(tmp_path: Path, fake_slack: FakeSlackApi) -> None:
    with running_bot(tmp_path, fake_slack.api_url, host=None) as bot:
        log = bot.log.read_text()

    assert f"listening on http://127.0.0.1:{bot.port}/slack/events" in log


def test_an_unsigned_body_is_refused_with_401_before_it_is_parsed(bare: RunningBot) -> None:
    # A deeply nested JSON document exhausts the parser's recursion; nobody unsigned may make it try.
    nested = b"[" * 500_000 + b"]" * 500_000
    assert len(nested) < MAX_BODY_BYTES

    started = time.perf_counter()
    status = _post(bare.sim.events_url, nested)

    assert status == 401
    assert time.perf_counter() - started < 2


def test_a_signed_body_that_cannot_be_parsed_is_a_bad_request_not_a_server_error(bare: RunningBot) -> None:
    nested = b"[" * 200_000 + b"]" * 200_000

    assert _post(bare.sim.events_url, nested, signed=True) == 400


def test_a_body_of_exactly_1_mib_is_read_and_one_byte_more_is_413(bare: RunningBot) -> None:
    fits = json.dumps({"type": "event_callback", "pad": "x" * (MAX_BODY_BYTES - 40)}).encode()
    fits += b" " * (MAX_BODY_BYTES - len(fits))

    assert _post(bare.sim.events_url, fits, signed=True) < 500
    assert _post(bare.sim.events_url, fits, signed=True) != 413
    # The refusal comes from the headers alone; sending the body too races the server's close
    # (a reset can swallow its answer), so only the headers are sent.
    assert _status_of_headers(bare.base_url, content_length=len(fits) + 1) == 413
