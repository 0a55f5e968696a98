"""The disclosure log: views and exports of returned information are logged with the original basis, and
information governance officers read the log by case, agency, kind and date."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse

from openmash.accounts.roles import Role
from openmash.audit.catalogue import AuditAction
from openmash.audit.models import AuditEvent
from openmash.cases.models import Case
from openmash.cases.tests.helpers import make_referral, screen
from openmash.casework.consent import consent_record, consent_withdraw
from openmash.consent.models import ConsentDecision, Disclosure, DisclosureKind, ForWhom, InformedHow
from openmash.consent.tests.test_transparency import incident, submit_return
from openmash.consent.transparency_views import NO_SUCH_CASE, TO_BEFORE_FROM
from openmash.core.actor import Actor
from openmash.decisions.views import DECIDABLE
from openmash.enquiries.disclosures import returns_exported, returns_viewed
from openmash.enquiries.services import request_nil_return
from openmash.hub.models import AgencyKind, HubConfiguration

pytestmark = pytest.mark.django_db

R = Role
POLICE, HEALTH, EDUCATION = AgencyKind.POLICE, AgencyKind.HEALTH, AgencyKind.EDUCATION
LONDON = ZoneInfo("Europe/London")


@pytest.fixture
def people(make_user: Any) -> dict[str, Any]:
    return {
        "screener": make_user(R.SCREENING_MANAGER),
        "decider": make_user(R.DECISION_MAKER),
        "police": make_user(R.AGENCY_RESEARCHER, POLICE),
        "health": make_user(R.AGENCY_RESEARCHER, HEALTH),
        "education": make_user(R.AGENCY_RESEARCHER, EDUCATION),
        "referrer": make_user(R.REFERRER, EDUCATION),
        "ig": make_user(R.IG_OFFICER),
    }


@pytest.fixture
def case(people: dict[str, Any]) -> Case:
    """Police return under a lawful basis; health has a nil return; education has not answered yet."""
    case = make_referral(people["referrer"]).case
    screen(case, people["screener"], kinds=(POLICE, HEALTH, EDUCATION))
    submit_return(people["police"], case, POLICE, [incident("INC-2026-0001")])
    health = case.requests.get(agency__kind=HEALTH)
    request_nil_return(actor=Actor(user=people["health"]), request=health, expected_version=health.version)
    return case


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def viewed() -> list[Disclosure]:
    return list(Disclosure.objects.filter(kind=DisclosureKind.VIEWED).order_by("id"))


# Views and exports of returned information -----------------------------------------------------------


def test_each_returned_request_shown_is_logged_once_with_the_original_basis(
    case: Case, people: dict[str, Any]
) -> None:
    shared = Disclosure.objects.get(kind=DisclosureKind.SHARED, item_type="return")
    decider = people["decider"]
    entries = returns_viewed(actor=Actor(user=decider, role=R.DECISION_MAKER), case=case, where="Case page")

    assert len(entries) == 1  # the nil return shares nothing and the open request has nothing to show
    entry = entries[0]
    assert entry.kind == DisclosureKind.VIEWED
    assert entry.from_agency.name == "Police"
    assert entry.to_description == f"{decider.get_full_name()}, Decision maker, Children's Social Care"
    assert entry.by_user == decider
    assert (entry.item_type, entry.item_id) == ("return", shared.item_id)
    assert (entry.lawful_basis_id, entry.consent_id, entry.basis_text) == (
        shared.lawful_basis_id,
        None,
        shared.basis_text,
    )
    assert entry.reason == "Case page"
    assert set(entry.about.all()) == set(case.referral.people.all())


def test_exports_are_logged_as_exports(case: Case, people: dict[str, Any]) -> None:
    entries = returns_exported(actor=Actor(user=people["decider"]), case=case, where="Meeting pack")
    assert [(e.kind, e.reason) for e in entries] == [(DisclosureKind.EXPORTED, "Meeting pack")]


def test_nothing_is_logged_before_anything_is_returned(people: dict[str, Any]) -> None:
    case = make_referral(people["referrer"]).case
    screen(case, people["screener"], kinds=(POLICE,))
    assert returns_viewed(actor=Actor(user=people["decider"]), case=case) == []
    assert not Disclosure.objects.filter(kind=DisclosureKind.VIEWED).exists()


def test_viewing_after_withdrawal_keeps_the_consent_it_was_shared_under(people: dict[str, Any]) -> None:
    case = make_referral(people["referrer"]).case
    consent = consent_record(
        actor=Actor(user=people["screener"]),
        case=case,
        given_by=case.referral.people.get(is_subject=False),
        for_whom=ForWhom.HOUSEHOLD,
        decision=ConsentDecision.GIVEN,
        informed_how=InformedHow.WRITTEN,
        privacy_notice_version="2026-04",
    )
    screen(case, people["screener"], kinds=(POLICE,), lawful_basis=False)
    submit_return(people["police"], case, POLICE, [])
    consent_withdraw(actor=Actor(user=people["screener"]), consent=consent, note="Mother changed her mind")

    [entry] = returns_viewed(actor=Actor(user=people["decider"]), case=case)
    assert entry.consent_id == consent.pk
    assert entry.basis_text.startswith("Consent from Kerry Whitmore for the whole household")
    # What was shared stays in the log with its basis.
    shared = Disclosure.objects.get(kind=DisclosureKind.SHARED, case=case)
    assert shared.consent_id == consent.pk


def test_opening_the_case_page_logs_a_view_per_return(case: Case, people: dict[str, Any]) -> None:
    response = signed_in(people["decider"]).get(reverse("cases:detail", args=[case.pk]))
    assert response.status_code == 200
    [entry] = viewed()
    assert entry.reason == "Case page"
    assert entry.by_user == people["decider"]
    assert entry.to_description.endswith("Decision maker, Children's Social Care")

    # An agency researcher whose agency was asked sees other agencies' returns only where the hub's rule
    # says so, and each one shown is logged.
    signed_in(people["education"]).get(reverse("cases:detail", args=[case.pk]))
    assert [e.by_user for e in viewed()] == [people["decider"]]
    HubConfiguration.objects.update(partners_see_contributions=True)
    signed_in(people["education"]).get(reverse("cases:detail", args=[case.pk]))
    assert [e.by_user for e in viewed()] == [people["decider"], people["education"]]


def test_the_referrer_is_sent_to_the_referral_page_and_nothing_is_logged(
    case: Case, people: dict[str, Any]
) -> None:
    response = signed_in(people["referrer"]).get(reverse("cases:detail", args=[case.pk]))
    assert response.status_code == 302
    assert viewed() == []


def test_opening_the_decision_page_logs_a_view_per_return(case: Case, people: dict[str, Any]) -> None:
    assert case.status in DECIDABLE
    response = signed_in(people["decider"]).get(reverse("decisions:record", args=[case.pk]))
    assert response.status_code == 200
    assert [e.reason for e in viewed()] == ["Decision page"]


# The disclosure log page ----------------------------------------------------------------------------


def log(client: Client, **params: str) -> Any:
    return client.get(reverse("consent:disclosures"), params)


def rows(response: Any) -> int:
    return int(response.content.decode().count('data-testid="disclosure"'))


def shown(response: Any) -> list[Disclosure]:
    """The log's lines on the page, as the disclosures they are (the page reads only what it shows)."""
    lines = [line.pk for line in response.context["rows"]]
    found = Disclosure.objects.select_related("from_agency", "by_user__agency").in_bulk(lines)
    return [found[pk] for pk in lines]


