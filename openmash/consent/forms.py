"""Forms for consent and lawful-basis decisions, shared by the screening form and the case's consent page.

The same questions are asked in two places: in the screening form, inside the reveal of the consent
position the manager chooses, and on the consent page. The builders here make the fields (with a prefix,
so one form can hold the questions for "given" and for "refused" side by side) and read them back into
plain values the services take.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from crispy_forms.utils import TEMPLATE_PACK, render_field
from crispy_forms_gds.choices import Choice
from crispy_forms_gds.layout import Field, Layout, Size
from django import forms
from django.core.exceptions import ValidationError
from django.template import Context
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from openmash.consent.models import (
    SPECIAL_CATEGORY_BASIS,
    Art6Basis,
    ConsentDecision,
    ForWhom,
    InformedHow,
    health_override_text,
)
from openmash.consent.services import NO_BASIS_REASON
from openmash.core.forms import DateMessages, GdsDateField, GdsForm, Markup, SingleCheckbox
from openmash.hub.models import Agency
from openmash.referrals.models import CHILD_WORDS, ReferralPerson, SubjectWords

# The version of the hub's privacy notice people are given now; a form starts with it filled in.
PRIVACY_NOTICE_VERSION = "2026-04"

SELECT_DECISION = "Select whether consent was given or refused"
SELECT_GIVEN_BY = "Select who gave consent"
SELECT_REFUSED_BY = "Select who refused consent"
SELECT_ASKED = "Select who was asked for consent"
SELECT_FOR_WHOM = "Select who the consent is for"
SELECT_ASKED_FOR = "Select who consent was asked for"
SELECT_INFORMED = "Select how the person was told how their information will be used"
ENTER_NOTICE = "Enter the version of the privacy notice the person was given"
SELECT_ART6 = "Select the lawful basis"
SELECT_SCOPE = "Select whether the decision covers all agencies or only some"
SELECT_AGENCIES = "Select the agencies it covers"
UNKNOWN_AGENCY = "Select agencies from the list"
ENTER_WITHDRAWAL_NOTE = "Enter how and why consent was withdrawn"
DATE_REQUIRED = "Enter the date consent was given or refused"
DATE_NO_DAY = "The date consent was given or refused must include a day"
DATE_NO_MONTH = "The date consent was given or refused must include a month"
DATE_NO_YEAR = "The date consent was given or refused must include a year"
DATE_NOT_REAL = "The date consent was given or refused must be a real date"
DATE_IN_FUTURE = "The date consent was given or refused must be today or in the past"

CHILD_PREFIX = "child:"
PAGE_PREFIX = "consent_"  # the consent page's names for the questions about the person asked
ALL_AGENCIES = "all"
SOME_AGENCIES = "some"
PUBLIC_TASK_HINT = "Safeguarding {group} is part of the council's and its partners' public task"
WITHOUT_BASIS_WARNING = (
    "Without a reason to share without consent, no agency is asked: requests wait until consent is "
    "given or a lawful basis is recorded on the case's consent page."
)


# Conditionally revealed radios ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RevealItem:
    position: int
    value: str
    label: str
    hint: str
    checked: bool
    content: SafeString


class RevealRadios:
    """GOV.UK radios whose options reveal further questions (the govuk-radios conditional pattern).

    crispy-forms-gds has ConditionalRadios, but it numbers the inputs from 0 (the error summary links to
    id_<name>_1, the first option, everywhere else) and cannot size the legend; this renders the same
    markup with the house numbering. Without JavaScript every revealed block is simply shown.
    """

    template = "consent/_reveal_radios.html"

    def __init__(self, field: str, reveals: Mapping[str, Sequence[Any]], legend_size: str = Size.MEDIUM):
        self.field = field
        self.reveals = reveals
        self.legend_size = legend_size

    def render(
        self, form: forms.Form, context: Context, template_pack: Any = TEMPLATE_PACK, **kwargs: Any
    ) -> str:
        bound = form[self.field]
        value = bound.value()
        items = []
        field = bound.field
        assert isinstance(field, forms.ChoiceField)  # noqa: S101 - radios are a choice field
        choices: list[Any] = list(field.choices)  # type: ignore[arg-type]
        for position, choice in enumerate(choices, start=1):
            key = str(choice[0])
            content = "".join(
                str(render_field(item, form, context, template_pack=template_pack))
                for item in self.reveals.get(key, ())
            )
            items.append(
                RevealItem(
                    position=position,
                    value=key,
                    label=str(choice[1]),
                    hint=str(getattr(choice, "hint", "") or ""),
                    checked=value is not None and str(value) == key,
                    content=mark_safe(content),  # noqa: S308 - rendered by crispy from the form's own fields
                )
            )
        return render_to_string(
            self.template,
            {"field": bound, "items": items, "legend_class": Size.for_legend(self.legend_size)},
        )


# Dates ---------------------------------------------------------------------------------------------


class ConsentDateField(GdsDateField):
    """The date consent was given or refused."""

    def __init__(self, **kwargs: Any) -> None:
        messages = DateMessages(DATE_REQUIRED, DATE_NO_DAY, DATE_NO_MONTH, DATE_NO_YEAR, DATE_NOT_REAL)
        super().__init__(messages=messages, **kwargs)


def adults_first(people: Sequence[ReferralPerson]) -> list[ReferralPerson]:
    """Parents and carers first (consent is usually theirs to give), then the children referred."""
    return [p for p in people if not p.is_subject] + [p for p in people if p.is_subject]


def person_label(person: ReferralPerson) -> str:
    """The person and how the referral names them: "Kerry Whitmore (mother)", "Walter Crane (adult at
    risk referred)"."""
    return f"{person} ({person.role.lower()})"


