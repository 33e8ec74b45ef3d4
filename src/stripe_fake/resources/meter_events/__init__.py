"""Meter events: v1 and v2 ingestion, adjustments, sessions, the stream, and their due work."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .models import ERROR_REPORT_JOB, RELEASE_JOB, MeterEventStore
from .reports import flush_error_reports

if TYPE_CHECKING:
    from ...bus import Bus
    from ...scheduler import Job, Scheduler
    from ...state import AccountState


def _release(account: AccountState, job: Job) -> None:
    """Delayed events (``processing_delay``) whose time has come count, at the job's due time."""
    store = account.store(MeterEventStore)
    if store._release_job_at == job.due:
        store._release_job_at = None
    store.release_due(job.due)


def _report(account: AccountState, job: Job) -> None:
    """Asynchronous errors whose report window (and delay) has passed go out as thin events."""

    store = account.store(MeterEventStore)
    if store._report_job_at == job.due:
        store._report_job_at = None
    flush_error_reports(account, job.due)


def install(bus: Bus, scheduler: Scheduler) -> None:
    scheduler.register(RELEASE_JOB, _release)
    scheduler.register(ERROR_REPORT_JOB, _report)
