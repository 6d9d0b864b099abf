"""When a scheduled refresh runs: phrases and cron expressions, read in a user's time zone.

``parse_when`` turns what a user types (``daily 09:00``, ``weekdays 08:30``, ``mondays 10:00``,
``hourly`` or a five-field cron such as ``0 9 * * 1-5``) into a standard cron expression, and
``make_trigger`` turns that into an APScheduler trigger.

APScheduler 3 numbers weekdays from Monday = 0 while cron uses Sunday = 0, and it ANDs day of
month with day of week where cron ORs them; so fields are expanded here into explicit values
rather than handed to ``CronTrigger.from_crontab``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from apscheduler.triggers.cron import CronTrigger

from storage.errors import ValidationError

# Cron's numbering: 0 (and 7) is Sunday.
_WEEKDAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_WEEKDAY_WORDS = {
    **{name: i for i, name in enumerate(_WEEKDAYS)},
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


@dataclass(frozen=True)
class _Field:
    name: str
    low: int
    high: int
    names: tuple[str, ...] = ()
    names_start: int = 0


_FIELDS = (
    _Field("minute", 0, 59),
    _Field("hour", 0, 23),
    _Field("day of month", 1, 31),
    _Field("month", 1, 12, _MONTHS, 1),
    # 7 is accepted as Sunday, as every cron does.
    _Field("day of week", 0, 7, _WEEKDAYS, 0),
)

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
        return _validated_cron(words)
    return _phrase_to_cron(words)


def make_trigger(cron: str, timezone: str) -> CronTrigger:
    """An APScheduler trigger firing at ``cron`` (standard cron, Sunday = 0) in ``timezone``."""
    fields = [_expand(word, spec) for word, spec in zip(cron.split(), _FIELDS, strict=True)]
    minute, hour, day, month, weekday = fields
    return CronTrigger(
        minute=_as_list(minute, _FIELDS[0]),
        hour=_as_list(hour, _FIELDS[1]),
        day=_as_list(day, _FIELDS[2]),
        month=_as_list(month, _FIELDS[3]),
        day_of_week="*" if weekday is None else ",".join(_WEEKDAYS[d] for d in sorted(weekday)),
        timezone=_zone(timezone),
    )


def next_fire_time(cron: str, timezone: str, *, after: datetime) -> datetime:
    """The first time strictly after ``after`` at which ``cron`` fires, in ``timezone``."""
    trigger = make_trigger(cron, timezone)
    fire = trigger.get_next_fire_time(None, after + timedelta(microseconds=1))
    if fire is None:  # a cron such as "0 0 31 2 *" never fires
        raise ValidationError("`{cron}` never fires", cron=cron)
    return fire


def latest_fire_time(cron: str, timezone: str, *, at: datetime) -> datetime | None:
    """The last time at or before ``at`` at which ``cron`` fired (within a year), or None.

    A scheduled job does not learn which fire time it stands for, so the run works it out:
    the job is only ever started at or after its fire time and before the next one.
    """
    trigger = make_trigger(cron, timezone)
    # Widening windows keep this cheap both for every-minute crons and for monthly ones.
    for window in (timedelta(hours=2), timedelta(days=2), timedelta(days=32), timedelta(days=367)):
        latest = None
        fire = trigger.get_next_fire_time(None, at - window)
        while fire is not None and fire <= at:
            latest = fire
            fire = trigger.get_next_fire_time(fire, fire)
        if latest is not None:
            return latest
    return None


def validate_timezone(name: str) -> str:
    """``name`` if it is an IANA time zone, else ValidationError."""
    _zone(name)
    return name


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError("unknown time zone '{name}'", name=name) from None


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


def _validated_cron(words: list[str]) -> str:
    expanded = [_expand(word, spec) for word, spec in zip(words, _FIELDS, strict=True)]
    if expanded[2] is not None and expanded[4] is not None:
        # Cron fires when EITHER matches, APScheduler when BOTH do; refuse rather than surprise.
        raise ValidationError("give either a day of month or a day of week in the cron expression, not both")
    return " ".join(words)


def _expand(word: str, spec: _Field) -> set[int] | None:
    """The values a cron field allows, or None for ``*`` (every value)."""
    if word == "*":
        return None
    values: set[int] = set()
    for item in word.split(","):
        span, _, step_text = item.partition("/")
        step = _number(step_text, spec, what="step") if step_text else 1
        if step < 1:
            raise ValidationError("the {field} step must be at least 1", field=spec.name)
        if span == "*":
            low, high = spec.low, spec.high
        elif "-" in span:
            first, _, last = span.partition("-")
            low, high = _value(first, spec), _value(last, spec)
            if low > high:
                raise ValidationError("the {field} range '{span}' runs backwards", field=spec.name, span=span)
        else:
            low = _value(span, spec)
            high = spec.high if step_text else low
        values.update(range(low, high + 1, step))
    if spec.name == "day of week":
        values = {v % 7 for v in values}
        if values == set(range(7)):
            return None
    return values


def _value(text: str, spec: _Field) -> int:
    if text in spec.names:
        return spec.names.index(text) + spec.names_start
    value = _number(text, spec, what="value")
    if not spec.low <= value <= spec.high:
        raise ValidationError(
            "{field} {value} is out of range {low}-{high}",
            field=spec.name,
            value=value,
            low=spec.low,
            high=spec.high,
        )
    return value


def _number(text: str, spec: _Field, *, what: str) -> int:
    if not text.isdigit():
        raise ValidationError(
            "'{text}' is not a valid {field} {what} in the cron expression",
            text=text,
            field=spec.name,
            what=what,
        )
    return int(text)


def _as_list(values: set[int] | None, spec: _Field) -> str:
    if values is None:
        return "*"
    return ",".join(str(v) for v in sorted(values))
