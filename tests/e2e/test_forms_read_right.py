"""Forms that read right to everyone: conditional questions revealed without ARIA a radio may not carry,
a single checkbox with its hint inside it and its own legend, a refused form that keeps every answer,
page furniture inside landmarks, references that never break, one date style and "is due"/"was due"
chosen by the clock. axe-core also runs on every page these tests load (conftest.py); here it runs
again after questions are revealed."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Locator, Page, expect

from openmash.accounts.roles import Role
from openmash.cases.models import Case
from openmash.cases.tests.helpers import make_referral, screen
from openmash.consent.models import HEALTH_OVERRIDE_TEXT, SPECIAL_CATEGORY_BASIS
from openmash.hub.models import AgencyKind
from tests.e2e.conftest import BrowserProblems, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

MOTHER = "Kerry Whitmore"
RAG_REASON = "Bruising reported by school; mother recently disclosed domestic abuse."
BASIS_REASON = "Asking the father would place the child at risk: he is the subject of the concern."
SPECIAL_LABEL = "The information includes special category data, such as health"
OVERRIDE_LABEL = "Set aside the health duty of confidentiality because of a risk of significant harm"
ART6 = "Lawful basis under UK GDPR Article 6"
LEGAL_OBLIGATION = "UK GDPR Art 6(1)(c): legal obligation"


def h1(page: Page) -> Locator:
    return page.get_by_role("heading", level=1)


def error_summary(page: Page) -> Locator:
    return page.locator(".govuk-error-summary")


def expect_no_aria_expanded_on_radios(page: Page) -> None:
    # aria-expanded is not allowed on a radio (axe-core aria-allowed-attr, critical).
    expect(
        page.locator("input[type=radio][aria-expanded], input[type=checkbox][aria-expanded]")
    ).to_have_count(0)


def expect_furniture_in_landmarks(page: Page) -> None:
    banner = page.get_by_role("banner")
    expect(banner.get_by_test_id("identity")).to_be_visible()
    expect(banner.locator(".govuk-phase-banner")).to_have_count(1)
    expect(banner.get_by_role("navigation", name="Menu")).to_have_count(1)


def expect_basis_checkboxes_read_right(scope: Locator, *, special: bool, override: bool) -> None:
    """The Article 9 and health-override boxes each in a group of their own, hint inside the item."""
    special_box = scope.get_by_role("group", name="Special category data (Article 9)").get_by_role(
        "checkbox", name=SPECIAL_LABEL
    )
    override_box = scope.get_by_role("group", name="Health duty of confidentiality").get_by_role(
        "checkbox", name=OVERRIDE_LABEL
    )
    expect(special_box).to_have_accessible_description(f"Shared under {SPECIAL_CATEGORY_BASIS}.")
    expect(override_box).to_have_accessible_description(re.compile(rf"^{re.escape(HEALTH_OVERRIDE_TEXT)}\."))
    expect(special_box).to_be_checked(checked=special)
    expect(override_box).to_be_checked(checked=override)
    # Neither hint is printed within the Article 6 question, nor above its own box.
    art6 = scope.get_by_role("group", name=ART6)
    expect(art6).not_to_contain_text("Art 9")
    expect(art6).not_to_contain_text(HEALTH_OVERRIDE_TEXT)
    for box, hint in ((special_box, "Art 9(2)(g)"), (override_box, HEALTH_OVERRIDE_TEXT)):
        item = box.locator("xpath=..")
        expect(item).to_have_class(re.compile(r"\bgovuk-checkboxes__item\b"))
        expect(item.locator(".govuk-checkboxes__hint")).to_contain_text(hint)
        box_top = box.bounding_box()
        hint_top = item.locator(".govuk-checkboxes__hint").bounding_box()
        assert box_top and hint_top and hint_top["y"] > box_top["y"], "the hint is printed below its box"


def test_screening_form_reveals_read_right_and_a_refused_form_keeps_the_lawful_basis(
    page: Page, make_user: Callable[..., Any], browser_problems: BrowserProblems
) -> None:
    screener = make_user(Role.SCREENING_MANAGER, AgencyKind.CHILDRENS_SOCIAL_CARE)
    case = make_referral().case
    sign_in(page, screener.username)
    page.goto(f"/cases/{case.pk}/screen/")
    expect(h1(page)).to_have_text(f"Screen contact {case.reference}")
    expect_furniture_in_landmarks(page)
    expect_no_aria_expanded_on_radios(page)
    refused = page.get_by_test_id("reveal-refused")
    expect(refused).to_be_hidden()

    page.get_by_label("Consent refused", exact=True).check()
    expect(refused).to_be_visible()
    expect(page.get_by_test_id("reveal-given")).to_be_hidden()
    expect_no_aria_expanded_on_radios(page)
    browser_problems.check_accessibility(page)  # the revealed questions too
    expect_basis_checkboxes_read_right(refused, special=True, override=False)

    # A manager changes every lawful-basis answer, but forgets the RAG reason: the form is refused.
    page.get_by_role("group", name="Level of need").get_by_label("Level 3: Child in need").check()
    page.get_by_role("group", name="RAG rating").get_by_label(re.compile(r"\bAmber: ")).check()
    refused.get_by_role("group", name="Who refused consent?").get_by_label(f"{MOTHER} (mother)").check()
    refused.get_by_label("Reason to share without consent (optional)").fill(BASIS_REASON)
    refused.get_by_role("group", name=ART6).get_by_label(LEGAL_OBLIGATION).check()
    refused.get_by_role("checkbox", name=SPECIAL_LABEL).uncheck()
    refused.get_by_role("checkbox", name=OVERRIDE_LABEL).check()
    page.get_by_role("button", name="Save screening").click()

    expect(error_summary(page)).to_contain_text("Give a reason for the RAG rating")
    expect(page.get_by_label("Consent refused", exact=True)).to_be_checked()
    expect(refused).to_be_visible()
    expect(refused.get_by_label("Reason to share without consent (optional)")).to_have_value(BASIS_REASON)
    expect(refused.get_by_role("group", name=ART6).get_by_label(LEGAL_OBLIGATION)).to_be_checked()
    expect(
        refused.get_by_role("group", name="Who refused consent?").get_by_label(f"{MOTHER} (mother)")
    ).to_be_checked()
    expect_basis_checkboxes_read_right(refused, special=False, override=True)
    expect_no_aria_expanded_on_radios(page)


def test_lawful_basis_page_reads_right_and_a_refused_form_keeps_every_answer(
    page: Page, make_user: Callable[..., Any], browser_problems: BrowserProblems
) -> None:
    screener = make_user(Role.SCREENING_MANAGER, AgencyKind.CHILDRENS_SOCIAL_CARE)
    case = screen(make_referral().case, screener, lawful_basis=False)
    sign_in(page, screener.username)
    page.goto(f"/consent/cases/{case.pk}/lawful-basis/")
    expect(h1(page)).to_have_text("Record a lawful basis to proceed without consent")
    expect_furniture_in_landmarks(page)
    back = page.get_by_role("navigation", name="Back")
    expect(back.get_by_role("link")).to_have_text("Back to consent and lawful basis")
    expect(
        page.get_by_role("main").get_by_role("link", name="Back to consent and lawful basis")
    ).to_have_count(0)
    expect_basis_checkboxes_read_right(page.get_by_role("main"), special=True, override=False)

    page.get_by_label("Why must information be shared without consent?").fill(BASIS_REASON)
    page.get_by_role("group", name=ART6).get_by_label(LEGAL_OBLIGATION).check()
    page.get_by_role("checkbox", name=SPECIAL_LABEL).uncheck()
    page.get_by_role("checkbox", name=OVERRIDE_LABEL).check()
    page.get_by_label("Only some agencies").check()
    agencies = page.get_by_role("group", name="Agencies covered")
    expect(agencies).to_be_visible()
    expect_no_aria_expanded_on_radios(page)
    browser_problems.check_accessibility(page)
    page.get_by_role("button", name="Save lawful basis").click()  # no agency ticked: refused

    expect(error_summary(page).get_by_role("link")).to_have_text(["Select the agencies it covers"])
    expect(page.get_by_label("Why must information be shared without consent?")).to_have_value(BASIS_REASON)
    expect(page.get_by_role("group", name=ART6).get_by_label(LEGAL_OBLIGATION)).to_be_checked()
    expect(page.get_by_label("Only some agencies")).to_be_checked()
    expect(agencies).to_be_visible()
    expect_basis_checkboxes_read_right(page.get_by_role("main"), special=False, override=True)


def test_decision_form_reveals_read_right_and_says_is_due_until_the_deadline(
    new_page: Callable[[], Page], make_user: Callable[..., Any], browser_problems: BrowserProblems
) -> None:
    screener = make_user(Role.SCREENING_MANAGER, AgencyKind.CHILDRENS_SOCIAL_CARE)
    decider = make_user(Role.DECISION_MAKER, AgencyKind.CHILDRENS_SOCIAL_CARE)
    case = screen(make_referral().case, screener)
    Case.objects.filter(pk=case.pk).update(decision_due_at=timezone.now() + timedelta(hours=2))
    page = new_page()
    sign_in(page, decider.username)
    page.goto(f"/decisions/{case.pk}/")
    expect(page.get_by_test_id("decision-due")).to_have_text(
        re.compile(r"^\s*The decision is due by \d{1,2}(:\d\d)?(am|pm) on \w+day \d{1,2} \w+ \d{4}\.\s*$")
    )
    expect_furniture_in_landmarks(page)
    expect_no_aria_expanded_on_radios(page)
    lead = page.get_by_label("Lead agency for early help")
    expect(lead).to_be_hidden()
    page.get_by_label("Early help, with a lead agency").check()
    expect(lead).to_be_visible()
    expect_no_aria_expanded_on_radios(page)
    browser_problems.check_accessibility(page)

    Case.objects.filter(pk=case.pk).update(decision_due_at=timezone.now() - timedelta(hours=2))
    page.reload()
    overdue = re.compile(r"^\s*Overdue The decision was due by ")
    expect(page.get_by_test_id("decision-due")).to_have_text(overdue)


def test_case_references_in_tables_never_break(page: Page, make_user: Callable[..., Any]) -> None:
    screener = make_user(Role.SCREENING_MANAGER, AgencyKind.CHILDRENS_SOCIAL_CARE)
    case = make_referral().case
    sign_in(page, screener.username)
    page.set_viewport_size({"width": 420, "height": 800})  # a narrow window squeezes every column
    page.goto("/cases/")
    cell = page.get_by_role("cell", name=case.reference)
    expect(cell).to_have_css("white-space", "nowrap")
    link = cell.get_by_role("link", name=case.reference)
    line_height = float(link.evaluate("el => parseFloat(getComputedStyle(el).lineHeight)"))
    box = link.bounding_box()
    assert box and box["height"] < 1.5 * line_height, f"{case.reference} is broken over two lines"
