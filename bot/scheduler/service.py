"""The refresh scheduler: APScheduler jobs derived from the schedules table, run by one leader process.

Jobs live in APScheduler's SQLAlchemy job store in segbot's own database, with explicit ids, so
a restart finds them with their next run time: a run missed while the bot was down is still
due, and ``coalesce`` plus ``misfire_grace_time`` make it run once. Our ``segment_schedules``
table stays the source of truth; the leader re-derives the jobs from it at start and every
``sync_seconds`` (which is also how a schedule made through another process reaches it).
"""

from __future__ import annotations

import atexit
import logging
import threading
import time
from datetime import timedelta

from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.scheduler.runs import SchedulerRuntime, install_runtime, retry_notifications, run_live_pass
from bot.scheduler.triggers import make_trigger
from bot.settings import Settings
from bot.team_clients import team_client_factory
from storage.db import unit_of_work
from storage.leadership import DEFAULT_LOCK_KEY, AdvisoryLockLeadership
from storage.service import live, schedules
from storage.service.schedules import ScheduleInfo

log = logging.getLogger(__name__)

JOB_FUNCTION = "bot.scheduler.runs:run_scheduled_refresh"
JOB_PREFIX = "refresh:"


def job_id(schedule: ScheduleInfo) -> str:
    """The job id of a segment's schedule: stable, so re-adding replaces, never duplicates."""
    return f"{JOB_PREFIX}{schedule.workspace_id}:{schedule.segment_no}"


# A run missed by up to a day (the bot was down overnight) still runs, once, when it comes back.
MISFIRE_GRACE = timedelta(days=1)
# A burst of imports is refreshed for once: a pass waits until the data version held still for
# one poll, but never longer than this after the first change it saw.
LIVE_MAX_WAIT_SECONDS = 2.5


class _SharedEngineJobStore(SQLAlchemyJobStore):
    """The job store on segbot's own engine; it must not dispose the engine the app still uses."""

    def shutdown(self) -> None:
        pass


