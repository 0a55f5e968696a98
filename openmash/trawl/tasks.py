"""Running a trawl in the background (the django-tasks-db worker runs it)."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.tasks import TaskResult, task

from openmash.core.tasks import run_then_repeat, schedule_repeat
from openmash.trawl.models import Trawl
from openmash.trawl.runner import trawl_run, trawls_stalled

RECOVERY_LOCK_KEY = 7_041_966  # PostgreSQL advisory lock: one scheduler decides at a time


@task
def run_trawl(trawl_id: str) -> str:
    trawl = Trawl.objects.select_related("request__case__referral", "request__agency", "started_by").get(
        pk=trawl_id
    )
    return trawl_run(trawl).status


@task
def sweep_stalled_trawls() -> int:
    """Start again the trawls whose worker stopped (they carry on from the next person), then queue
    the next sweep."""
    return run_then_repeat(
        _resume_stalled,
        schedule=schedule_trawl_recovery,
        seconds=settings.TRAWL_RECOVERY_SWEEP_SECONDS,
        done="resumed or gave up %d stalled trawls",
    )


def _resume_stalled() -> list[Trawl]:
    resume, given_up = trawls_stalled()
    for trawl in resume:
        run_trawl.enqueue(str(trawl.pk))
    return resume + given_up


def schedule_trawl_recovery(*, delay: timedelta | None = None) -> TaskResult | None:
    return schedule_repeat(sweep_stalled_trawls, lock_key=RECOVERY_LOCK_KEY, delay=delay)
