"""The pages: who opens them, what they show, and what the downloads hold."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from openmash.accounts.roles import Role
from openmash.audit.catalogue import AuditAction
from openmash.audit.models import AuditEvent
from openmash.hub.models import Agency, AgencyKind
from openmash.reporting.exports import csv_bytes, xlsx_bytes
from openmash.reporting.tests.hub import build

pytestmark = pytest.mark.django_db

DECEMBER = "start=2026-12-01&end=2026-12-31"


@pytest.fixture
def manager(hub: Any, make_user: Any) -> Client:
    build(make_user)
    client = Client()
    client.force_login(make_user(Role.PERFORMANCE_MANAGER))
    return client


def test_the_performance_managers_home_is_the_dashboard(manager: Client) -> None:
    page = manager.get(reverse("accounts:role-home", args=["performance-manager"])).content.decode()
    assert "There are no decided cases to report on yet" not in page
    for slug in ("volumes", "timeliness", "contributions", "decisions", "rereferrals"):
        assert f'data-testid="dashboard-{slug}"' in page


def test_the_dashboard_follows_the_chosen_period(manager: Client) -> None:
    page = manager.get(reverse("reporting:dashboard") + "?" + DECEMBER).content.decode()
    assert "1 December 2026 to 31 December 2026" in page
    assert "4 contacts this period (1 the period before)" in page
    filtered = manager.get(reverse("reporting:dashboard") + "?" + DECEMBER + "&source=6").content.decode()
    assert "1 contacts this period (0 the period before)" in filtered


def test_a_bad_period_is_explained(manager: Client) -> None:
    page = manager.get(reverse("reporting:dashboard") + "?start=2026-12-31&end=2026-12-01").content.decode()
    assert 'data-testid="error-summary"' in page
    assert "The last day must be the same as or after the first day" in page


def test_a_measure_page_has_a_chart_and_the_same_numbers_in_its_table(manager: Client) -> None:
    page = manager.get(reverse("reporting:measure", args=["volumes"]) + "?" + DECEMBER).content.decode()
    assert 'data-testid="chart-sources"' in page and "<svg" in page
    assert "2A: Schools, this period: 2" in page  # the bar's own title
    assert 'data-testid="measure-summary"' in page
    assert reverse("reporting:measure-xlsx", args=["volumes"]) + "?" + DECEMBER.replace("&", "&amp;") in page
    assert manager.get(reverse("reporting:measure", args=["nonsense"])).status_code == 404


def test_a_table_downloads_as_csv_and_every_table_as_xlsx(manager: Client) -> None:
    response = manager.get(reverse("reporting:measure-csv", args=["volumes", "sources"]) + "?" + DECEMBER)
    assert response["Content-Disposition"] == 'attachment; filename="volumes-sources-20261201-20261231.csv"'
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][0] == "Source" and ["2A: Schools", "2", "1", "2", "1"] in rows
    book = load_workbook(
        io.BytesIO(
            manager.get(reverse("reporting:measure-xlsx", args=["timeliness"]) + "?" + DECEMBER).content
        )
    )
    sheet = book.worksheets[1]
    police = next(r for r in sheet.iter_rows(values_only=True) if r[0] == "Police")
    assert police[1] == 100 and police[6] == 5
    assert AuditEvent.objects.filter(action=AuditAction.REPORT_EXPORTED).count() == 2


def test_exports_never_hand_a_spreadsheet_a_formula() -> None:
    evil = '=HYPERLINK("http://example.invalid","x")'
    assert b"'=HYPERLINK" in csv_bytes(["a"], [[evil]])
    sheet = load_workbook(io.BytesIO(xlsx_bytes([("s", ["a"], [[evil]])]))).worksheets[0]
    assert sheet["A2"].data_type == "s" and sheet["A2"].value == evil


def wall(*parts: int) -> datetime:
    """A time on a spreadsheet's wall clock (spreadsheets hold no time zone)."""
    return datetime(*parts)  # noqa: DTZ001


