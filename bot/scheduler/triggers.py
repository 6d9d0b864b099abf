"""APScheduler triggers for stored schedules (a cron expression and a time zone).

APScheduler 3 numbers weekdays from Monday = 0 while cron uses Sunday = 0, and ANDs day of month
with day of week where cron ORs them; so the trigger is built from the values ``storage.cron``
expands each field into, rather than handed to ``CronTrigger.from_crontab``.
"""

from __future__ import annotations

from apscheduler.triggers.cron import CronTrigger

from storage.cron import WEEKDAYS, parse_cron, zone_of


def make_trigger(cron: str, timezone: str) -> CronTrigger:
    """An APScheduler trigger firing at ``cron`` (standard cron, Sunday = 0) in ``timezone``."""
    fields = parse_cron(cron)
    return CronTrigger(
        minute=_as_list(fields.minutes),
        hour=_as_list(fields.hours),
        day=_as_list(fields.days),
        month=_as_list(fields.months),
        day_of_week="*"
        if fields.weekdays is None
        else ",".join(WEEKDAYS[d] for d in sorted(fields.weekdays)),
        timezone=zone_of(timezone),
    )


def _as_list(values: frozenset[int] | None) -> str:
    return "*" if values is None else ",".join(str(v) for v in sorted(values))
