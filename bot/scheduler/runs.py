"""What a scheduled refresh does when it fires: refresh once per fire time, record it, then post about it.

APScheduler stores a job as an import path and plain arguments, so the job function finds the
database and the Slack client through the process's installed ``SchedulerRuntime`` rather than in
its arguments (engines and clients cannot be pickled into the job store).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from uuid import uuid4

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session, sessionmaker

from bot.team_clients import NotInstalledError
from commands.i18n import translator
from commands.verbs.history import history_chart_png, run_notification
from storage.cron import latest_fire_time
from storage.db import unit_of_work
from storage.errors import NotFoundError, SegbotError, ValidationError
from storage.models.schedules import TRIGGER_MANUAL, TRIGGER_SCHEDULE
from storage.service import history, live, schedules, workspaces
from storage.service.history import RunInfo

log = logging.getLogger(__name__)

# A run older than this is not announced late: its news would mislead more than help.
NOTIFY_WITHIN = timedelta(days=1)
# Answers that will not change by asking again; anything else (429s past the retries, 5xx,
# a dropped connection) is retried by the leader's maintenance job.
PERMANENT_SLACK_ERRORS = frozenset(
    {
        "channel_not_found",
        "not_in_channel",
        "is_archived",
        "restricted_action",
        "invalid_auth",
        "account_inactive",
        "token_revoked",
        "invalid_blocks",
        "msg_too_long",
        # No bot token for the workspace (OAuth: never installed, or uninstalled).
        "not_installed",
        "not_authed",
    }
)


@dataclass(frozen=True)
class SchedulerRuntime:
    """What a run needs from the composition root: the database and a Slack client per team."""

    session_factory: sessionmaker[Session]
    client_for_team: Callable[[str], WebClient]
    page_size: int = 10


_runtime: SchedulerRuntime | None = None


def install_runtime(runtime: SchedulerRuntime | None) -> None:
    """Make ``runtime`` the one the scheduler's jobs use in this process (None uninstalls it)."""
    global _runtime
    _runtime = runtime


def installed_runtime() -> SchedulerRuntime:
    if _runtime is None:
        raise RuntimeError("no SchedulerRuntime installed: call install_runtime() before starting jobs")
    return _runtime


def run_scheduled_refresh(workspace_id: int, segment_no: str) -> None:
    """The scheduler's job: refresh the segment for the fire time just passed, then notify."""
    refresh_due_schedule(installed_runtime(), workspace_id, segment_no, at=datetime.now(UTC))


def refresh_due_schedule(
    runtime: SchedulerRuntime, workspace_id: int, segment_no: str, *, at: datetime
) -> RunInfo | None:
    """Run the segment's schedule for its latest fire time at or before ``at``; None if unscheduled.

    A fire time already run is not refreshed again; its notification is posted if it still is due.
    """
    with unit_of_work(runtime.session_factory) as session:
        try:
            schedule = schedules.get_schedule(session, workspace_id, segment_no)
        except NotFoundError:
            schedule = None
        if schedule is None:
            # The job outlived its schedule (removed by another process); the next sync drops it.
            log.info("no schedule for %s in workspace %s any more; skipping", segment_no, workspace_id)
            return None
        fire_time = latest_fire_time(schedule.cron, schedule.timezone, at=at) or at
        run = history.record_refresh_run(
            session,
            workspace_id,
            schedule.segment_no,
            key=history.run_key(schedule.id, fire_time),
            user_id=schedule.created_by,
            schedule_id=schedule.id,
            fire_time=fire_time,
            channel_id=_destination(schedule),
            trigger=TRIGGER_SCHEDULE,
            today=fire_time.date(),
            # A segment it is built on was deleted: say so in the channel rather than fail unseen.
            record_errors=True,
        )
    if run.is_new:
        log.info("refreshed %s for %s: +%d -%d", run.segment_no, fire_time.isoformat(), run.entered, run.left)
    post_notification(runtime, run.id)
    return run


def run_live_pass(runtime: SchedulerRuntime, workspace_id: int) -> list[RunInfo]:
    """Refresh the workspace's live segments that are behind its data version, in dependency order.

    Each segment is refreshed and recorded in its own transaction and announced right after, so a
    pass cut short (a crash, a restart) resumes where it stopped: segments already refreshed at
    this version are skipped, and their unposted notifications are retried by the leader.
    """
    with unit_of_work(runtime.session_factory) as session:
        version, order = live.plan_pass(session, workspace_id)
    runs: list[RunInfo] = []
    for segment_no in order:
        try:
            with unit_of_work(runtime.session_factory) as session:
                run = live.record_live_run(session, workspace_id, segment_no, version=version)
        except NotFoundError:
            # Deleted (or made not live) since the pass was planned: nothing to refresh.
            continue
        if run is None:
            continue
        if run.is_new:
            log.info("live refresh of %s at %s: +%d -%d", run.segment_no, version, run.entered, run.left)
        post_notification(runtime, run.id)
        runs.append(run)
    return runs


