"""How many commands one bot process runs against the database at once; the others wait their turn.

Letting every command run at once made each slower and delayed the acknowledgements of new
requests behind busy database backends; a few at a time finish the same work sooner
(docs/performance.md, "Work slots")."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager


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
    def take(self) -> Iterator[bool]:
        """Wait for a free slot and hold it for the block; yields True when other commands run too."""
        with self._slots:
            with self._lock:
                self._running += 1
                crowded = self._running > 1
            try:
                yield crowded
            finally:
                with self._lock:
                    self._running -= 1
