"""Forms render with GOV.UK Frontend (crispy-forms-gds) and speak in GOV.UK error style."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from crispy_forms_gds.fields import DateInputField
from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import ConditionalQuestion
from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db.models import QuerySet
from django.template.loader import render_to_string

from openmash.core.errors import CONCURRENT_EDIT, NO_VERSION

CHOICE_FIELDS = (forms.ChoiceField, forms.ModelChoiceField, forms.MultipleChoiceField, forms.TypedChoiceField)


@dataclass(frozen=True, slots=True)
class ErrorLink:
    """One line of the GOV.UK error summary: the message and the control it links to."""

    href: str
    message: str


#: A form sent without a usable version: one message wherever it happens.

# crispy-forms-gds numbers radio and checkbox inputs from 1 (id_<name>_1, id_<name>_2, ...).
GROUPED_WIDGETS = (forms.RadioSelect, forms.CheckboxSelectMultiple)


class GdsFormMixin:
    """Mixin for Form and ModelForm: GOV.UK error messages, no browser validation, error summary.

    Render the summary with {% include "includes/error_summary.html" %}: each message links to the
    control it concerns (the first option of a radio or checkbox group), non-field errors to the first
    visible field, and a concurrent-edit refusal adds a link to reload the page.
    """

    fields: dict[str, forms.Field]

    def error_links(self) -> list[ErrorLink]:
        form: Any = self
        visible = [
            name for name, field in self.fields.items() if not isinstance(field.widget, forms.HiddenInput)
        ]
        top = self.error_anchor(visible[0]) if visible else ""
        links = [ErrorLink(top, str(message)) for message in form.non_field_errors()]
        for name, field in self.fields.items():
            hidden = isinstance(field.widget, forms.HiddenInput)
            for message in form.errors.get(name, []):
                links.append(ErrorLink(top if hidden else self.error_anchor(name), str(message)))
        return links

    def error_anchor(self, name: str) -> str:
        """The href of the control an error about field `name` should focus."""
        form: Any = self
        auto_id = form[name].auto_id
        widget = self.fields[name].widget
        if isinstance(widget, GROUPED_WIDGETS):
            return f"#{auto_id}_1"
        if isinstance(widget, forms.MultiWidget):
            return f"#{auto_id}_0"
        return f"#{auto_id}"

    def has_concurrent_edit(self) -> bool:
        form: Any = self
        return CONCURRENT_EDIT in form.non_field_errors()

    def setup_gds(self) -> None:
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True  # the page's <form> carries the token
        self.helper.attrs = {"novalidate": ""}
        for name, field in self.fields.items():
            if isinstance(field, VersionField):
                continue  # its own messages: the person never sees or types a version
            label = str(field.label or name.replace("_", " ")).lower()
            if "required" not in getattr(field, "custom_messages", ()):
                verb = "Select" if isinstance(field, CHOICE_FIELDS) else "Enter"
                field.error_messages["required"] = f"{verb} {label}"
            if isinstance(field, forms.IntegerField):
                field.error_messages["invalid"] = f"{label.capitalize()} must be a whole number"
            if isinstance(field, forms.DateField):
                field.error_messages["invalid"] = f"{label.capitalize()} must be a real date, like 27 3 2027"
            if isinstance(field, forms.TimeField):
                field.error_messages["invalid"] = f"{label.capitalize()} must be a time, like 09:00"


class GdsForm(GdsFormMixin, forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.setup_gds()


class GdsModelForm(GdsFormMixin, forms.ModelForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.setup_gds()


class VersionField(forms.IntegerField):
    """The version a person opened; a mismatch on save means someone else saved first."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        super().__init__(**kwargs)
        for key in ("required", "invalid", "min_value"):
            self.error_messages[key] = NO_VERSION

    def clean(self, value: Any) -> Any:
        """A form sent without a usable version (an old page, a hand-made request) is refused plainly."""
        try:
            return super().clean(value)
        except ValidationError as error:
            raise ValidationError(NO_VERSION, code="no_version") from error


@dataclass(frozen=True, slots=True)
class DateMessages:
    """What a GOV.UK date input says when it is empty, missing a part, or not a real date."""

    required: str
    no_day: str
    no_month: str
    no_year: str
    not_real: str

    @classmethod
    def naming(cls, subject: str) -> DateMessages:
        """Messages for a date called `subject`, e.g. "Date of the event"."""
        return cls(
            required=f"Enter the {subject[0].lower()}{subject[1:]}",
            no_day=f"{subject} must include a day",
            no_month=f"{subject} must include a month",
            no_year=f"{subject} must include a year",
            not_real=f"{subject} must be a real date",
        )


