"""The disclosure log and transparency reports, for information governance officers."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from crispy_forms_gds.layout import Field, Layout
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone

from openmash.access.enforce import load
from openmash.access.policy import Action, ig_cases, sees_whole_log
from openmash.accounts.permissions import Perm, require
from openmash.cases.models import Case
from openmash.consent.models import DisclosureKind
from openmash.consent.selectors import (
    DisclosureFilter,
    TransparencyReport,
    case_by_reference,
    disclosure_lines,
    disclosure_log_viewed,
    disclosures_filtered,
    line_values,
    people_on,
    transparency_report_for,
)
from openmash.core.actor import Actor
from openmash.core.forms import DateMessages, GdsDateField, GdsForm
from openmash.core.keyset import keyset_page
from openmash.hub.models import Agency
from openmash.hub.selectors import hub_configuration
from openmash.referrals.models import ReferralPerson

PAGE_SIZE = 50
NO_SUCH_CASE = "There is no case with the reference {reference}"
CASE_TOO_LONG = "Case reference must be 20 characters or fewer"
TO_BEFORE_FROM = "To date must be the same as or after the from date"


class FilterDateField(GdsDateField):
    """An optional date filter whose messages name the field and the part that is wrong."""

    def __init__(self, *, label: str, **kwargs: Any) -> None:
        super().__init__(messages=DateMessages.naming(label), required=False, label=label, **kwargs)


class DisclosureFilterForm(GdsForm):
    case = forms.CharField(label="Case reference", required=False, help_text="For example, C-2026-00012")
    agency = forms.ModelChoiceField(
        label="Agency that shared",
        queryset=Agency.objects.order_by("name"),
        required=False,
        empty_label="All agencies",
    )
    kind = forms.ChoiceField(
        label="What happened", choices=[("", "Everything"), *DisclosureKind.choices], required=False
    )
    date_from = FilterDateField(label="From date", help_text="For example, 1 11 2026")
    date_to = FilterDateField(label="To date", help_text="For example, 30 11 2026")

    def __init__(self, *args: Any, user: object, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.found_case: Case | None = None
        self.fields["agency"].error_messages["invalid_choice"] = "Select an agency from the list"
        self.fields["kind"].error_messages["invalid_choice"] = "Select what happened from the list"
        self.helper.layout = Layout(
            Field.text("case", field_width=10),
            Field.select("agency"),
            Field.select("kind"),
            Field("date_from"),
            Field("date_to"),
        )

    def clean_case(self) -> str:
        reference: str = self.cleaned_data.get("case", "").strip()
        if len(reference) > 20:
            raise ValidationError(CASE_TOO_LONG)
        if reference:
            self.found_case = case_by_reference(ig_cases(self.user), reference)
            if self.found_case is None:
                raise ValidationError(NO_SUCH_CASE.format(reference=reference))
        return reference

    def clean(self) -> dict[str, Any] | None:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", TO_BEFORE_FROM)
        return data

    def chosen(self) -> DisclosureFilter:
        data = self.cleaned_data
        return DisclosureFilter(
            case=self.found_case,
            agency=data.get("agency"),
            kind=data.get("kind", ""),
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
        )


FILTER_KEYS = (
    "case",
    "agency",
    "kind",
    "date_from_0",
    "date_from_1",
    "date_from_2",
    "date_to_0",
    "date_to_1",
    "date_to_2",
)


@require(Perm.TRANSPARENCY_REPORT)
def disclosures(request: HttpRequest) -> HttpResponse:
    """The disclosure log, newest first; filtering by case lists that case's people and their reports."""
    filtering = any(request.GET.get(key, "").strip() for key in FILTER_KEYS)
    form = DisclosureFilterForm(request.GET if filtering else None, user=request.user)
    context: dict[str, Any] = {
        "form": form,
        "filtering": filtering,
        "whole_log": sees_whole_log(request.user),
    }
    if filtering and not form.is_valid():
        return render(request, "consent/disclosures.html", context)
    chosen = form.chosen() if filtering else DisclosureFilter()
    params = {key: request.GET[key].strip() for key in FILTER_KEYS if request.GET.get(key, "").strip()}
    # Newer / older from the last line seen: as quick on a log of millions as on a new one.
    page = keyset_page(
        line_values(disclosures_filtered(request.user, chosen)),
        fields=["at", "id"],
        parse=lambda parts: [datetime.fromisoformat(parts[0]), int(parts[1])],
        params=request.GET.dict(),
        query=params,
        size=PAGE_SIZE,
    )
    shown = disclosure_lines(page.rows)
    people = people_on(chosen.case) if chosen.case else []
    cursor = request.GET.get("older") or request.GET.get("newer") or ""
    disclosure_log_viewed(
        actor=Actor.from_request(request), shown=shown, people=people, chosen=chosen, page=cursor
    )
    context.update(
        {
            "page": page,
            "rows": shown,
            "pagination": page.pagination,
            "page_size": PAGE_SIZE,
            "chosen": chosen,
            "people": people,
        }
    )
    return render(request, "consent/disclosures.html", context)


def _person(request: HttpRequest, person_id: str) -> ReferralPerson:
    """The person, if the policy lets this officer report on them (a partner agency: its own cases)."""
    rows = ReferralPerson.objects.select_related("referral", "referral__case", "referral__case__destruction")
    person, _ = load(Actor.from_request(request), Action.TRANSPARENCY_REPORT, rows, person_id)
    return person


def _report_context(report: TransparencyReport) -> dict[str, Any]:
    return {"report": report, "hub": hub_configuration()}


@require(Perm.TRANSPARENCY_REPORT)
def transparency_report(request: HttpRequest, person_id: str) -> HttpResponse:
    person = _person(request, person_id)
    report = transparency_report_for(actor=Actor.from_request(request), person=person, output="html")
    return render(request, "consent/transparency.html", _report_context(report))


@require(Perm.TRANSPARENCY_REPORT)
def transparency_report_pdf(request: HttpRequest, person_id: str) -> HttpResponse:
    """The same report as a PDF for a subject access request; it fetches nothing from anywhere."""
    from weasyprint import HTML, URLFetcher  # loaded when a PDF is asked for, not at start-up

    person = _person(request, person_id)
    report = transparency_report_for(actor=Actor.from_request(request), person=person, output="pdf")
    html = render_to_string(
        "consent/transparency_pdf.html",
        {**_report_context(report), "produced_by": request.user, "produced_at": timezone.now()},
    )
    pdf = HTML(
        string=html, base_url=str(settings.BASE_DIR), url_fetcher=URLFetcher(allowed_protocols=("data",))
    ).write_pdf()
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="transparency-report-{report.case.reference}-{str(person.pk)[:8]}.pdf"'
    )
    response["Cache-Control"] = "no-store"
    return response
