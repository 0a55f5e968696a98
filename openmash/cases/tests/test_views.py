"""The screening queue, screening form, re-rating, case list, case page and the two home pages."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.db.models import F
from django.test import Client
from django.urls import reverse

from openmash.accounts.roles import Role
from openmash.audit.catalogue import AuditAction
from openmash.audit.models import AuditEvent
from openmash.cases import views
from openmash.cases.forms import PAGE_OUT_OF_DATE, SELECT_LEVEL
from openmash.cases.models import Case, CaseEvent, CaseStatus, Route
from openmash.cases.selectors import describe_working_time
from openmash.cases.services import NO_AGENCIES, NO_REASON, RERATE_NO_REASON
from openmash.cases.tests.helpers import make_referral, screen
from openmash.casework.consent import consent_record
from openmash.consent.forms import (
    ENTER_NOTICE,
    SELECT_ART6,
    SELECT_ASKED_FOR,
    SELECT_FOR_WHOM,
    SELECT_GIVEN_BY,
    SELECT_INFORMED,
    SELECT_REFUSED_BY,
)
from openmash.consent.models import (
    Art6Basis,
    ConsentDecision,
    ConsentRecord,
    ForWhom,
    InformedHow,
    LawfulBasisDecision,
)
from openmash.consent.services import NO_BASIS_REASON
from openmash.core.actor import Actor
from openmash.core.errors import CONCURRENT_EDIT
from openmash.enquiries.deadlines import due_at
from openmash.enquiries.models import InformationRequest, RequestStatus
from openmash.hub.calendar_format import format_deadline
from openmash.hub.models import Agency, AgencyKind, RagRating, ThresholdIndicator, ThresholdLevel
from openmash.hub.selectors import hub_configuration
from openmash.meetings.tests.helpers import meeting_discussing
from openmash.referrals.services import PersonData

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 11, 24, 11, 0, tzinfo=LONDON)  # a Tuesday


@pytest.fixture
def people(make_user: Any) -> dict[str, Any]:
    return {
        "referrer": make_user(Role.REFERRER, AgencyKind.EDUCATION),
        "screener": make_user(Role.SCREENING_MANAGER),
        "police": make_user(Role.AGENCY_RESEARCHER, AgencyKind.POLICE),
        "health": make_user(Role.AGENCY_RESEARCHER, AgencyKind.HEALTH),
        "decider": make_user(Role.DECISION_MAKER),
        "chair": make_user(Role.MEETING_CHAIR, AgencyKind.POLICE),
    }


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def child(given: str, family: str = "Okoro", born: date = date(2016, 3, 1)) -> list[PersonData]:
    return [PersonData(given_name=given, family_name=family, date_of_birth=born, sex="U")]


def referral_about(given: str, received_at: datetime | None = None, user: Any = None, **kw: Any) -> Case:
    return make_referral(user, received_at=received_at, people=child(given), **kw).case


def text(response: Any) -> str:
    """The page's text with tags removed and white space collapsed, as a person reads it."""
    html = re.sub(r"<[^>]+>", " ", response.content.decode())
    return re.sub(r"\s+", " ", html).replace("&#x27;", "'")


def screening_post(case: Case, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "version": str(case.version),
        "level": str(ThresholdLevel.objects.get(number=3).pk),
        "indicators": [str(ThresholdIndicator.objects.filter(level__number=3).first().pk)],  # type: ignore[union-attr]
        "rag": "red",
        "rag_reason": "Bruising seen by the school nurse on two occasions",
        "consent_position": "not_sought_risk",
        "risk_reason": "Asking the parents would warn the person who hurt the child",
        "risk_art6": "6(1)(e)",
        "risk_special": "on",
        "risk_health_override": "on",
        "route": "mash_enquiry",
        "agencies": [str(Agency.objects.get(kind=k).pk) for k in (AgencyKind.POLICE, AgencyKind.HEALTH)],
        "notes": "",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


# Working time in words -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("minutes", "words"),
    [
        (0, "No working time yet"),
        (1, "1 minute"),
        (25, "25 minutes"),
        (60, "1 hour"),
        (3 * 60 + 59, "3 hours"),
        (8 * 60, "1 day"),
        (10 * 60, "1 day 2 hours"),
        (17 * 60, "2 days 1 hour"),
    ],
)
def test_working_time_in_plain_words(minutes: int, words: str) -> None:
    from datetime import timedelta

    assert describe_working_time(timedelta(minutes=minutes), timedelta(hours=8)) == words


# Screening queue -------------------------------------------------------------------------------


