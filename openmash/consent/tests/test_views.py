"""The case's consent page and its forms: record consent, record a lawful basis, withdraw, ask again.

The case used by most tests was screened in a front-door hub with consent from the mother for the whole
household that did not name health information: the police request went, the health request waits.
"""

from __future__ import annotations

import html
import re
from datetime import timedelta
from typing import Any

import pytest
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from openmash.accounts.roles import Role
from openmash.audit.catalogue import AuditAction
from openmash.audit.models import AuditEvent
from openmash.cases.models import Case
from openmash.cases.tests.helpers import make_referral, screen
from openmash.casework.consent import consent_record, lawful_basis_record
from openmash.consent import forms as consent_forms
from openmash.consent.models import (
    Art6Basis,
    ConsentDecision,
    ConsentRecord,
    ForWhom,
    InformedHow,
    LawfulBasisDecision,
)
from openmash.consent.services import ALREADY_WITHDRAWN, NO_BASIS_REASON, ONLY_GIVEN_WITHDRAWN
from openmash.core.actor import Actor
from openmash.enquiries.models import InformationRequest, RequestStatus
from openmash.hub.calendar_format import format_deadline
from openmash.hub.models import Agency, AgencyKind, HubConfiguration
from openmash.meetings.tests.helpers import meeting_discussing

pytestmark = pytest.mark.django_db

HEALTH_WAITS = (
    "Health is bound by a duty of confidentiality: its information needs consent that names health "
    "information, or a recorded decision to set the duty aside."
)
HEALTH_UNBLOCK = (
    "Record consent that names health information, or a lawful-basis decision that sets aside the duty "
    "of confidentiality because of a risk of significant harm."
)


# Helpers -------------------------------------------------------------------------------------------


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def text(response: HttpResponse) -> str:
    """The page as a person reads it: tags removed, entities decoded, white space collapsed."""
    page = re.sub(r"<[^>]+>", " ", response.content.decode())
    return re.sub(r"\s+", " ", html.unescape(page))


def error_summary(response: HttpResponse) -> list[tuple[str, str]]:
    """(href, message) for each link in the GOV.UK error summary."""
    body = response.content.decode()
    match = re.search(r'class="govuk-list govuk-error-summary__list">(.*?)</ul>', body, re.S)
    if not match:
        return []
    return [
        (href, html.unescape(message.strip()))
        for href, message in re.findall(r'<a href="([^"]*)">(.*?)</a>', match.group(1), re.S)
    ]


def banner(response: HttpResponse) -> str:
    match = re.search(
        r'class="govuk-notification-banner__heading">(.*?)</p>', response.content.decode(), re.S
    )
    return html.unescape(match.group(1).strip()) if match else ""


def mother(case: Case) -> Any:
    return case.referral.people.get(is_subject=False)


def child(case: Case) -> Any:
    return case.referral.people.get(is_subject=True)


def agency(kind: str) -> Agency:
    return Agency.objects.get(kind=kind)


def states(case: Case) -> dict[str, str]:
    return dict(case.requests.values_list("agency__kind", "status"))


def give_consent(case: Case, user: Any, **kwargs: Any) -> ConsentRecord:
    values: dict[str, Any] = {
        "given_by": mother(case),
        "for_whom": ForWhom.HOUSEHOLD,
        "decision": ConsentDecision.GIVEN,
        "informed_how": InformedHow.VERBAL,
        "privacy_notice_version": "2026-04",
    }
    values.update(kwargs)
    return consent_record(actor=Actor(user=user), case=case, **values)


