"""Modal submissions (``new`` without arguments): field errors shown in the modal, the preview posted after.

Slack wants the answer to a submission within 3 s, and only that answer can put errors under a
field. So the registry's handler runs in a worker: if it finishes in time its field errors go into
the ack; if the preview takes longer the modal closes and the preview is posted when ready.
"""

from __future__ import annotations

import json
import logging
import re
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot.delivery import ReplyTarget, answer_safely, deliver
from bot.listeners import context_of
from bot.redeliveries import delivery_key, is_first_delivery
from bot.runtime import Runtime
from commands.reply import Reply

log = logging.getLogger(__name__)

# Leaves headroom under Slack's 3 s for the ack's own round trip.
ACK_BUDGET_SECONDS = 2.2

_CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{2,}$")


def register(app: App, runtime: Runtime) -> None:
    """Route every modal submission to ``registry.handle_view_submission``."""

    @app.view(re.compile(".*"))
    def _submission(
        ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
    ) -> None:
        if not is_first_delivery(runtime.session_factory, delivery_key(context)):
            # The same submission again (a replaying proxy, a second process): the first one answers.
            ack()
            return
        callback_id = str(view.get("callback_id") or "")
        values = (view.get("state") or {}).get("values") or {}
        target = ReplyTarget(
            user_id=body["user"]["id"],
            channel_id=channel_from_metadata(view.get("private_metadata")),
            response_url=_response_url(body),
        )
        team_id = str((body.get("team") or {}).get("id") or body["user"].get("team_id"))

        def _handle() -> Reply | dict[str, str]:
            with runtime.slots.take() as crowded:
                ctx = context_of(runtime, target, team_id=team_id, client=client, crowded=crowded)
                return runtime.registry.handle_view_submission(callback_id, values, ctx)

        outcome = runtime.work.submit(answer_safely, _handle, what=f"view {callback_id}")
        try:
            result = outcome.result(timeout=ACK_BUDGET_SECONDS)
        except FutureTimeout:
            ack()
            # No waiting past the ack: the worker delivers the outcome itself whenever it is ready.
            outcome.add_done_callback(lambda done: _deliver(done.result(), target, client, callback_id))
            return
        if isinstance(result, dict):
            ack(response_action="errors", errors=result)
            return
        ack()
        _deliver(result, target, client, callback_id)


def _deliver(
    result: Reply | dict[str, str], target: ReplyTarget, client: WebClient, callback_id: str
) -> None:
    if isinstance(result, dict):
        # The modal closed before the fields were checked: say what was wrong in a message instead.
        result = Reply(text="\n".join(result.values()))
    try:
        deliver(result, target, client)
    except Exception:
        log.exception("could not deliver the reply to view %s", callback_id)


def channel_from_metadata(metadata: Any) -> str | None:
    """The channel a modal was opened from, as the verb left it in ``private_metadata``.

    Accepts a bare channel id or JSON with ``channel_id`` / ``channel`` / ``c``.
    """
    if not isinstance(metadata, str) or not metadata:
        return None
    if _CHANNEL_ID.match(metadata):
        return metadata
    try:
        data = json.loads(metadata)
    except ValueError:
        return None
    if isinstance(data, dict):
        for key in ("channel_id", "channel", "c"):
            value = data.get(key)
            if isinstance(value, str) and _CHANNEL_ID.match(value):
                return value
    return None


def _response_url(body: dict[str, Any]) -> str | None:
    # Present only when the modal has a conversations select with response_url_enabled.
    urls = body.get("response_urls") or []
    return str(urls[0]["response_url"]) if urls else None
