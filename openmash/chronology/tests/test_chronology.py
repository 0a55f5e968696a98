from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from openmash.accounts.roles import Role
from openmash.audit.catalogue import AuditAction
from openmash.audit.models import AuditEvent
from openmash.cases.models import Case
from openmash.cases.tests.helpers import make_referral, screen
from openmash.casework.screening import case_rerate
from openmash.chronology.selectors import HUB, Filters, chronology
from openmash.consent.models import Disclosure, DisclosureKind
from openmash.core.actor import Actor
from openmash.enquiries.services import HistoryData, request_save_return
from openmash.hub.models import AgencyKind, RagRating

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(make_user: Any) -> dict[str, Any]:
    return {
        "screener": make_user(Role.SCREENING_MANAGER),
        "police": make_user(Role.AGENCY_RESEARCHER, AgencyKind.POLICE),
        "health": make_user(Role.AGENCY_RESEARCHER, AgencyKind.HEALTH),
        "education": make_user(Role.AGENCY_RESEARCHER, AgencyKind.EDUCATION),
        "referrer": make_user(Role.REFERRER, AgencyKind.EDUCATION),
    }


def answer(case: Case, kind: str, user: Any, items: list[HistoryData], *, submit: bool = True) -> None:
    request = case.requests.get(agency__kind=kind)
    request_save_return(
        actor=Actor(user=user),
        request=request,
        expected_version=request.version,
        summary="Known to us",
        risk_factors="",
        protective_factors="",
        history=items,
        submit=submit,
    )


@pytest.fixture
def case(people: dict[str, Any]) -> Case:
    case = make_referral(people["referrer"]).case
    screen(case, people["screener"])
    answer(
        case,
        AgencyKind.POLICE,
        people["police"],
        [
            HistoryData(
                date(2025, 3, 1), "domestic_abuse", "Officers attended a domestic incident", "high", "INC-1"
            ),
            HistoryData(date(2024, 7, 9), "missing", "Reported missing overnight", "medium", "MIS-7"),
        ],
    )
    answer(
        case,
        AgencyKind.HEALTH,
        people["health"],
        [
            HistoryData(
                date(2025, 3, 1), "health_attendance", "ED attendance: arm injury", "high", "ED-2025-42"
            ),
            HistoryData(date(2025, 1, 5), "missed_appointment", "Missed immunisation", "low", "GP-3"),
        ],
        submit=False,
    )  # a draft: not shared, so not in the chronology
    case.refresh_from_db()
    return case


def test_merges_returns_and_case_history_in_date_order(case: Case, people: dict[str, Any]) -> None:
    entries = chronology(case)
    returned = [e for e in entries if e.agency != HUB]
    assert [(e.on, e.agency, e.source_reference) for e in returned] == [
        (date(2024, 7, 9), "Police", "MIS-7"),
        (date(2025, 3, 1), "Police", "INC-1"),
    ]
    assert all(not e.description.startswith("ED attendance") for e in entries)  # health's draft is not shared
    assert [e.on for e in entries] == sorted(e.on for e in entries)
    hub = [e for e in entries if e.agency == HUB]
    assert hub[0].category == "referral"
    assert hub[0].source_reference == case.referral.reference
    assert "Gathering information" in [e.description.split(":")[0] for e in hub]


def test_rerating_appears_with_its_reason(case: Case, people: dict[str, Any]) -> None:
    case_rerate(
        actor=Actor(user=people["screener"]),
        case=case,
        expected_version=case.version,
        rag=RagRating.RED,
        reason="New police report",
    )
    rerated = [e for e in chronology(case) if e.category == "case_rerated"]
    assert len(rerated) == 1
    assert "New police report" in rerated[0].description


def test_filters(case: Case) -> None:
    assert {e.agency for e in chronology(case, Filters(agency="Police"))} == {"Police"}
    assert [e.source_reference for e in chronology(case, Filters(significance="high", agency="Police"))] == [
        "INC-1"
    ]
    assert [e.category for e in chronology(case, Filters(category="missing"))] == ["missing"]
    child = str(case.referral.people.get(is_subject=True))
    assert chronology(case, Filters(person=child))
    assert chronology(case, Filters(person="Nobody Known")) == []


