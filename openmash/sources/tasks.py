"""Loading a data source in the background (the django-tasks-db worker runs it)."""

from __future__ import annotations

from django.tasks import task

from openmash.sources.models import SourceLoad
from openmash.sources.services import load_run


@task
def run_load(load_id: str) -> str:
    load = SourceLoad.objects.select_related("source", "requested_by").get(pk=load_id)
    return load_run(load).status
