"""HTTP mode: a WSGI app serving Slack's requests and a health check, run by waitress.

``POST /slack/events`` takes slash commands, interactivity and events; ``GET /healthz`` answers 200
while the database answers ``SELECT 1`` and 503 when it does not, so a load balancer stops sending
Slack's requests to a process that cannot serve them.

Hostile requests cost next to nothing: a body over 1 MiB is refused with 413 from its headers, and a
request to ``/slack/events`` whose signature does not verify is refused with 401 before anything
parses its body (Bolt would parse it first, and a deeply nested JSON body can exhaust the process).
"""

from __future__ import annotations

import hashlib
import hmac
import io
import logging
import sys
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

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
# Slack's own rule against replayed requests.
_SIGNATURE_MAX_AGE_SECONDS = 5 * 60
# Slack's largest payloads (a modal's state, a message's blocks) are far below this.
MAX_BODY_BYTES = 1024 * 1024
# waitress reads requests in one asynchronous loop, so a connection that sends half a request costs a
# socket, not a thread; at its default limit of 100 such clients made /healthz unreachable.
CONNECTION_LIMIT = 1000
# Slack gives up on a request after 3 s; a connection silent for this long is a client gone or stalling.
CHANNEL_TIMEOUT_SECONDS = 15


def is_database_up(engine: Engine) -> bool:
    """True when the database answers; a failure is logged by its kind only (no URLs, no secrets)."""
    if is_reachable(engine):
        return True
    log.warning("health check: database unavailable")
    return False


def make_wsgi_app(app: App | None, engine: Engine, *, signing_secret: str | None = None) -> WSGIApplication:
    """The WSGI callable: health check here, everything else (events, OAuth pages) to Bolt.

    ``signing_secret`` (default: the app's) verifies ``POST /slack/events`` before Bolt sees it.
    """
    slack = SlackRequestHandler(app, path=EVENTS_PATH) if app is not None else None
    secret = signing_secret or (getattr(app, "_signing_secret", None) if app is not None else None)
    key = secret.encode() if secret else None

    def _wsgi(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == HEALTH_PATH and environ.get("REQUEST_METHOD") in ("GET", "HEAD"):
            up = is_database_up(engine)
            return _plain(
                start_response,
                "200 OK" if up else "503 Service Unavailable",
                "ok" if up else "database unavailable",
            )
        if _declared_length(environ) > MAX_BODY_BYTES:
            return _plain(start_response, "413 Request Entity Too Large", "request body too large")
        if slack is None:
            return _plain(start_response, "404 Not Found", "Not Found")
        if environ.get("PATH_INFO") == EVENTS_PATH and environ.get("REQUEST_METHOD") == "POST":
            body = environ["wsgi.input"].read(MAX_BODY_BYTES + 1)
            if len(body) > MAX_BODY_BYTES:
                return _plain(start_response, "413 Request Entity Too Large", "request body too large")
            if key is None or not _is_signed(key, environ, body):
                return _plain(start_response, "401 Unauthorized", "invalid request signature")
            # Bolt reads the body again, from the bytes already read.
            environ["wsgi.input"] = io.BytesIO(body)
            environ["CONTENT_LENGTH"] = str(len(body))
        try:
            return slack(environ, start_response)
        except Exception:
            # A signed body Bolt cannot parse is a bad request, not a server failure; the payload is
            # never logged (it can hold tokens and contact data).
            log.warning("unparsable request to %s refused", environ.get("PATH_INFO"), exc_info=True)
            return _plain(start_response, "400 Bad Request", "bad request", exc_info=sys.exc_info())

    return _wsgi


def _declared_length(environ: WSGIEnvironment) -> int:
    try:
        return int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def _is_signed(secret: bytes, environ: WSGIEnvironment, body: bytes) -> bool:
    """Slack's v0 signature over the raw bytes, at most five minutes old.

    Computed here over bytes: slack_sdk's verifier decodes the body as UTF-8 first and fails with an
    exception on any other bytes, which an unsigned request must not be able to cause.
    """
    timestamp = str(environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP", ""))
    signature = str(environ.get("HTTP_X_SLACK_SIGNATURE", ""))
    if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) < 12) or not signature:
        return False
    if abs(time.time() - int(timestamp)) > _SIGNATURE_MAX_AGE_SECONDS:
        return False
    expected = hmac.new(secret, b"v0:" + timestamp.encode() + b":" + body, hashlib.sha256).hexdigest()
    # Bytes: compare_digest refuses str holding non-ASCII characters, which a header may carry.
    return hmac.compare_digest(f"v0={expected}".encode(), signature.encode("utf-8", "surrogateescape"))


def _plain(start_response: StartResponse, status: str, text: str, exc_info: Any = None) -> list[bytes]:
    body = f"{text}\n".encode()
    headers = [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))]
    if exc_info is not None:
        start_response(status, headers, exc_info)
    else:
        start_response(status, headers)
    return [body]


def server_options(*, threads: int = DEFAULT_HTTP_THREADS) -> dict[str, Any]:
    """waitress's limits, set deliberately (README, 'Deployment'); the tests serve with the same ones."""
    return {
        "threads": threads,
        # waitress refuses with 413 from the Content-Length header, before reading the body; its own
        # limit is "at least", so one byte more lets exactly 1 MiB through.
        "max_request_body_size": MAX_BODY_BYTES + 1,
        "connection_limit": CONNECTION_LIMIT,
        "channel_timeout": CHANNEL_TIMEOUT_SECONDS,
        # poll() has no FD_SETSIZE ceiling, which select() hits near a thousand connections.
        "asyncore_use_poll": True,
        "ident": "segbot",
    }


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
    waitress.serve(wsgi_app, host=host, port=port, **server_options(threads=threads))
