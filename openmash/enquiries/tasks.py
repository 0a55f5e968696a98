"""The overdue sweep as a background task that re-queues itself every OVERDUE_SWEEP_SECONDS.

The database worker (`manage.py db_worker`) runs it. `manage.py schedule_sweeps` starts the chain once;
each sweep then queues the next, unless one is already waiting, so the chain neither dies nor piles up.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.tasks import TaskResult, TaskResultStatus, task
from django.utils import timezone

from openmash.enquiries.services import requests_mark_overdue

log = logging.getLogger(__name__)
SCHEDULE_LOCK_KEY = 7_041_963  # PostgreSQL advisory lock: one scheduler decides at a time


@task
def sweep_overdue() -> int:
    """Mark overdue requests (telling each agency's lead once), then queue the next sweep."""
    try:
        marked = requests_mark_overdue()
    finally:
        schedule_sweep(delay=timedelta(seconds=settings.OVERDUE_SWEEP_SECONDS))
    if marked:
        log.info("marked %d information requests overdue", len(marked))
    return len(marked)


def sweep_is_queued() -> bool:
    """Whether a sweep is already waiting in the database queue (a running one does not count)."""
    from django_tasks_db.models import DBTaskResult

    backend = sweep_overdue.get_backend()
    return DBTaskResult.objects.filter(
        status=TaskResultStatus.READY, task_path=sweep_overdue.module_path, backend_name=backend.alias
    ).exists()


def schedule_sweep(*, delay: timedelta | None = None) -> TaskResult | None:
    """Queue a sweep to run after `delay` (or as soon as a worker is free) unless one is waiting.

    Returns None, queueing nothing, when one is already queued or when the task backend cannot defer
    work: the Immediate backend would run the next sweep at once, and that one the next, for ever.
    """
    from django_tasks_db.backend import DatabaseBackend

    backend = sweep_overdue.get_backend()
    if not backend.supports_defer:
        return None
    if not isinstance(backend, DatabaseBackend):  # no queue to look in: trust the caller
        log.warning("task backend %s cannot be checked for a queued sweep", type(backend).__name__)
        return (sweep_overdue.using(run_after=timezone.now() + delay) if delay else sweep_overdue).enqueue()
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [SCHEDULE_LOCK_KEY])
        if sweep_is_queued():
            return None
        sweep = sweep_overdue.using(run_after=timezone.now() + delay) if delay else sweep_overdue
        return sweep.enqueue()
