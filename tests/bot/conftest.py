"""The bot running for real: its WSGI app under waitress on loopback, Slack faked on loopback too.

``slack`` starts both per test, on the run's database (SQLite, and PostgreSQL when
``TEST_DATABASE_URL`` is set, through the shared ``engine`` fixture), with ``SLACK_API_URL`` pointed
at the fake. Tests then speak to the bot only as Slack would.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from bot.app import create_app
from bot.clients import make_web_client
from bot.http import make_wsgi_app
from bot.scheduler import SchedulerRuntime, install_runtime
from bot.settings import Settings, load_settings
from commands.context import CommandContext
from commands.registry import Registry, load_registry
from segbot_testing.slack_api import FakeSlackApi, RecordedCall
from segbot_testing.slack_harness import SIGNING_SECRET, SlackSimulator
from storage.data_version import bump_data_version
from storage.models import Contact, Workspace
from storage.service import segments
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


@dataclass
class Scene:
    """A scheduler runtime on the test's database, the fake Slack it posts to, and one workspace."""

    runtime: SchedulerRuntime
    slack: FakeSlackApi
    workspace: Workspace
    session_factory: sessionmaker[Session]
    engine: Engine

    def posts(self) -> list[RecordedCall]:
        return self.slack.calls_to("chat.postMessage")

    def dispatch(self, text: str, *, user: str = "U0OWNER") -> str:
        """The reply text of one slash command, as ``user`` types it in channel C0X."""
        ctx = CommandContext(
            session_factory=self.session_factory,
            team_id=self.workspace.team_id,
            user_id=user,
            channel_id="C0X",
        )
        return load_registry().dispatch(text, ctx).text

    def move(self, no: str, city: str, *, as_an_import: bool = False) -> None:
        """Move a contact; ``as_an_import`` also moves the data version on, as an import does."""
        with self.session_factory.begin() as s:
            s.scalars(select(Contact).where(Contact.no == no)).one().city = city
            if as_an_import:
                bump_data_version(s, self.workspace.id)

    def members(self, no: str) -> list[str]:
        with self.session_factory() as s:
            return [r.no for r in segments.segment_page(s, self.workspace.id, no, page=1, page_size=50).rows]


@pytest.fixture
def runtime(fake_slack: FakeSlackApi, session_factory: sessionmaker[Session]) -> Iterator[SchedulerRuntime]:
    """The scheduler's runtime, posting to the fake Slack, installed for the jobs to find."""
    settings = load_settings(slack_bot_token="xoxb-test", slack_api_url=fake_slack.api_url)
    made = SchedulerRuntime(
        session_factory=session_factory, client_for_team=lambda _team: make_web_client(settings), page_size=5
    )
    install_runtime(made)
    yield made
    install_runtime(None)


@pytest.fixture
def scene(
    runtime: SchedulerRuntime,
    fake_slack: FakeSlackApi,
    workspace: Workspace,
    session_factory: sessionmaker[Session],
    engine: Engine,
) -> Scene:
    return Scene(runtime, fake_slack, workspace, session_factory, engine)


@pytest.fixture
def leader_election(engine: Engine) -> None:
    """Skips the test on SQLite: advisory locks elect a leader only on PostgreSQL."""
    if engine.dialect.name != "postgresql":
        pytest.skip("advisory locks elect a leader only on PostgreSQL; SQLite is one process")


def run_segbot_script(*args: str, database_url: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """The installed ``segbot`` console script in a process of its own, main()'s error handling included."""
    script = Path(sys.executable).with_name("segbot")
    return subprocess.run(
        [str(script), *args],
        capture_output=True,
        text=True,
        env={**os.environ, "DATABASE_URL": database_url},
        cwd=cwd,
        timeout=60,
        check=False,
    )
