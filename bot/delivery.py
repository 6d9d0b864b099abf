"""Delivering a verb's Reply to Slack, and the ONE place that turns failures into messages for the user.

A slash command or a button press comes with a ``response_url``: replies go there (ephemeral or in the
channel, replacing the pressed message when asked). Modal submissions and App Home buttons have none, so
their replies go to the channel with chat.postEphemeral, or to the user's direct messages with segbot.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.models.blocks import Block

from bot.clients import make_webhook_client
from commands.i18n import N_, translator
from commands.reply import Reply, error_reply
from storage.errors import SegbotError

log = logging.getLogger(__name__)

_Answer = TypeVar("_Answer")

GENERIC_FAILURE = N_(
    "Something went wrong on segbot's side and nothing was changed. Please try again shortly."
)


def generic_failure(locale: str | None = None) -> Reply:
    """The apology for a failure that is not the user's, in their language when it is known."""
    return Reply(text=translator(locale)._(GENERIC_FAILURE))


@dataclass(frozen=True)
class ReplyTarget:
    """Where the request came from, i.e. where its answer can go."""

    user_id: str
    channel_id: str | None = None
    response_url: str | None = None
    trigger_id: str | None = None


def answer_safely(work: Callable[[], _Answer], *, what: str, locale: str | None = None) -> _Answer | Reply:
    """Run ``work``; a SegbotError becomes its ephemeral explanation, anything else a generic apology.

    Unexpected errors are logged with their traceback but without the request payload, which can
    hold tokens and contact data.
    """
    try:
        return work()
    except SegbotError as exc:
        return error_reply(exc)
    except Exception:
        log.exception("unexpected failure while handling %s", what)
        return generic_failure(locale)


def deliver(reply: Reply, target: ReplyTarget, client: WebClient) -> None:
    """Show ``reply`` to the user as the Reply's delivery rules say (see commands/reply.py)."""
    if reply.modal is not None and target.trigger_id:
        client.views_open(trigger_id=target.trigger_id, view=reply.modal)
        return
    if reply.upload is not None:
        _upload(reply, target, client)
    if target.response_url:
        _respond(reply, target.response_url)
    else:
        _post(reply, target, client)


def _respond(reply: Reply, response_url: str) -> None:
    webhook = make_webhook_client(response_url)
    blocks = _blocks(reply.blocks)
    if reply.replace_original:
        # Slack cannot turn an ephemeral preview public: replace it for the caller, then announce.
        webhook.send(text=reply.text, blocks=blocks, replace_original=True, response_type="ephemeral")
        if reply.announce or reply.visibility == "channel":
            webhook.send(text=reply.text, blocks=blocks, replace_original=False, response_type="in_channel")
        return
    response_type = "in_channel" if reply.visibility == "channel" else "ephemeral"
    webhook.send(text=reply.text, blocks=blocks, response_type=response_type)


def _post(reply: Reply, target: ReplyTarget, client: WebClient) -> None:
    blocks = _blocks(reply.blocks)
    channel = target.channel_id
    public = reply.visibility == "channel" or reply.announce
    if channel and public:
        try:
            client.chat_postMessage(channel=channel, text=reply.text, blocks=blocks)
            return
        except SlackApiError as exc:
            log.info("channel post failed (%s); telling the user directly", exc.response.get("error"))
    elif channel:
        try:
            client.chat_postEphemeral(channel=channel, user=target.user_id, text=reply.text, blocks=blocks)
            return
        except SlackApiError as exc:
            log.info("ephemeral reply failed (%s); telling the user directly", exc.response.get("error"))
    # A bot may always write in its own direct messages with a user (the App's Messages tab).
    client.chat_postMessage(channel=target.user_id, text=reply.text, blocks=blocks)


def _upload(reply: Reply, target: ReplyTarget, client: WebClient) -> None:
    assert reply.upload is not None
    upload = reply.upload
    # A file on disk is streamed from there by slack_sdk; small ones travel as content.
    source: dict[str, Any] = (
        {"file": str(upload.path)} if upload.path is not None else {"content": upload.content}
    )
    try:
        channel = target.channel_id
        if channel:
            try:
                client.files_upload_v2(
                    channel=channel, filename=upload.filename, title=upload.title, **source
                )
                return
            except SlackApiError as exc:
                log.info("upload to the channel failed (%s); sending it directly", exc.response.get("error"))
        direct = client.conversations_open(users=target.user_id)["channel"]["id"]
        client.files_upload_v2(channel=direct, filename=upload.filename, title=upload.title, **source)
    finally:
        upload.discard()


def _blocks(blocks: Sequence[Block]) -> list[dict[str, Any]] | None:
    return [b.to_dict() for b in blocks] or None
