"""Work slots: at most N commands at once, each told whether it runs alone."""

from __future__ import annotations

import threading
import time

import pytest

from bot.work_slots import BusyError, WorkSlots


def test_a_command_alone_is_not_crowded_and_one_alongside_another_is() -> None:
    slots = WorkSlots(2)
    with slots.take() as first_crowded, slots.take() as second_crowded:
        assert slots.running == 2
    assert (first_crowded, second_crowded) == (False, True)
    assert slots.running == 0


def test_no_more_than_the_slots_run_at_once_and_every_command_runs() -> None:
    slots = WorkSlots(3)
    peak, done = [0], []
    lock = threading.Lock()

    def command(n: int) -> None:
        with slots.take():
            with lock:
                peak[0] = max(peak[0], slots.running)
            time.sleep(0.02)
            done.append(n)

    threads = [threading.Thread(target=command, args=(n,)) for n in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert peak[0] == 3
    assert sorted(done) == list(range(12))


def test_a_failing_command_gives_its_slot_back() -> None:
    slots = WorkSlots(1)
    with pytest.raises(RuntimeError), slots.take():
        raise RuntimeError("boom")
    with slots.take() as crowded:
        assert not crowded


def test_zero_slots_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one"):
        WorkSlots(0)


def test_a_command_that_waits_too_long_for_a_slot_is_told_so_and_the_slot_count_stays_right() -> None:
    slots = WorkSlots(1)
    with slots.take():
        started = time.perf_counter()
        with pytest.raises(BusyError, match="busy"), slots.take(timeout=0.2):
            pass
        assert time.perf_counter() - started < 2
    with slots.take() as crowded:
        assert crowded is False and slots.running == 1
