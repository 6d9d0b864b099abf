"""Slack's repeated deliveries are acknowledged and ignored, so a retry never repeats the work.

Slack redelivers an event it believes failed (with ``X-Slack-Retry-Num``), and a proxy in front of
several processes may replay a request on another one. Each delivery has a key (the event id, or the
trigger id Slack makes per command, button press and submission). A middleware puts it in the
request's context; after the acknowledgement, before any work, the key is claimed in the database,
and a repeat finds it claimed, by this process or another, and stops there. Claiming after the ack
keeps the database off the path Slack times.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import App, BoltContext, BoltRequest, BoltResponse
from sqlalchemy.orm import Session, sessionmaker

from storage.db import unit_of_work
from storage.service.requests import claim_request

log = logging.getLogger(__name__)

CONTEXT_KEY = "segbot_delivery_key"


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


def delivery_key(context: BoltContext | dict[str, Any]) -> str | None:
    """The key the middleware found for this request, for ``is_first_delivery``."""
    key = context.get(CONTEXT_KEY)
    return str(key) if key else None


def is_first_delivery(session_factory: sessionmaker[Session], key: str | None) -> bool:
    """Claim ``key``; False when another delivery of the same request already did (do nothing then).

    Without the database the work goes ahead: it will tell the user to try again, which is better
    than silence.
    """
    if key is None:
        return True
    try:
        with unit_of_work(session_factory) as session:
            first = claim_request(session, key)
    except Exception as exc:
        log.warning("could not record a Slack delivery (%s); handling it anyway", type(exc).__name__)
        return True
    if not first:
        log.info("ignored a repeated Slack delivery")
    return first


def register(app: App) -> None:
    """Install the middleware that names each delivery in the request context."""

    @app.middleware
    def _name_delivery(
        req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]
    ) -> BoltResponse:
        key = request_key(req.body)
        if key is not None:
            req.context[CONTEXT_KEY] = key
        return next()
