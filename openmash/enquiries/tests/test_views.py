"""The agency's pages: queue, home, taking a request, the return form, nil returns, the case-page include.

The helpers at the top are shared with test_permissions.py and test_tasks.py.
"""

from __future__ import annotations

import html
import re
from datetime import date, timedelta
from typing import Any

import pytest
from django.db import connection
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from openmash.accounts.roles import Role
from openmash.audit.catalogue import AuditAction
from openmash.audit.models import AuditEvent
from openmash.cases.models import Case, CaseStatus
from openmash.cases.tests.helpers import make_referral, screen
from openmash.casework.consent import consent_record
from openmash.consent.models import (
    ConsentDecision,
    Disclosure,
    DisclosureKind,
    ForWhom,
    InformedHow,
)
from openmash.core.actor import Actor
from openmash.core.errors import CONCURRENT_EDIT
from openmash.enquiries.forms import (
    DATE_IN_FUTURE,
    DATE_NO_MONTH,
    DESCRIPTION_REQUIRED,
    NIL_CONFIRM_REQUIRED,
    SIGNIFICANCE_REQUIRED,
    SOURCE_REQUIRED,
    WITHHOLD_REASON_REQUIRED,
    WITHHOLD_WHAT_REQUIRED,
)
from openmash.enquiries.models import HistoryItem, InformationRequest, RequestStatus
from openmash.enquiries.services import NO_SUMMARY, request_nil_return, request_save_return, request_take
from openmash.hub.calendar_format import format_deadline
from openmash.hub.models import Agency, AgencyKind, RagRating
from openmash.referrals.services import PersonData

POLICE_LEAD = "lead@police.invalid"

# Helpers -----------------------------------------------------------------------------------------


def make_people(make_user: Any) -> dict[str, Any]:
    Agency.objects.filter(kind=AgencyKind.POLICE).update(lead_email=POLICE_LEAD)
    return {
        "referrer": make_user(Role.REFERRER, AgencyKind.EDUCATION),
        "screener": make_user(Role.SCREENING_MANAGER),
        "police": make_user(Role.AGENCY_RESEARCHER, AgencyKind.POLICE, first_name="Priya", last_name="Shah"),
        "police2": make_user(Role.AGENCY_RESEARCHER, AgencyKind.POLICE, first_name="Tom", last_name="Reed"),
        "health": make_user(Role.AGENCY_RESEARCHER, AgencyKind.HEALTH),
    }


def make_case(
    people: dict[str, Any],
    *,
    kinds: tuple[str, ...] = (AgencyKind.POLICE, AgencyKind.HEALTH),
    rag: RagRating = RagRating.AMBER,
    child: str = "Jayden",
) -> Case:
    subject = PersonData(
        given_name=child,
        family_name="Whitmore",
        date_of_birth=date(2018, 5, 4),
        sex="M",
        address="1 Elm Road, Northtown",
        postcode="NT1 1AA",
    )
    mother = PersonData(given_name="Kerry", family_name="Whitmore", relationship="mother", sex="F")
    case = make_referral(people["referrer"], people=[subject, mother]).case
    screen(case, people["screener"], kinds=kinds, rag=rag)
    case.refresh_from_db()
    return case


def request_to(case: Case, kind: str) -> InformationRequest:
    return InformationRequest.objects.get(case=case, agency__kind=kind)


def set_due(info: InformationRequest, delta: timedelta) -> None:
    InformationRequest.objects.filter(pk=info.pk).update(due_at=timezone.now() + delta)


def history_row(
    *,
    on: date | None = date(2026, 9, 1),
    kind: str = "domestic_abuse",
    description: str = "Officers attended a report of shouting",
    significance: str = "high",
    source_reference: str = "INC-2026-0001",
) -> dict[str, str]:
    row = {"kind": kind, "description": description, "significance": significance}
    row["source_reference"] = source_reference
    if on is not None:
        row.update(occurred_on_0=str(on.day), occurred_on_1=str(on.month), occurred_on_2=str(on.year))
    return row


def return_post(
    info: InformationRequest,
    *,
    action: str = "draft",
    summary: str = "",
    risk_factors: str = "",
    protective_factors: str = "",
    rows: list[dict[str, str]] | None = None,
    version: int | None = None,
    total: int = 3,
) -> dict[str, str]:
    rows = rows or []
    data = {
        "version": str(info.version if version is None else version),
        "summary": summary,
        "risk_factors": risk_factors,
        "protective_factors": protective_factors,
        "action": action,
        "history-TOTAL_FORMS": str(max(total, len(rows))),
        "history-INITIAL_FORMS": "0",
        "history-MIN_NUM_FORMS": "0",
        "history-MAX_NUM_FORMS": "60",
    }
    for number, row in enumerate(rows):
        data.update({f"history-{number}-{name}": value for name, value in row.items()})
    return data


