"""Background tasks that repeat: each run queues the next, and one is never queued twice.

The database worker (`manage.py db_worker`) runs them; `manage.py schedule_sweeps` starts each chain
once. A run queues its successor even when it fails, so the chain neither dies nor piles up.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sized
from datetime import timedelta
from typing import Any

from django.db import connection, transaction
from django.tasks import TaskResult, TaskResultStatus
from django.utils import timezone

log = logging.getLogger(__name__)


def is_queued(task: Any) -> bool:
    """Whether a run of ``task`` is already waiting in the database queue (a running one does not count)."""
    from django_tasks_db.models import DBTaskResult

    backend = task.get_backend()
    return DBTaskResult.objects.filter(
        status=TaskResultStatus.READY, task_path=task.module_path, backend_name=backend.alias
    ).exists()


def schedule_repeat(task: Any, *, lock_key: int, delay: timedelta | None = None) -> TaskResult | None:
    """Queue ``task`` to run after ``delay`` (or as soon as a worker is free) unless one is waiting.

    Returns None, queueing nothing, when one is already queued or when the task backend cannot defer
    work: the Immediate backend would run the next one at once, and that one the next, for ever.
    ``lock_key`` is a PostgreSQL advisory lock so that one scheduler decides at a time.
    """
    from django_tasks_db.backend import DatabaseBackend

    backend = task.get_backend()
    if not backend.supports_defer:
        return None
    deferred = task.using(run_after=timezone.now() + delay) if delay else task
    if not isinstance(backend, DatabaseBackend):  # no queue to look in: trust the caller
        log.warning(
            "task backend %s cannot be checked for a queued %s", type(backend).__name__, task.module_path
        )
        return deferred.enqueue()
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [lock_key])
        if is_queued(task):
            return None
        return deferred.enqueue()


def run_then_repeat(
    work: Callable[[], Sized], *, schedule: Callable[..., Any], seconds: int, done: str
) -> int:
    """Do one run's work, then queue the next run ``seconds`` later even if the work failed; log
    ``done`` with how many things it did. Returns that number."""
    try:
        result = work()
    finally:
        schedule(delay=timedelta(seconds=seconds))
    if result:
        log.info(done, len(result))
    return len(result)