def errors(response: Any) -> list[str]:
    summary = re.search(r'govuk-error-summary__list">(.*?)</ul>', response.content.decode(), re.S)
    return re.findall(r'<a href="[^"]*">([^<]*)</a>', summary.group(1)) if summary else []


def test_log_lists_every_disclosure_newest_first_and_is_audited(case: Case, people: dict[str, Any]) -> None:
    response = log(signed_in(people["ig"]))
    assert response.status_code == 200
    entries = list(response.context["rows"])
    assert [e.kind for e in entries] == ["shared", "shared"]
    assert entries[0].at >= entries[1].at and entries[0].pk > entries[1].pk
    assert "<title>Disclosure log – OpenMASH</title>" in response.content.decode()

    event = AuditEvent.objects.get(action=AuditAction.DISCLOSURES_VIEWED)
    assert set(event.persons) == {str(p.pk) for p in case.referral.people.all()}
    assert event.detail["disclosures"] == [e.pk for e in entries]


def test_filtering_by_case_lists_its_people_with_their_reports(case: Case, people: dict[str, Any]) -> None:
    other = make_referral(people["referrer"]).case
    screen(other, people["screener"], kinds=(POLICE,))
    submit_return(people["police"], other, POLICE, [])
    client = signed_in(people["ig"])
    assert rows(log(client)) == 3

    response = log(client, case=f"  {case.reference.lower()} ")
    assert rows(response) == 2
    assert {e.case_id for e in shown(response)} == {case.pk}
    html = response.content.decode()
    for person in case.referral.people.all():
        assert reverse("consent:transparency", args=[person.pk]) in html
    assert f"People on case {case.reference}" in html
    assert (
        AuditEvent.objects.filter(action=AuditAction.DISCLOSURES_VIEWED).last().detail["case"]
        == case.reference
    )


