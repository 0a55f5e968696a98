"""The referral form for professionals: about the referrer, the children, the household and the concerns.

Where the hub covers adults at risk, the form speaks of the person or people you are worried about (a
child, or an adult at risk) instead of children: its words come from `referral_form_words`. The field
names and ids stay those of a child's form ("child-0-given_name") for every hub.

The form parses and redisplays input; the rules a referral must meet live in
`referral_validate`, shared with the API. Its errors (keyed by the API's field paths, such as
`people.0.nhs_number`) are attached to the matching field here so that the GOV.UK error summary
links to it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any, cast

from crispy_forms_gds.widgets import DateInputWidget
from django import forms
from django.core.exceptions import ValidationError

from openmash.accounts.models import User
from openmash.core.codes import ReferralSource, Sex
from openmash.core.forms import GdsForm
from openmash.core.nhs import normalise_nhs_number
from openmash.hub.models import AgencyKind, HubConfiguration, RiskGrading, ThresholdLevel
from openmash.hub.selectors import hub_configuration
from openmash.referrals.models import (
    CHILD_WORDS,
    ConcernCategory,
    FamilyConsent,
    Referral,
    Relationship,
    SubjectWords,
    referral_form_words,
    relationship_choices,
)
from openmash.referrals.services import PersonData, ReferralData

MAX_CHILDREN = 3
MAX_HOUSEHOLD = 4
NOT_SURE = "not_sure"

# The CIN census referral source a referrer from each kind of agency most often is.
DEFAULT_SOURCE: dict[str, ReferralSource] = {
    AgencyKind.EDUCATION: ReferralSource.SCHOOLS,
    AgencyKind.POLICE: ReferralSource.POLICE,
    AgencyKind.HEALTH: ReferralSource.HEALTH_GP,
    AgencyKind.HOUSING: ReferralSource.HOUSING,
    AgencyKind.CHILDRENS_SOCIAL_CARE: ReferralSource.LA_SOCIAL_CARE,
    AgencyKind.ADULT_SOCIAL_CARE: ReferralSource.LA_SOCIAL_CARE,
    AgencyKind.YOUTH_OFFENDING: ReferralSource.LA_OTHER_INTERNAL,
    AgencyKind.EARLY_HELP: ReferralSource.LA_EARLY_HELP,
    AgencyKind.DISTRICT_COUNCIL: ReferralSource.LA_EXTERNAL,
    AgencyKind.PROBATION: ReferralSource.OTHER_LEGAL,
    AgencyKind.CHILDRENS_CENTRES: ReferralSource.OTHER,
    AgencyKind.OTHER: ReferralSource.OTHER,
}

# Messages the form itself gives (the referral's own rules give theirs from referrals.services).
NO_REFERRER_NAME = "Enter your full name"
NO_ORGANISATION = "Enter the name of your organisation"
NO_EMAIL = "Enter your email address, so the hub can tell you the outcome"
BAD_EMAIL = "Enter an email address in the correct format, like name@example.com"
BAD_PHONE = "Enter a telephone number, like 01632 960 001 or 07700 900 982"
NO_SOURCE = "Select who is making the referral"
NO_LEVEL = "Select the level of need you think the {short} has, or select 'Not sure'"
NO_CONSENT = "Select whether the family knows about the referral and agrees to it"
NO_RELATIONSHIP = "Select how this person is related to the {noun}"
NO_GRADING = "Select the risk grading: the hub triages a notification {what} by its grading"
BAD_GRADING = "Select standard, medium or high"
GRADING_HINT = "The DASH risk grading of a notification {what}. Leave it blank for any other referral."
BAD_POSTCODE = "Enter a real postcode, like NT1 1AA"
DOB_MISSING = "Date of birth must include a {parts}"
DOB_NOT_REAL = "Date of birth must be a real date"
DOB_YEAR = "Year must include 4 numbers"

# Words about the person referred, filled from the form's words ("the child", "the person").
CONCERNS_HINT = (
    "Describe what you have seen or been told, when, and anything already done about it. "
    "Include what is going well for the {short}, if you know."
)
LEVEL_QUESTION = "What level of need do you think the {short} has?"
CONSENT_HINT = "Only leave the family unaware if telling them could put the {short} at risk."
RELATIONSHIP_LABEL = "Relationship to the {noun}"

PHONE_PATTERN = re.compile(r"^\+?[0-9 ()-]{6,20}$")
POSTCODE_PATTERN = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}$")


def _plain_length_messages(form: forms.Form) -> None:
    """GOV.UK words for text that is too long, instead of Django's "Ensure this value has at most..."."""
    for field in form.fields.values():
        if isinstance(field, forms.CharField) and field.max_length:
            label = str(field.label or "").removesuffix(" (optional)")
            field.error_messages["max_length"] = f"{label} must be {field.max_length} characters or fewer"


