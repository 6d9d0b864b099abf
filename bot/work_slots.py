"""How many commands one bot process runs against the database at once; the others wait their turn.

Letting every command run at once made each slower and delayed the acknowledgements of new
requests behind busy database backends; a few at a time finish the same work sooner
(docs/performance.md, "Work slots")."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from storage.errors import SegbotError

# A command that waited this long for a slot is told to try again rather than wait on: by then the
# user has given up on it, and waiting threads would pile up behind a stuck database.
WAIT_SECONDS = 120.0


class BusyError(SegbotError):
    """Every work slot stayed taken for longer than a command may wait; nothing was done."""


class WorkSlots:
    """A counting gate around command work that also tells a command whether it runs alone."""

    def __init__(self, size: int) -> None:
        if size < 1:
            raise ValueError("at least one work slot is needed")
        # threading.Semaphore wakes waiters first come, first served, though a newcomer can take a
        # slot freed before the woken waiter does: roughly, not strictly, in order of arrival.
        self._slots = threading.Semaphore(size)
        self._lock = threading.Lock()
        self._running = 0

    @property
    def running(self) -> int:
        with self._lock:
            return self._running

    @contextmanager
    def take(self, *, timeout: float = WAIT_SECONDS) -> Iterator[bool]:
        """Wait for a free slot and hold it for the block; yields True when other commands run too.

        Raises :class:`BusyError` when no slot frees up within ``timeout`` seconds.
        """
        if not self._slots.acquire(timeout=timeout):
            raise BusyError("segbot is busy and did not get to this; nothing was changed. Please try again.")
        try:
            with self._lock:
                self._running += 1
                crowded = self._running > 1
            try:
                yield crowded
            finally:
                with self._lock:
                    self._running -= 1
        finally:
            self._slots.release()
