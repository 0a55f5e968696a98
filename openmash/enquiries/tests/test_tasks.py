"""The overdue sweep as a background task, the command that starts it, and the one that runs it now."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from datetime import timedelta
from io import StringIO
from typing import Any
from unittest import mock

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from openmash.audit.catalogue import AuditAction
from openmash.audit.models import AuditEvent
from openmash.cases.models import Case
from openmash.enquiries.models import InformationRequest
from openmash.enquiries.services import requests_mark_overdue
from openmash.enquiries.tasks import schedule_sweep, sweep_overdue
from openmash.enquiries.tests.test_views import POLICE_LEAD, make_case, make_people, request_to, set_due
from openmash.hub.models import AgencyKind

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
SWEEP_PATH = "openmash.enquiries.tasks.sweep_overdue"


@pytest.fixture
def case(make_user: Any) -> Case:
    """A case whose police and health requests are both an hour overdue; police has a lead to tell."""
    case = make_case(make_people(make_user))
    for kind in (AgencyKind.POLICE, AgencyKind.HEALTH):
        set_due(request_to(case, kind), -timedelta(hours=1))
    return case


def overdue_mail() -> list[list[str]]:
    return [m.to for m in mail.outbox if m.subject.startswith("Overdue")]


def queued() -> list[DBTaskResult]:
    return list(DBTaskResult.objects.filter(task_path=SWEEP_PATH, status="READY"))


@pytest.fixture
def keep_signal_handlers() -> Iterator[None]:
    """db_worker installs its own SIGINT/SIGTERM handlers in this process; put pytest's back."""
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)}
    yield
    for sig, handler in saved.items():
        signal.signal(sig, handler)


def test_sweep_task_marks_overdue_tells_the_lead_once_and_is_idempotent(
    case: Case, make_user: Any, django_capture_on_commit_callbacks: Any
) -> None:
    not_due = request_to(make_case(make_people(make_user)), AgencyKind.POLICE)

    with mock.patch("openmash.enquiries.tasks.requests_mark_overdue", wraps=requests_mark_overdue) as sweeps:
        with django_capture_on_commit_callbacks(execute=True):
            first = sweep_overdue.enqueue()
        with django_capture_on_commit_callbacks(execute=True):
            second = sweep_overdue.enqueue()

    assert sweeps.call_count == 2  # one sweep each: the Immediate backend must not chain the next one

    assert (first.status, first.return_value) == ("SUCCESSFUL", 2)
    assert (second.status, second.return_value) == ("SUCCESSFUL", 0)
    assert overdue_mail() == [[POLICE_LEAD]]  # Health has no lead e-mail; nobody is told twice
    assert set(
        InformationRequest.objects.filter(overdue_since__isnull=False).values_list("agency__kind", flat=True)
    ) == {AgencyKind.POLICE, AgencyKind.HEALTH}
    assert AuditEvent.objects.filter(action=AuditAction.REQUEST_OVERDUE).count() == 2
    not_due.refresh_from_db()
    assert not_due.overdue_since is None
    assert not DBTaskResult.objects.exists()


def test_sweep_overdue_now_says_how_many_it_marked(
    case: Case, django_capture_on_commit_callbacks: Any
) -> None:
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("sweep_overdue_now", stdout=out, verbosity=2)
    assert out.getvalue().splitlines()[0] == "Marked 2 requests overdue."
    assert f"{case.reference} to Police, due " in out.getvalue()
    again = StringIO()
    call_command("sweep_overdue_now", stdout=again)
    assert again.getvalue() == "Marked 0 requests overdue.\n"
    assert overdue_mail() == [[POLICE_LEAD]]


def test_schedule_sweeps_on_the_immediate_backend_queues_nothing(db: None) -> None:
    out = StringIO()
    call_command("schedule_sweeps", stdout=out)
    assert "runs tasks at once" in out.getvalue()
    assert not DBTaskResult.objects.exists()


@override_settings(TASKS=DATABASE_TASKS, OVERDUE_SWEEP_SECONDS=600)
@pytest.mark.django_db(transaction=True)
def test_schedule_sweeps_queues_one_sweep_and_the_worker_keeps_one_queued(
    case: Case, keep_signal_handlers: None
) -> None:
    out = StringIO()
    call_command("schedule_sweeps", stdout=out)
    call_command("schedule_sweeps", stdout=out)
    assert "Queued the overdue sweep" in out.getvalue()
    assert "already queued: nothing to do" in out.getvalue()
    assert len(queued()) == 1

    started = timezone.now()
    call_command(
        "db_worker", "--batch", "--no-reload", "--no-startup-delay", "--interval", "0", stdout=StringIO()
    )

    done = DBTaskResult.objects.get(task_path=SWEEP_PATH, status="SUCCESSFUL")
    assert done.return_value == 2
    assert overdue_mail() == [[POLICE_LEAD]]
    [next_sweep] = queued()  # the sweep queued its successor, and only one
    assert started + timedelta(seconds=600) <= next_sweep.run_after <= timezone.now() + timedelta(seconds=600)
    call_command("schedule_sweeps", stdout=StringIO())
    assert len(queued()) == 1


@override_settings(TASKS=DATABASE_TASKS)
def test_a_failing_sweep_still_queues_the_next(case: Case) -> None:
    with mock.patch("openmash.enquiries.tasks.requests_mark_overdue", side_effect=RuntimeError("db down")):
        with pytest.raises(RuntimeError):
            sweep_overdue.call()
    assert len(queued()) == 1
    assert schedule_sweep() is None  # and a second one is not added
    assert len(queued()) == 1
