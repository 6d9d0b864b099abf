"""Tables Slack's side of segbot keeps in segbot's database, so Alembic owns them like every other table.

``slack_installations``, ``slack_bots`` and ``slack_oauth_states`` have the names and columns that
slack_sdk's SQLAlchemy installation and state stores read and write (storage/ may not import
slack_sdk, so they are declared here column for column). Token columns are wider than slack_sdk's
200 characters: they hold Fernet-encrypted tokens, which are about twice as long as the token.

``slack_requests`` remembers which Slack deliveries were already taken on, so a delivery Slack
retries (``X-Slack-Retry-Num``) is acknowledged and not worked on again, by whichever process gets it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Column, DateTime, Index, Integer, String, Table, func
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base

_TOKEN = 1000


def _bot_columns() -> list[Column[Any]]:
    """The columns of an app's bot in a workspace, which both of slack_sdk's tables hold (new each call)."""
    return [
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("client_id", String(32), nullable=False),
        Column("app_id", String(32), nullable=False),
        Column("enterprise_id", String(32)),
        Column("enterprise_name", String(200)),
        Column("team_id", String(32)),
        Column("team_name", String(200)),
        Column("bot_token", String(_TOKEN)),
        Column("bot_id", String(32)),
        Column("bot_user_id", String(32)),
        Column("bot_scopes", String(1000)),
        Column("bot_refresh_token", String(_TOKEN)),
        Column("bot_token_expires_at", DateTime),
        Column("is_enterprise_install", Boolean, default=False, nullable=False),
        Column("installed_at", DateTime, nullable=False, server_default=func.now()),
    ]


slack_installations = Table(
    "slack_installations",
    Base.metadata,
    *_bot_columns(),
    Column("enterprise_url", String(200)),
    Column("user_id", String(32), nullable=False),
    Column("user_token", String(_TOKEN)),
    Column("user_scopes", String(1000)),
    Column("user_refresh_token", String(_TOKEN)),
    Column("user_token_expires_at", DateTime),
    Column("incoming_webhook_url", String(200)),
    Column("incoming_webhook_channel", String(200)),
    Column("incoming_webhook_channel_id", String(200)),
    Column("incoming_webhook_configuration_url", String(200)),
    Column("token_type", String(32)),
    Index("slack_installations_idx", "client_id", "enterprise_id", "team_id", "user_id", "installed_at"),
)

slack_bots = Table(
    "slack_bots",
    Base.metadata,
    *_bot_columns(),
    Index("slack_bots_idx", "client_id", "enterprise_id", "team_id", "installed_at"),
)

slack_oauth_states = Table(
    "slack_oauth_states",
    Base.metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("state", String(200), nullable=False),
    Column("expire_at", DateTime, nullable=False),
)


class SlackRequest(Base):
    """One Slack delivery taken on, by its key (team, kind, and what identifies it: trigger id, event id)."""

    __tablename__ = "slack_requests"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
