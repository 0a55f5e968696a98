"""The audit checkpoint as a background task that re-queues itself every OPENMASH_AUDIT_CHECKPOINT_SECONDS.

The database worker (`manage.py db_worker`) runs it; `manage.py schedule_sweeps` starts the chain once.
Checkpoints are also written every OPENMASH_AUDIT_CHECKPOINT_EVERY events and by `audit_checkpoint`.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.tasks import TaskResult, task

from openmash.audit.services import audit_checkpoint
from openmash.core.tasks import run_then_repeat, schedule_repeat

SCHEDULE_LOCK_KEY = 7_041_970  # PostgreSQL advisory lock: one scheduler decides at a time


@task
def checkpoint_audit() -> int:
    """Anchor the newest audit event outside the database (if not anchored yet), then queue the next run."""
    return run_then_repeat(
        lambda: [c for c in [audit_checkpoint()] if c is not None],
        schedule=schedule_audit_checkpoint,
        seconds=settings.OPENMASH_AUDIT_CHECKPOINT_SECONDS,
        done="wrote %d audit checkpoint",
    )


def schedule_audit_checkpoint(*, delay: timedelta | None = None) -> TaskResult | None:
    """Queue a checkpoint run after `delay` unless one is waiting (see schedule_repeat)."""
    return schedule_repeat(checkpoint_audit, lock_key=SCHEDULE_LOCK_KEY, delay=delay)
