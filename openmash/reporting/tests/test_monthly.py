"""The monthly partnership report: made once for last month by the worker's daily sweep, as a PDF with
the month's figures and charts, for the performance manager to download."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from openmash.accounts.roles import Role
from openmash.reporting.models import MonthlyReport
from openmash.reporting.services import month_period, monthly_reports_make
from openmash.reporting.tests.hub import at, build

pytestmark = pytest.mark.django_db


def test_a_month_runs_from_its_first_to_its_last_day() -> None:
    assert month_period(date(2026, 2, 1)).last == date(2026, 2, 28)
    assert month_period(date(2028, 2, 1)).last == date(2028, 2, 29)
    assert month_period(date(2026, 12, 1)).last == date(2026, 12, 31)


def test_last_months_report_is_made_once_and_downloads(hub: Any, make_user: Any) -> None:
    build(make_user)
    made = monthly_reports_make(now=at(2027, 1, 2, 6))
    assert [r.month for r in made] == [date(2026, 12, 1)]
    assert monthly_reports_make(now=at(2027, 1, 3, 6)) == []  # the next day's sweep: already made
    pages = PdfReader(io.BytesIO(bytes(made[0].pdf))).pages
    text = "\n".join(page.extract_text() for page in pages)
    assert "Partnership report" in text
    assert "4 contacts this period (1 the period before)" in text
    assert "2 of 3 contacts screened this period were screened within one working day" in text
    # The charts are drawn in the PDF: this period's bars and legend in GOV.UK blue (#1d70b8), a colour
    # nothing else in the report uses.
    drawing = "".join(page.get_contents().get_data().decode("latin-1") for page in pages)
    assert drawing.count("0.113725 0.439216 0.721569 rg") >= 10

    client = Client()
    client.force_login(make_user(Role.PERFORMANCE_MANAGER))
    listing = client.get(reverse("reporting:monthly")).content.decode()
    assert reverse("reporting:monthly-pdf", args=[2026, 12]) in listing
    response = client.get(reverse("reporting:monthly-pdf", args=[2026, 12]))
    assert response["Content-Type"] == "application/pdf"
    assert response.content == bytes(MonthlyReport.objects.get().pdf)
    assert client.get(reverse("reporting:monthly-pdf", args=[2026, 11])).status_code == 404
    client.force_login(make_user(Role.DECISION_MAKER))
    assert client.get(reverse("reporting:monthly-pdf", args=[2026, 12])).status_code == 403
