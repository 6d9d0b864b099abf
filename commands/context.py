"""Who is asking, from where, and with which database: everything a verb needs besides its text."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from sqlalchemy.orm import Session, sessionmaker

from storage.service.authorization import Caller


def _utc_today() -> date:
    return datetime.now(UTC).date()


@dataclass(frozen=True)
class CommandContext:
    """The caller of a verb; ``bot/`` (or the console) builds one per request."""

    session_factory: sessionmaker[Session]
    team_id: str
    user_id: str
    channel_id: str | None = None
    page_size: int = 10
    is_admin: bool = False
    today: date = field(default_factory=_utc_today)
    timezone: str = "UTC"
    locale: str = "en"

    @property
    def caller(self) -> Caller:
        """The caller's user id and admin flag, to pass on to the service."""
        return {"user_id": self.user_id, "is_admin": self.is_admin}
