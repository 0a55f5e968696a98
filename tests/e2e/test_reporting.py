"""Browser test of partnership performance: the performance manager signs in to the dashboard on their
home, changes the period to December 2026, opens the timeliness measure (a chart beside the table of the
same numbers) and downloads it as a spreadsheet.

Takes a full-page screenshot of the measure page: under var/screenshots/, or into
docs/screenshots/reporting-timeliness.png when OPENMASH_UPDATE_SCREENSHOTS=1.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from openmash.accounts.roles import Role
from openmash.hub.models import Agency, AgencyKind
from openmash.reporting.tests.hub import build
from tests.e2e.conftest import BrowserProblems, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOT = (
    ROOT / ("docs" if os.environ.get("OPENMASH_UPDATE_SCREENSHOTS") == "1" else "var") / "screenshots"
) / "reporting-timeliness.png"


def test_performance_manager_reads_timeliness_for_a_month_and_downloads_it(
    new_page: Callable[[], Page], make_user: Callable[..., Any], browser_problems: BrowserProblems
) -> None:
    build(make_user)
    manager = make_user(Role.PERFORMANCE_MANAGER)
    page = new_page()
    sign_in(page, manager.username)

    expect(page.get_by_role("heading", level=1)).to_have_text("Partnership performance")
    browser_problems.check_accessibility(page)
    page.get_by_test_id("open-dashboard").click()
    page.get_by_label("From").fill("1/12/2026")
    page.get_by_label("To").fill("31/12/2026")
    page.get_by_test_id("period-apply").click()
    expect(page.get_by_text("1 December 2026 to 31 December 2026")).to_be_visible()
    expect(page.get_by_test_id("dashboard-volumes")).to_contain_text(
        "4 contacts this period (1 the period before)"
    )

    page.get_by_test_id("dashboard-timeliness").get_by_role("link", name="Timeliness").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Timeliness")
    expect(page.get_by_test_id("measure-summary")).to_contain_text(
        "2 of 3 contacts screened this period were screened within one working day"
    )
    agencies = page.get_by_test_id("measure-table-agencies")
    expect(agencies.get_by_role("img")).to_be_visible()  # the chart
    police = agencies.get_by_role("row").filter(has=page.get_by_role("rowheader", name="Police"))
    expect(police).to_contain_text("100")
    # The nine-column table stays inside the page's column (it scrolls within its own box if need be).
    column = page.locator("main").bounding_box()
    scroller = page.get_by_test_id("table-scroll-agencies").bounding_box()
    assert column is not None and scroller is not None
    assert scroller["x"] + scroller["width"] <= column["x"] + column["width"] + 1, (scroller, column)
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT), full_page=True)

    with page.expect_download() as info:
        page.get_by_test_id("download-xlsx").click()
    download = info.value
    assert download.failure() is None, download.failure()
    assert download.suggested_filename == "timeliness-20261201-20261231.xlsx"
    with Path(download.path()).open("rb") as workbook:
        book = load_workbook(workbook)
    rows = {r[0]: r[1:] for r in book.worksheets[1].iter_rows(values_only=True)}
    assert rows["Police"][:5] == (100, 0, 2, 2, 2)

    # The other pages a performance manager reads, each checked by axe-core as it loads.
    page.goto(reverse("reporting:scorecard", args=[Agency.objects.get(kind=AgencyKind.HEALTH).pk]))
    expect(page.get_by_role("heading", level=1)).to_have_text("Scorecard: Health")
    browser_problems.check_accessibility(page)
    page.goto(reverse("reporting:annex-a"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Ofsted Annex A lists")
    browser_problems.check_accessibility(page)
    page.goto(reverse("reporting:monthly"))
    expect(page.get_by_test_id("no-monthly-reports")).to_be_visible()
    browser_problems.check_accessibility(page)
