"""What the screening manager is told after screening: a short success banner; each agency still
waiting for consent or a lawful basis, and why, in a warning of its own; a red case screened while the
hub is closed, with the hub's out-of-hours arrangement; and the hub's contact on a waiting request."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from openmash.accounts.roles import Role
from openmash.cases.models import Case
from openmash.cases.tests.test_views import (
    client_for,
    consent_given,
    family_case,
    screening_post,
    text,
)
from openmash.core.worktime import WorkingCalendar
from openmash.enquiries.deadlines import due_at
from openmash.enquiries.models import InformationRequest, RequestStatus
from openmash.hub.calendar_format import format_deadline
from openmash.hub.models import AgencyKind, HubConfiguration

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(make_user: Any) -> dict[str, Any]:
    return {
        "screener": make_user(Role.SCREENING_MANAGER),
        "police": make_user(Role.AGENCY_RESEARCHER, AgencyKind.POLICE),
        "health": make_user(Role.AGENCY_RESEARCHER, AgencyKind.HEALTH),
    }


LONDON = ZoneInfo("Europe/London")


def _saturday_night() -> datetime:
    """2:31am on a Saturday at least a week ahead (the requests are not yet due), followed by a
    working Monday (not a bank holiday)."""
    day = timezone.localdate() + timedelta(days=7)
    while day.weekday() != 5 or not hub_calendar_default().is_working_day(day + timedelta(days=2)):
        day += timedelta(days=1)
    return datetime.combine(day, time(2, 31), tzinfo=LONDON)


def hub_calendar_default() -> WorkingCalendar:
    return WorkingCalendar()


SATURDAY_NIGHT = _saturday_night()
MONDAY = SATURDAY_NIGHT.date() + timedelta(days=2)
TUESDAY_MORNING = datetime.combine(MONDAY + timedelta(days=1), time(10, 0), tzinfo=LONDON)


def on(day: date) -> str:
    return f"{day:%A} {day.day} {day:%B %Y}"


EDT = "Emergency duty team: 0300 555 0199, 5pm to 9am and all weekend"
HEALTH_WAITS = (
    "Health is bound by a duty of confidentiality: its information needs consent that names health "
    "information, or a recorded decision to set the duty aside."
)


def screened_at(case: Case, when: datetime) -> None:
    """The case as if screened at `when`: its requests sent then, due when the hub's rules say."""
    Case.objects.filter(pk=case.pk).update(screened_at=when)
    for request in InformationRequest.objects.filter(case=case).exclude(status=RequestStatus.BLOCKED):
        InformationRequest.objects.filter(pk=request.pk).update(
            sent_at=when, due_at=due_at(sent_at=when, rag=case.rag)
        )


def red_case(people: dict[str, Any]) -> Case:
    case = family_case()
    response = client_for(people["screener"]).post(
        reverse("cases:screen", args=[case.pk]), screening_post(case)
    )
    assert response.status_code == 302
    case.refresh_from_db()
    return case


# Item: the banner is short; what waits is listed on its own ------------------------------------------


def test_success_banner_is_short_and_each_waiting_agency_is_listed_with_why(people: dict[str, Any]) -> None:
    case = family_case()
    response = client_for(people["screener"]).post(
        reverse("cases:screen", args=[case.pk]), consent_given(case, given_informed="written"), follow=True
    )
    police = case.requests.get(agency__kind=AgencyKind.POLICE)
    html = response.content.decode()
    banner = html[html.index("govuk-notification-banner__heading") :]
    banner = banner[: banner.index("</p>")]
    assert f"{case.reference} screened: MASH enquiry, rated red." in banner
    assert f"Information requested from Police by {format_deadline(police.due_at)}." in banner
    assert "1 agency is waiting for consent or a lawful basis: see below." in banner
    assert "duty of confidentiality" not in banner  # the reason is in the warning, not the banner
    warning = html[html.index('data-testid="waiting-warning"') :]
    warning = warning[: warning.index("</ul>")]
    assert "Waiting for consent or a lawful basis before asking Health." in text_of(warning)
    assert f"Health: {HEALTH_WAITS}" in text_of(warning)


def test_every_waiting_agency_is_named_with_its_own_reason(people: dict[str, Any]) -> None:
    case = family_case()
    response = client_for(people["screener"]).post(
        reverse("cases:screen", args=[case.pk]),
        screening_post(case, consent_position="to_be_sought", risk_reason=None, risk_health_override=None),
        follow=True,
    )
    page = text(response)
    assert f"{case.reference} screened: MASH enquiry, rated red. 2 agencies are waiting" in page
    html = response.content.decode()
    items = [text_of(i).strip() for i in re.findall(r'data-testid="waiting-agency">(.*?)</li>', html)]
    assert len(items) == 2
    assert items[0] == f"Health: {HEALTH_WAITS}"
    assert items[1].startswith("Police: No consent or lawful basis to proceed without consent covers Police.")


# Item: a red case screened while the hub is closed -----------------------------------------------------


