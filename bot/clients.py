"""Slack Web API clients that honour ``SLACK_API_URL`` and ride out rate limits and dropped connections."""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.http_retry import RetryHandler
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.webhook import WebhookClient

from bot.settings import Settings

# Slack answers bursts with 429 and Retry-After; patient retries turn that into a delay, not a lost reply.
_RATE_LIMIT_RETRIES = 3
_CONNECTION_RETRIES = 2


def retry_handlers() -> list[RetryHandler]:
    """Fresh retry handlers (they hold no state, but each client gets its own list)."""
    return [
        ConnectionErrorRetryHandler(max_retry_count=_CONNECTION_RETRIES),
        RateLimitErrorRetryHandler(max_retry_count=_RATE_LIMIT_RETRIES),
        # A 500/503 from Slack is usually a blip: retried with back-off before the reply is given up.
        ServerErrorRetryHandler(max_retry_count=_CONNECTION_RETRIES),
    ]


def make_web_client(settings: Settings, *, token: str | None = None) -> WebClient:
    """A WebClient on ``settings.slack_api_url``; ``token`` defaults to the bot token."""
    if token is None and settings.slack_bot_token is not None:
        token = settings.slack_bot_token.get_secret_value()
    return WebClient(token=token, base_url=settings.slack_api_url, retry_handlers=retry_handlers())


def make_webhook_client(url: str) -> WebhookClient:
    """A client for a ``response_url``: Slack gave us the full URL, so only the retries are ours."""
    return WebhookClient(url, retry_handlers=retry_handlers())