def test_filtering_by_agency_and_kind(case: Case, people: dict[str, Any]) -> None:
    returns_viewed(actor=Actor(user=people["decider"]), case=case)
    request = case.requests.get(agency__kind=EDUCATION)
    from openmash.enquiries.services import request_withhold

    request_withhold(
        actor=Actor(user=people["education"]),
        request=request,
        what="Attendance record",
        reason="Not relevant",
    )
    client = signed_in(people["ig"])
    police = case.requests.get(agency__kind=POLICE).agency
    education = request.agency
    assert rows(log(client, agency=str(police.pk))) == 3
    assert rows(log(client, agency=str(education.pk))) == 1
    assert rows(log(client, kind="viewed")) == 1
    withheld = log(client, kind="withheld")
    assert rows(withheld) == 1
    assert "Reason: Not relevant" in withheld.content.decode()


def test_filtering_by_date_uses_the_hubs_calendar_days(case: Case, people: dict[str, Any]) -> None:
    first, second = Disclosure.objects.order_by("id")
    # Just after midnight in London on 2 November, and the last minute of 3 November.
    Disclosure.objects.filter(pk=first.pk).update(at=datetime(2026, 11, 2, 0, 5, tzinfo=LONDON))
    Disclosure.objects.filter(pk=second.pk).update(at=datetime(2026, 11, 3, 23, 59, tzinfo=LONDON))
    client = signed_in(people["ig"])

    def dates(**parts: str) -> list[int]:
        return [e.pk for e in log(client, **parts).context["rows"]]

    on_2nd = {"date_from_0": "2", "date_from_1": "11", "date_from_2": "2026"}
    to_2nd = {"date_to_0": "2", "date_to_1": "11", "date_to_2": "2026"}
    assert dates(**on_2nd, **to_2nd) == [first.pk]
    assert dates(date_from_0="3", date_from_1="11", date_from_2="2026") == [second.pk]
    assert dates(date_to_0="3", date_to_1="11", date_to_2="2026") == [second.pk, first.pk]
    assert dates(date_from_0="4", date_from_1="11", date_from_2="2026") == []


@pytest.mark.parametrize(
    ("params", "messages"),
    [
        ({"case": "C-1999-99999"}, [NO_SUCH_CASE.format(reference="C-1999-99999")]),
        ({"date_from_0": "2", "date_from_2": "2026"}, ["From date must include a month"]),
        ({"date_from_0": "31", "date_from_1": "2", "date_from_2": "2026"}, ["From date must be a real date"]),
        ({"date_to_0": "x", "date_to_1": "2", "date_to_2": "2026"}, ["To date must be a real date"]),
        (
            {
                "date_from_0": "3",
                "date_from_1": "11",
                "date_from_2": "2026",
                "date_to_0": "2",
                "date_to_1": "11",
                "date_to_2": "2026",
            },
            [TO_BEFORE_FROM],
        ),
        ({"kind": "leaked"}, ["Select what happened from the list"]),
        ({"agency": "not-an-agency"}, ["Select an agency from the list"]),
    ],
    ids=["unknown-case", "no-month", "not-real", "not-digits", "to-before-from", "bad-kind", "bad-agency"],
)
def test_bad_filters_are_explained_and_nothing_is_listed(
    case: Case, people: dict[str, Any], params: dict[str, str], messages: list[str]
) -> None:
    response = log(signed_in(people["ig"]), **params)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<title>Error: Disclosure log – OpenMASH</title>" in html
    assert errors(response) == messages
    assert rows(response) == 0
    assert not AuditEvent.objects.filter(action=AuditAction.DISCLOSURES_VIEWED).exists()
    # What was typed is kept (a choice that is not in a list cannot be).
    for key, value in params.items():
        if key not in ("kind", "agency"):
            assert f'value="{value}"' in html


