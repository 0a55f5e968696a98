"""The transparency report: exactly what was shared about a person, why, who saw it, and what was not shared.

Families are built through the real services; the expected rows are written out by hand.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
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
from openmash.casework.consent import consent_record
from openmash.consent.models import (
    HEALTH_OVERRIDE_TEXT,
    ConsentDecision,
    Disclosure,
    DisclosureKind,
    ForWhom,
    InformedHow,
)
from openmash.consent.selectors import transparency_report_for
from openmash.core.actor import Actor
from openmash.enquiries.disclosures import returns_exported, returns_viewed
from openmash.enquiries.models import HistoryItem, InformationRequest
from openmash.enquiries.services import HistoryData, request_save_return, request_withhold
from openmash.hub.models import AgencyKind
from openmash.referrals.models import ReferralPerson
from openmash.referrals.services import PersonData

pytestmark = pytest.mark.django_db

R = Role
CSC, POLICE, HEALTH = AgencyKind.CHILDRENS_SOCIAL_CARE, AgencyKind.POLICE, AgencyKind.HEALTH
KINDS = [CSC, POLICE, HEALTH]
OK, FORBIDDEN, NOT_FOUND = 200, 403, 404
BASIS_REASON = "Risk of significant harm: consent would place the child at risk"


@dataclass
class Family:
    case: Case
    child: ReferralPerson
    mother: ReferralPerson | None


def family(referrer: Any, **overrides: Any) -> Family:
    case = make_referral(referrer, **overrides).case
    return Family(
        case=case,
        child=case.referral.people.get(is_subject=True),
        mother=case.referral.people.filter(is_subject=False).first(),
    )


def mother_of(fam: Family) -> ReferralPerson:
    assert fam.mother is not None
    return fam.mother


def submit_return(user: Any, case: Case, kind: str, history: list[HistoryData]) -> InformationRequest:
    request = case.requests.get(agency__kind=kind)
    return request_save_return(
        actor=Actor(user=user),
        request=request,
        expected_version=request.version,
        summary="Known to us",
        risk_factors="",
        protective_factors="",
        history=history,
        submit=True,
    )


def incident(reference: str) -> HistoryData:
    return HistoryData(date(2026, 9, 1), "domestic_abuse", "Officers attended", "high", reference)


@pytest.fixture
def people(make_user: Any) -> dict[str, Any]:
    return {
        "screener": make_user(R.SCREENING_MANAGER),
        "decider": make_user(R.DECISION_MAKER),
        "police": make_user(R.AGENCY_RESEARCHER, POLICE),
        "health": make_user(R.AGENCY_RESEARCHER, HEALTH),
        "referrer": make_user(R.REFERRER, AgencyKind.EDUCATION),
        "ig": make_user(R.IG_OFFICER),
    }


@pytest.fixture
def whitmores(people: dict[str, Any]) -> Family:
    """Police share a return with one incident under a lawful basis; health decide not to share one thing."""
    fam = family(people["referrer"])
    screen(fam.case, people["screener"], kinds=(POLICE, HEALTH))
    submit_return(people["police"], fam.case, POLICE, [incident("INC-2026-0001")])
    request_withhold(
        actor=Actor(user=people["health"]),
        request=fam.case.requests.get(agency__kind=HEALTH),
        what="Mother's mental health record",
        reason="Not relevant to the concerns about the child",
    )
    return fam


@pytest.fixture
def other_family(people: dict[str, Any]) -> Family:
    """Another family, whose police return must not appear in the Whitmores' reports."""
    fam = family(
        people["referrer"],
        people=[
            PersonData(given_name="Ava", family_name="Lindqvist", date_of_birth=date(2019, 2, 2), sex="F"),
        ],
    )
    screen(fam.case, people["screener"], kinds=(POLICE,))
    submit_return(people["police"], fam.case, POLICE, [incident("INC-2026-0999")])
    return fam


def report_of(person: ReferralPerson, people: dict[str, Any]) -> Any:
    return transparency_report_for(actor=Actor(user=people["ig"]), person=person, output="html")


# What the report holds ---------------------------------------------------------------------------------


def test_report_lists_exactly_what_was_shared_about_the_child_and_why(
    whitmores: Family, other_family: Family, people: dict[str, Any]
) -> None:
    report = report_of(whitmores.child, people)

    rows = [(i.entry.from_agency.name, i.entry.item_summary, i.basis_kind) for i in report.shared]
    assert rows == [
        ("Police", "Police's summary, risk and protective factors", "Lawful basis without consent"),
        ("Police", "01 Sep 2026 Domestic abuse incident (INC-2026-0001)", "Lawful basis without consent"),
    ]
    for item in report.shared:
        assert HEALTH_OVERRIDE_TEXT in item.basis_text
        assert item.basis_reason == BASIS_REASON
        assert item.entry.to_description == f"Front Door MASH, case {whitmores.case.reference}"
    assert report.agencies == ["Police"]
    assert not any("INC-2026-0999" in i.entry.item_summary for i in [*report.shared, *report.seen])
    # The other family's report holds only their own police return.
    theirs = report_of(other_family.child, people)
    assert [i.entry.item_summary for i in theirs.shared] == [
        "Police's summary, risk and protective factors",
        "01 Sep 2026 Domestic abuse incident (INC-2026-0999)",
    ]
    assert theirs.withheld == []


