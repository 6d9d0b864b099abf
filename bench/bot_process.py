"""The bot as the benchmarks run it: alone in a process of its own, as ``segbot run --http`` runs it.

A bot sharing its process with the simulated users and the fake Slack would share their
interpreter lock too, and the benchmark would time that instead of the bot.
"""

from __future__ import annotations

import socket
import subprocess
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import Engine

HEALTHY_WITHIN_SECONDS = 60.0


def serve_bot(engine: Engine, *, port: int, api_url: str, database_url: str, signing_secret: str) -> None:
    """Serve the HTTP bot on 127.0.0.1:``port`` until killed, talking to the Slack API at ``api_url``."""
    import waitress

    from bot.app import create_app
    from bot.http import make_wsgi_app
    from bot.settings import load_settings
    from commands.registry import load_registry
    from storage.db import make_session_factory

    settings = load_settings(
        slack_bot_token="xoxb-bench",
        slack_signing_secret=signing_secret,
        slack_app_token=None,
        slack_client_id=None,
        slack_api_url=api_url,
        database_url=database_url,
    )
    app = create_app(settings, make_session_factory(engine), load_registry())
    waitress.serve(make_wsgi_app(app, engine), host="127.0.0.1", port=port, threads=16, ident="segbot")


@contextmanager
def bot_processes(count: int, command_for: Callable[[int], list[str]]) -> Iterator[list[int]]:
    """Start ``count`` processes running ``command_for(port)``; their ports once each answers /healthz."""
    ports = [_free_port() for _ in range(count)]
    children = [subprocess.Popen(command_for(port), stderr=subprocess.DEVNULL) for port in ports]
    try:
        for port, child in zip(ports, children, strict=True):
            _wait_healthy(port, child)
        yield ports
    finally:
        for child in children:
            child.terminate()
        for child in children:
            child.wait(timeout=20)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_healthy(port: int, child: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + HEALTHY_WITHIN_SECONDS
    while time.monotonic() < deadline and child.poll() is None:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"the bot on port {port} did not start")
