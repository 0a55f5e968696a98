"""The sweep that queues each data source's scheduled refresh (and finds loads whose worker died),
repeating every SOURCE_REFRESH_SWEEP_SECONDS; `manage.py schedule_sweeps` starts it."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.tasks import TaskResult, task

from openmash.core.tasks import run_then_repeat, schedule_repeat
from openmash.sources.services import sources_refresh_due

REFRESH_LOCK_KEY = 7_041_964  # PostgreSQL advisory lock: one scheduler decides at a time


@task
def sweep_source_refresh() -> int:
    """Queue the loads of sources whose scheduled refresh is due, then queue the next sweep."""
    return run_then_repeat(
        sources_refresh_due,
        schedule=schedule_source_refresh,
        seconds=settings.SOURCE_REFRESH_SWEEP_SECONDS,
        done="queued the scheduled refresh of %d data sources",
    )


def schedule_source_refresh(*, delay: timedelta | None = None) -> TaskResult | None:
    return schedule_repeat(sweep_source_refresh, lock_key=REFRESH_LOCK_KEY, delay=delay)
