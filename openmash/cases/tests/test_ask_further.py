"""A screening manager asks a further agency after screening; a case ready for decision goes back to
gathering information until it answers."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from openmash.accounts.roles import Role
from openmash.audit.catalogue import AuditAction
from openmash.audit.models import AuditEvent
from openmash.cases.models import Case, CaseStatus
from openmash.cases.tests.helpers import make_referral, screen
from openmash.core.actor import Actor
from openmash.enquiries.models import RequestStatus
from openmash.enquiries.services import request_nil_return
from openmash.hub.models import Agency, AgencyKind

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(make_user: Any) -> dict[str, Any]:
    return {
        "screener": make_user(Role.SCREENING_MANAGER),
        "decider": make_user(Role.DECISION_MAKER),
        "police": make_user(Role.AGENCY_RESEARCHER, AgencyKind.POLICE),
        "education": make_user(Role.AGENCY_RESEARCHER, AgencyKind.EDUCATION),
    }


@pytest.fixture
def ready_case(people: dict[str, Any]) -> Case:
    """Only police asked; police answered, so the case is ready for decision."""
    case = make_referral().case
    screen(case, people["screener"], kinds=(AgencyKind.POLICE,))
    police = case.requests.get()
    request_nil_return(actor=Actor(user=people["police"]), request=police, expected_version=police.version)
    case.refresh_from_db()
    assert case.status == CaseStatus.READY_FOR_DECISION
    return case


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_asking_education_sends_a_request_and_reopens_gathering(
    people: dict[str, Any], ready_case: Case
) -> None:
    client = _client(people["screener"])
    page = client.get(reverse("cases:ask-further", args=[ready_case.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    education = Agency.objects.get(kind=AgencyKind.EDUCATION)
    police = Agency.objects.get(kind=AgencyKind.POLICE)
    assert education.name in html
    assert f'value="{police.pk}"' not in html  # already asked: not offered again

    response = client.post(
        reverse("cases:ask-further", args=[ready_case.pk]),
        {
            "version": ready_case.version,
            "agencies": [str(education.pk)],
            "reason": "The return names a school",
        },
    )
    assert response.status_code == 302
    ready_case.refresh_from_db()
    assert ready_case.status == CaseStatus.INFORMATION_GATHERING
    request = ready_case.requests.get(agency=education)
    assert request.status == RequestStatus.OPEN and request.due_at is not None
    assert ready_case.agencies_asked.filter(agency=education).exists()
    event = AuditEvent.objects.get(action=AuditAction.CASE_AGENCY_ADDED)
    assert event.reason == "The return names a school"
    # The education researcher now has it in their queue.
    queue = _client(people["education"]).get(reverse("enquiries:queue")).content.decode()
    assert ready_case.reference in queue


def test_a_reason_and_an_agency_are_needed_and_nothing_is_sent_without_them(
    people: dict[str, Any], ready_case: Case
) -> None:
    client = _client(people["screener"])
    response = client.post(
        reverse("cases:ask-further", args=[ready_case.pk]), {"version": ready_case.version, "reason": ""}
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "govuk-error-summary" in html
    assert "Select the agency to ask" in html and "Explain why this agency is needed now" in html
    assert ready_case.requests.count() == 1
    ready_case.refresh_from_db()
    assert ready_case.status == CaseStatus.READY_FOR_DECISION


def test_only_a_screening_manager_asks_and_not_once_decided(people: dict[str, Any], ready_case: Case) -> None:
    education = Agency.objects.get(kind=AgencyKind.EDUCATION)
    data = {"version": ready_case.version, "agencies": [str(education.pk)], "reason": "Needed"}
    for who in ("decider", "police"):
        response = _client(people[who]).post(reverse("cases:ask-further", args=[ready_case.pk]), data)
        assert response.status_code in (403, 404)
    assert ready_case.requests.count() == 1
    closed = make_referral().case  # still new: not screened yet
    response = _client(people["screener"]).post(reverse("cases:ask-further", args=[closed.pk]), data)
    assert response.status_code == 400
    assert "gathering information or ready for decision" in response.content.decode()
    assert not closed.requests.exists()
