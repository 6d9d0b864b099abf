"""Slack's Socket Mode side on loopback: a WebSocket server speaking Slack's Socket Mode protocol.

Slack's protocol, as this stand-in plays it: the app asks ``apps.connections.open`` (the fake Web API
hands out ``FakeSocketModeServer.url()``), opens a WebSocket there and receives ``{"type": "hello"}``;
requests then arrive as envelopes (``slash_commands``, ``interactive``, ``events_api``) with an
``envelope_id`` the app acknowledges by sending ``{"envelope_id": ...}`` back, optionally with a
``payload``. Slack asks the app to move to a new connection with ``{"type": "disconnect", "reason":
"refresh_requested" | "warning" | "link_disabled"}`` and keeps the old one open a little longer; it
may also just close the socket.

Tests drive it with ``send_*``, ``close_current``, ``disconnect`` and read what the app did from
``wait_ack`` and ``connections`` (open and close times, close codes, every frame received).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed


@dataclass
class Ack:
    """An acknowledgement the app sent: its envelope, payload, connection and when it arrived."""

    envelope_id: str
    payload: dict[str, Any] | None
    connection: int
    at: float


@dataclass
class SocketConnection:
    """One WebSocket the app opened; ``close_code`` is what the app answered our close with."""

    number: int
    opened_at: float
    hello_at: float | None = None
    closed_at: float | None = None
    close_code: int | None = None
    close_reason: str = ""
    received: list[dict[str, Any]] = field(default_factory=list)
    _ws: ServerConnection | None = None

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class FakeSocketModeServer:
    """The stand-in. ``start()`` / ``stop()`` or a context manager; thread-safe controls."""

    def __init__(self) -> None:
        self.connections: list[SocketConnection] = []
        self.acks: list[Ack] = []
        self.sent_at: dict[str, float] = {}
        self._tickets = itertools.count(1)
        self._cond = threading.Condition()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: Server | None = None
        self._thread: threading.Thread | None = None
        self._port = 0

    # -- lifecycle -------------------------------------------------------------------------------------

    def start(self) -> FakeSocketModeServer:
        started = threading.Event()

        def _run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            asyncio.set_event_loop(loop)

            async def _open() -> None:
                self._server = await serve(self._session, "127.0.0.1", 0)
                self._port = next(iter(self._server.sockets)).getsockname()[1]
                started.set()

            loop.run_until_complete(_open())
            loop.run_forever()
            loop.close()

        self._thread = threading.Thread(target=_run, name="fake-socket-mode", daemon=True)
        self._thread.start()
        started.wait(10)
        return self

    def stop(self) -> None:
        if self._loop is None or self._server is None:
            return
        server, loop = self._server, self._loop

        async def _close() -> None:
            server.close()
            await server.wait_closed()

        asyncio.run_coroutine_threadsafe(_close(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        if self._thread is not None:
            self._thread.join(10)
        self._server = None

    def __enter__(self) -> FakeSocketModeServer:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    def url(self) -> str:
        """A fresh WebSocket URL, as each ``apps.connections.open`` returns one."""
        return f"ws://127.0.0.1:{self._port}/link/?{urlencode({'ticket': next(self._tickets)})}"

    # -- what the app did ------------------------------------------------------------------------------

    def wait_connected(self, count: int = 1, *, timeout: float = 10.0) -> SocketConnection:
        """Block until the app has opened ``count`` connections; the last one."""
        with self._cond:
            if not self._cond.wait_for(lambda: len(self.connections) >= count, timeout):
                raise AssertionError(f"{len(self.connections)} Socket Mode connections, wanted {count}")
            return self.connections[count - 1]

    def wait_ack(self, envelope_id: str, *, timeout: float = 10.0) -> Ack:
        """Block until ``envelope_id`` was acknowledged; the first acknowledgement."""
        with self._cond:
            if not self._cond.wait_for(lambda: self._acks_of(envelope_id), timeout):
                raise AssertionError(f"envelope {envelope_id} not acknowledged within {timeout} s")
            return self._acks_of(envelope_id)[0]

    def acks_of(self, envelope_id: str) -> list[Ack]:
        with self._cond:
            return self._acks_of(envelope_id)

    def wait_closed(self, connection: SocketConnection, *, timeout: float = 10.0) -> None:
        with self._cond:
            if not self._cond.wait_for(lambda: not connection.is_open, timeout):
                raise AssertionError(f"connection {connection.number} still open after {timeout} s")

    def _acks_of(self, envelope_id: str) -> list[Ack]:
        return [a for a in self.acks if a.envelope_id == envelope_id]

    # -- playing Slack ---------------------------------------------------------------------------------

    def send_slash_command(self, body: dict[str, Any], **kwargs: Any) -> str:
        """Deliver a slash command (``body`` as the form fields Slack would post); its envelope id."""
        return self.send_envelope("slash_commands", body, accepts_response_payload=True, **kwargs)

    def send_interactive(self, payload: dict[str, Any], **kwargs: Any) -> str:
        return self.send_envelope("interactive", payload, accepts_response_payload=True, **kwargs)

    def send_event(self, event_body: dict[str, Any], **kwargs: Any) -> str:
        return self.send_envelope("events_api", event_body, accepts_response_payload=False, **kwargs)

    def send_envelope(
        self,
        kind: str,
        payload: dict[str, Any],
        *,
        accepts_response_payload: bool,
        envelope_id: str | None = None,
        connection: SocketConnection | None = None,
    ) -> str:
        """Send one envelope on ``connection`` (default: the newest open one); its envelope id."""
        envelope_id = envelope_id or str(uuid.uuid4())
        message = {
            "envelope_id": envelope_id,
            "type": kind,
            "payload": payload,
            "accepts_response_payload": accepts_response_payload,
            "retry_attempt": 0,
            "retry_reason": "",
        }
        with self._cond:
            self.sent_at.setdefault(envelope_id, time.perf_counter())
        self._send(connection or self.current(), message)
        return envelope_id

    def disconnect(self, reason: str, *, connection: SocketConnection | None = None) -> None:
        """Ask the app to move to a new connection, as Slack does before it closes this one."""
        message = {"type": "disconnect", "reason": reason, "debug_info": {"host": "fake-socket-mode"}}
        self._send(connection or self.current(), message)

    def close(self, connection: SocketConnection, code: int = 1000, reason: str = "") -> None:
        """Close ``connection`` from the server side and wait for the close handshake."""
        ws = connection._ws
        assert ws is not None and self._loop is not None
        asyncio.run_coroutine_threadsafe(ws.close(code, reason), self._loop).result(10)

    def current(self) -> SocketConnection:
        """The newest connection that is still open."""
        with self._cond:
            for connection in reversed(self.connections):
                if connection.is_open:
                    return connection
        raise AssertionError("the app has no open Socket Mode connection")

    def _send(self, connection: SocketConnection, message: dict[str, Any]) -> None:
        ws = connection._ws
        assert ws is not None and self._loop is not None
        asyncio.run_coroutine_threadsafe(ws.send(json.dumps(message)), self._loop).result(10)

    # -- the server side -------------------------------------------------------------------------------

    async def _session(self, ws: ServerConnection) -> None:
        with self._cond:
            connection = SocketConnection(number=len(self.connections) + 1, opened_at=time.perf_counter())
            connection._ws = ws
            self.connections.append(connection)
        await ws.send(json.dumps({"type": "hello", "num_connections": 1, "debug_info": {"host": "fake"}}))
        with self._cond:
            connection.hello_at = time.perf_counter()
            self._cond.notify_all()
        try:
            async for raw in ws:
                message = json.loads(raw)
                with self._cond:
                    connection.received.append(message)
                    if "envelope_id" in message:
                        self.acks.append(
                            Ack(
                                envelope_id=str(message["envelope_id"]),
                                payload=message.get("payload"),
                                connection=connection.number,
                                at=time.perf_counter(),
                            )
                        )
                    self._cond.notify_all()
        except ConnectionClosed:
            pass
        finally:
            with self._cond:
                connection.closed_at = time.perf_counter()
                received = ws.protocol.close_rcvd
                connection.close_code = received.code if received else None
                connection.close_reason = received.reason if received else ""
                self._cond.notify_all()