class RefreshScheduler:
    """Leads (or waits to lead) and, while leading, runs the scheduled refreshes."""

    def __init__(
        self,
        runtime: SchedulerRuntime,
        engine: Engine,
        *,
        sync_seconds: float = 30.0,
        retry_seconds: float = 15.0,
        live_seconds: float = 1.0,
        lock_key: int = DEFAULT_LOCK_KEY,
    ) -> None:
        self.runtime = runtime
        self._live_seconds = live_seconds
        # Workspace id -> (data version last seen, when a change was first seen): the coalescing state.
        self._live_seen: dict[int, tuple[int, float]] = {}
        self._live_thread: threading.Thread | None = None
        self._engine = engine
        self._sync_seconds = sync_seconds
        self._retry_seconds = retry_seconds
        self._leadership = AdvisoryLockLeadership(engine, key=lock_key)
        self._scheduler: BackgroundScheduler | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        # Set once a take-over is complete: jobs synced and the scheduler running.
        self._leading = threading.Event()

    @property
    def is_leader(self) -> bool:
        return self._leading.is_set()

    def start(self) -> None:
        """Install the runtime and start competing for leadership in a background thread."""
        install_runtime(self.runtime)
        self._stop.clear()
        self._thread = threading.Thread(target=self._lead_or_wait, name="segbot-scheduler", daemon=True)
        self._thread.start()

    def shutdown(self) -> None:
        """Stop the scheduler (if leading) and give the lock up so another process takes over at once."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None
        self._step_down()

    def wait_until_leading(self, timeout: float) -> bool:
        """Block until this process leads or ``timeout`` seconds pass; whether it leads."""
        return self._leading.wait(timeout)

    def sync_jobs(self) -> None:
        """Make the job store hold exactly one job per schedule, leaving unchanged jobs as they are.

        Unchanged jobs keep their stored next run time: replacing them would move a missed run into
        the future and lose it.
        """
        scheduler = self._scheduler
        if scheduler is None:
            return
        with unit_of_work(self.runtime.session_factory) as session:
            wanted = {job_id(s): s for s in schedules.all_schedules(session)}
        for job in scheduler.get_jobs(jobstore="default"):
            if job.id.startswith(JOB_PREFIX) and job.id not in wanted:
                scheduler.remove_job(job.id, jobstore="default")
        for wanted_id, schedule in wanted.items():
            # The name fingerprints what the job was built from, so a change is seen and applied.
            fingerprint = f"{schedule.id}|{schedule.cron}|{schedule.timezone}"
            existing = scheduler.get_job(wanted_id, jobstore="default")
            if existing is not None and existing.name == fingerprint:
                continue
            scheduler.add_job(
                JOB_FUNCTION,
                trigger=make_trigger(schedule.cron, schedule.timezone),
                args=(schedule.workspace_id, schedule.segment_no),
                id=wanted_id,
                name=fingerprint,
                jobstore="default",
                replace_existing=True,
            )

    def _lead_or_wait(self) -> None:
        while not self._stop.is_set():
            try:
                if self._scheduler is None:
                    if self._leadership.try_acquire():
                        try:
                            self._take_over()
                        except Exception:
                            # Half a take-over would hold the lock with a paused scheduler: let go.
                            self._step_down()
                            raise
                elif not self._leadership.is_held():
                    self._step_down()
            except Exception:
                # The database may be restarting; keep trying rather than let scheduling die.
                log.exception("scheduler leadership check failed; retrying")
            self._stop.wait(self._retry_seconds)

    def _take_over(self) -> None:
        log.info("this process now runs the segment refresh scheduler")
        scheduler = BackgroundScheduler(
            jobstores={
                "default": _SharedEngineJobStore(engine=self._engine, tablename="apscheduler_jobs"),
                "memory": MemoryJobStore(),
            },
            job_defaults={
                "coalesce": True,
                "misfire_grace_time": int(MISFIRE_GRACE.total_seconds()),
                "max_instances": 1,
            },
            timezone="UTC",
        )
        # Paused while the jobs are brought in line with the schedules, then everything due runs.
        scheduler.start(paused=True)
        with self._lock:
            self._scheduler = scheduler
        self.sync_jobs()
        scheduler.add_job(
            self._maintain,
            "interval",
            seconds=self._sync_seconds,
            id="segbot:maintain",
            jobstore="memory",
            replace_existing=True,
        )
        scheduler.resume()
        self._leading.set()
        # Live segments: the data version is polled in the database, so changes made by any
        # process (a CLI import) are seen; SQLite has no NOTIFY and the poll is one small query.
        # A thread of its own rather than a job: a long pass delays the next poll, not a schedule.
        self._live_seen.clear()
        self._live_thread = threading.Thread(
            target=self._poll_live_while_leading, name="segbot-live", daemon=True
        )
        self._live_thread.start()
        # A notification lost to a crash between refresh and post goes out now, without a new refresh.
        retry_notifications(self.runtime)

    def _poll_live_while_leading(self) -> None:
        while self._leading.is_set() and not self._stop.is_set():
            try:
                self.poll_live()
            except Exception:
                log.exception("polling the data version for live segments failed; retrying")
            self._stop.wait(self._live_seconds)

    def poll_live(self, *, now: float | None = None) -> int:
        """Refresh the live segments of workspaces whose data changed and then held still; how many ran.

        A change is acted on at the poll after the one that first saw it, unless the version moved
        again in between (a burst of imports), and at the latest ``LIVE_MAX_WAIT_SECONDS`` after it.
        """
        moment = time.monotonic() if now is None else now
        with unit_of_work(self.runtime.session_factory) as session:
            behind = live.behind_workspaces(session)
        for workspace_id in list(self._live_seen):
            if workspace_id not in behind:
                del self._live_seen[workspace_id]
        refreshed = 0
        for workspace_id, version in behind.items():
            seen = self._live_seen.get(workspace_id)
            if seen is None:
                self._live_seen[workspace_id] = (version, moment)
                continue
            seen_version, first_seen = seen
            if seen_version != version and moment - first_seen < LIVE_MAX_WAIT_SECONDS:
                self._live_seen[workspace_id] = (version, first_seen)
                continue
            del self._live_seen[workspace_id]
            try:
                refreshed += len(run_live_pass(self.runtime, workspace_id))
            except Exception:
                # One workspace's failure must not stop the others' live segments; the next poll retries.
                log.exception("live refresh of workspace %s failed; retrying", workspace_id)
        return refreshed

    def _maintain(self) -> None:
        self.sync_jobs()
        retry_notifications(self.runtime)

    def _step_down(self) -> None:
        self._leading.clear()
        live_thread, self._live_thread = self._live_thread, None
        if live_thread is not None and live_thread is not threading.current_thread():
            live_thread.join(timeout=30)
        with self._lock:
            scheduler, self._scheduler = self._scheduler, None
        if scheduler is not None:
            scheduler.shutdown(wait=True)
        self._leadership.release()


def start_refresh_scheduler(
    settings: Settings, engine: Engine, session_factory: sessionmaker[Session]
) -> RefreshScheduler:
    """Wire and start the refresh scheduler for ``segbot run``; it stops (and frees its lock) at exit."""
    runtime = SchedulerRuntime(
        session_factory=session_factory,
        client_for_team=team_client_factory(settings, engine),
        page_size=settings.segbot_page_size,
    )
    scheduler = RefreshScheduler(runtime, engine)
    scheduler.start()
    atexit.register(scheduler.shutdown)
    return scheduler
