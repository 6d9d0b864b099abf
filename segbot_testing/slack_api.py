"""A fake Slack Web API on loopback: a real HTTP server that records every call it receives.

Point ``SLACK_API_URL`` (or a WebClient's ``base_url``) at ``FakeSlackApi.api_url`` and give Bolt a
``response_url`` from ``FakeSlackApi.response_url()``. Tests then read what the user would have seen
from ``calls`` / ``wait_for``. ``rate_limit(method, times)`` answers the next calls with 429 and
``Retry-After`` as Slack does, to exercise the clients' retry handlers.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

# Values slack_sdk sends form-encoded as JSON strings; decoded so tests can read them as objects.
_JSON_FIELDS = ("blocks", "attachments", "view", "files", "metadata")

BOT_USER_ID = "UBOT0001"
TEAM_ID = "T0001"


@dataclass(frozen=True)
class RecordedCall:
    """One request the fake received. ``method`` is the Web API method, or ``response_url`` / ``upload``."""

    method: str
    path: str
    params: dict[str, Any]
    body: bytes
    headers: dict[str, str]
    at: float


@dataclass
class FakeSlackApi:
    """The fake server. Use as a context manager, or ``start()`` / ``stop()``."""

    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    # The bot token oauth.v2.access hands out when segbot is installed through OAuth.
    installed_token: str = "xoxb-installed-by-oauth"
    # Hands out Socket Mode URLs (segbot_testing/socket_mode.py); without one, a URL nobody listens on.
    socket_mode: Any = None
    calls: list[RecordedCall] = field(default_factory=list)
    # Modals as Slack holds them: views.open / views.update change the view and its hash, and an
    # update carrying another hash than the view's answers hash_conflict, as Slack does.
    views: dict[str, dict[str, Any]] = field(default_factory=dict)
    _lock: threading.Condition = field(default_factory=threading.Condition)
    _rate_limits: dict[str, list[int]] = field(default_factory=dict)
    _ids: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    _server: ThreadingHTTPServer | None = None
    _thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------------------------

    def start(self) -> FakeSlackApi:
        fake = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                fake._handle(self)

            def do_GET(self) -> None:
                fake._handle(self)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True
        # shutdown() waits up to one poll interval; the default half second adds up over a suite.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-slack", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeSlackApi:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        assert self._server is not None, "start() the fake first"
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def api_url(self) -> str:
        """The Web API base URL, with the trailing slash slack_sdk needs."""
        return f"{self.base_url}/api/"

    def response_url(self, name: str | None = None) -> str:
        """A fresh ``response_url`` as Slack puts in command and interaction payloads."""
        return f"{self.base_url}/response/{name or next(self._ids)}"

    # -- test controls ---------------------------------------------------------------------------------

    def rate_limit(self, method: str, times: int = 1, *, retry_after: int = 0) -> None:
        """Answer the next ``times`` calls of ``method`` with HTTP 429 and ``Retry-After``."""
        with self._lock:
            self._rate_limits[method] = [times, retry_after]

    def calls_to(self, method: str) -> list[RecordedCall]:
        """Calls to ``method`` answered normally (429 answers are recorded as ``<method>#429``)."""
        with self._lock:
            return [c for c in self.calls if c.method == method]

    def wait_for(
        self, method: str, count: int = 1, *, url: str | None = None, timeout: float = 10.0
    ) -> list[RecordedCall]:
        """Block until ``method`` was called ``count`` times (at ``url``, for response URLs); the calls."""
        path = urlsplit(url).path if url else None
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                found = [c for c in self.calls if c.method == method and path in (None, c.path)]
                if len(found) >= count:
                    return found
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    seen = [c.method for c in self.calls]
                    raise AssertionError(f"{method} called {len(found)} times, wanted {count}; saw {seen}")
                self._lock.wait(remaining)

    def clear(self) -> None:
        with self._lock:
            self.calls.clear()

    # -- the server side -------------------------------------------------------------------------------

    def _handle(self, request: BaseHTTPRequestHandler) -> None:
        length = int(request.headers.get("Content-Length") or 0)
        body = request.rfile.read(length) if length else b""
        split = urlsplit(request.path)
        # An upload's body is the file itself (a PNG is not form data), whatever its content type says.
        form = b"" if split.path.startswith("/upload") else body
        params = _parse_params(request.headers.get("Content-Type", ""), form, split.query)
        headers = {k.lower(): v for k, v in request.headers.items()}
        parts = split.path.strip("/").split("/")
        if parts[0] == "api" and len(parts) == 2:
            method = parts[1]
        elif parts[0] == "response":
            method = "response_url"
        elif parts[0] == "upload":
            method = "upload"
        else:
            self._send(request, 404, {"ok": False, "error": "unknown_path"})
            return

        with self._lock:
            limit = self._rate_limits.get(method)
            if limit and limit[0] > 0:
                limit[0] -= 1
                limited = RecordedCall(f"{method}#429", split.path, params, body, headers, time.time())
                self.calls.append(limited)
                self._lock.notify_all()
                retry_after = limit[1]
            else:
                retry_after = -1
        if retry_after >= 0:
            self._send(request, 429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(retry_after)})
            return

        answer = self._answer(method, params)
        with self._lock:
            self.calls.append(RecordedCall(method, split.path, params, body, headers, time.time()))
            self._lock.notify_all()
        if method in ("response_url", "upload"):
            # Slack answers these with a bare "ok", not a Web API envelope.
            self._send_text(request, 200, "ok")
        else:
            self._send(request, 200, answer)

    def _answer(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        ts = f"{time.time():.6f}"
        channel = params.get("channel") or "C0001"
        if method == "auth.test":
            return {
                "ok": True,
                "url": "https://fake.slack.com/",
                "team": "Fake",
                "user": "segbot",
                "team_id": TEAM_ID,
                "user_id": BOT_USER_ID,
                "bot_id": "B0001",
            }
        if method in ("chat.postMessage", "chat.update"):
            return {"ok": True, "channel": channel, "ts": params.get("ts") or ts, "message": {"text": ""}}
        if method == "chat.postEphemeral":
            return {"ok": True, "message_ts": ts}
        if method in ("views.open", "views.update", "views.push"):
            return self._store_view(method, params)
        if method == "views.publish":
            view = params.get("view")
            view = view if isinstance(view, dict) else {}
            return {"ok": True, "view": {"id": f"V{next(self._ids):05d}", **view}}
        if method == "users.info":
            user_id = str(params.get("user", ""))
            user = self.users.get(user_id, {"tz": "UTC", "is_admin": False})
            return {"ok": True, "user": {"id": user_id, "team_id": TEAM_ID, **user}}
        if method == "conversations.open":
            return {"ok": True, "channel": {"id": "D" + str(params.get("users", "U")).lstrip("U")}}
        if method == "apps.connections.open":
            if self.socket_mode is not None:
                return {"ok": True, "url": self.socket_mode.url()}
            # Socket Mode's WebSocket URL; nothing listens there, so the client keeps reconnecting.
            return {"ok": True, "url": "ws://127.0.0.1:9/socket-mode"}
        if method == "oauth.v2.access":
            return {
                "ok": True,
                "access_token": self.installed_token,
                "token_type": "bot",
                "scope": "commands,chat:write",
                "bot_user_id": BOT_USER_ID,
                "app_id": "A0001",
                "team": {"id": TEAM_ID, "name": "Fake"},
                "enterprise": None,
                "authed_user": {"id": "U0001"},
                "is_enterprise_install": False,
            }
        if method == "files.getUploadURLExternal":
            file_id = f"F{next(self._ids):05d}"
            return {"ok": True, "upload_url": f"{self.base_url}/upload/{file_id}", "file_id": file_id}
        if method == "files.completeUploadExternal":
            files = params.get("files")
            files = files if isinstance(files, list) else []
            return {"ok": True, "files": [{"id": f.get("id"), "title": f.get("title")} for f in files]}
        if method in ("response_url", "upload"):
            return {"ok": True}
        return {"ok": False, "error": "unknown_method"}

    def touch_view(self, view_id: str) -> str:
        """Change a modal's hash as an update from elsewhere would; the new hash."""
        with self._lock:
            view = self.views[view_id]
            view["hash"] = f"h{next(self._ids)}"
            return str(view["hash"])

    def _store_view(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        view = dict(params["view"]) if isinstance(params.get("view"), dict) else {}
        with self._lock:
            if method == "views.update":
                view_id = str(params.get("view_id") or "")
                current = self.views.get(view_id)
                if current is None:
                    return {"ok": False, "error": "not_found"}
                if params.get("hash") and params["hash"] != current["hash"]:
                    return {"ok": False, "error": "hash_conflict"}
            else:
                view_id = f"V{next(self._ids):05d}"
            stored = {**view, "id": view_id, "hash": f"h{next(self._ids)}"}
            self.views[view_id] = stored
            return {"ok": True, "view": dict(stored)}

    @staticmethod
    def _send(
        request: BaseHTTPRequestHandler,
        status: int,
        payload: dict[str, Any],
        headers: dict[str, str] | None = None,
    ) -> None:
        data = json.dumps(payload).encode()
        request.send_response(status)
        request.send_header("Content-Type", "application/json; charset=utf-8")
        request.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            request.send_header(name, value)
        request.end_headers()
        request.wfile.write(data)

    @staticmethod
    def _send_text(request: BaseHTTPRequestHandler, status: int, text: str) -> None:
        data = text.encode()
        request.send_response(status)
        request.send_header("Content-Type", "text/plain")
        request.send_header("Content-Length", str(len(data)))
        request.end_headers()
        request.wfile.write(data)


def _parse_params(content_type: str, body: bytes, query: str) -> dict[str, Any]:
    params: dict[str, Any] = dict(parse_qsl(query))
    if "application/json" in content_type and body:
        params.update(json.loads(body))
    elif "application/x-www-form-urlencoded" in content_type and body:
        params.update(parse_qsl(body.decode()))
    for name in _JSON_FIELDS:
        value = params.get(name)
        if isinstance(value, str) and value[:1] in "[{":
            params[name] = json.loads(value)
    return params


def message_text(call: RecordedCall) -> str:
    """Everything a user would read in a posted message: its text and every text inside its blocks."""
    texts = find_elements(call.params.get("blocks") or [], _is_text)
    parts = [str(call.params.get("text") or ""), *(text["text"] for text in texts)]
    return "\n".join(p for p in parts if p)


def find_elements(node: Any, wanted: Callable[[dict[str, Any]], bool]) -> Iterator[dict[str, Any]]:
    """Every object in Block Kit JSON that is ``wanted``, in reading order, without looking inside it."""
    if isinstance(node, dict):
        if wanted(node):
            yield node
            return
        for value in node.values():
            yield from find_elements(value, wanted)
    elif isinstance(node, list):
        for item in node:
            yield from find_elements(item, wanted)


def _is_text(element: dict[str, Any]) -> bool:
    return element.get("type") in ("mrkdwn", "plain_text") and isinstance(element.get("text"), str)