def person_choices(people: Sequence[ReferralPerson]) -> list[tuple[str, str]]:
    return [(str(p.pk), person_label(p)) for p in adults_first(people)]


def for_whom_choices(people: Sequence[ReferralPerson]) -> list[Any]:
    """The whole household, the person themselves, or one named child (in the referral's words: "A named
    adult at risk"): one question, not two."""
    choices: list[Any] = [
        Choice(ForWhom.HOUSEHOLD.value, "The whole household", hint="Everyone named on the referral"),
        Choice(ForWhom.SELF.value, "Themselves only"),
    ]
    for child in (p for p in people if p.is_subject):
        noun = child.referral.subject_words.noun
        choices.append(Choice(f"{CHILD_PREFIX}{child.pk}", f"A named {noun}: {child}"))
    return choices


def agency_choices(agencies: Sequence[Agency]) -> list[Any]:
    return [
        Choice(
            str(a.pk),
            a.name,
            hint="Bound by a duty of confidentiality: health information must be named"
            if a.duty_of_confidentiality
            else "",
        )
        for a in agencies
    ]


@dataclass(frozen=True, slots=True)
class ConsentEntry:
    """What the form says about one person asked for consent, ready for consent_record()."""

    given_by: ReferralPerson
    for_whom: ForWhom
    child: ReferralPerson | None
    informed_how: InformedHow
    privacy_notice_version: str
    includes_health: bool


@dataclass(frozen=True, slots=True)
class BasisEntry:
    """A decision to share without consent, ready for lawful_basis_record()."""

    reason: str
    art6: Art6Basis
    special_category: bool
    health_override: bool


def _required(field: forms.Field, message: str) -> forms.Field:
    field.error_messages["required"] = message
    field.error_messages["invalid_choice"] = message
    return field


