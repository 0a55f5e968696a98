"""Loading data sources in the background: the django-tasks-db worker runs each queued load."""

from __future__ import annotations

from django.tasks import task

from openmash.sources.loading import load_run
from openmash.sources.models import SourceLoad


@task
def run_load(load_id: str) -> str:
    load = SourceLoad.objects.select_related("source", "requested_by").get(pk=load_id)
    return load_run(load).status
