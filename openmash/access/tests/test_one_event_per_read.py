"""A page about a case that records what it showed writes that one event, naming the case's people: the
trail gains one event for one read, not a second "case viewed" beside it."""

from __future__ import annotations

from typing import Any

import pytest
from django.db.models import Max
from django.test import Client
from django.urls import reverse

from openmash.accounts.roles import Role
from openmash.audit.catalogue import AuditAction
from openmash.audit.models import AuditEvent
from openmash.cases.models import Case
from openmash.cases.tests.helpers import make_referral, screen

pytestmark = pytest.mark.django_db

PAGES = [
    ("chronology:case", AuditAction.CHRONOLOGY_VIEWED),
    ("chronology:csv", AuditAction.CHRONOLOGY_EXPORTED),
    ("people:case", AuditAction.PEOPLE_VIEWED),
    ("people:genogram", AuditAction.GENOGRAM_VIEWED),
    ("people:genogram_svg", AuditAction.GENOGRAM_DOWNLOADED),
    ("product:case", AuditAction.CASE_PRODUCT_VIEWED),
]


@pytest.fixture
def case(make_user: Any) -> Case:
    case = make_referral().case
    screen(case, make_user(Role.SCREENING_MANAGER))
    case.refresh_from_db()
    return case


@pytest.mark.parametrize(("route", "action"), PAGES, ids=[route for route, _ in PAGES])
def test_a_page_about_a_case_writes_one_event_naming_its_people(
    case: Case, make_user: Any, route: str, action: AuditAction
) -> None:
    client = Client()
    client.force_login(make_user(Role.SCREENING_MANAGER))
    last = AuditEvent.objects.aggregate(m=Max("sequence"))["m"] or 0
    response = client.get(reverse(route, args=[case.pk]))
    assert response.status_code == 200
    written = list(AuditEvent.objects.filter(sequence__gt=last, object_id=str(case.pk)))
    assert [event.action for event in written] == [action.value]
    people = {str(pk) for pk in case.referral.people.values_list("pk", flat=True)}
    assert len(people) >= 2
    assert set(written[0].persons) == people


def test_the_case_page_itself_still_writes_its_case_viewed_event(case: Case, make_user: Any) -> None:
    client = Client()
    client.force_login(make_user(Role.SCREENING_MANAGER))
    last = AuditEvent.objects.aggregate(m=Max("sequence"))["m"] or 0
    assert client.get(reverse("cases:detail", args=[case.pk])).status_code == 200
    written = AuditEvent.objects.filter(sequence__gt=last, object_id=str(case.pk))
    assert list(written.values_list("action", flat=True)) == [AuditAction.CASE_VIEWED.value]
