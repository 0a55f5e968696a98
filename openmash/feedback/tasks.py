"""Outcome notices leave the building from the worker, like every other side effect that does (the
decision request only records them); failed ones are tried again by a sweep that repeats."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

from django.conf import settings
from django.tasks import TaskResult, task

from openmash.core.tasks import run_then_repeat, schedule_repeat
from openmash.feedback.delivery import feedback_deliver, notices_retry_due

RETRY_LOCK_KEY = 7_041_965  # PostgreSQL advisory lock: one scheduler decides at a time


@task
def deliver_outcomes(case_id: str) -> None:
    """Send the case's outcome notices not yet tried; a failed one waits for the retry sweep."""
    feedback_deliver(case_id=UUID(case_id), retry_failed=False)


@task
def sweep_outcome_retries() -> int:
    """Try again the failed outcome notices whose wait is over, then queue the next sweep."""
    return run_then_repeat(
        notices_retry_due,
        schedule=schedule_outcome_retries,
        seconds=settings.OUTCOME_RETRY_SWEEP_SECONDS,
        done="tried %d failed outcome notices again",
    )


def schedule_outcome_retries(*, delay: timedelta | None = None) -> TaskResult | None:
    return schedule_repeat(sweep_outcome_retries, lock_key=RETRY_LOCK_KEY, delay=delay)
