"""The monthly partnership report: the dashboard for a whole month as a PDF (charts included), made
once per month by the worker and kept for the performance manager."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone

from openmash.reporting.charts import bar_chart
from openmash.reporting.models import MonthlyReport
from openmash.reporting.period import LONDON, Filters, Period
from openmash.reporting.selectors import measure, measure_titles


def month_period(first: date) -> Period:
    following = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    return Period(first, following - timedelta(days=1))


def monthly_pdf(first: date) -> bytes:
    """The month's measures and their charts, rendered by WeasyPrint; it fetches nothing from anywhere."""
    from weasyprint import HTML, URLFetcher  # loaded when a PDF is made, not at start-up

    period = month_period(first)
    measures = [measure(slug, period, Filters()) for slug in measure_titles()]
    html = render_to_string(
        "reporting/monthly_pdf.html",
        {
            "period": period,
            "measures": [
                (m, [(t, bar_chart(t, key=f"{m.slug}-{t.slug}")) for t in m.tables]) for m in measures
            ],
            "made_at": timezone.now(),
        },
    )
    return HTML(
        string=html, base_url=str(settings.BASE_DIR), url_fetcher=URLFetcher(allowed_protocols=("data",))
    ).write_pdf()


def monthly_reports_make(now: datetime | None = None) -> list[MonthlyReport]:
    """Make last month's report unless it is made already (safe to run every day)."""
    today = (now or timezone.now()).astimezone(LONDON).date()
    last_month = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    if MonthlyReport.objects.filter(month=last_month).exists():
        return []
    report = MonthlyReport.objects.create(
        month=last_month, pdf=monthly_pdf(last_month), made_at=timezone.now()
    )
    return [report]
