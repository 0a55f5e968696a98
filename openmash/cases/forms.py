"""Forms for screening a contact and changing a case's RAG rating (GOV.UK pattern, crispy-forms-gds)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from crispy_forms.layout import HTML, Layout
from crispy_forms_gds.choices import Choice
from crispy_forms_gds.layout import Field
from django import forms

from openmash.cases.models import ENQUIRY_ROUTES, NOT_SOUGHT_RISK_TEXT, Case, ConsentPosition, Route
from openmash.cases.services import ALLOCATE_NO_TEAM, NO_AGENCIES, NO_REASON, RERATE_NO_REASON, RERATE_SAME
from openmash.casework.handover import NO_KEYWORKER_AGENCY, NO_KEYWORKER_CONTACT, NO_KEYWORKER_NAME
from openmash.casework.routing import REROUTE_NO_REASON, REROUTE_NO_TEAM
from openmash.casework.screening import ASK_NO_AGENCY, ASK_NO_REASON
from openmash.casework.triage import NO_CASES, NO_TEAM, NO_TRIAGE_REASON, TriageChoice
from openmash.consent.forms import (
    SELECT_ASKED_FOR,
    SELECT_GIVEN_BY,
    SELECT_REFUSED_BY,
    WITHOUT_BASIS_WARNING,
    RevealRadios,
    basis_fields,
    basis_layout,
    consent_fields,
    consent_layout,
    inset,
    read_basis,
    read_consent,
    warning,
)
from openmash.core.forms import GdsForm, VersionField
from openmash.enquiries.models import RequestStatus
from openmash.hub.models import (
    Agency,
    RagRating,
    RagResponseTime,
    Team,
    ThresholdIndicator,
    ThresholdLevel,
)
from openmash.referrals.models import ReferralPerson, SubjectWords

SELECT_LEVEL = "Select the level of need"
SELECT_RAG = "Select a RAG rating"
SELECT_NEW_RAG = "Select the new RAG rating"
SELECT_CONSENT = "Select the consent position"
SELECT_ROUTE = "Select a route"
UNKNOWN_INDICATOR = "Select indicators from the threshold document"
UNKNOWN_AGENCY = "Select agencies from the list"
PAGE_OUT_OF_DATE = "This page is out of date. Reload it and make your changes again"

NOT_YET_SOUGHT_NOTE = (
    "No agency is asked until consent is given or a lawful basis is recorded: record either on the "
    "case's consent page when you have it."
)

# Which field a service's refusal belongs to; anything else goes at the top of the error summary.
SCREEN_ERROR_FIELDS = {NO_REASON: "rag_reason", NO_AGENCIES: "agencies"}


@dataclass(frozen=True, slots=True)
class IndicatorBox:
    value: str
    text: str
    hint: str
    checked: bool
    input_id: str


@dataclass(frozen=True, slots=True)
class IndicatorGroup:
    level: ThresholdLevel
    boxes: list[IndicatorBox]


def rag_choices(exclude: str = "") -> list[tuple[str, str]]:
    """Red, amber, green (in that order), each with the response time it sets for agencies."""
    times = {rt.rating: rt for rt in RagResponseTime.objects.all()}
    choices = []
    for rating in RagRating:
        if rating.value == exclude:
            continue
        rule = times.get(rating.value)
        choices.append((rating.value, f"{rating.label}: {rule.describe()}" if rule else rating.label))
    return choices


class CaseFormMixin:
    """The version field's messages: a stale page is told to reload."""

    fields: dict[str, forms.Field]

    def setup_version(self) -> None:
        version = self.fields["version"]
        version.error_messages.update(required=PAGE_OUT_OF_DATE, invalid=PAGE_OUT_OF_DATE)
        version.error_messages["min_value"] = PAGE_OUT_OF_DATE


def _names(names: Sequence[str]) -> str:
    """ "Education", "Education and Early Help", "Education, Early Help and Youth Offending"."""
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


