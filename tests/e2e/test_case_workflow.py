"""Browser tests of the case workflow: a referral from the form to closure, passed between five people
(referrer, screening manager, two agency researchers, decision maker), each in their own browser
context and signed in through the real sign-in page; the screening form's error handling; and two
researchers editing one return at once.

The expected words are written out by hand (not read from the templates) so that a change in what a
person sees makes a test fail. Deadlines depend on the clock and the hub's calendar, so they are
formatted from the stored due times with the app's own formatter.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import Locator, Page, expect

from openmash.accounts.roles import Role
from openmash.cases.models import Case, CaseStatus
from openmash.cases.tests.helpers import make_referral, screen
from openmash.consent.models import ConsentRecord
from openmash.enquiries.models import HistoryItem, InformationRequest, RequestStatus
from openmash.hub.calendar_format import format_deadline
from openmash.hub.models import AgencyKind, HubConfiguration, RagRating
from openmash.referrals.models import Referral
from tests.e2e.conftest import service_navigation, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

CSC = AgencyKind.CHILDRENS_SOCIAL_CARE
CHILD = "Jayden Whitmore"
MOTHER = "Kerry Whitmore"
CONCURRENT_EDIT = (  # openmash.core.errors.CONCURRENT_EDIT, written out
    "Someone else changed this record while you were editing it. "
    "Your changes have not been saved: reload the page to see theirs, then make your changes again."
)
CHILD_NHS = "9990000018"  # synthetic range 999, check digit 8
CONCERNS = "Jayden has come to school hungry on four mornings this fortnight and has a bruise on his arm."
RAG_REASON = "Bruising and hunger reported by school; mother recently disclosed domestic abuse."
RATIONALE = "Police hold a recent domestic abuse incident at the home; the needs meet level 3."
POLICE_SUMMARY = "One domestic abuse incident at the home address in the last two months."
POLICE_RISKS = "Father has a history of violence towards previous partners."
POLICE_PROTECTIVE = "Mother engaged with the domestic abuse support worker."
HISTORY_DESCRIPTION = "Officers attended a verbal argument; the child was present upstairs."
HISTORY_SOURCE = "INC-2026-004417"
OUTCOME = "Child in need assessment (s.17)"
LEVEL_3 = "Level 3: Child in need"
LEVEL_2 = "Level 2: Early help"


# Helpers -------------------------------------------------------------------------------------------


def h1(page: Page) -> Locator:
    return page.get_by_role("heading", level=1)


def success_banner(page: Page) -> Locator:
    return page.locator(".govuk-notification-banner--success .govuk-notification-banner__heading")


def error_summary(page: Page) -> Locator:
    return page.locator(".govuk-error-summary")


def go(page: Page, nav_label: str) -> None:
    service_navigation(page).get_by_role("link", name=nav_label, exact=True).click()


def summary_value(scope: Locator | Page, key: str) -> Locator:
    """The value cell of the GOV.UK summary-list row whose key is `key`."""
    page = scope if isinstance(scope, Page) else scope.page
    key_cell = page.locator(".govuk-summary-list__key", has_text=re.compile(rf"^\s*{re.escape(key)}\s*$"))
    row = scope.locator(".govuk-summary-list__row").filter(has=key_cell)
    return row.locator(".govuk-summary-list__value")


def signed_in_page(new_page: Callable[[], Page], user: Any, home_heading: str) -> Page:
    page = new_page()
    sign_in(page, user.username)
    expect(h1(page)).to_have_text(home_heading)
    return page


def give_consent(page: Page) -> None:
    """In the screening form's "Consent given" reveal: the mother, for the household, naming health."""
    page.get_by_role("group", name="Who gave consent?").get_by_label(f"{MOTHER} (mother)").check()
    page.get_by_role("group", name="Who is the consent for?").get_by_label("The whole household").check()
    page.get_by_label("Health information was named specifically").check()
    how = page.get_by_role("group", name="How was the person told how their information will be used?")
    how.get_by_label("Verbally").check()  # the same question under "Consent refused" is hidden


def download_note(page: Page, case_reference: str) -> tuple[str, str]:
    """Download the outcome note from the Outcomes page: (suggested file name, text)."""
    link = page.get_by_role("link", name=f"Download note for case {case_reference}")
    with page.expect_download() as info:
        link.click()
    download = info.value
    assert download.failure() is None, download.failure()
    return download.suggested_filename, Path(download.path()).read_text(encoding="utf-8")


