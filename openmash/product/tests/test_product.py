"""The case product page and its PDF pack: content, audit, disclosures and the early-help variant."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from openmash.accounts.roles import Role
from openmash.audit.catalogue import AuditAction
from openmash.audit.models import AuditEvent
from openmash.cases.models import Case
from openmash.cases.tests.helpers import make_referral, screen
from openmash.consent.models import Disclosure, DisclosureKind
from openmash.core.actor import Actor
from openmash.enquiries.services import HistoryData, request_save_return
from openmash.hub.models import AgencyKind, HubConfiguration
from openmash.people.models import PartnershipStatus, RelationshipKind
from openmash.people.services import person_add, relationship_add

pytestmark = pytest.mark.django_db

SECTIONS = ["1. Case summary", "2. Agency contributions", "3. Chronology", "4. Genogram"]


@pytest.fixture
def people(make_user: Any) -> dict[str, Any]:
    return {
        "screener": make_user(Role.SCREENING_MANAGER),
        "police": make_user(Role.AGENCY_RESEARCHER, AgencyKind.POLICE),
        "health": make_user(Role.AGENCY_RESEARCHER, AgencyKind.HEALTH),
        "referrer": make_user(Role.REFERRER, AgencyKind.EDUCATION),
    }


@pytest.fixture
def case(people: dict[str, Any]) -> Case:
    case = make_referral(people["referrer"]).case
    screen(case, people["screener"])
    police = case.requests.get(agency__kind=AgencyKind.POLICE)
    request_save_return(
        actor=Actor(user=people["police"]),
        request=police,
        expected_version=police.version,
        summary="Two call-outs to the home this year",
        risk_factors="Domestic abuse between the adults",
        protective_factors="Mother engages with the police",
        history=[
            HistoryData(
                date(2025, 3, 1), "domestic_abuse", "Officers attended a domestic incident", "high", "INC-1"
            ),
            HistoryData(date(2024, 7, 9), "missing", "Reported missing overnight", "medium", "MIS-7"),
        ],
        submit=True,
    )
    health = case.requests.get(agency__kind=AgencyKind.HEALTH)
    request_save_return(
        actor=Actor(user=people["health"]),
        request=health,
        expected_version=health.version,
        summary="DRAFT-ONLY health summary",
        risk_factors="",
        protective_factors="",
        history=[
            HistoryData(date(2025, 1, 5), "missed_appointment", "Missed immunisation", "low", "GP-DRAFT")
        ],
        submit=False,
    )
    actor = Actor(user=people["screener"])
    kerry = case.referral.people.get(given_name="Kerry")
    jayden = case.referral.people.get(given_name="Jayden")
    dean = person_add(actor=actor, case=case, given_name="Dean", family_name="Whitmore", sex="M")
    assert case.relationships.filter(from_person=kerry, to_person=jayden, kind=RelationshipKind.PARENT)
    relationship_add(actor=actor, case=case, from_person=dean, to_person=jayden, kind=RelationshipKind.PARENT)
    relationship_add(
        actor=actor,
        case=case,
        from_person=dean,
        to_person=kerry,
        kind=RelationshipKind.SPOUSE,
        status=PartnershipStatus.DIVORCED,
    )
    case.refresh_from_db()
    return case


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_product_page_shows_every_section_and_only_returned_information(
    case: Case, people: dict[str, Any]
) -> None:
    response = client_for(people["screener"]).get(reverse("product:case", args=[case.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    for heading in SECTIONS:
        assert heading in html
    assert case.reference in html
    assert "Two call-outs to the home this year" in html
    assert "Domestic abuse between the adults" in html
    assert "Mother engages with the police" in html
    assert "2 history items" in html
    assert "INC-1" in html and "MIS-7" in html
    # the health draft was never shared: neither its summary nor its history appears
    assert "DRAFT-ONLY" not in html and "GP-DRAFT" not in html
    assert "product-significant" in html  # the high-significance incident stands out
    assert "<svg" in html and "Dean Whitmore" in html
    assert "Dean Whitmore and Kerry Whitmore" in html or "divorced" in html.lower()
    assert "No decision has been recorded yet." in html
    assert "early-help-note" not in html


def test_product_view_is_audited_and_logs_each_returned_agency_as_viewed(
    case: Case, people: dict[str, Any]
) -> None:
    client_for(people["screener"]).get(reverse("product:case", args=[case.pk]))
    assert (
        AuditEvent.objects.filter(action=AuditAction.CASE_PRODUCT_VIEWED, object_id=str(case.pk)).count() == 1
    )
    viewed = Disclosure.objects.filter(case=case, kind=DisclosureKind.VIEWED)
    assert [d.from_agency.kind for d in viewed] == [AgencyKind.POLICE]


def test_pdf_pack_renders_every_section(case: Case, people: dict[str, Any]) -> None:
    response = client_for(people["screener"]).get(reverse("product:pack", args=[case.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert f"case-pack-{case.reference}.pdf" in response["Content-Disposition"]
    reader = PdfReader(io.BytesIO(response.content))
    pages = [page.extract_text() for page in reader.pages]
    text = "\n".join(pages)
    assert len(pages) >= 5  # a title page, then each section on a new page
    assert "Case pack" in pages[0] and case.reference in pages[0]
    for page in pages:  # marked at the top and the bottom of every page
        assert page.count("OFFICIAL-SENSITIVE") >= 2, page
    positions = [text.index(heading) for heading in SECTIONS]
    assert positions == sorted(positions)
    assert "INC-1" in text and "Officers attended a domestic incident" in text
    assert "Two call-outs to the home this year" in text
    assert "GP-DRAFT" not in text
    assert "Dean Whitmore" in text[positions[3] :]  # the genogram and its text list


def test_pdf_download_is_audited_and_logged_as_exported(case: Case, people: dict[str, Any]) -> None:
    client_for(people["police"]).get(reverse("product:pack", args=[case.pk]))
    event = AuditEvent.objects.get(action=AuditAction.CASE_PACK_DOWNLOADED)
    assert event.object_id == str(case.pk)
    assert event.detail["format"] == "pdf"
    exported = Disclosure.objects.filter(case=case, kind=DisclosureKind.EXPORTED)
    assert exported.count() == 1


def test_early_help_hub_says_the_product_is_the_output(case: Case, people: dict[str, Any]) -> None:
    HubConfiguration.objects.update(decision_in_hub=False)
    response = client_for(people["screener"]).get(reverse("product:case", args=[case.pk]))
    html = response.content.decode()
    assert "early-help-note" in html
    assert "This collated product is the hub's output" in html
    assert "does not make a decision" in html
    assert "No decision has been recorded yet." not in html
    pdf = client_for(people["screener"]).get(reverse("product:pack", args=[case.pk]))
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "does not make a decision" in text


def test_each_view_and_download_is_named_for_what_it_was_in_the_disclosure_log(
    case: Case, people: dict[str, Any], make_user: Any
) -> None:
    """The case product, its PDF pack, the chronology and its CSV are four different things a person
    saw or took away: the disclosure log says which, in words an information governance officer reads."""
    client = client_for(people["screener"])
    client.get(reverse("product:case", args=[case.pk]))
    client.get(reverse("product:pack", args=[case.pk]))
    client.get(reverse("chronology:case", args=[case.pk]))
    client.get(reverse("chronology:csv", args=[case.pk]))
    rows = [
        (d.kind, d.reason, d.item_summary, d.item_type)
        for d in Disclosure.objects.filter(case=case).exclude(kind=DisclosureKind.SHARED).order_by("id")
    ]
    assert rows == [
        ("viewed", "Case product viewed", "Police's return in the case product", "case_product"),
        (
            "exported",
            "Case product PDF pack downloaded",
            "Police's return in the case product PDF pack",
            "case_pack",
        ),
        ("viewed", "Chronology viewed", "Police's history items in the chronology", "chronology"),
        (
            "exported",
            "Chronology CSV exported",
            "Police's history items in the chronology CSV export",
            "chronology_csv",
        ),
    ]
    log = client_for(make_user(Role.IG_OFFICER)).get(reverse("consent:disclosures"), {"case": case.reference})
    page = log.content.decode()
    for where in (
        "Where: Case product viewed",
        "Where: Case product PDF pack downloaded",
        "Where: Chronology viewed",
        "Where: Chronology CSV exported",
    ):
        assert page.count(where) == 1, where