def consent_fields(
    people: Sequence[ReferralPerson],
    *,
    prefix: str = "",
    by_label: str,
    by_message: str,
    for_label: str = "Who is the consent for?",
    for_message: str = SELECT_FOR_WHOM,
    required: bool = True,
    health: bool = True,
) -> dict[str, forms.Field]:
    """Who was asked, for whom, whether health was named, and how they were told. Not required when the
    form asks these only for one answer to another question (the form's clean() then checks them)."""
    fields: dict[str, forms.Field] = {
        f"{prefix}by": _required(
            forms.ChoiceField(
                label=by_label,
                choices=person_choices(people),
                widget=forms.RadioSelect,
                required=required,
            ),
            by_message,
        ),
        f"{prefix}for": _required(
            forms.ChoiceField(
                label=for_label,
                choices=for_whom_choices(people),
                widget=forms.RadioSelect,
                required=required,
            ),
            for_message,
        ),
    }
    if health:
        fields[f"{prefix}health"] = forms.BooleanField(
            label="Health information was named specifically",
            required=False,
            help_text="Tick only if the person was told that health records would be searched and shared, "
            "and agreed. Without this, health agencies are not asked.",
        )
    fields[f"{prefix}informed"] = _required(
        forms.ChoiceField(
            label="How was the person told how their information will be used?",
            choices=InformedHow.choices,
            widget=forms.RadioSelect,
            required=required,
        ),
        SELECT_INFORMED,
    )
    fields[f"{prefix}notice"] = _required(
        forms.CharField(
            label="Privacy notice version",
            max_length=40,
            initial=PRIVACY_NOTICE_VERSION,
            required=required,
            help_text="The version of the hub's privacy notice the person was given or read to.",
        ),
        ENTER_NOTICE,
    )
    return fields


def consent_layout(prefix: str = "", *, health: bool = True) -> list[Any]:
    items: list[Any] = [
        Field.radios(f"{prefix}by", legend_size=Size.SMALL),
        Field.radios(f"{prefix}for", legend_size=Size.SMALL),
    ]
    if health:
        items.append(SingleCheckbox(f"{prefix}health", legend="Health information"))
    items += [
        Field.radios(f"{prefix}informed", legend_size=Size.SMALL),
        Field.text(f"{prefix}notice", field_width=10, label_size=Size.SMALL),
    ]
    return items


def read_consent(
    form: forms.Form,
    data: dict[str, Any],
    people: Sequence[ReferralPerson],
    *,
    prefix: str = "",
    by_message: str,
    for_message: str = SELECT_FOR_WHOM,
    check_required: bool = False,
) -> ConsentEntry | None:
    """The entry the fields describe, or None after adding an error to each field that is missing."""
    missing = {
        f"{prefix}by": by_message,
        f"{prefix}for": for_message,
        f"{prefix}informed": SELECT_INFORMED,
        f"{prefix}notice": ENTER_NOTICE,
    }
    complete = True
    for name, message in missing.items():
        if name in form.errors:
            complete = False
        elif not data.get(name):
            complete = False
            if check_required:
                form.add_error(name, message)
    if not complete:
        return None
    by_pk = {str(p.pk): p for p in people}
    for_whom = str(data[f"{prefix}for"])
    child = None
    if for_whom.startswith(CHILD_PREFIX):
        child = by_pk[for_whom.removeprefix(CHILD_PREFIX)]
        whom = ForWhom.CHILD
    else:
        whom = ForWhom(for_whom)
    return ConsentEntry(
        given_by=by_pk[str(data[f"{prefix}by"])],
        for_whom=whom,
        child=child,
        informed_how=InformedHow(data[f"{prefix}informed"]),
        privacy_notice_version=str(data[f"{prefix}notice"]).strip(),
        includes_health=bool(data.get(f"{prefix}health")),
    )


