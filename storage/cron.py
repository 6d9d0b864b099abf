"""Cron expressions: validated, and when they fire in a time zone.

A schedule is stored as a standard five-field cron expression (minute, hour, day of month, month,
day of week with Sunday = 0) and an IANA time zone. This module reads such an expression into the
values each field allows and works out fire times by walking the calendar; it needs no scheduler,
so the service can say "next run" and the scheduler (bot/scheduler/triggers.py) builds its trigger
from the same fields.

Cron fires when the day of month OR the day of week matches, while schedulers commonly AND them;
an expression restricting both is refused rather than read one way or the other.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from storage.errors import ValidationError

# Cron's numbering: 0 (and 7) is Sunday.
WEEKDAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
# A cron that fires at all fires within four years plus a day (29 February).
_HORIZON_DAYS = 4 * 366 + 1


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
    _Field("day of week", 0, 7, WEEKDAYS, 0),
)


@dataclass(frozen=True)
class CronFields:
    """The values each field of a cron expression allows; None stands for every value (``*``)."""

    minutes: frozenset[int] | None
    hours: frozenset[int] | None
    days: frozenset[int] | None
    months: frozenset[int] | None
    weekdays: frozenset[int] | None  # Sunday = 0

    def is_fire_day(self, day: date) -> bool:
        return (
            (self.months is None or day.month in self.months)
            and (self.days is None or day.day in self.days)
            and (self.weekdays is None or day.isoweekday() % 7 in self.weekdays)
        )

    def times_of_day(self) -> list[time]:
        minutes = sorted(self.minutes) if self.minutes is not None else range(60)
        hours = sorted(self.hours) if self.hours is not None else range(24)
        return [time(hour, minute) for hour in hours for minute in minutes]


def parse_cron(text: str) -> CronFields:
    """The fields of a five-field cron expression (names like ``mon-fri`` allowed); ValidationError if bad."""
    words = text.lower().split()
    if len(words) != 5:
        raise ValidationError("a cron expression has five fields, like `0 9 * * 1-5`")
    minutes, hours, days, months, weekdays = (
        _expand(word, spec) for word, spec in zip(words, _FIELDS, strict=True)
    )
    if days is not None and weekdays is not None:
        raise ValidationError("give either a day of month or a day of week in the cron expression, not both")
    return CronFields(minutes, hours, days, months, weekdays)


def next_fire_time(cron: str, timezone: str, *, after: datetime) -> datetime:
    """The first time strictly after ``after`` at which ``cron`` fires, in ``timezone``."""
    zone = zone_of(timezone)
    start = after.astimezone(zone).date()
    # Compared as UTC instants: within one zone Python compares wall clocks, blind to a repeated hour.
    after = after.astimezone(UTC)
    for fire in _fire_times(parse_cron(cron), zone, start, step=1):
        if fire.astimezone(UTC) > after:
            return fire
    raise ValidationError("`{cron}` never fires", cron=cron)


def latest_fire_time(cron: str, timezone: str, *, at: datetime) -> datetime | None:
    """The last time at or before ``at`` at which ``cron`` fired (within a year), or None.

    A scheduled job does not learn which fire time it stands for, so the run works it out:
    the job is only ever started at or after its fire time and before the next one.
    """
    zone = zone_of(timezone)
    start = at.astimezone(zone).date()
    at = at.astimezone(UTC)
    for fire in _fire_times(parse_cron(cron), zone, start, step=-1, days=367):
        if fire.astimezone(UTC) <= at:
            return fire
    return None


def validate_timezone(name: str) -> str:
    """``name`` if it is an IANA time zone, else ValidationError."""
    zone_of(name)
    return name


def zone_of(name: str) -> ZoneInfo:
    """The IANA time zone ``name``; ValidationError if there is none of that name."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError("unknown time zone '{name}'", name=name) from None


def _fire_times(
    fields: CronFields, zone: ZoneInfo, start: date, *, step: int, days: int = _HORIZON_DAYS
) -> Iterator[datetime]:
    """Fire times day by day from ``start``, forwards (``step`` 1) or backwards (-1), in time order."""
    times = fields.times_of_day()
    for offset in range(days):
        day = start + timedelta(days=offset * step)
        if fields.is_fire_day(day):
            fires = [fire for moment in times for fire in _instants(day, moment, zone)]
            yield from sorted(fires, key=lambda fire: fire.astimezone(UTC), reverse=step < 0)


def _instants(day: date, moment: time, zone: ZoneInfo) -> list[datetime]:
    """The instants a wall-clock time stands for on ``day``: two in a daylight-saving overlap.

    A time skipped by the change to summer time still runs that day, an hour later by the clock, as
    cron and APScheduler do: a daily refresh must not miss a day.
    """
    first = datetime.combine(day, moment, tzinfo=zone)
    if first.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != first.replace(tzinfo=None):
        return [first.astimezone(UTC).astimezone(zone)]
    second = first.replace(fold=1)
    return [first, second] if second.utcoffset() != first.utcoffset() else [first]


def _expand(word: str, spec: _Field) -> frozenset[int] | None:
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
    return frozenset(values)


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
