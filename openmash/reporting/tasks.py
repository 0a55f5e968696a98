"""The monthly partnership report as a background task: a daily sweep that makes last month's report
once, then queues itself again (`manage.py schedule_sweeps` starts it; `manage.py db_worker` runs it)."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.tasks import TaskResult, task

from openmash.core.tasks import run_then_repeat, schedule_repeat
from openmash.reporting.services import monthly_reports_make

SCHEDULE_LOCK_KEY = 7_041_981  # PostgreSQL advisory lock: one scheduler decides at a time


@task
def make_monthly_reports() -> int:
    return run_then_repeat(
        monthly_reports_make,
        schedule=schedule_monthly_reports,
        seconds=settings.OPENMASH_MONTHLY_REPORT_SWEEP_SECONDS,
        done="made %d monthly partnership reports",
    )


def schedule_monthly_reports(*, delay: timedelta | None = None) -> TaskResult | None:
    return schedule_repeat(make_monthly_reports, lock_key=SCHEDULE_LOCK_KEY, delay=delay)
