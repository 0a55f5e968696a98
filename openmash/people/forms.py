"""Forms for the people on a case: GOV.UK style, each one feeding one service in openmash.people.services."""

from __future__ import annotations

from datetime import date
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from openmash.casework.household import NO_REMOVE_REASON
from openmash.core.codes import Sex
from openmash.core.forms import DateMessages, GdsDateField, GdsForm, VersionField
from openmash.people.models import (
    PARTNERSHIP_KINDS,
    IdentifierScheme,
    PartnershipStatus,
    RelationshipKind,
)
from openmash.referrals.models import (
    CHILD_WORDS,
    ReferralPerson,
    Relationship,
    SubjectWords,
    relationship_choices,
)

NOT_REAL = "{label} must be a real date"
INCOMPLETE = "{label} must include a day, month and year"
IN_FUTURE = "{label} must be today or in the past"
SAME_PERSON = "Choose two different people"
STATUS_ONLY_FOR_PARTNERS = "Only partners, spouses and ex-partners have a partnership status"
NO_MEMBERS = "Select at least one person who lives in the household"


class PastDateField(GdsDateField):
    """A GOV.UK date input (day, month, year) for a date that has already happened."""

    def __init__(self, *, label: str, **kwargs: Any) -> None:
        self.what = label
        incomplete = INCOMPLETE.format(label=label)
        messages = DateMessages(
            required=f"Enter {label.lower()}",
            no_day=incomplete,
            no_month=incomplete,
            no_year=incomplete,
            not_real=NOT_REAL.format(label=label),
        )
        super().__init__(messages=messages, label=label, **kwargs)

    def compress(self, data_list: Any) -> date | None:
        value = super().compress(data_list)
        if value is not None and value > timezone.localdate():
            raise ValidationError(IN_FUTURE.format(label=self.what), code="future")
        return value


def person_choices(people: list[ReferralPerson]) -> list[tuple[str, str]]:
    def label(p: ReferralPerson) -> str:
        born = f", born {p.date_of_birth:%-d %B %Y}" if p.date_of_birth else ""
        return f"{p}{born}"

    return [("", "Choose a person")] + [(str(p.pk), label(p)) for p in people]


def add_version(form: GdsForm) -> None:
    """A form that changes a saved record carries the version it was opened at (ADR 0007)."""
    form.fields["version"] = VersionField()


class _PeopleForm(GdsForm):
    """A form that picks people from the case's own list (never from anywhere else)."""

    def __init__(self, *args: Any, people: list[ReferralPerson], **kwargs: Any) -> None:
        self.people = {str(p.pk): p for p in people}
        super().__init__(*args, **kwargs)

    def person(self, name: str) -> ReferralPerson:
        return self.people[self.cleaned_data[name]]