def test_page_shows_source_and_significance(case: Case, people: dict[str, Any]) -> None:
    client = Client()
    client.force_login(people["police"])
    page = client.get(reverse("chronology:case", args=[case.pk]), {"agency": "Police"}).content.decode()
    assert "Officers attended a domestic incident" in page
    assert 'Source: Police, reference <span class="openmash-mono">INC-1</span>' in page
    assert "Significant" in page
    assert '<h2 class="moj-timeline__title">Referral received' not in page  # filtered to Police
    assert AuditEvent.objects.filter(action=AuditAction.CHRONOLOGY_VIEWED).exists()
    seen = Disclosure.objects.get(kind=DisclosureKind.VIEWED, item_type="chronology")
    assert (seen.reason, seen.item_summary) == (
        "Chronology viewed",
        "Police's history items in the chronology",
    )
    assert seen.to_description.endswith("Police") and seen.about.count() == case.referral.people.count()


def test_csv_export_is_audited_and_logged(case: Case, people: dict[str, Any]) -> None:
    client = Client()
    client.force_login(people["screener"])
    response = client.get(reverse("chronology:csv", args=[case.pk]))
    assert response["Content-Disposition"] == f'attachment; filename="chronology-{case.reference}.csv"'
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [r["source_reference"] for r in rows if r["agency"] == "Police"] == ["MIS-7", "INC-1"]
    assert AuditEvent.objects.filter(action=AuditAction.CHRONOLOGY_EXPORTED).count() == 1
    exported = Disclosure.objects.get(kind=DisclosureKind.EXPORTED)
    assert exported.from_agency.name == "Police"
    assert exported.basis_text  # carries the basis the police shared under


@pytest.mark.parametrize(
    ("who", "status"),
    [("screener", 200), ("police", 200), ("health", 200), ("education", 404), ("referrer", 404)],
)
def test_who_may_see_the_chronology(case: Case, people: dict[str, Any], who: str, status: int) -> None:
    client = Client()
    client.force_login(people[who])
    assert client.get(reverse("chronology:case", args=[case.pk])).status_code == status
    assert client.get(reverse("chronology:csv", args=[case.pk])).status_code == status


def test_anonymous_is_sent_to_sign_in(case: Case) -> None:
    response = Client().get(reverse("chronology:case", args=[case.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:sign-in"))


def test_case_page_links_to_the_collated_picture(case: Case, people: dict[str, Any]) -> None:
    client = Client()
    client.force_login(people["screener"])
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    for name in ("chronology:case", "product:case", "product:pack", "people:case", "people:genogram"):
        assert f'href="{reverse(name, args=[case.pk])}"' in page


def test_csv_export_never_hands_a_spreadsheet_a_formula(people: dict[str, Any]) -> None:
    """Text a person typed that a spreadsheet would run (=, +, -, @) comes out as text, not a formula."""
    case = make_referral(people["referrer"]).case
    screen(case, people["screener"])
    typed = ['=HYPERLINK("http://evil.invalid","x")', "=cmd|' /C calc'!A0", "@SUM(1+1)", "+1+1", "-2+3"]
    answer(
        case,
        AgencyKind.POLICE,
        people["police"],
        [
            HistoryData(date(2026, 1, i), "domestic_abuse", text, "high", f"F-{i}")
            for i, text in enumerate(typed, 1)
        ],
    )
    client = Client()
    client.force_login(people["screener"])
    rows = list(
        csv.DictReader(io.StringIO(client.get(reverse("chronology:csv", args=[case.pk])).content.decode()))
    )
    shown = [r["description"] for r in rows if r["agency"] == "Police"]
    assert len(shown) == len(typed)
    assert all(cell.startswith("'") for cell in shown), shown
    # Nothing else about the words changes, but for a pipe (dynamic data exchange), escaped too.
    assert sorted(cell[1:].replace("\\|", "|") for cell in shown) == sorted(typed)
