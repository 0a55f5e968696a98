"""A chair runs a multi-agency meeting of three cases: agenda, attendance, the projected screen moved
through by keyboard, a decision recorded for each case from the screen, and the minutes."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from openmash.accounts.roles import Role
from openmash.accounts.services import user_set_roles
from openmash.cases.models import CaseStatus
from openmash.core.actor import Actor
from openmash.meetings.tests.helpers import gathering_case, ready_case, schedule
from tests.e2e.conftest import service_navigation, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

LEVEL_3 = "Level 3: Child in need"
OUTCOME = "Child in need assessment (s.17)"
CHILDREN = [("Rory", "Cole"), ("Amy", "Brook"), ("Sam", "Hart")]


def position(page: Page) -> Any:
    return page.get_by_test_id("position")


def press(page: Page, key: str) -> None:
    """Press a key once the screen's keyboard module has loaded."""
    expect(page.locator("body[data-keyboard=ready]")).to_have_count(1)
    page.keyboard.press(key)


def test_chair_runs_a_meeting_of_three_cases_by_keyboard(page: Page, make_user: Callable[..., Any]) -> None:
    cases = [ready_case(make_user, given=g, family=f) for g, f in CHILDREN]
    assert all(c.status == CaseStatus.READY_FOR_DECISION for c in cases)
    chair = make_user(Role.MEETING_CHAIR, first_name="Chris", last_name="Obi")
    user_set_roles(actor=Actor.system("tests"), user=chair, roles=[Role.MEETING_CHAIR, Role.DECISION_MAKER])

    sign_in(page, chair.username)
    expect(page.get_by_test_id("identity")).to_be_visible()
    page.get_by_label("Working as").select_option(label="Meeting chair")
    page.get_by_role("button", name="Change role").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ready for discussion")
    service_navigation(page).get_by_role("link", name="Meetings", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Meetings")

    # Schedule the meeting, with a GOV.UK error first.
    page.get_by_role("link", name="Schedule a meeting").click()
    page.get_by_role("button", name="Schedule meeting").click()
    expect(page).to_have_title(re.compile(r"^Error: "))
    expect(page.get_by_test_id("error-summary")).to_contain_text("Enter a title for the meeting")
    tomorrow = timezone.localdate() + timedelta(days=1)
    page.get_by_label("Title").fill("MASH daily meeting")
    page.get_by_label("Day").fill(str(tomorrow.day))
    page.get_by_label("Month").fill(str(tomorrow.month))
    page.get_by_label("Year").fill(str(tomorrow.year))
    page.get_by_label("Start time").fill("10:00")
    page.get_by_role("button", name="Schedule meeting").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("MASH daily meeting")
    expect(page.get_by_test_id("ready-waiting")).to_contain_text("3 cases ready for decision are not yet")

    # Build the agenda from the ready cases, record attendance, start.
    page.get_by_role("button", name="Add cases to the agenda").click()
    rows = page.get_by_test_id("agenda-row")
    expect(rows).to_have_count(3)
    for case in cases:
        expect(page.get_by_test_id("agenda")).to_contain_text(case.reference)
    expect(page.get_by_test_id("agenda")).not_to_contain_text("Rory")
    page.get_by_label("Agency").select_option(label="Police")
    page.get_by_label("Name", exact=True).fill("DS Priya Patel")
    page.get_by_label("Present").check()
    page.get_by_role("button", name="Record attendance").click()
    expect(page.get_by_test_id("attendance")).to_contain_text("DS Priya Patel")
    page.get_by_role("button", name="Start meeting").click()
    expect(page.get_by_test_id("meeting-status")).to_have_text("In progress")
    order = [r.get_by_role("link").inner_text().strip() for r in rows.all()]
    assert sorted(order) == sorted(c.reference for c in cases)

    # The meeting screen: one case at a time, moved through by keyboard.
    page.get_by_role("link", name="Open the meeting screen").click()
    expect(position(page)).to_have_text("Case 1 of 3")
    expect(page.get_by_test_id("case-reference")).to_have_text(order[0])
    press(page, "ArrowRight")
    expect(position(page)).to_have_text("Case 2 of 3")
    expect(page.get_by_test_id("case-reference")).to_have_text(order[1])
    press(page, "ArrowLeft")
    expect(position(page)).to_have_text("Case 1 of 3")
    press(page, "n")
    expect(position(page)).to_have_text("Case 2 of 3")
    press(page, "p")
    expect(position(page)).to_have_text("Case 1 of 3")
    expect(page.locator("body")).not_to_contain_text("Elm Road")

    # A decision for each case from the screen, back to the screen each time.
    for number, reference in enumerate(order, start=1):
        expect(position(page)).to_have_text(f"Case {number} of 3")
        expect(page.get_by_test_id("case-reference")).to_have_text(reference)
        page.get_by_role("link", name=f"Record decision for {reference}").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Record the decision")
        page.get_by_label(OUTCOME).check()
        page.get_by_role("group", name="Level of need decided").get_by_label(LEVEL_3).check()
        page.get_by_label("Reasons for the decision").fill(f"Assessment needed for case {number}")
        page.get_by_role("group", name="Police's view").get_by_label("Agrees", exact=True).check()
        page.get_by_role("group", name="Health's view").get_by_label("Agrees", exact=True).check()
        page.get_by_role("button", name="Record the decision").click()
        expect(position(page)).to_have_text(f"Case {number} of 3")
        expect(page.get_by_role("alert")).to_contain_text("Decision recorded")
        expect(page.get_by_test_id("decided")).to_have_text("Decided")
        if number < 3:
            press(page, "ArrowRight")

    # Close the meeting: the minutes list all three decisions and the attendance.
    page.get_by_role("link", name="Back to the meeting").click()
    expect(page.get_by_test_id("agenda-decision")).to_have_count(3)
    for cell in page.get_by_test_id("agenda-decision").all():
        expect(cell).to_contain_text("Decided")
    page.get_by_role("button", name="Close meeting").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Minutes: MASH daily meeting")
    expect(page.get_by_test_id("decided-count")).to_have_text("3 of 3 decided")
    items = page.get_by_test_id("minutes-item")
    expect(items).to_have_count(3)
    for number, reference in enumerate(order, start=1):
        item = items.nth(number - 1)
        expect(item).to_contain_text(reference)
        expect(item.get_by_test_id("minutes-outcome")).to_have_text(OUTCOME)
        expect(item.get_by_test_id("minutes-rationale")).to_have_text(f"Assessment needed for case {number}")
    expect(page.get_by_test_id("minutes-attendance")).to_contain_text("DS Priya Patel")


def test_agenda_is_built_and_meeting_started_while_a_case_is_still_gathering_information(
    page: Page, make_user: Callable[..., Any]
) -> None:
    """The demo's case list always has cases still gathering information: the agenda form then
    offers them as optional extras, and adding cases (with or without one ticked) must still work."""
    ready = ready_case(make_user, given="Rory", family="Cole")
    waiting = gathering_case(make_user, given="Mia", family="Stone")
    assert waiting.status == CaseStatus.INFORMATION_GATHERING
    chair = make_user(Role.MEETING_CHAIR, first_name="Chris", last_name="Obi")
    user_set_roles(actor=Actor.system("tests"), user=chair, roles=[Role.MEETING_CHAIR, Role.DECISION_MAKER])
    meeting = schedule(chair)

    sign_in(page, chair.username)
    expect(page.get_by_test_id("identity")).to_be_visible()
    page.goto(f"/meetings/{meeting.pk}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("MASH daily meeting")
    optional = page.get_by_role(
        "group", name="Also discuss these cases still gathering information (optional)"
    )
    expect(optional.get_by_role("checkbox")).to_have_count(1)

    # Nothing ticked: the ready case goes on the agenda.
    page.get_by_role("button", name="Add cases to the agenda").click()
    expect(page.get_by_role("alert")).to_contain_text("1 case added to the agenda")
    expect(page.get_by_test_id("agenda-row")).to_have_count(1)
    expect(page.get_by_test_id("agenda")).to_contain_text(ready.reference)

    # The case still gathering information, chosen by the chair.
    optional.get_by_label(re.compile(waiting.reference)).check()
    page.get_by_role("button", name="Add cases to the agenda").click()
    expect(page.get_by_test_id("agenda-row")).to_have_count(2)
    expect(page.get_by_test_id("agenda")).to_contain_text(waiting.reference)

    page.get_by_role("button", name="Start meeting").click()
    expect(page.get_by_test_id("meeting-status")).to_have_text("In progress")
    expect(page.get_by_test_id("error-summary")).to_have_count(0)
