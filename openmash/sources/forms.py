"""Forms for registering a data source, mapping its columns and loading a new extract."""

from __future__ import annotations

from typing import Any

from django import forms

from openmash.core.forms import GdsForm, VersionField
from openmash.hub.models import Agency
from openmash.linkage.engine.records import STANDARD_COLUMNS
from openmash.sources.models import SourceKind

WIDE = {"class": "govuk-input"}
CODE = {"class": "govuk-textarea openmash-mono", "rows": 4}

#: Form field -> connector setting, by kind.
SETTING_FIELDS: dict[str, tuple[str, ...]] = {
    SourceKind.CSV: ("identities", "events", "encoding"),
    SourceKind.XLSX: ("identities", "events", "identities_sheet", "events_sheet"),
    SourceKind.SQL: ("url", "identities_query", "events_query"),
    SourceKind.FHIR: ("base_url", "token", "page_size"),
}
STANDARD_LABELS = {
    "record_id": "Record id (required)",
    "given_name": "Given name",
    "surname": "Surname",
    "date_of_birth": "Date of birth",
    "sex": "Sex",
    "postcode": "Postcode",
    "address": "Address",
    "nhs_number": "NHS number",
    "other_id": "Other shared identifier (UPN, council id)",
}


REQUIRED_MESSAGES = {
    "agency": "Select the agency whose system this is",
    "name": "Enter the name of the system",
    "kind": "Select the kind of source",
    "threshold": "Enter the lowest match probability to show",
}


