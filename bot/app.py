"""The Bolt app factory: settings in, a wired ``slack_bolt.App`` out (the composition root)."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor

from slack_bolt import App
from slack_sdk import WebClient
from sqlalchemy.orm import Session, sessionmaker

from bot import redeliveries
from bot.clients import make_web_client
from bot.listeners import actions, builder, events, views
from bot.listeners import commands as slash_commands
from bot.oauth import is_oauth_configured, make_oauth_settings
from bot.runtime import Runtime
from bot.settings import Settings, SettingsError
from bot.work_slots import WorkSlots
from commands.registry import Registry

# Bolt's default of 5 listener threads makes bursts of commands wait their turn and miss Slack's 3 s.
DEFAULT_LISTENER_THREADS = 32


class _SameTokenNotice(logging.Filter):
    """Drops Bolt's "`token` will be unused" warning: Bolt reads SLACK_BOT_TOKEN from the environment
    even when given a client, and our client carries that very token."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "`token` will be unused" not in record.getMessage()


def create_app(
    settings: Settings,
    session_factory: sessionmaker[Session],
    registry: Registry,
    *,
    client: WebClient | None = None,
    listener_threads: int = DEFAULT_LISTENER_THREADS,
    verify_token: bool = True,
) -> App:
    """Build the Bolt app from ``settings`` alone.

    Tokens and the signing secret are passed explicitly: left out, Bolt would read ``SLACK_*``
    environment variables behind our settings' back. ``verify_token`` calls auth.test at start-up
    so a wrong token fails fast with one clear line.
    """
    oauth_settings = None
    if is_oauth_configured(settings):
        # Several workspaces: each request's token comes from the installation of its team.
        oauth_settings = make_oauth_settings(settings, session_factory.kw["bind"])
    elif settings.slack_bot_token is None:
        raise SettingsError("SLACK_BOT_TOKEN is required to connect to Slack")
    signing_secret = settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else ""
    bolt_logger = logging.getLogger("segbot.bolt")
    if not any(isinstance(f, _SameTokenNotice) for f in bolt_logger.filters):
        bolt_logger.addFilter(_SameTokenNotice())
    app = App(
        client=client or make_web_client(settings),
        signing_secret=signing_secret,
        # Answer Slack first, work after: listeners ack at once and keep running in the executor.
        process_before_response=False,
        listener_executor=ThreadPoolExecutor(max_workers=listener_threads, thread_name_prefix="segbot"),
        token_verification_enabled=verify_token,
        oauth_settings=oauth_settings,
        logger=bolt_logger,
        name="segbot",
    )
    runtime = Runtime(
        settings=settings,
        session_factory=session_factory,
        registry=registry,
        slots=WorkSlots(settings.segbot_work_slots),
    )
    redeliveries.register(app)
    for listeners in (slash_commands, actions, views, builder, events):
        listeners.register(app, runtime)
    return app
