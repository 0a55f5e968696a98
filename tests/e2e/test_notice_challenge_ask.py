"""Three pages a decision maker, a referrer and a screening manager reach less often, in Chromium: a
failed outcome notice (give it up with a reason), challenging an outcome, and asking another agency after
screening. Each is sent once empty (the GOV.UK error summary, linked to the field) and once properly."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from openmash.accounts.roles import Role
from openmash.cases.models import CaseStatus
from openmash.cases.tests.helpers import make_referral, screen
from openmash.core.actor import Actor
from openmash.decisions.models import OutcomeChallenge
from openmash.enquiries.services import request_nil_return
from openmash.feedback.delivery import feedback_deliver
from openmash.feedback.models import Delivery
from openmash.feedback.services import NO_GIVE_UP_REASON
from openmash.feedback.tests.helpers import decided_case
from openmash.hub.models import AgencyKind
from tests.e2e.conftest import BrowserProblems, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

REFUSED = {  # an SMTP server nobody listens on: the send fails as with a mail server down
    "default": {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "OPTIONS": {"host": "127.0.0.1", "port": 9, "timeout": 1},
    }
}


def sent_empty(page: Page, problems: BrowserProblems, button: str, message: str) -> None:
    """Send the form empty: a 400 with the error summary, its message linking to the field."""
    page.get_by_role("button", name=button).click()
    summary = page.get_by_test_id("error-summary")
    expect(summary).to_contain_text(message)
    summary.get_by_role("link", name=message).click()
    expect(page.locator(":focus")).to_be_visible()
    # The 400 answer (and Chromium's console note of it) is what this step provokes.
    problems.items = [p for p in problems.items if "400" not in p]


def test_a_decision_maker_gives_up_a_failed_notice(
    new_page: Callable[[], Page],
    make_user: Callable[..., Any],
    settings: Any,
    browser_problems: BrowserProblems,
) -> None:
    decider = make_user(Role.DECISION_MAKER)
    settings.MAILERS = REFUSED  # the mail server is down when the outcome goes out
    case = decided_case(
        referrer=make_user(Role.REFERRER, AgencyKind.EDUCATION),
        screener=make_user(Role.SCREENING_MANAGER),
        decider=decider,
    )
    feedback_deliver(case_id=case.pk, retry_failed=True)
    notice = case.notifications.filter(delivery=Delivery.FAILED).first()
    assert notice is not None

    page = new_page()
    sign_in(page, decider.username)
    page.goto(reverse("feedback:failed", args=[notice.pk]))
    expect(page.get_by_role("heading", level=1)).to_contain_text("was not sent")
    sent_empty(page, browser_problems, "Give up this notice", NO_GIVE_UP_REASON)
    page.get_by_label("Why will this notice not be sent?").fill("The outcome was given by telephone.")
    page.get_by_role("button", name="Give up this notice").click()
    notice.refresh_from_db()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Case {case.reference}")
    assert notice.delivery == Delivery.GIVEN_UP


def test_a_referrer_challenges_the_outcome(
    new_page: Callable[[], Page], make_user: Callable[..., Any], browser_problems: BrowserProblems
) -> None:
    referrer = make_user(Role.REFERRER, AgencyKind.EDUCATION)
    case = decided_case(
        referrer=referrer, screener=make_user(Role.SCREENING_MANAGER), decider=make_user(Role.DECISION_MAKER)
    )
    notice = case.notifications.get(recipient="referrer")

    page = new_page()
    sign_in(page, referrer.username)
    page.goto(reverse("decisions:challenge", args=[notice.pk]))
    expect(page.get_by_role("heading", level=1)).to_have_text("Challenge the outcome")
    sent_empty(page, browser_problems, "Send the challenge", "Explain why you disagree with the outcome")
    page.get_by_label("Why do you disagree with the outcome?").fill("He told his teacher more today.")
    page.get_by_role("button", name="Send the challenge").click()
    expect(page.get_by_text("Challenge waiting for an answer").first).to_be_visible()
    assert OutcomeChallenge.objects.get().is_open


def test_a_screening_manager_asks_another_agency(
    new_page: Callable[[], Page], make_user: Callable[..., Any], browser_problems: BrowserProblems
) -> None:
    screener = make_user(Role.SCREENING_MANAGER)
    police = make_user(Role.AGENCY_RESEARCHER, AgencyKind.POLICE)
    case = make_referral().case
    screen(case, screener, kinds=(AgencyKind.POLICE,))
    request = case.requests.get()
    request_nil_return(actor=Actor(user=police), request=request, expected_version=request.version)

    page = new_page()
    sign_in(page, screener.username)
    page.goto(reverse("cases:detail", args=[case.pk]))
    page.get_by_test_id("ask-further").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ask another agency")
    sent_empty(page, browser_problems, "Send the requests", "Select the agency to ask")
    page.get_by_label("Education", exact=True).check()
    page.get_by_label("Why are they needed now?").fill("The police return names a school.")
    page.get_by_role("button", name="Send the requests").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Case {case.reference}")
    case.refresh_from_db()
    assert case.status == CaseStatus.INFORMATION_GATHERING
    assert case.requests.filter(agency__kind=AgencyKind.EDUCATION).exists()
