"""The screening queue can be searched by reference or the child's name and filtered by RAG rating,
status and age, keeping the filters across pages."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from openmash.accounts.roles import Role
from openmash.cases.tests.helpers import make_referral
from openmash.hub.models import AgencyKind
from openmash.referrals.services import PersonData
from tests.e2e.conftest import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def child(given: str, family: str, nhs: str) -> list[PersonData]:
    return [PersonData(given_name=given, family_name=family, date_of_birth=date(2017, 1, 2), nhs_number=nhs)]


def test_search_and_filter_the_screening_queue(
    new_page: Callable[[], Page], make_user: Callable[..., Any]
) -> None:
    screener = make_user(Role.SCREENING_MANAGER, AgencyKind.CHILDRENS_SOCIAL_CARE)
    now = timezone.now()
    old = make_referral(received_at=now - timedelta(days=5), people=child("Ava", "Okoro", "9990000026")).case
    make_referral(received_at=now - timedelta(hours=2), people=child("Ben", "Price", "9990000034"))
    make_referral(received_at=now - timedelta(hours=1), people=child("Cara", "Price", "9990000042"))

    page = new_page()
    sign_in(page, screener.username)
    page.goto(reverse("cases:queue"))
    rows = page.get_by_test_id("queue-row")
    expect(rows).to_have_count(3)

    page.get_by_label("Search by reference or name").fill("price")
    page.get_by_role("button", name="Apply").click()
    expect(rows).to_have_count(2)
    expect(page.get_by_test_id("queue")).not_to_contain_text("Ava Okoro")

    page.get_by_label("Search by reference or name").fill(old.reference)
    page.get_by_role("button", name="Apply").click()
    expect(rows).to_have_count(1)
    expect(rows.first.get_by_test_id("child")).to_have_text("Ava Okoro")

    page.get_by_label("Search by reference or name").fill("")
    page.get_by_label("Age of case").select_option(label="Older than 3 days")
    page.get_by_role("button", name="Apply").click()
    expect(rows).to_have_count(1)
    expect(page.get_by_label("Age of case")).to_have_value("3")

    page.get_by_label("RAG rating").select_option(label="Red")
    page.get_by_role("button", name="Apply").click()
    expect(page.get_by_test_id("empty-queue")).to_have_text("No cases match your search and filters.")
    page.get_by_role("link", name="Clear search and filters").click()
    expect(rows).to_have_count(3)