def error_summary(response: HttpResponse) -> list[str]:
    """The messages in the page's GOV.UK error summary, in order."""
    match = re.search(
        r'class="govuk-list govuk-error-summary__list">(.*?)</ul>', response.content.decode(), re.S
    )
    if not match:
        return []
    return [html.unescape(m.strip()) for m in re.findall(r"<a [^>]*>(.*?)</a>", match.group(1), re.S)]


def assert_links_land(response: HttpResponse) -> None:
    """Every link in the error summary points at an element on the page."""
    body = response.content.decode()
    summary = re.search(r'class="govuk-list govuk-error-summary__list">(.*?)</ul>', body, re.S)
    assert summary is not None
    for target in re.findall(r'href="#([^"]+)"', summary.group(1)):
        assert f'id="{target}"' in body, target


def text(response: HttpResponse) -> str:
    return html.unescape(response.content.decode())


def title(response: HttpResponse) -> str:
    match = re.search(r"<title>(.*?)</title>", response.content.decode(), re.S)
    return match.group(1).strip() if match else ""


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def detail_url(info: InformationRequest) -> str:
    return reverse("enquiries:detail", args=[info.pk])


# Fixtures ----------------------------------------------------------------------------------------


@pytest.fixture
def people(make_user: Any) -> dict[str, Any]:
    return make_people(make_user)


@pytest.fixture
def case(people: dict[str, Any]) -> Case:
    return make_case(people)


@pytest.fixture
def police_request(case: Case) -> InformationRequest:
    return request_to(case, AgencyKind.POLICE)


@pytest.fixture
def police(people: dict[str, Any]) -> Client:
    return client_for(people["police"])


# The queue ---------------------------------------------------------------------------------------


def test_queue_lists_only_own_agency_soonest_due_first_with_overdue_highlighted(
    people: dict[str, Any], police: Client
) -> None:
    later = make_case(people, child="Later")
    overdue = make_case(people, child="Overdue", rag=RagRating.RED)
    sooner = make_case(people, child="Sooner")
    health_only = make_case(people, kinds=(AgencyKind.HEALTH,), child="Healthonly")
    set_due(request_to(later, AgencyKind.POLICE), timedelta(days=2))
    set_due(request_to(sooner, AgencyKind.POLICE), timedelta(hours=2))
    set_due(request_to(overdue, AgencyKind.POLICE), -timedelta(hours=3, minutes=10))
    request_take(actor=Actor(user=people["police2"]), request=request_to(sooner, AgencyKind.POLICE))

    response = police.get(reverse("enquiries:queue"))

    assert response.status_code == 200
    body = text(response)
    rows = re.findall(r'<tr class="govuk-table__row[^"]*" data-testid="request-row">.*?</tr>', body, re.S)
    assert [re.search(r"(Later|Overdue|Sooner) Whitmore", r).group(1) for r in rows] == [  # type: ignore[union-attr]
        "Overdue",
        "Sooner",
        "Later",
    ]
    assert health_only.reference not in body and "Healthonly" not in body
    assert (
        "enquiries-row--overdue" in rows[0]
        and "Overdue" in rows[0]
        and "by 3\xa0hours, 10\xa0minutes" in rows[0]
    )
    assert "openmash-rag--red" in rows[0]
    assert all("enquiries-row--overdue" not in row and "overdue-tag" not in row for row in rows[1:])
    assert "Tom Reed" in rows[1] and "In progress" in rows[1]
    assert "Nobody yet" in rows[2] and "Not started" in rows[2]
    assert "1 request is overdue" in body
    event = AuditEvent.objects.filter(action=AuditAction.QUEUE_VIEWED).latest("sequence")
    assert event.detail["count"] == 3 and event.detail["tab"] == "open"
    assert len(event.persons) == 3


def test_queue_and_home_name_the_person_referred_not_whoever_sorts_first(
    people: dict[str, Any], police: Client
) -> None:
    """The row names the subject even where another person on the referral sorts before them by name,
    and the queue's audit event lists the subject."""
    subject = PersonData(given_name="Zara", family_name="Young", date_of_birth=date(2017, 3, 2), sex="F")
    uncle = PersonData(given_name="Aaron", family_name="Abbott", relationship="grandparent", sex="M")
    case = make_referral(people["referrer"], people=[subject, uncle]).case
    screen(case, people["screener"], kinds=(AgencyKind.POLICE,))
    child = case.referral.people.get(is_subject=True)

    for page in (reverse("enquiries:queue"), reverse("accounts:home")):
        body = text(police.get(page, follow=True))
        row = re.search(r'data-testid="request-row">.*?</tr>', body, re.S)
        assert row is not None, page
        assert "Zara Young" in row.group(0) and "Abbott" not in row.group(0), page
        assert "request about Zara Young" in row.group(0), page
        event = AuditEvent.objects.filter(action=AuditAction.QUEUE_VIEWED).latest("sequence")
        assert event.persons == [str(child.pk)], page