def test_queue_lists_new_contacts_oldest_first_with_their_working_age(people: dict[str, Any]) -> None:
    # Made out of order, so the page must sort them by when each arrived.
    b = referral_about("Bella", datetime(2026, 11, 24, 8, 0, tzinfo=LONDON))  # before opening
    c = referral_about("Cara", datetime(2026, 11, 24, 10, 35, tzinfo=LONDON))
    a = referral_about("Amir", datetime(2026, 11, 23, 9, 0, tzinfo=LONDON), referrer_organisation="Elm GP")
    screened = referral_about("Dev", datetime(2026, 11, 20, 9, 0, tzinfo=LONDON))
    screen(screened, people["screener"])

    with mock.patch("openmash.cases.selectors.timezone", **{"now.return_value": NOW}):
        response = client_for(people["screener"]).get(reverse("cases:queue"))

    assert response.status_code == 200
    page = text(response)
    order = [page.index(f"{name} Okoro") for name in ("Amir", "Bella", "Cara")]
    assert order == sorted(order)
    assert "Dev Okoro" not in page
    assert "Amir Okoro C-2026" in page
    # Monday 09:00 to Tuesday 11:00 is one working day and two hours; Bella's clock started at 09:00.
    assert "1 day 2 hours Received 9am on Monday 23 November 2026" in page
    assert "2 hours Received 8am on Tuesday 24 November 2026" in page
    assert "25 minutes Received 10:35am on Tuesday 24 November 2026" in page
    assert "Elm GP Schools Neglect" in page
    # Amir's decision was due at 9am on Tuesday: overdue. Bella's is due at 5pm today.
    rows = response.content.decode().split('data-testid="queue-row"')[1:]
    assert 'data-testid="overdue"' in rows[0]
    assert format_deadline(a.decision_due_at) in text_of(rows[0])
    assert 'data-testid="overdue"' not in rows[1]
    assert "5pm on Tuesday 24 November 2026" in text_of(rows[1])
    assert b.pk and c.pk

    event = AuditEvent.objects.filter(action=AuditAction.QUEUE_VIEWED).latest("sequence")
    assert event.detail["queue"] == "screening"
    assert event.detail["cases"] == [a.reference, b.reference, c.reference]
    assert len(event.persons) == 3


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_queue_tags_re_referrals(people: dict[str, Any]) -> None:
    first = referral_about("Amir", datetime(2026, 11, 2, 10, 0, tzinfo=LONDON))
    screen(first, people["screener"], route=Route.NFA)
    again = referral_about("Amir", datetime(2026, 11, 23, 10, 0, tzinfo=LONDON))
    referral_about("Bella", datetime(2026, 11, 23, 11, 0, tzinfo=LONDON))

    response = client_for(people["screener"]).get(reverse("cases:queue"))

    rows = response.content.decode().split('data-testid="queue-row"')[1:]
    assert len(rows) == 2
    assert again.reference in rows[0] and 'data-testid="rereferral"' in rows[0]
    assert 'data-testid="rereferral"' not in rows[1]


def test_empty_queue_says_so(people: dict[str, Any]) -> None:
    response = client_for(people["screener"]).get(reverse("cases:queue"))
    assert "There are no contacts waiting for screening." in text(response)


def test_a_case_not_yet_screened_says_it_is_not_yet_rated(people: dict[str, Any]) -> None:
    new = referral_about("Cleo")
    rated = screen(referral_about("Dara"), people["screener"], rag=RagRating.GREEN)
    client = client_for(people["screener"])

    page = text(client.get(reverse("cases:detail", args=[new.pk])))
    assert page.count("Not yet rated") == 1  # beside the heading; no screening section yet
    assert "Not yet rated" not in text(client.get(reverse("cases:detail", args=[rated.pk])))
    rows = client.get(reverse("cases:list")).content.decode().split("<tr")[2:]
    row_of = {case.reference: row for case in (new, rated) for row in rows if case.reference in row}
    assert "Not yet rated" in row_of[new.reference]
    assert "openmash-rag--green" in row_of[rated.reference]
    assert "Not yet rated" not in row_of[rated.reference]


# Screening -------------------------------------------------------------------------------------


def test_screening_form_shows_the_referral_and_defaults_to_the_core_agencies(people: dict[str, Any]) -> None:
    case = referral_about("Amir", user=people["referrer"], referrer_level=2)
    config = hub_configuration()
    config.core_agencies.set(Agency.objects.filter(kind__in=[AgencyKind.POLICE, AgencyKind.EDUCATION]))

    response = client_for(people["screener"]).get(reverse("cases:screen", args=[case.pk]))

    page = text(response)
    html = response.content.decode()
    assert "Jayden has arrived hungry on several mornings this half term." in page
    assert "Referrer's view of the level of need Level 2: Early help" in page
    assert "Family's consent The family knows and agrees" in page
    assert (
        "Red: 4 working hours" in page and "Amber: 1 working day" in page and "Green: 3 working days" in page
    )
    checked = re.findall(r'name="agencies"[^>]*value="([^"]+)"[^>]*checked', html.replace("\n", " "))
    expected = {str(a.pk) for a in config.core_agencies.all()}
    assert set(checked) == expected
    # The indicators are grouped under their level, each with its area of the assessment framework.
    assert "Level 4: Child protection" in page
    assert "Suspected child sexual or criminal exploitation Child's developmental needs" in page
    assert f'value="{case.version}"' in html


