"""Browser tests of the sharing gate: a health researcher sees a request waiting for consent, with the
reason and what would unblock it; the screening manager records consent that names health information
on the case's consent page; the request goes to health at once, with a due time.

The expected words are written out by hand (not read from the templates or the gate) so that a change
in what a person sees makes a test fail. Due times depend on the clock and the hub's calendar, so they
are formatted from the stored times with the app's own formatter.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect

from openmash.accounts.roles import Role
from openmash.cases.tests.helpers import make_referral
from openmash.enquiries.models import InformationRequest, RequestStatus
from openmash.hub.calendar_format import format_deadline
from openmash.hub.models import AgencyKind, HubConfiguration
from tests.e2e.conftest import service_navigation, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

CHILD = "Jayden Whitmore"
MOTHER = "Kerry Whitmore"
RAG_REASON = "Hunger and a bruise reported by school; mother says the family is struggling."
HUB_EMAIL = "mash@northshire.example"
HUB_PHONE = "01632 960 123"
HEALTH_WAITS = (
    "Health is bound by a duty of confidentiality: its information needs consent that names health "
    "information, or a recorded decision to set the duty aside."
)
HEALTH_UNBLOCK = (
    "Record consent that names health information, or a lawful-basis decision that sets aside the duty "
    "of confidentiality because of a risk of significant harm."
)


def h1(page: Page) -> Locator:
    return page.get_by_role("heading", level=1)


def success_banner(page: Page) -> Locator:
    return page.locator(".govuk-notification-banner--success .govuk-notification-banner__heading")


def signed_in_page(new_page: Callable[[], Page], user: Any, home_heading: str) -> Page:
    page = new_page()
    sign_in(page, user.username)
    expect(h1(page)).to_have_text(home_heading)
    return page


def test_health_waits_for_consent_naming_health_then_gets_the_request(
    new_page: Callable[[], Page], make_user: Callable[..., Any]
) -> None:
    screener = make_user(Role.SCREENING_MANAGER, first_name="Sam", last_name="Reid")
    health = make_user(Role.AGENCY_RESEARCHER, AgencyKind.HEALTH, first_name="Hana", last_name="Shah")
    case = make_referral().case
    ref = case.reference
    HubConfiguration.objects.update(contact_email=HUB_EMAIL, contact_phone=HUB_PHONE)

    # (a) The screening manager screens the contact: the mother consents for the household, but health
    # information is not named, so police are asked and health waits.
    sm_page = signed_in_page(new_page, screener, "Contacts to screen")
    sm_page.goto(f"/cases/{case.pk}/screen/")
    expect(h1(sm_page)).to_have_text(f"Screen contact {ref}")
    sm_page.get_by_role("group", name="Level of need").get_by_label("Level 3: Child in need").check()
    sm_page.get_by_role("group", name="RAG rating").get_by_label(re.compile(r"\bAmber: ")).check()
    sm_page.get_by_label("Reason for the rating").fill(RAG_REASON)
    sm_page.get_by_label("Consent given", exact=True).check()
    who = sm_page.get_by_role("group", name="Who gave consent?")
    expect(who.get_by_role("radio")).to_have_count(2)
    expect(who.locator("label").first).to_have_text(f"{MOTHER} (mother)")  # adults first
    who.get_by_label(f"{MOTHER} (mother)").check()
    sm_page.get_by_role("group", name="Who is the consent for?").get_by_label("The whole household").check()
    expect(sm_page.get_by_label("Health information was named specifically")).not_to_be_checked()
    sm_page.get_by_role(
        "group", name="How was the person told how their information will be used?"
    ).get_by_label("In writing").check()
    expect(sm_page.get_by_label("Privacy notice version").locator("visible=true")).to_have_value("2026-04")
    sm_page.get_by_role("group", name="Route").get_by_label("MASH enquiry", exact=True).check()
    agencies = sm_page.get_by_role("group", name="Agencies to ask for information")
    for box in agencies.get_by_role("checkbox").all():
        box.uncheck()
    agencies.get_by_label("Police", exact=True).check()
    agencies.get_by_label("Health", exact=True).check()
    sm_page.get_by_role("button", name="Save screening").click()

    expect(h1(sm_page)).to_have_text(f"Case {ref}")
    police_request = InformationRequest.objects.get(case=case, agency__kind=AgencyKind.POLICE)
    health_request = InformationRequest.objects.get(case=case, agency__kind=AgencyKind.HEALTH)
    assert health_request.status == RequestStatus.BLOCKED and health_request.due_at is None
    # A short success banner; what waits, and why, in a warning of its own.
    expect(success_banner(sm_page)).to_have_text(
        f"{ref} screened: MASH enquiry, rated amber. Information requested from Police by "
        f"{format_deadline(police_request.due_at)}. 1 agency is waiting for consent or a lawful basis: "
        "see below."
    )
    expect(sm_page.get_by_test_id("waiting-warning")).to_contain_text(
        "Waiting for consent or a lawful basis before asking Health."
    )
    expect(sm_page.get_by_test_id("waiting-agency")).to_have_text([f"Health: {HEALTH_WAITS}"])

    # (b) The health researcher sees the request waiting, with the reason, and cannot work on it.
    health_page = signed_in_page(new_page, health, "Health: information requests")
    service_navigation(health_page).get_by_role("link", name="Requests", exact=True).click()
    expect(h1(health_page)).to_have_text("Information requests")
    expect(health_page.get_by_test_id("empty-queue")).to_have_text("There are no open requests for Health.")
    expect(health_page.get_by_role("heading", name="Waiting for consent or a lawful basis")).to_be_visible()
    row = health_page.get_by_test_id("waiting-row")
    expect(row).to_have_count(1)
    expect(row.get_by_test_id("blocked-reason")).to_have_text(HEALTH_WAITS)
    expect(row).not_to_contain_text("Jayden")  # the family is not named to health yet
    row.get_by_role("link", name=re.compile(rf"^{ref}")).click()
    expect(h1(health_page)).to_have_text(f"Information request for case {ref}")
    expect(health_page.get_by_test_id("blocked")).to_contain_text(
        "This request is waiting for consent or a lawful basis. "
        "Do not search Health's systems for this family yet."
    )
    expect(health_page.get_by_test_id("blocked-reason")).to_have_text(HEALTH_WAITS)
    expect(health_page.get_by_test_id("unblock-hint")).to_contain_text(HEALTH_UNBLOCK)
    expect(health_page.get_by_test_id("hub-contact")).to_have_text(
        f"Questions about this request: contact Front Door MASH by e-mail at {HUB_EMAIL} or by phone on "
        f"{HUB_PHONE}, quoting case {ref}."
    )
    expect(health_page.get_by_role("link", name=HUB_EMAIL)).to_have_attribute("href", f"mailto:{HUB_EMAIL}")
    expect(health_page.get_by_test_id("due")).to_have_text("No due time until the request can go to Health")
    expect(health_page.get_by_role("button", name="Submit return")).to_have_count(0)
    expect(health_page.get_by_role("button", name="Take this request")).to_have_count(0)
    expect(health_page.get_by_label("Summary of what your agency knows")).to_have_count(0)
    expect(health_page.get_by_text(CHILD)).to_have_count(0)

    # (c) The screening manager opens the consent page from the case page and records consent that
    # names health information.
    sm_page.get_by_role("link", name="Consent and lawful basis").click()
    expect(h1(sm_page)).to_have_text("Consent and lawful basis")
    health_state = sm_page.get_by_test_id("gate-state").filter(
        has=sm_page.get_by_role("rowheader", name="Health", exact=True)
    )
    expect(health_state).to_contain_text("Waiting")
    expect(health_state.get_by_test_id("blocked-reason")).to_have_text(HEALTH_WAITS)
    expect(health_state.get_by_test_id("unblock-hint")).to_have_text(
        f"What would unblock it: {HEALTH_UNBLOCK}"
    )
    expect(sm_page.get_by_test_id("consent").get_by_test_id("health-named")).to_have_text("Not named")
    sm_page.get_by_role("link", name="Record consent").click()
    expect(h1(sm_page)).to_have_text("Record consent")
    sm_page.get_by_label("Yes, consent was given").check()
    sm_page.get_by_role("group", name="Who was asked?").get_by_label(f"{MOTHER} (mother)").check()
    sm_page.get_by_role("group", name="Who is the consent for?").get_by_label("The whole household").check()
    sm_page.get_by_label("Health information was named specifically when consent was asked for").check()
    sm_page.get_by_role(
        "group", name="How was the person told how their information will be used?"
    ).get_by_label("In writing").check()
    expect(
        sm_page.get_by_role("group", name="Which agencies does the consent cover?").get_by_label(
            "All agencies"
        )
    ).to_be_checked()
    sm_page.get_by_role("button", name="Save consent").click()

    expect(h1(sm_page)).to_have_text("Consent and lawful basis")
    health_request.refresh_from_db()
    assert health_request.status == RequestStatus.OPEN and health_request.due_at is not None
    due = format_deadline(health_request.due_at)
    expect(success_banner(sm_page)).to_have_text(
        f"Consent recorded: consent given by {MOTHER}. Now asked: Health by {due}."
    )
    expect(health_state).to_contain_text("Sent")
    expect(health_state).to_contain_text(f"due by {due}")
    expect(sm_page.get_by_test_id("waiting-warning")).to_have_count(0)
    expect(sm_page.get_by_test_id("consent").get_by_test_id("health-named")).to_have_text(
        ["Not named", "Named specifically"]
    )

    # (d) The request is now open for health, with its due time and the return form.
    service_navigation(health_page).get_by_role("link", name="Requests", exact=True).click()
    open_row = health_page.get_by_test_id("request-row").filter(has_text=ref)
    expect(open_row).to_contain_text(CHILD)
    expect(open_row).to_contain_text("Not started")
    expect(open_row).to_contain_text(due)
    expect(health_page.get_by_test_id("waiting-row")).to_have_count(0)
    open_row.get_by_role("link", name=re.compile(rf"^{ref}")).click()
    expect(h1(health_page)).to_have_text(f"Information request about {CHILD}")
    expect(health_page.get_by_test_id("due")).to_have_text(due)
    expect(health_page.get_by_test_id("blocked")).to_have_count(0)
    expect(health_page.get_by_role("button", name="Submit return")).to_be_visible()