def consent_post(case: Case, **overrides: Any) -> dict[str, Any]:
    today = timezone.localdate()
    data: dict[str, Any] = {
        "decision": "given",
        "consent_by": str(mother(case).pk),
        "consent_for": "household",
        "consent_health": "on",
        "consent_informed": "written",
        "consent_notice": "2026-04",
        "given_on_0": str(today.day),
        "given_on_1": str(today.month),
        "given_on_2": str(today.year),
        "scope": "all",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def basis_post(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "reason": "The mother's partner is the alleged abuser; asking would warn him.",
        "art6": "6(1)(e)",
        "special": "on",
        "health_override": "on",
        "scope": "all",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


# Fixtures ------------------------------------------------------------------------------------------


@pytest.fixture
def people(make_user: Any) -> dict[str, Any]:
    return {
        "referrer": make_user(Role.REFERRER, AgencyKind.EDUCATION),
        "screener": make_user(Role.SCREENING_MANAGER, first_name="Sam", last_name="Reid"),
        "decider": make_user(Role.DECISION_MAKER, first_name="Dee", last_name="Mensah"),
        "chair": make_user(Role.MEETING_CHAIR, AgencyKind.POLICE),
        "police": make_user(Role.AGENCY_RESEARCHER, AgencyKind.POLICE),
        "health": make_user(Role.AGENCY_RESEARCHER, AgencyKind.HEALTH),
    }


@pytest.fixture
def case(people: dict[str, Any]) -> Case:
    """Police asked under the mother's consent; health waits because the consent did not name health."""
    case = make_referral(people["referrer"]).case
    give_consent(case, people["screener"], includes_health=False)
    case.refresh_from_db()
    screen(case, people["screener"], lawful_basis=False)
    case.refresh_from_db()
    return case


@pytest.fixture
def screener(people: dict[str, Any]) -> Client:
    return client_for(people["screener"])


def page_url(case: Case) -> str:
    return reverse("consent:case", args=[case.pk])


# The consent page ----------------------------------------------------------------------------------


def test_page_lists_consents_bases_and_each_request_at_the_gate(
    people: dict[str, Any], case: Case, screener: Client
) -> None:
    lawful_basis_record(
        actor=Actor(user=people["decider"]),
        case=case,
        reason="Police hold a recent domestic abuse incident",
        art6=Art6Basis.LEGAL_OBLIGATION,
        all_agencies=False,
        agencies=[agency(AgencyKind.EDUCATION)],
    )
    police = case.requests.get(agency__kind=AgencyKind.POLICE)

    response = screener.get(page_url(case))

    assert response.status_code == 200
    page = text(response)
    assert "Consent and lawful basis" in page and case.reference in page
    # Each request: police sent with its due time; health waiting, with why and what would unblock it.
    rows = re.findall(r'data-testid="gate-state">(.*?)</tr>', response.content.decode(), re.S)
    assert len(rows) == 2
    health_row, police_row = (re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html.unescape(r))) for r in rows)
    assert "Health" in health_row and "Waiting" in health_row
    assert HEALTH_WAITS in health_row and f"What would unblock it: {HEALTH_UNBLOCK}" in health_row
    assert "Police" in police_row and "Sent" in police_row and "Not started" in police_row
    assert f"due by {format_deadline(police.due_at)}" in police_row
    assert "1 request is waiting for consent or a lawful basis." in page
    # The consent, in full.
    assert "Kerry Whitmore Given" in page
    assert "Given by Kerry Whitmore (mother)" in page
    assert "For whom The whole household" in page and "Agencies All agencies" in page
    assert "Health information Not named" in page
    assert "How the person was told Verbally" in page and "Privacy notice Version 2026-04" in page
    assert "Recorded by Sam Reid, Children's Social Care" in page
    # The lawful basis, in full.
    assert "UK GDPR Art 6(1)(c): legal obligation" in page
    assert "Art 9(2)(g) with Data Protection Act 2018 Schedule 1 paragraph 18" in page
    assert "Reason Police hold a recent domestic abuse incident" in page
    assert "Agencies Education" in page and "Decided by Dee Mensah, Children's Social Care" in page
    assert 'data-testid="health-override"' not in response.content.decode()
    # The actions a screening manager has.
    body = response.content.decode()
    assert ">Record consent</a>" in body and ">Record a lawful basis</a>" in body and "Ask again" in page
    assert reverse("consent:withdraw", args=[case.consents.get().pk]) in response.content.decode()
    viewed = AuditEvent.objects.filter(action=AuditAction.CASE_VIEWED, object_id=str(case.pk)).latest(
        "sequence"
    )
    assert viewed.detail == {"purpose": "consent"} and len(viewed.persons) == 2


def test_page_for_a_case_with_nothing_recorded_says_so(people: dict[str, Any], screener: Client) -> None:
    case = make_referral(people["referrer"]).case

    page = text(screener.get(page_url(case)))

    assert (
        "No agency has been asked for information yet. Requests are sent when the contact is screened."
        in page
    )
    assert "No consent has been recorded." in page
    assert "No decision to proceed without consent has been recorded." in page
    assert "Ask again" not in page  # nothing to ask about
    assert "Record consent" in page


