"""A WSGI app under waitress on a loopback port, in a background thread, that stops when told to.

``server.close()`` alone closes only the listening socket: waitress's loop keeps polling the
connections still open (Slack-style clients keep them alive), so its thread would never end and
every test would leak a server. Stopping closes every channel too, then the worker threads.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import waitress

from bot.http import server_options


@dataclass
class BackgroundServer:
    """Where the app listens, and how to stop it."""

    url: str
    stop: Callable[[], None]


def serve_in_background(wsgi: Callable[..., object], *, threads: int = 8) -> BackgroundServer:
    """Serve ``wsgi`` on 127.0.0.1 at a free port until ``stop()``, with the production limits."""
    # A short poll timeout lets the loop notice promptly that it was stopped.
    options = {**server_options(threads=threads), "ident": "segbot-test", "asyncore_loop_timeout": 0.05}
    server = waitress.create_server(wsgi, host="127.0.0.1", port=0, **options)
    stopping = threading.Event()

    def _run() -> None:
        try:
            server.run()
        except OSError:
            # A socket closed under waitress's poll() is expected while stopping, and only then.
            if not stopping.is_set():
                raise

    thread = threading.Thread(target=_run, name="segbot-http", daemon=True)
    thread.start()

    def _stop() -> None:
        stopping.set()
        server.close()
        # The loop ends once its map is empty: close the connections clients left open.
        for channel in list(server._map.values()):
            channel.close()
        thread.join(timeout=5)
        server.task_dispatcher.shutdown(timeout=5)

    return BackgroundServer(f"http://127.0.0.1:{server.effective_port}", _stop)


def serve_web_api_answers(answer: Callable[[str], tuple[int, dict[str, Any]]]) -> BackgroundServer:
    """A stand-in for Slack's Web API on loopback: ``answer(path)`` gives each POST its status and JSON."""

    class _Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            status, payload = answer(self.path)
            body = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            if status != 200:
                # Retries come at once rather than after the client's default wait.
                self.send_header("Retry-After", "0")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()

    def _stop() -> None:
        server.shutdown()
        server.server_close()

    return BackgroundServer(f"http://127.0.0.1:{server.server_port}", _stop)
