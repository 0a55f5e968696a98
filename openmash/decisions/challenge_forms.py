"""Forms for challenging an outcome after it is sent, and for answering the challenge."""

from __future__ import annotations

from typing import Any

from crispy_forms.layout import Layout
from crispy_forms_gds.layout import Field
from django import forms

from openmash.core.forms import GdsForm
from openmash.decisions.models import OutcomeChallenge
from openmash.decisions.services import NO_ANSWER, NO_CHALLENGE_REASONS, NO_RESULT


class ChallengeForm(GdsForm):
    reasons = forms.CharField(
        label="Why do you disagree with the outcome?",
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="Say what you know that the hub may not have weighed, and what you think should happen.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reasons"].error_messages["required"] = NO_CHALLENGE_REASONS
        self.helper.layout = Layout(Field.textarea("reasons", label_size="m", rows=6))


class AnswerForm(GdsForm):
    result = forms.ChoiceField(
        label="Your answer",
        choices=OutcomeChallenge.Result.choices,
        widget=forms.RadioSelect,
    )
    answer = forms.CharField(
        label="Reasons, for the person who challenged",
        widget=forms.Textarea(attrs={"rows": 6}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["result"].error_messages.update(required=NO_RESULT, invalid_choice=NO_RESULT)
        self.fields["answer"].error_messages["required"] = NO_ANSWER
        self.helper.layout = Layout(
            Field.radios("result", legend_size="m"), Field.textarea("answer", label_size="s", rows=6)
        )