def test_a_referral_naming_no_subject_is_listed_by_its_first_person(
    people: dict[str, Any], police: Client
) -> None:
    """Read only when a page holds such a referral: the subjects are read first, the rest for those."""
    named = make_referral(
        people["referrer"], people=[PersonData(given_name="Zara", family_name="Young")]
    ).case
    older = PersonData(given_name="Aaron", family_name="Young", relationship="grandparent")
    unnamed = make_referral(
        people["referrer"], people=[PersonData(given_name="Yusuf", family_name="Abbott"), older]
    ).case
    for case in (named, unnamed):
        screen(case, people["screener"], kinds=(AgencyKind.POLICE,))
    unnamed.referral.people.update(is_subject=False)

    rows = re.findall(
        r'data-testid="request-row">.*?</tr>', text(police.get(reverse("enquiries:queue"))), re.S
    )
    assert len(rows) == 2
    by_case = {case.reference: next(r for r in rows if case.reference in r) for case in (named, unnamed)}
    assert "Zara Young" in by_case[named.reference]
    assert "Yusuf Abbott" in by_case[unnamed.reference]  # first by family name, then given name
    assert "Aaron" not in by_case[unnamed.reference]


def test_returned_tab_lists_recent_returns_and_not_open_ones(
    people: dict[str, Any], police: Client, case: Case
) -> None:
    open_case = make_case(people, child="Stillopen")
    info = request_to(case, AgencyKind.POLICE)
    request_nil_return(actor=Actor(user=people["police"]), request=info, expected_version=info.version)

    response = police.get(reverse("enquiries:queue") + "?show=returned")

    body = text(response)
    assert case.reference in body and "Not known to this agency" in body and "On time" in body
    assert open_case.reference not in body
    assert 'aria-current="page">Returned in the last 30 days (1)' in body
    open_tab = text(police.get(reverse("enquiries:queue")))
    assert open_case.reference in open_tab and case.reference not in open_tab


def test_home_counts_overdue_due_today_and_open(people: dict[str, Any], police: Client) -> None:
    overdue = make_case(people, child="Overdue")
    today = make_case(people, child="Today")
    make_case(people, child="Nextweek")
    set_due(request_to(overdue, AgencyKind.POLICE), -timedelta(minutes=5))
    now = timezone.localtime()
    end_of_day = now.replace(hour=23, minute=59, second=0)
    InformationRequest.objects.filter(case=today, agency__kind=AgencyKind.POLICE).update(
        due_at=end_of_day if end_of_day > now else now + timedelta(seconds=30)
    )
    InformationRequest.objects.filter(case__referral__people__given_name="Nextweek").update(
        due_at=timezone.now() + timedelta(days=7)
    )

    response = police.get(reverse("accounts:role-home", args=["agency-researcher"]))

    body = text(response)
    counts = {
        name: re.search(rf'data-testid="{name}-count">(\d+)<', body).group(1)  # type: ignore[union-attr]
        for name in ("overdue", "due-today", "open")
    }
    assert counts == {"overdue": "1", "due-today": "1", "open": "3"}
    assert body.index("Overdue Whitmore") < body.index("Today Whitmore") < body.index("Nextweek Whitmore")
    assert AuditEvent.objects.filter(action=AuditAction.QUEUE_VIEWED, detail__tab="home").exists()


def test_home_with_nothing_open_says_so(people: dict[str, Any], police: Client) -> None:
    response = police.get(reverse("accounts:role-home", args=["agency-researcher"]))
    assert "There are no open requests for Police." in text(response)


# The request page --------------------------------------------------------------------------------


def test_request_page_shows_what_the_agency_needs(police: Client, police_request: InformationRequest) -> None:
    response = police.get(detail_url(police_request))

    body = text(response)
    assert response.status_code == 200
    assert "Information request about Jayden Whitmore" in body
    assert "4 May 2018" in body and "1 Elm Road, Northtown, NT1 1AA" in body and "Kerry Whitmore" in body
    assert "arrived hungry" in body and "Neglect" in body
    assert "openmash-rag--amber" in body and "Repeated neglect concerns" in body
    assert "Take this request" in body and "Submit return" in body and "Save draft" in body
    assert "I have searched our systems and this family is not known" in body
    assert body.count('data-testid="history-row"') == 3
    viewed = AuditEvent.objects.get(action=AuditAction.REQUEST_VIEWED)
    assert viewed.object_id == str(police_request.pk) and len(viewed.persons) == 2


def test_request_page_reads_the_familys_people_once(
    police: Client, police_request: InformationRequest
) -> None:
    """The researcher's page reads the referral's people for its panels and the sharing gate once (and
    their keys, for the audit event, before the page is drawn)."""
    with CaptureQueriesContext(connection) as queries:
        response = police.get(detail_url(police_request))
    assert response.status_code == 200
    people_reads = [q["sql"] for q in queries if 'FROM "referrals_referralperson"' in q["sql"]]
    assert len(people_reads) == 2, people_reads


def test_request_page_reads_the_cases_requests_once_for_the_policy(
    police: Client, police_request: InformationRequest
) -> None:
    """The researcher's page reads their request to open it, then the case's requests once: the policy
    finds their agency's among them (an agency is asked once on a case) and the agencies whose returns
    they may see."""
    with CaptureQueriesContext(connection) as queries:
        response = police.get(detail_url(police_request))
    assert response.status_code == 200
    request_reads = [q["sql"] for q in queries if 'FROM "enquiries_informationrequest"' in q["sql"]]
    assert len(request_reads) == 2, request_reads


