"""The worker's heartbeat: a task that re-queues itself every OPENMASH_WORKER_HEARTBEAT_SECONDS.

`manage.py schedule_sweeps` starts it with the sweeps; `manage.py db_worker` runs it. Each run records
the worker process that ran it, so the readiness check and the hub administrator's page can say when a
worker was last seen. A worker that has stopped, or that never started, is seen by its absence. Each run
also removes expired sign-in sessions and a day's old heartbeat results.
"""

from __future__ import annotations

import os
import socket
from datetime import timedelta
from importlib import import_module

from django.conf import settings
from django.tasks import TaskResult, TaskResultStatus, task
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from openmash.core.tasks import run_then_repeat, schedule_repeat
from openmash.health.models import WorkerHeartbeat

SCHEDULE_LOCK_KEY = 7_041_971  # PostgreSQL advisory lock: one scheduler decides at a time
FORGET_AFTER = timedelta(days=7)
"""A worker process not seen for this long is removed from the list."""


def heartbeat_record() -> WorkerHeartbeat:
    """Record that this process, a worker, is running now; forget processes long gone."""
    now = timezone.now()
    beat, created = WorkerHeartbeat.objects.get_or_create(
        worker=f"{socket.gethostname()}:{os.getpid()}"[:200], defaults={"started_at": now, "seen_at": now}
    )
    if not created:
        beat.seen_at = now
        beat.save(update_fields=["seen_at"])
    WorkerHeartbeat.objects.filter(seen_at__lt=now - FORGET_AFTER).delete()
    return beat


def _beat() -> list[object]:
    heartbeat_record()
    # Sessions past their expiry (signed out by being idle, or never signed out) are of no use to anyone:
    # removed, as Django's clearsessions removes them, rather than kept for ever. A look-up by the expiry
    # index, each minute.
    import_module(settings.SESSION_ENGINE).SessionStore.clear_expired()
    # Keep the task table from filling with a row a minute: a day of finished heartbeats is enough.
    DBTaskResult.objects.filter(
        task_path=worker_heartbeat.module_path,
        status=TaskResultStatus.SUCCESSFUL,
        finished_at__lt=timezone.now() - timedelta(days=1),
    ).delete()
    return []  # nothing to log each minute


@task
def worker_heartbeat() -> int:
    """Say the worker is alive, then queue the next heartbeat."""
    return run_then_repeat(
        _beat,
        schedule=schedule_heartbeat,
        seconds=settings.OPENMASH_WORKER_HEARTBEAT_SECONDS,
        done="worker heartbeat (%d)",
    )


def schedule_heartbeat(*, delay: timedelta | None = None) -> TaskResult | None:
    """Queue a heartbeat after `delay` unless one is waiting (see schedule_repeat)."""
    return schedule_repeat(worker_heartbeat, lock_key=SCHEDULE_LOCK_KEY, delay=delay)
