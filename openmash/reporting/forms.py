"""The period and filters a person reads the measures over (a GET form: the address carries them)."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from django import forms

from openmash.core.codes import ReferralSource
from openmash.core.forms import GdsForm
from openmash.hub.models import Agency, RagRating
from openmash.reporting.period import Filters, Period

DATE_FORMATS = ["%d/%m/%Y", "%Y-%m-%d", "%d %m %Y", "%d-%m-%Y"]
LONGEST_PERIOD_DAYS = 3 * 366


def _date_field(label: str) -> forms.DateField:
    return forms.DateField(
        label=label,
        input_formats=DATE_FORMATS,
        help_text="For example, 1/11/2026",
        widget=forms.DateInput(format="%d/%m/%Y", attrs={"class": "govuk-input govuk-input--width-10"}),
    )


class PeriodForm(GdsForm):
    start = _date_field("From")
    end = _date_field("To")

    def __init__(self, *args: Any, default: Period, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.default = default
        self.fields["start"].error_messages["invalid"] = "The first day must be a real date, like 1/11/2026"
        self.fields["end"].error_messages["invalid"] = "The last day must be a real date, like 30/11/2026"
        self.fields["start"].error_messages["required"] = "Enter the first day of the period"
        self.fields["end"].error_messages["required"] = "Enter the last day of the period"

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if isinstance(start, date) and isinstance(end, date):
            if end < start:
                self.add_error("end", "The last day must be the same as or after the first day")
            elif (end - start).days >= LONGEST_PERIOD_DAYS:
                self.add_error("end", "Choose a period of three years or less")
        return data

    def period(self) -> Period:
        if self.is_bound and self.is_valid():
            return Period(self.cleaned_data["start"], self.cleaned_data["end"])
        return self.default


class ReportForm(PeriodForm):
    agency = forms.ChoiceField(label="Agency", required=False)
    source = forms.ChoiceField(label="Referral source", required=False)
    rag = forms.ChoiceField(label="RAG rating", required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        agency_field: Any = self.fields["agency"]
        agency_field.choices = [("", "All agencies")] + [
            (str(pk), name) for pk, name in Agency.objects.order_by("name").values_list("pk", "name")
        ]
        source_field: Any = self.fields["source"]
        source_field.choices = [("", "All sources")] + [
            (c, f"{c}: {label}") for c, label in ReferralSource.choices
        ]
        rag_field: Any = self.fields["rag"]
        rag_field.choices = [("", "All ratings"), *RagRating.choices]
        for name in ("agency", "source", "rag"):
            self.fields[name].widget.attrs["class"] = "govuk-select"

    def filters(self) -> Filters:
        if not (self.is_bound and self.is_valid()):
            return Filters()
        return Filters(
            agency=UUID(self.cleaned_data["agency"]) if self.cleaned_data.get("agency") else None,
            source=self.cleaned_data.get("source") or "",
            rag=self.cleaned_data.get("rag") or "",
        )
