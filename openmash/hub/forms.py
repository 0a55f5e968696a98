from __future__ import annotations

from typing import Any

from django import forms

from openmash.core.codes import ReferralSource
from openmash.core.forms import GdsForm, GdsModelForm, VersionField
from openmash.hub.models import Agency, AssessmentDomain, HubModel, RiskGrading, ThresholdLevel, TimeUnit
from openmash.referrals.models import ConcernCategory

TIME_WIDGET = forms.TimeInput(format="%H:%M", attrs={"class": "govuk-input govuk-input--width-5"})
YES_NO = [("yes", "Yes"), ("no", "No")]


def yes_no(label: str, help_text: str = "") -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label,
        help_text=help_text,
        choices=YES_NO,
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect(attrs={"class": "govuk-radios--inline"}),
    )


def yes_no_initial(value: bool) -> str:
    return "yes" if value else "no"


class HubSettingsForm(GdsForm):
    version = VersionField()
    name = forms.CharField(label="Hub name", max_length=200)
    hub_model = forms.ChoiceField(label="Hub model", choices=HubModel.choices, widget=forms.RadioSelect)
    consent_before_search = yes_no("Ask for consent before any request or search?")
    decision_in_hub = yes_no("Does the hub record a multi-agency decision?")
    screen_all_referrals = yes_no("Are all referrals to children's services screened here?")
    destroy_record_on_keyworker = yes_no("Destroy the collated record once a keyworker is appointed?")
    partners_see_contributions = yes_no(
        "Do partner agencies' researchers see other agencies' returned information on their cases?"
    )
    covers_adults = yes_no(
        "Does the hub take referrals about adults at risk?",
        "Yes: a person aged 18 or over may be referred for adult safeguarding. No: only children.",
    )
    triage_source = forms.ChoiceField(
        label="Triage: notifications from",
        required=False,
        choices=[("", "Any source"), *ReferralSource.choices],
        help_text="Where not every referral is screened here, notifications matching all three go to the "
        "triage list for a quick decision. Leave all three as 'Any' to triage nothing.",
    )
    triage_concern = forms.ChoiceField(
        label="Triage: about", required=False, choices=[("", "Any concern"), *ConcernCategory.choices]
    )
    triage_grading = forms.ChoiceField(
        label="Triage: graded", required=False, choices=[("", "Any grading"), *RiskGrading.choices]
    )
    core_agencies = forms.ModelMultipleChoiceField(
        label="Core agencies",
        queryset=Agency.objects.filter(is_active=True),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Asked for information on every case unless the screening manager chooses otherwise.",
    )
    day_start = forms.TimeField(
        label="Working day starts", help_text="For example, 09:00", widget=TIME_WIDGET
    )
    day_end = forms.TimeField(label="Working day ends", help_text="For example, 17:00", widget=TIME_WIDGET)
    threshold_document_title = forms.CharField(label="Threshold document title", max_length=200)
    threshold_document_version = forms.CharField(label="Threshold document version", max_length=40)
    contact_email = forms.EmailField(label="Hub e-mail address (optional)", required=False)
    contact_phone = forms.CharField(label="Hub phone number (optional)", max_length=40, required=False)
    out_of_hours_arrangement = forms.CharField(
        label="Out-of-hours arrangement (optional)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Who acts when the hub is closed and how to reach them: the emergency duty team.",
    )

    BOOLEAN_FIELDS = (
        "consent_before_search",
        "decision_in_hub",
        "screen_all_referrals",
        "destroy_record_on_keyworker",
        "partners_see_contributions",
        "covers_adults",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in self.BOOLEAN_FIELDS:
            self.fields[name].error_messages["required"] = "Select yes or no"

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("day_start"), data.get("day_end")
        if start and end and end <= start:
            self.add_error("day_end", "The working day must end after it starts")
        return data


class _VersionedModelForm(GdsModelForm):
    """A model form that changes a saved record carries the version it was opened at (ADR 0007)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.instance._state.adding:
            self.fields["version"] = VersionField()
            self.initial.setdefault("version", self.instance.version)

    def saved_values(self) -> dict[str, Any]:
        """The record as it is stored, by field, to show beside a refused edit."""
        return {name: getattr(self.instance, name) for name in self._meta.fields or ()}


class AgencyForm(_VersionedModelForm):
    class Meta:
        model = Agency
        fields = [
            "name",
            "kind",
            "location",
            "duty_of_confidentiality",
            "contact_email",
            "lead_email",
            "is_active",
        ]
        labels = {
            "name": "Agency name",
            "kind": "Kind of agency",
            "location": "Where the agency works",
            "duty_of_confidentiality": "Bound by a health-style duty of confidentiality",
            "contact_email": "Contact email address (optional)",
            "lead_email": "Lead's email address for overdue requests (optional)",
            "is_active": "Active",
        }
        widgets = {"location": forms.RadioSelect}


class RagResponseTimeForm(GdsForm):
    version = VersionField()
    amount = forms.IntegerField(
        label="Response time",
        min_value=1,
        widget=forms.TextInput(attrs={"class": "govuk-input govuk-input--width-3", "inputmode": "numeric"}),
    )
    unit = forms.ChoiceField(label="Counted in", choices=TimeUnit.choices, widget=forms.RadioSelect)
    runs_out_of_hours = yes_no(
        "Does the clock run out of hours?", "If yes, evenings, weekends and bank holidays count too."
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["amount"].error_messages["min_value"] = "Response time must be at least 1"
        self.fields["runs_out_of_hours"].error_messages["required"] = "Select yes or no"


class ThresholdLevelForm(_VersionedModelForm):
    class Meta:
        model = ThresholdLevel
        fields = ["name", "description", "typical_response"]
        labels = {
            "name": "Name of the level",
            "description": "Description",
            "typical_response": "Typical response",
        }


class ThresholdIndicatorForm(GdsForm):
    domain = forms.ChoiceField(
        label="Area of the assessment framework", choices=AssessmentDomain.choices, widget=forms.RadioSelect
    )
    text = forms.CharField(label="Indicator", max_length=400)


class ClosureDayForm(GdsForm):
    date = forms.DateField(
        label="Date",
        input_formats=["%d/%m/%Y", "%d %m %Y", "%Y-%m-%d", "%d-%m-%Y"],
        help_text="For example, 24/12/2026",
        widget=forms.DateInput(format="%d/%m/%Y", attrs={"class": "govuk-input govuk-input--width-10"}),
    )
    reason = forms.CharField(label="Reason", max_length=200)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["date"].error_messages["invalid"] = "Date must be a real date, like 24/12/2026"
