"""Settings read from the environment or ``.env`` (docs/admin-guide.md, Configuration)."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from storage.errors import SegbotError


class SettingsError(SegbotError):
    """A configuration value is missing or malformed; the message names the variable, never its value."""


class Settings(BaseSettings):
    """Everything segbot reads from its environment. Tokens are secrets: never printed."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_client_id: str | None = None
    slack_client_secret: SecretStr | None = None
    slack_api_url: str = "https://slack.com/api/"
    database_url: str = "sqlite:///./segbot.db"
    segbot_page_size: int = Field(default=10, ge=1, le=50)
    segbot_timezone: str = "UTC"
    segbot_http: bool = False
    segbot_encryption_key: SecretStr | None = None
    # Commands one process runs against the database at once (bot/work_slots.py).
    segbot_work_slots: int = Field(default=4, ge=1, le=64)
    # Seconds one database statement may run before it is stopped (storage/db.py).
    segbot_statement_timeout: float = Field(default=30.0, gt=0, le=3600)

    @field_validator("slack_api_url")
    @classmethod
    def _api_url_is_http(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http(s) URL")
        # slack_sdk joins method names onto the base URL, so it needs its trailing slash.
        return value if value.endswith("/") else value + "/"

    @field_validator("database_url")
    @classmethod
    def _database_url_is_supported(cls, value: str) -> str:
        if not value.startswith(("sqlite", "postgresql")):
            raise ValueError("must be a sqlite:/// or postgresql+psycopg:// URL")
        return value

    @field_validator("segbot_timezone")
    @classmethod
    def _timezone_exists(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError("must be an IANA time zone such as Europe/Rome") from exc
        return value

    @property
    def has_slack_credentials(self) -> bool:
        return bool(self.slack_bot_token or self.slack_app_token or self.slack_client_id)


def load_settings(**overrides: object) -> Settings:
    """Read settings, turning pydantic's report into one line that names the variable but not its value."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        variable = str(first["loc"][0]).upper() if first["loc"] else "configuration"
        reason = first["msg"].removeprefix("Value error, ")
        raise SettingsError(f"invalid {variable}: {reason}") from None
