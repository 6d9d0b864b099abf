"""Scheduled segment refreshes: the leader-elected APScheduler, its jobs, and the notifications they post."""

from bot.scheduler.runs import SchedulerRuntime, install_runtime, refresh_and_notify, refresh_due_schedule
from bot.scheduler.service import RefreshScheduler, start_refresh_scheduler

__all__ = [
    "RefreshScheduler",
    "SchedulerRuntime",
    "install_runtime",
    "refresh_and_notify",
    "refresh_due_schedule",
    "start_refresh_scheduler",
]
