"""Playing Slack's part against the running HTTP app: signed requests in, recorded Web API calls out.

Requests are signed exactly as Slack signs them (v0 HMAC-SHA256 over ``v0:{timestamp}:{body}`` with
the signing secret, in ``X-Slack-Signature`` and ``X-Slack-Request-Timestamp``); slash commands are
form posts, interactions are ``payload=<json>`` form posts, events are JSON.
"""

from __future__ import annotations

import itertools
import json
import secrets
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from slack_sdk.signature import SignatureVerifier

from segbot_testing.slack_api import FakeSlackApi, RecordedCall, find_elements, message_text

SIGNING_SECRET = "test-signing-secret"
TEAM_ID = "T0001"
USER_ID = "U0001"
CHANNEL_ID = "C0001"


@dataclass(frozen=True)
class HttpAnswer:
    """What the app answered Slack on the HTTP request itself (the ack)."""

    status: int
    body: bytes
    seconds: float


@dataclass
class SlackSimulator:
    """Sends Slack's requests to ``events_url`` and reads the replies the fake Web API received."""

    events_url: str
    fake: FakeSlackApi
    secret: str = SIGNING_SECRET
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    # Slack's trigger and event ids are unique for good; a database kept between runs remembers them.
    _run: str = field(default_factory=lambda: secrets.token_hex(4))

    # -- requests --------------------------------------------------------------------------------------

    def post(
        self,
        body: str,
        *,
        content_type: str = "application/x-www-form-urlencoded",
        timestamp: int | None = None,
        signature: str | None = None,
    ) -> HttpAnswer:
        """POST ``body`` signed with the signing secret (or with the given, possibly wrong, signature)."""
        ts = str(int(time.time()) if timestamp is None else timestamp)
        sig = signature or SignatureVerifier(self.secret).generate_signature(timestamp=ts, body=body)
        request = urllib.request.Request(
            self.events_url,
            data=body.encode(),
            method="POST",
            headers={
                "Content-Type": content_type,
                "X-Slack-Request-Timestamp": ts,
                "X-Slack-Signature": sig or "",
            },
        )
        started = time.perf_counter()
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                data = response.read()
                status = response.status
        except urllib.error.HTTPError as exc:
            data, status = exc.read(), exc.code
        return HttpAnswer(status=status, body=data, seconds=time.perf_counter() - started)

    def command_body(self, text: str, *, user: str = USER_ID, channel: str = CHANNEL_ID) -> tuple[str, str]:
        """The form body of ``/segment text`` and the response_url it carries."""
        response_url = self.fake.response_url(f"cmd{next(self._ids)}")
        body = urlencode(
            {
                "token": "legacy-verification-token",
                "team_id": TEAM_ID,
                "team_domain": "acme",
                "channel_id": channel,
                "channel_name": "sales",
                "user_id": user,
                "user_name": "ana",
                "command": "/segment",
                "text": text,
                "api_app_id": "A0001",
                "is_enterprise_install": "false",
                "response_url": response_url,
                "trigger_id": self._trigger_id(),
            }
        )
        return body, response_url

    def command(self, text: str, *, user: str = USER_ID, channel: str = CHANNEL_ID) -> tuple[HttpAnswer, str]:
        """Type ``/segment text``; the ack and the response_url the reply will be posted to."""
        body, response_url = self.command_body(text, user=user, channel=channel)
        return self.post(body), response_url

    def reply_to(self, text: str, *, user: str = USER_ID, channel: str = CHANNEL_ID) -> RecordedCall:
        """Type ``/segment text`` and wait for the reply Slack would show."""
        answer, response_url = self.command(text, user=user, channel=channel)
        assert answer.status == 200, answer
        return self.fake.wait_for("response_url", url=response_url)[0]

    def press(
        self,
        message: RecordedCall | dict[str, Any],
        label: str,
        *,
        user: str = USER_ID,
        channel: str | None = CHANNEL_ID,
        with_response_url: bool = True,
    ) -> str | None:
        """Press the button labelled ``label`` in ``message``; the response_url of the interaction."""
        blocks = message.params.get("blocks") if isinstance(message, RecordedCall) else message.get("blocks")
        button = find_button(blocks or [], label)
        response_url = self.fake.response_url(f"act{next(self._ids)}") if with_response_url else None
        fields: dict[str, Any] = {"trigger_id": self._trigger_id(), "actions": [button_action(button)]}
        if channel is not None:
            fields["channel"] = {"id": channel, "name": "sales"}
            fields["container"] = {"type": "message", "channel_id": channel, "is_ephemeral": True}
        else:
            fields["container"] = {"type": "view", "view_id": "V0001"}
            fields["view"] = {"id": "V0001", "type": "home", "team_id": TEAM_ID}
        if response_url:
            fields["response_url"] = response_url
        answer = self._interact("block_actions", user=user, **fields)
        assert answer.status == 200, answer
        return response_url

    def press_and_wait(self, message: RecordedCall, label: str, *, count: int = 1) -> list[RecordedCall]:
        """Press ``label`` and wait for ``count`` posts to the interaction's response_url."""
        response_url = self.press(message, label)
        return self.fake.wait_for("response_url", count, url=response_url)

    def submit_view(
        self,
        view: dict[str, Any],
        values: dict[str, Any],
        *,
        user: str = USER_ID,
        trigger_id: str | None = None,
    ) -> HttpAnswer:
        """Submit a modal with ``values`` (``{block_id: {action_id: value_dict}}``).

        Passing the ``trigger_id`` of an earlier submission delivers that submission again.
        """
        return self._interact(
            "view_submission",
            user=user,
            trigger_id=trigger_id or self._trigger_id(),
            view={**view, "id": "V0002", "team_id": TEAM_ID, "state": {"values": values}},
            response_urls=[],
        )

    def shortcut(self, callback_id: str, *, user: str = USER_ID) -> HttpAnswer:
        """Use the global shortcut ``callback_id`` (from the search bar or the + menu)."""
        return self._interact(
            "shortcut",
            user=user,
            callback_id=callback_id,
            trigger_id=self._trigger_id(),
            action_ts=f"{time.time():.6f}",
        )

    def change_input(
        self,
        view: dict[str, Any],
        block_id: str,
        values: dict[str, Any],
        *,
        action_ts: float | None = None,
        view_hash: str | None = None,
        user: str = USER_ID,
    ) -> HttpAnswer:
        """Change an input of an open modal that dispatches its actions.

        ``view`` is the modal as the fake holds it; ``values`` is its whole state after the change
        (``{block_id: {action_id: value_dict}}``), ``block_id`` the input that changed. Slack sends
        the view's hash at the time of the change: pass an older one to play a late request.
        """
        element = values[block_id]["value"]
        moment = time.time() if action_ts is None else action_ts
        return self._interact(
            "block_actions",
            user=user,
            trigger_id=self._trigger_id(),
            container={"type": "view", "view_id": view["id"]},
            view={**view, "hash": view_hash or view["hash"], "team_id": TEAM_ID, "state": {"values": values}},
            actions=[{**element, "action_id": "value", "block_id": block_id, "action_ts": f"{moment:.6f}"}],
        )

    def suggest(self, view: dict[str, Any], block_id: str, typed: str, *, user: str = USER_ID) -> HttpAnswer:
        """Type ``typed`` into an external select of an open modal; the answer holds its options."""
        return self._interact(
            "block_suggestion",
            user=user,
            container={"type": "view", "view_id": view["id"]},
            view={**view, "team_id": TEAM_ID},
            action_id="value",
            block_id=block_id,
            value=typed,
        )

    def _interact(self, kind: str, *, user: str, **fields: Any) -> HttpAnswer:
        """POST an interaction payload of ``kind``: the envelope every one carries, then ``fields``."""
        payload = {
            "type": kind,
            "team": {"id": TEAM_ID, "domain": "acme"},
            "user": {"id": user, "username": "ana", "team_id": TEAM_ID},
            "api_app_id": "A0001",
            "token": "legacy-verification-token",
            **fields,
        }
        return self.post(urlencode({"payload": json.dumps(payload)}))

    def _trigger_id(self) -> str:
        # Unique for good, like Slack's: a database kept between runs remembers the ones it saw.
        return f"trigger.{self._run}.{next(self._ids)}"

    def event(self, event: dict[str, Any]) -> HttpAnswer:
        """Deliver an Events API callback."""
        body = json.dumps(
            {
                "token": "legacy-verification-token",
                "team_id": TEAM_ID,
                "api_app_id": "A0001",
                "event": event,
                "type": "event_callback",
                "event_id": f"Ev{self._run}{next(self._ids):05d}",
                "event_time": int(time.time()),
            }
        )
        return self.post(body, content_type="application/json")