def basis_fields(
    *,
    prefix: str = "",
    reason_label: str,
    reason_hint: str = "",
    required: bool = True,
    words: SubjectWords = CHILD_WORDS,
) -> dict[str, forms.Field]:
    """Why information must be shared without consent, under which Article 6 basis, and the overrides,
    in the words of the case's referral (`words`: "a risk of significant harm to an adult")."""
    return {
        f"{prefix}reason": _required(
            forms.CharField(
                label=reason_label,
                widget=forms.Textarea(attrs={"rows": 4}),
                required=required,
                help_text=reason_hint,
            ),
            NO_BASIS_REASON,
        ),
        f"{prefix}art6": _required(
            forms.ChoiceField(
                label="Lawful basis under UK GDPR Article 6",
                choices=[
                    Choice(
                        Art6Basis.PUBLIC_TASK.value,
                        Art6Basis.PUBLIC_TASK.label,
                        hint=PUBLIC_TASK_HINT.format(group=words.group),
                    ),
                    Choice(
                        Art6Basis.LEGAL_OBLIGATION.value,
                        Art6Basis.LEGAL_OBLIGATION.label,
                        hint="A statutory duty or a court order requires the information",
                    ),
                ],
                initial=Art6Basis.PUBLIC_TASK.value,
                widget=forms.RadioSelect,
                required=required,
            ),
            SELECT_ART6,
        ),
        f"{prefix}special": forms.BooleanField(
            label="The information includes special category data, such as health",
            required=False,
            initial=True,
            help_text=f"Shared under {SPECIAL_CATEGORY_BASIS}.",
        ),
        f"{prefix}health_override": forms.BooleanField(
            label="Set aside the health duty of confidentiality because of a risk of significant harm",
            required=False,
            help_text=f"{health_override_text(words)}. Without this, health agencies are asked only with "
            "consent that names health information.",
        ),
    }


def basis_layout(prefix: str = "") -> list[Any]:
    return [
        Field.textarea(f"{prefix}reason", rows=4, label_size=Size.SMALL),
        Field.radios(f"{prefix}art6", legend_size=Size.SMALL),
        SingleCheckbox(f"{prefix}special", legend="Special category data (Article 9)"),
        SingleCheckbox(f"{prefix}health_override", legend="Health duty of confidentiality"),
    ]


def read_basis(
    form: forms.Form, data: dict[str, Any], *, prefix: str = "", required: bool
) -> BasisEntry | None:
    """The decision the fields describe; None when no reason is given and none is required."""
    reason = str(data.get(f"{prefix}reason") or "").strip()
    override = bool(data.get(f"{prefix}health_override"))
    if f"{prefix}reason" in form.errors or f"{prefix}art6" in form.errors:
        return None
    if not reason:
        if required or override:
            form.add_error(f"{prefix}reason", NO_BASIS_REASON)
        return None
    art6 = data.get(f"{prefix}art6")
    if not art6:
        form.add_error(f"{prefix}art6", SELECT_ART6)
        return None
    return BasisEntry(
        reason=reason,
        art6=Art6Basis(art6),
        special_category=bool(data.get(f"{prefix}special")),
        health_override=override,
    )


# The scope: all agencies or a list -------------------------------------------------------------------


class ScopeMixin:
    """Two fields: `scope` (all agencies or only some) and `agencies`, revealed under "only some"."""

    fields: dict[str, forms.Field]
    _agencies: dict[str, Agency]

    def setup_scope(self, noun: str) -> None:
        self._agencies = {str(a.pk): a for a in Agency.objects.filter(is_active=True)}
        self.fields["scope"] = _required(
            forms.ChoiceField(
                label=f"Which agencies does the {noun} cover?",
                choices=[(ALL_AGENCIES, "All agencies"), (SOME_AGENCIES, "Only some agencies")],
                initial=ALL_AGENCIES,
                widget=forms.RadioSelect,
            ),
            SELECT_SCOPE,
        )
        agencies = forms.MultipleChoiceField(
            label="Agencies covered",
            choices=agency_choices(list(self._agencies.values())),
            widget=forms.CheckboxSelectMultiple,
            required=False,
        )
        agencies.error_messages["invalid_choice"] = UNKNOWN_AGENCY
        self.fields["agencies"] = agencies

    def scope_layout(self) -> RevealRadios:
        return RevealRadios(
            "scope", {SOME_AGENCIES: [Field.checkboxes("agencies", legend_size=Size.SMALL)]}, Size.SMALL
        )

    def read_scope(self, data: dict[str, Any]) -> tuple[bool, list[Agency]]:
        form: Any = self
        if data.get("scope") != SOME_AGENCIES:
            return True, []
        chosen = [self._agencies[pk] for pk in data.get("agencies") or []]
        if not chosen and "agencies" not in form.errors:
            form.add_error("agencies", SELECT_AGENCIES)
        return False, chosen


