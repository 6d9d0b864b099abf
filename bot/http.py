"""HTTP mode: a WSGI app serving Slack's requests and a health check, run by waitress.

``POST /slack/events`` takes slash commands, interactivity and events (Bolt verifies the signature);
``GET /healthz`` answers 200 while the database answers ``SELECT 1`` and 503 when it does not, so a
load balancer stops sending Slack's requests to a process that cannot serve them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from sqlalchemy import Engine

from storage.db import is_reachable

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
# waitress only parses requests in these threads; listeners run in Bolt's own pool after the ack.
DEFAULT_HTTP_THREADS = 16


def is_database_up(engine: Engine) -> bool:
    """True when the database answers; a failure is logged by its kind only (no URLs, no secrets)."""
    if is_reachable(engine):
        return True
    log.warning("health check: database unavailable")
    return False


def make_wsgi_app(app: App | None, engine: Engine) -> WSGIApplication:
    """The WSGI callable: health check here, everything else (events, OAuth pages) to Bolt."""
    slack = SlackRequestHandler(app, path=EVENTS_PATH) if app is not None else None

    def _wsgi(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == HEALTH_PATH and environ.get("REQUEST_METHOD") in ("GET", "HEAD"):
            up = is_database_up(engine)
            body = b"ok\n" if up else b"database unavailable\n"
            status = "200 OK" if up else "503 Service Unavailable"
            start_response(status, [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
            return [body]
        if slack is None:
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"Not Found"]
        return slack(environ, start_response)

    return _wsgi


def serve_http(
    wsgi_app: Callable[..., Iterable[bytes]],
    *,
    host: str,
    port: int,
    threads: int = DEFAULT_HTTP_THREADS,
) -> None:
    """Serve ``wsgi_app`` with waitress (a production WSGI server) until interrupted."""
    import waitress

    log.info("segbot listening on http://%s:%d%s", host, port, EVENTS_PATH)
    waitress.serve(wsgi_app, host=host, port=port, threads=threads, ident="segbot")
