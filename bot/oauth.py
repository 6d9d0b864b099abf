"""Installing segbot into several workspaces (OAuth v2), with workspace tokens encrypted at rest.

With ``SLACK_CLIENT_ID`` and ``SLACK_CLIENT_SECRET`` set, HTTP mode serves ``/slack/install`` and
``/slack/oauth_redirect``; each installation's tokens go to the database encrypted with
``SEGBOT_ENCRYPTION_KEY`` (a Fernet key), so a copy of the database alone does not expose them.
"""

from __future__ import annotations

import copy
import logging
from datetime import UTC, datetime
from typing import Any, TypeVar

from cryptography.fernet import Fernet, InvalidToken
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_sdk.oauth.installation_store import Bot, Installation, InstallationStore
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.sqlalchemy_utils import normalize_datetime_for_db
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import Engine

from bot.settings import Settings, SettingsError

log = logging.getLogger(__name__)

# The scopes of manifest.yml; tests/bot/test_manifest.py keeps the two in step.
BOT_SCOPES = (
    "commands",
    "chat:write",
    "chat:write.public",
    "files:write",
    "users:read",
    "channels:read",
    "groups:read",
    "im:write",
)
INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"
_STATE_SECONDS = 600
_TOKEN_FIELDS = ("bot_token", "bot_refresh_token", "user_token", "user_refresh_token")

_Stored = TypeVar("_Stored", Installation, Bot)


class EncryptedInstallationStore(InstallationStore):
    """Wraps another installation store, encrypting every token on save and decrypting on read."""

    def __init__(self, inner: InstallationStore, key: str) -> None:
        self._inner = inner
        self._fernet = Fernet(key.encode())

    @property
    def logger(self) -> logging.Logger:
        return log

    def save(self, installation: Installation) -> None:
        self._inner.save(self._encrypted(installation))

    def save_bot(self, bot: Bot) -> None:
        self._inner.save_bot(self._encrypted(bot))

    def find_bot(
        self, *, enterprise_id: str | None, team_id: str | None, is_enterprise_install: bool | None = False
    ) -> Bot | None:
        bot = self._inner.find_bot(
            enterprise_id=enterprise_id, team_id=team_id, is_enterprise_install=is_enterprise_install
        )
        return self._decrypted(bot) if bot is not None else None

    def find_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
        is_enterprise_install: bool | None = False,
    ) -> Installation | None:
        found = self._inner.find_installation(
            enterprise_id=enterprise_id,
            team_id=team_id,
            user_id=user_id,
            is_enterprise_install=is_enterprise_install,
        )
        return self._decrypted(found) if found is not None else None

    def delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        self._inner.delete_bot(enterprise_id=enterprise_id, team_id=team_id)

    def delete_installation(
        self, *, enterprise_id: str | None, team_id: str | None, user_id: str | None = None
    ) -> None:
        self._inner.delete_installation(enterprise_id=enterprise_id, team_id=team_id, user_id=user_id)

    def _encrypted(self, stored: _Stored) -> _Stored:
        result = copy.copy(stored)
        for name in _TOKEN_FIELDS:
            value = getattr(result, name, None)
            if value:
                setattr(result, name, self._fernet.encrypt(value.encode()).decode())
        return result

    def _decrypted(self, stored: _Stored) -> _Stored:
        result = copy.copy(stored)
        for name in _TOKEN_FIELDS:
            value = getattr(result, name, None)
            if value:
                try:
                    setattr(result, name, self._fernet.decrypt(value.encode()).decode())
                except InvalidToken:
                    # Encrypted under another key: treat as not installed rather than send garbage.
                    log.warning("a stored Slack token cannot be decrypted with SEGBOT_ENCRYPTION_KEY")
                    setattr(result, name, None)
        return result


class PurgingOAuthStateStore(SQLAlchemyOAuthStateStore):
    """Slack's state store, which deletes a state only when it is used; this one also drops expired ones.

    Anyone may open the install page, and each visit issues a state: without the purge every visit
    left a row for good.
    """

    def issue(self, *args: Any, **kwargs: Any) -> str:
        state = super().issue(*args, **kwargs)
        now = normalize_datetime_for_db(datetime.now(tz=UTC))
        with self.engine.begin() as conn:
            conn.execute(self.oauth_states.delete().where(self.oauth_states.c.expire_at < now))
        return state


def is_oauth_configured(settings: Settings) -> bool:
    """True when segbot should install itself into workspaces rather than use one bot token."""
    return bool(settings.slack_client_id and settings.slack_client_secret)


def make_installation_store(settings: Settings, engine: Engine) -> EncryptedInstallationStore:
    """The workspaces' installations in segbot's database, tokens encrypted with SEGBOT_ENCRYPTION_KEY."""
    assert settings.slack_client_id is not None
    if settings.segbot_encryption_key is None:
        raise SettingsError(
            "SEGBOT_ENCRYPTION_KEY is required with SLACK_CLIENT_ID: it encrypts workspace tokens (make one: "
            "python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())')"
        )
    key = settings.segbot_encryption_key.get_secret_value()
    try:
        Fernet(key.encode())
    except ValueError:
        raise SettingsError(
            "invalid SEGBOT_ENCRYPTION_KEY: must be a Fernet key (32 bytes, url-safe base64)"
        ) from None
    # Its tables (slack_installations, slack_bots) come from segbot's own migrations
    # (storage/models/slack.py), with token columns wide enough for encrypted tokens.
    installations = SQLAlchemyInstallationStore(client_id=settings.slack_client_id, engine=engine, logger=log)
    return EncryptedInstallationStore(installations, key)


def make_oauth_settings(settings: Settings, engine: Engine) -> OAuthSettings:
    """Bolt's OAuth settings: install pages, and installations and states kept in segbot's database."""
    assert settings.slack_client_id is not None and settings.slack_client_secret is not None
    installations = make_installation_store(settings, engine)
    states = PurgingOAuthStateStore(expiration_seconds=_STATE_SECONDS, engine=engine, logger=log)
    return OAuthSettings(
        client_id=settings.slack_client_id,
        client_secret=settings.slack_client_secret.get_secret_value(),
        scopes=list(BOT_SCOPES),
        install_path=INSTALL_PATH,
        redirect_uri_path=REDIRECT_PATH,
        installation_store=installations,
        state_store=states,
    )
