"""Installing segbot into a workspace through OAuth: the install pages, tokens encrypted at rest, then use."""

from __future__ import annotations

import re
import urllib.request
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from bot.scheduler import SchedulerRuntime, refresh_due_schedule
from bot.scheduler.runs import retry_notifications
from bot.settings import SettingsError
from bot.team_clients import team_client_factory
from commands.schedule_phrases import parse_when
from segbot_testing.slack_api import message_text
from segbot_testing.slack_harness import TEAM_ID
from storage.criteria.ast import Match, Text
from storage.service import changes, history, schedules, segments
from storage.service.types import ADD
from storage.service.workspaces import ensure_workspace
from tests.bot.conftest import RunningBot
from tests.factories import add_contact

KEY = Fernet.generate_key().decode()
OWNER = "U0OWNER"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def _get(url: str, *, cookie: str | None = None) -> tuple[int, str, dict[str, str]]:
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(request, timeout=10) as response:
            return response.status, response.read().decode(), dict(response.headers)
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode(), dict(exc.headers)


def _oauth_bot(start_bot: Callable[..., RunningBot]) -> RunningBot:
    return start_bot(
        slack_bot_token=None,
        slack_client_id="1234.5678",
        slack_client_secret="client-secret",
        segbot_encryption_key=KEY,
    )


def _install(bot: RunningBot) -> None:
    """Go through /slack/install and /slack/oauth_redirect as a workspace admin's browser would."""
    status, page, headers = _get(f"{bot.base_url}/slack/install")
    assert status == 200
    authorize = re.search(r'href="(https://slack.com/oauth/v2/authorize\?[^"]+)"', page)
    assert authorize is not None
    query = parse_qs(urlsplit(authorize.group(1).replace("&amp;", "&")).query)
    assert query["client_id"] == ["1234.5678"]
    assert "commands" in query["scope"][0].split(",")
    cookie = headers["Set-Cookie"].split(";")[0]

    status, _, _ = _get(
        f"{bot.base_url}/slack/oauth_redirect?code=c0de&state={query['state'][0]}", cookie=cookie
    )

    assert status == 200
    assert bot.fake.calls_to("oauth.v2.access")


def test_installing_through_oauth_stores_the_token_encrypted_and_commands_then_use_it(
    start_bot: Callable[..., RunningBot], engine: Engine
) -> None:
    bot = _oauth_bot(start_bot)

    _install(bot)

    with engine.connect() as conn:
        stored = conn.execute(text("SELECT bot_token FROM slack_bots")).scalar_one()
    assert stored != bot.fake.installed_token
    assert Fernet(KEY.encode()).decrypt(stored.encode()).decode() == bot.fake.installed_token

    reply = bot.sim.reply_to("help")

    assert "/segment" in message_text(reply)
    users_info = bot.fake.wait_for("users.info")[-1]
    assert users_info.headers["authorization"] == f"Bearer {bot.fake.installed_token}"


def _scheduled_segment(session_factory: sessionmaker[Session], team_id: str) -> tuple[int, str]:
    """A workspace of ``team_id`` with a Berlin segment refreshed hourly into #news, and a newcomer."""
    with session_factory.begin() as s:
        workspace_id = ensure_workspace(s, team_id)
        no = segments.create_segment(s, workspace_id, description="Berlin", owner_user_id=OWNER).no
        changes.apply_action(
            s, workspace_id, no, ADD, criteria=Match("city", (Text("Berlin"),)), user_id=OWNER
        )
        schedules.schedule_segment(
            s,
            workspace_id,
            no,
            cron=parse_when("hourly"),
            when_text="hourly",
            timezone="UTC",
            channel_id="C0NEWS",
            user_id=OWNER,
        )
        add_contact(s, workspace_id, f"{team_id}-1", name="Acme", city="Berlin")
    return workspace_id, no


def test_scheduled_notifications_post_with_each_installed_workspaces_own_token(
    start_bot: Callable[..., RunningBot], engine: Engine, session_factory: sessionmaker[Session]
) -> None:
    bot = _oauth_bot(start_bot)
    _install(bot)
    installed, segment = _scheduled_segment(session_factory, TEAM_ID)
    stranger, other_segment = _scheduled_segment(session_factory, "T0OTHER")
    runtime = SchedulerRuntime(
        session_factory=session_factory, client_for_team=team_client_factory(bot.settings, engine)
    )
    at = datetime.now(UTC)

    posted = refresh_due_schedule(runtime, installed, segment, at=at)
    never_installed = refresh_due_schedule(runtime, stranger, other_segment, at=at)

    assert posted is not None and posted.entered == 1
    [call] = bot.fake.calls_to("chat.postMessage")
    assert call.headers["authorization"] == f"Bearer {bot.fake.installed_token}"
    # The workspace without an installation keeps its refresh; its post is given up, not retried.
    assert never_installed is not None and never_installed.entered == 1
    with session_factory() as s:
        assert history.runs_awaiting_notification(s, since=at - timedelta(hours=1)) == []
    assert retry_notifications(runtime) == 0
    assert len(bot.fake.calls_to("chat.postMessage")) == 1


def test_oauth_without_an_encryption_key_refuses_to_start(start_bot: Callable[..., RunningBot]) -> None:
    with pytest.raises(SettingsError, match="SEGBOT_ENCRYPTION_KEY is required"):
        start_bot(slack_bot_token=None, slack_client_id="1234.5678", slack_client_secret="client-secret")
