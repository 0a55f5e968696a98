"""The decision form: outcome, level, rationale, each agency's view, challenges and actions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, cast

from crispy_forms_gds.choices import Choice
from crispy_forms_gds.fields import DateInputField
from crispy_forms_gds.layout import HTML, ConditionalRadios, Field, Fieldset, Layout
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.forms.utils import ErrorDict
from django.utils import timezone
from django.utils.html import escape, format_html, format_html_join

from openmash.core.errors import DomainError
from openmash.core.forms import GdsForm, Markup, RevealQuestion, VersionField, read_choices_once
from openmash.decisions.models import AgencyView, Outcome
from openmash.decisions.services import (
    LEAD_AGENCY_NEEDED,
    NO_RATIONALE,
    OTHER_SERVICE_NEEDED,
    ActionData,
    ChallengeData,
    ViewData,
)
from openmash.hub.models import Agency, ThresholdLevel
from openmash.hub.selectors import active_agencies

# A new form shows one challenge and one action; "Add another" sends the form back with one more row
# (kept without checking what is typed so far), up to these.
MOST_CHALLENGES = 10
MOST_ACTIONS = 10
CHALLENGE_PARTS = ("raised_by", "agency", "challenge", "resolution", "escalated_to")
ACTION_PARTS = ("description", "owner", "owner_agency", "due_on_0", "due_on_1", "due_on_2")
ADD = "add"  # the name of the "Add another" buttons; their value says which

OUTCOME_REQUIRED = "Select the outcome"
LEAD_AGENCY_REQUIRED = "Select the lead agency for early help"
OTHER_SERVICE_REQUIRED = "Enter the name of the other service"
LEVEL_REQUIRED = "Select the level of need decided"
RATIONALE_REQUIRED = "Enter the reasons for the decision"
PROCEED_REASON_REQUIRED = "Enter the reason for going ahead without {agencies}"
VIEW_REQUIRED = "Select whether {agency} agrees or disagrees, or delete the comment"
CHALLENGE_RAISED_BY_REQUIRED = "Enter who raised challenge {n}"
CHALLENGE_TEXT_REQUIRED = "Enter what was challenged in challenge {n}"
ACTION_DESCRIPTION_REQUIRED = "Enter what action {n} is"
ACTION_OWNER_REQUIRED = "Enter who owns action {n}"
ACTION_DUE_REQUIRED = "Enter the due date for action {n}"
ACTION_DUE_PART_MISSING = "The due date for action {n} must include a {parts}"
ACTION_DUE_NOT_REAL = "The due date for action {n} must be a real date"
ACTION_DUE_PAST = "The due date for action {n} must be today or in the future"

# Messages the service may raise, and the field each belongs to.
SERVICE_ERROR_FIELDS = {
    NO_RATIONALE: "rationale",
    LEAD_AGENCY_NEEDED: "lead_agency",
    OTHER_SERVICE_NEEDED: "other_service",
}
DATE_PARTS = ("day", "month", "year")


def join_names(names: list[str]) -> str:
    """ "Health", "Health and Police", "Education, Health and Police"."""
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} and {names[-1]}"


class DueDateField(DateInputField):
    """A GOV.UK date input for an action's due date, optional, with messages naming the action."""

    def __init__(self, *, row: int, **kwargs: Any) -> None:
        super().__init__(required=False, **kwargs)
        self.row = row
        for widget in self.widget.widgets:
            widget.attrs["inputmode"] = "numeric"

    def clean(self, value: Any) -> date | None:
        parts = [str(p or "").strip() for p in (list(value or []) + ["", "", ""])[:3]]
        for subfield in self.fields:
            subfield.widget.errors = []
        if not any(parts):
            return None
        missing = [name for name, part in zip(DATE_PARTS, parts, strict=True) if not part]
        if missing:
            message = ACTION_DUE_PART_MISSING.format(n=self.row, parts=" and ".join(missing))
            for name in missing:
                self.fields[DATE_PARTS.index(name)].widget.errors = [message]
            raise ValidationError(message, code="incomplete")
        day, month, year = parts
        try:
            if len(year) != 4:
                raise ValueError(year)
            return date(int(year), int(month), int(day))
        except ValueError:
            raise ValidationError(ACTION_DUE_NOT_REAL.format(n=self.row), code="invalid") from None


