"""A long case page leads with a contents list; the earlier referral in a re-referral warning is a link
(for those the access policy lets open it); the decision page shows what each agency returned, not only
how many items."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from openmash.accounts.roles import Role
from openmash.cases.tests.helpers import make_referral, screen
from openmash.core.actor import Actor
from openmash.enquiries.services import HistoryData, request_save_return
from openmash.hub.models import AgencyKind
from tests.e2e.conftest import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_contents_rereferral_link_and_returned_items(
    new_page: Callable[[], Page], make_user: Callable[..., Any]
) -> None:
    screener = make_user(Role.SCREENING_MANAGER, AgencyKind.CHILDRENS_SOCIAL_CARE)
    decider = make_user(Role.DECISION_MAKER, AgencyKind.CHILDRENS_SOCIAL_CARE)
    police = make_user(Role.AGENCY_RESEARCHER, AgencyKind.POLICE)
    first = make_referral().case
    screen(first, screener, kinds=(AgencyKind.POLICE,))
    request = first.requests.get()
    request_save_return(
        actor=Actor(user=police),
        request=request,
        expected_version=request.version,
        summary="One incident at the home.",
        risk_factors="",
        protective_factors="",
        history=[
            HistoryData(
                date(2026, 3, 14), "domestic_abuse", "Officers attended a domestic incident", "high", "INC-77"
            )
        ],
        submit=True,
    )
    second = make_referral().case  # the same child again

    page = new_page()
    sign_in(page, decider.username)
    page.goto(reverse("cases:detail", args=[second.pk]))
    contents = page.get_by_test_id("case-contents")
    expect(contents.get_by_role("link", name="The referral")).to_be_visible()
    contents.get_by_role("link", name="The referral").click()
    expect(page).to_have_url(f"{page.url.split('#')[0]}#referral")
    warning = page.get_by_test_id("rereferral-warning")
    warning.get_by_role("link", name=first.referral.reference).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Case {first.reference}")

    page.goto(reverse("decisions:record", args=[first.pk]))
    item = page.get_by_test_id("returned-item")
    expect(item).to_have_count(1)
    expect(item).to_contain_text("Officers attended a domestic incident")
    expect(item).to_contain_text("INC-77")
    expect(item).to_contain_text("14 March 2026")
