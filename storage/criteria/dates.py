"""Turning the AST's dates into calendar days on the day the criteria are evaluated."""

from __future__ import annotations

import calendar
from datetime import date, timedelta

from storage.criteria.ast import Day, Today
from storage.errors import ValidationError


def resolve_date(value: Day | Today, today: date) -> date:
    """The calendar day ``value`` stands for when evaluated on ``today``.

    Months and years are calendar arithmetic: ``today-1m`` on 31 March is the last day of
    February, as a person counting "one month back" would expect.
    """
    if isinstance(value, Day):
        return value.value
    try:
        if value.unit == "d":
            return today + timedelta(days=value.offset)
        if value.unit == "w":
            return today + timedelta(weeks=value.offset)
        months = value.offset * (12 if value.unit == "y" else 1)
        return _add_months(today, months)
    except (OverflowError, ValueError) as exc:
        shown = f"today{value.offset:+d}{value.unit}"
        raise ValidationError("the date {date} is out of range", date=shown) from exc


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + (day.month - 1) + months
    year, month0 = divmod(index, 12)
    month = month0 + 1
    if not 1 <= year <= 9999:
        raise ValueError("year out of range")
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))