def test_a_partner_agencys_officer_reports_on_their_agencys_part(
    whitmores: Family, people: dict[str, Any], make_user: Any
) -> None:
    whole = report_of(whitmores.child, people)
    assert whole.covers == "" and whole.shared and whole.withheld
    health = transparency_report_for(
        actor=Actor(user=make_user(Role.IG_OFFICER, HEALTH)), person=whitmores.child, output="html"
    )
    assert health.covers == "Health"
    assert health.shared == [] and [i.entry.from_agency.name for i in health.withheld] == ["Health"]
    police_officer = make_user(Role.IG_OFFICER, POLICE)
    police = transparency_report_for(actor=Actor(user=police_officer), person=whitmores.child, output="html")
    assert [i.entry.item_summary for i in police.shared] == [i.entry.item_summary for i in whole.shared]
    assert police.withheld == []
    client = Client()
    client.force_login(police_officer)
    page = client.get(reverse("consent:transparency", args=[whitmores.child.pk])).content.decode()
    assert "Police's part only" in page


def test_items_about_other_people_are_flagged_with_their_count_and_roles(
    whitmores: Family, other_family: Family, people: dict[str, Any]
) -> None:
    report = report_of(whitmores.child, people)
    assert [i.third_party_flag for i in report.shared] == [
        "Contains information about 1 other person: review before release"
    ] * 2
    assert report.shared[0].other_roles == ["mother"]
    assert report.flagged_count == 3  # two shared items and the withheld one
    # The mother's report lists the case's information about the child apart, as third-party
    # information naming her; a one-person family has nothing to flag.
    hers = report_of(mother_of(whitmores), people)
    assert hers.shared == [] and hers.withheld == []
    assert [(i.entry.kind, i.about_whom) for i in hers.mentions] == [
        ("shared", "child referred"),
        ("shared", "child referred"),
        ("withheld", "child referred"),
    ]
    alone = report_of(other_family.child, people)
    assert [i.third_party_flag for i in alone.shared] == ["", ""]
    assert alone.flagged_count == 0


def test_decisions_not_to_share_are_listed_with_their_reasons(
    whitmores: Family, people: dict[str, Any]
) -> None:
    report = report_of(whitmores.child, people)
    assert [(i.entry.from_agency.name, i.entry.item_summary, i.entry.reason) for i in report.withheld] == [
        ("Health", "Mother's mental health record", "Not relevant to the concerns about the child")
    ]


def test_views_and_exports_are_listed_with_the_basis_of_the_original_share(
    whitmores: Family, people: dict[str, Any]
) -> None:
    returns_viewed(
        actor=Actor(user=people["decider"], role=R.DECISION_MAKER), case=whitmores.case, where="Case page"
    )
    returns_exported(actor=Actor(user=people["decider"]), case=whitmores.case, where="Meeting pack")
    report = report_of(whitmores.child, people)
    decider = people["decider"]
    assert [(i.entry.kind, i.entry.to_description, i.entry.reason) for i in report.seen] == [
        (
            DisclosureKind.VIEWED,
            f"{decider.get_full_name()}, Decision maker, Children's Social Care",
            "Case page",
        ),
        (DisclosureKind.EXPORTED, f"{decider.get_full_name()}, Children's Social Care", "Meeting pack"),
    ]
    assert {i.entry.basis_text for i in report.seen} == {report.shared[0].basis_text}
    assert (report.viewed_count, report.exported_count) == (1, 1)


def test_consent_concerning_the_person_is_listed(whitmores: Family, people: dict[str, Any]) -> None:
    consent_record(
        actor=Actor(user=people["screener"]),
        case=whitmores.case,
        given_by=mother_of(whitmores),
        for_whom=ForWhom.SELF,
        decision=ConsentDecision.REFUSED,
        informed_how=InformedHow.VERBAL,
        privacy_notice_version="2026-04",
    )
    # Consent the mother refused for herself concerns her, not the child.
    assert [c.record.decision for c in report_of(mother_of(whitmores), people).consents] == ["refused"]
    assert report_of(whitmores.child, people).consents == []
    assert [b.record.reason for b in report_of(whitmores.child, people).bases] == [BASIS_REASON]