def refresh_and_notify(
    runtime: SchedulerRuntime, workspace_id: int, segment_no: str, *, user_id: str, today: date | None = None
) -> tuple[RunInfo, str | None]:
    """Refresh now, by hand, and post the notification to the segment's scheduled channel.

    Returns the run and the posted message's ``ts`` (None when nothing was posted). ValidationError,
    before anything changes, when the segment has no schedule and so no channel.
    """
    with unit_of_work(runtime.session_factory) as session:
        schedule = schedules.get_schedule(session, workspace_id, segment_no)
        if schedule is None:
            raise ValidationError(
                "{segment_no} has no schedule, so no channel to notify: "
                "`/segment schedule {segment_no} <when> #channel` first",
                segment_no=segment_no.upper(),
            )
        run = history.record_refresh_run(
            session,
            workspace_id,
            schedule.segment_no,
            key=f"{TRIGGER_MANUAL}:{uuid4().hex}",
            user_id=user_id,
            schedule_id=schedule.id,
            channel_id=_destination(schedule),
            trigger=TRIGGER_MANUAL,
            today=today,
        )
    # Asked for by hand: the user wants to see the message even when nothing changed.
    return run, post_notification(runtime, run.id, force=True)


def post_notification(runtime: SchedulerRuntime, run_id: int, *, force: bool = False) -> str | None:
    """Post the run's notification once; the message ``ts``, or None when not posted (now or ever).

    The claim is committed before the post, so concurrent posters cannot both post. A failed post
    gives the claim back for ``retry_notifications``.
    """
    with unit_of_work(runtime.session_factory) as session:
        run = history.get_run(session, run_id)
        if run.is_notified:
            return run.message_ts
        schedule = schedules.schedule_by_id(session, run.schedule_id) if run.schedule_id else None
        wanted = (
            run.has_changes or run.is_failed or force or (schedule is not None and schedule.notify_when_empty)
        )
        if not wanted or not run.channel_id:
            history.mark_notified(session, run.id, message_ts=None)
            return None
        if not history.claim_notification(session, run.id):
            return None
        team_id = workspaces.team_id_of(session, run.workspace_id)
        reply = run_notification(session, run, size=runtime.page_size)
    try:
        response = runtime.client_for_team(team_id).chat_postMessage(
            channel=run.channel_id, text=reply.text, blocks=list(reply.blocks), unfurl_links=False
        )
    except (SlackApiError, OSError, NotInstalledError) as exc:
        if isinstance(exc, SlackApiError):
            detail = str(exc.response.get("error"))
        elif isinstance(exc, NotInstalledError):
            detail = "not_installed"
        else:
            detail = type(exc).__name__
        permanent = detail in PERMANENT_SLACK_ERRORS
        log.warning(
            "posting the notification of run %s to %s failed (%s)%s",
            run.id,
            run.channel_id,
            detail,
            "; not retrying" if permanent else "; it will be retried",
        )
        with unit_of_work(runtime.session_factory) as session:
            if permanent:
                history.mark_notification_failed(session, run.id)
            else:
                history.release_notification(session, run.id)
        return None
    ts = str(response.get("ts") or "") or None
    with unit_of_work(runtime.session_factory) as session:
        history.mark_notified(session, run.id, message_ts=ts or "posted")
    if schedule is not None and schedule.with_chart:
        _upload_chart(runtime, team_id, run, schedule.locale, thread_ts=ts)
    return ts


def _upload_chart(
    runtime: SchedulerRuntime, team_id: str, run: RunInfo, locale: str, *, thread_ts: str | None
) -> None:
    """The segment's size over time as a PNG under the notification; a failure costs only the chart."""
    try:
        with unit_of_work(runtime.session_factory) as session:
            points = history.size_timeline(session, run.workspace_id, run.segment_no)
        png = history_chart_png(run.segment_no, run.segment_description, points, tr=translator(locale))
        runtime.client_for_team(team_id).files_upload_v2(
            channel=run.channel_id,
            filename=f"{run.segment_no}-history.png",
            content=png,
            title=f"{run.segment_no} {run.segment_description}"[:250],
            thread_ts=thread_ts,
        )
    except (SlackApiError, OSError, NotInstalledError, SegbotError) as exc:
        # The notification is posted and marked; retrying would post it twice for a chart.
        log.warning("uploading the chart of run %s failed (%s)", run.id, type(exc).__name__)


def retry_notifications(runtime: SchedulerRuntime) -> int:
    """Post the notifications of recent runs that were applied but never announced; how many were posted."""
    with unit_of_work(runtime.session_factory) as session:
        pending = history.runs_awaiting_notification(session, since=datetime.now(UTC) - NOTIFY_WITHIN)
    return sum(1 for run in pending if post_notification(runtime, run.id) is not None)


def _destination(schedule: schedules.ScheduleInfo) -> str | None:
    # chat.postMessage takes a channel id, or a "#name" when the user typed a plain #name.
    if schedule.channel_id:
        return schedule.channel_id
    return f"#{schedule.channel_name}" if schedule.channel_name else None