class PersonForm(GdsForm):
    given_name = forms.CharField(label="First name", max_length=100)
    family_name = forms.CharField(label="Last name", max_length=100)
    sex = forms.ChoiceField(label="Sex", choices=Sex.choices, widget=forms.RadioSelect, initial=Sex.UNKNOWN)
    relationship = forms.ChoiceField(
        label="Relationship to the child",
        choices=[c for c in Relationship.choices if c[0] != Relationship.SUBJECT],
        initial=Relationship.OTHER,
    )
    date_of_birth = PastDateField(label="Date of birth", required=False, help_text="For example, 27 3 1990")
    date_of_death = PastDateField(
        label="Date of death", required=False, help_text="Only if they have died. For example, 2 11 2019"
    )

    def __init__(
        self,
        *args: Any,
        changing: bool = False,
        subject: bool = False,
        words: SubjectWords = CHILD_WORDS,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["given_name"].error_messages["required"] = "Enter their first name"
        self.fields["family_name"].error_messages["required"] = "Enter their last name"
        if subject:  # the person referred stays the person referred
            del self.fields["relationship"]
        else:  # "Relationship to the child", "... to the adult at risk", "... to the person referred"
            field = cast(forms.ChoiceField, self.fields["relationship"])
            field.label = f"Relationship to the {words.noun}"
            field.choices = relationship_choices(words, keep=str(self.initial.get("relationship", "")))
        if changing:
            add_version(self)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        born, died = data.get("date_of_birth"), data.get("date_of_death")
        if born and died and died < born:
            self.add_error("date_of_death", "Date of death must be after date of birth")
        return data


class RelationshipForm(_PeopleForm):
    from_person = forms.ChoiceField(label="Person")
    kind = forms.ChoiceField(
        label="is the",
        choices=[("", "Choose a relationship")] + list(RelationshipKind.choices),
    )
    to_person = forms.ChoiceField(label="of")
    status = forms.ChoiceField(
        label="Partnership status",
        help_text="Only for partners, spouses and ex-partners.",
        choices=[("", "Not a partnership")] + list(PartnershipStatus.choices),
        required=False,
    )

    def __init__(self, *args: Any, people: list[ReferralPerson], **kwargs: Any) -> None:
        super().__init__(*args, people=people, **kwargs)
        for name in ("from_person", "to_person"):
            cast(forms.ChoiceField, self.fields[name]).choices = person_choices(people)
        self.fields["from_person"].error_messages["required"] = "Select the first person"
        self.fields["to_person"].error_messages["required"] = "Select the second person"
        self.fields["kind"].error_messages["required"] = "Select the relationship"

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("from_person") and data.get("from_person") == data.get("to_person"):
            self.add_error("to_person", SAME_PERSON)
        if data.get("status") and data.get("kind") and data["kind"] not in PARTNERSHIP_KINDS:
            self.add_error("status", STATUS_ONLY_FOR_PARTNERS)
        return data


class HouseholdForm(GdsForm):
    label = forms.CharField(
        label="Name of the household", max_length=200, help_text="For example, Mum's home"
    )
    address = forms.CharField(label="Address", max_length=300, required=False)
    members = forms.MultipleChoiceField(
        label="Who lives there", widget=forms.CheckboxSelectMultiple, choices=[]
    )

    def __init__(
        self, *args: Any, people: list[ReferralPerson], changing: bool = False, **kwargs: Any
    ) -> None:
        self.people = {str(p.pk): p for p in people}
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["members"]).choices = person_choices(people)[1:]
        self.fields["members"].error_messages["required"] = NO_MEMBERS
        self.fields["label"].error_messages["required"] = "Enter a name for the household"
        if changing:
            add_version(self)

    def chosen_members(self) -> list[ReferralPerson]:
        return [self.people[pk] for pk in self.cleaned_data["members"]]


class IdentifierForm(GdsForm):
    scheme = forms.ChoiceField(
        label="Type of identifier", choices=IdentifierScheme.choices, widget=forms.RadioSelect
    )
    value = forms.CharField(label="Identifier", max_length=40)

    def __init__(self, *args: Any, changing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["scheme"].error_messages["required"] = "Select the type of identifier"
        self.fields["value"].error_messages["required"] = "Enter the identifier"
        if changing:
            add_version(self)


class AddressForm(GdsForm):
    address = forms.CharField(label="Address", max_length=300, widget=forms.Textarea(attrs={"rows": 3}))
    postcode = forms.CharField(label="Postcode", max_length=10, required=False)
    from_date = PastDateField(label="Date they moved in", required=False)
    to_date = PastDateField(
        label="Date they moved out", required=False, help_text="Leave empty if they still live there."
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["address"].error_messages["required"] = "Enter the address"

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("from_date"), data.get("to_date")
        if start and end and end < start:
            self.add_error("to_date", "The date they moved out must be after the date they moved in")
        return data


class RemoveRelationshipForm(GdsForm):
    """Confirmation only: removing needs a deliberate second click."""


class RemovePersonForm(GdsForm):
    """Removing someone added to the case in error: with why, kept in the audit trail."""

    reason = forms.CharField(
        label="Why are you removing them?",
        help_text="For example: the wrong man of that name, not the mother's partner. The audit trail keeps "
        "the reason with the removal.",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason"].error_messages["required"] = NO_REMOVE_REASON
