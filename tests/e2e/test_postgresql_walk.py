"""A decision maker and a police researcher sign in and walk a case's main pages on PostgreSQL, where every
page read runs in one transaction (openmash.core.middleware.OneCommitPerReadMiddleware, docs/adr/0035):
the case page, the request and its return, the chronology and the decision page. The other browser tests
run on SQLite, where that middleware is off; `make test` runs this one with DATABASE_URL set to a
PostgreSQL database of its own (make test-e2e-postgres), and it is skipped without one.

The browser guard fails it on any 4xx/5xx response, console error or serious accessibility finding, as
in every browser test (a page whose read fails inside its transaction answers 500); each main page is
checked by axe-core once its contents are shown, not only if the check ends before the walk moves on.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from django.db import connection
from django.urls import reverse
from playwright.sync_api import Page, expect

from openmash.accounts.roles import Role
from openmash.audit.models import AuditEvent
from openmash.cases.tests.helpers import make_referral, screen
from openmash.consent.models import Disclosure, DisclosureKind
from openmash.core.actor import Actor
from openmash.core.tests.test_one_commit_per_read import transaction_of
from openmash.enquiries.services import HistoryData, request_save_return, request_take
from openmash.hub.models import AgencyKind
from tests.e2e.conftest import BrowserProblems, service_navigation, sign_in

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")),
        reason="the walk on PostgreSQL: make test-e2e-postgres",
    ),
]

INCIDENT = "Officers attended a verbal argument; the child was present upstairs."
POLICE_SUMMARY = "One domestic abuse incident at the home address in the last two months."


def test_two_people_walk_a_case_on_postgresql(
    new_page: Callable[[], Page], make_user: Callable[..., Any], browser_problems: BrowserProblems
) -> None:
    # Not SQLite under another name: the live server below reads and writes this PostgreSQL database.
    assert connection.vendor == "postgresql"

    screener = make_user(Role.SCREENING_MANAGER, AgencyKind.CHILDRENS_SOCIAL_CARE)
    decider = make_user(Role.DECISION_MAKER, AgencyKind.CHILDRENS_SOCIAL_CARE)
    police = make_user(Role.AGENCY_RESEARCHER, AgencyKind.POLICE)
    case = screen(make_referral().case, screener)  # to police and health
    request = case.requests.get(agency__kind=AgencyKind.POLICE)
    request_take(actor=Actor(user=police), request=request)
    request.refresh_from_db()
    request_save_return(
        actor=Actor(user=police),
        request=request,
        expected_version=request.version,
        summary=POLICE_SUMMARY,
        risk_factors="",
        protective_factors="",
        history=[HistoryData(date(2026, 9, 1), "domestic_abuse", INCIDENT, "high", "INC-2026-004417")],
        submit=True,
    )

    # The police researcher: their requests, the request they returned, and the case it belongs to.
    page = new_page()
    sign_in(page, police.username)
    service_navigation(page).get_by_role("link", name="Requests", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Information requests")
    page.goto(reverse("enquiries:detail", args=[request.pk]))
    expect(page.get_by_role("heading", name="What Police returned")).to_be_visible()
    expect(page.get_by_text(POLICE_SUMMARY)).to_be_visible()
    browser_problems.check_accessibility(page)
    page.goto(reverse("cases:detail", args=[case.pk]))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Case {case.reference}")
    expect(page.get_by_test_id("case-request").filter(has_text="Police")).to_contain_text(POLICE_SUMMARY)

    # The decision maker: the case page, its requests, the chronology, and the decision page.
    page = new_page()
    sign_in(page, decider.username)
    page.goto(reverse("cases:detail", args=[case.pk]))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Case {case.reference}")
    requests = page.get_by_test_id("case-request")
    expect(requests.filter(has_text="Police")).to_contain_text("Returned")
    expect(requests.filter(has_text="Health")).to_contain_text("Not started")
    browser_problems.check_accessibility(page)
    page.get_by_role("link", name="Chronology", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Multi-agency chronology")
    expect(page.get_by_test_id("chronology")).to_contain_text(INCIDENT)
    browser_problems.check_accessibility(page)
    page.goto(reverse("cases:detail", args=[case.pk]))
    page.get_by_role("link", name="Record the decision").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Record the decision")
    expect(page.get_by_test_id("returned-item")).to_contain_text(INCIDENT)
    browser_problems.check_accessibility(page)

    # Each page that showed the police return wrote its disclosure-log line in the same transaction as
    # the audit event of that read: one commit per page read.
    lines = list(Disclosure.objects.filter(kind=DisclosureKind.VIEWED, by_user=decider))
    assert len(lines) == 4  # the case page, the chronology, the case page again, the decision page
    line_transactions = {transaction_of(line) for line in lines}
    assert len(line_transactions) == 4  # a transaction each
    reads = AuditEvent.objects.filter(actor_id=str(decider.pk))
    assert line_transactions <= {transaction_of(event) for event in reads}