class GdsDateField(DateInputField):
    """A GOV.UK date input (day, month, year) whose messages say which part is wrong."""

    def __init__(self, *, messages: DateMessages, **kwargs: Any) -> None:
        self.messages = messages
        digits = RegexValidator(r"^\s*[0-9]{1,2}\s*$", messages.not_real)
        year = RegexValidator(r"^\s*[0-9]{4}\s*$", messages.not_real)
        fields = (
            forms.CharField(label="Day", error_messages={"incomplete": messages.no_day}, validators=[digits]),
            forms.CharField(
                label="Month", error_messages={"incomplete": messages.no_month}, validators=[digits]
            ),
            forms.CharField(label="Year", error_messages={"incomplete": messages.no_year}, validators=[year]),
        )
        forms.MultiValueField.__init__(
            self,
            error_messages={"required": messages.required, "incomplete": messages.required},
            fields=fields,
            require_all_fields=False,
            **kwargs,
        )

    def compress(self, data_list: Any) -> date | None:
        if not data_list:
            return None
        day, month, year = data_list
        if not (day and month and year):
            return None
        try:
            return date(int(year), int(month), int(day))
        except ValueError as error:
            raise ValidationError(self.messages.not_real, code="invalid") from error


class Markup:
    """Fixed markup in a crispy layout, written out as it is. Crispy's own ``HTML`` renders its text as a
    template, so a name a user can change (an agency's, a person's) inside it would run as template
    code; build the markup with ``format_html`` (which escapes what it is given) and place it with this."""

    def __init__(self, html: str) -> None:
        self.html = html

    def render(self, form: Any, context: Any, template_pack: Any = None, **kwargs: Any) -> str:
        return self.html


class RevealQuestion(ConditionalQuestion):
    """One option of crispy-forms-gds's ``ConditionalRadios`` that reveals its questions, if it has any,
    through openmash/reveal.js (``data-reveals`` on the radio, no ``aria-controls``: GOV.UK Frontend's
    radios module would add ``aria-expanded``, which a radio does not support). An option with no
    questions is a plain radio. Drawn directly by openmash/core/govuk_html.py, through
    ``gds/reveal_question.html`` when crispy-forms draws the form."""

    template = "gds/reveal_question.html"


class SingleCheckbox:
    """One checkbox (a BooleanField) as GOV.UK Frontend draws it: in a fieldset with its own legend, the
    label beside the box and the hint under the label inside the checkbox item, so the hint reads as
    part of this box and not of the question above it. (crispy-forms-gds prints a single checkbox's hint
    above the box, outside any fieldset.)"""

    template = "gds/single_checkbox.html"

    def __init__(self, field: str, *, legend: str, legend_size: str = "govuk-fieldset__legend--s") -> None:
        self.field = field
        self.legend = legend
        self.legend_size = legend_size

    def render(self, form: Any, context: Any, template_pack: Any = None, **kwargs: Any) -> str:
        bound = form[self.field]
        hint_id = f"{bound.auto_id}_hint"
        error_ids = " ".join(f"{bound.auto_id}_{n}_error" for n in range(1, len(bound.errors) + 1))
        described = " ".join(part for part in (hint_id if bound.help_text else "", error_ids) if part)
        attrs = {"class": "govuk-checkboxes__input"}
        if described:
            attrs["aria-describedby"] = described
        return render_to_string(
            self.template,
            {
                "field": bound,
                "input": bound.as_widget(attrs=attrs),
                "hint_id": hint_id,
                "legend": self.legend,
                "legend_size": self.legend_size,
            },
        )


def read_choices_once(form: forms.BaseForm, known: Iterable[tuple[QuerySet[Any], list[Any]]] = ()) -> None:
    """Give every model choice list of ``form`` its options from one query per distinct question: a
    form with six "which agency" lists reads the agencies once, not once per list as it renders. The
    submitted value is still checked against the field's own query. ``known``: a query's rows the caller
    has read already (by a prepared query asking the same), which then is not asked again."""
    read: dict[object, list[Any]] = {_question(queryset): rows for queryset, rows in known}
    for field in form.fields.values():
        if not isinstance(field, forms.ModelChoiceField) or isinstance(field, forms.ModelMultipleChoiceField):
            continue
        queryset = field.queryset
        if queryset is None:
            continue
        question = _question(queryset)
        if question not in read:
            read[question] = list(queryset)
        empty = [("", field.empty_label)] if field.empty_label is not None else []
        field.choices = empty + [
            (field.prepare_value(o), field.label_from_instance(o)) for o in read[question]
        ]


def _question(queryset: Any) -> object:
    """What a choice list asks, to tell lists asking the same apart: its filter and order, compared as
    the query's parts (cheap), or for a query with more than that its SQL (compiling it costs as much
    as a small query does)."""
    query = queryset.query
    plain = not (
        query.annotations
        or query.extra
        or query.combinator
        or query.distinct
        or query.select_related
        or query.deferred_loading != (frozenset(), True)
        or query.low_mark
        or query.high_mark is not None
        or len(query.alias_map) > 1
    )
    if not plain:
        return str(query)
    return (
        queryset.model,
        query.where,
        tuple(query.order_by),
        query.default_ordering,
        query.standard_ordering,
    )
