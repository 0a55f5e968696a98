"""The meeting page lines up: its action buttons start at the page's left edge with the heading, the
items of a button group sit on one line, and the attendance form's questions are separate blocks,
one under the other, their inputs on one left edge. On a phone-sized screen nothing makes the page
wider than the screen. (The form's groups were once rendered as unknown inline elements, so labels ran
into the inputs above them, and the start button stood indented in its own inline form.)"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect

from openmash.accounts.roles import Role
from openmash.accounts.services import user_set_roles
from openmash.core.actor import Actor
from openmash.meetings.tests.helpers import gathering_case, ready_case, schedule
from tests.e2e.conftest import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

EDGE = 1.0  # pixels of rounding allowed between edges that should meet
FORM_GROUPS = ["#div_id_agency", "#div_id_name", "#div_id_role", "#div_id_status"]
CONTROLS = ["#id_agency", "#id_name", "#id_role", "#div_id_status .govuk-radios__item >> nth=0"]


def box(locator: Locator) -> dict[str, float]:
    found = locator.bounding_box()
    assert found is not None, locator
    return found


def left(locator: Locator) -> float:
    return box(locator)["x"]


def assert_lined_up(page: Page) -> None:
    main = page.locator("main")
    heading = left(main.get_by_role("heading", level=1))
    # Every button on the page starts where the heading starts.
    buttons = main.locator(".govuk-button")
    assert buttons.count() >= 3
    for button in buttons.all():
        assert abs(left(button) - heading) <= EDGE, (button.inner_text(), left(button), heading)
    # The items of each button group sit on one line: their vertical middles within the first button.
    for group in main.locator(".govuk-button-group").all():
        items = group.locator(":scope > *").all()
        first = box(items[0])
        for item in items[1:]:
            b = box(item)
            middle = b["y"] + b["height"] / 2
            assert first["y"] <= middle <= first["y"] + first["height"], (item.inner_text(), b, first)
    # The attendance form: one block per question, each under the last, inputs on one left edge.
    form = main.get_by_test_id("attendance-form")
    legend = left(form.locator("legend").first)
    for selector in FORM_GROUPS:
        expect(form.locator(selector)).to_have_js_property("tagName", "DIV")
    for selector in CONTROLS:
        assert abs(left(form.locator(selector)) - legend) <= EDGE, (selector, left(form.locator(selector)))
    groups = [box(form.locator(s)) for s in FORM_GROUPS]
    for above, below in zip(groups, groups[1:], strict=False):
        gap = below["y"] - (above["y"] + above["height"])
        assert gap >= 15, (above, below)  # the GOV.UK form group's space below
    for label, control in (("Agency", "#id_agency"), ("Name", "#id_name")):
        label_box = box(form.get_by_text(label, exact=True).first)
        assert label_box["y"] + label_box["height"] <= box(form.locator(control))["y"] + EDGE, label


def assert_no_sideways_scroll(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    viewport = page.evaluate("window.innerWidth")
    assert width <= viewport, (width, viewport)


def test_the_meeting_page_lines_up_before_and_during_the_meeting(
    page: Page, make_user: Callable[..., Any]
) -> None:
    ready_case(make_user, given="Rory", family="Cole")
    gathering_case(make_user)
    chair = make_user(Role.MEETING_CHAIR, first_name="Chris", last_name="Obi")
    user_set_roles(actor=Actor.system("tests"), user=chair, roles=[Role.MEETING_CHAIR, Role.DECISION_MAKER])
    meeting = schedule(chair)
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, chair.username)
    expect(page.get_by_test_id("identity")).to_be_visible()
    page.goto(f"/meetings/{meeting.pk}/")
    expect(page.get_by_test_id("meeting-status")).to_have_text("Scheduled")
    page.get_by_role("button", name="Add cases to the agenda").click()
    expect(page.get_by_test_id("agenda-row")).to_have_count(1)
    page.get_by_label("Agency").select_option(label="Police")
    page.get_by_label("Name", exact=True).fill("DS Priya Patel")
    page.get_by_role("button", name="Record attendance").click()
    expect(page.get_by_test_id("attendance")).to_contain_text("DS Priya Patel")
    assert_lined_up(page)

    page.get_by_role("button", name="Start meeting").click()
    expect(page.get_by_test_id("meeting-status")).to_have_text("In progress")
    assert_lined_up(page)
    page.set_viewport_size({"width": 400, "height": 900})
    assert_no_sideways_scroll(page)
    # On a narrow screen the agenda scrolls in its own region, which the keyboard can reach.
    region = page.get_by_role("region", name="Agenda")
    expect(region).to_have_attribute("tabindex", "0")
    region.focus()
    expect(region).to_be_focused()