def test_red_case_screened_out_of_hours_warns_and_names_the_out_of_hours_arrangement(
    people: dict[str, Any],
) -> None:
    HubConfiguration.objects.update(out_of_hours_arrangement=EDT)
    case = red_case(people)
    screened_at(case, SATURDAY_NIGHT)
    due = InformationRequest.objects.filter(case=case).order_by("due_at").first()
    assert due is not None and due.due_at == datetime.combine(MONDAY, time(13, 0), tzinfo=LONDON)

    page = text(client_for(people["screener"]).get(reverse("cases:detail", args=[case.pk])))
    assert "Red case screened while the hub was closed" in page
    assert (
        f"Screened at 2:31am on {on(SATURDAY_NIGHT.date())}. The hub opens again at 9am on {on(MONDAY)}, "
        f"and the requests are not due until 1pm on {on(MONDAY)}." in page
    )
    assert f"If the child may be at risk before then, contact the out-of-hours service now: {EDT}" in page
    # Agency staff on the case see it too.
    police_page = text(client_for(people["police"]).get(reverse("cases:detail", args=[case.pk])))
    assert EDT in police_page


def test_without_an_arrangement_recorded_the_warning_still_says_who_to_call(people: dict[str, Any]) -> None:
    case = red_case(people)
    screened_at(case, SATURDAY_NIGHT)
    page = text(client_for(people["screener"]).get(reverse("cases:detail", args=[case.pk])))
    assert "Red case screened while the hub was closed" in page
    assert "contact the council's emergency duty team now" in page
    assert "The hub's configuration does not record its out-of-hours arrangement" in page


def test_no_out_of_hours_warning_in_working_hours_once_due_or_when_not_red(people: dict[str, Any]) -> None:
    HubConfiguration.objects.update(out_of_hours_arrangement=EDT)
    case = red_case(people)
    detail = reverse("cases:detail", args=[case.pk])
    screener = client_for(people["screener"])

    screened_at(case, TUESDAY_MORNING)  # the hub was open
    assert "screened while the hub was closed" not in text(screener.get(detail))

    screened_at(case, SATURDAY_NIGHT)
    InformationRequest.objects.filter(case=case).update(due_at=datetime(2026, 1, 5, 13, 0, tzinfo=LONDON))
    assert "screened while the hub was closed" not in text(screener.get(detail))  # already due

    screened_at(case, SATURDAY_NIGHT)
    Case.objects.filter(pk=case.pk).update(rag="amber")
    assert "screened while the hub was closed" not in text(screener.get(detail))


# Item: a waiting request names the hub's contact ------------------------------------------------------


def test_a_waiting_request_names_the_hubs_contact(people: dict[str, Any]) -> None:
    case = family_case()
    client_for(people["screener"]).post(
        reverse("cases:screen", args=[case.pk]), consent_given(case, given_informed="written")
    )
    waiting = case.requests.get(agency__kind=AgencyKind.HEALTH)
    assert waiting.status == RequestStatus.BLOCKED
    url = reverse("enquiries:detail", args=[waiting.pk])
    health = client_for(people["health"])

    page = text(health.get(url))
    assert "Questions about this request: contact Front Door MASH" in page
    assert "mash@" not in page

    HubConfiguration.objects.update(contact_email="mash@northshire.example", contact_phone="01632 960 123")
    response = health.get(url)
    page = text(response)
    assert (
        "Questions about this request: contact Front Door MASH by e-mail at mash@northshire.example" in page
    )
    assert "or by phone on 01632 960 123" in page
    assert 'href="mailto:mash@northshire.example"' in response.content.decode()


def text_of(html: str) -> str:
    class Page:
        content = html.encode()

    return text(Page())


def test_the_administrator_records_the_contact_and_arrangement_in_the_hub_settings(
    people: dict[str, Any], make_user: Any
) -> None:
    admin_client = client_for(make_user(Role.HUB_ADMINISTRATOR))
    config = HubConfiguration.objects.get()
    form = admin_client.get(reverse("hub:settings")).content.decode()
    assert 'name="out_of_hours_arrangement"' in form and 'name="contact_email"' in form
    data = {
        "version": str(config.version),
        "name": config.name,
        "hub_model": config.hub_model,
        "consent_before_search": "no",
        "decision_in_hub": "yes",
        "screen_all_referrals": "yes",
        "destroy_record_on_keyworker": "no",
        "partners_see_contributions": "no",
        "covers_adults": "yes",
        "core_agencies": [str(a.pk) for a in config.core_agencies.all()],
        "day_start": "09:00",
        "day_end": "17:00",
        "threshold_document_title": config.threshold_document_title,
        "threshold_document_version": config.threshold_document_version,
        "contact_email": "not an address",
        "contact_phone": "01632 960 123",
        "out_of_hours_arrangement": EDT,
    }
    bad = admin_client.post(reverse("hub:settings"), data)
    assert bad.status_code == 200 and "Enter a valid email address" in bad.content.decode()
    good = admin_client.post(reverse("hub:settings"), {**data, "contact_email": "mash@northshire.example"})
    assert good.status_code == 302
    assert EDT in text(admin_client.get(reverse("hub:overview")))

    case = red_case(people)
    screened_at(case, SATURDAY_NIGHT)
    page = text(client_for(people["screener"]).get(reverse("cases:detail", args=[case.pk])))
    assert f"contact the out-of-hours service now: {EDT}" in page
