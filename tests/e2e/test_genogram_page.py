"""The genogram page in Chromium: a three-generation blended family of fifteen people, built through the
people services on a real case, drawn once each, with the same relationships as a text list beside it.

Takes a full-page screenshot for people to look at: under var/screenshots/, or into
docs/screenshots/genogram-page.png when OPENMASH_UPDATE_SCREENSHOTS=1 (so a test run leaves the
checkout as it was).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from openmash.accounts.roles import Role
from openmash.cases.models import Case
from openmash.cases.tests.helpers import make_referral, screen
from openmash.core.actor import Actor
from openmash.people.models import PartnershipStatus, RelationshipKind
from openmash.people.services import household_save, person_add, relationship_add
from openmash.referrals.models import ReferralPerson
from openmash.referrals.services import PersonData
from tests.e2e.conftest import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOT = (
    ROOT / ("docs" if os.environ.get("OPENMASH_UPDATE_SCREENSHOTS") == "1" else "var") / "screenshots"
) / "genogram-page.png"

# given name, family name, sex, born, died (the referral brings Jayden and Kerry)
ADDED = [
    ("Ronald", "Whitmore", "M", date(1958, 4, 12), None),
    ("Patricia", "Whitmore", "F", date(1960, 9, 3), None),
    ("Brian", "Hollis", "M", date(1950, 1, 20), date(2019, 11, 2)),
    ("Sandra", "Hollis", "F", date(1957, 6, 30), None),
    ("Leanne", "Whitmore", "F", date(1986, 2, 11), None),
    ("Dean", "Whitmore", "M", date(1989, 7, 15), None),
    ("Lee", "Parker", "M", date(1995, 8, 9), None),
    ("Shannon", "Price", "F", date(1996, 12, 1), None),
    ("Chloe", "Whitmore", "F", date(2014, 10, 3), None),
    ("Tyler", "Parker", "M", date(2019, 4, 10), None),
    ("Mia", "Parker", "F", date(2024, 11, 25), None),
    ("Maureen", "O'Neill", "F", date(1971, 2, 14), None),
    ("Sam", "Reid", "U", None, None),
]
P, SP, PA, SPOUSE, EX = (
    RelationshipKind.PARENT,
    RelationshipKind.STEP_PARENT,
    RelationshipKind.PARTNER,
    RelationshipKind.SPOUSE,
    RelationshipKind.EX_PARTNER,
)
RELATIONSHIPS: list[tuple[str, RelationshipKind, str, str]] = [
    ("Ronald", SPOUSE, "Patricia", PartnershipStatus.CURRENT),
    ("Brian", SPOUSE, "Sandra", PartnershipStatus.WIDOWED),
    ("Ronald", P, "Leanne", ""),
    ("Patricia", P, "Leanne", ""),
    ("Ronald", P, "Dean", ""),
    ("Patricia", P, "Dean", ""),
    ("Brian", P, "Kerry", ""),
    ("Sandra", P, "Kerry", ""),
    ("Dean", SPOUSE, "Kerry", PartnershipStatus.DIVORCED),
    ("Kerry", PA, "Lee", PartnershipStatus.CURRENT),
    ("Lee", PA, "Shannon", PartnershipStatus.SEPARATED),
    ("Dean", P, "Chloe", ""),
    ("Kerry", P, "Chloe", ""),
    ("Dean", P, "Jayden", ""),
    ("Kerry", P, "Jayden", ""),
    ("Kerry", P, "Mia", ""),
    ("Lee", P, "Mia", ""),
    ("Lee", P, "Tyler", ""),
    ("Shannon", P, "Tyler", ""),
    ("Lee", SP, "Jayden", ""),
    ("Lee", SP, "Chloe", ""),
    ("Chloe", RelationshipKind.SIBLING, "Jayden", ""),
    ("Mia", RelationshipKind.HALF_SIBLING, "Jayden", ""),
    ("Sandra", RelationshipKind.GRANDPARENT, "Jayden", ""),
    ("Maureen", RelationshipKind.CARER, "Jayden", ""),
    ("Sam", RelationshipKind.OTHER_SIGNIFICANT_ADULT, "Jayden", ""),
]


def blended_case(screener: Any) -> Case:
    case = make_referral(
        people=[
            PersonData(given_name="Jayden", family_name="Whitmore", date_of_birth=date(2017, 6, 18), sex="M"),
            PersonData(
                given_name="Kerry",
                family_name="Whitmore",
                relationship="mother",
                sex="F",
                date_of_birth=date(1991, 5, 22),
            ),
        ]
    ).case
    screen(case, screener)
    actor = Actor(user=screener)
    for given, family, sex, born, died in ADDED:
        person_add(
            actor=actor,
            case=case,
            given_name=given,
            family_name=family,
            sex=sex,  # type: ignore[arg-type]
            date_of_birth=born,
            date_of_death=died,
        )
    people: dict[str, ReferralPerson] = {p.given_name: p for p in case.referral.people.all()}
    given = {(r.from_person_id, r.to_person_id, r.kind) for r in case.relationships.all()}
    for a, kind, b, status in RELATIONSHIPS:
        if (people[a].pk, people[b].pk, kind) in given:
            continue  # the referral said so already
        relationship_add(
            actor=actor, case=case, from_person=people[a], to_person=people[b], kind=kind, status=status
        )
    household_save(
        actor=actor,
        case=case,
        label="14 Elm Road",
        members=[people[n] for n in ("Kerry", "Lee", "Chloe", "Jayden", "Mia")],
    )
    household_save(
        actor=actor,
        case=case,
        label="3 Oak Close",
        members=[people[n] for n in ("Ronald", "Patricia", "Dean")],
    )
    return case


def test_screening_manager_sees_the_blended_family_genogram(
    new_page: Callable[[], Page], make_user: Callable[..., Any]
) -> None:
    screener = make_user(Role.SCREENING_MANAGER, first_name="Elif", last_name="Demir")
    case = blended_case(screener)
    people = list(case.referral.people.all())
    assert len(people) == 15

    page = new_page()
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, screener.username)
    expect(page).not_to_have_url(re.compile("/sign-in/"))
    page.goto(reverse("people:genogram", args=[case.pk]))
    expect(page.get_by_role("heading", level=1)).to_have_text("Genogram")

    figure = page.get_by_test_id("genogram")
    svg = figure.locator("svg")
    expect(svg).to_be_visible()
    drawn = svg.locator("[data-person-id]")
    expect(drawn).to_have_count(15)
    ids = sorted(drawn.evaluate_all("els => els.map(e => e.getAttribute('data-person-id'))"))
    assert ids == sorted(str(p.pk) for p in people)  # every person drawn exactly once
    for p in people:
        expect(svg.locator(f"[data-person-id='{p.pk}'] text").first).to_be_visible()

    # The SVG fits its column: no horizontal scrolling of the page.
    box = svg.bounding_box()
    column = figure.bounding_box()
    assert box is not None and column is not None and box["width"] <= column["width"] + 1
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")

    sentences = page.get_by_test_id("relationship-sentences").get_by_role("listitem")
    assert sentences.count() >= 15
    text = " ".join(sentences.all_inner_texts())
    for name in ("Jayden Whitmore", "Brian Hollis", "Tyler Parker", "Maureen O'Neill", "Sam Reid"):
        assert name in text, name
    assert "divorced" in text.lower()

    download = page.get_by_role("link", name="Download the genogram (SVG)")
    expect(download).to_have_attribute("href", reverse("people:genogram_svg", args=[case.pk]))

    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT), full_page=True)
