"""The scheduler's triggers fire exactly when the service says a schedule runs next."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.scheduler.triggers import make_trigger
from storage.cron import next_fire_time

_CRONS = st.sampled_from(
    [
        "0 9 * * 1-5",
        "30 8 * * 0,6",
        "*/15 * * * *",
        "0 * * * *",
        "5 4 1 * *",
        "45 23 * * 0",
        "0 10 * * 7",
        "0 9 * jan,jul *",
        "20 6 15 2 *",
        "30 2 * * *",
        "15 2 * * *",
    ]
)
_ZONES = st.sampled_from(["UTC", "Europe/Rome", "America/New_York", "Asia/Kolkata", "Australia/Sydney"])
_MOMENTS = st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2028, 12, 31)).map(
    lambda moment: moment.replace(tzinfo=UTC, microsecond=0)
)


@settings(max_examples=300, deadline=None)
@given(cron=_CRONS, zone=_ZONES, after=_MOMENTS)
def test_the_trigger_and_the_services_next_run_agree(cron: str, zone: str, after: datetime) -> None:
    trigger = make_trigger(cron, zone)
    expected = trigger.get_next_fire_time(None, after + timedelta(microseconds=1))
    assert expected is not None
    assert next_fire_time(cron, zone, after=after).astimezone(UTC) == expected.astimezone(UTC)


def test_a_yearly_run_at_midnight_in_summer_time_is_next_year_not_the_year_after() -> None:
    # APScheduler 3.11's trigger skips a year here (2027-01-01); cron, and the service, do not.
    after = datetime(2025, 5, 1, tzinfo=UTC)
    fire = next_fire_time("0 0 1 1 *", "Australia/Sydney", after=after)
    assert (fire.year, fire.month, fire.day, fire.hour) == (2026, 1, 1, 0)
