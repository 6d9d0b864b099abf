"""Slack's repeated deliveries are acknowledged and ignored, so a retry never repeats the work.

Slack redelivers an event it believes failed (with ``X-Slack-Retry-Num``), and a proxy in front of
several processes may replay a request on another one. Each delivery's key (the event id, or the
trigger id Slack makes per command, button press and submission) is claimed in the database
before any listener runs; a repeat finds it claimed, by this process or another, and only gets its 200.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import App, BoltRequest, BoltResponse
from sqlalchemy.orm import Session, sessionmaker

from storage.db import unit_of_work
from storage.service.requests import claim_request

log = logging.getLogger(__name__)


def request_key(body: dict[str, Any]) -> str | None:
    """What identifies one delivery of ``body`` however often it arrives; None when nothing does."""
    event_id = body.get("event_id")
    if event_id:
        return f"event:{event_id}"
    trigger_id = body.get("trigger_id")
    if not trigger_id:
        return None
    team = body.get("team_id") or (body.get("team") or {}).get("id") or ""
    kind = body.get("type") or body.get("command") or "command"
    return f"{kind}:{team}:{trigger_id}"


def register(app: App, session_factory: sessionmaker[Session]) -> None:
    """Install the middleware that claims each delivery before the listeners see it."""

    @app.middleware
    def _once(req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]) -> BoltResponse:
        key = request_key(req.body)
        if key is None:
            return next()
        try:
            with unit_of_work(session_factory) as session:
                first = claim_request(session, key)
        except Exception as exc:
            # Without the database the listener still answers (a "try again"); better than silence.
            log.warning("could not record a Slack delivery (%s); handling it anyway", type(exc).__name__)
            return next()
        if first:
            return next()
        retry = (req.headers.get("x-slack-retry-num") or ["?"])[0]
        log.info("ignored a repeated Slack delivery (retry %s)", retry)
        return BoltResponse(status=200, body="")
