"""Browser test of retention: the hub's information governance officer opens what is due for
destruction, puts a legal hold on a case due now (after the form has asked for a reason), sees it held,
and after the night's sweep reads the destruction record of the case that was not held. A partner
agency's officer is not shown the hub's retention. A decision maker finds nothing to change on a destroyed
case, and is told why at a change's own address. The referrer's outcome of a destroyed case, the police's
search page and the chair's meeting screen each say the case's personal information was destroyed."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from openmash.accounts.roles import Role
from openmash.cases.models import Case, CaseStatus, Route
from openmash.cases.tests.helpers import make_referral
from openmash.casework.destruction import retention_sweep
from openmash.core.dates import format_date
from openmash.decisions.tests.test_views import people  # noqa: F401
from openmash.hub.models import AgencyKind
from openmash.retention.models import DestructionRecord, LegalHold
from openmash.retention.services import NO_HOLD_REASON
from openmash.retention.tests.kept import Kept, kept  # noqa: F401
from tests.e2e.conftest import BrowserProblems, nav_link_texts, service_navigation, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

HOLD_REASON = "Care proceedings: the court may ask for the hub's record"


def closed(route: str, days_ago: int) -> Case:
    case = make_referral().case
    Case.objects.filter(pk=case.pk).update(
        status=CaseStatus.CLOSED,
        rag="green",
        route=route,
        screened_at=timezone.now() - timedelta(days=days_ago + 1),
        closed_at=timezone.now() - timedelta(days=days_ago),
    )
    case.refresh_from_db()
    return case


def test_ig_officer_sees_what_is_due_and_puts_a_legal_hold_on(
    new_page: Callable[[], Page], make_user: Callable[..., Any], settings: Any, tmp_path: Any
) -> None:
    settings.OPENMASH_AUDIT_ANCHOR_DIR = tmp_path
    ig = make_user(Role.IG_OFFICER)
    health_ig = make_user(Role.IG_OFFICER, AgencyKind.HEALTH)
    held = closed(Route.NFA, 800)  # a contact with no further action, closed 26 months ago: due (24)
    swept = closed(Route.NFA, 760)
    soon = closed(Route.NFA, 700)  # due in about a month
    later = closed(Route.STRATEGY_DISCUSSION, 800)  # passed to social care: kept six years

    page = new_page()
    sign_in(page, ig.username)
    service_navigation(page).get_by_role("link", name="Retention", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Due for destruction")
    expect(page.get_by_test_id("due-now")).to_have_text("2")
    expect(page.get_by_test_id("held-count")).to_have_text("0")
    rows = page.get_by_test_id("due-row")
    expect(rows).to_have_count(3)
    expect(rows.nth(0)).to_contain_text(held.reference)
    expect(rows.nth(0)).to_contain_text("Contact with no further action")
    expect(rows.nth(0)).to_contain_text("Due now")
    expect(rows.nth(2)).to_contain_text(soon.reference)
    expect(rows.nth(2)).to_contain_text("Due soon")
    expect(page.get_by_test_id("schedule")).not_to_contain_text(later.reference)

    page.get_by_role("link", name=f"Put a legal hold on case {held.reference}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Put a legal hold on case {held.reference}")
    expect(page.get_by_text("Under the retention rules this case is due for destruction on")).to_be_visible()
    page.get_by_role("button", name="Put the hold on").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(NO_HOLD_REASON)
    page.get_by_label("Why must this case be kept?").fill(HOLD_REASON)
    page.get_by_role("button", name="Put the hold on").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Legal holds")
    expect(page.get_by_test_id("hold-row")).to_have_count(1)
    expect(page.get_by_test_id("hold-row")).to_contain_text(held.reference)
    expect(page.get_by_test_id("hold-row")).to_contain_text(HOLD_REASON)
    assert LegalHold.objects.get(case=held, lifted_at__isnull=True).placed_by == ig

    page.get_by_role("link", name="Due for destruction").click()
    expect(page.get_by_test_id("due-now")).to_have_text("1")
    expect(page.get_by_test_id("held-count")).to_have_text("1")
    expect(page.get_by_test_id("due-row").nth(0)).to_contain_text("Held")

    # The night's sweep destroys the case due and not held, and passes the held one by.
    assert [r.case_id for r in retention_sweep().destroyed] == [swept.pk]
    assert not DestructionRecord.objects.filter(case=held).exists()
    page.get_by_role("link", name="Destruction records").click()
    expect(page.get_by_test_id("destroyed-row")).to_have_count(1)
    page.get_by_role("link", name=swept.reference).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Case {swept.reference}")
    expect(page.get_by_test_id("tombstone")).to_contain_text("Contact with no further action: 24 months")

    # A partner agency's officer answers for their agency's part of the log, not the hub's retention.
    other = new_page()
    sign_in(other, health_ig.username)
    assert "Retention" not in nav_link_texts(other)


def test_a_destroyed_case_offers_no_change_and_refuses_one_with_the_date(
    new_page: Callable[[], Page],
    make_user: Callable[..., Any],
    settings: Any,
    tmp_path: Any,
    browser_problems: BrowserProblems,
) -> None:
    settings.OPENMASH_AUDIT_ANCHOR_DIR = tmp_path
    decider = make_user(Role.DECISION_MAKER)
    case = closed(Route.NFA, 800)
    page = new_page()
    sign_in(page, decider.username)
    page.goto(f"/cases/{case.pk}/")
    expect(page.get_by_role("link", name=f"Record the allocation of case {case.reference}")).to_be_visible()

    (record,) = retention_sweep().destroyed
    day = format_date(record.destroyed_at)
    page.reload()
    expect(page.get_by_test_id("destroyed")).to_contain_text(f"was destroyed on {day}")
    expect(page.get_by_role("link", name=f"Record the allocation of case {case.reference}")).to_have_count(0)
    page.get_by_role("link", name="People and relationships").click()
    expect(page.get_by_test_id("destroyed")).to_be_visible()
    expect(page.get_by_role("link", name="Add a person")).to_have_count(0)

    # A change asked for at its own address (a bookmark, an old tab) is refused, saying why and since when.
    allocate = f"/cases/{case.pk}/allocate/"
    response = page.goto(allocate)
    assert response is not None and response.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("This case can no longer be changed")
    expect(page.get_by_test_id("refusal-reason")).to_contain_text(
        f"This case's personal data was destroyed on {day} under the hub's retention rules"
    )
    expect(page.get_by_role("link", name="Go to your home page")).to_be_visible()
    browser_problems.check_accessibility(page)
    # The refusal was the point of the test, not a problem.
    url = page.url
    console = "Failed to load resource: the server responded with a status of 403 (Forbidden)"
    expected = {f"HTTP 403 for GET {url}", f"console error on {url}: {console}"}
    browser_problems.items = [p for p in browser_problems.items if p not in expected]


def test_the_outcome_search_and_meeting_screen_of_a_destroyed_case_say_so(
    new_page: Callable[[], Page],
    kept: Kept,  # noqa: F811
    browser_problems: BrowserProblems,
) -> None:
    day = kept.destroy()
    warning = f"The personal information on this case was destroyed on {day} under the hub's retention rules"

    referrer = new_page()
    sign_in(referrer, kept.users["referrer"].username)
    expect(referrer.get_by_test_id("unread-outcomes")).to_have_count(0)
    referrer.goto("/outcomes/")
    row = referrer.get_by_test_id("outcomes").get_by_role("row").filter(has_text=kept.case.reference)
    expect(row.get_by_test_id("destroyed")).to_contain_text(warning)
    expect(row.get_by_text("New", exact=True)).to_have_count(0)
    expect(row.get_by_role("link", name="Challenge the outcome")).to_have_count(0)

    police = new_page()
    sign_in(police, kept.users["police"].username)
    police.goto(f"/requests/{kept.police.pk}/trawl/")
    expect(police.get_by_test_id("destroyed")).to_contain_text(warning)
    expect(police.get_by_test_id("people-searched")).to_have_count(0)

    chair = new_page()
    sign_in(chair, kept.users["chair"].username)
    chair.goto(f"/meetings/{kept.meeting.pk}/")
    expect(chair.get_by_test_id("destroyed")).to_contain_text(warning)
    chair.goto(f"/meetings/{kept.meeting.pk}/screen/?item=1")
    expect(chair.get_by_test_id("destroyed")).to_contain_text(warning)
    expect(chair.get_by_role("heading", name="What each agency knows")).to_have_count(0)
