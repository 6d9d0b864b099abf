"""Bolt listeners, one module per kind of Slack request, each with ``register(app, runtime)``."""

from __future__ import annotations

import logging
from collections.abc import Callable

from slack_sdk import WebClient

from bot.delivery import ReplyTarget, answer_safely, deliver, generic_failure
from bot.redeliveries import is_first_delivery
from bot.runtime import Runtime
from bot.work_slots import BusyError
from commands.context import CommandContext
from commands.reply import Reply, error_reply

log = logging.getLogger(__name__)


def respond_later(
    runtime: Runtime,
    client: WebClient,
    target: ReplyTarget,
    *,
    team_id: str,
    what: str,
    work: Callable[[CommandContext], Reply],
    delivery_key: str | None = None,
) -> None:
    """Queue ``work`` on the runtime's work pool and deliver its Reply; the listener returns at once.

    ``delivery_key`` names the Slack delivery (bot.redeliveries): a repeat of one already taken on is
    dropped. Everything that touches the database waits for a work slot (bot/work_slots.py);
    delivering the reply does not hold one, so a slow or rate-limited Slack never keeps other
    commands waiting.
    """

    def respond() -> None:
        # Known without the database, so even "the database is down" reaches users in their language.
        locale = runtime.users.known_locale(team_id, target.user_id)
        try:
            with runtime.slots.take() as crowded:
                if not is_first_delivery(runtime.session_factory, delivery_key):
                    return

                def _work() -> Reply:
                    return work(context_of(runtime, target, team_id=team_id, client=client, crowded=crowded))

                reply = answer_safely(_work, what=what, locale=locale)
        except BusyError as exc:
            reply = error_reply(exc, locale=locale)
        apology = generic_failure(locale)
        try:
            deliver(reply, target, client)
        except Exception:
            log.exception("could not deliver the reply to %s", what)
            if reply.text != apology.text:
                _apologise(apology, target, client)

    runtime.work.submit(respond)


def context_of(
    runtime: Runtime, target: ReplyTarget, *, team_id: str, client: WebClient, crowded: bool
) -> CommandContext:
    """The context of a command from ``target`` (its caller and channel); call it holding a work slot."""
    return runtime.context_for(
        team_id=team_id, user_id=target.user_id, channel_id=target.channel_id, client=client, crowded=crowded
    )


def _apologise(apology: Reply, target: ReplyTarget, client: WebClient) -> None:
    try:
        deliver(apology, target, client)
    except Exception:
        log.exception("could not tell the user that the reply failed")
