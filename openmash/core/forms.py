"""Forms render with GOV.UK Frontend (crispy-forms-gds) and speak in GOV.UK error style."""

from __future__ import annotations

from typing import Any

from crispy_forms_gds.helper import FormHelper
from django import forms

CHOICE_FIELDS = (forms.ChoiceField, forms.ModelChoiceField, forms.MultipleChoiceField, forms.TypedChoiceField)


class GdsFormMixin:
    """Mixin for Form and ModelForm: GOV.UK error messages, no browser validation, error summary."""

    fields: dict[str, forms.Field]

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