def test_a_meeting_chair_reads_the_page_but_cannot_change_anything(
    people: dict[str, Any], case: Case, make_user: Any
) -> None:
    """The chair of a meeting discussing the case reads its consent page; another chair is told nothing."""
    meeting_discussing(people["chair"], case)
    chair = client_for(people["chair"])
    stranger = client_for(make_user(Role.MEETING_CHAIR, AgencyKind.POLICE))
    assert stranger.get(page_url(case)).status_code == 404

    response = chair.get(page_url(case))

    assert response.status_code == 200
    page = text(response)
    assert "Kerry Whitmore Given" in page and HEALTH_WAITS in page
    body = response.content.decode()
    assert ">Record consent</a>" not in body and ">Record a lawful basis</a>" not in body
    assert "Ask again" not in page and "Withdraw" not in page
    assert chair.post(reverse("consent:record", args=[case.pk]), consent_post(case)).status_code == 403
    assert case.consents.count() == 1


def test_a_police_researcher_can_neither_see_nor_change_consent(people: dict[str, Any], case: Case) -> None:
    police = client_for(people["police"])
    consent = case.consents.get()

    assert police.get(page_url(case)).status_code == 403
    assert police.post(reverse("consent:record", args=[case.pk]), consent_post(case)).status_code == 403
    assert police.post(reverse("consent:lawful-basis", args=[case.pk]), basis_post()).status_code == 403
    assert police.post(reverse("consent:ask-again", args=[case.pk])).status_code == 403
    assert police.post(reverse("consent:withdraw", args=[consent.pk]), {"note": "x"}).status_code == 403
    consent.refresh_from_db()
    assert consent.withdrawn_at is None and case.consents.count() == 1
    assert not LawfulBasisDecision.objects.exists()
    assert states(case)[AgencyKind.HEALTH] == RequestStatus.BLOCKED


def test_the_case_page_links_to_the_consent_page_for_hub_staff_only(
    people: dict[str, Any], case: Case
) -> None:
    url = reverse("cases:detail", args=[case.pk])
    link = f'href="{page_url(case)}"'
    meeting_discussing(people["chair"], case)  # the chair sees the case as hub staff do
    for role in ("screener", "decider", "chair"):
        assert link in client_for(people[role]).get(url).content.decode(), role
    police_page = client_for(people["police"]).get(url)
    assert police_page.status_code == 200 and link not in police_page.content.decode()


# Recording consent ---------------------------------------------------------------------------------


def test_form_asks_about_the_people_on_the_case_adults_first(case: Case, screener: Client) -> None:
    response = screener.get(reverse("consent:record", args=[case.pk]))

    page = text(response)
    assert response.status_code == 200
    assert page.index("Kerry Whitmore (mother)") < page.index("Jayden Whitmore (child referred)")
    assert "A named child: Jayden Whitmore" in page and "The whole household" in page
    assert f'value="{consent_forms.PRIVACY_NOTICE_VERSION}"' in response.content.decode()
    assert f'name="given_on_2" value="{timezone.localdate().year}"' in response.content.decode()


def test_recording_consent_naming_health_sends_the_waiting_request(
    people: dict[str, Any], case: Case, screener: Client
) -> None:
    response = screener.post(reverse("consent:record", args=[case.pk]), consent_post(case), follow=True)

    assert response.redirect_chain[-1][0] == page_url(case)
    record = case.consents.latest("created_at")
    assert (record.decision, record.given_by, record.for_whom, record.child) == (
        ConsentDecision.GIVEN,
        mother(case),
        ForWhom.HOUSEHOLD,
        None,
    )
    assert record.includes_health and record.all_agencies and not record.agencies.exists()
    assert (record.informed_how, record.privacy_notice_version) == (InformedHow.WRITTEN, "2026-04")
    assert record.recorded_by == people["screener"]
    assert timezone.now() - record.given_at < timedelta(minutes=1)
    health = case.requests.get(agency__kind=AgencyKind.HEALTH)
    assert health.status == RequestStatus.OPEN and health.due_at is not None and health.blocked_reason == ""
    assert banner(response) == (
        "Consent recorded: consent given by Kerry Whitmore. "
        f"Now asked: Health by {format_deadline(health.due_at)}."
    )
    assert AuditEvent.objects.filter(action=AuditAction.REQUEST_UNBLOCKED, object_id=str(health.pk)).exists()


