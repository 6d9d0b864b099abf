"""The segment builder while it is open: each change to an input updates the modal (the live count),
long pickers load their options as the user types, and the "New segment" shortcut opens it.

Changes arrive faster than counts finish. A change is dropped when a newer one of the same modal has
arrived, and ``views.update`` carries the hash of the view the change was made on, so Slack refuses
an update computed from an older view (``hash_conflict``) instead of overwriting a newer count.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.models.views import View

from bot.delivery import ReplyTarget, answer_safely
from bot.listeners import context_of, respond_later
from bot.listeners.views import channel_from_metadata
from bot.redeliveries import delivery_key
from bot.runtime import Runtime
from commands.blocks.modal import VALUE_ACTION

log = logging.getLogger(__name__)

NEW_SEGMENT_SHORTCUT = "segbot:new_segment"


@dataclass
class LatestChanges:
    """Per open modal: the time of its newest change, and the hash our last update gave it."""

    _latest: dict[str, float] = field(default_factory=dict)
    _hashes: dict[str, str] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def arrived(self, view_id: str, at: float) -> bool:
        """Note a change made at ``at``; False when a newer change of the view is already known."""
        with self._lock:
            if at < self._latest.get(view_id, 0.0):
                return False
            self._latest[view_id] = at
            # Modals close without telling us; forget the oldest once there are many.
            if len(self._latest) > 10_000:
                oldest = next(iter(self._latest))
                self._latest.pop(oldest, None)
                self._hashes.pop(oldest, None)
            return True

    def is_latest(self, view_id: str, at: float) -> bool:
        with self._lock:
            return at >= self._latest.get(view_id, 0.0)

    def updated(self, view_id: str, view_hash: str | None) -> None:
        with self._lock:
            if view_hash:
                self._hashes[view_id] = view_hash

    def our_hash(self, view_id: str) -> str | None:
        with self._lock:
            return self._hashes.get(view_id)


def register(app: App, runtime: Runtime) -> None:
    """Listen to the builder's input changes, its external selects and the global shortcut."""
    changes = LatestChanges()

    @app.action(VALUE_ACTION)
    def _input_changed(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        view = body.get("view") or {}
        callback_id = str(view.get("callback_id") or "")
        view_id = str(view.get("id") or "")
        if not view_id or not runtime.registry.handles_view_changes(callback_id):
            return
        at = _action_time(body)
        if changes.arrived(view_id, at):
            runtime.work.submit(_update_view, runtime, changes, client, body, at)

    @app.options(VALUE_ACTION)
    def _options(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        view = body.get("view") or {}
        target = ReplyTarget(
            user_id=body["user"]["id"], channel_id=channel_from_metadata(view.get("private_metadata"))
        )

        def _load() -> list[dict[str, Any]]:
            ctx = context_of(runtime, target, team_id=_team_id(body), client=client, crowded=False)
            found = runtime.registry.handle_options(
                str(view.get("callback_id") or ""),
                str(body.get("block_id") or ""),
                str(body.get("value") or ""),
                ctx,
            )
            return [option.to_dict() for option in found]

        options = answer_safely(_load, what="builder options")
        # Slack shows an empty list rather than an error; the failure itself is logged.
        ack(options=options if isinstance(options, list) else [])

    @app.shortcut(NEW_SEGMENT_SHORTCUT)
    def _new_segment(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        ack()
        # A global shortcut has no channel: the preview after the submission comes as a direct message.
        target = ReplyTarget(user_id=body["user"]["id"], trigger_id=body.get("trigger_id"))
        respond_later(
            runtime,
            client,
            target,
            team_id=_team_id(body),
            what=NEW_SEGMENT_SHORTCUT,
            work=lambda ctx: runtime.registry.dispatch("new", ctx),
            delivery_key=delivery_key(context),
        )


def _update_view(
    runtime: Runtime, changes: LatestChanges, client: WebClient, body: dict[str, Any], at: float
) -> None:
    view = body["view"]
    view_id = str(view["id"])
    target = ReplyTarget(
        user_id=body["user"]["id"], channel_id=channel_from_metadata(view.get("private_metadata"))
    )
    with runtime.slots.take() as crowded:
        if not changes.is_latest(view_id, at):
            return

        def _render() -> View:
            ctx = context_of(runtime, target, team_id=_team_id(body), client=client, crowded=crowded)
            return runtime.registry.handle_view_change(str(view["callback_id"]), view, ctx)

        updated = answer_safely(_render, what="builder change")
    if not isinstance(updated, View):
        log.warning("builder not updated: %s", updated.text)
        return
    if not changes.is_latest(view_id, at):
        return
    sent_hash = view.get("hash")
    try:
        answer = client.views_update(view_id=view_id, hash=sent_hash, view=updated)
    except SlackApiError as exc:
        if exc.response.get("error") != "hash_conflict":
            log.warning("views.update failed: %s", exc.response.get("error"))
            return
        # Our own update of an older change landed after this change was made: its hash is the
        # view the user sees, so this newer count may replace it. Anything else is newer than us.
        ours = changes.our_hash(view_id)
        if not ours or ours == sent_hash or not changes.is_latest(view_id, at):
            log.info("dropped a builder update made on an older view")
            return
        try:
            answer = client.views_update(view_id=view_id, hash=ours, view=updated)
        except SlackApiError as again:
            log.info("dropped a builder update: %s", again.response.get("error"))
            return
    changes.updated(view_id, (answer.get("view") or {}).get("hash"))


def _action_time(body: dict[str, Any]) -> float:
    actions = body.get("actions") or [{}]
    try:
        return float(actions[0].get("action_ts") or 0.0)
    except (TypeError, ValueError):
        return 0.0


def _team_id(body: dict[str, Any]) -> str:
    team = body.get("team") or {}
    return str(team.get("id") or body["user"].get("team_id"))
