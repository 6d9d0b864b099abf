"""Installing segbot into a workspace through OAuth: the install pages, tokens encrypted at rest, then use."""

from __future__ import annotations

import re
import urllib.request
from collections.abc import Callable
from urllib.parse import parse_qs, urlsplit

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import Engine, text

from bot.settings import SettingsError
from tests.bot.conftest import RunningBot
from tests.fakes.slack_api import message_text

KEY = Fernet.generate_key().decode()


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


def test_installing_through_oauth_stores_the_token_encrypted_and_commands_then_use_it(
    start_bot: Callable[..., RunningBot], engine: Engine
) -> None:
    bot = _oauth_bot(start_bot)

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
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT bot_token FROM slack_bots")).scalar_one()
    assert stored != bot.fake.installed_token
    assert Fernet(KEY.encode()).decrypt(stored.encode()).decode() == bot.fake.installed_token

    reply = bot.sim.reply_to("help")

    assert "/segment" in message_text(reply)
    users_info = bot.fake.wait_for("users.info")[-1]
    assert users_info.headers["authorization"] == f"Bearer {bot.fake.installed_token}"


def test_oauth_without_an_encryption_key_refuses_to_start(start_bot: Callable[..., RunningBot]) -> None:
    with pytest.raises(SettingsError, match="SEGBOT_ENCRYPTION_KEY is required"):
        start_bot(slack_bot_token=None, slack_client_id="1234.5678", slack_client_secret="client-secret")
