"""Outcome notices leave from the worker: the decision only queues them; the worker's task sends them."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django_tasks_db.models import DBTaskResult

from openmash.accounts.roles import Role
from openmash.cases.models import CaseStatus
from openmash.feedback.models import Delivery
from openmash.feedback.tasks import deliver_outcomes
from openmash.feedback.tests.helpers import decided_case
from openmash.hub.models import AgencyKind

pytestmark = pytest.mark.django_db


def test_a_decision_queues_its_notices_and_the_worker_sends_them(
    make_user: Any, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    with django_capture_on_commit_callbacks(execute=True):
        case = decided_case(
            referrer=make_user(Role.REFERRER, AgencyKind.EDUCATION),
            screener=make_user(Role.SCREENING_MANAGER),
            decider=make_user(Role.DECISION_MAKER),
        )
    # The decision request sent nothing: one delivery task waits for the worker.
    assert mail.outbox == []
    assert set(case.notifications.values_list("delivery", flat=True)) == {Delivery.PENDING}
    [queued] = DBTaskResult.objects.all()
    assert queued.args_kwargs["args"] == [str(case.pk)]

    deliver_outcomes.call(str(case.pk))  # what the worker runs

    notices = case.notifications.all()
    assert len(mail.outbox) == len([n for n in notices if n.email])
    assert {n.delivery for n in notices} <= {Delivery.SENT, Delivery.NO_ADDRESS}
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED
