"""``/segment``: acknowledged at once; the work and its answer (via response_url) follow in the work pool."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot.delivery import ReplyTarget
from bot.listeners import respond_later
from bot.redeliveries import delivery_key
from bot.runtime import Runtime

SLASH_COMMAND = "/segment"

log = logging.getLogger(__name__)


def register(app: App, runtime: Runtime) -> None:
    """Route ``/segment`` to the verb registry."""

    @app.command(SLASH_COMMAND)
    def _segment(ack: Ack, command: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        # Slack gives up after 3 s; an empty ack shows nothing and the answer follows via response_url.
        ack()
        user_id, team_id = command.get("user_id"), command.get("team_id")
        if not user_id or not team_id:
            # Slack always sends both; without them there is nobody to answer or to attribute work to.
            log.warning("ignored a /segment request without user_id or team_id")
            return
        target = ReplyTarget(
            user_id=user_id,
            channel_id=command.get("channel_id"),
            response_url=command.get("response_url"),
            trigger_id=command.get("trigger_id"),
        )
        text = command.get("text") or ""
        respond_later(
            runtime,
            client,
            target,
            team_id=team_id,
            what=SLASH_COMMAND,
            work=lambda ctx: runtime.registry.dispatch(text, ctx),
            delivery_key=delivery_key(context),
        )
