"""Phrases and cron expressions a user can schedule a refresh with, and when they fire."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from storage.errors import ValidationError
from storage.schedule_phrases import latest_fire_time, next_fire_time, parse_when

ROME = "Europe/Rome"


@pytest.mark.parametrize(
    ("text", "cron"),
    [
        ("daily 09:00", "0 9 * * *"),
        ("Daily at 9:05", "5 9 * * *"),
        ("weekdays 08:30", "30 8 * * 1-5"),
        ("mondays 10:00", "0 10 * * 1"),
        ("Sunday 7pm", "0 19 * * 0"),
        ("fridays 12am", "0 0 * * 5"),
        ("weekends 11:00", "0 11 * * 0,6"),
        ("hourly", "0 * * * *"),
        ("every day 06:15", "15 6 * * *"),
        ('"0 9 * * 1-5"', "0 9 * * 1-5"),
        ("“*/15  * * * *”", "*/15 * * * *"),
        ("0 9 * * MON-FRI", "0 9 * * mon-fri"),
    ],
)
def test_phrases_and_cron_become_a_standard_cron(text: str, cron: str) -> None:
    assert parse_when(text) == cron


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "say when"),
        ("daily", "needs a time of day"),
        ("daily 25:00", "not a time of day"),
        ("mondays 10:75", "not a time of day"),
        ("hourly 10:00", "takes no time"),
        ("fortnightly 10:00", "cannot read 'fortnightly 10:00'"),
        ("61 9 * * *", "minute 61 is out of range 0-59"),
        ("0 9 * * 8", "day of week 8 is out of range 0-7"),
        ("0 9 5-1 * *", "runs backwards"),
        ("0 9 1 * 1", "not both"),
        ("0 9 x * *", "'x' is not a valid day of month"),
    ],
)
def test_bad_schedules_are_refused_with_a_reason(text: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        parse_when(text)


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
