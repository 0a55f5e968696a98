"""Forms for an agency's return: the return itself, its history items, and a nil return."""

from __future__ import annotations

from datetime import date
from typing import Any

from crispy_forms_gds.layout import Field, Fieldset, Layout, Size
from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from openmash.core.forms import DateMessages, GdsDateField, GdsForm, VersionField
from openmash.enquiries.models import HistoryType, Significance
from openmash.enquiries.services import NO_SUMMARY

BLANK_HISTORY_ROWS = 3
MAX_HISTORY_ROWS = 60

DATE_REQUIRED = "Enter the date of the event"
DATE_NO_DAY = "Date of the event must include a day"
DATE_NO_MONTH = "Date of the event must include a month"
DATE_NO_YEAR = "Date of the event must include a year"
DATE_NOT_REAL = "Date of the event must be a real date"
DATE_IN_FUTURE = "Date of the event must be today or in the past"
KIND_REQUIRED = "Select the type of event"
DESCRIPTION_REQUIRED = "Enter a description of the event"
SIGNIFICANCE_REQUIRED = "Select how significant the event is"
SOURCE_REQUIRED = "Enter the source reference, such as a crime, incident or record number"
NIL_CONFIRM_REQUIRED = "Confirm that you have searched your systems and this family is not known"
TOO_MANY_ROWS = f"You can add up to {MAX_HISTORY_ROWS} history items"


class EventDateField(GdsDateField):
    """The date of an event in an agency's history."""

    def __init__(self, **kwargs: Any) -> None:
        messages = DateMessages(DATE_REQUIRED, DATE_NO_DAY, DATE_NO_MONTH, DATE_NO_YEAR, DATE_NOT_REAL)
        super().__init__(messages=messages, **kwargs)


class ReturnForm(GdsForm):
    """What the agency knows about the family. The summary is needed only to submit, not for a draft."""

    version = VersionField()
    summary = forms.CharField(
        label="Summary of what your agency knows",
        help_text="Only what is relevant to the concerns and proportionate to share.",
        widget=forms.Textarea,
        required=False,
    )
    risk_factors = forms.CharField(label="Risk factors", widget=forms.Textarea, required=False)
    protective_factors = forms.CharField(label="Protective factors", widget=forms.Textarea, required=False)

    def __init__(self, *args: Any, submitting: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.submitting = submitting
        self.helper.layout = Layout(
            "version",
            Field.textarea("summary", label_size=Size.SMALL, rows=6),
            Field.textarea("risk_factors", label_size=Size.SMALL, rows=4),
            Field.textarea("protective_factors", label_size=Size.SMALL, rows=4),
        )

    def clean_summary(self) -> str:
        summary: str = self.cleaned_data.get("summary", "")
        if self.submitting and not summary.strip():
            raise ValidationError(NO_SUMMARY, code="required")
        return summary


class HistoryItemForm(GdsForm):
    """One relevant event from the agency's records. A row left wholly blank is ignored."""

    occurred_on = EventDateField(label="Date of the event", help_text="For example, 27 3 2026")
    kind = forms.ChoiceField(label="Type", choices=[("", "Select a type"), *HistoryType.choices])
    description = forms.CharField(label="What happened", widget=forms.Textarea)
    significance = forms.ChoiceField(
        label="Significance", choices=Significance.choices, widget=forms.RadioSelect
    )
    source_reference = forms.CharField(
        label="Source reference",
        max_length=100,
        help_text="The crime, incident, case or record number in your agency's system.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["empty_permitted"] = True
        kwargs["use_required_attribute"] = False
        super().__init__(*args, **kwargs)
        self.fields["occurred_on"].error_messages["required"] = DATE_REQUIRED
        self.fields["kind"].error_messages["required"] = KIND_REQUIRED
        self.fields["description"].error_messages["required"] = DESCRIPTION_REQUIRED
        self.fields["significance"].error_messages["required"] = SIGNIFICANCE_REQUIRED
        self.fields["source_reference"].error_messages["required"] = SOURCE_REQUIRED
        self.fields["source_reference"].error_messages["max_length"] = (
            "Source reference must be 100 characters or fewer"
        )
        self.helper.layout = Layout(
            Field("occurred_on"),
            Field.select("kind"),
            Field.textarea("description", rows=3),
            Field.radios("significance", small=True),
            Field.text("source_reference", field_width=20),
        )

    def has_changed(self) -> bool:
        """Blank rows are skipped: a row counts as filled in once anything is typed or chosen in it."""
        for name, field in self.fields.items():
            value = field.widget.value_from_datadict(self.data, self.files, self.add_prefix(name))
            values = value if isinstance(value, list | tuple) else [value]
            if any(str(v).strip() for v in values if v is not None):
                return True
        return False

    def clean_occurred_on(self) -> date | None:
        occurred_on: date | None = self.cleaned_data.get("occurred_on")
        if occurred_on is not None and occurred_on > timezone.localdate():
            raise ValidationError(DATE_IN_FUTURE, code="future")
        return occurred_on


HistoryFormSet = forms.formset_factory(
    HistoryItemForm,
    extra=BLANK_HISTORY_ROWS,
    max_num=MAX_HISTORY_ROWS,
    validate_max=True,
    absolute_max=MAX_HISTORY_ROWS + BLANK_HISTORY_ROWS,
)


class NilReturnForm(GdsForm):
    version = VersionField()
    confirm = forms.BooleanField(label="I have searched our systems and this family is not known")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "nil")
        super().__init__(*args, **kwargs)
        self.fields["confirm"].error_messages["required"] = NIL_CONFIRM_REQUIRED
        self.helper.layout = Layout(
            "version",
            Fieldset(Field.checkbox("confirm"), legend="Confirm your search", legend_size=Size.SMALL),
        )


WITHHOLD_WHAT_REQUIRED = "Enter what your agency is not sharing"
WITHHOLD_REASON_REQUIRED = "Enter why it is not being shared"


class WithholdForm(GdsForm):
    """A decision not to share something the agency holds, and why: it stays in the disclosure log."""

    what = forms.CharField(
        label="What are you not sharing?",
        max_length=300,
        help_text="Describe it without the detail itself, for example "
        "\u201cA 2019 counselling referral for the mother\u201d.",
    )
    reason = forms.CharField(
        label="Why is it not being shared?",
        widget=forms.Textarea,
        help_text="For example, it is not relevant to the concerns, or sharing it would not be "
        "proportionate.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "withhold")
        super().__init__(*args, **kwargs)
        self.fields["what"].error_messages["required"] = WITHHOLD_WHAT_REQUIRED
        self.fields["what"].error_messages["max_length"] = (
            "Describe what is not shared in 300 characters or fewer"
        )
        self.fields["reason"].error_messages["required"] = WITHHOLD_REASON_REQUIRED
        self.helper.layout = Layout(
            Field.text("what", label_size=Size.SMALL),
            Field.textarea("reason", rows=3, label_size=Size.SMALL),
        )