def test_take_a_request(people: dict[str, Any], police: Client, police_request: InformationRequest) -> None:
    response = police.post(reverse("enquiries:take", args=[police_request.pk]), follow=True)

    police_request.refresh_from_db()
    assert police_request.status == RequestStatus.IN_PROGRESS
    assert police_request.taken_by == people["police"]
    body = text(response)
    assert f"You have taken the request for case {police_request.case.reference}." in body
    assert "Take this request" not in body
    # The queue names who took it (an account without a name, by its username: below).
    row = _queue_row(police, police_request)
    assert "Priya Shah" in row and "Nobody yet" not in row

    colleague = client_for(people["police2"])
    refused = colleague.post(reverse("enquiries:take", args=[police_request.pk]))
    assert refused.status_code == 200
    assert error_summary(refused) == ["Someone is already working on this."]
    assert_links_land(refused)
    police_request.refresh_from_db()
    assert police_request.taken_by == people["police"]
    assert "Priya Shah is working on this request" in text(colleague.get(detail_url(police_request)))
    people["police"].first_name = people["police"].last_name = ""
    people["police"].save(update_fields=["first_name", "last_name"])
    assert people["police"].username in _queue_row(police, police_request)


def _queue_row(client: Client, info: InformationRequest) -> str:
    body = client.get(reverse("enquiries:queue")).content.decode()
    rows = [r for r in body.split('data-testid="request-row"')[1:] if info.case.reference in r]
    assert len(rows) == 1
    return rows[0].split("</tr>")[0]


def test_take_needs_post(police: Client, police_request: InformationRequest) -> None:
    assert police.get(reverse("enquiries:take", args=[police_request.pk])).status_code == 405
    police_request.refresh_from_db()
    assert police_request.status == RequestStatus.OPEN


def test_save_draft_keeps_the_request_in_progress_and_ignores_blank_rows(
    people: dict[str, Any], police: Client, police_request: InformationRequest
) -> None:
    data = return_post(
        police_request,
        summary="Two call-outs this year",
        risk_factors="Violence in the home",
        rows=[history_row()],
        total=4,
    )

    response = police.post(detail_url(police_request), data)

    assert response.status_code == 302 and response["Location"] == detail_url(police_request)
    police_request.refresh_from_db()
    assert police_request.status == RequestStatus.IN_PROGRESS
    assert police_request.summary == "Two call-outs this year"
    assert police_request.taken_by == people["police"] and police_request.returned_at is None
    assert list(police_request.history.values_list("source_reference", flat=True)) == ["INC-2026-0001"]
    assert police_request.case.status == CaseStatus.INFORMATION_GATHERING

    page = text(police.get(detail_url(police_request)))
    assert "Draft saved for case" in page
    assert "Two call-outs this year</textarea>" in page
    assert 'value="INC-2026-0001"' in page
    assert page.count('data-testid="history-row"') == 4  # the saved item and three blank rows
    assert "Sending a nil return discards the draft" in page


def test_submitting_the_last_return_makes_the_case_ready_for_decision(
    people: dict[str, Any], police: Client, case: Case, police_request: InformationRequest
) -> None:
    health = request_to(case, AgencyKind.HEALTH)
    request_nil_return(actor=Actor(user=people["health"]), request=health, expected_version=health.version)
    rows = [
        history_row(),
        history_row(
            on=date(2025, 1, 14),
            kind="crime",
            description="Father arrested for assault",
            significance="medium",
            source_reference="CR-25-77",
        ),
    ]
    data = return_post(police_request, action="submit", summary="Known to police", rows=rows, total=5)

    response = police.post(detail_url(police_request), data, follow=True)

    assert response.redirect_chain == [(reverse("enquiries:queue"), 302)]
    assert f"Return sent to the hub for case {case.reference}." in text(response)
    police_request.refresh_from_db()
    assert police_request.status == RequestStatus.RETURNED
    assert police_request.returned_by == people["police"]
    items = HistoryItem.objects.filter(request=police_request)
    assert [(i.occurred_on, i.kind, i.significance, i.source_reference) for i in items] == [
        (date(2025, 1, 14), "crime", "medium", "CR-25-77"),
        (date(2026, 9, 1), "domestic_abuse", "high", "INC-2026-0001"),
    ]
    case.refresh_from_db()
    assert case.status == CaseStatus.READY_FOR_DECISION
    assert AuditEvent.objects.filter(
        action=AuditAction.RETURN_SUBMITTED, object_id=str(police_request.pk)
    ).exists()

    returned_page = text(police.get(detail_url(police_request)))
    assert "What Police returned" in returned_page and "Father arrested for assault" in returned_page
    assert "Submit return" not in returned_page and "Send nil return" not in returned_page


