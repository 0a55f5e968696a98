"""Scheduled refresh: a source with refresh_hours is reloaded by the worker's sweep when it is due,
picking up what the agency dropped at the file path since; never twice at once; failures retried."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from openmash.accounts.roles import Role
from openmash.audit.catalogue import AuditAction
from openmash.audit.models import AuditEvent
from openmash.core.actor import Actor
from openmash.core.dates import format_datetime
from openmash.sources.models import DataSource, LoadStatus, SourceLoad
from openmash.sources.services import source_update, sources_refresh_due
from openmash.sources.sweeps import sweep_source_refresh
from openmash.sources.tests.helpers import IDENTITY_HEADER, police_source, write_csv

pytestmark = pytest.mark.django_db
ADMIN = Actor.system("test")


def every(source: DataSource, hours: int | None) -> DataSource:
    return source_update(
        actor=ADMIN, source=source, expected_version=source.version, values={"refresh_hours": hours}
    )


def age(source: DataSource, hours: float) -> None:
    """Make every load of the source look as if it was asked for ``hours`` ago."""
    SourceLoad.objects.filter(source=source).update(created_at=timezone.now() - timedelta(hours=hours))


def test_a_due_source_is_reloaded_with_what_the_agency_dropped_since(
    hub: Any, tmp_path: Path, django_capture_on_commit_callbacks: Any
) -> None:
    source = every(police_source(tmp_path), 24)
    first = source.current_load
    assert first is not None and first.records == 63
    assert sources_refresh_due() == []  # loaded just now: not due
    # The agency's nightly extract replaces the file at the same path, with one more person.
    path = Path(source.settings["identities"])
    rows = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join([*rows, "POL-999,Nina,ROSE,01/01/2001,F,NT2 2BB,2 Oak Road,"]) + "\n")
    age(source, 25)
    with django_capture_on_commit_callbacks(execute=True):
        [load] = sources_refresh_due()
    load.refresh_from_db()
    source.refresh_from_db()
    assert (load.status, load.records, load.requested_by) == (LoadStatus.LOADED, 64, None)
    assert source.current_load == load
    requested = AuditEvent.objects.filter(action=AuditAction.SOURCE_LOAD_REQUESTED).latest("sequence")
    assert requested.actor_label == "system:scheduled refresh"
    assert sources_refresh_due() == []  # the new load resets the clock


def test_not_due_when_waiting_inactive_or_unscheduled_and_a_failed_refresh_is_tried_again(
    hub: Any, tmp_path: Path, django_capture_on_commit_callbacks: Any
) -> None:
    source = every(police_source(tmp_path), 6)
    waiting = SourceLoad.objects.create(source=source)  # someone's load is queued
    age(source, 7)
    assert sources_refresh_due() == []
    waiting.delete()
    every(DataSource.objects.get(pk=source.pk), None)
    assert sources_refresh_due() == []
    source = every(DataSource.objects.get(pk=source.pk), 6)
    source_update(actor=ADMIN, source=source, expected_version=source.version, values={"is_active": False})
    assert sources_refresh_due() == []
    source = DataSource.objects.get(pk=source.pk)
    source_update(actor=ADMIN, source=source, expected_version=source.version, values={"is_active": True})
    # The extract the agency drops is broken: the refresh fails, the index stays, and it is tried again later.
    write_csv(Path(source.settings["identities"]), IDENTITY_HEADER, [["", "No", "ID", "", "", "", "", ""]])
    with django_capture_on_commit_callbacks(execute=True):
        [failed] = sources_refresh_due()
    failed.refresh_from_db()
    assert failed.status == LoadStatus.FAILED and failed.bad_row_count == 5  # the row and 4 orphaned events
    assert DataSource.objects.get(pk=source.pk).current_load.records == 63
    assert sources_refresh_due() == []
    age(source, 7)
    with django_capture_on_commit_callbacks(execute=True):
        assert len(sources_refresh_due()) == 1


@override_settings(
    TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}, SOURCE_REFRESH_SWEEP_SECONDS=900
)
def test_the_sweep_queues_due_loads_and_its_own_successor_once(
    hub: Any, tmp_path: Path, django_capture_on_commit_callbacks: Any
) -> None:
    source = every(police_source(tmp_path), 1)
    age(source, 2)
    with django_capture_on_commit_callbacks(execute=True):
        assert sweep_source_refresh.call() == 1
    path = "openmash.sources.sweeps.sweep_source_refresh"
    [next_sweep] = DBTaskResult.objects.filter(task_path=path, status="READY")
    assert next_sweep.run_after >= timezone.now() + timedelta(seconds=890)
    assert (
        DBTaskResult.objects.filter(task_path="openmash.sources.tasks.run_load", status="READY").count() == 1
    )
    out = StringIO()
    call_command("schedule_sweeps", stdout=out)
    assert "The data source refresh sweep is already queued" in out.getvalue()
    assert DBTaskResult.objects.filter(task_path=path, status="READY").count() == 1


def test_the_admin_sets_the_refresh_and_sees_when_it_is_next(
    hub: Any, make_user: Any, tmp_path: Path
) -> None:
    source = police_source(tmp_path)
    client = Client()
    client.force_login(make_user(Role.HUB_ADMINISTRATOR))
    detail = reverse("sources:detail", args=[source.pk])
    assert "No: only when someone loads it" in client.get(detail).content.decode()
    form = {
        "version": source.version,
        "name": source.name,
        "kind": source.kind,
        "threshold": "0.3",
        "is_active": "on",
        "identities": source.settings["identities"],
        "events": source.settings.get("events", ""),
        "encoding": "utf-8",
    }
    bad = client.post(reverse("sources:edit", args=[source.pk]), {**form, "refresh_hours": "0"})
    assert bad.status_code == 200 and "Reload every 1 hour or more" in bad.content.decode()
    assert "govuk-error-summary" in bad.content.decode()
    client.post(reverse("sources:edit", args=[source.pk]), {**form, "refresh_hours": "24"})
    source.refresh_from_db()
    assert source.refresh_hours == 24
    assert source.current_load is not None
    due = timezone.localtime(source.current_load.created_at + timedelta(hours=24))
    page = client.get(detail).content.decode()
    assert f"Every 24 hours; next after {format_datetime(due)}" in page


def test_the_list_shows_each_sources_newest_load_in_a_fixed_number_of_queries(
    hub: Any, make_user: Any, tmp_path: Path, django_assert_max_num_queries: Any
) -> None:
    first = police_source(tmp_path / "a")
    second = police_source(tmp_path / "b", name="Second police system")
    for _ in range(3):
        SourceLoad.objects.create(source=first, status=LoadStatus.FAILED)
    waiting = SourceLoad.objects.create(source=second)  # the newest of the second source: waiting
    client = Client()
    client.force_login(make_user(Role.HUB_ADMINISTRATOR))
    with django_assert_max_num_queries(12):
        page = client.get(reverse("sources:list")).content.decode()
    rows = page.split('data-testid="source-row"')[1:]
    assert len(rows) == 2
    assert "Failed" in rows[0] and "63" in rows[0]
    assert waiting.get_status_display() in rows[1]