def button_action(button: dict[str, Any]) -> dict[str, Any]:
    """The ``actions`` entry Slack sends when ``button``, as a message holds it, is pressed."""
    return {
        "type": "button",
        "action_id": button["action_id"],
        "block_id": "b",
        "text": button["text"],
        "value": button.get("value", ""),
        "action_ts": f"{time.time():.6f}",
    }


def find_button(blocks: list[dict[str, Any]], label: str) -> dict[str, Any]:
    """The first button whose visible label is ``label``; AssertionError listing the labels otherwise."""
    buttons = list(_buttons(blocks))
    for button in buttons:
        if button["text"]["text"] == label:
            return button
    raise AssertionError(f"no button {label!r}; buttons: {[b['text']['text'] for b in buttons]}")


def new_segment_form(description: str, criteria: str) -> dict[str, Any]:
    """The values of the `new` modal (commands/blocks/modal.py) as Slack submits them, no option ticked."""
    return {
        "description": {"value": {"type": "plain_text_input", "value": description}},
        "criteria": {"value": {"type": "plain_text_input", "value": criteria}},
        "options": {"value": {"type": "checkboxes", "selected_options": []}},
    }


def button_labels(call: RecordedCall) -> list[str]:
    return [b["text"]["text"] for b in _buttons(call.params.get("blocks") or [])]


def _buttons(node: Any) -> Iterator[dict[str, Any]]:
    return find_elements(node, lambda element: element.get("type") == "button")


__all__ = ["SlackSimulator", "button_action", "button_labels", "find_button", "message_text"]