def test_submitting_while_another_agency_is_still_out_keeps_gathering(
    police: Client, case: Case, police_request: InformationRequest
) -> None:
    police.post(detail_url(police_request), return_post(police_request, action="submit", summary="Known"))
    case.refresh_from_db()
    assert case.status == CaseStatus.INFORMATION_GATHERING


def test_nil_return(people: dict[str, Any], police: Client, police_request: InformationRequest) -> None:
    url = reverse("enquiries:nil-return", args=[police_request.pk])

    unconfirmed = police.post(url, {"nil-version": police_request.version})
    assert unconfirmed.status_code == 200
    assert error_summary(unconfirmed) == [NIL_CONFIRM_REQUIRED]
    assert_links_land(unconfirmed)
    police_request.refresh_from_db()
    assert police_request.status == RequestStatus.OPEN

    response = police.post(url, {"nil-version": police_request.version, "nil-confirm": "on"}, follow=True)

    assert response.redirect_chain == [(reverse("enquiries:queue"), 302)]
    assert "not known to Police" in text(response)
    police_request.refresh_from_db()
    assert police_request.status == RequestStatus.NIL_RETURN
    assert police_request.returned_by == people["police"]
    again = police.post(url, {"nil-version": police_request.version, "nil-confirm": "on"})
    assert error_summary(again) == ["This request has already been answered."]


FUTURE = timezone.localdate() + timedelta(days=7)  # a week on: still ahead if the run passes midnight


@pytest.mark.parametrize(
    ("action", "summary", "row", "expected"),
    [
        ("submit", "  ", None, [NO_SUMMARY]),
        (
            "draft",
            "Draft",
            history_row(source_reference="", significance=""),
            [f"History item 1: {SIGNIFICANCE_REQUIRED}", f"History item 1: {SOURCE_REQUIRED}"],
        ),
        ("draft", "Draft", history_row(description=" "), [f"History item 1: {DESCRIPTION_REQUIRED}"]),
        ("submit", "Known", {**history_row(), "occurred_on_1": ""}, [f"History item 1: {DATE_NO_MONTH}"]),
        ("submit", "Known", history_row(on=FUTURE), [f"History item 1: {DATE_IN_FUTURE}"]),
    ],
    ids=["no-summary-on-submit", "incomplete-row", "blank-description", "date-without-month", "future-date"],
)
def test_invalid_return_is_explained_and_nothing_is_saved(
    police: Client,
    police_request: InformationRequest,
    action: str,
    summary: str,
    row: dict[str, str] | None,
    expected: list[str],
) -> None:
    before = police_request.version
    data = return_post(
        police_request, action=action, summary=summary, risk_factors="Kept text", rows=[row] if row else []
    )

    response = police.post(detail_url(police_request), data)

    assert response.status_code == 200
    assert error_summary(response) == expected
    assert_links_land(response)
    assert title(response).startswith("Error: ")
    assert "Kept text</textarea>" in text(response)
    police_request.refresh_from_db()
    assert police_request.version == before
    assert police_request.status == RequestStatus.OPEN
    assert police_request.risk_factors == ""
    assert not HistoryItem.objects.exists()


def test_a_row_error_links_to_its_field(police: Client, police_request: InformationRequest) -> None:
    no_month = {**history_row(), "occurred_on_1": ""}
    data = return_post(police_request, rows=[no_month, history_row(significance="")])
    response = police.post(detail_url(police_request), data)
    assert (
        f'<a href="#id_history-0-occurred_on_1">History item 1: {DATE_NO_MONTH}</a>'
        in response.content.decode()
    )
    assert f'<a href="#id_history-1-significance_1">History item 2: {SIGNIFICANCE_REQUIRED}</a>' in (
        response.content.decode()
    )
    assert_links_land(response)


def test_someone_else_saving_first_keeps_my_text_and_says_so(
    people: dict[str, Any], police: Client, police_request: InformationRequest
) -> None:
    opened = police_request.version
    request_save_return(
        actor=Actor(user=people["police2"]),
        request=police_request,
        expected_version=opened,
        summary="Tom's version",
        risk_factors="",
        protective_factors="",
        history=[],
        submit=False,
    )
    data = return_post(police_request, action="submit", summary="Priya's careful summary", version=opened)

    response = police.post(detail_url(police_request), data)

    assert response.status_code == 200
    assert error_summary(response) == [CONCURRENT_EDIT]
    assert_links_land(response)
    assert "Priya's careful summary</textarea>" in text(response)
    police_request.refresh_from_db()
    assert police_request.summary == "Tom's version"
    assert police_request.status == RequestStatus.IN_PROGRESS


def test_answered_while_i_was_typing_keeps_my_text(
    people: dict[str, Any], police: Client, police_request: InformationRequest
) -> None:
    opened = police_request.version
    request_nil_return(actor=Actor(user=people["police2"]), request=police_request, expected_version=opened)
    data = return_post(police_request, action="submit", summary="Late summary", version=opened)

    response = police.post(detail_url(police_request), data)

    assert error_summary(response) == ["This request has already been answered."]
    assert "Late summary</textarea>" in text(response)


