"""Identical previews on the same data computed once: shared while running, kept for a while, never stale."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy.orm import Session

from storage.data_version import bump_data_version
from storage.service import changes
from storage.service.changes._shared import SharedReads
from tests.factories import add_contact
from tests.storage.service.conftest import TODAY, World, crit, new_segment


def test_readers_asking_at_once_wait_for_one_computation() -> None:
    reads = SharedReads()
    calls: list[int] = []
    start = threading.Barrier(6)

    def compute() -> int:
        calls.append(1)
        time.sleep(0.2)
        return 42

    results: list[int] = []

    def reader() -> None:
        start.wait()
        results.append(reads.get("key", compute))

    threads = [threading.Thread(target=reader) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [42] * 6
    assert len(calls) == 1
    assert reads.get("key", compute) == 42 and len(calls) == 1
    assert reads.get("other key", compute) == 42 and len(calls) == 2


def test_a_failed_computation_fails_only_its_caller_and_the_waiters_compute_again() -> None:
    reads = SharedReads()
    leading = threading.Event()
    calls: list[str] = []

    def fail() -> int:
        calls.append("fail")
        leading.set()
        time.sleep(0.2)
        raise RuntimeError("statement timeout")

    def succeed() -> int:
        calls.append("succeed")
        return 7

    waiter_result: list[int] = []
    waiter = threading.Thread(target=lambda: (leading.wait(), waiter_result.append(reads.get("k", succeed))))
    waiter.start()
    with pytest.raises(RuntimeError, match="statement timeout"):
        reads.get("k", fail)
    waiter.join()
    assert waiter_result == [7]
    assert calls == ["fail", "succeed"]


def test_results_are_kept_only_for_their_time() -> None:
    reads = SharedReads(ttl=0.0)
    values = iter([1, 2])
    assert reads.get("k", lambda: next(values)) == 1
    assert reads.get("k", lambda: next(values)) == 2


def _added(session: Session, world: World) -> int:
    seg = new_segment(session, world)
    preview = changes.preview_action(
        session, world.workspace_id, seg, "add", criteria=crit("country", "DK"), user_id="U1", today=TODAY
    )
    return preview.added


def test_two_users_previewing_the_same_criteria_see_the_same_count_and_an_import_is_seen_at_once(
    session: Session, world: World
) -> None:
    assert _added(session, world) == _added(session, world) == 4
    # What an import does: new data, then the workspace's data version moves on.
    add_contact(session, world.workspace_id, "CT050", name="Late", person=True, country="DK")
    bump_data_version(session, world.workspace_id)
    assert _added(session, world) == 5
