"""Browser test of data sources: a hub administrator registers the police extract, maps its columns,
loads it and sees the records loaded; then uploads a broken extract and gets a row-by-row report while
the source keeps its previous index."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect

from openmash.accounts.roles import Role
from openmash.sources.tests.helpers import IDENTITY_HEADER, police_files, write_csv
from tests.e2e.conftest import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def h1(page: Page) -> Locator:
    return page.get_by_role("heading", level=1)


def test_admin_registers_maps_loads_and_a_bad_upload_gets_a_report(
    page: Page, make_user: Callable[..., Any], tmp_path: Path
) -> None:
    admin = make_user(Role.HUB_ADMINISTRATOR, first_name="Ada", last_name="Obi")
    identities, events = police_files(tmp_path / "drop")
    sign_in(page, admin.username)
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Data sources").click()
    expect(h1(page)).to_have_text("Data sources")
    page.get_by_role("link", name="Register a data source").click()

    # Nothing filled in: GOV.UK errors, nothing saved.
    page.get_by_role("button", name="Register source").click()
    summary = page.get_by_test_id("error-summary")
    expect(summary).to_contain_text("Select the agency whose system this is")
    expect(summary).to_contain_text("Enter the name of the system")
    expect(summary).to_contain_text("Select the kind of source")
    page.get_by_label("Agency").select_option(label="Police")
    page.get_by_label("Name of the system").fill("Police records system")
    page.get_by_label("CSV extract").check()
    page.get_by_label("Identities file (CSV and Excel)").fill(str(identities))
    page.get_by_label("Events file (CSV and Excel, optional)").fill(str(events))
    page.get_by_role("button", name="Register source").click()

    # The extract's own column names are offered for mapping; standard names are preselected.
    expect(h1(page)).to_have_text("Which column holds what")
    for column, field in (
        ("PERSON_REF", "Record id (required)"),
        ("FORENAME", "Given name"),
        ("SURNAME", "Surname"),
        ("DOB", "Date of birth"),
        ("GENDER", "Sex"),
        ("POSTCODE", "Postcode"),
        ("ADDRESS", "Address"),
    ):
        page.get_by_label(column, exact=True).select_option(label=field)
    page.get_by_role("button", name="Save columns").click()
    expect(h1(page)).to_have_text("Police records system")
    expect(page.get_by_test_id("source-summary")).to_contain_text("PERSON_REF → record_id")

    page.get_by_test_id("load").click()
    expect(page.get_by_test_id("load-done")).to_contain_text("63 records loaded")
    expect(page.get_by_test_id("load-done")).to_contain_text("4 events")
    page.get_by_role("link", name="Back to Police records system").click()
    expect(page.get_by_test_id("current-load")).to_contain_text("63 records")

    broken = write_csv(
        tmp_path / "broken.csv",
        IDENTITY_HEADER,
        [
            ["POL-1", "Ann", "SMITH", "01/01/2000", "F", "NT1 1AA", "2 Elm Road", ""],
            ["", "Bob", "JONES", "01/01/2001", "M", "NT1 1AA", "3 Elm Road", ""],
            ["POL-1", "Cara", "BROWN", "01/01/2002", "F", "NT1 1AA", "4 Elm Road", ""],
        ],
    )
    page.get_by_label("New identities extract (optional)").set_input_files(str(broken))
    page.get_by_test_id("load").click()
    expect(page.get_by_test_id("load-failed")).to_contain_text("The load failed: nothing from it was kept")
    expect(page.get_by_test_id("load-failed")).to_contain_text("Trawls still search the previous load")
    rows = page.get_by_test_id("bad-row")
    # Two bad identity rows, and the four events, which now name people the new extract lacks.
    expect(rows).to_have_count(6)
    expect(rows.nth(0)).to_contain_text("record_id is empty")
    expect(rows.filter(has_text="record_id is not in the identities")).to_have_count(4)
    expect(page.get_by_test_id("bad-rows")).to_contain_text("duplicate record_id (also on row 1)")
    page.get_by_role("link", name="Back to Police records system").click()
    expect(page.get_by_test_id("current-load")).to_contain_text("63 records")


def test_load_page_follows_a_load_run_by_the_worker_and_shows_the_result(
    page: Page, make_user: Callable[..., Any], tmp_path: Path
) -> None:
    """The progress display polls (htmx) while the worker loads, then shows the result by itself."""
    from openmash.sources.loading import load_run
    from openmash.sources.models import SourceLoad
    from openmash.sources.tests.helpers import police_source

    admin = make_user(Role.HUB_ADMINISTRATOR)
    source = police_source(tmp_path, load=False)
    load = SourceLoad.objects.create(source=source, requested_by=admin)  # queued, as the page leaves it
    sign_in(page, admin.username)
    page.goto(f"/hub/sources/{source.pk}/loads/{load.pk}/")
    progress = page.get_by_test_id("load-progress")
    expect(progress).to_contain_text("Waiting for the worker")
    expect(progress).to_contain_text("The previous index is used until this load is complete")
    load_run(load)  # the worker
    expect(page.get_by_test_id("load-done")).to_contain_text("63 records loaded", timeout=10_000)
    expect(page.get_by_test_id("load-progress")).to_have_count(0)
