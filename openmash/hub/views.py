from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from openmash.accounts.permissions import Perm, can, require
from openmash.core.actor import Actor
from openmash.core.codes import ReferralSource
from openmash.core.concurrency import show_their_version
from openmash.core.errors import ConcurrentEditError, DomainError
from openmash.hub import services
from openmash.hub.forms import (
    AgencyForm,
    ClosureDayForm,
    HubSettingsForm,
    RagResponseTimeForm,
    ThresholdIndicatorForm,
    ThresholdLevelForm,
    yes_no_initial,
)
from openmash.hub.models import (
    Agency,
    AssessmentDomain,
    ClosureDay,
    HubConfiguration,
    RagResponseTime,
    RiskGrading,
    ThresholdIndicator,
    ThresholdLevel,
    TimeUnit,
)
from openmash.hub.selectors import hub_calendar, hub_configuration, response_times_in_order
from openmash.referrals.models import ConcernCategory


def _may_configure(request: HttpRequest) -> bool:
    return can(request.user, Perm.HUB_CONFIGURE)


@require(Perm.HUB_VIEW_CONFIGURATION)
def overview(request: HttpRequest) -> HttpResponse:
    config = hub_configuration()
    return render(
        request,
        "hub/overview.html",
        {
            "hub": config,
            "core_agencies": config.core_agencies.all(),
            "response_times": response_times_in_order(),
            "may_configure": _may_configure(request),
            "triage_rule": triage_rule_text(config),
        },
    )


def triage_rule_text(config: HubConfiguration) -> str:
    """The hub's triage rule in words: 'Police notifications about domestic abuse graded standard'."""
    if not (config.triage_source or config.triage_concern or config.triage_grading):
        return ""
    words = [ReferralSource(config.triage_source).label if config.triage_source else "Any"]
    words.append("notifications")
    if config.triage_concern:
        words.append(f"about {ConcernCategory(config.triage_concern).label.lower()}")
    if config.triage_grading:
        words.append(f"graded {RiskGrading(config.triage_grading).label.lower()}")
    return " ".join(words)


def _settings_initial(config: HubConfiguration) -> dict[str, Any]:
    return {
        "version": config.version,
        "name": config.name,
        "hub_model": config.hub_model,
        "core_agencies": list(config.core_agencies.all()),
        "day_start": config.day_start,
        "day_end": config.day_end,
        "threshold_document_title": config.threshold_document_title,
        "threshold_document_version": config.threshold_document_version,
        "contact_email": config.contact_email,
        "contact_phone": config.contact_phone,
        "out_of_hours_arrangement": config.out_of_hours_arrangement,
        "triage_source": config.triage_source,
        "triage_concern": config.triage_concern,
        "triage_grading": config.triage_grading,
        **{name: yes_no_initial(getattr(config, name)) for name in HubSettingsForm.BOOLEAN_FIELDS},
    }


def _refused(form: Any, error: DomainError, obj: Any, saved: Callable[[Any], Mapping[str, Any]]) -> None:
    """The refusal goes in the error summary; after a concurrent edit, what is saved now is shown too,
    with the administrator's own typing left in the form."""
    form.add_error(None, str(error))
    if isinstance(error, ConcurrentEditError):
        obj.refresh_from_db()
        show_their_version(form, obj, saved(obj))


