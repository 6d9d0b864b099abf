"""Slack deliveries already taken on, so one that Slack (or a proxy) delivers again is not worked on twice.

Slack retries an Events API delivery it thinks failed (``X-Slack-Retry-Num``), and a load balancer
may replay a request on another process; the key is claimed in the shared database, so whichever
process gets the repeat recognises it.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from storage.models import SlackRequest
from storage.service._common import utc_now

# Slack retries within minutes; a day keeps the table small and still catches late replays.
REMEMBER_FOR = timedelta(days=1)
# Forgetting old keys on about one claim in a hundred keeps the cost off the other ninety-nine.
_PRUNE_ONE_IN = 100


def claim_request(session: Session, key: str, *, now: datetime | None = None) -> bool:
    """True the first time ``key`` is claimed; False for a repeat, whichever process claimed it first."""
    now = now or utc_now()
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(SlackRequest)
        .values(key=key[:200], received_at=now)
        .on_conflict_do_nothing(index_elements=["key"])
        .returning(SlackRequest.key)
    )
    claimed = session.execute(statement).scalar_one_or_none() is not None
    if random.randrange(_PRUNE_ONE_IN) == 0:
        forget_old_requests(session, now=now)
    return claimed


def forget_old_requests(session: Session, *, now: datetime | None = None) -> int:
    """Drop keys older than ``REMEMBER_FOR``; returns how many."""
    cutoff = (now or utc_now()) - REMEMBER_FOR
    result = session.execute(delete(SlackRequest).where(SlackRequest.received_at < cutoff))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
