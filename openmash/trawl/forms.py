"""The form for changing an event found by trawl before the return is shared."""

from __future__ import annotations

from typing import Any

from crispy_forms_gds.layout import Field, Layout
from django import forms

from openmash.core.forms import GdsForm, VersionField
from openmash.enquiries.models import Significance
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
