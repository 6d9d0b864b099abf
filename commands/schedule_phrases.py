"""What a user types after `schedule SEG`: phrases such as `weekdays 08:30`, or a cron expression.

``parse_when`` turns it into the standard five-field cron expression (Sunday = 0) that the service
stores; ``storage.cron`` validates cron expressions and says when they fire.
"""

from __future__ import annotations

import re

from storage.cron import WEEKDAYS, parse_cron
from storage.errors import ValidationError

_WEEKDAY_WORDS = {
    **{name: i for i, name in enumerate(WEEKDAYS)},
    **{
        full: i
        for i, full in enumerate(
            ("sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday")
        )
    },
    "tues": 2,
    "wednes": 3,
    "thur": 4,
    "thurs": 4,
}
_EXAMPLES = (
    "`daily 09:00`, `weekdays 08:30`, `mondays 10:00`, `hourly` or a cron expression like `0 9 * * 1-5`"
)
_TIME = re.compile(r"^(\d{1,2})(?::(\d{2}))?\s*(am|pm)?$")


def parse_when(text: str) -> str:
    """The standard five-field cron expression for a phrase or cron text; ValidationError if neither."""
    cleaned = " ".join(text.strip().strip("\"'“”‘’").split()).lower()
    if not cleaned:
        raise ValidationError("say when to refresh: {examples}", examples=_EXAMPLES)
    words = cleaned.split(" ")
    if len(words) == 5 and words[0][0] in "0123456789*":
        parse_cron(cleaned)
        return cleaned
    return _phrase_to_cron(words)


def _phrase_to_cron(words: list[str]) -> str:
    head, rest = words[0], [w for w in words[1:] if w != "at"]
    if head == "every" and rest[:1] in (["day"], ["hour"]):
        head, rest = ("daily" if rest[0] == "day" else "hourly"), rest[1:]
    if head == "hourly":
        if rest:
            raise ValidationError("`hourly` runs at the start of every hour and takes no time")
        return "0 * * * *"
    if head in ("daily", "weekdays", "weekends") or head.removesuffix("s") in _WEEKDAY_WORDS:
        hour, minute = _parse_time(head, rest)
        if head == "daily":
            days = "*"
        elif head == "weekdays":
            days = "1-5"
        elif head == "weekends":
            days = "0,6"
        else:
            days = str(_WEEKDAY_WORDS[head.removesuffix("s")])
        return f"{minute} {hour} * * {days}"
    raise ValidationError(
        "cannot read '{words}' as a schedule: use {examples}", words=" ".join(words), examples=_EXAMPLES
    )


def _parse_time(head: str, rest: list[str]) -> tuple[int, int]:
    text = "".join(rest)
    match = _TIME.match(text)
    if not text or match is None:
        raise ValidationError("`{head}` needs a time of day such as `{head} 09:00`", head=head)
    hour, minute = int(match.group(1)), int(match.group(2) or 0)
    if match.group(3):
        if not 1 <= hour <= 12:
            raise ValidationError("'{text}' is not a time of day", text=text)
        hour = hour % 12 + (12 if match.group(3) == "pm" else 0)
    if hour > 23 or minute > 59:
        raise ValidationError("'{text}' is not a time of day (00:00 to 23:59)", text=text)
    return hour, minute
