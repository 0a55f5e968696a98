"""Forms for a team's answer to a routed case, and for the hub administrator's list of teams."""

from __future__ import annotations

from typing import Any

from crispy_forms.layout import Layout
from crispy_forms_gds.layout import Field
from django import forms

from openmash.accounts.models import User
from openmash.core.forms import GdsForm, VersionField
from openmash.hub.models import Specialism, Team
from openmash.hub.services import NO_TEAM_NAME
from openmash.teams.services import NO_SEND_BACK_REASON


class AnswerForm(GdsForm):
    """Accepting a routed case needs only the version the member saw."""

    version = VersionField()


class SendBackForm(GdsForm):
    version = VersionField()
    reason = forms.CharField(
        label="Why is the team sending the case back?",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        help_text="The front door reads this when it routes the case again.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason"].error_messages["required"] = NO_SEND_BACK_REASON
        self.helper.layout = Layout("version", Field.textarea("reason", label_size="s", rows=4))


def _person_label(user: User) -> str:
    return user.get_full_name() or user.username


class TeamForm(GdsForm):
    name = forms.CharField(label="Team name", max_length=200)
    specialism = forms.ChoiceField(
        label="Cases it takes",
        choices=Specialism.choices,
        widget=forms.RadioSelect,
        help_text="The front-door route that hands a case to this team.",
    )
    contact_email = forms.EmailField(label="Team inbox (optional)", required=False)
    members = forms.ModelMultipleChoiceField(
        label="Members",
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Members see the queue, accept cases or send them back, and are told by e-mail.",
    )
    is_active = forms.BooleanField(label="The team takes cases", required=False)

    def __init__(self, *args: Any, team: Team | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        members = self.fields["members"]
        assert isinstance(members, forms.ModelMultipleChoiceField)  # noqa: S101
        members.queryset = User.objects.filter(is_active=True).order_by("last_name", "first_name")
        members.label_from_instance = _person_label  # type: ignore[method-assign,assignment]
        if team is not None:
            self.fields["version"] = VersionField()
        self.fields["name"].error_messages["required"] = NO_TEAM_NAME
        self.fields["specialism"].error_messages["required"] = "Select the cases the team takes"
        self.helper.layout = Layout(
            *(["version"] if team is not None else []),
            Field.text("name"),
            Field.radios("specialism", legend_size="s"),
            Field.text("contact_email"),
            Field.checkboxes("members", legend_size="s"),
            Field.checkbox("is_active"),
        )