def test_consent_for_a_named_child_covering_some_agencies(case: Case, screener: Client) -> None:
    yesterday = timezone.localdate() - timedelta(days=1)
    data = consent_post(
        case,
        consent_for=f"child:{child(case).pk}",
        consent_health=None,
        consent_informed="electronic",
        scope="some",
        agencies=[str(agency(AgencyKind.EDUCATION).pk), str(agency(AgencyKind.HEALTH).pk)],
        given_on_0=str(yesterday.day),
        given_on_1=str(yesterday.month),
        given_on_2=str(yesterday.year),
    )

    response = screener.post(reverse("consent:record", args=[case.pk]), data, follow=True)

    record = case.consents.latest("created_at")
    assert (record.for_whom, record.child) == (ForWhom.CHILD, child(case))
    assert not record.all_agencies and not record.includes_health
    assert sorted(a.name for a in record.agencies.all()) == ["Education", "Health"]
    assert timezone.localdate(record.given_at) == yesterday
    assert "No request changed." in banner(response)  # health is named as an agency, not its information
    assert states(case)[AgencyKind.HEALTH] == RequestStatus.BLOCKED
    page = text(response)
    assert "For whom A named child: Jayden Whitmore" in page and "Agencies Education, Health" in page


def test_recording_refused_consent_keeps_requests_waiting_and_says_so(
    people: dict[str, Any], screener: Client
) -> None:
    case = make_referral(people["referrer"]).case
    screen(case, people["screener"], lawful_basis=False)

    response = screener.post(
        reverse("consent:record", args=[case.pk]),
        consent_post(case, decision="refused", consent_health=None),
        follow=True,
    )

    record = case.consents.get()
    assert record.decision == ConsentDecision.REFUSED
    assert (
        banner(response)
        == "Consent recorded: consent asked for and refused by Kerry Whitmore. No request changed."
    )
    police = case.requests.get(agency__kind=AgencyKind.POLICE)
    assert police.status == RequestStatus.BLOCKED and police.due_at is None
    page = text(response)
    assert "Kerry Whitmore Refused" in page and "Refused by Kerry Whitmore (mother)" in page
    assert "Withdraw" not in page  # refused consent cannot be withdrawn


@pytest.mark.parametrize(
    ("overrides", "message", "anchor"),
    [
        ({"decision": None}, consent_forms.SELECT_DECISION, "#id_decision_1"),
        ({"consent_by": None}, consent_forms.SELECT_ASKED, "#id_consent_by_1"),
        ({"consent_by": "not-a-person"}, consent_forms.SELECT_ASKED, "#id_consent_by_1"),
        ({"consent_for": None}, consent_forms.SELECT_FOR_WHOM, "#id_consent_for_1"),
        ({"consent_for": "child:someone-else"}, consent_forms.SELECT_FOR_WHOM, "#id_consent_for_1"),
        ({"consent_informed": None}, consent_forms.SELECT_INFORMED, "#id_consent_informed_1"),
        ({"consent_notice": "  "}, consent_forms.ENTER_NOTICE, "#id_consent_notice"),
        (
            {"given_on_0": "", "given_on_1": "", "given_on_2": ""},
            consent_forms.DATE_REQUIRED,
            "#id_given_on_0",
        ),
        ({"given_on_1": ""}, consent_forms.DATE_NO_MONTH, "#id_given_on_0"),
        ({"given_on_0": "31", "given_on_1": "2"}, consent_forms.DATE_NOT_REAL, "#id_given_on_0"),
        ({"given_on_2": str(timezone.localdate().year + 1)}, consent_forms.DATE_IN_FUTURE, "#id_given_on_0"),
        ({"scope": None}, consent_forms.SELECT_SCOPE, "#id_scope_1"),
        ({"scope": "some"}, consent_forms.SELECT_AGENCIES, "#id_agencies_1"),
        ({"scope": "some", "agencies": ["nope"]}, consent_forms.UNKNOWN_AGENCY, "#id_agencies_1"),
    ],
)
def test_consent_errors_are_summarised_and_nothing_is_saved(
    case: Case, screener: Client, overrides: dict[str, Any], message: str, anchor: str
) -> None:
    before = states(case)

    response = screener.post(reverse("consent:record", args=[case.pk]), consent_post(case, **overrides))

    assert response.status_code == 200
    body = response.content.decode()
    assert "<title>Error: Record consent" in body
    assert (anchor, message) in error_summary(response)
    assert f'id="{anchor[1:]}"' in body  # the link lands on a control
    assert 'value="2026-04"' in body or overrides.get("consent_notice")  # input kept
    assert case.consents.count() == 1
    assert states(case) == before


# Recording a lawful basis --------------------------------------------------------------------------