# 1. One referral from the form to closure, with five people ------------------------------------------


def test_referral_to_closure_with_five_people(
    new_page: Callable[[], Page], make_user: Callable[..., Any]
) -> None:
    referrer = make_user(Role.REFERRER, AgencyKind.EDUCATION, first_name="Amira", last_name="Okafor")
    screener = make_user(Role.SCREENING_MANAGER, CSC, first_name="Sam", last_name="Reid")
    police = make_user(Role.AGENCY_RESEARCHER, AgencyKind.POLICE, first_name="Pat", last_name="Cole")
    health = make_user(Role.AGENCY_RESEARCHER, AgencyKind.HEALTH, first_name="Hana", last_name="Shah")
    decider = make_user(Role.DECISION_MAKER, CSC, first_name="Dee", last_name="Mensah")
    assert referrer.agency.name == "Education"

    # (a) The referrer at the school fills in the referral form and sends it.
    ref_page = signed_in_page(new_page, referrer, "Your referrals")
    go(ref_page, "Make a referral")
    expect(h1(ref_page)).to_have_text("Make a referral")
    expect(ref_page.get_by_label("Your full name")).to_have_value("Amira Okafor")  # prefilled
    # Not the kind of agency ("Education"): her own school, which she names on her first referral.
    expect(ref_page.get_by_label("Your organisation")).to_have_value("")
    ref_page.get_by_label("Your organisation").fill("Northshire Primary School")
    # The front door covers adults at risk: the form asks about the person you are worried about.
    child = ref_page.get_by_role("group", name="Person 1", exact=True)
    child.get_by_label("First name").fill("Jayden")
    child.get_by_label("Last name").fill("Whitmore")
    child.get_by_label("Day").fill("4")
    child.get_by_label("Month").fill("5")
    child.get_by_label("Year").fill("2018")
    child.get_by_label("Male", exact=True).check()
    child.get_by_label("NHS number (optional)").fill(CHILD_NHS)
    mother = ref_page.get_by_role("group", name="Household member 1", exact=True)
    mother.get_by_label("First name").fill("Kerry")
    mother.get_by_label("Last name").fill("Whitmore")
    mother.get_by_label("Relationship to the person you are worried about").select_option(label="Mother")
    ref_page.get_by_label("What are you worried about?").fill(CONCERNS)
    ref_page.get_by_role("group", name="What kinds of concern are these?").get_by_label(
        "Neglect", exact=True
    ).check()
    ref_page.get_by_role("group", name="What level of need do you think the person has?").get_by_label(
        LEVEL_2
    ).check()
    ref_page.get_by_label("The family knows and agrees").check()
    ref_page.get_by_role("button", name="Send referral").click()

    expect(success_banner(ref_page)).to_have_text(
        re.compile(r"^Referral sent: your reference is R-\d{4}-\d{5}$")
    )
    referral_ref = success_banner(ref_page).inner_text().rsplit(" ", 1)[-1]
    expect(h1(ref_page)).to_have_text(f"Referral {referral_ref}")
    expect(ref_page.get_by_test_id("referral-status")).to_contain_text("Received")
    expect(ref_page.get_by_test_id("no-outcome-yet")).to_be_visible()
    child_card = ref_page.locator(".govuk-summary-card", has=ref_page.get_by_role("heading", name=CHILD))
    expect(summary_value(child_card, "NHS number")).to_have_text(CHILD_NHS)
    expect(summary_value(child_card, "Date of birth")).to_have_text("4 May 2018")
    mother_card = ref_page.locator(".govuk-summary-card", has=ref_page.get_by_role("heading", name="Mother"))
    expect(summary_value(mother_card, "Name")).to_have_text(MOTHER)
    expect(summary_value(ref_page, "What the referrer is worried about")).to_have_text(CONCERNS)
    expect(summary_value(ref_page, "Level of need suggested")).to_have_text(LEVEL_2)
    expect(summary_value(ref_page, "Does the family know?")).to_have_text("The family knows and agrees")
    referral = Referral.objects.get(reference=referral_ref)
    case_ref = referral.case.reference
    expect(summary_value(ref_page, "Case reference")).to_contain_text(case_ref)

    # (b) The screening manager screens it: level 3, amber, MASH enquiry to police and health only.
    sm_page = signed_in_page(new_page, screener, "Contacts to screen")
    go(sm_page, "Screening queue")
    expect(h1(sm_page)).to_have_text("Screening queue")
    row = sm_page.get_by_test_id("queue-row").filter(has_text=case_ref)
    expect(row.get_by_test_id("child")).to_have_text(CHILD)
    row.get_by_role("link", name=f"Screen contact for {CHILD} ({case_ref})").click()
    expect(h1(sm_page)).to_have_text(f"Screen contact {case_ref}")
    expect(sm_page.get_by_text(CONCERNS)).to_be_visible()
    sm_page.get_by_role("group", name="Level of need").get_by_label(LEVEL_3).check()
    sm_page.get_by_label("Domestic abuse in the household", exact=True).check()
    sm_page.get_by_role("group", name="RAG rating").get_by_label(re.compile(r"\bAmber: ")).check()
    sm_page.get_by_label("Reason for the rating").fill(RAG_REASON)
    # The mother consents for the household, naming health information, so health may be asked too.
    sm_page.get_by_label("Consent given", exact=True).check()
    give_consent(sm_page)
    sm_page.get_by_role("group", name="Route").get_by_label("MASH enquiry", exact=True).check()
    agencies = sm_page.get_by_role("group", name="Agencies to ask for information")
    # The hub's core agencies start ticked: untick all but police and health.
    expect(agencies.get_by_label("Education", exact=True)).to_be_checked()
    expect(agencies.get_by_label("Early Help", exact=True)).to_be_checked()
    for box in agencies.get_by_role("checkbox").all():
        box.uncheck()
    agencies.get_by_label("Police", exact=True).check()
    agencies.get_by_label("Health", exact=True).check()
    sm_page.get_by_role("button", name="Save screening").click()

    expect(h1(sm_page)).to_have_text(f"Case {case_ref}")
    requests = list(InformationRequest.objects.filter(case__reference=case_ref).select_related("agency"))
    assert sorted(r.agency.name for r in requests) == ["Health", "Police"]
    assert len({r.due_at for r in requests}) == 1  # same rating, same deadline
    due = format_deadline(requests[0].due_at)
    assert re.match(r"^\d{1,2}(:\d\d)?[ap]m on \w+day \d{1,2} \w+ \d{4}$", due), due
    expect(success_banner(sm_page)).to_have_text(
        f"{case_ref} screened: MASH enquiry, rated amber. "
        f"Information requested from Health and Police by {due}."
    )
    expect(sm_page.get_by_test_id("status")).to_have_text("Gathering information")
    expect(sm_page.get_by_test_id("waiting-warning")).to_have_count(0)
    consent = ConsentRecord.objects.get(case__reference=case_ref)
    assert (str(consent.given_by), consent.for_whom, consent.includes_health) == (MOTHER, "household", True)
    assert (consent.informed_how, consent.privacy_notice_version) == ("verbal", "2026-04")
    # No order is set for the agencies asked (see the report): accept either.
    expect(summary_value(sm_page.get_by_test_id("screening"), "Agencies asked")).to_have_text(
        re.compile(r"^(Health, Police|Police, Health)$")
    )

    # (c) A police researcher takes the request and returns what the police know, with one history item.
    police_page = signed_in_page(new_page, police, "Police: information requests")
    go(police_page, "Requests")
    expect(h1(police_page)).to_have_text("Information requests")
    row = police_page.get_by_test_id("request-row").filter(has_text=case_ref)
    expect(row).to_contain_text(CHILD)
    expect(row).to_contain_text("Not started")
    expect(row).to_contain_text("Nobody yet")
    row.get_by_role("link", name=re.compile(rf"^{case_ref}")).click()
    expect(h1(police_page)).to_have_text(f"Information request about {CHILD}")
    expect(police_page.get_by_test_id("concerns")).to_have_text(CONCERNS)
    police_page.get_by_role("button", name="Take this request").click()
    expect(success_banner(police_page)).to_have_text(f"You have taken the request for case {case_ref}.")
    expect(police_page.get_by_test_id("taken-by")).to_contain_text("Pat Cole")
    police_page.get_by_label("Summary of what your agency knows").fill(POLICE_SUMMARY)
    police_page.get_by_label("Risk factors").fill(POLICE_RISKS)
    police_page.get_by_label("Protective factors").fill(POLICE_PROTECTIVE)
    when = timezone.localdate() - timedelta(days=40)
    item = police_page.get_by_role("group", name="History item 1", exact=True)
    item.get_by_label("Day").fill(str(when.day))
    item.get_by_label("Month").fill(str(when.month))
    item.get_by_label("Year").fill(str(when.year))
    item.get_by_label("Type").select_option(label="Domestic abuse incident")
    item.get_by_label("What happened").fill(HISTORY_DESCRIPTION)
    item.get_by_label("High", exact=True).check()
    item.get_by_label("Source reference").fill(HISTORY_SOURCE)
    police_page.get_by_role("button", name="Submit return").click()
    expect(success_banner(police_page)).to_have_text(f"Return sent to the hub for case {case_ref}.")
    expect(police_page.get_by_test_id("empty-queue")).to_have_text("There are no open requests for Police.")

    # (d) A health researcher sends a nil return.
    health_page = signed_in_page(new_page, health, "Health: information requests")
    go(health_page, "Requests")
    health_page.get_by_test_id("request-row").filter(has_text=case_ref).get_by_role(
        "link", name=re.compile(rf"^{case_ref}")
    ).click()
    expect(h1(health_page)).to_have_text(f"Information request about {CHILD}")
    health_page.get_by_label("I have searched our systems and this family is not known").check()
    health_page.get_by_role("button", name="Send nil return").click()
    expect(success_banner(health_page)).to_have_text(
        f"Nil return sent for case {case_ref}: not known to Health."
    )

    # (e) The decision maker finds the case ready and records the decision.
    dm_page = signed_in_page(new_page, decider, "Cases ready for a decision")
    go(dm_page, "Ready for decision")
    expect(h1(dm_page)).to_have_text("Cases for decision")
    row = dm_page.get_by_test_id("ready").get_by_test_id("queue-row").filter(has_text=case_ref)
    expect(row).to_contain_text(CHILD)
    expect(row.get_by_test_id("returns")).to_have_text("2 of 2 returned")
    expect(row.get_by_test_id("next-due")).to_have_text("All returned")
    expect(dm_page.get_by_test_id("no-gathering")).to_be_visible()
    row.get_by_role("link", name=re.compile(rf"^{case_ref}")).click()
    expect(h1(dm_page)).to_have_text("Record the decision")
    expect(dm_page.get_by_test_id("referrer-level")).to_have_text("Level 2")
    expect(dm_page.get_by_test_id("outstanding")).to_have_count(0)
    dm_page.get_by_label(OUTCOME).check()
    dm_page.get_by_role("group", name="Level of need decided").get_by_label(LEVEL_3).check()
    dm_page.get_by_label("Reasons for the decision").fill(RATIONALE)
    dm_page.get_by_role("group", name="Police's view").get_by_label("Agrees", exact=True).check()
    dm_page.get_by_role("group", name="Health's view").get_by_label("Agrees", exact=True).check()
    # One action row to start with; "Add another action" brings a second, keeping what was typed.
    first = dm_page.get_by_role("group", name="Action 1")
    first.get_by_label("Action", exact=True).fill("Start the child and family assessment")
    first.get_by_label("Owner", exact=True).fill("Duty social worker")
    for part, value in (("Day", "4"), ("Month", "12"), ("Year", str(timezone.localdate().year + 1))):
        first.get_by_label(part).fill(value)
    expect(dm_page.get_by_role("group", name="Action 2")).to_have_count(0)
    dm_page.get_by_role("button", name="Add another action").click()
    second = dm_page.get_by_role("group", name="Action 2")
    expect(second).to_be_in_viewport()  # the page lands on the new row
    expect(dm_page).to_have_url(re.compile(r"#action-2$"))
    expect(dm_page.get_by_test_id("error-summary")).to_have_count(0)
    expect(dm_page.get_by_label("Reasons for the decision")).to_have_value(RATIONALE)
    expect(first.get_by_label("Owner", exact=True)).to_have_value("Duty social worker")
    second.get_by_label("Action", exact=True).fill("Share the police history with the assessing worker")
    second.get_by_label("Owner", exact=True).fill("PC Jones")
    for part, value in (("Day", "7"), ("Month", "12"), ("Year", str(timezone.localdate().year + 1))):
        second.get_by_label(part).fill(value)
    second.get_by_label("Year").press("Enter")  # Enter in a text box records the decision, adds no row
    expect(success_banner(dm_page)).to_have_text(
        "Decision recorded. The outcome has been sent to the referrer and 2 agencies."
    )

    # (f) The case page: closed (the outcome went out by e-mail), the returns and the decision.
    expect(h1(dm_page)).to_have_text(f"Case {case_ref}")
    expect(dm_page.get_by_test_id("status")).to_have_text("Closed")
    police_card = dm_page.get_by_test_id("case-request").filter(
        has=dm_page.get_by_role("heading", name="Police", exact=True)
    )
    expect(police_card).to_contain_text("Returned")
    expect(police_card.get_by_test_id("return-summary")).to_have_text(POLICE_SUMMARY)
    expect(summary_value(police_card, "Risk factors")).to_have_text(POLICE_RISKS)
    expect(summary_value(police_card, "Protective factors")).to_have_text(POLICE_PROTECTIVE)
    history_cells = police_card.get_by_test_id("history-table").locator("tbody tr td")
    expect(history_cells).to_have_text(
        [f"{when.day} {when:%B %Y}", "Domestic abuse incident", HISTORY_DESCRIPTION, "High", HISTORY_SOURCE]
    )
    health_card = dm_page.get_by_test_id("case-request").filter(
        has=dm_page.get_by_role("heading", name="Health", exact=True)
    )
    expect(health_card.get_by_test_id("nil-return")).to_have_text(
        "Health searched its systems: this family is not known to them."
    )
    decision = dm_page.get_by_test_id("case-decision")
    expect(decision.get_by_test_id("decision-outcome")).to_have_text(OUTCOME)
    expect(decision.get_by_test_id("decision-level")).to_contain_text(LEVEL_3)
    expect(decision.get_by_test_id("level-change")).to_have_text("Escalated")  # referrer said level 2
    expect(decision.get_by_test_id("decision-level")).to_contain_text("The referrer's view was level 2.")
    expect(decision.get_by_test_id("decision-rationale")).to_have_text(RATIONALE)
    expect(decision.get_by_test_id("decision-by")).to_contain_text("Dee Mensah, Children's Social Care")
    views = decision.get_by_test_id("decision-views").locator("tbody tr")
    expect(views).to_have_count(2)
    for agency in ("Police", "Health"):
        expect(views.filter(has_text=agency).locator("td")).to_have_text(["Agrees", "No comment"])
    actions = decision.get_by_test_id("decision-actions").locator("tbody tr")
    expect(actions).to_have_count(2)
    expect(actions.nth(1)).to_contain_text("PC Jones")
    feedback = dm_page.get_by_test_id("case-feedback")
    expect(
        feedback.locator("tbody tr").filter(has_text="Referrer: Amira Okafor, Northshire Primary School")
    ).to_contain_text("Sent")
    assert [m.to for m in mail.outbox if case_ref in m.subject] == [[referrer.email]]

    # (g) The referrer sees the outcome on the referral page, at home and on the Outcomes page.
    ref_page.reload()
    expect(ref_page.get_by_test_id("referral-status")).to_contain_text("Outcome sent")
    outcome = ref_page.get_by_test_id("referral-outcome")
    expect(summary_value(outcome, "Outcome")).to_have_text(OUTCOME)
    expect(summary_value(outcome, "Level of need decided")).to_contain_text(LEVEL_3)
    expect(summary_value(outcome, "Level of need decided")).to_contain_text(
        f"The referral suggested {LEVEL_2}"
    )
    expect(summary_value(outcome, "Decided by")).to_contain_text("Dee Mensah")
    go(ref_page, "Home")
    expect(h1(ref_page)).to_have_text("Your referrals")
    home_row = ref_page.get_by_test_id("your-referrals").locator("tbody tr").filter(has_text=referral_ref)
    expect(home_row).to_contain_text(CHILD)
    expect(home_row).to_contain_text("Outcome sent")
    expect(home_row).to_contain_text(OUTCOME)
    unread = ref_page.get_by_test_id("unread-outcomes")
    expect(unread).to_have_text("1 new outcome of your referrals.")
    unread.get_by_role("link", name="1 new outcome").click()
    expect(h1(ref_page)).to_have_text("Outcomes")
    ref_row = ref_page.get_by_test_id("outcomes").locator("tbody tr")
    expect(ref_row).to_have_count(1)
    expect(ref_row).to_contain_text(case_ref)
    expect(ref_row).to_contain_text(referral_ref)
    expect(ref_row).to_contain_text(OUTCOME)
    expect(ref_row).to_contain_text("New")

    # (h) Each researcher sees the outcome for their agency and downloads the outcome note.
    for page, agency in ((police_page, "Police"), (health_page, "Health")):
        go(page, "Outcomes")
        expect(h1(page)).to_have_text("Outcomes")
        rows = page.get_by_test_id("outcomes").locator("tbody tr")
        expect(rows).to_have_count(1)
        expect(rows).to_contain_text(case_ref)
        expect(rows).to_contain_text(OUTCOME)
        expect(rows).to_contain_text(LEVEL_3)
        filename, text = download_note(page, case_ref)
        assert filename == f"outcome-note-{case_ref}-{agency.lower()}.txt"
        assert text.startswith("OFFICIAL-SENSITIVE"), text[:200]
        assert "OFFICIAL-SENSITIVE" in text.rstrip().splitlines()[-1]
        assert f"Case reference:      {case_ref}" in text
        assert f"{agency} (an agency asked for information)" in text
        assert f"Outcome:             {OUTCOME}" in text
        assert CHILD not in text and "Whitmore" not in text  # the note holds no details of the family