# The include on the case page ------------------------------------------------------------------


def test_case_page_include_shows_returns_only_to_those_who_see_the_whole_case(
    people: dict[str, Any], case: Case, police_request: InformationRequest
) -> None:
    request_save_return(
        actor=Actor(user=people["police"]),
        request=police_request,
        expected_version=police_request.version,
        summary="Known to police",
        risk_factors="Violence",
        protective_factors="Grandmother nearby",
        history=[],
        submit=True,
    )
    health = request_to(case, AgencyKind.HEALTH)
    InformationRequest.objects.filter(pk=health.pk).update(due_at=timezone.now() - timedelta(hours=2))
    police_request.history.create(
        occurred_on=date(2026, 3, 2),
        kind="missing",
        description="Reported missing overnight",
        significance="high",
        source_reference="MIS-9",
    )

    whole = render_to_string("enquiries/_case_requests.html", {"case": case, "sees_whole_case": True})
    partial = render_to_string("enquiries/_case_requests.html", {"case": case})

    assert whole.count('data-testid="case-request"') == 2
    assert "Known to police" in whole and "Grandmother nearby" in whole
    assert (
        "2 March 2026" in whole
        and "Missing episode" in whole
        and "MIS-9" in whole
        and "govuk-tag--red" in whole
    )
    assert whole.count('data-testid="overdue-tag"') == 1  # Health is late; Police has returned
    assert "Known to police" not in partial and "Reported missing" not in partial
    assert "Returned" in partial and partial.count('data-testid="overdue-tag"') == 1


def test_case_page_include_never_shows_a_draft(people: dict[str, Any], case: Case) -> None:
    info = request_to(case, AgencyKind.POLICE)
    request_save_return(
        actor=Actor(user=people["police"]),
        request=info,
        expected_version=info.version,
        summary="Unfinished thoughts",
        risk_factors="",
        protective_factors="",
        history=[],
        submit=False,
    )
    html_ = render_to_string("enquiries/_case_requests.html", {"case": case, "sees_whole_case": True})
    assert "Unfinished thoughts" not in html_ and "In progress" in html_


# Requests waiting at the sharing gate -------------------------------------------------------------


HEALTH_WAITS = (
    "Health is bound by a duty of confidentiality: its information needs consent that names health "
    "information, or a recorded decision to set the duty aside."
)
HEALTH_UNBLOCK = (
    "Record consent that names health information, or a lawful-basis decision that sets aside the duty "
    "of confidentiality because of a risk of significant harm."
)


def consent_from_mother(case: Case, user: Any, *, health: bool) -> None:
    consent_record(
        actor=Actor(user=user),
        case=case,
        given_by=case.referral.people.get(is_subject=False),
        for_whom=ForWhom.HOUSEHOLD,
        decision=ConsentDecision.GIVEN,
        informed_how=InformedHow.VERBAL,
        privacy_notice_version="2026-04",
        includes_health=health,
    )


@pytest.fixture
def waiting_case(people: dict[str, Any]) -> Case:
    """Consent from the mother that does not name health: police asked, health waiting."""
    subject = PersonData(
        given_name="Jayden",
        family_name="Whitmore",
        date_of_birth=date(2018, 5, 4),
        sex="M",
        address="1 Elm Road, Northtown",
        postcode="NT1 1AA",
        nhs_number="9990000018",
    )
    mother = PersonData(given_name="Kerry", family_name="Whitmore", relationship="mother", sex="F")
    case = make_referral(people["referrer"], people=[subject, mother]).case
    consent_from_mother(case, people["screener"], health=False)
    case.refresh_from_db()
    screen(case, people["screener"], lawful_basis=False)
    case.refresh_from_db()
    return case


@pytest.fixture
def health(people: dict[str, Any]) -> Client:
    return client_for(people["health"])


def test_queue_lists_waiting_requests_apart_with_the_reason_and_no_names(
    waiting_case: Case, health: Client
) -> None:
    response = health.get(reverse("enquiries:queue"))

    body = text(response)
    assert "There are no open requests for Health." in body
    assert "Open (0)" in body
    waiting = body.split('data-testid="waiting-requests"')[1].split("</table>")[0]
    rows = re.findall(r'data-testid="waiting-row">(.*?)</tr>', waiting, re.S)
    assert len(rows) == 1
    assert waiting_case.reference in rows[0] and HEALTH_WAITS in rows[0]
    assert "openmash-rag--amber" in rows[0]
    assert "Waiting for consent or a lawful basis</h2>" in body
    assert "Jayden" not in body and "Whitmore" not in body  # the family is not named to health yet
    event = AuditEvent.objects.filter(action=AuditAction.QUEUE_VIEWED).latest("sequence")
    assert event.persons == []