@dataclass(frozen=True, slots=True)
class OutstandingRequest:
    agency: str
    due: str
    overdue: bool
    waiting: bool = False  # for consent or a lawful basis: not sent to the agency yet

    @property
    def when(self) -> str:
        if self.waiting:
            return "waiting for consent or a lawful basis"
        return f"due {self.due}{', overdue' if self.overdue else ''}"


class DecisionForm(GdsForm):
    version = VersionField()
    outcome = forms.ChoiceField(label="Outcome", choices=Outcome.choices, widget=forms.RadioSelect)
    lead_agency = forms.ModelChoiceField(
        label="Lead agency for early help",
        queryset=Agency.objects.filter(is_active=True),
        required=False,
        empty_label="Select an agency",
        help_text="Only needed when the outcome is early help.",
    )
    other_service = forms.CharField(
        label="Which other service",
        max_length=200,
        required=False,
        help_text="Only needed when the outcome is another service, for example MARAC.",
    )
    level = forms.ChoiceField(label="Level of need decided", widget=forms.RadioSelect)
    rationale = forms.CharField(label="Reasons for the decision", widget=forms.Textarea)
    information_considered = forms.CharField(
        label="Information considered (optional)",
        required=False,
        widget=forms.Textarea,
        help_text="For example, the referral, each agency's return, earlier referrals about the family.",
    )
    participants = forms.CharField(
        label="Who took part (optional)",
        required=False,
        widget=forms.Textarea,
        help_text="The name and agency of each person who discussed the case.",
    )

    def __init__(
        self,
        data: Any = None,
        *,
        agencies: list[Agency],
        levels: list[ThresholdLevel],
        referrer_level: int | None,
        screened_level: ThresholdLevel | None,
        outstanding: list[OutstandingRequest],
        subject: str = "child",
        **kwargs: Any,
    ) -> None:
        #: "challenge" or "action" when the form came back to add a row to that list: nothing is checked.
        self.adding = next((kind for kind in ("challenge", "action") if data and data.get(ADD) == kind), "")
        self.challenge_rows = rows_in(data, "challenge", CHALLENGE_PARTS, MOST_CHALLENGES, self.adding)
        self.action_rows = rows_in(data, "action", ACTION_PARTS, MOST_ACTIONS, self.adding)
        self.agencies = agencies
        self.levels = {str(level.pk): level for level in levels}
        self.outstanding = outstanding
        super().__init__(data, **kwargs)
        level_field = cast(forms.ChoiceField, self.fields["level"])
        level_field.choices = [
            Choice(str(level.pk), str(level), **_level_hint(level, referrer_level, screened_level))
            for level in levels
        ]
        level_field.help_text = (
            f"The referrer's view was level {referrer_level}."
            if referrer_level is not None
            else "The referrer did not give a view of the level of need."
        )
        if outstanding:
            self.fields["proceed_reason"] = forms.CharField(
                label="Reason for going ahead without them",
                widget=forms.Textarea,
                help_text=f"For example, the risk to the {subject} means the decision cannot wait.",
            )
        for i, agency in enumerate(agencies, start=1):
            self.fields[f"view_{i}"] = forms.ChoiceField(
                label=escape(f"{agency.name}'s view"),
                choices=AgencyView.View.choices,
                widget=forms.RadioSelect,
                required=False,
            )
            self.fields[f"view_{i}_comment"] = forms.CharField(
                label=escape(f"Comment from {agency.name} (optional)"), required=False, widget=forms.Textarea
            )
        # One query object for every "which agency" list (each list clones it): building the filter for
        # each of them was a twentieth of the decision page's time.
        active = Agency.objects.filter(is_active=True)
        for n in range(1, self.challenge_rows + 1):
            p = f"challenge_{n}"
            self.fields[f"{p}_raised_by"] = forms.CharField(label="Raised by", max_length=200, required=False)
            self.fields[f"{p}_agency"] = _agency_select("Their agency (optional)", active)
            self.fields[f"{p}_challenge"] = forms.CharField(
                label="What they challenged", required=False, widget=forms.Textarea
            )
            self.fields[f"{p}_resolution"] = forms.CharField(
                label="How it was resolved (optional)", required=False, widget=forms.Textarea
            )
            self.fields[f"{p}_escalated_to"] = forms.CharField(
                label="Escalated to (optional)",
                max_length=200,
                required=False,
                help_text="If it was not resolved in the hub: who it was escalated to.",
            )
        for n in range(1, self.action_rows + 1):
            p = f"action_{n}"
            self.fields[f"{p}_description"] = forms.CharField(
                label="Action", required=False, widget=forms.Textarea
            )
            self.fields[f"{p}_owner"] = forms.CharField(label="Owner", max_length=200, required=False)
            self.fields[f"{p}_owner_agency"] = _agency_select("Owner's agency (optional)", active)
            self.fields[f"{p}_due_on"] = DueDateField(
                row=n, label="Due date", help_text=f"For example, 27 3 {timezone.localdate().year + 1}"
            )
        self.setup_gds()
        self.fields["outcome"].error_messages["required"] = OUTCOME_REQUIRED
        self.fields["level"].error_messages["required"] = LEVEL_REQUIRED
        self.fields["level"].error_messages["invalid_choice"] = LEVEL_REQUIRED
        self.fields["rationale"].error_messages["required"] = RATIONALE_REQUIRED
        if outstanding:
            names = join_names([o.agency for o in outstanding])
            self.fields["proceed_reason"].error_messages["required"] = PROCEED_REASON_REQUIRED.format(
                agencies=names
            )
        self.helper.layout = self._layout()
        read_choices_once(self, known=[(active, active_agencies())])

    def full_clean(self) -> None:
        if self.adding:  # shown again as typed, with no errors: nothing was asked to be recorded yet
            self._errors = ErrorDict()
            self.cleaned_data = {}
            return
        super().full_clean()

    # Layout -----------------------------------------------------------------------------------------

    def _layout(self) -> Layout:
        fields: list[Any] = [
            "version",
            ConditionalRadios(
                "outcome",
                *[
                    RevealQuestion(label, Field.select("lead_agency"))
                    if value == Outcome.EARLY_HELP
                    else RevealQuestion(label, Field.text("other_service"))
                    if value == Outcome.OTHER_SERVICE
                    else RevealQuestion(label)
                    for value, label in Outcome.choices
                ],
            ),
            Field.radios("level"),
            Field.textarea("rationale", rows=6),
            Field.textarea("information_considered", rows=3),
            Field.textarea("participants", rows=3),
        ]
        if self.outstanding:
            items = format_html_join(
                "",
                "<li>{} ({})</li>",
                ((o.agency, o.when) for o in self.outstanding),
            )
            fields.append(
                Markup(
                    format_html(
                        '<div class="govuk-warning-text" data-testid="outstanding">'
                        '<span class="govuk-warning-text__icon" aria-hidden="true">!</span>'
                        '<div class="govuk-warning-text__text">'
                        '<span class="govuk-visually-hidden">Warning</span>'
                        "These agencies have not returned their information yet:"
                        '<ul class="govuk-list govuk-list--bullet">{}</ul></div></div>',
                        items,
                    )
                )
            )
            fields.append(Field.textarea("proceed_reason", rows=3))
        if self.agencies:
            fields.append(
                HTML(
                    '<h2 class="govuk-heading-m">Each agency\'s view</h2>'
                    '<p class="govuk-body">Record whether each agency asked agrees with the decision. '
                    "Leave an agency blank if it gave no view.</p>"
                )
            )
            for i, _agency in enumerate(self.agencies, start=1):
                fields.append(Field.radios(f"view_{i}", legend_size="s", small=True))
                fields.append(Field.textarea(f"view_{i}_comment", rows=2))
        fields.append(
            HTML(
                '<h2 class="govuk-heading-m">Challenges</h2>'
                '<p class="govuk-body">Record any challenge or dissent, and how it was resolved. '
                "Leave a challenge blank if there was none.</p>"
            )
        )
        for n in range(1, self.challenge_rows + 1):
            p = f"challenge_{n}"
            fields.append(
                Fieldset(
                    Field.text(f"{p}_raised_by", field_width="two-thirds"),
                    Field.select(f"{p}_agency"),
                    Field.textarea(f"{p}_challenge", rows=3),
                    Field.textarea(f"{p}_resolution", rows=3),
                    Field.text(f"{p}_escalated_to", field_width="two-thirds"),
                    legend=f"Challenge {n}",
                    legend_size="s",
                    css_id=f"challenge-{n}",
                )
            )
        fields.append(_add_another("challenge", self.challenge_rows, MOST_CHALLENGES))
        fields.append(
            HTML(
                '<h2 class="govuk-heading-m">Actions</h2>'
                '<p class="govuk-body">Each action agreed, with an owner and a due date. '
                "Leave an action blank if it is not needed.</p>"
            )
        )
        for n in range(1, self.action_rows + 1):
            p = f"action_{n}"
            fields.append(
                Fieldset(
                    Field.textarea(f"{p}_description", rows=2),
                    Field.text(f"{p}_owner", field_width="two-thirds"),
                    Field.select(f"{p}_owner_agency"),
                    Field(f"{p}_due_on"),
                    legend=f"Action {n}",
                    legend_size="s",
                    css_id=f"action-{n}",
                )
            )
        fields.append(_add_another("action", self.action_rows, MOST_ACTIONS))
        return Layout(*fields)

    # Validation -------------------------------------------------------------------------------------

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        outcome = data.get("outcome")
        if outcome == Outcome.EARLY_HELP and not data.get("lead_agency"):
            self.add_error("lead_agency", LEAD_AGENCY_REQUIRED)
        if outcome == Outcome.OTHER_SERVICE and not data.get("other_service"):
            self.add_error("other_service", OTHER_SERVICE_REQUIRED)
        level = data.get("level")
        if level:
            data["level"] = self.levels[level]
        for i, agency in enumerate(self.agencies, start=1):
            if data.get(f"view_{i}_comment") and not data.get(f"view_{i}"):
                self.add_error(f"view_{i}", VIEW_REQUIRED.format(agency=agency.name))
        for n in range(1, self.challenge_rows + 1):
            self._clean_challenge(n, data)
        for n in range(1, self.action_rows + 1):
            self._clean_action(n, data)
        return data

    def clean_level(self) -> str:
        value: str = self.cleaned_data["level"]
        if value not in self.levels:
            raise ValidationError(LEVEL_REQUIRED)
        return value

    def _clean_challenge(self, n: int, data: dict[str, Any]) -> None:
        p = f"challenge_{n}"
        if not any(data.get(f"{p}_{name}") for name in CHALLENGE_PARTS):
            return
        if not data.get(f"{p}_raised_by"):
            self.add_error(f"{p}_raised_by", CHALLENGE_RAISED_BY_REQUIRED.format(n=n))
        if not data.get(f"{p}_challenge"):
            self.add_error(f"{p}_challenge", CHALLENGE_TEXT_REQUIRED.format(n=n))

    def _clean_action(self, n: int, data: dict[str, Any]) -> None:
        p = f"action_{n}"
        date_typed = any(str(self.data.get(f"{p}_due_on_{k}", "")).strip() for k in range(3))
        texts = ("description", "owner", "owner_agency")
        if not date_typed and not any(data.get(f"{p}_{name}") for name in texts):
            return
        if not data.get(f"{p}_description"):
            self.add_error(f"{p}_description", ACTION_DESCRIPTION_REQUIRED.format(n=n))
        if not data.get(f"{p}_owner"):
            self.add_error(f"{p}_owner", ACTION_OWNER_REQUIRED.format(n=n))
        due = data.get(f"{p}_due_on")
        if not date_typed:
            self.add_error(f"{p}_due_on", ACTION_DUE_REQUIRED.format(n=n))
        elif due is not None and due < timezone.localdate():
            self.add_error(f"{p}_due_on", ACTION_DUE_PAST.format(n=n))

    def add_service_error(self, error: DomainError) -> None:
        """Show the service's refusal by the field it concerns, or at the top when it concerns the whole."""
        message = str(error)
        field = SERVICE_ERROR_FIELDS.get(message)
        if field is None and message.startswith("Give a reason for going ahead") and self.outstanding:
            field = "proceed_reason"
        self.add_error(field, message)

    # What the service needs -------------------------------------------------------------------------

    def views_data(self) -> list[ViewData]:
        data = self.cleaned_data
        return [
            ViewData(agency=agency, view=data[f"view_{i}"], comment=data[f"view_{i}_comment"])
            for i, agency in enumerate(self.agencies, start=1)
            if data.get(f"view_{i}")
        ]

    def challenges_data(self) -> list[ChallengeData]:
        data = self.cleaned_data
        rows = []
        for n in range(1, self.challenge_rows + 1):
            p = f"challenge_{n}"
            if data.get(f"{p}_raised_by") and data.get(f"{p}_challenge"):
                rows.append(
                    ChallengeData(
                        raised_by=data[f"{p}_raised_by"],
                        challenge=data[f"{p}_challenge"],
                        agency=data.get(f"{p}_agency"),
                        resolution=data.get(f"{p}_resolution", ""),
                        escalated_to=data.get(f"{p}_escalated_to", ""),
                    )
                )
        return rows

    def actions_data(self) -> list[ActionData]:
        data = self.cleaned_data
        rows = []
        for n in range(1, self.action_rows + 1):
            p = f"action_{n}"
            if data.get(f"{p}_description") and data.get(f"{p}_owner") and data.get(f"{p}_due_on"):
                rows.append(
                    ActionData(
                        description=data[f"{p}_description"],
                        owner=data[f"{p}_owner"],
                        due_on=data[f"{p}_due_on"],
                        owner_agency=data.get(f"{p}_owner_agency"),
                    )
                )
        return rows

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        outcome = Outcome(data["outcome"])
        return {
            "expected_version": data["version"],
            "outcome": outcome,
            "level": data["level"],
            "rationale": data["rationale"],
            "information_considered": data["information_considered"],
            "participants": data["participants"],
            "lead_agency": data["lead_agency"] if outcome == Outcome.EARLY_HELP else None,
            "other_service": data["other_service"] if outcome == Outcome.OTHER_SERVICE else "",
            "proceed_reason": data.get("proceed_reason", ""),
            "views": self.views_data(),
            "challenges": self.challenges_data(),
            "actions": self.actions_data(),
        }

    # The error summary ------------------------------------------------------------------------------

    def error_anchor(self, name: str) -> str:
        """Conditional radios number their inputs from 0; a date links to its part that is wrong."""
        auto_id = self[name].auto_id
        field = self.fields[name]
        if name == "outcome":
            return f"#{auto_id}_0"
        if isinstance(field, DueDateField):
            for index, subfield in enumerate(field.fields):
                if getattr(subfield.widget, "errors", None):
                    return f"#{auto_id}_{index}"
            return f"#{auto_id}_0"
        return super().error_anchor(name)


