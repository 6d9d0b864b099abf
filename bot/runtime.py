"""What every listener needs, wired once: settings, the database, the verb registry, and who users are."""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session, sessionmaker

from bot.settings import Settings
from bot.work_slots import WorkSlots
from commands.context import CommandContext
from commands.i18n import reply_locale, supported_locale
from commands.registry import Registry
from storage.db import unit_of_work, without_parallel_query
from storage.service.workspaces import default_locale, ensure_workspace

log = logging.getLogger(__name__)

WORK_THREADS = 32

# users.info is rate limited (tier 4) and a user's time zone and role rarely change.
_USER_CACHE_SECONDS = 600.0


@dataclass(frozen=True)
class SlackUser:
    """What segbot needs to know about the caller: time zone, and whether they administer the workspace."""

    timezone: str | None = None
    is_admin: bool = False
    # Slack's locale as given (``it-IT``); None when Slack did not say.
    locale: str | None = None


@dataclass
class UserDirectory:
    """users.info, cached per team and user; a failed lookup falls back to defaults, never fails a command."""

    ttl: float = _USER_CACHE_SECONDS
    _cache: dict[tuple[str, str], tuple[float, SlackUser]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def lookup(self, client: WebClient, team_id: str, user_id: str) -> SlackUser:
        key = (team_id, user_id)
        now = time.monotonic()
        with self._lock:
            cached = self._cache.get(key)
        if cached is not None and now - cached[0] < self.ttl:
            return cached[1]
        user = self._fetch(client, user_id)
        if user is None:
            return SlackUser()
        with self._lock:
            self._cache[key] = (now, user)
        return user

    def known_locale(self, team_id: str, user_id: str) -> str | None:
        """The user's Slack locale if already cached: no network, no database (they may be down)."""
        with self._lock:
            cached = self._cache.get((team_id, user_id))
        return supported_locale(cached[1].locale) if cached is not None else None

    @staticmethod
    def _fetch(client: WebClient, user_id: str) -> SlackUser | None:
        """The user as Slack describes them; None when Slack could not be asked (not cached)."""
        if not client.token:
            return SlackUser()
        try:
            data = client.users_info(user=user_id, include_locale=True).get("user") or {}
        except SlackApiError as exc:
            log.warning("users.info failed for a user: %s", exc.response.get("error"))
            return None
        except Exception as exc:
            # A dropped connection or a timeout: the defaults serve this command; the next one asks again.
            log.warning("users.info unreachable: %s", type(exc).__name__)
            return None
        tz = data.get("tz")
        return SlackUser(
            timezone=tz if isinstance(tz, str) and _is_timezone(tz) else None,
            is_admin=bool(data.get("is_admin") or data.get("is_owner")),
            locale=str(data["locale"]) if data.get("locale") else None,
        )


def _is_timezone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except Exception:
        return False
    return True


@dataclass(frozen=True)
class Runtime:
    """The bot's collaborators, shared by every listener."""

    settings: Settings
    session_factory: sessionmaker[Session]
    registry: Registry
    # The work after an ack runs here, not in Bolt's listener threads: those must stay free to ack
    # the next requests, or a burst of slow previews would make Slack time out on new commands.
    work: Executor = field(default_factory=lambda: ThreadPoolExecutor(WORK_THREADS, "segbot-work"))
    users: UserDirectory = field(default_factory=UserDirectory)
    # Of the work threads, this many run a command at a time (SEGBOT_WORK_SLOTS).
    slots: WorkSlots = field(default_factory=lambda: WorkSlots(4))

    def today(self) -> date:
        """Today in ``SEGBOT_TIMEZONE``: relative dates in criteria (``today-30d``) mean the team's day."""
        return datetime.now(ZoneInfo(self.settings.segbot_timezone)).date()

    def context_for(
        self,
        *,
        team_id: str,
        user_id: str,
        channel_id: str | None,
        client: WebClient | None,
        team_name: str = "",
        crowded: bool = False,
    ) -> CommandContext:
        """The CommandContext of one request; makes sure the workspace exists first.

        ``crowded``: other commands run at the same time, so this one's queries go without
        PostgreSQL's parallel workers (storage.db.without_parallel_query).
        """
        with unit_of_work(self.session_factory) as session:
            workspace_id = ensure_workspace(session, team_id, name=team_name)
            workspace_locale = default_locale(session, workspace_id)
        user = self.users.lookup(client, team_id, user_id) if client is not None else SlackUser()
        locale = reply_locale(user.locale, workspace_locale)
        return CommandContext(
            session_factory=without_parallel_query(self.session_factory) if crowded else self.session_factory,
            team_id=team_id,
            user_id=user_id,
            channel_id=channel_id,
            page_size=self.settings.segbot_page_size,
            is_admin=user.is_admin,
            today=self.today(),
            timezone=user.timezone or self.settings.segbot_timezone,
            locale=locale,
        )