def test_screening_sends_requests_and_says_when_they_are_due(people: dict[str, Any]) -> None:
    case = referral_about("Amir")
    client = client_for(people["screener"])

    response = client.post(reverse("cases:screen", args=[case.pk]), screening_post(case), follow=True)

    case.refresh_from_db()
    assert case.status == CaseStatus.INFORMATION_GATHERING
    assert case.rag == "red" and case.level.number == 3  # type: ignore[union-attr]
    assert case.indicators.count() == 1
    requests = list(case.requests.select_related("agency").order_by("agency__name"))
    assert [r.agency.kind for r in requests] == [AgencyKind.HEALTH, AgencyKind.POLICE]
    for request in requests:
        assert request.due_at == due_at(sent_at=request.sent_at, rag="red")
    assert response.redirect_chain[-1][0] == reverse("cases:detail", args=[case.pk])
    page = text(response)
    due = format_deadline(requests[0].due_at)
    assert f"Information requested from Health and Police by {due}." in page
    assert "Screened by" in page and "Bruising seen by the school nurse on two occasions" in page
    assert "Awaiting screening to gathering information" in page  # the case history


def test_screening_without_an_enquiry_routes_and_decides(people: dict[str, Any]) -> None:
    case = referral_about("Amir")
    client = client_for(people["screener"])

    response = client.post(
        reverse("cases:screen", args=[case.pk]),
        screening_post(case, route="early_help", rag="green", agencies=[]),
        follow=True,
    )

    case.refresh_from_db()
    assert case.status in (CaseStatus.DECIDED, CaseStatus.CLOSED)
    assert not case.requests.exists()
    assert f"{case.reference} screened and routed: Early help." in text(response)


