"""The acting officials' handover job: when a Plh's period begins the holder's open work moves
to him, and when it ends it goes back (`application.acting.handover`). A thin repeating job;
the appointments in the database say what is due, so a late or missed run loses nothing."""

from __future__ import annotations

import logging

from telegram.ext import ContextTypes, JobQueue

from application.acting import handover
from application.context import AppContext

log = logging.getLogger(__name__)

JOB = "acting-handover"
_JOB_KWARGS = {"misfire_grace_time": None, "coalesce": True, "max_instances": 1}


class ActingJobs:
    """Installs and runs the handover sweep."""

    def __init__(self, ctx: AppContext, job_queue: JobQueue, interval: float = 60.0) -> None:
        self.ctx = ctx
        self.job_queue = job_queue
        self.interval = interval

    def install(self) -> None:
        """Start the repeating sweep."""
        self.job_queue.run_repeating(
            self._tick, interval=self.interval, first=0.5, name=JOB, job_kwargs=_JOB_KWARGS
        )

    async def _tick(self, context: ContextTypes.DEFAULT_TYPE) -> None:
        """One handover sweep."""
        try:
            moved = await handover(self.ctx)
            if moved:
                log.info("acting officials: %s open parts handed over", moved)
        except Exception:  # the database may be away; the next tick tries again
            log.exception("acting handover failed; will retry")