def test_lawful_basis_with_the_health_override_sends_health(
    people: dict[str, Any], case: Case, make_user: Any
) -> None:
    decider = client_for(people["decider"])

    response = decider.post(
        reverse("consent:lawful-basis", args=[case.pk]), basis_post(art6="6(1)(c)"), follow=True
    )

    basis = LawfulBasisDecision.objects.get(case=case)
    assert (basis.art6, basis.special_category, basis.health_override, basis.all_agencies) == (
        Art6Basis.LEGAL_OBLIGATION,
        True,
        True,
        True,
    )
    assert basis.reason == "The mother's partner is the alleged abuser; asking would warn him."
    assert basis.decided_by == people["decider"]
    health = case.requests.get(agency__kind=AgencyKind.HEALTH)
    assert health.status == RequestStatus.OPEN
    assert banner(response) == (
        "Lawful basis recorded: UK GDPR Art 6(1)(c): legal obligation. "
        f"Now asked: Health by {format_deadline(health.due_at)}."
    )
    page = text(response)
    assert "The common-law duty of confidentiality is set aside because of a risk of significant harm" in page


def test_lawful_basis_without_the_override_sends_police_but_not_health(
    people: dict[str, Any], screener: Client
) -> None:
    case = make_referral(people["referrer"]).case
    screen(case, people["screener"], lawful_basis=False)

    response = screener.post(
        reverse("consent:lawful-basis", args=[case.pk]),
        basis_post(health_override=None, special=None),
        follow=True,
    )

    basis = LawfulBasisDecision.objects.get(case=case)
    assert not basis.health_override and not basis.special_category
    police = case.requests.get(agency__kind=AgencyKind.POLICE)
    assert states(case) == {AgencyKind.POLICE: RequestStatus.OPEN, AgencyKind.HEALTH: RequestStatus.BLOCKED}
    assert f"Now asked: Police by {format_deadline(police.due_at)}." in banner(response)


def test_lawful_basis_for_some_agencies_only(people: dict[str, Any], screener: Client) -> None:
    case = make_referral(people["referrer"]).case
    screen(case, people["screener"], lawful_basis=False)

    screener.post(
        reverse("consent:lawful-basis", args=[case.pk]),
        basis_post(scope="some", agencies=[str(agency(AgencyKind.HEALTH).pk)]),
    )

    basis = LawfulBasisDecision.objects.get(case=case)
    assert [a.name for a in basis.agencies.all()] == ["Health"] and not basis.all_agencies
    assert states(case) == {AgencyKind.POLICE: RequestStatus.BLOCKED, AgencyKind.HEALTH: RequestStatus.OPEN}


@pytest.mark.parametrize(
    ("overrides", "message", "anchor"),
    [
        ({"reason": "   "}, NO_BASIS_REASON, "#id_reason"),
        ({"art6": None}, consent_forms.SELECT_ART6, "#id_art6_1"),
        ({"art6": "6(1)(a)"}, consent_forms.SELECT_ART6, "#id_art6_1"),
        ({"scope": "some"}, consent_forms.SELECT_AGENCIES, "#id_agencies_1"),
    ],
)
def test_lawful_basis_errors_save_nothing(
    case: Case, screener: Client, overrides: dict[str, Any], message: str, anchor: str
) -> None:
    response = screener.post(reverse("consent:lawful-basis", args=[case.pk]), basis_post(**overrides))

    assert response.status_code == 200
    assert "<title>Error: Record a lawful basis" in response.content.decode()
    assert error_summary(response) == [(anchor, message)]
    assert not LawfulBasisDecision.objects.exists()
    assert states(case)[AgencyKind.HEALTH] == RequestStatus.BLOCKED


# Withdrawing consent ---------------------------------------------------------------------------------


def test_withdrawing_consent_stops_the_requests_it_covered(
    people: dict[str, Any], case: Case, screener: Client
) -> None:
    consent = case.consents.get()
    url = reverse("consent:withdraw", args=[consent.pk])

    confirm = screener.get(url)
    page = text(confirm)
    assert "Withdraw consent from Kerry Whitmore" in page
    assert "Nothing more is searched or shared under this consent" in page
    assert "What was already shared stays in the record" in page

    response = screener.post(url, {"note": "Mother phoned to withdraw her consent."}, follow=True)

    consent.refresh_from_db()
    assert consent.withdrawn_at is not None and consent.withdrawn_by == people["screener"]
    assert consent.withdrawal_note == "Mother phoned to withdraw her consent."
    police = case.requests.get(agency__kind=AgencyKind.POLICE)
    assert police.status == RequestStatus.BLOCKED and police.due_at is None
    assert "Consent was withdrawn on" in police.blocked_reason
    assert banner(response) == (
        "Consent from Kerry Whitmore withdrawn. Nothing more is searched or shared under it. "
        "Now waiting for consent or a lawful basis: Police."
    )
    page = text(response)
    assert "Kerry Whitmore Withdrawn" in page and "Mother phoned to withdraw her consent." in page
    assert "recorded by Sam Reid, Children's Social Care" in page