# 2. The screening form's errors --------------------------------------------------------------------


def test_screening_form_shows_errors_and_keeps_input(page: Page, make_user: Callable[..., Any]) -> None:
    screener = make_user(Role.SCREENING_MANAGER, CSC)
    case = make_referral().case
    notes = "Spoke to the school: the DSL will call back after lunch."

    sign_in(page, screener.username)
    page.goto(f"/cases/{case.pk}/screen/")
    expect(h1(page)).to_have_text(f"Screen contact {case.reference}")
    expect(error_summary(page)).to_have_count(0)
    page.get_by_role("group", name="Level of need").get_by_label(LEVEL_3).check()
    page.get_by_role("group", name="RAG rating").get_by_label(re.compile(r"\bAmber: ")).check()
    page.get_by_label("Consent given", exact=True).check()
    give_consent(page)
    page.get_by_role("group", name="Route").get_by_label("MASH enquiry", exact=True).check()
    agencies = page.get_by_role("group", name="Agencies to ask for information")
    for box in agencies.get_by_role("checkbox").all():
        box.uncheck()
    page.get_by_label("Notes (optional)").fill(notes)
    page.get_by_role("button", name="Save screening").click()

    expect(page).to_have_title(f"Error: Screen contact {case.reference} – OpenMASH")
    expect(error_summary(page).get_by_role("heading", level=2)).to_have_text("There is a problem")
    links = error_summary(page).get_by_role("link")
    expect(links).to_have_text(
        ["Give a reason for the RAG rating", "Select at least one agency to ask for information"]
    )
    reason = page.get_by_label("Reason for the rating")
    expect(reason).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#div_id_rag_reason .govuk-error-message")).to_have_text(
        "Error: Give a reason for the RAG rating"
    )
    expect(page.locator("#div_id_agencies .govuk-error-message")).to_have_text(
        "Error: Select at least one agency to ask for information"
    )
    # What was typed and chosen is still there.
    expect(page.get_by_label("Notes (optional)")).to_have_value(notes)
    expect(page.get_by_role("group", name="Level of need").get_by_label(LEVEL_3)).to_be_checked()
    expect(
        page.get_by_role("group", name="RAG rating").get_by_label(re.compile(r"\bAmber: "))
    ).to_be_checked()
    expect(page.get_by_role("group", name="Route").get_by_label("MASH enquiry", exact=True)).to_be_checked()
    for box in agencies.get_by_role("checkbox").all():
        expect(box).not_to_be_checked()
    # The consent answers are kept too, and still revealed under the chosen position.
    expect(page.get_by_label("Consent given", exact=True)).to_be_checked()
    expect(
        page.get_by_role("group", name="Who gave consent?").get_by_label(f"{MOTHER} (mother)")
    ).to_be_checked()
    expect(page.get_by_label("Health information was named specifically")).to_be_checked()
    # Each link moves focus to its field.
    expect(error_summary(page)).to_be_focused()
    links.nth(0).click()
    expect(reason).to_be_focused()
    links.nth(1).click()
    expect(agencies.get_by_role("checkbox").first).to_be_focused()

    page.get_by_role("link", name="Back to the queue").click()
    expect(h1(page)).to_have_text("Screening queue")
    page.goto(f"/cases/{case.pk}/")
    expect(page.get_by_test_id("status")).to_have_text("Awaiting screening")
    expect(page.get_by_role("link", name="Screen this contact")).to_be_visible()
    case.refresh_from_db()
    assert case.status == CaseStatus.NEW
    assert not InformationRequest.objects.filter(case=case).exists()
    assert not ConsentRecord.objects.filter(case=case).exists()  # nothing half-saved


