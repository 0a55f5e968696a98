"""Browser test of the disclosure log and the transparency report: after police share a return about a
family (set up through the services), the information governance officer finds the case in the
disclosure log, opens the child's transparency report, which lists exactly what was shared (agency, item,
basis), and downloads it as a PDF.

The expected words are written out by hand so that a change in what the officer sees makes the test fail.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from openmash.accounts.roles import Role
from openmash.audit.catalogue import AuditAction
from openmash.audit.models import AuditEvent
from openmash.cases.tests.helpers import make_referral, screen
from openmash.core.actor import Actor
from openmash.enquiries.services import HistoryData, request_save_return, request_withhold
from openmash.hub.models import AgencyKind
from openmash.referrals.services import PersonData
from tests.e2e.conftest import service_navigation, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

CHILD = "Jayden Whitmore"
MOTHER = "Kerry Whitmore"
BASIS = (  # the lawful basis with the health override that the test helper records, written out
    "UK GDPR Art 6(1)(e): public task; UK GDPR Art 9(2)(g) with Data Protection Act 2018 Schedule 1 "
    "paragraph 18 (safeguarding of children and individuals at risk); The common-law duty of "
    "confidentiality is set aside because of a risk of significant harm to a child"
)
BASIS_REASON = "Risk of significant harm: consent would place the child at risk"


def share_police_return(police: Any, case: Any, source_reference: str) -> None:
    request = case.requests.get(agency__kind=AgencyKind.POLICE)
    request_save_return(
        actor=Actor(user=police),
        request=request,
        expected_version=request.version,
        summary="One domestic abuse incident at the home address.",
        risk_factors="",
        protective_factors="",
        history=[
            HistoryData(date(2026, 9, 1), "domestic_abuse", "Officers attended", "high", source_reference)
        ],
        submit=True,
    )


def test_ig_officer_finds_the_case_and_reads_the_childs_transparency_report(
    new_page: Callable[[], Page], make_user: Callable[..., Any]
) -> None:
    screener = make_user(Role.SCREENING_MANAGER)
    police = make_user(Role.AGENCY_RESEARCHER, AgencyKind.POLICE)
    health = make_user(Role.AGENCY_RESEARCHER, AgencyKind.HEALTH)
    ig = make_user(Role.IG_OFFICER)
    referrer = make_user(Role.REFERRER, AgencyKind.EDUCATION)

    case = make_referral(referrer).case
    screen(case, screener, kinds=(AgencyKind.POLICE, AgencyKind.HEALTH))
    share_police_return(police, case, "INC-2026-0001")
    request_withhold(
        actor=Actor(user=health),
        request=case.requests.get(agency__kind=AgencyKind.HEALTH),
        what="Mother's mental health record",
        reason="Not relevant to the concerns about the child",
    )
    # Another family's police return, which must appear in neither the filtered log nor the report.
    other = make_referral(
        referrer,
        people=[
            PersonData(given_name="Ava", family_name="Lindqvist", date_of_birth=date(2019, 2, 2), sex="F")
        ],
    ).case
    screen(other, screener, kinds=(AgencyKind.POLICE,))
    share_police_return(police, other, "INC-2026-0999")

    page = new_page()
    sign_in(page, ig.username)
    service_navigation(page).get_by_role("link", name="Disclosures", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Disclosure log")
    expect(page.get_by_test_id("disclosure")).to_have_count(
        5
    )  # two returns, one history item each, and a refusal

    page.get_by_label("Case reference").fill(case.reference)
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(rf"[?&]case={case.reference}(&|$)"))
    rows = page.get_by_test_id("disclosure")
    expect(rows).to_have_count(3)
    expect(rows.nth(0)).to_contain_text("Not shared")
    expect(rows.nth(0)).to_contain_text("Reason: Not relevant to the concerns about the child")
    expect(page.get_by_test_id("case-person")).to_have_count(2)
    expect(page.get_by_role("heading", name=f"People on case {case.reference}")).to_be_visible()

    page.get_by_role("link", name=f"Transparency report for {CHILD}").click()
    expect(page).to_have_title(f"Transparency report: {CHILD} – OpenMASH")
    expect(page.get_by_role("heading", level=1)).to_have_text(CHILD)
    expect(page.get_by_test_id("count-shared")).to_have_text("2")
    expect(page.get_by_test_id("count-agencies")).to_have_text("1: Police")
    expect(page.get_by_test_id("count-withheld")).to_have_text("1")
    items = page.get_by_test_id("shared-item")
    expect(items).to_have_count(2)
    expect(page.get_by_test_id("shared-agency")).to_have_text(["Police", "Police"])
    expect(page.get_by_test_id("shared-what")).to_have_text(
        [
            "Police's summary, risk and protective factors",
            "01 Sep 2026 Domestic abuse incident (INC-2026-0001)",
        ]
    )
    for index in range(2):
        basis = page.get_by_test_id("shared-basis").nth(index)
        expect(basis).to_contain_text("Lawful basis without consent")
        expect(basis).to_contain_text(BASIS)
        expect(basis).to_contain_text(f"Reason: {BASIS_REASON}")
        expect(items.nth(index).get_by_test_id("third-party-flag")).to_have_text(
            "Contains information about 1 other person: review before release"
        )
    expect(page.get_by_test_id("withheld-reason")).to_have_text(
        ["Not relevant to the concerns about the child"]
    )
    expect(page.get_by_test_id("third-party-warning")).to_contain_text("3 items also concern other people")
    expect(page.get_by_text("INC-2026-0999")).to_have_count(0)

    with page.expect_download() as info:
        page.get_by_role("link", name="Download as PDF").click()
    download = info.value
    assert download.failure() is None, download.failure()
    assert re.fullmatch(
        rf"transparency-report-{case.reference}-[0-9a-f]{{8}}\.pdf", download.suggested_filename
    )
    pdf = Path(download.path())
    assert pdf.read_bytes().startswith(b"%PDF-")
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(pdf).pages).split())
    assert "OFFICIAL-SENSITIVE" in text
    assert CHILD in text and "INC-2026-0001" in text and "INC-2026-0999" not in text
    assert "Mother's mental health record" in text

    outputs = [e.detail["output"] for e in AuditEvent.objects.filter(action=AuditAction.TRANSPARENCY_REPORT)]
    assert outputs == ["html", "pdf"]
    assert AuditEvent.objects.filter(action=AuditAction.DISCLOSURES_VIEWED).count() == 2


def test_the_log_explains_a_case_reference_it_cannot_find(page: Page, make_user: Callable[..., Any]) -> None:
    ig = make_user(Role.IG_OFFICER)
    sign_in(page, ig.username)
    page.goto("/consent/disclosures/")
    page.get_by_label("Case reference").fill("C-1999-00001")
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_title("Error: Disclosure log – OpenMASH")
    summary = page.locator(".govuk-error-summary")
    expect(summary.get_by_role("link")).to_have_text(["There is no case with the reference C-1999-00001"])
    summary.get_by_role("link").first.click()
    expect(page.get_by_label("Case reference")).to_be_focused()
    expect(page.get_by_label("Case reference")).to_have_value("C-1999-00001")


def test_the_childs_report_leaves_out_the_mothers_own_records_and_hers_lists_the_childs_apart(
    page: Page, make_user: Callable[..., Any], tmp_path: Path, django_capture_on_commit_callbacks: Any
) -> None:
    """Police share events from the child's own record and from the mother's own record. The child's
    subject access report holds the child's records and the case's information, never the mother's own
    records; the mother's holds her record, and the case's information about the child only in a
    third-party section that says so."""
    from openmash.consent.tests.test_transparency import _police_return_with_both_records

    _, child, mother, _, _ = _police_return_with_both_records(
        tmp_path, make_user, django_capture_on_commit_callbacks
    )
    ig = make_user(Role.IG_OFFICER)
    sign_in(page, ig.username)
    expect(page.get_by_test_id("identity")).to_be_visible()

    page.goto(reverse("consent:transparency", args=[child.pk]))
    expect(page.get_by_role("heading", level=1)).to_have_text(CHILD)
    expect(page.get_by_test_id("shared-what")).to_have_text(
        [
            "Police's summary, risk and protective factors",
            "24 Dec 2025 Incident (INC-2025-009912)",
            "14 Mar 2026 Domestic abuse incident (INC-2026-000101)",
            "02 Jun 2026 Missing episode (INC-2026-000287)",
            "01 Sep 2026 Incident (INC-HAND)",
        ]
    )
    expect(page.get_by_test_id("count-shared")).to_have_text("5")
    expect(page.get_by_test_id("mentions-items")).to_have_count(0)

    page.goto(reverse("consent:transparency", args=[mother.pk]))
    expect(page.get_by_role("heading", level=1)).to_have_text(MOTHER)
    expect(page.get_by_test_id("shared-what")).to_have_text(
        ["14 Mar 2026 Domestic abuse incident (INC-2026-000101)"]
    )
    # The incident is one event about both of them (ADR 0029): hers, flagged as also about the child.
    flag = page.get_by_test_id("shared-item").get_by_test_id("third-party-flag")
    expect(flag).to_have_count(1)
    expect(page.get_by_test_id("shared-item")).to_contain_text("Also about: child referred")
    heading = page.get_by_role("heading", name=f"Information about other people that names {MOTHER}")
    expect(heading).to_be_visible()
    expect(page.get_by_test_id("mentions-warning")).to_contain_text("Third-party information")
    mentions = page.get_by_test_id("mentions-item")
    expect(mentions).to_have_count(2)
    expect(mentions.nth(0)).to_contain_text("Police's summary, risk and protective factors")
    expect(page.get_by_test_id("mentions-about")).to_have_text(["Third party: child referred"] * 2)
    expect(page.get_by_test_id("count-mentions")).to_have_text("2")


def test_the_disclosure_log_names_each_view_and_download_for_what_it_was(
    new_page: Callable[[], Page], make_user: Callable[..., Any]
) -> None:
    """A screening manager opens the case product, downloads its PDF pack, opens the chronology and
    downloads its CSV; the officer's disclosure log names each of the four, not "chronology" for all."""
    screener = make_user(Role.SCREENING_MANAGER)
    police = make_user(Role.AGENCY_RESEARCHER, AgencyKind.POLICE)
    case = make_referral(make_user(Role.REFERRER, AgencyKind.EDUCATION)).case
    screen(case, screener, kinds=(AgencyKind.POLICE,))
    share_police_return(police, case, "INC-2026-0001")

    page = new_page()
    sign_in(page, screener.username)
    expect(page.get_by_test_id("identity")).to_be_visible()
    page.goto(reverse("cases:detail", args=[case.pk]))
    page.get_by_role("link", name="Case product").click()
    with page.expect_download() as pack:
        page.get_by_role("link", name="Download the meeting pack (PDF)").click()
    assert pack.value.failure() is None
    page.get_by_role("link", name="Filter the chronology").click()
    with page.expect_download() as csv:
        page.get_by_role("link", name="Download as CSV").click()
    assert csv.value.failure() is None

    officer = new_page()
    sign_in(officer, make_user(Role.IG_OFFICER).username)
    expect(officer.get_by_test_id("identity")).to_be_visible()
    officer.goto(reverse("consent:disclosures") + f"?case={case.reference}")
    rows = officer.get_by_test_id("disclosure")
    # The return and its one event shared, the case page seen, then the four views and downloads.
    expect(rows).to_have_count(7)
    expect(rows.nth(0)).to_contain_text("Police's history items in the chronology CSV export")
    expect(rows.nth(0)).to_contain_text("Where: Chronology CSV exported")
    expect(rows.nth(1)).to_contain_text("Where: Chronology viewed")
    expect(rows.nth(2)).to_contain_text("Police's return in the case product PDF pack")
    expect(rows.nth(2)).to_contain_text("Where: Case product PDF pack downloaded")
    expect(rows.nth(3)).to_contain_text("Where: Case product viewed")
    expect(rows.nth(4)).to_contain_text("Where: Case page")
    expect(officer.get_by_text("Chronology export (CSV)")).to_have_count(0)
