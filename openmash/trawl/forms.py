"""The trawl's forms: changing an event found by trawl before the return is shared, and adding someone
the referral did not name who was found in the agency's records."""

from __future__ import annotations

from typing import Any, cast

from crispy_forms_gds.layout import Field, Layout
from django import forms

from openmash.casework.household import NewMember
from openmash.core.codes import Sex
from openmash.core.forms import GdsForm, VersionField
from openmash.enquiries.models import Significance
from openmash.people.forms import PastDateField
from openmash.people.models import Household
from openmash.people.services import PARENTS
from openmash.referrals.models import (
    CHILD_WORDS,
    ReferralPerson,
    Relationship,
    SubjectWords,
    relationship_choices,
)
from openmash.trawl.services import NO_DESCRIPTION, NO_SIGNIFICANCE


class TrawlItemForm(GdsForm):
    version = VersionField()
    description = forms.CharField(
        label="What happened",
        widget=forms.Textarea,
        help_text="Share what is relevant to the concerns and proportionate: take out, for example, "
        "details of people who are not part of this family.",
    )
    significance = forms.ChoiceField(
        label="Significance",
        choices=Significance.choices,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["description"].error_messages["required"] = NO_DESCRIPTION
        self.fields["significance"].error_messages["required"] = NO_SIGNIFICANCE
        self.helper.layout = Layout(
            "version",
            Field.textarea("description", rows=5),
            Field.radios("significance", small=True, inline=True),
        )


HOME_WITH_CHILD = "child"
HOME_ELSEWHERE = "elsewhere"
NO_HOME = "Select where they live"
NO_PARTNER = "Select whose partner they are"
NO_REASON = "Enter how you know about them"


def no_relationship(referred: str) -> str:
    """The error for a missing relationship, in the referral's words (\"the child referred\")."""
    return f"Select how they are related to the {referred}"


class HouseholdMemberForm(GdsForm):
    """Someone the referral did not name, found in the agency's records (`casework.household`)."""

    given_name = forms.CharField(label="First name", max_length=100)
    family_name = forms.CharField(label="Last name", max_length=100)
    date_of_birth = PastDateField(
        label="Date of birth",
        required=False,
        help_text="If you know it: the search finds the right records more surely with it. "
        "For example, 27 3 1990",
    )
    sex = forms.ChoiceField(label="Sex", choices=Sex.choices, widget=forms.RadioSelect, initial=Sex.UNKNOWN)
    relationship = forms.ChoiceField(
        label="How are they related to the child referred?",
        choices=[("", "Choose a relationship")]
        + [c for c in Relationship.choices if c[0] != Relationship.SUBJECT],
    )
    partner_of = forms.ChoiceField(
        label="Whose partner are they?", help_text="Only for a parent's partner.", required=False
    )
    home = forms.ChoiceField(label="Where do they live?", widget=forms.RadioSelect)
    address = forms.CharField(
        label="Their address",
        max_length=300,
        required=False,
        help_text="Only if they do not live with the child, and you know it.",
    )
    postcode = forms.CharField(label="Postcode", max_length=10, required=False)
    reason = forms.CharField(
        label="How do you know about them?",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="For example: named as the mother's partner, living at the address, in incident "
        "INC-2026-000123. The hub sees this beside the person.",
    )

    def __init__(
        self,
        *args: Any,
        people: list[ReferralPerson],
        households: list[Household],
        words: SubjectWords = CHILD_WORDS,
        **kwargs: Any,
    ) -> None:
        self.people = {str(p.pk): p for p in people}
        self.households = {str(h.pk): h for h in households}
        super().__init__(*args, **kwargs)
        # An adult at risk's referral names them as such (ADR 0024), not as a child.
        relationship = cast(forms.ChoiceField, self.fields["relationship"])
        relationship.label = f"How are they related to the {words.referred}?"
        relationship.choices = [("", "Choose a relationship"), *relationship_choices(words)]
        self.fields[
            "address"
        ].help_text = f"Only if they do not live with the {words.short}, and you know it."
        children = [p for p in people if p.is_subject]
        self.parents = [p for p in people if p.relationship in PARENTS]
        adults = [p for p in people if not p.is_subject]
        partner = cast(forms.ChoiceField, self.fields["partner_of"])
        partner.choices = [("", "Choose a person")] + [(str(p.pk), str(p)) for p in adults]
        if len(self.parents) == 1:
            partner.initial = str(self.parents[0].pk)
        homes = [(f"household:{pk}", _household_choice(h)) for pk, h in self.households.items()]
        child_ids = {c.pk for c in children}
        if children and not any(
            child_ids & {m.pk for m in h.members.all()} for h in self.households.values()
        ):
            homes.append((HOME_WITH_CHILD, _with_child(children)))
        homes.append((HOME_ELSEWHERE, "Somewhere else, or not known"))
        cast(forms.ChoiceField, self.fields["home"]).choices = homes
        messages = {
            "given_name": "Enter their first name",
            "family_name": "Enter their last name",
            "relationship": no_relationship(words.referred),
            "home": NO_HOME,
            "reason": NO_REASON,
        }
        for name, message in messages.items():
            self.fields[name].error_messages["required"] = message
        self.helper.layout = Layout(
            Field.text("given_name", field_width=20),
            Field.text("family_name", field_width=20),
            "date_of_birth",
            Field.radios("sex", small=True, inline=True),
            Field.select("relationship"),
            *(["partner_of"] if adults else []),
            Field.radios("home"),
            Field.text("address"),
            Field.text("postcode", field_width=10),
            Field.textarea("reason", rows=3),
        )
        if not adults:
            del self.fields["partner_of"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("relationship") != Relationship.PARTNER:
            data["partner_of"] = ""
        elif not data.get("partner_of") and len(self.parents) > 1:
            self.add_error("partner_of", NO_PARTNER)
        return data

    def member(self) -> NewMember:
        data = self.cleaned_data
        home = data["home"]
        household = (
            self.households.get(home.removeprefix("household:")) if home.startswith("household:") else None
        )
        return NewMember(
            given_name=data["given_name"],
            family_name=data["family_name"],
            relationship=Relationship(data["relationship"]),
            reason=data["reason"],
            sex=Sex(data["sex"]),
            date_of_birth=data["date_of_birth"],
            partner_of=self.people.get(data.get("partner_of") or ""),
            household=household,
            with_child=home == HOME_WITH_CHILD,
            address=data["address"],
            postcode=data["postcode"],
        )


def _household_choice(household: Household) -> str:
    members = ", ".join(str(m) for m in household.members.all())
    return f"{household.label} (with {members})" if members else household.label


def _with_child(children: list[ReferralPerson]) -> str:
    names = " and ".join(str(c) for c in children)
    child = next((c for c in children if c.address or c.postcode), None)
    where = ", ".join(part for part in (child.address, child.postcode) if part) if child else ""
    return f"With {names}{f', at {where}' if where else ''}"
