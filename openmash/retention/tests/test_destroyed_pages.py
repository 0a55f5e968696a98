"""Every page of a destroyed case says its personal information was destroyed, with the same GOV.UK
warning as the case page, rather than showing what is left as if the case simply held nothing."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from openmash.cases.models import Case, CaseStatus
from openmash.casework.destruction import case_destroy
from openmash.core.actor import Actor
from openmash.decisions.tests.test_views import decide, people, ready  # noqa: F401
from openmash.enquiries.models import InformationRequest
from openmash.hub.models import AgencyKind

pytestmark = pytest.mark.django_db

NOTICE = "The personal information on this case was destroyed on"


@dataclass
class Destroyed:
    case: Case
    police: InformationRequest
    decider: Client
    researcher: Client


@pytest.fixture
def destroyed(people: dict[str, Any], settings: Any, tmp_path: Any) -> Destroyed:  # noqa: F811
    settings.OPENMASH_AUDIT_ANCHOR_DIR = tmp_path
    case = ready(people)
    decide(people, case, 3)
    long_ago = timezone.now() - timedelta(days=3650)
    Case.objects.filter(pk=case.pk).update(status=CaseStatus.CLOSED, closed_at=long_ago)
    case_destroy(actor=Actor(user=people["decider"]), case=case)
    decider, researcher = Client(), Client()
    decider.force_login(people["decider"])
    researcher.force_login(people["police"])
    police = case.requests.get(agency__kind=AgencyKind.POLICE)
    return Destroyed(case, police, decider, researcher)


def text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


#: Every page of a case a decision maker reads (the case page's own links), by route name. The pages that
#: change a case (allocation, consent, lawful basis, decision) are refused once it is destroyed
#: (test_destroyed_writes.py).
CASE_PAGES = [
    "cases:detail",
    "people:case",
    "people:genogram",
    "chronology:case",
    "consent:case",
    "product:case",
]


def notice_in(html: str) -> bool:
    return 'data-testid="destroyed"' in html and NOTICE in html


@pytest.mark.parametrize("route", CASE_PAGES)
def test_each_page_of_a_destroyed_case_carries_the_warning(destroyed: Destroyed, route: str) -> None:
    response = destroyed.decider.get(reverse(route, args=[destroyed.case.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert notice_in(html)
    warning = html[html.index('data-testid="destroyed"') :]
    assert 'class="govuk-warning-text__text"' in warning[: warning.index("</div>")]


@pytest.mark.parametrize("route", [*CASE_PAGES, "cases:allocate", "consent:record", "decisions:record"])
def test_the_pages_of_a_case_not_destroyed_carry_no_warning(people: dict[str, Any], route: str) -> None:  # noqa: F811
    case = ready(people)
    decide(people, case, 3)
    client = Client()
    client.force_login(people["decider"])
    response = client.get(reverse(route, args=[case.pk]))
    assert response.status_code == 200
    assert not notice_in(response.content.decode())


def test_the_referral_page_says_the_case_was_destroyed(destroyed: Destroyed) -> None:
    html = destroyed.decider.get(
        reverse("referrals:detail", args=[destroyed.case.referral_id])
    ).content.decode()
    assert notice_in(html)


def test_the_agencys_request_page_says_so_instead_of_showing_an_empty_return(destroyed: Destroyed) -> None:
    html = destroyed.researcher.get(reverse("enquiries:detail", args=[destroyed.police.pk])).content.decode()
    assert notice_in(html)
    assert f"Information request for case {destroyed.case.reference}" in html
    assert "Information request about" not in html
    assert "No history items returned." not in html and "None given" not in html
    assert "Destroyed under the hub's retention rules." in html


def test_the_people_and_genogram_pages_do_not_read_as_a_family_with_no_relationships(
    destroyed: Destroyed,
) -> None:
    for route in ("people:case", "people:genogram", "product:case"):
        html = destroyed.decider.get(reverse(route, args=[destroyed.case.pk])).content.decode()
        assert "No relationships recorded" not in html and "has no relationships recorded" not in text(html)
        assert "Destroyed under the hub's retention rules." in html, route
    people_page = destroyed.decider.get(reverse("people:case", args=[destroyed.case.pk])).content.decode()
    assert "No households recorded yet." not in people_page and "None recorded" not in people_page


def test_the_meeting_pack_says_the_case_was_destroyed(destroyed: Destroyed) -> None:
    response = destroyed.decider.get(reverse("product:pack", args=[destroyed.case.pk]))
    assert response["Content-Type"] == "application/pdf"
    words = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert NOTICE in " ".join(words.split())
