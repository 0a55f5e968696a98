"""Forms for scheduling a meeting, building its agenda and recording attendance."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from crispy_forms_gds.layout import Field, Layout, Size
from django import forms
from django.utils import timezone

from openmash.cases.models import Case
from openmash.core.forms import DateMessages, GdsDateField, GdsForm, VersionField
from openmash.hub.models import Agency
from openmash.meetings.models import Attendance

DATE_REQUIRED = "Enter the date of the meeting"
DATE_INCOMPLETE = "Date of the meeting must include a day, month and year"
DATE_NOT_REAL = "Date of the meeting must be a real date"
TIME_REQUIRED = "Enter the start time, like 09:30"
TIME_NOT_REAL = "Start time must be a time, like 09:30"
AGENCY_REQUIRED = "Select the agency"
STATUS_REQUIRED = "Select whether they are present or sent apologies"


class MeetingDateField(GdsDateField):
    def __init__(self, **kwargs: Any) -> None:
        messages = DateMessages(
            required=DATE_REQUIRED,
            no_day=DATE_INCOMPLETE,
            no_month=DATE_INCOMPLETE,
            no_year=DATE_INCOMPLETE,
            not_real=DATE_NOT_REAL,
        )
        super().__init__(messages=messages, **kwargs)


class ScheduleForm(GdsForm):
    title = forms.CharField(label="Title", max_length=200, help_text="For example, MASH daily meeting")
    on = MeetingDateField(label="Date", help_text="For example, 27 3 2027")
    at = forms.TimeField(
        label="Start time",
        help_text="24-hour clock, for example 09:30",
        input_formats=["%H:%M", "%H.%M"],
        error_messages={"required": TIME_REQUIRED, "invalid": TIME_NOT_REAL},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["title"].error_messages["required"] = "Enter a title for the meeting"
        self.fields["at"].error_messages.update({"required": TIME_REQUIRED, "invalid": TIME_NOT_REAL})
        self.helper.layout = Layout(
            Field.text("title", label_size=Size.SMALL),
            Field("on", label_size=Size.SMALL),
            Field.text("at", label_size=Size.SMALL, field_width=5),
        )

    def scheduled_for(self) -> datetime:
        on: date = self.cleaned_data["on"]
        at: time = self.cleaned_data["at"]
        return timezone.make_aware(datetime.combine(on, at))


class AgendaForm(GdsForm):
    version = VersionField()
    chosen = forms.ModelMultipleChoiceField(
        label="Also discuss these cases still gathering information (optional)",
        queryset=Case.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    def __init__(self, *args: Any, candidates: Any, labels: dict[Any, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["chosen"]
        field.queryset = candidates
        field.label_from_instance = lambda case: labels.get(case.pk, case.reference)
        self.helper.layout = Layout(Field.checkboxes("chosen", legend_size=Size.SMALL, small=True))


class AttendanceForm(GdsForm):
    agency = forms.ModelChoiceField(
        label="Agency", queryset=Agency.objects.filter(is_active=True).order_by("name"), empty_label=""
    )
    name = forms.CharField(label="Name", max_length=200)
    role = forms.CharField(label="Job title or role (optional)", max_length=200, required=False)
    status = forms.ChoiceField(
        label="Attendance",
        choices=Attendance.Status.choices,
        initial=Attendance.Status.PRESENT,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agency"].error_messages["required"] = AGENCY_REQUIRED
        self.fields["name"].error_messages["required"] = "Enter the name of the person attending"
        self.fields["status"].error_messages["required"] = STATUS_REQUIRED
        # One size for every question of the fieldset; the inputs as wide as what they hold.
        self.helper.layout = Layout(
            Field.select("agency"),
            Field.text("name", field_width=20),
            Field.text("role", field_width=20),
            Field.radios("status", small=True, inline=True),
        )


class VersionForm(GdsForm):
    """Start or close: only the version the chair saw."""

    version = VersionField()
