"""Forms render with GOV.UK Frontend (crispy-forms-gds) and speak in GOV.UK error style."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from crispy_forms_gds.helper import FormHelper
from django import forms

from openmash.core.errors import CONCURRENT_EDIT

CHOICE_FIELDS = (forms.ChoiceField, forms.ModelChoiceField, forms.MultipleChoiceField, forms.TypedChoiceField)


@dataclass(frozen=True, slots=True)
class ErrorLink:
    """One line of the GOV.UK error summary: the message and the control it links to."""

    href: str
    message: str


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