@pytest.mark.parametrize(
    ("overrides", "message", "anchor"),
    [
        ({"rag_reason": "   "}, NO_REASON, "#id_rag_reason"),
        ({"agencies": []}, NO_AGENCIES, "#id_agencies_1"),
        ({"agencies": [], "route": "strategy_discussion"}, NO_AGENCIES, "#id_agencies_1"),
        ({"level": None}, SELECT_LEVEL, "#id_level_1"),
        ({"rag": "purple"}, "Select a RAG rating", "#id_rag_1"),
        ({"route": None}, "Select a route", "#id_route_1"),
        ({"consent_position": None}, "Select the consent position", "#id_consent_position_1"),
        ({"version": None}, PAGE_OUT_OF_DATE, "#id_level_1"),
    ],
)
def test_screening_errors_are_summarised_and_change_nothing(
    people: dict[str, Any], overrides: dict[str, Any], message: str, anchor: str
) -> None:
    case = referral_about("Amir")
    version = case.version

    response = client_for(people["screener"]).post(
        reverse("cases:screen", args=[case.pk]), screening_post(case, notes="Spoke to the DSL", **overrides)
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert "<title>Error: " in html
    summary = html.split('class="govuk-error-summary"')[1].split("</ul>")[0]
    assert f'<a href="{anchor}">{message}</a>' in summary
    assert "Spoke to the DSL" in html  # the manager's input is kept
    case.refresh_from_db()
    assert (case.status, case.version, case.rag) == (CaseStatus.NEW, version, "")
    assert not InformationRequest.objects.exists()
    assert not AuditEvent.objects.filter(action=AuditAction.CASE_SCREENED).exists()


def test_screening_a_case_someone_changed_meanwhile_is_refused(people: dict[str, Any]) -> None:
    case = referral_about("Amir")
    opened = screening_post(case)
    Case.objects.filter(pk=case.pk).update(version=F("version") + 1)  # another person saved

    response = client_for(people["screener"]).post(reverse("cases:screen", args=[case.pk]), opened)

    assert response.status_code == 200
    assert CONCURRENT_EDIT in text(response)
    assert "Reload this page" in text(response)
    case.refresh_from_db()
    assert case.status == CaseStatus.NEW and case.rag == ""
    assert not InformationRequest.objects.exists()


def test_a_screened_case_cannot_be_screened_again(people: dict[str, Any]) -> None:
    case = referral_about("Amir")
    screen(case, people["screener"])
    client = client_for(people["screener"])
    url = reverse("cases:screen", args=[case.pk])

    assert client.get(url)["Location"] == reverse("cases:detail", args=[case.pk])
    case.refresh_from_db()
    response = client.post(url, screening_post(case, rag="green"))
    assert "This case has already been screened." in text(response)
    case.refresh_from_db()
    assert case.rag == "amber"


# Screening: the consent position and what it records --------------------------------------------


def family_case() -> Case:
    """Jayden (the child referred) and Kerry, his mother."""
    return make_referral().case


def consent_given(case: Case, **overrides: Any) -> dict[str, Any]:
    mother = case.referral.people.get(is_subject=False)
    values: dict[str, Any] = {
        "consent_position": "given",
        "given_by": str(mother.pk),
        "given_for": "household",
        "given_informed": "verbal",
        "given_notice": "2026-04",
        "risk_reason": None,
        "risk_art6": None,
        "risk_special": None,
        "risk_health_override": None,
    }
    values.update(overrides)
    return screening_post(case, **values)


def test_screening_form_asks_who_gave_consent_adults_first(people: dict[str, Any]) -> None:
    case = family_case()

    response = client_for(people["screener"]).get(reverse("cases:screen", args=[case.pk]))

    html = response.content.decode()
    reveal = html.split('data-testid="reveal-given"')[1].split('data-testid="reveal-refused"')[0]
    page = text_of(reveal)
    assert page.index("Kerry Whitmore (mother)") < page.index("Jayden Whitmore (child referred)")
    assert "The whole household" in page and "A named child: Jayden Whitmore" in page
    assert "Health information was named specifically" in page
    assert 'name="given_notice" value="2026-04"' in reveal  # the current privacy notice
    risk = html.split('data-testid="reveal-not_sought_risk"')[1]
    assert 'name="risk_art6" class="govuk-radios__input" id="id_risk_art6_1" value="6(1)(e)" checked' in (
        re.sub(r"\s+", " ", risk)
    )
    assert re.search(r'name="risk_special"[^>]*checked', risk)  # special category data by default
    assert not re.search(r'name="risk_health_override"[^>]*checked', risk)


def test_screening_form_lists_consent_already_recorded(people: dict[str, Any]) -> None:
    case = family_case()
    url = reverse("cases:screen", args=[case.pk])
    assert 'data-testid="already-recorded"' not in client_for(people["screener"]).get(url).content.decode()
    consent_record(
        actor=Actor(user=people["screener"]),
        case=case,
        given_by=case.referral.people.get(is_subject=False),
        for_whom=ForWhom.HOUSEHOLD,
        decision=ConsentDecision.GIVEN,
        informed_how=InformedHow.VERBAL,
        privacy_notice_version="2026-04",
    )

    page = text(client_for(people["screener"]).get(url))

    assert "Already recorded on this case's consent page" in page
    assert "used when the requests are sent: Consent given by Kerry Whitmore for the whole household" in page


def test_consent_given_without_health_sends_police_and_says_why_health_waits(people: dict[str, Any]) -> None:
    case = family_case()

    response = client_for(people["screener"]).post(
        reverse("cases:screen", args=[case.pk]), consent_given(case, given_informed="written"), follow=True
    )

    case.refresh_from_db()
    assert case.status == CaseStatus.INFORMATION_GATHERING and case.consent_position == "given"
    consent = ConsentRecord.objects.get(case=case)
    assert (consent.decision, consent.for_whom, consent.child, consent.includes_health) == (
        ConsentDecision.GIVEN,
        ForWhom.HOUSEHOLD,
        None,
        False,
    )
    assert consent.given_by.given_name == "Kerry" and consent.informed_how == InformedHow.WRITTEN
    assert consent.privacy_notice_version == "2026-04" and consent.recorded_by == people["screener"]
    assert not LawfulBasisDecision.objects.exists()
    police = case.requests.get(agency__kind=AgencyKind.POLICE)
    health = case.requests.get(agency__kind=AgencyKind.HEALTH)
    assert police.status == RequestStatus.OPEN and health.status == RequestStatus.BLOCKED
    assert health.due_at is None
    assert (
        f"{case.reference} screened: MASH enquiry, rated red. Information requested from Police by "
        f"{format_deadline(police.due_at)}. 1 agency is waiting for consent or a lawful basis: see below."
    ) in text(response)
    assert (
        "Health: Health is bound by a duty of confidentiality: its information needs consent that names "
        "health information, or a recorded decision to set the duty aside."
    ) in text(response)
    # The case page says what waits, and links to the consent page.
    page = text(response)
    assert "Waiting for consent or a lawful basis before asking Health." in page
    assert reverse("consent:case", args=[case.pk]) in response.content.decode()


def test_consent_naming_health_sends_every_request(people: dict[str, Any]) -> None:
    case = family_case()

    response = client_for(people["screener"]).post(
        reverse("cases:screen", args=[case.pk]), consent_given(case, given_health="on"), follow=True
    )

    case.refresh_from_db()
    assert ConsentRecord.objects.get(case=case).includes_health
    assert set(case.requests.values_list("status", flat=True)) == {RequestStatus.OPEN}
    due = format_deadline(case.requests.first().due_at)  # type: ignore[union-attr]
    assert f"Information requested from Health and Police by {due}." in text(response)
    assert "Waiting for consent" not in text(response)


def test_consent_for_a_named_child_given_by_the_child(people: dict[str, Any]) -> None:
    case = family_case()
    child = case.referral.people.get(is_subject=True)

    client_for(people["screener"]).post(
        reverse("cases:screen", args=[case.pk]),
        consent_given(
            case, given_by=str(child.pk), given_for=f"child:{child.pk}", given_informed="electronic"
        ),
    )

    consent = ConsentRecord.objects.get(case=case)
    assert (consent.given_by, consent.for_whom, consent.child) == (child, ForWhom.CHILD, child)
    assert consent.informed_how == InformedHow.ELECTRONIC


def test_consent_refused_without_a_reason_records_the_refusal_and_every_request_waits(
    people: dict[str, Any],
) -> None:
    case = family_case()
    mother = case.referral.people.get(is_subject=False)
    data = consent_given(
        case,
        consent_position="refused",
        given_by=None,
        given_for=None,
        refused_by=str(mother.pk),
        refused_for="household",
        refused_informed="verbal",
        refused_notice="2026-04",
        refused_art6="6(1)(e)",
        refused_special="on",
    )

    response = client_for(people["screener"]).post(reverse("cases:screen", args=[case.pk]), data, follow=True)

    case.refresh_from_db()
    assert case.status == CaseStatus.INFORMATION_GATHERING and case.consent_position == "refused"
    consent = ConsentRecord.objects.get(case=case)
    assert consent.decision == ConsentDecision.REFUSED and consent.given_by == mother
    assert not LawfulBasisDecision.objects.exists()
    requests = list(case.requests.all())
    assert {r.status for r in requests} == {RequestStatus.BLOCKED}
    assert all("Consent was asked for and refused on" in r.blocked_reason for r in requests)
    page = text(response)
    assert "Waiting for consent or a lawful basis before asking Health and Police." in page
    assert (
        "Police: No consent or lawful basis to proceed without consent covers Police. Consent was asked "
        "for and refused on" in page
    )
    assert "Information requested from" not in page


def test_consent_refused_with_a_reason_records_both_and_sends_the_requests(people: dict[str, Any]) -> None:
    case = family_case()
    mother = case.referral.people.get(is_subject=False)
    data = consent_given(
        case,
        consent_position="refused",
        given_by=None,
        given_for=None,
        refused_by=str(mother.pk),
        refused_for="household",
        refused_informed="written",
        refused_notice="2025-09",
        refused_reason="Bruising on a non-mobile baby: risk of significant harm",
        refused_art6="6(1)(c)",
        refused_special="on",
        refused_health_override="on",
    )

    client_for(people["screener"]).post(reverse("cases:screen", args=[case.pk]), data)

    consent = ConsentRecord.objects.get(case=case)
    assert consent.decision == ConsentDecision.REFUSED and consent.privacy_notice_version == "2025-09"
    basis = LawfulBasisDecision.objects.get(case=case)
    assert (basis.art6, basis.special_category, basis.health_override) == (
        Art6Basis.LEGAL_OBLIGATION,
        True,
        True,
    )
    assert basis.reason == "Bruising on a non-mobile baby: risk of significant harm"
    assert basis.decided_by == people["screener"]
    assert set(case.requests.values_list("status", flat=True)) == {RequestStatus.OPEN}


def test_not_sought_because_of_risk_records_the_lawful_basis(people: dict[str, Any]) -> None:
    case = family_case()

    client_for(people["screener"]).post(
        reverse("cases:screen", args=[case.pk]), screening_post(case, risk_health_override=None)
    )

    basis = LawfulBasisDecision.objects.get(case=case)
    assert basis.reason == "Asking the parents would warn the person who hurt the child"
    assert (basis.art6, basis.special_category, basis.health_override) == (Art6Basis.PUBLIC_TASK, True, False)
    assert not ConsentRecord.objects.exists()
    assert dict(case.requests.values_list("agency__kind", "status")) == {
        AgencyKind.POLICE: RequestStatus.OPEN,
        AgencyKind.HEALTH: RequestStatus.BLOCKED,
    }
    audit = AuditEvent.objects.get(action=AuditAction.LAWFUL_BASIS_RECORDED)
    assert audit.reason == basis.reason


def test_not_yet_sought_records_nothing_and_every_request_waits(people: dict[str, Any]) -> None:
    case = family_case()

    response = client_for(people["screener"]).post(
        reverse("cases:screen", args=[case.pk]),
        screening_post(case, consent_position="to_be_sought", risk_reason=None, risk_health_override=None),
        follow=True,
    )

    case.refresh_from_db()
    assert case.status == CaseStatus.INFORMATION_GATHERING and case.consent_position == "to_be_sought"
    assert not ConsentRecord.objects.exists() and not LawfulBasisDecision.objects.exists()
    assert set(case.requests.values_list("status", flat=True)) == {RequestStatus.BLOCKED}
    page = text(response)
    assert (
        "Waiting for consent or a lawful basis before asking Health and Police. Health: Health is bound by a "
        "duty of confidentiality" in page
    )
    assert "No consent or lawful basis to proceed without consent covers Police." in page


def test_consent_given_on_a_route_without_an_enquiry_is_still_recorded(people: dict[str, Any]) -> None:
    case = family_case()

    client_for(people["screener"]).post(
        reverse("cases:screen", args=[case.pk]),
        consent_given(case, route="early_help", rag="green", agencies=[]),
    )

    assert ConsentRecord.objects.filter(case=case).count() == 1
    assert not InformationRequest.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "message", "anchor"),
    [
        ({"given_by": None}, SELECT_GIVEN_BY, "#id_given_by_1"),
        ({"given_by": "someone-else"}, SELECT_GIVEN_BY, "#id_given_by_1"),
        ({"given_for": None}, SELECT_FOR_WHOM, "#id_given_for_1"),
        ({"given_informed": None}, SELECT_INFORMED, "#id_given_informed_1"),
        ({"given_notice": " "}, ENTER_NOTICE, "#id_given_notice"),
        ({"consent_position": "refused", "given_by": None}, SELECT_REFUSED_BY, "#id_refused_by_1"),
        ({"consent_position": "refused"}, SELECT_ASKED_FOR, "#id_refused_for_1"),
        (
            {"consent_position": "refused", "refused_health_override": "on"},
            NO_BASIS_REASON,
            "#id_refused_reason",
        ),
        ({"consent_position": "not_sought_risk"}, NO_BASIS_REASON, "#id_risk_reason"),
        (
            {"consent_position": "not_sought_risk", "risk_reason": "Risk", "risk_art6": None},
            SELECT_ART6,
            "#id_risk_art6_1",
        ),
    ],
)
def test_consent_errors_are_summarised_and_nothing_is_saved(
    people: dict[str, Any], overrides: dict[str, Any], message: str, anchor: str
) -> None:
    case = family_case()
    version = case.version

    response = client_for(people["screener"]).post(
        reverse("cases:screen", args=[case.pk]), consent_given(case, notes="Spoke to the DSL", **overrides)
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert "<title>Error: " in html
    summary = html.split('class="govuk-error-summary"')[1].split("</ul>")[0]
    assert f'<a href="{anchor}">{message}</a>' in summary
    assert f'id="{anchor[1:]}"' in html
    assert "Spoke to the DSL" in html
    case.refresh_from_db()
    assert (case.status, case.version) == (CaseStatus.NEW, version)
    assert not ConsentRecord.objects.exists() and not LawfulBasisDecision.objects.exists()
    assert not InformationRequest.objects.exists()


def test_every_missing_consent_answer_is_listed_at_once(people: dict[str, Any]) -> None:
    case = family_case()
    data = consent_given(
        case, given_by=None, given_for=None, given_informed=None, given_notice="", rag_reason=""
    )

    response = client_for(people["screener"]).post(reverse("cases:screen", args=[case.pk]), data)

    summary = response.content.decode().split('class="govuk-error-summary"')[1].split("</ul>")[0]
    messages = re.findall(r'<a href="[^"]+">([^<]+)</a>', summary)
    assert messages == [NO_REASON, SELECT_GIVEN_BY, SELECT_FOR_WHOM, SELECT_INFORMED, ENTER_NOTICE]
    # The reveal stays open with the chosen position still selected.
    assert re.search(r'value="given"[^>]*checked', response.content.decode())


def test_a_stale_screening_page_records_no_consent(people: dict[str, Any]) -> None:
    case = family_case()
    opened = consent_given(case, given_health="on")
    Case.objects.filter(pk=case.pk).update(version=F("version") + 1)  # someone else saved meanwhile

    response = client_for(people["screener"]).post(reverse("cases:screen", args=[case.pk]), opened)

    assert CONCURRENT_EDIT in text(response)
    assert not ConsentRecord.objects.exists() and not InformationRequest.objects.exists()


def test_screening_a_screened_case_records_no_consent(people: dict[str, Any]) -> None:
    case = family_case()
    screen(case, people["screener"])
    case.refresh_from_db()

    response = client_for(people["screener"]).post(
        reverse("cases:screen", args=[case.pk]), consent_given(case)
    )

    assert "This case has already been screened." in text(response)
    assert not ConsentRecord.objects.exists()


# Re-rating -------------------------------------------------------------------------------------


def test_rerating_recomputes_deadlines_and_shows_them(people: dict[str, Any]) -> None:
    case = referral_about("Amir")
    screen(case, people["screener"], rag=RagRating.GREEN)
    case.refresh_from_db()
    before = {r.pk: r.due_at for r in case.requests.all()}
    client = client_for(people["screener"])

    form = client.get(reverse("cases:rerate", args=[case.pk]))
    assert "Red: 4 working hours" in text(form) and "Green: 3 working days" not in text(form)

    response = client.post(
        reverse("cases:rerate", args=[case.pk]),
        {"version": case.version, "rag": "red", "reason": "Police report a new incident"},
        follow=True,
    )

    case.refresh_from_db()
    assert case.rag == "red"
    requests = list(case.requests.select_related("agency").order_by("agency__name"))
    for request in requests:
        assert request.due_at == due_at(sent_at=request.sent_at, rag="red")
        assert request.due_at < before[request.pk]
    page = text(response)
    assert (
        f"{case.reference} is now rated red. New deadlines: Health and Police by "
        f"{format_deadline(requests[0].due_at)}." in page
    )
    assert "RAG rating changed from Green to Red" in page
    assert "Screened: level 3 (child in need), rated green" in page  # the rating given at screening
    assert "Police report a new incident" in page
    assert CaseEvent.objects.filter(case=case, kind=CaseEvent.Kind.RERATED).count() == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"rag": "red", "reason": ""}, RERATE_NO_REASON),
        ({"rag": "amber", "reason": "No change really"}, "The case is already rated amber."),
        ({"rag": "", "reason": "Something"}, "Select the new RAG rating"),
    ],
)
def test_rerating_errors_change_nothing(people: dict[str, Any], data: dict[str, str], message: str) -> None:
    case = referral_about("Amir")
    screen(case, people["screener"], rag=RagRating.AMBER)
    case.refresh_from_db()
    due = sorted(case.requests.values_list("due_at", flat=True))

    response = client_for(people["screener"]).post(
        reverse("cases:rerate", args=[case.pk]), {"version": case.version, **data}
    )

    assert response.status_code == 200
    assert "<title>Error: " in response.content.decode()
    assert message in text(response)
    case.refresh_from_db()
    assert case.rag == "amber"
    assert sorted(case.requests.values_list("due_at", flat=True)) == due


