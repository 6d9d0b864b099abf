"""Phrases and cron expressions a user can schedule a refresh with, read into a standard cron."""

from __future__ import annotations

import pytest

from commands.schedule_phrases import parse_when
from storage.errors import ValidationError


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


# What each refusal says, by what was typed.
BAD_SCHEDULES = {
    "": "say when",
    "daily": "needs a time of day",
    "daily 25:00": "not a time of day",
    "mondays 10:75": "not a time of day",
    "hourly 10:00": "takes no time",
    "fortnightly 10:00": "cannot read 'fortnightly 10:00'",
    "61 9 * * *": "minute 61 is out of range 0-59",
    "0 9 * * 8": "day of week 8 is out of range 0-7",
    "0 9 5-1 * *": "runs backwards",
    "0 9 1 * 1": "not both",
    "0 9 x * *": "'x' is not a valid day of month",
}


@pytest.mark.parametrize(("text", "message"), BAD_SCHEDULES.items())
def test_bad_schedules_are_refused_with_a_reason(text: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        parse_when(text)
