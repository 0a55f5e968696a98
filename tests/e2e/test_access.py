"""Browser test of the sharing gate on every page of a case: a Health researcher whose request waits for
consent naming health information tries the people, chronology, genogram and product pages by their
addresses and sees the explanation on each, never the family. The expected words are written out here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from openmash.accounts.roles import Role
from openmash.cases.tests.helpers import make_referral, screen
from openmash.casework.consent import lawful_basis_record
from openmash.core.actor import Actor
from openmash.enquiries.models import InformationRequest, RequestStatus
from openmash.hub.models import AgencyKind
from tests.e2e.conftest import BrowserProblems, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WHY = (
    "Health is bound by a duty of confidentiality: its information needs consent that names health "
    "information, or a recorded decision to set the duty aside."
)
UNBLOCK = (
    "Record consent that names health information, or a lawful-basis decision that sets aside the duty "
    "of confidentiality because of a risk of significant harm."
)


def test_a_health_researcher_waiting_at_the_gate_sees_why_on_every_page_of_the_case(
    new_page: Callable[[], Page], make_user: Callable[..., Any], browser_problems: BrowserProblems
) -> None:
    screener = make_user(Role.SCREENING_MANAGER)
    health = make_user(Role.AGENCY_RESEARCHER, AgencyKind.HEALTH, first_name="Hana", last_name="Shah")
    case = make_referral().case
    # A basis to proceed without consent, but not one that sets aside Health's duty of confidentiality.
    lawful_basis_record(actor=Actor(user=screener), case=case, reason="Risk of significant harm")
    case.refresh_from_db()
    screen(case, screener, lawful_basis=False)
    waiting = InformationRequest.objects.get(case=case, agency__kind=AgencyKind.HEALTH)
    assert waiting.status == RequestStatus.BLOCKED

    page = new_page()
    sign_in(page, health.username)
    pages = {
        "people": f"/people/{case.pk}/",
        "chronology": f"/chronology/{case.pk}/",
        "genogram": f"/people/{case.pk}/genogram/",
        "product": f"/product/{case.pk}/",
    }
    for name, path in pages.items():
        response = page.goto(path)
        assert response is not None and response.status == 403, name
        expect(page.get_by_role("heading", level=1)).to_have_text("You cannot see this case yet")
        expect(page.get_by_test_id("blocked-reason")).to_have_text(WHY)
        expect(page.get_by_test_id("unblock-hint")).to_have_text(UNBLOCK)
        body = page.locator("main").inner_text()
        assert "Jayden" not in body and "Whitmore" not in body and "9990000018" not in body, name
    # The way on is the agency's own request page, which says the same.
    page.get_by_role("link", name="Go to your agency's request").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(case.reference)
    expect(page.get_by_text(WHY).first).to_be_visible()
    # The four refusals (and Chromium's console note of each) were the point of the test, not problems.
    origin = page.url.split("/requests/")[0]
    refused = {f"{origin}{path}" for path in pages.values()}
    console = "Failed to load resource: the server responded with a status of 403 (Forbidden)"
    expected = {f"HTTP 403 for GET {url}" for url in refused}
    expected |= {f"console error on {url}: {console}" for url in refused}
    browser_problems.items = [p for p in browser_problems.items if p not in expected]
