"""Events API: ``app_home_opened`` publishes the user's App Home (their segments, with Show buttons)."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient

from bot.delivery import answer_safely
from bot.runtime import Runtime
from commands.home import build_home_view
from commands.reply import Reply

log = logging.getLogger(__name__)

HOME_EVENT = "app_home_opened"


def register(app: App, runtime: Runtime) -> None:
    """Keep the App Home tab current each time a user opens it."""

    @app.event(HOME_EVENT)
    def _home_opened(event: dict[str, Any], body: dict[str, Any], client: WebClient) -> None:
        # The Messages tab sends the same event; only the Home tab has something to publish.
        if event.get("tab", "home") != "home":
            return
        user_id = str(event["user"])
        team_id = str(body.get("team_id") or event.get("view", {}).get("team_id") or "")

        def _publish() -> bool:
            with runtime.slots.take() as crowded:
                ctx = runtime.context_for(
                    team_id=team_id, user_id=user_id, channel_id=None, client=client, crowded=crowded
                )
                view = build_home_view(ctx.session_factory, ctx.team_id, ctx.user_id, locale=ctx.locale)
            client.views_publish(user_id=user_id, view=view)
            return True

        def _publish_safely() -> None:
            outcome = answer_safely(_publish, what=HOME_EVENT)
            if isinstance(outcome, Reply):
                log.warning("App Home not published: %s", outcome.text)

        runtime.work.submit(_publish_safely)