def test_a_workbook_keeps_each_cells_type_and_reads_back_as_written() -> None:
    """The XLSX is written directly (a zip of XML parts): a spreadsheet reads numbers, dates, times and
    booleans typed as they were, text as text (a character XML cannot hold is dropped), the heading row
    bold and frozen, and two sheets of the same name apart."""
    content = xlsx_bytes(
        [
            (
                "Re-referrals: the list",
                ["Referral", "Received", "At", "Count", "Rate", "Flag", "Empty"],
                [
                    ["R-1 <&>", date(2026, 12, 4), wall(2026, 12, 4, 13, 30), 3, 66.7, True, None],
                    ["bell\x07ringing", date(1999, 1, 1), wall(2000, 2, 29, 0, 0), -1, 0.0, False, ""],
                ],
            ),
            ("Re-referrals: the list", ["Only"], []),
        ]
    )
    book = load_workbook(io.BytesIO(content))
    assert book.sheetnames == ["Re-referrals  the list", "Re-referrals  the list (2)"]
    sheet = book.worksheets[0]
    assert sheet.freeze_panes == "A2" and sheet["A1"].font.b
    assert list(sheet.iter_rows(values_only=True)) == [
        ("Referral", "Received", "At", "Count", "Rate", "Flag", "Empty"),
        ("R-1 <&>", wall(2026, 12, 4), wall(2026, 12, 4, 13, 30), 3, 66.7, True, None),
        ("bellringing", wall(1999, 1, 1), wall(2000, 2, 29), -1, 0, False, None),
    ]
    assert sheet["B2"].is_date and sheet["D2"].data_type == "n" and sheet["A2"].data_type == "s"
    assert list(book.worksheets[1].iter_rows(values_only=True)) == [("Only",)]


def test_only_performance_managers_open_the_reports(hub: Any, make_user: Any) -> None:
    client = Client()
    client.force_login(make_user(Role.DECISION_MAKER))
    assert client.get(reverse("reporting:dashboard")).status_code == 403
    assert client.get(reverse("reporting:annex-a-xlsx")).status_code == 403
    refused = AuditEvent.objects.filter(action=AuditAction.ACCESS_REFUSED)
    assert (
        refused.count() == 2 and not AuditEvent.objects.filter(action=AuditAction.ANNEX_A_EXPORTED).exists()
    )


def test_an_agencys_lead_opens_their_own_scorecard_only(hub: Any, make_user: Any) -> None:
    police = Agency.objects.get(kind=AgencyKind.POLICE)
    health = Agency.objects.get(kind=AgencyKind.HEALTH)
    lead = make_user(Role.AGENCY_RESEARCHER, AgencyKind.POLICE, email="Lead@Police.invalid")
    colleague = make_user(Role.AGENCY_RESEARCHER, AgencyKind.POLICE, email="other@police.invalid")
    police.lead_email = "lead@police.invalid"
    police.save()
    client = Client()
    client.force_login(lead)
    page = client.get(reverse("reporting:scorecard", args=[police.pk]))
    assert page.status_code == 200 and "Scorecard: " + police.name in page.content.decode()
    assert client.get(reverse("reporting:scorecard", args=[health.pk])).status_code == 403
    assert client.get(reverse("reporting:dashboard")).status_code == 403
    client.force_login(colleague)
    assert client.get(reverse("reporting:scorecard", args=[police.pk])).status_code == 403


def test_the_scorecard_shows_rag_colours(manager: Client) -> None:
    health = Agency.objects.get(kind=AgencyKind.HEALTH)
    page = manager.get(reverse("reporting:scorecard", args=[health.pk]) + "?" + DECEMBER).content.decode()
    assert 'class="govuk-tag openmash-rag--red">Red</strong>' in page


def test_annex_a_page_counts_and_audits_each_download(manager: Client) -> None:
    page = manager.get(reverse("reporting:annex-a") + "?" + DECEMBER).content.decode()
    assert 'data-testid="annex-a-list1-rows">4<' in page
    assert not AuditEvent.objects.filter(action=AuditAction.ANNEX_A_EXPORTED).exists()
    response = manager.get(reverse("reporting:annex-a-csv", args=["list1"]) + "?" + DECEMBER)
    assert response.content.decode("utf-8-sig").splitlines()[0].startswith("Child Unique ID,Gender,Ethnicity")
    event = AuditEvent.objects.get(action=AuditAction.ANNEX_A_EXPORTED)
    assert event.detail["rows"] == 4 and event.object_id == "list1"
    book = load_workbook(io.BytesIO(manager.get(reverse("reporting:annex-a-xlsx") + "?" + DECEMBER).content))
    assert book.sheetnames == ["List 1 Contacts", "List 2 Early help", "List 3 Referrals"]