class ScreeningForm(CaseFormMixin, GdsForm):
    version = VersionField()
    level = forms.ChoiceField(label="Level of need", widget=forms.RadioSelect)
    indicators = forms.MultipleChoiceField(
        label="Threshold indicators that apply",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Select all that apply, at any level.",
    )
    rag = forms.ChoiceField(
        label="RAG rating",
        widget=forms.RadioSelect,
        help_text="The rating sets how quickly each agency asked must return its information.",
    )
    rag_reason = forms.CharField(
        label="Reason for the rating",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Agencies see this with the request, and it is kept on the case record.",
    )
    consent_position = forms.ChoiceField(
        label="Consent position", choices=ConsentPosition.choices, widget=forms.RadioSelect
    )
    route = forms.ChoiceField(label="Route", choices=Route.choices, widget=forms.RadioSelect)
    agencies = forms.MultipleChoiceField(
        label="Agencies to ask for information",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Needed for a MASH enquiry or an immediate strategy discussion. "
        "The hub's core agencies are selected to start with.",
    )
    notes = forms.CharField(
        label="Notes (optional)", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(
        self,
        *args: Any,
        people: list[ReferralPerson],
        words: SubjectWords,
        not_ticked: Sequence[str] = (),
        **kwargs: Any,
    ) -> None:
        """``not_ticked``: the names of core agencies not selected to start with (those that work with
        young people, where an adult at risk is referred)."""
        super().__init__(*args, **kwargs)
        self.setup_version()
        self.people = people
        self.words = words
        _set_choices(
            self.fields["consent_position"],
            [
                (
                    value,
                    NOT_SOUGHT_RISK_TEXT.format(short=words.short)
                    if value == ConsentPosition.NOT_SOUGHT_RISK
                    else label,
                )
                for value, label in ConsentPosition.choices
            ],
        )
        self._add_consent_fields()
        self._levels = {str(lv.pk): lv for lv in ThresholdLevel.objects.all()}
        self._indicators = {str(ind.pk): ind for ind in ThresholdIndicator.objects.select_related("level")}
        self._agencies = {str(a.pk): a for a in Agency.objects.filter(is_active=True)}
        fields = self.fields
        if not_ticked:
            fields["agencies"].help_text = (
                "Needed for a MASH enquiry or an immediate strategy discussion. The hub's core agencies "
                f"are selected to start with, except {_names(not_ticked)}, who work with young people: "
                f"select them if they know the {words.noun}."
            )
        _set_choices(
            fields["level"],
            [Choice(pk, str(lv), hint=lv.typical_response) for pk, lv in self._levels.items()],
        )
        _set_choices(fields["indicators"], [(pk, ind.text) for pk, ind in self._indicators.items()])
        _set_choices(fields["rag"], rag_choices())
        _set_choices(
            fields["agencies"], [Choice(pk, a.name, hint=_agency_hint(a)) for pk, a in self._agencies.items()]
        )
        messages = {
            "level": SELECT_LEVEL,
            "rag": SELECT_RAG,
            "rag_reason": NO_REASON,
            "consent_position": SELECT_CONSENT,
            "route": SELECT_ROUTE,
        }
        for name, message in messages.items():
            fields[name].error_messages["required"] = message
            fields[name].error_messages["invalid_choice"] = message
        fields["indicators"].error_messages["invalid_choice"] = UNKNOWN_INDICATOR
        fields["agencies"].error_messages["invalid_choice"] = UNKNOWN_AGENCY
        self.helper.layout = Layout(
            "version",
            Field.radios("level", legend_size="m"),
            HTML('{% include "cases/_indicator_checkboxes.html" %}'),
            Field.radios("rag", legend_size="m"),
            Field.textarea("rag_reason", label_size="s", rows=4),
            self._consent_layout(),
            Field.radios("route", legend_size="m"),
            Field.checkboxes("agencies", legend_size="m"),
            Field.textarea("notes", label_size="s", rows=3),
        )

    def _add_consent_fields(self) -> None:
        """The questions each consent position asks, placed straight after the position itself."""
        extra = {
            **consent_fields(
                self.people,
                prefix="given_",
                by_label="Who gave consent?",
                by_message=SELECT_GIVEN_BY,
                required=False,
            ),
            **consent_fields(
                self.people,
                prefix="refused_",
                by_label="Who refused consent?",
                by_message=SELECT_REFUSED_BY,
                for_label="Who was consent asked for?",
                for_message=SELECT_ASKED_FOR,
                required=False,
                health=False,
            ),
            **basis_fields(
                prefix="refused_",
                reason_label="Reason to share without consent (optional)",
                reason_hint="Give a reason only if information must be shared although consent was refused, "
                f"for example because of a risk of significant harm to the {self.words.short}.",
                required=False,
                words=self.words,
            ),
            **basis_fields(
                prefix="risk_",
                reason_label=f"Why would seeking consent place the {self.words.short} at risk?",
                reason_hint="This is recorded as the reason for sharing without consent.",
                required=False,
                words=self.words,
            ),
        }
        fields: dict[str, forms.Field] = {}
        for name, field in self.fields.items():
            fields[name] = field
            if name == "consent_position":
                fields.update(extra)
        self.fields = fields

    def _consent_layout(self) -> RevealRadios:
        return RevealRadios(
            "consent_position",
            {
                ConsentPosition.GIVEN.value: consent_layout("given_"),
                ConsentPosition.REFUSED.value: [
                    *consent_layout("refused_", health=False),
                    warning(WITHOUT_BASIS_WARNING),
                    *basis_layout("refused_"),
                ],
                ConsentPosition.NOT_SOUGHT_RISK.value: basis_layout("risk_"),
                ConsentPosition.TO_BE_SOUGHT.value: [inset(NOT_YET_SOUGHT_NOTE)],
            },
        )

    def indicator_groups(self) -> list[IndicatorGroup]:
        """The indicators under their level, so the manager reads the threshold document as written."""
        chosen = {str(v) for v in (self["indicators"].value() or [])}
        groups: dict[str, IndicatorGroup] = {}
        for position, (pk, ind) in enumerate(self._indicators.items(), start=1):
            group = groups.setdefault(str(ind.level_id), IndicatorGroup(level=ind.level, boxes=[]))
            group.boxes.append(
                IndicatorBox(
                    value=pk,
                    text=ind.text,
                    hint=ind.get_domain_display(),
                    checked=pk in chosen,
                    input_id=f"id_indicators_{position}",
                )
            )
        return list(groups.values())

    def clean_level(self) -> ThresholdLevel:
        return self._levels[self.cleaned_data["level"]]

    def clean_indicators(self) -> list[ThresholdIndicator]:
        return [self._indicators[pk] for pk in self.cleaned_data["indicators"]]

    def clean_agencies(self) -> list[Agency]:
        return [self._agencies[pk] for pk in self.cleaned_data["agencies"]]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        # The service refuses this too; checked here so every problem shows on one submission.
        route = data.get("route")
        if route in ENQUIRY_ROUTES and not data.get("agencies") and "agencies" not in self.errors:
            self.add_error("agencies", NO_AGENCIES)
        # What the consent position records: checked here, before anything is saved.
        position = data.get("consent_position")
        data["consent"] = data["basis"] = None
        if position == ConsentPosition.GIVEN:
            data["consent"] = read_consent(
                self, data, self.people, prefix="given_", by_message=SELECT_GIVEN_BY, check_required=True
            )
        elif position == ConsentPosition.REFUSED:
            data["consent"] = read_consent(
                self,
                data,
                self.people,
                prefix="refused_",
                by_message=SELECT_REFUSED_BY,
                for_message=SELECT_ASKED_FOR,
                check_required=True,
            )
            data["basis"] = read_basis(self, data, prefix="refused_", required=False)
        elif position == ConsentPosition.NOT_SOUGHT_RISK:
            data["basis"] = read_basis(self, data, prefix="risk_", required=True)
        return data


def _set_choices(field: forms.Field, choices: list[Any]) -> None:
    assert isinstance(field, forms.ChoiceField)  # noqa: S101 - the fields are declared above
    field.choices = choices


def _agency_hint(agency: Agency) -> str:
    hint = agency.get_location_display()
    if agency.duty_of_confidentiality:
        hint += ". Its information needs specific consent or a recorded override"
    return hint


class RerateForm(CaseFormMixin, GdsForm):
    version = VersionField()
    rag = forms.ChoiceField(label="New RAG rating", widget=forms.RadioSelect)
    reason = forms.CharField(
        label="Reason for the change",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="For example, what new information changed the level of risk.",
    )

    def __init__(self, *args: Any, current: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.setup_version()
        _set_choices(self.fields["rag"], rag_choices(exclude=current))
        self.fields["rag"].error_messages["required"] = SELECT_NEW_RAG
        self.fields["rag"].error_messages["invalid_choice"] = (
            RERATE_SAME.format(rag=RagRating(current).label.lower()) if current else SELECT_NEW_RAG
        )
        self.fields["reason"].error_messages["required"] = RERATE_NO_REASON
        self.helper.layout = Layout(
            "version",
            Field.radios("rag", legend_size="m"),
            Field.textarea("reason", label_size="s", rows=4),
        )

    def clean_rag(self) -> RagRating:
        return RagRating(self.cleaned_data["rag"])


RERATE_ERROR_FIELDS = {RERATE_NO_REASON: "reason"}


class AskFurtherForm(CaseFormMixin, GdsForm):
    """Ask further agencies after screening: those not yet asked on the case."""

    version = VersionField()
    agencies = forms.MultipleChoiceField(label="Agencies to ask", widget=forms.CheckboxSelectMultiple)
    reason = forms.CharField(
        label="Why are they needed now?",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="For example, the police return names a school the family moved to.",
    )

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.setup_version()
        asked = set(case.requests.exclude(status=RequestStatus.WITHDRAWN).values_list("agency_id", flat=True))
        self._agencies = {
            str(a.pk): a for a in Agency.objects.filter(is_active=True).exclude(pk__in=asked).order_by("name")
        }
        _set_choices(
            self.fields["agencies"],
            [Choice(pk, a.name, hint=_agency_hint(a)) for pk, a in self._agencies.items()],
        )
        self.fields["agencies"].error_messages["required"] = ASK_NO_AGENCY
        self.fields["agencies"].error_messages["invalid_choice"] = ASK_NO_AGENCY
        self.fields["reason"].error_messages["required"] = ASK_NO_REASON
        self.helper.layout = Layout(
            "version",
            Field.checkboxes("agencies", legend_size="m"),
            Field.textarea("reason", label_size="s", rows=3),
        )

    @property
    def has_choices(self) -> bool:
        return bool(self._agencies)

    def clean_agencies(self) -> list[Agency]:
        return [self._agencies[pk] for pk in self.cleaned_data["agencies"]]


# Early help: the keyworker and the hand-over ----------------------------------------------------------


class KeyworkerForm(CaseFormMixin, GdsForm):
    """The lead professional the product is handed to: name, agency, and how to reach them."""

    version = VersionField()
    name = forms.CharField(label="Keyworker's name", max_length=200)
    agency = forms.ChoiceField(label="Keyworker's agency", widget=forms.RadioSelect)
    email = forms.EmailField(label="E-mail address", required=False, help_text="They are told here.")
    phone = forms.CharField(label="Phone number", max_length=40, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.setup_version()
        self._agencies = {str(a.pk): a for a in Agency.objects.filter(is_active=True).order_by("name")}
        _set_choices(self.fields["agency"], [(pk, a.name) for pk, a in self._agencies.items()])
        self.fields["name"].error_messages["required"] = NO_KEYWORKER_NAME
        self.fields["agency"].error_messages["required"] = NO_KEYWORKER_AGENCY
        self.fields["agency"].error_messages["invalid_choice"] = NO_KEYWORKER_AGENCY
        self.fields["email"].error_messages["invalid"] = (
            "Enter an e-mail address in the right format, like name@example.org"
        )
        self.helper.layout = Layout(
            "version",
            Field.text("name"),
            Field.radios("agency", legend_size="s"),
            Field.text("email", field_width=20),
            Field.text("phone", field_width=10),
        )

    def clean_agency(self) -> Agency:
        return self._agencies[self.cleaned_data["agency"]]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not self.errors and not (data.get("email") or data.get("phone", "").strip()):
            self.add_error("email", NO_KEYWORKER_CONTACT)
        return data


class HandOverForm(CaseFormMixin, GdsForm):
    version = VersionField()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.setup_version()


KEYWORKER_ERROR_FIELDS = {
    NO_KEYWORKER_NAME: "name",
    NO_KEYWORKER_AGENCY: "agency",
    NO_KEYWORKER_CONTACT: "email",
}


# Specialist teams and triage --------------------------------------------------------------------------


class RouteAgainForm(GdsForm):
    team = forms.ChoiceField(label="Team to route the case to", widget=forms.RadioSelect)
    reason = forms.CharField(
        label="Why this team?", widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._teams = {str(t.pk): t for t in Team.objects.filter(is_active=True).order_by("name")}
        _set_choices(self.fields["team"], [(pk, t.name) for pk, t in self._teams.items()])
        self.fields["team"].error_messages["required"] = REROUTE_NO_TEAM
        self.fields["team"].error_messages["invalid_choice"] = REROUTE_NO_TEAM
        self.fields["reason"].error_messages["required"] = REROUTE_NO_REASON
        self.helper.layout = Layout(
            Field.radios("team", legend_size="m"), Field.textarea("reason", label_size="s", rows=3)
        )

    def clean_team(self) -> Team:
        return self._teams[self.cleaned_data["team"]]


class TriageForm(GdsForm):
    """One quick decision for many notifications on the triage list."""

    cases = forms.MultipleChoiceField(label="Notifications", widget=forms.CheckboxSelectMultiple)
    choice = forms.ChoiceField(label="Decision", choices=TriageChoice.choices, widget=forms.RadioSelect)
    team = forms.ChoiceField(label="Team (if routing to a team)", required=False, widget=forms.Select)
    level = forms.ChoiceField(label="Level of need", widget=forms.RadioSelect)
    reason = forms.CharField(
        label="Reason for the decision",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text="Recorded on each notification's case, in its audit trail.",
    )

    def __init__(self, *args: Any, cases: list[Case], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._cases = {str(c.pk): c for c in cases}
        self._teams = {str(t.pk): t for t in Team.objects.filter(is_active=True).order_by("name")}
        self._levels = {str(lv.number): lv for lv in ThresholdLevel.objects.order_by("number")}
        _set_choices(self.fields["cases"], [(pk, c.reference) for pk, c in self._cases.items()])
        _set_choices(
            self.fields["team"], [("", "Choose a team"), *[(pk, t.name) for pk, t in self._teams.items()]]
        )
        _set_choices(self.fields["level"], [(n, str(lv)) for n, lv in self._levels.items()])
        self.fields["cases"].error_messages["required"] = NO_CASES
        self.fields["cases"].error_messages["invalid_choice"] = NO_CASES
        self.fields["choice"].error_messages["required"] = "Select the decision"
        self.fields["level"].error_messages["required"] = SELECT_LEVEL
        self.fields["reason"].error_messages["required"] = NO_TRIAGE_REASON
        # The notifications are chosen in the list's own table; the rest of the form follows it.
        self.helper.layout = Layout(
            Field.radios("choice", legend_size="m"),
            Field.select("team"),
            Field.radios("level", legend_size="s"),
            Field.textarea("reason", label_size="s", rows=3),
        )

    def clean_cases(self) -> list[Case]:
        return [self._cases[pk] for pk in self.cleaned_data["cases"]]

    def clean_choice(self) -> TriageChoice:
        return TriageChoice(self.cleaned_data["choice"])

    def clean_level(self) -> ThresholdLevel:
        return self._levels[self.cleaned_data["level"]]

    def clean_team(self) -> Team | None:
        return self._teams.get(self.cleaned_data.get("team") or "")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("choice") == TriageChoice.TEAM and data.get("team") is None:
            self.add_error("team", NO_TEAM)
        return data


class AllocationForm(CaseFormMixin, GdsForm):
    version = VersionField()
    team = forms.CharField(label="Allocated team", max_length=200)
    worker = forms.CharField(label="Allocated worker", max_length=200, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.setup_version()
        self.fields["team"].error_messages["required"] = ALLOCATE_NO_TEAM
        self.helper.layout = Layout("version", Field.text("team"), Field.text("worker"))
