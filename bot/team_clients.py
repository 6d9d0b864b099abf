"""Which Slack client speaks for a workspace when no request brought one (scheduled posts, the CLI).

Inside a request Bolt hands listeners a client with that workspace's token. A scheduled refresh
has only a team id: with one bot token (``SLACK_BOT_TOKEN``) that token serves every workspace;
installed through OAuth, each workspace's own bot token is read from the encrypted installations.
"""

from __future__ import annotations

from collections.abc import Callable

from slack_sdk import WebClient
from sqlalchemy import Engine

from bot.clients import make_web_client
from bot.oauth import is_oauth_configured, make_installation_store
from bot.settings import Settings


class NotInstalledError(Exception):
    """segbot holds no bot token for this workspace (never installed, or uninstalled since)."""

    def __init__(self, team_id: str) -> None:
        super().__init__(f"segbot is not installed in workspace {team_id}")
        self.team_id = team_id


def team_client_factory(settings: Settings, engine: Engine) -> Callable[[str], WebClient]:
    """A function giving the client for a team id; NotInstalledError when no token serves that team."""
    if not is_oauth_configured(settings):
        slack = make_web_client(settings)
        return lambda _team_id: slack
    installations = make_installation_store(settings, engine)

    def client_for(team_id: str) -> WebClient:
        bot = installations.find_bot(enterprise_id=None, team_id=team_id)
        if bot is None or not bot.bot_token:
            raise NotInstalledError(team_id)
        return make_web_client(settings, token=bot.bot_token)

    return client_for
