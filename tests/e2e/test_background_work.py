"""A hub administrator finds the background worker's last heartbeat and the task queue from their home
page (axe-core checks the page, as on every page a browser test loads)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from openmash.accounts.roles import Role
from openmash.health.tasks import heartbeat_record
from tests.e2e.conftest import BrowserProblems, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_hub_administrator_sees_when_the_worker_was_last_seen(
    page: Page, make_user: Callable[..., Any], browser_problems: BrowserProblems
) -> None:
    admin = make_user(Role.HUB_ADMINISTRATOR)
    sign_in(page, admin.username)
    page.get_by_role("link", name="Background work and service health").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Background work and service health")
    expect(page.get_by_test_id("last-heartbeat")).to_contain_text("Never: start manage.py schedule_sweeps")
    heartbeat_record()
    page.reload()
    expect(page.get_by_test_id("last-heartbeat")).not_to_contain_text("Never")
    expect(page.get_by_test_id("checks")).to_contain_text("Background worker Working")
    expect(page.get_by_test_id("workers")).to_be_visible()
    browser_problems.check_accessibility(page)
