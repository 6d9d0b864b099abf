"""Previews of the same criteria on the same data, computed once and shared between users.

A deferred preview of an Add to an empty segment depends only on the workspace's data at its data
version, the criteria, their options and the day: not on who asks, nor on which segment. Counting
such a set at ten million contacts takes seconds, and a team tends to preview the same criteria
at once (a campaign's list, a shared channel's request). So identical reads wait for the first
one instead of each reading the contacts again, and a repeat within ``TTL`` seconds is answered
at once (docs/performance.md, "Shared previews"). Each bot process keeps its own results in
memory. A result is only ever reused at the data version it was computed at; Confirm computes the
set again whatever a preview said, and refuses if the count differs.
"""

from __future__ import annotations

import json
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import PendingAction, Workspace
from storage.service.types import ADD

T = TypeVar("T")

TTL = 120.0
_SIZE = 512


class _Pending:
    """One read in progress: the others asking for it wait on ``done``."""

    def __init__(self) -> None:
        self.done = threading.Event()
        self.value: Any = None
        self.failed = False


class SharedReads:
    """Results of reads by key: computed once while others wait, kept ``ttl`` seconds, at most ``size``."""

    def __init__(self, *, ttl: float = TTL, size: int = _SIZE) -> None:
        self._ttl = ttl
        self._size = size
        self._lock = threading.Lock()
        self._results: OrderedDict[Hashable, tuple[float, Any]] = OrderedDict()
        self._running: dict[Hashable, _Pending] = {}

    def get(self, key: Hashable, compute: Callable[[], T]) -> T:
        """``compute()``'s result for ``key``: a kept one, the one another thread is computing, or a new one.

        A computation that fails fails only its own caller; those waiting on it compute again.
        """
        while True:
            with self._lock:
                kept = self._results.get(key)
                if kept is not None and time.monotonic() - kept[0] < self._ttl:
                    self._results.move_to_end(key)
                    return kept[1]
                running = self._running.get(key)
                if running is None:
                    running = self._running[key] = _Pending()
                    leads = True
                else:
                    leads = False
            if not leads:
                running.done.wait()
                if running.failed:
                    continue
                return running.value
            try:
                value = compute()
            except BaseException:
                running.failed = True
                raise
            else:
                running.value = value
                with self._lock:
                    self._results[key] = (time.monotonic(), value)
                    self._results.move_to_end(key)
                    while len(self._results) > self._size:
                        self._results.popitem(last=False)
                return value
            finally:
                with self._lock:
                    del self._running[key]
                running.done.set()

    def clear(self) -> None:
        with self._lock:
            self._results.clear()


SHARED = SharedReads()


def forget_shared_previews() -> None:
    """Drop every kept preview result, so the next preview of any criteria is computed anew."""
    SHARED.clear()


def criteria_key(session: Session, pending: PendingAction, what: Hashable, *, empty: bool) -> Hashable | None:
    """What identifies ``what`` (a part of) a deferred Add preview on an ``empty`` segment for every
    user, or None when it is not shareable: another kind of preview, or a segment with lines
    (whose lines move without the data version)."""
    if not (pending.deferred and empty and pending.kind == ADD and pending.criteria is not None):
        return None
    created = session.scalar(select(Workspace.created_at).where(Workspace.id == pending.workspace_id))
    return (
        what,
        # The database: a workspace's id and data version start again in a new one, its creation
        # time does not.
        str(session.get_bind().engine.url),
        pending.workspace_id,
        created,
        pending.data_version,
        pending.as_of,
        json.dumps(pending.criteria, sort_keys=True),
        json.dumps(pending.options or {}, sort_keys=True),
    )