def test_withdrawal_needs_a_note(case: Case, screener: Client) -> None:
    consent = case.consents.get()

    response = screener.post(reverse("consent:withdraw", args=[consent.pk]), {"note": " "})

    assert error_summary(response) == [("#id_note", consent_forms.ENTER_WITHDRAWAL_NOTE)]
    consent.refresh_from_db()
    assert consent.withdrawn_at is None
    assert states(case)[AgencyKind.POLICE] == RequestStatus.OPEN


def test_withdrawn_or_refused_consent_cannot_be_withdrawn(
    people: dict[str, Any], case: Case, screener: Client
) -> None:
    consent = case.consents.get()
    url = reverse("consent:withdraw", args=[consent.pk])
    screener.post(url, {"note": "First time"})
    consent.refresh_from_db()

    again = screener.get(url)
    assert "This consent was already withdrawn on" in text(again)
    assert "Withdraw consent</button>" not in again.content.decode()
    refused = screener.post(url, {"note": "Second time"})
    assert ALREADY_WITHDRAWN.format(when=consent.withdrawn_at) in [m for _, m in error_summary(refused)]
    consent.refresh_from_db()
    assert consent.withdrawal_note == "First time"

    no = give_consent(case, people["screener"], decision=ConsentDecision.REFUSED)
    refused_page = screener.post(reverse("consent:withdraw", args=[no.pk]), {"note": "x"})
    assert ONLY_GIVEN_WITHDRAWN in [m for _, m in error_summary(refused_page)]
    assert "Only consent that was given can be withdrawn." in text(refused_page)


def test_withdrawing_an_unknown_consent_is_404(screener: Client) -> None:
    url = reverse("consent:withdraw", args=["00000000-0000-0000-0000-000000000000"])
    assert screener.get(url).status_code == 404


# Asking again ----------------------------------------------------------------------------------------


def test_asking_again_sends_every_request_the_gate_now_allows(
    people: dict[str, Any], screener: Client
) -> None:
    # An early help hub: nothing goes before consent, whatever the basis. Then the hub's rule changes,
    # and one action asks the gate again for every waiting request.
    HubConfiguration.objects.update(consent_before_search=True)
    case = make_referral(people["referrer"]).case
    screen(case, people["screener"])  # a lawful basis with the health override, but no consent
    assert set(states(case).values()) == {RequestStatus.BLOCKED}
    HubConfiguration.objects.update(consent_before_search=False)

    response = screener.post(reverse("consent:ask-again", args=[case.pk]), follow=True)

    assert states(case) == {AgencyKind.POLICE: RequestStatus.OPEN, AgencyKind.HEALTH: RequestStatus.OPEN}
    due = format_deadline(case.requests.first().due_at)  # type: ignore[union-attr]
    assert banner(response) == (
        f"Asked the sharing gate again for every unanswered request. Now asked: Health and Police by {due}."
    )
    assert AuditEvent.objects.filter(action=AuditAction.REQUEST_UNBLOCKED).count() == 2


def test_asking_again_when_nothing_changes_says_so(case: Case, screener: Client) -> None:
    response = screener.post(reverse("consent:ask-again", args=[case.pk]), follow=True)

    assert (
        banner(response) == "Asked the sharing gate again for every unanswered request. No request changed."
    )
    assert "govuk-notification-banner--success" not in response.content.decode()
    assert states(case)[AgencyKind.HEALTH] == RequestStatus.BLOCKED


def test_asking_again_needs_post_and_requests(people: dict[str, Any], screener: Client) -> None:
    new = make_referral(people["referrer"]).case
    url = reverse("consent:ask-again", args=[new.pk])

    assert screener.get(url).status_code == 405
    response = screener.post(url, follow=True)
    assert banner(response) == "There are no unanswered requests on this case to ask about again."
    assert not InformationRequest.objects.filter(case=new).exists()
