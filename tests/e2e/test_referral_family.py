"""What a referral says about the family is kept: a referrer names the child's father, living at the same
address, on the form; the screening manager finds the relationship on the people page and the genogram
draws the two connected, inside one household named by its address."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from openmash.accounts.roles import Role
from openmash.hub.models import AgencyKind
from openmash.referrals.models import Referral
from tests.e2e.conftest import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def fill_person(group: Any, given: str, family: str, address: str, postcode: str) -> None:
    group.get_by_label("First name").fill(given)
    group.get_by_label("Last name").fill(family)
    group.get_by_label("Address (optional)").fill(address)
    group.get_by_label("Postcode (optional)").fill(postcode)


def test_the_father_named_on_the_referral_is_connected_and_shares_the_household(
    new_page: Callable[[], Page], make_user: Callable[..., Any]
) -> None:
    referrer = make_user(Role.REFERRER, AgencyKind.EDUCATION, first_name="Amira", last_name="Okafor")
    screener = make_user(Role.SCREENING_MANAGER, AgencyKind.CHILDRENS_SOCIAL_CARE)

    page = new_page()
    sign_in(page, referrer.username)
    page.goto(reverse("referrals:create"))
    organisation = page.get_by_label("Your organisation")
    expect(organisation).to_have_value("")  # never the kind of agency ("Education")
    organisation.fill("Northshire Primary School")
    # The front door covers adults at risk: the form asks about the person you are worried about.
    child = page.get_by_role("group", name="Person 1", exact=True)
    fill_person(child, "Jayden", "Whitmore", "14 Elm Road, Northtown", "nt1 4ab")
    child.get_by_label("Male", exact=True).check()
    father = page.get_by_role("group", name="Household member 1", exact=True)
    fill_person(father, "Dean", "Whitmore", "14 Elm Road, Northtown", "NT1 4AB")
    father.get_by_label("Male", exact=True).check()
    father.get_by_label("Relationship to the person you are worried about").select_option(label="Father")
    page.get_by_label("What are you worried about?").fill("Jayden says his father shouts at night.")
    page.get_by_role("group", name="What kinds of concern are these?").get_by_label(
        "Neglect", exact=True
    ).check()
    page.get_by_role("group", name="What level of need do you think the person has?").get_by_label(
        "Level 2: Early help"
    ).check()
    page.get_by_label("The family knows and agrees").check()
    page.get_by_role("button", name="Send referral").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("Referral sent")
    case = Referral.objects.get().case
    # Her next referral starts with her own school, not "Education".
    page.goto(reverse("referrals:create"))
    expect(page.get_by_label("Your organisation")).to_have_value("Northshire Primary School")

    page = new_page()
    sign_in(page, screener.username)
    page.goto(reverse("people:case", args=[case.pk]))
    expect(page.get_by_role("heading", name="Relationships (1)")).to_be_visible()
    relationships = page.get_by_test_id("relationships")
    expect(relationships).to_contain_text("Dean Whitmore")
    expect(relationships).to_contain_text("Jayden Whitmore")
    expect(page.get_by_role("heading", name="Households (1)")).to_be_visible()
    households = page.get_by_test_id("households")
    expect(households).to_contain_text("Household at 14 Elm Road, NT1 4AB")
    expect(households).to_contain_text("Dean Whitmore")

    page.goto(reverse("people:genogram", args=[case.pk]))
    svg = page.get_by_test_id("genogram").locator("svg")
    expect(svg.locator("[data-household-id]").first).to_be_attached()
    sentences = page.get_by_test_id("relationship-sentences")
    expect(sentences).to_contain_text("is the son of Dean Whitmore")
    expect(sentences).to_contain_text("Household at 14 Elm Road, NT1 4AB: Dean Whitmore and Jayden Whitmore")