def test_producing_a_report_is_audited_with_the_person(whitmores: Family, people: dict[str, Any]) -> None:
    report_of(whitmores.child, people)
    event = AuditEvent.objects.get(action=AuditAction.TRANSPARENCY_REPORT)
    assert event.persons == [str(whitmores.child.pk)]
    assert event.detail["case"] == whitmores.case.reference
    assert (event.detail["shared"], event.detail["withheld"], event.detail["output"]) == (2, 1, "html")


# The page and the PDF ----------------------------------------------------------------------------------


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_report_page_shows_items_flags_and_a_pdf_link(whitmores: Family, people: dict[str, Any]) -> None:
    response = signed_in(people["ig"]).get(reverse("consent:transparency", args=[whitmores.child.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<title>Transparency report: Jayden Whitmore – OpenMASH</title>" in html
    assert html.count('data-testid="shared-item"') == 2
    assert html.count('data-testid="withheld-item"') == 1
    assert "Contains information about 1 other person: review before release" in html
    assert "Not relevant to the concerns about the child" in html
    assert reverse("consent:transparency-pdf", args=[whitmores.child.pk]) in html
    assert "style=" not in html  # the page keeps to the site's strict CSP


def test_pdf_holds_the_report_marked_official_sensitive(whitmores: Family, people: dict[str, Any]) -> None:
    response = signed_in(people["ig"]).get(reverse("consent:transparency-pdf", args=[whitmores.child.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith(
        f'attachment; filename="transparency-report-{whitmores.case.reference}-'
    )
    assert response.content.startswith(b"%PDF-")
    pages = PdfReader(io.BytesIO(response.content)).pages
    text = " ".join(" ".join(page.extract_text() for page in pages).split())
    assert "Jayden Whitmore" in text
    assert "INC-2026-0001" in text
    assert "Mother's mental health record" in text
    assert "review before release" in text
    for page in pages:  # top and bottom of every page
        assert page.extract_text().count("OFFICIAL-SENSITIVE") >= 2
    event = AuditEvent.objects.get(action=AuditAction.TRANSPARENCY_REPORT)
    assert event.detail["output"] == "pdf"
    # Producing the report is not itself a disclosure of agency information.
    assert not Disclosure.objects.filter(kind=DisclosureKind.EXPORTED).exists()


def test_report_for_a_person_with_nothing_shared(people: dict[str, Any]) -> None:
    fam = family(people["referrer"])
    response = signed_in(people["ig"]).get(reverse("consent:transparency", args=[fam.child.pk]))
    assert response.status_code == 200
    assert 'data-testid="nothing-shared"' in response.content.decode()
    assert 'data-testid="third-party-warning"' not in response.content.decode()


# Who may see them --------------------------------------------------------------------------------------

# The disclosure log and transparency reports belong to information governance officers, in whichever
# agency they work. Screening managers and decision makers outside children's social care hold no role.
ALLOWED = {(R.IG_OFFICER, kind) for kind in KINDS}


def expected_status(role: Role, kind: AgencyKind) -> int:
    return OK if (role, kind) in ALLOWED else FORBIDDEN


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.value)
@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_role_and_agency_matrix(role: Role, kind: AgencyKind, whitmores: Family, make_user: Any) -> None:
    client = signed_in(make_user(role, kind))
    urls = {
        "disclosures": reverse("consent:disclosures"),
        "disclosures-case": reverse("consent:disclosures") + f"?case={whitmores.case.reference}",
        "transparency": reverse("consent:transparency", args=[whitmores.child.pk]),
        "transparency-pdf": reverse("consent:transparency-pdf", args=[whitmores.child.pk]),
    }
    got = {name: client.get(url).status_code for name, url in urls.items()}
    assert got == dict.fromkeys(urls, expected_status(role, kind))


def test_nobody_signed_in_is_sent_to_sign_in(whitmores: Family) -> None:
    for url in (
        reverse("consent:disclosures"),
        reverse("consent:transparency", args=[whitmores.child.pk]),
        reverse("consent:transparency-pdf", args=[whitmores.child.pk]),
    ):
        response = Client().get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:sign-in"))


def test_unknown_person_is_not_found(people: dict[str, Any]) -> None:
    client = signed_in(people["ig"])
    unknown = "00000000-0000-4000-8000-000000000000"
    assert client.get(reverse("consent:transparency", args=[unknown])).status_code == NOT_FOUND
    assert client.get(reverse("consent:transparency-pdf", args=[unknown])).status_code == NOT_FOUND
    assert not AuditEvent.objects.filter(action=AuditAction.TRANSPARENCY_REPORT).exists()


# Whose information an item is --------------------------------------------------------------------------


def _police_return_with_both_records(
    tmp_path: Any, make_user: Any, capture: Any
) -> tuple[Case, ReferralPerson, ReferralPerson, set[str], set[str]]:
    """Police search their records for the family: the child's record (POL-100) and the mother's own
    (POL-101) are confirmed and events from each go into the return, with one event typed by hand."""
    from openmash.enquiries.tests.test_views import make_case, make_people
    from openmash.sources.tests.helpers import police_source
    from openmash.trawl.services import candidate_confirm, events_add, trawl_start

    staff = make_people(make_user)
    police_source(tmp_path)
    case = make_case(staff)
    request = case.requests.get(agency__kind=POLICE)
    actor = Actor(user=staff["police"])
    with capture(execute=True):
        trawl = trawl_start(actor=actor, request=request)
    child = case.referral.people.get(is_subject=True)
    mother = case.referral.people.get(given_name="Kerry")
    added: dict[str, set[str]] = {}
    for person, record in ((child, "POL-100"), (mother, "POL-101")):
        candidate = trawl.candidates.get(person=person, record_id=record)
        candidate_confirm(actor=actor, candidate=candidate, reason="Same name, date of birth and address")
        from openmash.trawl.services import candidate_record

        events = candidate_record(actor=actor, candidate=candidate)
        assert events is not None
        items = events_add(actor=actor, candidate=candidate, event_keys=[e.key for e in events.events])
        added[record] = {str(i.pk) for i in items}
    request.refresh_from_db()
    request_save_return(
        actor=actor,
        request=request,
        expected_version=request.version,
        summary="Known to police: domestic abuse at the home.",
        risk_factors="",
        protective_factors="",
        history=[HistoryData(date(2026, 9, 1), "incident", "Typed by hand", "low", "INC-HAND")],
        submit=True,
    )
    return case, child, mother, added["POL-100"], added["POL-101"]


def test_another_persons_own_records_are_not_in_the_childs_report(
    tmp_path: Any, make_user: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """A subject access request for the child: the mother's own police record is hers, not the child's.
    The one incident both records hold (INC-2026-000101) is one item, in both reports, each time
    flagged as also about the other person."""
    case, child, mother, childs_items, mothers_items = _police_return_with_both_records(
        tmp_path, make_user, django_capture_on_commit_callbacks
    )
    assert mothers_items == set()  # her only event is the incident already in the return
    shared = HistoryItem.objects.get(source_reference="INC-2026-000101")
    assert set(shared.subjects.all()) == {child, mother}
    ig = {"ig": make_user(R.IG_OFFICER)}
    report = report_of(child, ig)
    listed = [i.entry.item_id for i in [*report.shared, *report.mentions]]
    assert sorted(childs_items) == sorted(i for i in listed if i in childs_items)  # each once
    # The child's own records name nobody else, except the incident in the mother's record too; the
    # return and the typed event are the case's information about the child, which names the mother.
    own = {i.entry.item_id: i for i in report.shared}
    assert own[str(shared.pk)].third_party_flag.startswith("Contains information about 1 other person")
    assert own[str(shared.pk)].other_roles == ["mother"]
    assert all(own[i].third_party_flag == "" for i in childs_items - {str(shared.pk)})
    case_items = [i for i in report.shared if i.entry.item_id not in childs_items]
    assert [i.entry.item_summary for i in case_items] == [
        "Police's summary, risk and protective factors",
        "01 Sep 2026 Incident (INC-HAND)",
    ]
    assert all(i.third_party_flag.startswith("Contains information about 1 other person") for i in case_items)
    assert report.mentions == []

    # The mother's report: the incident as hers, flagged as about the child too; the case's information
    # about the child only as information about someone else that names her; the child's own
    # records (the missing episode, the welfare check) not at all.
    hers = report_of(mother, ig)
    assert [i.entry.item_id for i in hers.shared] == [str(shared.pk)]
    assert hers.shared[0].other_roles == ["child referred"]
    assert [i.entry.item_summary for i in hers.mentions] == [
        "Police's summary, risk and protective factors",
        "01 Sep 2026 Incident (INC-HAND)",
    ]
    assert [i.about_whom for i in hers.mentions] == ["child referred"] * 2
    assert not ({i.entry.item_id for i in [*hers.shared, *hers.mentions]} & (childs_items - {str(shared.pk)}))

    # The page says so.
    client = Client()
    client.force_login(ig["ig"])
    page = client.get(reverse("consent:transparency", args=[mother.pk])).content.decode()
    assert 'data-testid="mentions-items"' in page
    assert "Information about other people that names Kerry Whitmore" in page
    assert "INC-2026-000287" not in page  # the child's missing episode
    page = client.get(reverse("consent:transparency", args=[child.pk])).content.decode()
    assert 'data-testid="mentions-items"' not in page
    assert page.count("INC-2026-000101") == 1
    assert Disclosure.objects.filter(case=case, item_id=str(shared.pk), kind="shared").count() == 1
