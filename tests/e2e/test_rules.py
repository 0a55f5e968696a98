"""Browser tests of two hub rules in use: the early-help model (no decision in the hub; the product is
handed to the keyworker and the case closes) and a front-door route to the domestic abuse team (the case
reaches the team's queue, and a member accepts it). The expected words are written out by hand."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from playwright.sync_api import Locator, Page, expect

from openmash.accounts.roles import Role
from openmash.cases.models import Case, CaseStatus, Route
from openmash.cases.tests.helpers import make_referral, screen
from openmash.casework.destruction import retention_sweep
from openmash.core.actor import Actor
from openmash.enquiries.models import RequestStatus
from openmash.hub.models import AgencyKind, Specialism, Team
from openmash.hub.services import hub_apply_preset
from tests.e2e.conftest import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

CHILD = "Jayden Whitmore"


def h1(page: Page) -> Locator:
    return page.get_by_role("heading", level=1)


def success_banner(page: Page) -> Locator:
    return page.locator(".govuk-notification-banner--success .govuk-notification-banner__heading")


def signed_in_page(new_page: Callable[[], Page], user: Any) -> Page:
    page = new_page()
    sign_in(page, user.username)
    expect(page.get_by_role("navigation", name="Menu")).to_be_visible()
    return page


def test_early_help_from_referral_to_the_keyworker_hand_over(
    new_page: Callable[[], Page], make_user: Callable[..., Any], settings: Any, tmp_path: Any
) -> None:
    settings.OPENMASH_AUDIT_ANCHOR_DIR = tmp_path
    hub_apply_preset(actor=Actor.system("tests"), preset_slug="early-help")
    screener = make_user(Role.SCREENING_MANAGER, first_name="Sam", last_name="Reid")
    colleague = make_user(
        Role.AGENCY_RESEARCHER, AgencyKind.EARLY_HELP, first_name="Kofi", last_name="Mensah"
    )
    police = make_user(Role.AGENCY_RESEARCHER, AgencyKind.POLICE, first_name="Mark", last_name="Doyle")
    case = make_referral().case
    screen(case, screener, kinds=(AgencyKind.POLICE,))
    ref = case.reference

    # The screening manager's case page offers the keyworker, not a decision.
    sm = signed_in_page(new_page, screener)
    sm.goto(f"/cases/{case.pk}/")
    expect(h1(sm)).to_have_text(f"Case {ref}")
    early_help = sm.get_by_test_id("early-help")
    expect(early_help).to_contain_text("This hub records no multi-agency decision.")
    expect(sm.get_by_role("link", name="Record the decision")).to_have_count(0)
    sm.get_by_test_id("appoint-keyworker").click()
    expect(h1(sm)).to_have_text("Appoint the keyworker")
    sm.get_by_label("Keyworker's name").fill("Sam Keyes")
    sm.get_by_role("group", name="Keyworker's agency").get_by_label("Early Help", exact=True).check()
    sm.get_by_label("E-mail address").fill("sam.keyes@earlyhelp.invalid")
    sm.get_by_role("button", name="Appoint the keyworker").click()
    expect(success_banner(sm)).to_have_text(f"Keyworker appointed on case {ref}.")
    expect(sm.get_by_test_id("keyworker")).to_have_text(
        "Keyworker: Sam Keyes, Early Help, sam.keyes@earlyhelp.invalid."
    )

    # Before the hand-over the keyworker's agency cannot see the family.
    kw = signed_in_page(new_page, colleague)
    kw.goto("/teams/handed-over/")
    expect(kw.get_by_test_id("none-handed-over")).to_be_visible()

    sm.get_by_test_id("hand-over").click()
    expect(h1(sm)).to_have_text("Hand the product to the keyworker")
    expect(sm.get_by_test_id("requests-to-end")).to_have_text("Police")
    sm.get_by_role("button", name="Hand over and close the case").click()
    expect(success_banner(sm)).to_have_text(
        f"Product for case {ref} handed to the keyworker. The case is closed."
    )
    expect(sm.get_by_test_id("status")).to_have_text("Closed")
    expect(sm.get_by_test_id("handed-over")).to_contain_text("Product handed over")

    stored = Case.objects.get(pk=case.pk)
    assert stored.status == CaseStatus.CLOSED and stored.handed_over_at is not None
    assert stored.requests.get().status == RequestStatus.WITHDRAWN
    assert [m.to for m in mail.outbox if "handed to you" in m.subject] == [["sam.keyes@earlyhelp.invalid"]]

    # The keyworker's agency finds the case and reads the product.
    kw.goto("/teams/handed-over/")
    row = kw.get_by_test_id("handed-over-row")
    expect(row).to_contain_text(CHILD)
    expect(row).to_contain_text("Sam Keyes")
    row.get_by_role("link", name=CHILD).click()
    expect(h1(kw)).to_have_text("Case product")
    expect(kw.locator(".govuk-caption-l").first).to_have_text(ref)

    # The police researcher's request closed as no longer needed.
    pol = signed_in_page(new_page, police)
    pol.goto(f"/requests/{stored.requests.get().pk}/")
    expect(pol.locator("main")).to_contain_text("No longer needed")

    # The early-help hub destroys its collated record once the keyworker has it: the night's sweep
    # takes the handed-over case, and information governance reads its destruction record.
    assert [d.case.pk for d in retention_sweep().destroyed] == [case.pk]
    ig = signed_in_page(new_page, make_user(Role.IG_OFFICER))
    ig.goto("/retention/destroyed/")
    expect(ig.get_by_test_id("destroyed-row")).to_have_count(1)
    ig.get_by_role("link", name=ref).click()
    expect(h1(ig)).to_have_text(f"Case {ref}")
    expect(ig.get_by_test_id("tombstone")).to_contain_text(
        "Early-help case: destroyed once the keyworker had the product"
    )
    kw.goto("/teams/handed-over/")
    expect(kw.locator("main")).not_to_contain_text(CHILD)


def test_a_domestic_abuse_route_reaches_the_team_queue_and_is_accepted(
    new_page: Callable[[], Page], make_user: Callable[..., Any]
) -> None:
    screener = make_user(Role.SCREENING_MANAGER, first_name="Sam", last_name="Reid")
    member = make_user(
        Role.AGENCY_RESEARCHER,
        AgencyKind.POLICE,
        first_name="Dee",
        last_name="Ashford",
        email="dee@police.invalid",
    )
    team = Team.objects.get(specialism=Specialism.DOMESTIC_ABUSE)
    team.members.set([member])
    case = make_referral().case
    screen(case, screener, route=Route.DOMESTIC_ABUSE, lawful_basis=False)
    ref = case.reference
    assert any(m.to == ["dee@police.invalid"] and ref in m.subject for m in mail.outbox)

    # The screening manager sees the case waiting for the team, not closed.
    sm = signed_in_page(new_page, screener)
    sm.goto(f"/cases/{case.pk}/")
    expect(sm.get_by_test_id("routing-row")).to_have_text("Domestic abuse team: Waiting for the team")
    expect(sm.get_by_test_id("status")).not_to_have_text("Closed")

    page = signed_in_page(new_page, member)
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Teams", exact=True).click()
    expect(h1(page)).to_have_text("Specialist teams")
    page.get_by_role("link", name="Domestic abuse team").click()
    expect(h1(page)).to_have_text("Domestic abuse team")
    row = page.get_by_test_id("team-row")
    expect(row).to_contain_text(CHILD)
    expect(row).to_contain_text(ref)
    row.get_by_role("button", name=f"Accept {ref}").click()
    expect(success_banner(page)).to_have_text(f"Case {ref} accepted by the Domestic abuse team.")
    expect(page.get_by_test_id("team-empty")).to_be_visible()
    expect(page.get_by_test_id("team-accepted")).to_contain_text(ref)

    sm.reload()
    expect(sm.get_by_test_id("routing-row")).to_have_text("Domestic abuse team: Accepted by the team")
    expect(sm.get_by_test_id("status")).to_have_text("Closed")
