from __future__ import annotations

from typing import Any

from crispy_forms_gds.layout import Field, Layout, Size
from django import forms

from openmash.core.forms import GdsForm, VersionField
from openmash.retention.models import MAX_MONTHS
from openmash.retention.services import MONTHS_RANGE, NO_HOLD_REASON, NO_LIFT_REASON

NO_REFERENCE = "Enter a case reference"


class RuleForm(GdsForm):
    version = VersionField(min_value=0)
    months = forms.IntegerField(
        label="Months kept after the case closes",
        min_value=1,
        max_value=MAX_MONTHS,
        help_text="For example, 72 for six years.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["months"].error_messages.update(
            {"required": MONTHS_RANGE, "min_value": MONTHS_RANGE, "max_value": MONTHS_RANGE}
        )
        self.helper.layout = Layout("version", Field.text("months", field_width=5))


class HoldForm(GdsForm):
    reason = forms.CharField(
        label="Why must this case be kept?",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text="For example, a court case, an inquiry or a subject access request, with its reference.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason"].error_messages["required"] = NO_HOLD_REASON
        self.helper.layout = Layout(Field.textarea("reason", rows=3, label_size=Size.SMALL))


class LiftForm(GdsForm):
    reason = forms.CharField(
        label="Why can the hold be lifted?",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason"].error_messages["required"] = NO_LIFT_REASON
        self.helper.layout = Layout(Field.textarea("reason", rows=3, label_size=Size.SMALL))


class FindCaseForm(GdsForm):
    reference = forms.CharField(label="Case reference", max_length=20)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reference"].error_messages["required"] = NO_REFERENCE
        self.helper.layout = Layout(Field.text("reference", field_width=10))
