"""Partnership performance: the dashboard, a page per measure, agency scorecards, Annex A, and their exports.

Every page asks the one access policy; the measures only read."""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from openmash.access.enforce import authorize, load
from openmash.access.policy import Action
from openmash.accounts.permissions import Perm, can, signed_in
from openmash.audit.catalogue import AuditAction
from openmash.audit.services import audit_record
from openmash.core.actor import Actor
from openmash.hub.models import Agency
from openmash.reporting import annex_a as lists
from openmash.reporting.charts import bar_chart
from openmash.reporting.exports import csv_bytes, xlsx_bytes
from openmash.reporting.forms import PeriodForm, ReportForm
from openmash.reporting.models import MonthlyReport
from openmash.reporting.period import LONDON, Filters, Period
from openmash.reporting.scorecard import scorecard
from openmash.reporting.selectors import Measure, measure, measure_titles
from openmash.reporting.services import month_period

DEFAULT_DAYS = 28
ANNEX_A_DAYS = 183  # Annex A lists cover the six months before the inspection


def today() -> date:
    return timezone.now().astimezone(LONDON).date()


def default_period() -> Period:
    return Period.last_days(today(), DEFAULT_DAYS)


def _bound(request: HttpRequest, default: Period) -> dict[str, Any] | None:
    if not request.GET:
        return None
    data: dict[str, Any] = {"start": f"{default.first:%d/%m/%Y}", "end": f"{default.last:%d/%m/%Y}"}
    data.update(
        {
            k: request.GET.get(k, "")[:40]
            for k in ("start", "end", "agency", "source", "rag")
            if k in request.GET
        }
    )
    return data


def report_form(request: HttpRequest) -> ReportForm:
    default = default_period()
    form = ReportForm(_bound(request, default), default=default)
    return form


def _query(period: Period, filters: Filters) -> str:
    params = {"start": period.first.isoformat(), "end": period.last.isoformat()}
    if filters.agency:
        params["agency"] = str(filters.agency)
    if filters.source:
        params["source"] = filters.source
    if filters.rag:
        params["rag"] = filters.rag
    return urlencode(params)


def _tables(m: Measure) -> list[dict[str, Any]]:
    return [{"table": t, "chart": bar_chart(t, key=f"{m.slug}-{t.slug}")} for t in m.tables]


def dashboard_context(period: Period, filters: Filters) -> dict[str, Any]:
    measures = [measure(slug, period, filters, brief=True) for slug in measure_titles()]
    return {"period": period, "filters": filters, "measures": measures, "query": _query(period, filters)}


@signed_in
def dashboard(request: HttpRequest) -> HttpResponse:
    authorize(Actor.from_request(request), Action.REPORTS_VIEW, None)
    form = report_form(request)
    period, filters = form.period(), form.filters()
    context = dashboard_context(period, filters)
    context.update(
        form=form,
        agencies=Agency.objects.filter(is_active=True).order_by("name"),
        titles=measure_titles(),
    )
    return render(request, "reporting/dashboard.html", context)


def _measure_slug(slug: str) -> str:
    if slug not in measure_titles():  # early help only where the hub runs it
        raise Http404("No such measure")
    return slug


@signed_in
def measure_page(request: HttpRequest, slug: str) -> HttpResponse:
    authorize(Actor.from_request(request), Action.REPORTS_VIEW, None)
    slug = _measure_slug(slug)
    form = report_form(request)
    period, filters = form.period(), form.filters()
    m = measure(slug, period, filters)
    return render(
        request,
        "reporting/measure.html",
        {"form": form, "measure": m, "tables": _tables(m), "query": _query(period, filters), "slug": slug},
    )