class SourceForm(GdsForm):
    version = VersionField(required=False)
    agency = forms.ModelChoiceField(
        label="Agency",
        queryset=Agency.objects.filter(is_active=True),
        empty_label="Choose the agency",
    )
    name = forms.CharField(
        label="Name of the system",
        max_length=200,
        help_text="What the agency calls it, for example Niche RMS",
    )
    kind = forms.ChoiceField(
        label="Kind of source",
        choices=SourceKind.choices,
        widget=forms.RadioSelect,
    )
    threshold = forms.FloatField(
        label="Lowest match probability to show",
        min_value=0.01,
        max_value=0.99,
        initial=0.3,
        help_text="Between 0.01 and 0.99. Candidates below it are not shown to researchers.",
        widget=forms.TextInput(attrs={"class": "govuk-input govuk-input--width-4", "inputmode": "decimal"}),
    )
    is_active = forms.BooleanField(label="Search this source in trawls", required=False, initial=True)
    refresh_hours = forms.IntegerField(
        label="Reload automatically every (hours, optional)",
        required=False,
        min_value=1,
        max_value=24 * 31,
        help_text="For example 24 to reload each night from the database, the FHIR server or the file "
        "path the agency's extract is dropped at. Leave blank to load only when asked.",
        error_messages={
            "min_value": "Reload every 1 hour or more",
            "max_value": "Reload at least every 744 hours (31 days)",
            "invalid": "Enter a whole number of hours, like 24",
        },
        widget=forms.TextInput(attrs={"class": "govuk-input govuk-input--width-4", "inputmode": "numeric"}),
    )
    identities = forms.CharField(
        label="Identities file (CSV and Excel)",
        required=False,
        help_text="Path on the OpenMASH server where the agency's extract is dropped "
        "(or upload one when you load)",
        widget=forms.TextInput(attrs=WIDE),
    )
    events = forms.CharField(
        label="Events file (CSV and Excel, optional)", required=False, widget=forms.TextInput(attrs=WIDE)
    )
    encoding = forms.CharField(
        label="Text encoding (CSV)",
        required=False,
        initial="utf-8",
        help_text="utf-8 unless the file says otherwise",
    )
    identities_sheet = forms.CharField(label="Identities sheet (Excel, optional)", required=False)
    events_sheet = forms.CharField(label="Events sheet (Excel, optional)", required=False)
    url = forms.CharField(
        label="Database URL (SQL)",
        required=False,
        help_text="A SQLAlchemy URL, or env:VARIABLE to read it from the server's environment "
        "(keep passwords out of OpenMASH's database)",
        widget=forms.TextInput(attrs=WIDE),
    )
    identities_query = forms.CharField(
        label="Identities query (SQL)", required=False, widget=forms.Textarea(attrs=CODE)
    )
    events_query = forms.CharField(
        label="Events query (SQL, optional)",
        required=False,
        help_text="Must use :record_ids, for example WHERE person_id IN :record_ids",
        widget=forms.Textarea(attrs=CODE),
    )
    base_url = forms.URLField(label="FHIR base URL", required=False, widget=forms.TextInput(attrs=WIDE))
    token = forms.CharField(
        label="FHIR access token (optional)",
        required=False,
        help_text="Write env:VARIABLE to keep it out of OpenMASH",
    )
    page_size = forms.IntegerField(
        label="FHIR page size (optional)", required=False, min_value=1, max_value=1000
    )

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, message in REQUIRED_MESSAGES.items():
            self.fields[name].error_messages["required"] = message
        if editing:
            del self.fields["agency"]
            del self.fields["kind"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind = data.get("kind") or self.initial.get("kind")
        if kind == SourceKind.SQL and data.get("events_query") and ":record_ids" not in data["events_query"]:
            self.add_error("events_query", "The events query must use :record_ids")
        for field in {
            "identities": (SourceKind.CSV, SourceKind.XLSX),
            "url": (SourceKind.SQL,),
            "identities_query": (SourceKind.SQL,),
            "base_url": (SourceKind.FHIR,),
        }.items():
            name, kinds = field
            if kind in kinds and not data.get(name) and name not in self.errors:
                self.add_error(name, f"Enter the {str(self.fields[name].label).split(' (')[0].lower()}")
        return data

    def settings_values(self, kind: str) -> dict[str, Any]:
        return {name: self.cleaned_data.get(name) for name in SETTING_FIELDS[kind]}


def _short(column: str) -> str:
    return STANDARD_LABELS[column].split(" (")[0].lower()


class MappingForm(GdsForm):
    """One select per column of the source: which standard field it holds, if any."""

    version = VersionField()

    def __init__(self, *args: Any, columns: list[str], mapping: dict[str, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", "Not used for matching (kept as a detail)")] + [
            (c, STANDARD_LABELS[c]) for c in STANDARD_COLUMNS
        ]
        self.columns = columns
        for number, column in enumerate(columns):
            initial = mapping.get(column) or (column.lower() if column.lower() in STANDARD_COLUMNS else "")
            self.fields[f"column_{number}"] = forms.ChoiceField(
                label=column, choices=choices, required=False, initial=initial
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        seen: dict[str, str] = {}
        for number, column in enumerate(self.columns):
            target = data.get(f"column_{number}")
            if not target:
                continue
            if target in seen:
                self.add_error(
                    f"column_{number}",
                    f"{column} and {seen[target]} cannot both be {_short(target)}",
                )
            seen[target] = column
        if "record_id" not in seen and not self.errors:
            self.add_error("column_0" if self.columns else None, "Choose the column that holds the record id")
        return data

    def mapping(self) -> dict[str, str]:
        return {
            column: self.cleaned_data[f"column_{number}"]
            for number, column in enumerate(self.columns)
            if self.cleaned_data.get(f"column_{number}")
        }


class LoadForm(GdsForm):
    identities_file = forms.FileField(
        label="New identities extract (optional)",
        required=False,
        help_text="CSV or Excel. Leave empty to read the file or system the source is set up with.",
    )
    events_file = forms.FileField(label="New events extract (optional)", required=False)

    def __init__(
        self, *args: Any, kind: str, max_bytes: int | None = None, refused: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        if kind not in {SourceKind.CSV, SourceKind.XLSX}:
            del self.fields["identities_file"]
            del self.fields["events_file"]
        self.kind = kind
        self.max_bytes = max_bytes
        #: The upload was refused while it arrived, for its size (nothing of it was kept).
        self.refused = refused

    def _too_large(self) -> str:
        megabytes = (self.max_bytes or 0) // (1024 * 1024)
        return f"The file must be smaller than {megabytes} MB"

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.refused and "identities_file" in self.fields:
            self.add_error("identities_file", self._too_large())
            return data
        allowed = {".csv", ".tsv", ".txt"} if self.kind == SourceKind.CSV else {".xlsx"}
        for name in ("identities_file", "events_file"):
            upload = data.get(name)
            if upload is None:
                continue
            if self.max_bytes is not None and upload.size is not None and upload.size > self.max_bytes:
                self.add_error(name, self._too_large())
            elif not any(upload.name.lower().endswith(ext) for ext in allowed):
                self.add_error(name, f"The file must be {' or '.join(sorted(allowed))}")
        return data