def _text(label: str, *, max_length: int, width: int = 20, **attrs: str) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=max_length,
        required=False,
        widget=forms.TextInput(attrs={"class": f"govuk-input--width-{width}", **attrs}),
    )


class DateOfBirthField(forms.MultiValueField):
    """A GOV.UK date input (day, month, year): optional, but all three parts once any is given."""

    widget = DateInputWidget
    PARTS = ("day", "month", "year")

    def __init__(self, **kwargs: Any) -> None:
        parts = tuple(forms.CharField(required=False) for _ in self.PARTS)
        kwargs.setdefault("required", False)
        super().__init__(fields=parts, require_all_fields=False, **kwargs)

    def compress(self, data_list: list[Any]) -> date | None:
        """Unused: clean() reads the parts itself, to say which part is wrong."""
        return None

    def clean(self, value: Any) -> date | None:
        raw = list(value) if isinstance(value, (list, tuple)) else ["", "", ""]
        parts = [str(v or "").strip() for v in (raw + ["", "", ""])[:3]]
        for part in self.fields:
            part.widget.errors = []  # read by crispy-forms-gds
        if not any(parts):
            return None
        missing = [i for i, p in enumerate(parts) if not p]
        if missing:
            names = [self.PARTS[i] for i in missing]
            words = names[0] if len(names) == 1 else f"{' and '.join(names)}"
            return self._fail(DOB_MISSING.format(parts=words), missing)
        if not all(p.isdigit() for p in parts):
            return self._fail(DOB_NOT_REAL, [i for i, p in enumerate(parts) if not p.isdigit()])
        day, month, year = (int(p) for p in parts)
        if len(parts[2]) != 4:
            return self._fail(DOB_YEAR, [2])
        try:
            return date(year, month, day)
        except ValueError:
            return self._fail(DOB_NOT_REAL, [])

    def _fail(self, message: str, indexes: list[int]) -> date | None:
        for i in indexes:
            self.fields[i].widget.errors.append(message)
        raise ValidationError(message)


