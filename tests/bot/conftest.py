"""The bot running for real: its WSGI app under waitress on loopback, Slack faked on loopback too.

``slack`` starts both per test, on the run's database (SQLite, and PostgreSQL when
``TEST_DATABASE_URL`` is set, through the shared ``engine`` fixture), with ``SLACK_API_URL`` pointed
at the fake. Tests then speak to the bot only as Slack would.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.app import create_app
from bot.http import make_wsgi_app
from bot.settings import Settings, load_settings
from commands.registry import Registry, load_registry
from segbot_testing.slack_api import FakeSlackApi
from segbot_testing.slack_harness import SIGNING_SECRET, SlackSimulator
from tests.bot.http_server import serve_in_background


@dataclass
class RunningBot:
    """The HTTP app on loopback and the Slack around it."""

    base_url: str
    sim: SlackSimulator
    fake: FakeSlackApi
    settings: Settings
    session_factory: sessionmaker[Session]


@pytest.fixture
def fake_slack() -> Iterator[FakeSlackApi]:
    with FakeSlackApi() as fake:
        yield fake


def bot_settings(fake: FakeSlackApi, engine: Engine, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "slack_bot_token": "xoxb-test-token",
        "slack_signing_secret": SIGNING_SECRET,
        "slack_app_token": None,
        "slack_client_id": None,
        "slack_client_secret": None,
        "slack_api_url": fake.api_url,
        "database_url": engine.url.render_as_string(hide_password=False),
        "segbot_page_size": 5,
        "segbot_timezone": "UTC",
    }
    return load_settings(**{**values, **overrides})


@pytest.fixture
def start_bot(
    fake_slack: FakeSlackApi, engine: Engine, session_factory: sessionmaker[Session]
) -> Iterator[Callable[..., RunningBot]]:
    """Start the bot (optionally with a given registry); stopped after the test."""
    stops: list[Callable[[], None]] = []

    def _start(
        *, registry: Registry | None = None, health_engine: Engine | None = None, **overrides: object
    ) -> RunningBot:
        settings = bot_settings(fake_slack, engine, **overrides)
        app = create_app(settings, session_factory, registry or load_registry())
        server = serve_in_background(make_wsgi_app(app, health_engine or engine))
        stops.append(server.stop)
        sim = SlackSimulator(events_url=f"{server.url}/slack/events", fake=fake_slack)
        return RunningBot(server.url, sim, fake_slack, settings, session_factory)

    yield _start
    for stop in stops:
        stop()


@pytest.fixture
def slack(start_bot: Callable[..., RunningBot]) -> RunningBot:
    """The bot with the built-in verbs, running on loopback."""
    return start_bot()


@pytest.fixture
def bare(start_bot: Callable[..., RunningBot]) -> RunningBot:
    """The bot with an empty registry (help only): the transport apart from the verbs."""
    return start_bot(registry=Registry())