# The consent page's forms -----------------------------------------------------------------------------


class ConsentForm(ScopeMixin, GdsForm):
    """Consent given, or asked for and refused, recorded on the case's consent page."""

    decision = forms.ChoiceField(
        label="Was consent given?",
        choices=[
            (ConsentDecision.GIVEN.value, "Yes, consent was given"),
            (ConsentDecision.REFUSED.value, "No, consent was asked for and refused"),
        ],
        widget=forms.RadioSelect,
    )
    given_on = ConsentDateField(
        label="When was consent given or refused?", help_text="For example, 27 3 2026", required=True
    )

    def __init__(self, *args: Any, people: Sequence[ReferralPerson], **kwargs: Any) -> None:
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("given_on", timezone.localdate())
        super().__init__(*args, **kwargs)
        self.people = list(people)
        _required(self.fields["decision"], SELECT_DECISION)
        self.fields["given_on"].error_messages["required"] = DATE_REQUIRED
        built = consent_fields(
            self.people, prefix=PAGE_PREFIX, by_label="Who was asked?", by_message=SELECT_ASKED
        )
        built[
            f"{PAGE_PREFIX}health"
        ].label = "Health information was named specifically when consent was asked for"
        fields = {"decision": self.fields["decision"], **built, "given_on": self.fields["given_on"]}
        self.fields = fields
        self.setup_scope("consent")
        self.helper.layout = Layout(
            Field.radios("decision", legend_size=Size.MEDIUM),
            *consent_layout(PAGE_PREFIX),
            Field("given_on"),
            self.scope_layout(),
        )

    def clean_given_on(self) -> date:
        given_on: date = self.cleaned_data["given_on"]
        if given_on > timezone.localdate():
            raise ValidationError(DATE_IN_FUTURE, code="future")
        return given_on

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        data["entry"] = read_consent(self, data, self.people, prefix=PAGE_PREFIX, by_message=SELECT_ASKED)
        data["all_agencies"], data["agency_list"] = self.read_scope(data)
        return data


class LawfulBasisForm(ScopeMixin, GdsForm):
    """A decision to search and share without consent, with its legal basis and reason."""

    def __init__(self, *args: Any, words: SubjectWords, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields.update(
            basis_fields(
                reason_label="Why must information be shared without consent?",
                reason_hint=f"For example, asking for consent would place the {words.short} at risk of "
                "significant harm, or could prejudice a police investigation.",
                words=words,
            )
        )
        self.setup_scope("decision")
        self.helper.layout = Layout(*basis_layout(), self.scope_layout())

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        data["entry"] = read_basis(self, data, required=True)
        data["all_agencies"], data["agency_list"] = self.read_scope(data)
        return data


class WithdrawForm(GdsForm):
    note = forms.CharField(
        label="How and why was consent withdrawn?",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="For example, who told you, when, and anything they said about information already shared.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _required(self.fields["note"], ENTER_WITHDRAWAL_NOTE)
        self.helper.layout = Layout(Field.textarea("note", rows=4, label_size=Size.SMALL))


def warning(text: str) -> Markup:
    """A GOV.UK warning text inside a form layout (the text escaped, never run as a template)."""
    return Markup(
        format_html(
            '<div class="govuk-warning-text">'
            '<span class="govuk-warning-text__icon" aria-hidden="true">!</span>'
            '<strong class="govuk-warning-text__text"><span class="govuk-visually-hidden">Warning</span>'
            "{}</strong></div>",
            text,
        )
    )


def inset(text: str) -> Markup:
    return Markup(format_html('<div class="govuk-inset-text">{}</div>', text))
