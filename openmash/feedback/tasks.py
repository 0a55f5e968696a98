"""Outcome notices leave the building from the worker, like every other side effect that does (the
decision request only records them)."""

from __future__ import annotations

from uuid import UUID

from django.tasks import task

from openmash.feedback.delivery import feedback_deliver


@task
def deliver_outcomes(case_id: str) -> None:
    """Send the case's outcome notices not yet tried; a failed one waits for a person to look at it."""
    feedback_deliver(case_id=UUID(case_id), retry_failed=False)
