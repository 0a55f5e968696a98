"""The overdue sweep as a background task that re-queues itself every OVERDUE_SWEEP_SECONDS.

The database worker (`manage.py db_worker`) runs it. `manage.py schedule_sweeps` starts the chain once;
each sweep then queues the next, unless one is already waiting, so the chain neither dies nor piles up.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.tasks import TaskResult, task

from openmash.core.tasks import run_then_repeat, schedule_repeat
from openmash.enquiries.services import requests_mark_overdue

SCHEDULE_LOCK_KEY = 7_041_963  # PostgreSQL advisory lock: one scheduler decides at a time


@task
def sweep_overdue() -> int:
    """Mark overdue requests (telling each agency's lead once), then queue the next sweep."""
    return run_then_repeat(
        requests_mark_overdue,
        schedule=schedule_sweep,
        seconds=settings.OVERDUE_SWEEP_SECONDS,
        done="marked %d information requests overdue",
    )


def schedule_sweep(*, delay: timedelta | None = None) -> TaskResult | None:
    """Queue a sweep to run after `delay` (or as soon as a worker is free) unless one is waiting;
    None when one is or when the task backend cannot defer work (see schedule_repeat)."""
    return schedule_repeat(sweep_overdue, lock_key=SCHEDULE_LOCK_KEY, delay=delay)