def rows_in(data: Any, kind: str, parts: tuple[str, ...], most: int, adding: str = "") -> int:
    """How many challenge or action rows a form shows: as many as the form sent back said it showed
    (``challenge_rows``), and at least up to the last row with anything typed in it, one more if the
    person asked to add one to this ``kind``; one on a new form; never more than ``most``."""
    if data is None:
        return 1
    try:
        said = int(str(data.get(f"{kind}_rows", "1")))
    except ValueError:
        said = 1
    typed = [
        n
        for n in range(1, most + 1)
        if any(str(data.get(f"{kind}_{n}_{part}", "")).strip() for part in parts)
    ]
    return max(1, min(most, max([said, *typed]) + (adding == kind)))


def _add_another(kind: str, rows: int, most: int) -> Markup:
    """The count of rows shown, sent back with the form, and below the last row a button that sends the
    form back for one more (landing on the new row), until there are ``most``."""
    count = format_html('<input type="hidden" name="{}_rows" value="{}">', kind, rows)
    if rows >= most:
        note = format_html('<p class="govuk-body">Up to {} {}s can be recorded here.</p>', most, kind)
        return Markup(count + note)
    button = format_html(
        '<button type="submit" name="{}" value="{}" formaction="#{}-{}" formnovalidate '
        'class="govuk-button govuk-button--secondary" data-module="govuk-button">Add another {}</button>',
        ADD,
        kind,
        kind,
        rows + 1,
        kind,
    )
    return Markup(count + button)


def _agency_select(label: str, active: QuerySet[Agency]) -> forms.ModelChoiceField[Agency]:
    return forms.ModelChoiceField(
        label=label,
        queryset=active,
        required=False,
        empty_label="Select an agency",
    )


def _level_hint(
    level: ThresholdLevel, referrer_level: int | None, screened_level: ThresholdLevel | None
) -> dict[str, str]:
    notes = []
    if referrer_level == level.number:
        notes.append("The referrer's view")
    if screened_level is not None and screened_level.pk == level.pk:
        notes.append("The level at screening")
    if level.typical_response:
        notes.append(f"Typical response: {level.typical_response}")
    return {"hint": ". ".join(notes)} if notes else {}