# 3. Two researchers editing one return -------------------------------------------------------------


def test_two_researchers_editing_one_return(
    new_page: Callable[[], Page], make_user: Callable[..., Any]
) -> None:
    screener = make_user(Role.SCREENING_MANAGER, CSC)
    first = make_user(Role.AGENCY_RESEARCHER, AgencyKind.POLICE, first_name="Fran", last_name="Hale")
    second = make_user(Role.AGENCY_RESEARCHER, AgencyKind.POLICE, first_name="Sol", last_name="Brandt")
    case = screen(make_referral().case, screener)
    info = InformationRequest.objects.get(case=case, agency__kind=AgencyKind.POLICE)
    url = f"/requests/{info.pk}/"
    first_draft = "Draft from Fran: checking the incident log."
    second_summary = "Sol's summary: no police record of the family."
    second_risks = "None known to police."

    first_page = new_page()
    sign_in(first_page, first.username)
    second_page = new_page()
    sign_in(second_page, second.username)
    for page in (first_page, second_page):
        page.goto(url)
        expect(h1(page)).to_have_text("Information request about Jayden Whitmore")

    first_page.get_by_label("Summary of what your agency knows").fill(first_draft)
    first_page.get_by_role("button", name="Save draft").click()
    expect(success_banner(first_page)).to_have_text(
        f"Draft saved for case {case.reference}. It has not been sent to the hub yet."
    )

    second_page.get_by_label("Summary of what your agency knows").fill(second_summary)
    second_page.get_by_label("Risk factors").fill(second_risks)
    second_page.get_by_role("button", name="Submit return").click()

    expect(second_page).to_have_title(f"Error: Information request for case {case.reference} – OpenMASH")
    expect(error_summary(second_page).get_by_role("link")).to_have_text([CONCURRENT_EDIT])
    expect(second_page.get_by_label("Summary of what your agency knows")).to_have_value(second_summary)
    expect(second_page.get_by_label("Risk factors")).to_have_value(second_risks)
    expect(success_banner(second_page)).to_have_count(0)

    # Nothing of the second researcher's was saved: the first one's draft stands, still not returned.
    info.refresh_from_db()
    assert (info.status, info.summary, info.risk_factors) == (RequestStatus.IN_PROGRESS, first_draft, "")
    assert (info.returned_at, info.returned_by_id, info.taken_by_id) == (None, None, first.pk)
    assert not HistoryItem.objects.filter(request=info).exists()
    assert Case.objects.get(pk=case.pk).status == CaseStatus.INFORMATION_GATHERING
    first_page.reload()
    expect(first_page.get_by_label("Summary of what your agency knows")).to_have_value(first_draft)
    expect(first_page.get_by_label("Risk factors")).to_have_value("")