def _download(content: bytes, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv; charset=utf-8"


def _exported(request: HttpRequest, slug: str, table: str, fmt: str, period: Period) -> None:
    audit_record(
        actor=Actor.from_request(request),
        action=AuditAction.REPORT_EXPORTED,
        object_type="report",
        object_id=slug,
        detail={
            "table": table,
            "format": fmt,
            "from": period.first.isoformat(),
            "to": period.last.isoformat(),
        },
    )


@signed_in
def measure_csv(request: HttpRequest, slug: str, table: str) -> HttpResponse:
    authorize(Actor.from_request(request), Action.REPORTS_VIEW, None)
    slug = _measure_slug(slug)
    form = report_form(request)
    period = form.period()
    m = measure(slug, period, form.filters())
    chosen = next((t for t in m.tables if t.slug == table), None)
    if chosen is None:
        raise Http404("No such table")
    _exported(request, slug, table, "csv", period)
    name = f"{slug}-{table}-{period.first:%Y%m%d}-{period.last:%Y%m%d}.csv"
    return _download(csv_bytes(chosen.columns, chosen.rows), name, CSV)


def measure_sheets(m: Measure) -> list[tuple[str, list[str], list[list[object]]]]:
    return [(t.title, t.columns, t.rows) for t in m.tables]


@signed_in
def measure_xlsx(request: HttpRequest, slug: str) -> HttpResponse:
    authorize(Actor.from_request(request), Action.REPORTS_VIEW, None)
    slug = _measure_slug(slug)
    form = report_form(request)
    period = form.period()
    m = measure(slug, period, form.filters())
    _exported(request, slug, "all", "xlsx", period)
    name = f"{slug}-{period.first:%Y%m%d}-{period.last:%Y%m%d}.xlsx"
    return _download(xlsx_bytes(measure_sheets(m)), name, XLSX)


# Agency scorecards -----------------------------------------------------------------------------------------


@signed_in
def agency_scorecard(request: HttpRequest, agency_id: str) -> HttpResponse:
    actor = Actor.from_request(request)
    agency, _ = load(actor, Action.SCORECARD_VIEW, Agency.objects.all(), agency_id)
    default = default_period()
    form = PeriodForm(_bound(request, default), default=default)
    period = form.period()
    card = scorecard(agency, period)
    return render(
        request,
        "reporting/scorecard.html",
        {
            "form": form,
            "agency": agency,
            "card": card,
            "period": period,
            "all_reports": can(request.user, Perm.PERFORMANCE_VIEW),
            "target": settings.OPENMASH_REQUESTS_ON_TIME_TARGET,
        },
    )


# Annex A ---------------------------------------------------------------------------------------------------


def annex_period(request: HttpRequest) -> tuple[PeriodForm, Period]:
    default = Period.last_days(today(), ANNEX_A_DAYS)
    form = PeriodForm(_bound(request, default), default=default)
    return form, form.period()


@signed_in
def annex_a_page(request: HttpRequest) -> HttpResponse:
    authorize(Actor.from_request(request), Action.ANNEX_A, None)
    form, period = annex_period(request)
    counts = lists.counts(period)
    return render(
        request,
        "reporting/annex_a.html",
        {
            "form": form,
            "period": period,
            "lists": [(slug, title, counts[slug]) for slug, (title, _) in lists.LISTS.items()],
            "query": _query(period, Filters()),
        },
    )


def _annex_exported(request: HttpRequest, which: str, fmt: str, period: Period, rows: int) -> None:
    audit_record(
        actor=Actor.from_request(request),
        action=AuditAction.ANNEX_A_EXPORTED,
        object_type="annex_a",
        object_id=which,
        detail={"format": fmt, "from": period.first.isoformat(), "to": period.last.isoformat(), "rows": rows},
    )


@signed_in
def annex_a_csv(request: HttpRequest, which: str) -> HttpResponse:
    authorize(Actor.from_request(request), Action.ANNEX_A, None)
    if which not in lists.LISTS:
        raise Http404("No such list")
    _, period = annex_period(request)
    _title, columns, rows = lists.annex_a(which, period)
    body = list(rows)
    _annex_exported(request, which, "csv", period, len(body))
    return _download(
        csv_bytes(columns, body), f"annex-a-{which}-{period.first:%Y%m%d}-{period.last:%Y%m%d}.csv", CSV
    )


def annex_sheets(period: Period) -> list[tuple[str, list[str], list[list[object]]]]:
    sheets = []
    for slug in lists.LISTS:
        title, columns, rows = lists.annex_a(slug, period)
        sheets.append((title, columns, list(rows)))
    return sheets


@signed_in
def annex_a_xlsx(request: HttpRequest) -> HttpResponse:
    authorize(Actor.from_request(request), Action.ANNEX_A, None)
    _, period = annex_period(request)
    sheets = annex_sheets(period)
    _annex_exported(request, "all", "xlsx", period, sum(len(rows) for _, _, rows in sheets))
    name = f"annex-a-{period.first:%Y%m%d}-{period.last:%Y%m%d}.xlsx"
    return _download(xlsx_bytes(sheets), name, XLSX)


# Monthly partnership reports -------------------------------------------------------------------------------


@signed_in
def monthly_reports(request: HttpRequest) -> HttpResponse:
    authorize(Actor.from_request(request), Action.REPORTS_VIEW, None)
    reports = MonthlyReport.objects.defer("pdf")
    return render(request, "reporting/monthly.html", {"reports": reports})


@signed_in
def monthly_report_pdf(request: HttpRequest, year: int, month: int) -> HttpResponse:
    authorize(Actor.from_request(request), Action.REPORTS_VIEW, None)
    report = MonthlyReport.objects.filter(month__year=year, month__month=month).first()
    if report is None:
        raise Http404("No report for that month")
    _exported(request, "monthly", f"{year}-{month:02d}", "pdf", month_period(report.month))
    return _download(bytes(report.pdf), f"partnership-report-{year}-{month:02d}.pdf", "application/pdf")
