"""Browser test of the trawl on the demo hub: the police researcher searches the police records system for
a demo case's family, reads the evidence, confirms one record, rejects another, adds two of the confirmed
record's events to the return, searches again (the decisions are kept), undoes the rejection, rewords
one event and submits the return; the screening manager's chronology shows both events with the
system, the record and the police reference they came from.

The demo is loaded as `make demo` loads it (a smaller area): synthetic cases, and each agency's synthetic
extract registered and loaded as its data source. The case is the first open police request whose family
the police system holds at least two records for, one of them with at least two events.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect

from openmash.demo.loader import DEMO_PASSWORD, load_demo
from openmash.enquiries.models import InformationRequest, RequestStatus
from openmash.hub.models import AgencyKind
from openmash.sources.index import fetch_records, index_for
from openmash.sources.models import DataSource
from openmash.trawl.runner import query_for
from tests.e2e.conftest import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


def h1(page: Page) -> Locator:
    return page.get_by_role("heading", level=1)


def success_banner(page: Page) -> Locator:
    return page.locator(".govuk-notification-banner--success .govuk-notification-banner__heading")


def demo_case_for_police() -> tuple[InformationRequest, str, str]:
    """An open police request, the record to confirm (with two or more events) and one to reject."""
    source = DataSource.objects.get(agency__kind=AgencyKind.POLICE)
    assert source.current_load is not None
    index = index_for(source.current_load)
    requests = InformationRequest.objects.filter(agency=source.agency, status=RequestStatus.OPEN).order_by(
        "case__reference"
    )
    for info in requests:
        found = []
        for person in info.case.referral.people.all():
            (result,) = index.search([query_for(person)], top=5, threshold=source.threshold)
            found += [c.record_id for c in result.candidates]
        if len(found) < 2:
            continue
        records = fetch_records(source, source.current_load, found)
        with_events = [r for r in found if len(records[r].events) >= 2]
        if with_events:
            confirm = with_events[0]
            return info, confirm, next(r for r in found if r != confirm)
    raise AssertionError("the demo has no open police request with two candidates")


def test_police_researcher_trawls_confirms_rejects_adds_two_events_and_the_chronology_shows_them(
    new_page: Callable[[], Page], tmp_path: Path
) -> None:
    load_demo(seed=2026, households=40, area_dir=tmp_path / "area", cases=80)
    info, confirm_id, reject_id = demo_case_for_police()
    reference = info.case.reference

    page = new_page()
    sign_in(page, "police.researcher", DEMO_PASSWORD)
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Requests").click()
    page.get_by_role("link", name=reference).first.click()
    expect(page.get_by_role("heading", name="Search Police's records")).to_be_visible()
    page.get_by_role("link", name="Search your agency's records").click()
    expect(h1(page)).to_have_text("Search Police's records")
    expect(page.get_by_test_id("sources")).to_contain_text("Police records system")
    page.get_by_role("button", name="Search records").click()

    expect(page.get_by_test_id("trawl-summary")).to_contain_text("people")
    confirm = page.locator(".trawl-candidate", has=page.get_by_text(confirm_id, exact=True))
    reject = page.locator(".trawl-candidate", has=page.get_by_text(reject_id, exact=True))
    # Each candidate shows its probability and field-by-field evidence.
    expect(confirm.get_by_test_id("probability")).to_contain_text("Match probability")
    evidence = confirm.get_by_test_id("evidence")
    expect(evidence.get_by_role("row", name="Surname")).to_be_visible()
    expect(evidence.get_by_role("row", name="Date of birth")).to_be_visible()
    expect(evidence).to_contain_text("In Police records system")
    # The case side in display form: no normalised lowercase address or postcode.
    for cell in evidence.locator("td").all_inner_texts():
        assert not re.search(r"\b[a-z]{1,2}\d[a-z\d]? ?\d[a-z]{2}\b", cell), cell

    confirm.get_by_label("Why (optional)").fill("Same name, date of birth and address")
    confirm.get_by_role("button", name="Confirm same person").click()
    expect(h1(page)).to_contain_text(f"Police records system record {confirm_id}")
    expect(success_banner(page)).to_contain_text(f"Confirmed: Police records system record {confirm_id}")
    # The record's fields labelled and formatted, not the extract's raw keys and values.
    identity = page.locator("main").get_by_test_id("identity")
    shown = identity.inner_text()
    assert "_" not in shown, shown  # "Warning markers", not "Warning_markers"
    assert not re.search(r"\d{4}-\d{2}-\d{2}", shown), shown  # dates as "10 November 1995"
    sex = identity.locator(".govuk-summary-list__row", has_text="Sex").locator("dd").inner_text()
    assert sex in {"Male", "Female", "Unknown", "Indeterminate", "Not recorded"}, sex
    postcode = identity.locator(".govuk-summary-list__row", has_text="Postcode").locator("dd").inner_text()
    assert postcode == postcode.upper(), postcode
    events = page.get_by_test_id("event")
    assert events.count() >= 2
    chosen = [events.nth(0), events.nth(1)]
    references = [e.locator(".openmash-mono").inner_text() for e in chosen]
    for event in chosen:
        event.get_by_role("checkbox").check()
    page.get_by_role("button", name="Add selected events to return").click()
    expect(success_banner(page)).to_contain_text(f"2 events added to your return for case {reference}")
    expect(page.get_by_text("In your return")).to_have_count(2)

    page.get_by_role("link", name="Back to the search results").click()
    reject = page.locator(".trawl-candidate", has=page.get_by_text(reject_id, exact=True))
    reject.get_by_label("Why (optional)").fill("Different date of birth")
    reject.get_by_role("button", name="Not the same person").click()
    expect(success_banner(page)).to_contain_text(f"Rejected: Police records system record {reject_id}")
    expect(reject.get_by_test_id("decision")).to_contain_text("Rejected: not the same person")
    confirm = page.locator(".trawl-candidate", has=page.get_by_text(confirm_id, exact=True))
    expect(confirm.get_by_test_id("decision")).to_contain_text("Confirmed: same person")

    # Searching again keeps both decisions; the rejection is then undone and the record is to review.
    page.get_by_role("button", name="Search again").click()
    expect(page.get_by_test_id("kept")).to_have_count(2)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "trawl-page.png"), full_page=True)  # for people to look at
    confirm = page.locator(".trawl-candidate", has=page.get_by_text(confirm_id, exact=True))
    reject = page.locator(".trawl-candidate", has=page.get_by_text(reject_id, exact=True))
    expect(confirm.get_by_test_id("decision")).to_contain_text("Confirmed: same person")
    expect(reject.get_by_test_id("decision")).to_contain_text("Different date of birth")
    reject.get_by_text("Undo this decision").click()
    reject.get_by_role("button", name="Undo decision").click()
    expect(success_banner(page)).to_contain_text(f"Decision undone: Police records system record {reject_id}")
    reject = page.locator(".trawl-candidate", has=page.get_by_text(reject_id, exact=True))
    expect(reject.get_by_role("button", name="Not the same person")).to_be_visible()

    page.get_by_role("link", name="Back to the request").click()
    items = page.get_by_test_id("trawl-item")
    expect(items).to_have_count(2)
    for ref in references:
        expect(page.get_by_test_id("trawl-items")).to_contain_text(ref)
    # The events table takes the whole width of the page, not two-thirds, and no source reference is
    # broken over two lines.
    table = page.get_by_test_id("trawl-items")
    row = table.locator("xpath=ancestor::div[contains(@class, 'govuk-grid-row')][1]")
    table_box, row_box = table.bounding_box(), row.bounding_box()
    assert table_box and row_box and table_box["width"] > 0.9 * row_box["width"], (table_box, row_box)
    for ref in references:
        expect(table.get_by_text(ref, exact=True)).to_have_css("white-space", "nowrap")
    # The researcher rewords one event before sharing it; its reference stays and it is marked changed.
    items.first.get_by_role("link", name="Change").click()
    expect(h1(page)).to_have_text("Change an event before sharing")
    expect(page.get_by_test_id("item-source")).to_contain_text(confirm_id)
    page.get_by_label("What happened").fill("Reworded by the researcher: the relevant part only.")
    page.get_by_role("button", name="Save the event").click()
    expect(success_banner(page)).to_contain_text("event in your return")
    changed = page.get_by_test_id("trawl-item").filter(has=page.get_by_test_id("edited"))
    expect(changed).to_have_count(1)
    expect(changed).to_contain_text("Reworded by the researcher: the relevant part only.")
    page.get_by_label("Summary").fill("Known to police: the events below, from the police records system.")
    page.get_by_role("button", name="Submit return").click()
    expect(success_banner(page)).to_contain_text(f"Return sent to the hub for case {reference}")

    manager = new_page()
    sign_in(manager, "screening.manager", DEMO_PASSWORD)
    manager.goto(f"/chronology/{info.case.pk}/")
    expect(h1(manager)).to_have_text("Multi-agency chronology")
    for ref in references:
        entry = manager.locator("div.moj-timeline__item", has=manager.get_by_text(ref, exact=True)).last
        expect(entry).to_contain_text("Police records system record")
        expect(entry).to_contain_text(confirm_id)


def test_search_page_follows_a_trawl_run_by_the_worker_then_shows_the_candidates(
    new_page: Callable[[], Page], make_user: Callable[..., Any], tmp_path: Path
) -> None:
    """While the worker searches, the page shows progress (htmx polling); when it finishes the
    candidates appear without the researcher doing anything."""
    from openmash.enquiries.tests.test_views import make_case, make_people, request_to
    from openmash.sources.tests.helpers import police_source
    from openmash.trawl.models import Trawl
    from openmash.trawl.runner import trawl_run
    from tests.e2e.conftest import PASSWORD

    people = make_people(make_user)
    police_source(tmp_path)
    info = request_to(make_case(people), AgencyKind.POLICE)
    trawl = Trawl.objects.create(request=info, started_by=people["police"], people_total=2)  # queued
    page = new_page()
    sign_in(page, people["police"].username, PASSWORD)
    page.goto(f"/requests/{info.pk}/trawl/")
    expect(page.get_by_test_id("trawl-progress")).to_contain_text("0 of 2 people searched")
    trawl_run(trawl)  # the worker
    expect(page.get_by_test_id("trawl-summary")).to_contain_text("2 of 2 people", timeout=10_000)
    expect(page.locator(".trawl-candidate", has=page.get_by_text("POL-100", exact=True))).to_be_visible()
    expect(page.get_by_test_id("trawl-progress")).to_have_count(0)
