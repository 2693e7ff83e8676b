"""APScheduler wiring (through python-telegram-bot's job queue): thin jobs over the database.

A repeating sweep every `interval` seconds, and a one-shot job armed for the nearest pending
timer so reminders are on time between sweeps. Jobs never hold state: a job that runs late
(or not at all while the bot was down) loses nothing, because the next sweep finds every due
timer in the database. `misfire_grace_time=None` keeps APScheduler from silently skipping a
late run (its default grace is one second).
"""

from __future__ import annotations

import logging

from telegram.ext import ContextTypes, JobQueue

from application.context import is_temporary
from scheduler.sweep import ReminderSweep

log = logging.getLogger(__name__)

SWEEP_JOB = "reminder-sweep"
NEXT_JOB = "reminder-next"
_JOB_KWARGS = {"misfire_grace_time": None, "coalesce": True, "max_instances": 1}


class ReminderJobs:
    """Installs and runs the sweep jobs."""

    def __init__(
        self,
        sweep: ReminderSweep,
        job_queue: JobQueue,
        interval: float = 30.0,
    ) -> None:
        self.sweep = sweep
        self.job_queue = job_queue
        self.interval = interval

    def install(self) -> None:
        """Start the repeating sweep (first run right away)."""
        self.job_queue.run_repeating(
            self._tick, interval=self.interval, first=0.1, name=SWEEP_JOB, job_kwargs=_JOB_KWARGS
        )

    async def _tick(self, context: ContextTypes.DEFAULT_TYPE) -> None:
        """One sweep, the morning digest, and the wake-up for the nearest timer."""
        try:
            report = await self.sweep.sweep()
            if report.claimed:
                log.info("reminders: %s due, %s messages", report.claimed, report.messages)
            await self.sweep.digest()
            await self._arm_next()
        except Exception as exc:  # the database may be away; the next tick tries again
            if is_temporary(exc):
                log.warning("reminder sweep not done; next tick tries again (%s)", exc)
            else:
                log.exception("reminder sweep failed; will retry")

    async def _arm_next(self) -> None:
        async with self.sweep.uow_factory() as uow:
            nearest = await uow.timers.next_fire_at()
        if nearest is None:
            return
        delay = (nearest - self.sweep.clock()).total_seconds()
        if delay >= self.interval:
            return  # the repeating sweep will be there first
        for job in self.job_queue.get_jobs_by_name(NEXT_JOB):
            job.schedule_removal()
        self.job_queue.run_once(
            self._tick, when=max(0.0, delay) + 0.05, name=NEXT_JOB, job_kwargs=_JOB_KWARGS
        )
