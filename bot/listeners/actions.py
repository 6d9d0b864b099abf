"""Buttons (``segbot:*`` action ids): Confirm, Cancel, Next, Previous, Show... routed to the registry."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot.delivery import ReplyTarget
from bot.listeners import respond_later
from bot.redeliveries import delivery_key
from bot.runtime import Runtime
from commands.registry import ACTION_PREFIX

ACTION_PATTERN = re.compile("^" + re.escape(ACTION_PREFIX))


def register(app: App, runtime: Runtime) -> None:
    """Route every segbot button press to ``registry.handle_action``."""

    @app.action(ACTION_PATTERN)
    def _button(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, context: BoltContext
    ) -> None:
        ack()
        target = ReplyTarget(
            user_id=body["user"]["id"],
            channel_id=_channel_id(body),
            # Buttons in the App Home have no response_url; the reply then goes to the user directly.
            response_url=body.get("response_url"),
            trigger_id=body.get("trigger_id"),
        )
        action_id = str(action["action_id"])
        value = str(action.get("value") or (action.get("selected_option") or {}).get("value") or "")
        respond_later(
            runtime,
            client,
            target,
            team_id=_team_id(body),
            what=action_id,
            work=lambda ctx: runtime.registry.handle_action(action_id, value, ctx),
            delivery_key=delivery_key(context),
        )


def _channel_id(body: dict[str, Any]) -> str | None:
    channel = body.get("channel") or {}
    return channel.get("id") or (body.get("container") or {}).get("channel_id")


def _team_id(body: dict[str, Any]) -> str:
    team = body.get("team") or {}
    return str(team.get("id") or body["user"].get("team_id"))
