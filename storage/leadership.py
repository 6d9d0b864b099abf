"""Which process runs the scheduler: the one holding a PostgreSQL advisory lock.

The lock is session-level and held on a dedicated connection, so it lasts exactly as long as that
connection: when the holder dies, PostgreSQL closes its connection, frees the lock, and a waiting
process takes it on its next try. SQLite serves one process, which always leads.
"""

from __future__ import annotations

import logging
import zlib

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DBAPIError

from storage.db import is_sqlite

log = logging.getLogger(__name__)

# Advisory lock keys are per database; this one says "segbot's scheduler" and nothing else.
DEFAULT_LOCK_KEY = zlib.crc32(b"segbot:scheduler")


class AdvisoryLockLeadership:
    """Leadership by ``pg_try_advisory_lock`` on a connection kept open while leading."""

    def __init__(self, engine: Engine, *, key: int = DEFAULT_LOCK_KEY) -> None:
        self._engine = engine
        self._key = key
        self._connection: Connection | None = None

    @property
    def is_leader(self) -> bool:
        return self._connection is not None

    def try_acquire(self) -> bool:
        """Become the leader if nobody is; True when this process now leads (or already did)."""
        if self._connection is not None:
            return self.is_held()
        if is_sqlite(self._engine):
            # SQLite has no advisory locks; a SQLite deployment is one process by definition.
            self._connection = self._engine.connect()
            return True
        connection = self._engine.connect()
        try:
            acquired = bool(connection.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": self._key}))
            # End the transaction: the lock is session-level and must not leave us idle in a transaction.
            connection.commit()
        except DBAPIError:
            connection.close()
            raise
        if not acquired:
            connection.close()
            return False
        self._connection = connection
        return True

    def is_held(self) -> bool:
        """Whether the lock's connection is still alive; a dead one means leadership is lost."""
        if self._connection is None:
            return False
        try:
            self._connection.scalar(text("SELECT 1"))
            self._connection.commit()
            return True
        except DBAPIError:
            log.warning("lost the scheduler lock's database connection; stepping down")
            self._drop()
            return False

    def release(self) -> None:
        """Give the lock up (on shutdown) so another process can lead at once."""
        if self._connection is None:
            return
        if not is_sqlite(self._engine):
            try:
                self._connection.scalar(text("SELECT pg_advisory_unlock(:key)"), {"key": self._key})
                self._connection.commit()
            except DBAPIError:
                pass
        self._drop()

    def _drop(self) -> None:
        connection, self._connection = self._connection, None
        if connection is None:
            return
        try:
            # Not back into the pool: a pooled connection could keep a lock alive behind our back.
            connection.invalidate()
            connection.close()
        except DBAPIError:
            pass
