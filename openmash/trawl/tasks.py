"""Running a trawl in the background (the django-tasks-db worker runs it)."""

from __future__ import annotations

from django.tasks import task

from openmash.trawl.models import Trawl
from openmash.trawl.runner import trawl_run


@task
def run_trawl(trawl_id: str) -> str:
    trawl = Trawl.objects.select_related("request__case__referral", "request__agency", "started_by").get(
        pk=trawl_id
    )
    return trawl_run(trawl).status