class ReferralForm(GdsForm):
    """Everything but the people: the referrer, the source, the concerns, the level and consent."""

    referrer_name = forms.CharField(
        label="Your full name",
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "name", "spellcheck": "false"}),
    )
    referrer_organisation = forms.CharField(label="Your organisation", max_length=200)
    referrer_job_title = forms.CharField(
        label="Your job title (optional)",
        max_length=200,
        required=False,
        widget=forms.TextInput(
            attrs={"autocomplete": "organization-title", "class": "govuk-input--width-20"}
        ),
    )
    referrer_email = forms.EmailField(
        label="Your email address",
        max_length=254,
        help_text="The hub sends the outcome of the referral to this address.",
        widget=forms.EmailInput(
            attrs={"autocomplete": "email", "spellcheck": "false", "class": "govuk-input--width-20"}
        ),
    )
    referrer_phone = forms.CharField(
        label="Your telephone number (optional)",
        max_length=40,
        required=False,
        help_text="A number the hub can call you on today if it needs to.",
        widget=forms.TextInput(
            attrs={"type": "tel", "autocomplete": "tel", "class": "govuk-input--width-20"}
        ),
    )
    source = forms.ChoiceField(
        label="Who is making the referral",
        choices=[("", "Select who is making the referral"), *ReferralSource.choices],
        help_text="Chosen for your organisation. Change it if it does not describe you.",
    )
    concerns = forms.CharField(
        label="What are you worried about?",
        required=False,
        help_text=CONCERNS_HINT.format(short=CHILD_WORDS.short),
        widget=forms.Textarea(attrs={"rows": 8}),
    )
    concern_categories = forms.MultipleChoiceField(
        label="What kinds of concern are these?",
        required=False,
        help_text="Select all that apply.",
        choices=ConcernCategory.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    risk_grading = forms.ChoiceField(
        label="What is the risk grading?",
        required=False,
        choices=RiskGrading.choices,
        widget=forms.RadioSelect,
    )
    referrer_level = forms.ChoiceField(
        label=LEVEL_QUESTION.format(short=CHILD_WORDS.short),
        help_text="From the local threshold document. The hub decides the level; your view helps.",
        choices=[],
        widget=forms.RadioSelect,
    )
    family_consent = forms.ChoiceField(
        label="Does the family know about this referral?",
        help_text=CONSENT_HINT.format(short=CHILD_WORDS.short),
        choices=FamilyConsent.choices,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args: Any, words: SubjectWords = CHILD_WORDS, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["concerns"].help_text = CONCERNS_HINT.format(short=words.short)
        self.fields["referrer_level"].label = LEVEL_QUESTION.format(short=words.short)
        self.fields["family_consent"].help_text = CONSENT_HINT.format(short=words.short)
        levels = [(str(level.number), str(level)) for level in ThresholdLevel.objects.order_by("number")]
        level_field = self.fields["referrer_level"]
        assert isinstance(level_field, forms.ChoiceField)  # noqa: S101
        level_field.choices = [*levels, (NOT_SURE, "Not sure")]
        config = hub_configuration()
        if not config.covers_adults:
            categories = self.fields["concern_categories"]
            assert isinstance(categories, forms.MultipleChoiceField)  # noqa: S101
            categories.choices = [c for c in ConcernCategory.choices if c[0] != ConcernCategory.ADULT_AT_RISK]
        # The grading is asked only where the hub's triage rule sorts notifications by it (ADR 0024).
        self.triaged = triaged_notifications(config)
        if self.triaged is None:
            del self.fields["risk_grading"]
        else:
            self.fields["risk_grading"].help_text = GRADING_HINT.format(what=self.triaged)
            self.fields["risk_grading"].error_messages["invalid_choice"] = BAD_GRADING
        messages = {
            "referrer_name": NO_REFERRER_NAME,
            "referrer_organisation": NO_ORGANISATION,
            "referrer_email": NO_EMAIL,
            "source": NO_SOURCE,
            "referrer_level": NO_LEVEL.format(short=words.short),
            "family_consent": NO_CONSENT,
        }
        for name, message in messages.items():
            self.fields[name].error_messages["required"] = message
        _plain_length_messages(self)
        self.fields["referrer_email"].error_messages["invalid"] = BAD_EMAIL

    @staticmethod
    def initial_for(user: User) -> dict[str, Any]:
        """Prefilled from the person signed in: their own organisation (the school or surgery they
        named on their last referral), never the kind of agency ("Education"); empty until they have
        named it once."""
        organisation = (
            Referral.objects.filter(made_by=user)
            .exclude(referrer_organisation="")
            .order_by("-received_at")
            .values_list("referrer_organisation", flat=True)
            .first()
        )
        return {
            "referrer_name": user.get_full_name(),
            "referrer_organisation": organisation or "",
            "referrer_job_title": user.job_title,
            "referrer_email": user.email,
            "referrer_phone": user.phone,
            "source": DEFAULT_SOURCE.get(user.agency.kind, ReferralSource.OTHER).value,
        }

    def clean_referrer_phone(self) -> str:
        phone = str(self.cleaned_data.get("referrer_phone", "")).strip()
        if phone and not PHONE_PATTERN.match(phone):
            raise ValidationError(BAD_PHONE)
        return phone

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.triaged is not None and not data.get("risk_grading") and "risk_grading" not in self.errors:
            config = hub_configuration()
            source_matches = not config.triage_source or data.get("source") == config.triage_source
            concern_matches = not config.triage_concern or config.triage_concern in data.get(
                "concern_categories", []
            )
            if source_matches and concern_matches:
                self.add_error("risk_grading", NO_GRADING.format(what=self.triaged))
        return data


def triaged_notifications(config: HubConfiguration) -> str | None:
    """The notifications the hub's triage rule sorts by their risk grading, in words ("from Police about
    domestic abuse"); None where the rule does not use the grading (or every referral is screened)."""
    if config.screen_all_referrals or not config.triage_grading:
        return None
    words = []
    if config.triage_source:
        words.append(f"from {ReferralSource(config.triage_source).label}")
    if config.triage_concern:
        words.append(f"about {ConcernCategory(config.triage_concern).label.lower()}")
    return " ".join(words) or "of any kind"


class PersonForm(GdsForm):
    """One person in a row of a formset. A row left blank is ignored."""

    given_name = _text("First name", max_length=100, autocomplete="off", spellcheck="false")
    family_name = _text("Last name", max_length=100, autocomplete="off", spellcheck="false")
    date_of_birth = DateOfBirthField(label="Date of birth (optional)", help_text="For example, 27 3 2015")
    sex = forms.ChoiceField(
        label="Sex (optional)",
        required=False,
        choices=[(Sex.FEMALE.value, "Female"), (Sex.MALE.value, "Male"), (Sex.UNKNOWN.value, "Not known")],
        widget=forms.RadioSelect(attrs={"class": "govuk-radios--inline"}),
    )
    address = _text("Address (optional)", max_length=300, width=30)
    postcode = _text("Postcode (optional)", max_length=20, width=10, autocomplete="off")
    nhs_number = _text(
        "NHS number (optional)", max_length=14, width=10, inputmode="numeric", spellcheck="false"
    )

    def __init__(self, *args: Any, words: SubjectWords = CHILD_WORDS, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.words = words
        self.fields["nhs_number"].help_text = "10 digits, for example 485 777 3456"
        _plain_length_messages(self)

    def clean_postcode(self) -> str:
        postcode = re.sub(r"\s+", " ", str(self.cleaned_data.get("postcode", "")).strip().upper())
        if postcode and not POSTCODE_PATTERN.match(postcode):
            raise ValidationError(BAD_POSTCODE)
        return postcode

    def clean_nhs_number(self) -> str:
        return normalise_nhs_number(str(self.cleaned_data.get("nhs_number", "")))

    def relationship(self) -> str:
        return Relationship.SUBJECT.value

    def person_data(self) -> PersonData:
        """What the row holds, as far as it could be read (fields with errors are left out)."""
        data = self.cleaned_data
        return PersonData(
            given_name=data.get("given_name", ""),
            family_name=data.get("family_name", ""),
            relationship=self.relationship(),
            date_of_birth=data.get("date_of_birth"),
            sex=data.get("sex") or Sex.UNKNOWN.value,
            address=data.get("address", ""),
            postcode=data.get("postcode", ""),
            nhs_number=data.get("nhs_number", ""),
            school=data.get("school", ""),
        )


class ChildForm(PersonForm):
    school = _text("School, college or nursery (optional)", max_length=200, width=30)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.words != CHILD_WORDS:  # a person referred may be an adult, who has no school
            self.fields["school"].label = "School, college or nursery, if they go to one (optional)"


class HouseholdMemberForm(PersonForm):
    relationship_to_child = forms.ChoiceField(
        label=RELATIONSHIP_LABEL.format(noun=CHILD_WORDS.noun),
        required=False,
        choices=[("", "Select a relationship"), *relationship_choices(CHILD_WORDS)],
    )

    field_order = ["given_name", "family_name", "relationship_to_child"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ChoiceField, self.fields["relationship_to_child"])
        field.label = RELATIONSHIP_LABEL.format(noun=self.words.noun)
        field.choices = [("", "Select a relationship"), *relationship_choices(self.words)]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.has_changed() and not data.get("relationship_to_child"):
            self.add_error("relationship_to_child", NO_RELATIONSHIP.format(noun=self.words.noun))
        return data

    def relationship(self) -> str:
        return str(self.cleaned_data.get("relationship_to_child") or Relationship.OTHER.value)


class _PeopleFormSet(forms.BaseFormSet):
    """Rows of people: one shown at first, more added with "Add another" (a post, no JavaScript). `noun`
    names each row ("Child 1") on the page and in the error summary."""

    noun = "Person"
    default_error_messages = {
        "too_many_forms": "You can add up to %(num)d people here",
        "missing_management_form": "Some of the form is missing: reload the page and try again",
    }


class ChildFormSet(_PeopleFormSet):
    noun = "Child"


class HouseholdFormSet(_PeopleFormSet):
    noun = "Person"


def _formset(form: type[PersonForm], base: type[_PeopleFormSet], rows: int) -> type[_PeopleFormSet]:
    formset = forms.formset_factory(
        form, formset=base, extra=1, max_num=rows, validate_max=True, absolute_max=rows
    )
    return cast(type[_PeopleFormSet], formset)


ChildFormSetClass = _formset(ChildForm, ChildFormSet, MAX_CHILDREN)
HouseholdFormSetClass = _formset(HouseholdMemberForm, HouseholdFormSet, MAX_HOUSEHOLD)


# The referral form's fields above the people and below them, in page order.
ABOUT_YOU = (
    "referrer_name",
    "referrer_organisation",
    "referrer_job_title",
    "referrer_email",
    "referrer_phone",
    "source",
)
ABOUT_THE_CONCERNS = ("concerns", "concern_categories", "risk_grading", "referrer_level", "family_consent")


@dataclass(frozen=True, slots=True)
class ErrorLink:
    """One line of the GOV.UK error summary: the message and the id of the input it is about."""

    href: str
    message: str


class ReferralEntry:
    """The referral form and its two formsets, read and checked as one, in the hub's words: a child's
    rows are "Child 1"; where the hub covers adults at risk, "Person 1", and the household's rows
    "Household member 1" so that no two rows share a name."""

    def __init__(self, data: Any = None, *, initial: dict[str, Any] | None = None) -> None:
        self.covers_adults = hub_configuration().covers_adults
        self.words = referral_form_words(covers_adults=self.covers_adults)
        people = {"words": self.words}
        self.form = ReferralForm(data, initial=initial, words=self.words)
        self.children = ChildFormSetClass(data, prefix="child", form_kwargs=people)
        self.children.noun = self.words.short.capitalize()
        self.household = HouseholdFormSetClass(data, prefix="household", form_kwargs=people)
        self.household.noun = "Household member" if self.covers_adults else "Person"
        # The people sent to the service, in order, with the row each came from.
        self.rows: list[tuple[_PeopleFormSet, int, PersonForm]] = []
        # Errors about the people referred as a whole ("Add at least one child"), shown above their rows.
        self.children_errors: list[str] = []

    @classmethod
    def with_row_added(cls, data: Any, which: str) -> ReferralEntry:
        """The same input, redisplayed with one more blank row of children or household members."""
        formsets = {"child": ChildFormSetClass, "household": HouseholdFormSetClass}
        if which in formsets:
            data = data.copy()
            key = f"{which}-TOTAL_FORMS"
            try:
                total = int(data.get(key, "1"))
            except ValueError:
                total = 1
            data[key] = str(max(1, min(total + 1, formsets[which].max_num)))
        entry = cls(data)
        entry.quietly_read()
        return entry

    def quietly_read(self) -> None:
        """Read the input to redisplay it, without calling anything a mistake: it is not sent yet."""
        self.is_valid()
        for form in [self.form, *self.children.forms, *self.household.forms]:
            form.errors.clear()
            for field in form.fields.values():
                if isinstance(field, forms.MultiValueField):
                    for part in field.fields:
                        part.widget.errors = []
        self.children.non_form_errors().clear()
        self.household.non_form_errors().clear()

    def is_valid(self) -> bool:
        results = [self.form.is_valid(), self.children.is_valid(), self.household.is_valid()]
        return all(results)

    def referral_data(self) -> ReferralData:
        """The referral as far as it could be read; call after is_valid()."""
        self.rows = []
        people = []
        for formset in (self.children, self.household):
            for index, row in enumerate(formset.forms):
                if row.has_changed():
                    self.rows.append((formset, index, row))
                    people.append(row.person_data())
        data = getattr(self.form, "cleaned_data", {})
        level = data.get("referrer_level")
        return ReferralData(
            referrer_name=data.get("referrer_name", ""),
            referrer_organisation=data.get("referrer_organisation", ""),
            referrer_job_title=data.get("referrer_job_title", ""),
            referrer_email=data.get("referrer_email", ""),
            referrer_phone=data.get("referrer_phone", ""),
            source=data.get("source", ""),
            concerns=data.get("concerns", ""),
            concern_categories=list(data.get("concern_categories", [])),
            referrer_level=int(level) if level and level != NOT_SURE else None,
            family_consent=data.get("family_consent", ""),
            risk_grading=data.get("risk_grading", ""),
            people=people,
        )

    def add_rule_errors(self, errors: dict[str, list[str]]) -> None:
        """Attach the referral rules' errors (API field paths) to the fields they are about."""
        for path, messages in errors.items():
            if path == "people":
                self.children_errors += [m for m in messages if m not in self.children_errors]
                continue
            form, field = self._target(path)
            for message in messages:
                if field is not None and message in [str(e) for e in form.errors.get(field, [])]:
                    continue
                form.add_error(field, message)

    def _target(self, path: str) -> tuple[forms.Form, str | None]:
        parts = path.split(".")
        if parts[0] == "people":
            index = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else -1
            if 0 <= index < len(self.rows):
                row = self.rows[index][2]
                field = parts[2] if len(parts) > 2 and parts[2] in row.fields else None
                if field == "given_name" and row.cleaned_data.get("given_name", "").strip():
                    field = "family_name"  # the first name is there: point at what is missing
                return row, field
            return self.form, None
        if parts[0] in self.form.fields:
            return self.form, parts[0]
        return self.form, None

    @property
    def has_errors(self) -> bool:
        return bool(
            self.form.errors
            or self.children_errors
            or any(f.errors for f in self.children.forms)
            or any(f.errors for f in self.household.forms)
            or self.children.non_form_errors()
            or self.household.non_form_errors()
        )

    def error_links(self) -> list[ErrorLink]:
        """Every error on the page, in page order, each linking to the input it is about."""
        links: list[ErrorLink] = []
        first = f"#{self.form['referrer_name'].auto_id}"
        links += [ErrorLink(first, str(e)) for e in self.form.non_field_errors()]
        for name in ABOUT_YOU:
            links += _field_links(self.form, name)
        for formset in (self.children, self.household):
            anchor = f"#{formset.forms[0]['given_name'].auto_id}" if formset.forms else first
            links += [ErrorLink(anchor, str(e)) for e in formset.non_form_errors()]
            if formset is self.children:
                links += [ErrorLink(anchor, message) for message in self.children_errors]
            for index, row in enumerate(formset.forms):
                label = f"{formset.noun} {index + 1}"
                for error in row.non_field_errors():
                    links.append(ErrorLink(f"#{row['given_name'].auto_id}", f"{label}: {error}"))
                for name in row.fields:
                    links += _field_links(row, name, prefix=f"{label}: ")
        for name in ABOUT_THE_CONCERNS:
            links += _field_links(self.form, name)
        return links


def _field_links(form: forms.Form, name: str, *, prefix: str = "") -> list[ErrorLink]:
    if name not in form.fields:  # a question this hub does not ask
        return []
    bound = form[name]
    if not bound.errors:
        return []
    widget = bound.field.widget
    if isinstance(widget, (forms.RadioSelect, forms.CheckboxSelectMultiple)):
        anchor = f"id_{bound.html_name}_1"  # crispy-forms-gds numbers the options from 1
    elif isinstance(bound.field, forms.MultiValueField):
        wrong = [i for i, part in enumerate(bound.field.fields) if getattr(part.widget, "errors", None)]
        anchor = f"{bound.auto_id}_{wrong[0] if wrong else 0}"
    else:
        anchor = str(bound.auto_id)
    return [ErrorLink(f"#{anchor}", f"{prefix}{error}") for error in bound.errors]