def test_rerating_with_a_stale_version_is_refused(people: dict[str, Any]) -> None:
    case = referral_about("Amir")
    screen(case, people["screener"], rag=RagRating.AMBER)
    case.refresh_from_db()
    stale = case.version
    Case.objects.filter(pk=case.pk).update(version=F("version") + 1)

    response = client_for(people["screener"]).post(
        reverse("cases:rerate", args=[case.pk]), {"version": stale, "rag": "red", "reason": "New incident"}
    )

    assert CONCURRENT_EDIT in text(response)
    case.refresh_from_db()
    assert case.rag == "amber"


def test_a_new_case_cannot_be_rerated(people: dict[str, Any]) -> None:
    case = referral_about("Amir")
    response = client_for(people["screener"]).get(reverse("cases:rerate", args=[case.pk]))
    assert response["Location"] == reverse("cases:detail", args=[case.pk])


# Case page -------------------------------------------------------------------------------------


def test_police_see_a_case_police_were_asked_about_and_no_other(people: dict[str, Any]) -> None:
    asked = referral_about("Amir")
    screen(asked, people["screener"], kinds=(AgencyKind.POLICE,))
    not_asked = referral_about("Bella")
    screen(not_asked, people["screener"], kinds=(AgencyKind.HEALTH,))
    new = referral_about("Cara")
    client = client_for(people["police"])

    response = client.get(reverse("cases:detail", args=[asked.pk]))
    assert response.status_code == 200
    page = text(response)
    assert "Jayden has arrived hungry" in page and "Repeated neglect concerns from school" in page
    assert "Change RAG rating" not in page and "Record the decision" not in page
    assert AuditEvent.objects.filter(action=AuditAction.CASE_VIEWED, object_id=str(asked.pk)).exists()

    assert client.get(reverse("cases:detail", args=[not_asked.pk])).status_code == 404
    assert client.get(reverse("cases:detail", args=[new.pk])).status_code == 404
    assert not AuditEvent.objects.filter(action=AuditAction.CASE_VIEWED, object_id=str(not_asked.pk)).exists()


