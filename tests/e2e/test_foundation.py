"""Browser tests of the foundation: signing in and out as every role, the role switcher, changing a RAG
response time and finding it in the audit trail, GOV.UK error handling, keyboard access, and a clean
console (no script errors, no CSP violations, no missing static files) on every page visited.

Every test signs in through the real sign-in form. The expectations below are written out by hand (not
read from navigation.py or the templates) so that a change in behaviour makes a test fail.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from openmash.accounts.forms import SIGN_IN_INVALID
from openmash.accounts.models import RoleGrant
from openmash.accounts.roles import Role
from openmash.audit.catalogue import AuditAction
from openmash.audit.models import AuditEvent
from openmash.hub.models import AgencyKind, RagRating, RagResponseTime, TimeUnit
from tests.e2e.conftest import (
    PASSWORD,
    BrowserProblems,
    nav_link_texts,
    nav_links,
    service_navigation,
    sign_in,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

CSC = AgencyKind.CHILDRENS_SOCIAL_CARE
HUB_NAME = "Front Door MASH"  # applied by the `hub` fixture's front-door preset
HUB_ADMIN_NAV = [
    "Home",
    "Hub settings",
    "Agencies",
    "Specialist teams",
    "Response times",
    "Thresholds",
    "Calendar",
    "Data sources",
    "Users",
    "Retention",
]
IG_NAV = ["Home", "Audit trail", "Disclosures", "Retention"]
# Where each navigation link goes (Home goes to the role's own home page).
NAV_HREFS = {
    "Hub settings": "/hub/",
    "Agencies": "/hub/agencies/",
    "Response times": "/hub/response-times/",
    "Thresholds": "/hub/thresholds/",
    "Calendar": "/hub/calendar/",
    "Data sources": "/hub/sources/",
    "Users": "/users/",
    "Audit trail": "/audit/",
    "Disclosures": "/consent/disclosures/",
    "Retention": "/retention/",
    "Make a referral": "/referrals/new/",
    "Outcomes": "/outcomes/",
    "Screening queue": "/cases/screening/",
    "Cases": "/cases/",
    "Requests": "/requests/",
    "Ready for decision": "/decisions/",
    "Meetings": "/meetings/",
    "Specialist teams": "/teams/manage/",
    "Triage list": "/cases/triage/",
    "Teams": "/teams/",
    "Handed over": "/teams/handed-over/",
}
# Case-workflow pages are still placeholders (HTTP 501 "Not built yet"), so the tests check their links
# but only open the built pages.
BUILT_PAGES = {
    "Hub settings",
    "Agencies",
    "Response times",
    "Thresholds",
    "Calendar",
    "Data sources",
    "Users",
    "Audit trail",
    "Disclosures",
    "Retention",
    "Screening queue",
    "Cases",
    "Requests",
    "Ready for decision",
    "Meetings",
    "Specialist teams",
    "Triage list",
    "Teams",
    "Handed over",
}

# role, agency kind, home page heading ({agency} is the user's agency name), service navigation links
ROLE_CASES: list[tuple[Role, str, str, list[str]]] = [
    (Role.REFERRER, AgencyKind.EDUCATION, "Your referrals", ["Home", "Make a referral", "Outcomes"]),
    (
        Role.SCREENING_MANAGER,
        CSC,
        "Contacts to screen",
        ["Home", "Screening queue", "Triage list", "Cases", "Teams", "Thresholds"],
    ),
    (
        Role.AGENCY_RESEARCHER,
        AgencyKind.POLICE,
        "{agency}: information requests",
        ["Home", "Requests", "Teams", "Handed over", "Outcomes"],
    ),
    (
        Role.DECISION_MAKER,
        CSC,
        "Cases ready for a decision",
        ["Home", "Ready for decision", "Cases", "Thresholds"],
    ),
    (Role.MEETING_CHAIR, CSC, "Ready for discussion", ["Home", "Meetings", "Cases"]),
    (Role.IG_OFFICER, CSC, "Information governance", IG_NAV),
    (Role.PERFORMANCE_MANAGER, CSC, "Partnership performance", ["Home", "Response times"]),
    (Role.HUB_ADMINISTRATOR, CSC, "Hub administration", HUB_ADMIN_NAV),
]
ROLE_SLUG = {
    Role.REFERRER: "referrer",
    Role.SCREENING_MANAGER: "screening-manager",
    Role.AGENCY_RESEARCHER: "agency-researcher",
    Role.DECISION_MAKER: "decision-maker",
    Role.MEETING_CHAIR: "meeting-chair",
    Role.IG_OFFICER: "ig-officer",
    Role.PERFORMANCE_MANAGER: "performance-manager",
    Role.HUB_ADMINISTRATOR: "hub-administrator",
}
RED_DEFAULT = "4 working hours"  # front-door preset: red is 4 working hours, office hours only
RED_NEW = "2 hours, including out of hours"  # RagResponseTime.describe() for 2 working hours, runs OOH


def expect_identity(page: Page, *, full_name: str, agency: str, role_label: str) -> None:
    identity = page.get_by_test_id("identity")
    expect(identity.locator("strong")).to_have_text(full_name)
    expect(page.get_by_test_id("identity-agency")).to_have_text(agency)
    expect(page.get_by_test_id("identity-role")).to_have_text(role_label)


def expect_signed_out(page: Page) -> None:
    expect(page.get_by_test_id("identity")).to_have_count(0)
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)
    expect(service_navigation(page)).to_have_count(0)


def error_summary(page: Page) -> Any:
    return page.locator(".govuk-error-summary")


# 1. Every role: sign in, home page, identity bar, navigation, sign out ---------------------------------


@pytest.mark.parametrize(
    ("role", "kind", "heading", "nav"),
    ROLE_CASES,
    ids=[ROLE_SLUG[case[0]] for case in ROLE_CASES],
)
def test_each_role_signs_in_sees_its_home_and_navigation_then_signs_out(
    page: Page, make_user: Callable[..., Any], role: Role, kind: str, heading: str, nav: list[str]
) -> None:
    person = make_user(role, kind)
    agency = person.agency.name
    assert person.agency.kind == kind

    sign_in(page, person.username)

    expect(page).to_have_url(re.compile(rf"/home/{ROLE_SLUG[role]}/$"))
    expect(page).to_have_title(f"{role.label} – OpenMASH")
    expect(page.get_by_role("heading", level=1)).to_have_text(heading.format(agency=agency))
    expect_identity(page, full_name=person.get_full_name(), agency=agency, role_label=role.label)
    expect(page.locator(".govuk-service-navigation__service-name")).to_have_text(HUB_NAME)
    home = f"/home/{ROLE_SLUG[role]}/"
    assert nav_links(page) == [(label, home if label == "Home" else NAV_HREFS[label]) for label in nav]
    expect(service_navigation(page).locator("[aria-current=page]")).to_have_text(["Home"])
    # One role held, so nothing to switch to.
    expect(page.get_by_role("button", name="Change role")).to_have_count(0)

    # Every built page in the navigation opens for this role (a 403 or 404 fails the test via the
    # browser guard) and its link marks itself as the current page.
    for label in [label for label in nav if label in BUILT_PAGES]:
        service_navigation(page).get_by_role("link", name=label, exact=True).click()
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        expect(service_navigation(page).get_by_role("link", name=label, exact=True)).to_have_attribute(
            "aria-current", "page"
        )
        assert nav_link_texts(page) == nav
    service_navigation(page).get_by_role("link", name="Home", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(heading.format(agency=agency))

    page.get_by_role("button", name="Sign out").click()

    expect(page).to_have_url(re.compile(r"/sign-in/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in to OpenMASH")
    expect(page.locator(".govuk-notification-banner__heading")).to_have_text("You have signed out.")
    expect_signed_out(page)
    # Really signed out: the home page sends us back to sign in.
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/sign-in/\?next=/$"))
    expect(page.locator(".govuk-notification-banner")).to_have_count(0)


def test_only_the_section_being_viewed_is_marked_current(page: Page, make_user: Callable[..., Any]) -> None:
    admin = make_user(Role.HUB_ADMINISTRATOR)
    sign_in(page, admin.username)
    for label in HUB_ADMIN_NAV[1:]:
        service_navigation(page).get_by_role("link", name=label, exact=True).click()
        expect(service_navigation(page).locator("[aria-current=page]")).to_have_text([label], timeout=1_000)


# 2. Response times: change, success, audit trail; validation ------------------------------------------


def test_admin_changes_red_response_time_and_ig_officer_finds_it_in_the_audit_trail(
    new_page: Callable[[], Page], make_user: Callable[..., Any]
) -> None:
    # The expected text is what the model says for 2 working hours running out of hours.
    assert (
        RagResponseTime(amount=2, unit=TimeUnit.WORKING_HOURS, runs_out_of_hours=True).describe() == RED_NEW
    )
    admin = make_user(Role.HUB_ADMINISTRATOR)
    ig_officer = make_user(Role.IG_OFFICER)

    page = new_page()
    sign_in(page, admin.username)
    service_navigation(page).get_by_role("link", name="Response times", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("RAG response times")
    expect(page.get_by_test_id("response-time-red")).to_have_text(RED_DEFAULT)
    amber = page.get_by_test_id("response-time-amber").inner_text()
    green = page.get_by_test_id("response-time-green").inner_text()

    page.get_by_role("link", name="Change red response time").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Red response time")
    expect(page.get_by_label("Response time", exact=True)).to_have_value("4")
    page.get_by_label("Response time", exact=True).fill("2")
    page.get_by_role("group", name="Counted in").get_by_label("working hours").check()
    page.get_by_role("group", name="Does the clock run out of hours?").get_by_label("Yes").check()
    page.get_by_role("button", name="Save").click()

    expect(page).to_have_url(re.compile(r"/hub/response-times/$"))
    banner = page.locator(".govuk-notification-banner--success")
    expect(banner.locator(".govuk-notification-banner__title")).to_have_text("Success")
    expect(banner.locator(".govuk-notification-banner__heading")).to_have_text(
        f"Red response time saved: {RED_NEW}."
    )
    expect(page.get_by_test_id("response-time-red")).to_have_text(RED_NEW)
    expect(page.get_by_test_id("response-time-amber")).to_have_text(amber)
    expect(page.get_by_test_id("response-time-green")).to_have_text(green)
    # The hub administrator's home page summarises the new value too.
    service_navigation(page).get_by_role("link", name="Home", exact=True).click()
    expect(page.locator(".govuk-summary-list__row", has_text="Red response time")).to_contain_text(RED_NEW)

    # Another person, in their own browser context, reads the audit trail.
    ig_page = new_page()
    sign_in(ig_page, ig_officer.username)
    expect(ig_page.get_by_role("heading", level=1)).to_have_text("Information governance")
    service_navigation(ig_page).get_by_role("link", name="Audit trail", exact=True).click()
    expect(ig_page.get_by_role("heading", level=1)).to_have_text("Audit trail")
    ig_page.get_by_label("Action").select_option(label="RAG response time changed")
    ig_page.get_by_role("button", name="Filter").click()

    expect(ig_page).to_have_url(re.compile(r"[?&]action=hub\.rag_response_time_changed(&|$)"))
    expect(ig_page.get_by_label("Action")).to_have_value(AuditAction.RAG_RESPONSE_TIME_CHANGED.value)
    rows = ig_page.get_by_test_id("audit-events").locator("tbody tr")
    expect(rows).to_have_count(1)
    cells = rows.first.locator("td")
    expect(cells.nth(3)).to_have_text("RAG response time changed")
    assert cells.nth(2).inner_text().splitlines()[0].strip() == admin.username
    expect(cells.nth(2)).to_contain_text(admin.agency.name)
    expect(cells.nth(4)).to_contain_text("hub.ragresponsetime")
    expect(cells.nth(5)).to_contain_text(RED_NEW)


def test_response_time_form_shows_gov_uk_errors_and_saves_nothing(
    page: Page, make_user: Callable[..., Any]
) -> None:
    admin = make_user(Role.HUB_ADMINISTRATOR)
    red = RagResponseTime.objects.get(rating=RagRating.RED)
    sign_in(page, admin.username)
    page.goto("/hub/response-times/red/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Red response time")
    expect(error_summary(page)).to_have_count(0)
    expect(page).to_have_title("Red response time – OpenMASH")

    amount = page.get_by_label("Response time", exact=True)
    for value, message in [
        ("abc", "Response time must be a whole number"),
        ("", "Enter response time"),
        ("0", "Response time must be at least 1"),
    ]:
        page.get_by_label("Response time", exact=True).fill(value)
        page.get_by_role("group", name="Does the clock run out of hours?").get_by_label("Yes").check()
        page.get_by_role("button", name="Save").click()

        expect(page).to_have_title("Error: Red response time – OpenMASH")
        expect(error_summary(page).get_by_role("heading", level=2)).to_have_text("There is a problem")
        links = error_summary(page).get_by_role("link")
        expect(links).to_have_text([message])
        expect(links.first).to_have_attribute("href", "#id_amount")
        expect(page.locator("#div_id_amount .govuk-error-message")).to_have_text(f"Error: {message}")
        expect(amount).to_have_attribute("aria-invalid", "true")
        expect(amount).to_have_value(value)
        expect(page.locator(".govuk-notification-banner--success")).to_have_count(0)
        # GOV.UK Frontend's error summary is focused on load, and its link moves focus to the field.
        expect(error_summary(page)).to_be_focused()
        links.first.click()
        expect(amount).to_be_focused()

    page.get_by_role("link", name="Cancel").click()
    expect(page.get_by_test_id("response-time-red")).to_have_text(RED_DEFAULT)
    red.refresh_from_db()
    assert (red.amount, red.unit, red.runs_out_of_hours, red.version) == (4, TimeUnit.WORKING_HOURS, False, 1)
    assert not AuditEvent.objects.filter(action=AuditAction.RAG_RESPONSE_TIME_CHANGED).exists()


# 3. Sign-in errors and keyboard access ----------------------------------------------------------------


def test_wrong_password_shows_gov_uk_error_and_does_not_sign_in(
    page: Page, make_user: Callable[..., Any]
) -> None:
    person = make_user(Role.REFERRER, AgencyKind.EDUCATION)

    for username, password in [
        (person.username, "not-the-right-password"),
        ("nobody-here", "whatever-it-is"),
    ]:
        sign_in(page, username, password)
        expect(page).to_have_url(re.compile(r"/sign-in/$"))
        expect(page).to_have_title(re.compile(r"^Error: "))
        expect(page).to_have_title("Error: Sign in – OpenMASH")
        expect(error_summary(page).get_by_role("heading", level=2)).to_have_text("There is a problem")
        links = error_summary(page).get_by_role("link")
        expect(links).to_have_text([SIGN_IN_INVALID])  # same message for an unknown username
        expect(links.first).to_have_attribute("href", "#id_username")
        expect(page.get_by_label("Password")).to_have_value("")
        expect_signed_out(page)

    # Empty form: one message per field, each linked to its field.
    page.get_by_label("Username").fill("")
    page.get_by_role("button", name="Sign in", exact=True).click()
    links = error_summary(page).get_by_role("link")
    expect(links).to_have_text(["Enter your username", "Enter your password"])
    expect(links.nth(0)).to_have_attribute("href", "#id_username")
    expect(links.nth(1)).to_have_attribute("href", "#id_password")
    expect_signed_out(page)

    page.goto("/")
    expect(page).to_have_url(re.compile(r"/sign-in/\?next=/$"))
    expect(error_summary(page)).to_have_count(0)
    expect(page).to_have_title("Sign in – OpenMASH")
    assert not AuditEvent.objects.filter(action=AuditAction.SIGNED_IN).exists()
    assert AuditEvent.objects.filter(action=AuditAction.SIGN_IN_FAILED).count() == 3


def test_first_tab_on_the_sign_in_page_reaches_skip_link(page: Page) -> None:
    page.goto("/sign-in/")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to main content")).to_be_focused(timeout=1_000)


def test_first_tab_reaches_skip_link_which_moves_focus_to_main_content(
    page: Page, make_user: Callable[..., Any]
) -> None:
    person = make_user(Role.MEETING_CHAIR)
    sign_in(page, person.username)
    expect(page.get_by_role("heading", level=1)).to_have_text("Ready for discussion")
    page.reload()  # start from a fresh page load, focus on the document
    skip = page.get_by_role("link", name="Skip to main content")
    page.keyboard.press("Tab")
    expect(skip).to_be_focused()
    expect(skip).to_have_attribute("href", "#main-content")
    page.keyboard.press("Enter")
    expect(page.locator("main#main-content")).to_be_focused()


def test_sign_in_returns_to_the_page_asked_for(page: Page, make_user: Callable[..., Any]) -> None:
    admin = make_user(Role.HUB_ADMINISTRATOR)
    page.goto("/hub/calendar/")
    expect(page).to_have_url(re.compile(r"/sign-in/\?next=/hub/calendar/$"))
    page.get_by_label("Username").fill(admin.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page).to_have_url(re.compile(r"/hub/calendar/$"))
    expect(page.get_by_test_id("identity-role")).to_have_text("Hub administrator")


# 4. Switching role ------------------------------------------------------------------------------------


def test_person_with_two_roles_switches_role_from_the_header(
    page: Page, make_user: Callable[..., Any]
) -> None:
    person = make_user(Role.HUB_ADMINISTRATOR)
    RoleGrant.objects.create(user=person, role=Role.IG_OFFICER)
    agency = person.agency.name
    switcher = page.get_by_label("Working as")

    sign_in(page, person.username)
    # Roles are listed in catalogue order; the first is where a person starts.
    expect(page).to_have_url(re.compile(r"/home/ig-officer/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Information governance")
    expect_identity(page, full_name=person.get_full_name(), agency=agency, role_label=Role.IG_OFFICER.label)
    assert nav_link_texts(page) == IG_NAV
    expect(switcher.locator("option")).to_have_text(["Information governance officer", "Hub administrator"])
    expect(switcher).to_have_value(Role.IG_OFFICER.value)

    switcher.select_option(label="Hub administrator")
    page.get_by_role("button", name="Change role").click()

    expect(page).to_have_url(re.compile(r"/home/hub-administrator/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Hub administration")
    expect_identity(page, full_name=person.get_full_name(), agency=agency, role_label="Hub administrator")
    assert nav_link_texts(page) == HUB_ADMIN_NAV
    expect(switcher).to_have_value(Role.HUB_ADMINISTRATOR.value)

    # The chosen role sticks while moving around, and can be changed from any page.
    service_navigation(page).get_by_role("link", name="Response times", exact=True).click()
    expect(page.get_by_test_id("identity-role")).to_have_text("Hub administrator")
    assert nav_link_texts(page) == HUB_ADMIN_NAV
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/home/hub-administrator/$"))

    page.get_by_label("Working as").select_option(label="Information governance officer")
    page.get_by_role("button", name="Change role").click()
    expect(page).to_have_url(re.compile(r"/home/ig-officer/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Information governance")
    expect(page.get_by_test_id("identity-role")).to_have_text("Information governance officer")
    assert nav_link_texts(page) == IG_NAV

    assert AuditEvent.objects.filter(action=AuditAction.ROLE_SWITCHED).count() == 2


def test_role_not_valid_in_the_agency_is_not_offered(page: Page, make_user: Callable[..., Any]) -> None:
    # Screening manager is a children's social care role; granted to a police officer it does not count.
    person = make_user(Role.REFERRER, AgencyKind.POLICE)
    RoleGrant.objects.create(user=person, role=Role.SCREENING_MANAGER)

    sign_in(page, person.username)
    expect(page).to_have_url(re.compile(r"/home/referrer/$"))
    expect(page.get_by_test_id("identity-role")).to_have_text("Referrer")
    expect(page.get_by_role("button", name="Change role")).to_have_count(0)
    assert nav_link_texts(page) == ["Home", "Make a referral", "Outcomes"]
    # Out-of-band request so the expected 403 is not reported as a browser problem.
    assert page.request.get("/home/screening-manager/").status == 403
    assert page.request.get("/hub/thresholds/").status == 403


# 5. The browser guard itself --------------------------------------------------------------------------


def test_pages_send_a_strict_csp_and_the_guard_catches_violations_and_missing_static_files(
    new_page: Callable[[], Page], browser_problems: BrowserProblems
) -> None:
    page = new_page()
    response = page.goto("/sign-in/")
    assert response is not None and response.ok
    csp = response.headers["content-security-policy"]
    assert re.search(r"script-src 'self' 'nonce-[^']+'", csp), csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    browser_problems.assert_none()

    # A page under the site's own CSP with an inline script (no nonce) and a missing stylesheet.
    page.route(
        "**/e2e-guard-probe/",
        lambda route: route.fulfill(
            status=200,
            headers={"Content-Type": "text/html; charset=utf-8", "Content-Security-Policy": csp},
            body="<!DOCTYPE html><title>probe</title>"
            '<link rel="stylesheet" href="/static/openmash/no-such-file.css">'
            "<script>document.title = 'inline script ran'</script>",
        ),
    )
    with page.expect_console_message(lambda m: "Content Security Policy" in m.text):
        with page.expect_response("**/static/openmash/no-such-file.css"):
            page.goto("/e2e-guard-probe/")
    expect(page).to_have_title("probe")

    caught = "\n".join(browser_problems.items)
    browser_problems.items.clear()  # these were provoked on purpose
    assert "Content Security Policy" in caught, caught
    assert re.search(r"HTTP [45]\d\d for GET \S+/static/openmash/no-such-file\.css", caught), caught
