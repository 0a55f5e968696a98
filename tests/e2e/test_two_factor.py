"""Two-factor sign-in in Chromium, by keyboard: a hub that requires it sends a new person to set it up
after the password; they add the key shown to their app (the test computes the app's code from it),
enter the code and carry on to the page they asked for; next time the code is asked for after the
password."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from openmash.accounts.roles import Role
from openmash.accounts.tests.test_mfa import code_for
from tests.e2e.conftest import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


def test_a_hub_requiring_two_factor_sets_it_up_then_asks_for_the_code(
    page: Page, make_user: Callable[..., Any], settings: Any
) -> None:
    settings.OPENMASH_MFA_REQUIRED = True
    user = make_user(Role.SCREENING_MANAGER)
    sign_in(page, user.username)
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up two-factor sign-in")
    expect(page.get_by_test_id("qr").locator("svg")).to_be_visible()
    secret = page.get_by_test_id("secret").inner_text()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "two-factor-setup.png"), full_page=True)  # for people to look at
    page.get_by_label("Code from your authenticator app").fill("12")
    page.keyboard.press("Enter")
    summary = page.get_by_test_id("error-summary")
    expect(summary).to_contain_text("Enter the 6-digit code from your authenticator app")
    summary.get_by_role("link").first.click()
    expect(page.get_by_label("Code from your authenticator app")).to_be_focused()
    page.get_by_label("Code from your authenticator app").fill(code_for(secret))
    page.keyboard.press("Enter")
    banner = page.locator(".govuk-notification-banner--success")
    expect(banner).to_contain_text("Two-factor sign-in is set up")
    expect(page.get_by_role("heading", level=1)).to_have_text("Recovery codes")
    expect(page.get_by_test_id("recovery-codes").get_by_role("listitem")).to_have_count(10)
    page.get_by_role("link", name="Continue").click()

    page.get_by_role("button", name="Sign out").click()
    sign_in(page, user.username)
    expect(page.get_by_role("heading", level=1)).to_have_text("Enter your sign-in code")
    page.get_by_label("Code from your authenticator app").fill(code_for(secret, steps_ahead=1))
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).not_to_have_text("Enter your sign-in code")
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