def test_waiting_requests_come_a_page_at_a_time_longest_waiting_first(
    people: dict[str, Any], waiting_case: Case, health: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("openmash.enquiries.views.QUEUE_PAGE_SIZE", 2)
    cases = [waiting_case]
    for given in ("Ava", "Noah"):
        later = make_referral(
            people["referrer"],
            people=[
                PersonData(given_name=given, family_name="Okafor", sex="F"),
                PersonData(given_name="Kerry", family_name="Okafor", relationship="mother", sex="F"),
            ],
        ).case
        consent_from_mother(later, people["screener"], health=False)
        screen(later, people["screener"], lawful_basis=False)
        cases.append(later)
    oldest_first = [
        i.case.reference
        for i in InformationRequest.objects.filter(status=RequestStatus.BLOCKED).order_by("sent_at", "pk")
    ]
    assert sorted(oldest_first) == sorted(c.reference for c in cases)

    def shown(response: HttpResponse) -> tuple[list[str], list[str]]:
        body = text(response)
        table = body.split('data-testid="waiting-requests"')[1].split("</table>")[0]
        references = [
            r
            for r in oldest_first
            for row in re.findall(r'data-testid="waiting-row">(.*?)</tr>', table, re.S)
            if r in row
        ]
        links = re.findall(r'href="(\?waiting=\d+#waiting)" rel="(?:prev|next)"', body)
        return references, links

    first = health.get(reverse("enquiries:queue"))
    assert shown(first) == (oldest_first[:2], ["?waiting=2#waiting"])
    assert 'aria-label="Pages of requests waiting"' in text(first)
    second = health.get(reverse("enquiries:queue") + "?waiting=2")
    assert shown(second) == (oldest_first[2:], ["?waiting=1#waiting"])
    assert shown(health.get(reverse("enquiries:queue") + "?waiting=nonsense")) == shown(first)
    # Far past the end, beyond what the database takes as an OFFSET: an empty page, not an error.
    far = health.get(reverse("enquiries:queue") + "?waiting=99999999999999999999")
    assert far.status_code == 200 and 'data-testid="waiting-row"' not in text(far)


def test_home_tells_the_researcher_of_requests_waiting_for_consent(
    waiting_case: Case, health: Client
) -> None:
    body = text(health.get(reverse("accounts:role-home", args=["agency-researcher"])))
    assert "1 more request is waiting for consent or a lawful basis" in body
    assert reverse("enquiries:queue") + "#waiting" in body
    assert "Jayden" not in body and "Whitmore" not in body


def test_home_without_waiting_requests_does_not_mention_them(people: dict[str, Any], police: Client) -> None:
    make_case(people)
    assert 'data-testid="waiting-count"' not in text(
        police.get(reverse("accounts:role-home", args=["agency-researcher"]))
    )


def test_returned_tab_does_not_list_waiting_requests(waiting_case: Case, health: Client) -> None:
    body = text(health.get(reverse("enquiries:queue") + "?show=returned"))
    assert waiting_case.reference not in body


def test_a_waiting_request_shows_why_and_what_would_unblock_it_but_not_the_family(
    waiting_case: Case, health: Client
) -> None:
    info = request_to(waiting_case, AgencyKind.HEALTH)

    response = health.get(detail_url(info))

    assert response.status_code == 200
    body = text(response)
    assert title(response).startswith(f"Information request for case {waiting_case.reference}")
    assert f"Information request for case {waiting_case.reference}</h1>" in body
    assert "This request is waiting for consent or a lawful basis." in body
    assert HEALTH_WAITS in body and HEALTH_UNBLOCK in body
    assert "No due time until the request can go to Health" in body
    assert "Waiting for consent or a lawful basis</strong>" in body  # the status tag
    # The page's own content (the header names the signed-in researcher, whose generated name may
    # share a given name with the family).
    content = body.split("<main", 1)[1]
    for hidden in ("Jayden", "Kerry", "9990000018", "1 Elm Road", "arrived hungry", "Repeated neglect"):
        assert hidden not in content, hidden
    for form_part in (
        "Submit return",
        "Save draft",
        "Take this request",
        "Send nil return",
        "Record decision",
    ):
        assert form_part not in body, form_part


def test_a_waiting_request_cannot_be_taken_returned_or_withheld(
    people: dict[str, Any], waiting_case: Case, health: Client
) -> None:
    info = request_to(waiting_case, AgencyKind.HEALTH)
    reason = f"{HEALTH_WAITS} {HEALTH_UNBLOCK}"
    posts = [
        (reverse("enquiries:take", args=[info.pk]), {}),
        (detail_url(info), return_post(info, action="submit", summary="Known to health")),
        (
            reverse("enquiries:nil-return", args=[info.pk]),
            {"nil-version": str(info.version), "nil-confirm": "on"},
        ),
        (
            detail_url(info),
            {"form": "withhold", "withhold-what": "GP notes", "withhold-reason": "Not relevant"},
        ),
    ]
    for url, data in posts:
        response = health.post(url, data)
        assert response.status_code == 200, url
        assert error_summary(response) == [reason], url
        assert_links_land(response)
    info.refresh_from_db()
    assert (info.status, info.taken_by_id, info.summary, info.due_at) == (
        RequestStatus.BLOCKED,
        None,
        "",
        None,
    )
    assert not Disclosure.objects.filter(case=waiting_case).exists()


def test_once_consent_names_health_the_request_opens_with_a_due_time(
    people: dict[str, Any], waiting_case: Case, health: Client
) -> None:
    consent_from_mother(waiting_case, people["screener"], health=True)
    info = request_to(waiting_case, AgencyKind.HEALTH)
    assert info.status == RequestStatus.OPEN and info.due_at is not None

    body = text(health.get(detail_url(info)))

    assert "Information request about Jayden Whitmore" in body
    assert format_deadline(info.due_at) in body
    assert "Submit return" in body and "Take this request" in body and "9990000018" in body
    assert "waiting for consent" not in body
    queue = text(health.get(reverse("enquiries:queue")))
    assert "Open (1)" in queue and 'data-testid="waiting-requests"' not in queue


def test_case_page_include_shows_why_a_request_waits(waiting_case: Case) -> None:
    html_ = render_to_string("enquiries/_case_requests.html", {"case": waiting_case, "sees_whole_case": True})
    page = re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", html_)))

    assert f"Health Waiting for consent or a lawful basis Why it is waiting {HEALTH_WAITS}" in page
    assert f"What would unblock it {HEALTH_UNBLOCK}" in page
    assert page.count("Due ") == 1  # police only: a waiting request has no due time


# Decisions not to share ---------------------------------------------------------------------------


def withhold_post(
    what: str = "A 2019 counselling referral for the mother", reason: str = ""
) -> dict[str, str]:
    return {
        "form": "withhold",
        "withhold-what": what,
        "withhold-reason": reason or "Not relevant to the concerns about Jayden",
    }


def test_record_a_decision_not_to_share(
    people: dict[str, Any], police: Client, police_request: InformationRequest
) -> None:
    response = police.post(detail_url(police_request), withhold_post(), follow=True)

    assert response.redirect_chain[-1][0] == detail_url(police_request) + "#withheld"
    entry = Disclosure.objects.get(kind=DisclosureKind.WITHHELD)
    assert entry.item_summary == "A 2019 counselling referral for the mother"
    assert entry.reason == "Not relevant to the concerns about Jayden"
    assert (entry.from_agency.kind, entry.by_user, entry.item_id) == (
        AgencyKind.POLICE,
        people["police"],
        str(police_request.pk),
    )
    assert entry.about.count() == 2
    body = text(response)
    assert (
        f"Decision not to share recorded for case {police_request.case.reference}: "
        "A 2019 counselling referral for the mother" in body
    )
    rows = re.findall(r'data-testid="withheld-row">(.*?)</tr>', body, re.S)
    assert len(rows) == 1
    assert "A 2019 counselling referral for the mother" in rows[0]
    assert "Not relevant to the concerns about Jayden" in rows[0] and "Priya Shah" in rows[0]
    assert AuditEvent.objects.filter(action=AuditAction.WITHHELD, object_id=str(police_request.pk)).exists()
    police_request.refresh_from_db()
    assert police_request.status == RequestStatus.OPEN  # the request itself is still to be answered


def test_decisions_not_to_share_are_listed_after_the_return(
    people: dict[str, Any], police: Client, police_request: InformationRequest
) -> None:
    police.post(detail_url(police_request), withhold_post(what="First item"))
    request_nil_return(
        actor=Actor(user=people["police"]), request=police_request, expected_version=police_request.version
    )
    police.post(detail_url(police_request), withhold_post(what="Second item"))

    body = text(police.get(detail_url(police_request)))

    rows = re.findall(r'data-testid="withheld-row">(.*?)</tr>', body, re.S)
    assert ["First item" in rows[0], "Second item" in rows[1]] == [True, True]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (withhold_post(what=" "), [WITHHOLD_WHAT_REQUIRED]),
        (
            {"form": "withhold", "withhold-what": "GP notes", "withhold-reason": " "},
            [WITHHOLD_REASON_REQUIRED],
        ),
        ({"form": "withhold"}, [WITHHOLD_WHAT_REQUIRED, WITHHOLD_REASON_REQUIRED]),
    ],
)
def test_a_decision_not_to_share_needs_what_and_why(
    police: Client, police_request: InformationRequest, data: dict[str, str], expected: list[str]
) -> None:
    response = police.post(detail_url(police_request), data)

    assert response.status_code == 200
    assert error_summary(response) == expected
    assert_links_land(response)
    assert not Disclosure.objects.exists()
    police_request.refresh_from_db()
    assert police_request.status == RequestStatus.OPEN and police_request.summary == ""


def test_only_the_agency_asked_records_a_decision_not_to_share(
    people: dict[str, Any], case: Case, police_request: InformationRequest
) -> None:
    assert client_for(people["health"]).post(detail_url(police_request), withhold_post()).status_code == 404
    assert client_for(people["screener"]).post(detail_url(police_request), withhold_post()).status_code == 403
    assert not Disclosure.objects.filter(kind=DisclosureKind.WITHHELD).exists()