def test_a_red_case_screened_in_the_night_warns_and_names_the_emergency_duty_team(
    new_page: Callable[[], Page], make_user: Callable[..., Any]
) -> None:
    """A red case screened at 2:31am on a Saturday gets requests due at 1pm on Monday: the case page
    warns, while they are not yet due, and names the hub's out-of-hours arrangement."""
    from openmash.cases.tests.test_screening_warnings import EDT, MONDAY, SATURDAY_NIGHT, on, screened_at

    HubConfiguration.objects.update(out_of_hours_arrangement=EDT)
    screener = make_user(Role.SCREENING_MANAGER)
    case = screen(make_referral().case, screener, rag=RagRating.RED)
    screened_at(case, SATURDAY_NIGHT)

    page = new_page()
    sign_in(page, screener.username)
    expect(page.get_by_test_id("identity")).to_be_visible()
    page.goto(f"/cases/{case.pk}/")
    warning = page.get_by_test_id("out-of-hours-warning")
    expect(warning).to_contain_text("Red case screened while the hub was closed.")
    expect(warning).to_contain_text(
        f"Screened at 2:31am on {on(SATURDAY_NIGHT.date())}. The hub opens again at 9am on {on(MONDAY)}, "
        f"and the requests are not due until 1pm on {on(MONDAY)}."
    )
    expect(page.get_by_test_id("out-of-hours-arrangement")).to_have_text(
        f"If the child may be at risk before then, contact the out-of-hours service now: {EDT}"
    )