def test_an_agency_whose_request_waits_is_sent_to_its_request_page(people: dict[str, Any]) -> None:
    case = family_case()
    client_for(people["screener"]).post(reverse("cases:screen", args=[case.pk]), consent_given(case))
    waiting = case.requests.get(agency__kind=AgencyKind.HEALTH)
    assert waiting.status == RequestStatus.BLOCKED

    health = client_for(people["health"]).get(reverse("cases:detail", args=[case.pk]))
    police = client_for(people["police"]).get(reverse("cases:detail", args=[case.pk]))

    assert health.status_code == 302
    assert health["Location"] == reverse("enquiries:detail", args=[waiting.pk])
    assert not AuditEvent.objects.filter(
        action=AuditAction.CASE_VIEWED, object_id=str(case.pk), actor_id=str(people["health"].pk)
    ).exists()
    assert police.status_code == 200 and "Kerry Whitmore" in text(police)
    assert AuditEvent.objects.filter(
        action=AuditAction.CASE_VIEWED, object_id=str(case.pk), actor_id=str(people["police"].pk)
    ).exists()
    assert "Waiting for consent or a lawful basis before asking Health." in text(police)


def test_a_referrer_is_sent_to_the_referral_they_made(people: dict[str, Any], make_user: Any) -> None:
    case = referral_about("Amir", user=people["referrer"])
    other = make_user(Role.REFERRER, AgencyKind.HEALTH)

    response = client_for(people["referrer"]).get(reverse("cases:detail", args=[case.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("referrals:detail", args=[case.referral_id])
    assert client_for(other).get(reverse("cases:detail", args=[case.pk])).status_code == 404


def test_case_page_buttons_follow_permission_and_status(people: dict[str, Any]) -> None:
    case = referral_about("Amir")
    url = reverse("cases:detail", args=[case.pk])
    screener, decider = client_for(people["screener"]), client_for(people["decider"])

    assert "Screen this contact" in text(screener.get(url))
    assert "Screen this contact" not in text(decider.get(url))

    screen(case, people["screener"])
    page = text(screener.get(url))
    assert "Change RAG rating" in page and "Screen this contact" not in page
    assert "Record the decision" not in page
    page = text(decider.get(url))
    assert "Record the decision" in page and "Change RAG rating" not in page


def test_case_page_shows_the_screening_record_and_history(people: dict[str, Any]) -> None:
    case = referral_about("Amir")
    screen(case, people["screener"], rag=RagRating.AMBER)
    screener = people["screener"]

    page = text(client_for(screener).get(reverse("cases:detail", args=[case.pk])))

    assert "Level of need Level 3: Child in need" in page
    assert "Consent position Consent given" in page
    assert "Route MASH enquiry" in page
    assert "Agencies asked Health, Police" in page or "Agencies asked Police, Health" in page
    assert f"Screened by {screener.get_full_name()}, {screener.agency.name}" in page
    assert "Contact received" in page


# Case list -------------------------------------------------------------------------------------


def test_case_list_filters_by_status_and_rating_and_pages(
    people: dict[str, Any], make_user: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The chair's list holds the cases on the agendas of the meetings they chair, and no others."""
    new = referral_about("Amir")  # a new case: on no agenda
    red = referral_about("Bella")
    screen(red, people["screener"], rag=RagRating.RED)
    green = referral_about("Cara")
    screen(green, people["screener"], rag=RagRating.GREEN)
    ready = referral_about("Dana")
    screen(ready, people["screener"])
    elsewhere = referral_about("Eli")
    screen(elsewhere, people["screener"])
    meeting_discussing(make_user(Role.MEETING_CHAIR), elsewhere)  # another chair's meeting
    Case.objects.filter(pk=ready.pk).update(status=CaseStatus.READY_FOR_DECISION)
    meeting_discussing(people["chair"], red, green, ready)
    client = client_for(people["chair"])

    everything = text(client.get(reverse("cases:list")))
    assert all(c.reference in everything for c in (red, green, ready))
    assert new.reference not in everything and elsewhere.reference not in everything
    assert "All cases (3)" in everything and "Gathering information (2)" in everything

    gathering = text(client.get(reverse("cases:list"), {"status": "information_gathering"}))
    assert ready.reference not in gathering and red.reference in gathering

    rated_red = text(client.get(reverse("cases:list"), {"status": "information_gathering", "rag": "red"}))
    assert red.reference in rated_red and green.reference not in rated_red
    assert "Bella Okoro" in rated_red and "Level 3: Child in need" in rated_red

    nothing = text(client.get(reverse("cases:list"), {"status": "closed"}))
    assert "There are no cases closed." in nothing

    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    first = client.get(reverse("cases:list"), {"rag": ""})
    second = client.get(reverse("cases:list"), {"page": "2"})
    assert len(first.content.decode().split('data-testid="case-row"')) - 1 == 2
    assert len(second.content.decode().split('data-testid="case-row"')) - 1 == 1
    assert "?page=2" in first.content.decode()

    event = AuditEvent.objects.filter(action=AuditAction.QUEUE_VIEWED).latest("sequence")
    assert event.detail["queue"] == "cases" and event.detail["page"] == 2


# Home pages ------------------------------------------------------------------------------------


def test_screening_home_counts_new_contacts_and_shows_gathering_deadlines(people: dict[str, Any]) -> None:
    url = reverse("accounts:role-home", args=["screening-manager"])
    client = client_for(people["screener"])
    empty = text(client.get(url))
    assert "No new contacts are waiting." in empty
    assert "There are no contacts waiting for screening." in empty
    assert "No cases are waiting for information from agencies." in empty

    for name in ("Amir", "Bella", "Cara", "Dana", "Eli", "Fay"):
        referral_about(name)
    gathering = referral_about("Gil")
    screen(gathering, people["screener"], rag=RagRating.RED)
    nearest = gathering.requests.order_by("due_at").first()
    assert nearest is not None

    page = text(client.get(url))
    assert "6 new contacts waiting for screening." in page
    assert "Amir Okoro" in page and "Eli Okoro" in page and "Fay Okoro" not in page  # the oldest five
    assert f"{gathering.reference} Gil Okoro Red {format_deadline(nearest.due_at)}" in page


def test_chair_home_lists_cases_ready_for_discussion(people: dict[str, Any], make_user: Any) -> None:
    """The ready cases on the agendas of the chair's own meetings; not one on another chair's agenda."""
    url = reverse("accounts:role-home", args=["meeting-chair"])
    client = client_for(people["chair"])
    assert "There are no cases ready for discussion." in text(client.get(url))

    green = referral_about("Amir")
    screen(green, people["screener"], rag=RagRating.GREEN)
    red = referral_about("Bella")
    screen(red, people["screener"], rag=RagRating.RED)
    gathering = referral_about("Cara")
    screen(gathering, people["screener"])
    elsewhere = referral_about("Dana")
    screen(elsewhere, people["screener"])
    Case.objects.filter(pk__in=[green.pk, red.pk]).update(status=CaseStatus.READY_FOR_DECISION)
    meeting_discussing(people["chair"], green, red, gathering)
    Case.objects.filter(pk=elsewhere.pk).update(status=CaseStatus.READY_FOR_DECISION)
    meeting_discussing(make_user(Role.MEETING_CHAIR), elsewhere, title="Another chair's meeting")

    page = text(client.get(url))
    assert "2 cases ready for discussion" in page
    assert page.index(red.reference) < page.index(green.reference)  # red first
    assert gathering.reference not in page  # on the agenda, but still gathering information
    assert elsewhere.reference not in page  # ready, but on another chair's agenda only
    assert "MASH daily meeting" in page and "Another chair's meeting" not in page
