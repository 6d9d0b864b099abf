"""Cron expressions: when they fire, in the schedule's time zone."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from storage.cron import latest_fire_time, next_fire_time, parse_cron
from storage.errors import ValidationError

ROME = "Europe/Rome"


def test_cron_weekday_numbers_count_from_sunday_as_cron_does() -> None:
    # Saturday 2026-11-28 08:00 in Rome: "1-5" must next fire on Monday, not on Saturday or Tuesday.
    after = datetime(2026, 11, 28, 8, 0, tzinfo=ZoneInfo(ROME))
    fire = next_fire_time("30 8 * * 1-5", ROME, after=after)
    assert fire == datetime(2026, 11, 30, 8, 30, tzinfo=ZoneInfo(ROME))
    assert next_fire_time("0 10 * * 0", ROME, after=after).weekday() == 6
    assert next_fire_time("0 10 * * 7", ROME, after=after).weekday() == 6


def test_a_schedule_fires_in_the_callers_time_zone() -> None:
    after = datetime(2026, 7, 1, 0, 0, tzinfo=UTC)
    fire = next_fire_time("0 9 * * *", "America/New_York", after=after)
    assert fire.astimezone(UTC) == datetime(2026, 7, 1, 13, 0, tzinfo=UTC)


def test_latest_fire_time_is_the_slot_a_late_run_stands_for() -> None:
    at = datetime(2026, 11, 30, 9, 47, 12, tzinfo=UTC)
    assert latest_fire_time("*/15 * * * *", "UTC", at=at) == datetime(2026, 11, 30, 9, 45, tzinfo=UTC)
    assert latest_fire_time("0 10 * * 1", "UTC", at=at) == datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
    assert latest_fire_time("0 9 * * *", "UTC", at=datetime(2026, 11, 30, 9, 0, tzinfo=UTC)) == datetime(
        2026, 11, 30, 9, 0, tzinfo=UTC
    )
    assert latest_fire_time("0 0 1 1 *", "UTC", at=at) == datetime(2026, 1, 1, tzinfo=UTC)


def test_a_cron_that_never_fires_is_refused() -> None:
    with pytest.raises(ValidationError, match="never fires"):
        next_fire_time("0 0 31 2 *", "UTC", after=datetime(2026, 1, 1, tzinfo=UTC))


@pytest.mark.parametrize(
    ("cron", "message"),
    [
        ("0 9 * *", "five fields"),
        ("61 9 * * *", "minute 61 is out of range 0-59"),
        ("0 9 1 * 1", "not both"),
        ("*/0 * * * *", "step must be at least 1"),
    ],
)
def test_bad_cron_expressions_are_refused_with_a_reason(cron: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        parse_cron(cron)


def test_a_time_skipped_by_daylight_saving_still_runs_that_day_an_hour_later() -> None:
    # Rome skips 02:00-03:00 on Sunday 29 March 2026: 02:30 runs at 03:30 summer time.
    after = datetime(2026, 3, 28, 12, 0, tzinfo=UTC)
    fire = next_fire_time("30 2 * * *", ROME, after=after)
    assert fire == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    assert fire.astimezone(ZoneInfo(ROME)).hour == 3


def test_a_time_repeated_by_daylight_saving_runs_at_both_instants() -> None:
    # Rome's clocks show 02:00-03:00 twice on Sunday 25 October 2026.
    first = next_fire_time("15 2 * * *", ROME, after=datetime(2026, 10, 24, 12, 0, tzinfo=UTC))
    second = next_fire_time("15 2 * * *", ROME, after=first)
    assert (first.astimezone(UTC).hour, second.astimezone(UTC).hour) == (0, 1)