def test_log_is_paginated_keeping_the_filters(case: Case, people: dict[str, Any]) -> None:
    for _ in range(50):
        returns_viewed(actor=Actor(user=people["decider"]), case=case)
    client = signed_in(people["ig"])
    first = log(client, case=case.reference)
    assert rows(first) == 50
    assert "Newest first, 50 a page." in first.content.decode()
    older = first.context["pagination"]["next"]
    assert older.startswith(f"?case={case.reference}&older=")
    assert older.replace("&", "&amp;") in first.content.decode()
    assert not first.context["pagination"]["previous"]  # the newest page
    second = client.get(reverse("consent:disclosures") + older)
    assert rows(second) == 2
    assert [e.kind for e in second.context["rows"]] == ["shared", "shared"]  # the oldest, last
    assert not second.context["pagination"]["next"]
    newer = second.context["pagination"]["previous"]
    back = client.get(reverse("consent:disclosures") + newer)
    assert [e.pk for e in back.context["rows"]] == [e.pk for e in first.context["rows"]]


def test_a_partner_agencys_ig_officer_sees_their_agencys_part_of_the_log(
    case: Case, people: dict[str, Any], make_user: Any
) -> None:
    submit_return(people["education"], case, EDUCATION, [incident("SCH-2026-0001")])
    # The hub shares agencies' returns with partners; the hub's decision maker and a police researcher
    # look at the case: both views are logged.
    HubConfiguration.objects.update(partners_see_contributions=True)
    signed_in(people["decider"]).get(reverse("decisions:record", args=[case.pk]))
    signed_in(people["police"]).get(reverse("chronology:case", args=[case.pk]))
    hub_ig = log(signed_in(people["ig"]))
    everything = {e.pk for e in hub_ig.context["rows"]}
    assert 'data-testid="log-scope"' not in hub_ig.content.decode()

    police_ig = log(signed_in(make_user(R.IG_OFFICER, POLICE)))
    police_rows = shown(police_ig)
    assert police_rows and {e.pk for e in police_rows} < everything
    assert all(
        e.from_agency.kind == POLICE or (e.by_user is not None and e.by_user.agency.kind == POLICE)
        for e in police_rows
    )
    assert any(e.by_user == people["police"] for e in police_rows)  # what police staff saw
    assert not any(e.by_user == people["decider"] and e.from_agency.kind != POLICE for e in police_rows)
    assert "You see Police's part of the log" in police_ig.content.decode()

    # Education's officer sees education's return shared, and who saw it: the hub and police staff.
    education_rows = shown(log(signed_in(make_user(R.IG_OFFICER, EDUCATION))))
    assert education_rows and all(e.from_agency.kind == EDUCATION for e in education_rows)
    assert {e.by_user for e in education_rows if e.kind == "viewed"} >= {people["decider"], people["police"]}
    assert not {e.pk for e in education_rows} & {e.pk for e in police_rows if e.from_agency.kind == POLICE}


def test_the_basis_a_return_was_shared_on_is_read_without_reading_the_cases_every_view(
    case: Case, people: dict[str, Any]
) -> None:
    """Every page that shows returns logs each as viewed under the basis it was first shared on. A case
    viewed thousands of times has thousands of view lines; the read of its shared lines goes by case and
    kind (at 6,000 views of one case it took 2.7 ms of a 24 ms page, reading every view line)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    shared = Disclosure.objects.get(kind=DisclosureKind.SHARED, item_type="return")
    views = [
        Disclosure(
            at=shared.at,
            kind=DisclosureKind.VIEWED,
            case=case,
            from_agency=shared.from_agency,
            to_description="Earlier reader",
            item_type="return",
            item_id=shared.item_id,
            item_summary="Police's return",
            reason="Case page",
        )
        for _ in range(3000)
    ]
    Disclosure.objects.bulk_create(views, batch_size=500)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE consent_disclosure" if connection.vendor == "postgresql" else "ANALYZE")
    with CaptureQueriesContext(connection) as captured:
        [entry] = returns_viewed(actor=Actor(user=people["decider"]), case=case, where="Case page")
    assert (entry.lawful_basis_id, entry.basis_text) == (shared.lawful_basis_id, shared.basis_text)
    [read] = [
        q["sql"]
        for q in captured.captured_queries
        if q["sql"].startswith("SELECT") and 'FROM "consent_disclosure"' in q["sql"]
    ]
    explain = "EXPLAIN " if connection.vendor == "postgresql" else "EXPLAIN QUERY PLAN "
    with connection.cursor() as cursor:
        cursor.execute(explain + read)
        plan = "\n".join(str(row) for row in cursor.fetchall())
    assert "disclosure_case_kind" in plan, plan
