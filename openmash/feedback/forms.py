"""Forms for a notice that could not be sent."""

from __future__ import annotations

from typing import Any

from django import forms

from openmash.core.forms import GdsForm
from openmash.feedback.services import NO_GIVE_UP_REASON


class ResendForm(GdsForm):
    email = forms.EmailField(
        label="Email address",
        required=False,
        max_length=254,
        help_text="Correct it if the address was wrong; leave it to send to the same address.",
        error_messages={"invalid": "Enter an email address in the correct format, like name@example.org"},
    )


class GiveUpForm(GdsForm):
    reason = forms.CharField(
        label="Why will this notice not be sent?",
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="For example: the outcome was given by telephone on 3 December.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason"].error_messages["required"] = NO_GIVE_UP_REASON