@require(Perm.HUB_CONFIGURE)
def settings_edit(request: HttpRequest) -> HttpResponse:
    config = hub_configuration()
    form = HubSettingsForm(
        request.POST if request.method == "POST" else None, initial=_settings_initial(config)
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("version")
        core = list(data.pop("core_agencies"))
        try:
            services.hub_settings_update(
                actor=Actor.from_request(request),
                config=config,
                expected_version=version,
                values=data,
                core_agencies=core,
            )
        except DomainError as error:
            _refused(form, error, config, _settings_initial)
        else:
            messages.success(request, "Hub settings saved.")
            return redirect("hub:overview")
    return render(request, "hub/settings_form.html", {"form": form})


@require(Perm.HUB_VIEW_CONFIGURATION)
def agencies(request: HttpRequest) -> HttpResponse:
    config = hub_configuration()
    core_ids = set(config.core_agencies.values_list("id", flat=True))
    rows = [(agency, agency.id in core_ids) for agency in Agency.objects.all()]
    return render(request, "hub/agencies.html", {"rows": rows, "may_configure": _may_configure(request)})


@require(Perm.HUB_CONFIGURE)
def agency_create(request: HttpRequest) -> HttpResponse:
    form = AgencyForm(request.POST if request.method == "POST" else None, initial={"is_active": True})
    if request.method == "POST" and form.is_valid():
        try:
            agency = services.agency_create(actor=Actor.from_request(request), values=form.cleaned_data)
        except DomainError as error:
            form.add_error("name", str(error))
        else:
            messages.success(request, f"{agency.name} added.")
            return redirect("hub:agencies")
    return render(request, "hub/agency_form.html", {"form": form, "agency": None})


@require(Perm.HUB_CONFIGURE)
def agency_edit(request: HttpRequest, agency_id: str) -> HttpResponse:
    agency = get_object_or_404(Agency, pk=agency_id)
    form = AgencyForm(request.POST if request.method == "POST" else None, instance=agency)
    if request.method == "POST" and form.is_valid():
        try:
            values = {k: v for k, v in form.cleaned_data.items() if k != "version"}
            services.agency_update(
                actor=Actor.from_request(request),
                agency=agency,
                expected_version=form.cleaned_data["version"],
                values=values,
            )
        except ConcurrentEditError as error:
            _refused(form, error, agency, lambda _: form.saved_values())
        except DomainError as error:
            form.add_error("name", str(error))
        else:
            messages.success(request, f"{agency.name} saved.")
            return redirect("hub:agencies")
    return render(request, "hub/agency_form.html", {"form": form, "agency": agency})


@require(Perm.HUB_VIEW_CONFIGURATION)
def response_times(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "hub/response_times.html",
        {"rows": response_times_in_order(), "may_configure": _may_configure(request)},
    )


@require(Perm.HUB_CONFIGURE)
def response_time_edit(request: HttpRequest, rating: str) -> HttpResponse:
    row = get_object_or_404(RagResponseTime, rating=rating)
    form = RagResponseTimeForm(
        request.POST if request.method == "POST" else None, initial=_response_time_initial(row)
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.rag_response_time_update(
                actor=Actor.from_request(request),
                response_time=row,
                expected_version=data["version"],
                amount=data["amount"],
                unit=TimeUnit(data["unit"]),
                runs_out_of_hours=data["runs_out_of_hours"],
            )
        except DomainError as error:
            _refused(form, error, row, _response_time_initial)
        else:
            messages.success(request, f"{row.get_rating_display()} response time saved: {row.describe()}.")
            return redirect("hub:response-times")
    return render(request, "hub/response_time_form.html", {"form": form, "row": row})


def _response_time_initial(row: RagResponseTime) -> dict[str, Any]:
    return {
        "version": row.version,
        "amount": row.amount,
        "unit": row.unit,
        "runs_out_of_hours": yes_no_initial(row.runs_out_of_hours),
    }


@require(Perm.HUB_VIEW_CONFIGURATION)
def thresholds(request: HttpRequest) -> HttpResponse:
    levels = ThresholdLevel.objects.prefetch_related("indicators")
    return render(
        request,
        "hub/thresholds.html",
        {"hub": hub_configuration(), "levels": levels, "may_configure": _may_configure(request)},
    )


@require(Perm.HUB_CONFIGURE)
def threshold_level_edit(request: HttpRequest, number: int) -> HttpResponse:
    level = get_object_or_404(ThresholdLevel, number=number)
    is_indicator = request.POST.get("form") == "indicator"
    level_form = ThresholdLevelForm(
        request.POST if request.method == "POST" and not is_indicator else None, instance=level
    )
    indicator_form = ThresholdIndicatorForm(request.POST if is_indicator else None, prefix="indicator")
    actor = Actor.from_request(request)
    if request.method == "POST" and not is_indicator and level_form.is_valid():
        values = {k: v for k, v in level_form.cleaned_data.items() if k != "version"}
        try:
            services.threshold_level_update(
                actor=actor, level=level, expected_version=level_form.cleaned_data["version"], values=values
            )
        except DomainError as error:
            _refused(level_form, error, level, lambda _: level_form.saved_values())
        else:
            messages.success(request, f"Level {level.number} saved.")
            return redirect("hub:thresholds")
    if is_indicator and indicator_form.is_valid():
        services.threshold_indicator_add(
            actor=actor,
            level=level,
            domain=AssessmentDomain(indicator_form.cleaned_data["domain"]),
            text=indicator_form.cleaned_data["text"],
        )
        messages.success(request, "Indicator added.")
        return redirect("hub:threshold-level", number=level.number)
    return render(
        request,
        "hub/threshold_level_form.html",
        {"level": level, "form": level_form, "indicator_form": indicator_form},
    )


@require(Perm.HUB_CONFIGURE)
@require_POST
def threshold_indicator_remove(request: HttpRequest, indicator_id: str) -> HttpResponse:
    indicator = get_object_or_404(ThresholdIndicator.objects.select_related("level"), pk=indicator_id)
    number = indicator.level.number
    services.threshold_indicator_remove(actor=Actor.from_request(request), indicator=indicator)
    messages.success(request, "Indicator removed.")
    return redirect("hub:threshold-level", number=number)


def _calendar_page(request: HttpRequest, *, year: int, form: ClosureDayForm) -> HttpResponse:
    year = min(max(year, 2000), 2100)
    return render(
        request,
        "hub/calendar.html",
        {
            "year": year,
            "bank_holidays": sorted(hub_calendar().bank_holidays(year).items()),
            "closures": ClosureDay.objects.filter(date__year=year),
            "form": form,
            "hub": hub_configuration(),
            "may_configure": _may_configure(request),
        },
    )


@require(Perm.HUB_VIEW_CONFIGURATION)
def calendar(request: HttpRequest) -> HttpResponse:
    year_text = request.GET.get("year", "")
    year = int(year_text) if year_text.isdigit() else timezone.localdate().year
    return _calendar_page(request, year=year, form=ClosureDayForm())


@require(Perm.HUB_CONFIGURE)
@require_POST
def closure_add(request: HttpRequest) -> HttpResponse:
    form = ClosureDayForm(request.POST)
    if form.is_valid():
        day = form.cleaned_data["date"]
        try:
            services.closure_day_add(
                actor=Actor.from_request(request), day=day, reason=form.cleaned_data["reason"]
            )
        except DomainError as error:
            form.add_error("date", str(error))
        else:
            messages.success(request, f"{day:%d %B %Y} added as a closure day.")
            return redirect(f"{reverse('hub:calendar')}?year={day.year}")
    return _calendar_page(request, year=timezone.localdate().year, form=form)


@require(Perm.HUB_CONFIGURE)
@require_POST
def closure_remove(request: HttpRequest, closure_id: str) -> HttpResponse:
    closure = get_object_or_404(ClosureDay, pk=closure_id)
    year = closure.date.year
    services.closure_day_remove(actor=Actor.from_request(request), closure=closure)
    messages.success(request, "Closure day removed.")
    return redirect(f"{reverse('hub:calendar')}?year={year}")
