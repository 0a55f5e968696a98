"""The police researcher answering a request finds, in the police records, the mother's new partner
living with the child, whom the referral did not name: they add him from the request, with his
relationship and household, search the police records again and see his records as candidates to
confirm. The screening manager then sees him on the people page and the genogram, marked as added by
the police researcher during the search."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect

from openmash.enquiries.tests.test_views import make_case, make_people, request_to
from openmash.hub.models import AgencyKind
from openmash.sources.tests.helpers import police_source
from tests.e2e.conftest import PASSWORD, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

DEAN = ["POL-103", "Dean", "HARROW", "21/07/1988", "M", "NT1 1AA", "1 Elm Road, Northtown", "violence"]
DEAN_EVENTS = [
    [
        "POL-103",
        "2026-08-30",
        "domestic_abuse",
        "Arrested after a domestic incident.",
        "high",
        "INC-2026-000555",
        "suspect",
    ],
]
ADDED_BY = "Added by Police researcher Priya Shah during the search"


def axe_done(page: Page) -> None:
    """Wait until axe-core, run on the page when it loaded, has finished with it."""
    page.wait_for_function("() => window.axe !== undefined && !window.axe._running")


def h1(page: Page) -> Locator:
    return page.get_by_role("heading", level=1)


def test_researcher_adds_the_mothers_partner_and_the_search_finds_his_record(
    new_page: Callable[[], Page], make_user: Callable[..., Any], tmp_path: Path
) -> None:
    people = make_people(make_user)
    police_source(tmp_path, extra_rows=[DEAN], extra_events=DEAN_EVENTS)
    info = request_to(make_case(people), AgencyKind.POLICE)
    reference = info.case.reference

    page = new_page()
    sign_in(page, people["police"].username, PASSWORD)
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Requests").click()
    page.get_by_role("link", name=reference).first.click()
    expect(h1(page)).to_have_text("Information request about Jayden Whitmore")
    page.get_by_role("link", name="Add someone the referral did not name").click()
    expect(h1(page)).to_have_text("Add someone the referral did not name")

    # Sent empty first: the GOV.UK error summary says what is missing.
    page.get_by_role("button", name="Add to the case").click()
    summary = page.get_by_test_id("error-summary")
    expect(summary).to_contain_text("Enter their first name")
    expect(summary).to_contain_text("Enter how you know about them")

    page.get_by_label("First name").fill("Dean")
    page.get_by_label("Last name").fill("Harrow")
    page.get_by_label("Day").fill("21")
    page.get_by_label("Month").fill("7")
    page.get_by_label("Year").fill("1988")
    page.get_by_label("Male", exact=True).check()
    page.get_by_label("How are they related to the child referred?").select_option(label="Parent's partner")
    page.get_by_label("Whose partner are they?").select_option(label="Kerry Whitmore")
    page.get_by_label("With Jayden Whitmore, at 1 Elm Road, Northtown, NT1 1AA").check()
    page.get_by_label("How do you know about them?").fill(
        "Named as Kerry's partner, living at the address, in incident INC-2026-000555."
    )
    page.get_by_role("button", name="Add to the case").click()

    expect(h1(page)).to_have_text("Search Police's records")
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        f"Dean Harrow added to case {reference}"
    )
    dean_row = page.get_by_test_id("person-searched").filter(has_text="Dean Harrow")
    expect(dean_row).to_contain_text("Parent's partner")
    expect(dean_row).to_contain_text(ADDED_BY)

    page.get_by_role("button", name="Search records").click()
    expect(page.get_by_test_id("trawl-summary")).to_contain_text("3 of 3 people")
    dean = page.locator("section.trawl-person", has=page.get_by_role("heading", name="Dean Harrow"))
    expect(dean).to_contain_text(ADDED_BY)
    candidate = dean.locator(".trawl-candidate", has=page.get_by_text("POL-103", exact=True))
    expect(candidate.get_by_test_id("probability")).to_contain_text("Match probability")
    candidate.get_by_role("button", name="Confirm same person").click()
    expect(h1(page)).to_contain_text("Police records system record POL-103")
    expect(page.get_by_test_id("event")).to_contain_text("INC-2026-000555")

    manager = new_page()
    sign_in(manager, people["screener"].username, PASSWORD)
    expect(manager.get_by_test_id("identity")).to_be_visible()
    axe_done(manager)  # the home page is checked before the test moves on
    manager.goto(f"/cases/{info.case.pk}/")
    expect(manager.get_by_test_id("history")).to_contain_text(
        "Dean Harrow added to the case during the search"
    )
    manager.get_by_test_id("collated-links").get_by_role("link", name="People and relationships").click()
    expect(h1(manager)).to_have_text("People and relationships")
    card = manager.get_by_test_id("person").filter(has_text="Dean Harrow")
    expect(card.get_by_test_id("provenance")).to_contain_text(ADDED_BY)
    expect(card.get_by_test_id("addition-reason")).to_contain_text("INC-2026-000555")
    expect(manager.get_by_test_id("relationships")).to_contain_text("Dean Harrow")
    manager.get_by_role("link", name="View the genogram").click()
    genogram = manager.get_by_test_id("genogram")
    expect(genogram).to_contain_text("Added by Police researcher")
    expect(genogram).to_contain_text("during the search")
    axe_done(manager)


def test_researcher_removes_someone_they_added_in_error(
    new_page: Callable[[], Page], make_user: Callable[..., Any], tmp_path: Path
) -> None:
    """The wrong man of that name was added: from the search page the researcher removes him, saying why;
    sent without a reason first, the error summary asks for one."""
    from datetime import date

    from openmash.casework.household import NewMember, household_member_add
    from openmash.core.actor import Actor
    from openmash.core.codes import Sex
    from openmash.referrals.models import Relationship

    people = make_people(make_user)
    police_source(tmp_path, extra_rows=[DEAN], extra_events=DEAN_EVENTS)
    info = request_to(make_case(people), AgencyKind.POLICE)
    household_member_add(
        actor=Actor(user=people["police"]),
        request=info,
        member=NewMember(
            given_name="Dean",
            family_name="Harrow",
            relationship=Relationship.OTHER_ADULT,
            reason="Named in incident INC-2026-000555.",
            sex=Sex.MALE,
            date_of_birth=date(1971, 2, 3),
        ),
    )

    page = new_page()
    sign_in(page, people["police"].username, PASSWORD)
    page.goto(f"/requests/{info.pk}/trawl/")
    expect(h1(page)).to_have_text("Search Police's records")
    added = page.get_by_test_id("added-here")
    expect(added).to_contain_text("Added from this request: Dean Harrow")
    added.get_by_role("link", name="remove Dean Harrow, added in error").click()
    expect(h1(page)).to_have_text("Remove Dean Harrow from the case?")
    expect(page.locator(".govuk-body-l")).to_contain_text(ADDED_BY)
    axe_done(page)

    page.get_by_role("button", name="Remove them from the case").click()
    expect(page.get_by_test_id("error-summary")).to_contain_text("Say why they are being removed")
    page.get_by_label("Why are you removing them?").fill(
        "Wrong man: the Dean Harrow in the incident was born in 1988."
    )
    page.get_by_role("button", name="Remove them from the case").click()

    expect(h1(page)).to_have_text("Search Police's records")
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        f"Dean Harrow was removed from case {info.case.reference}."
    )
    expect(page.get_by_test_id("added-here")).to_have_count(0)
    expect(page.get_by_test_id("person-searched").filter(has_text="Dean Harrow")).to_have_count(0)
    axe_done(page)
