from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.db import models

from openmash.accounts.roles import APPROVAL_ROLES, Role
from openmash.accounts.services import GRANT_REFUSAL_REASON_NEEDED
from openmash.core.forms import GdsForm, GdsFormMixin
from openmash.hub.models import Agency

SIGN_IN_INVALID = "Enter a correct username and password. Both are case-sensitive."
SIGN_IN_INACTIVE = "This account has been closed. Ask your hub administrator."
_APPROVAL_NAMES = [r.label.lower() for r in Role if r in APPROVAL_ROLES]
APPROVAL_ROLE_NAMES = f"{', '.join(_APPROVAL_NAMES[:-1])} or {_APPROVAL_NAMES[-1]}"
GRANT_REASON_HINT = (
    f"Needed when you give {APPROVAL_ROLE_NAMES}. These roles open case records, so they wait until "
    "another hub administrator approves them; that administrator and the information governance "
    "officers read your reason."
)


def _grant_reason_field() -> forms.CharField:
    return forms.CharField(
        label="Why does this person need these roles?",
        required=False,
        max_length=2000,
        help_text=GRANT_REASON_HINT,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class SignInForm(GdsFormMixin, AuthenticationForm):
    error_messages = {"invalid_login": SIGN_IN_INVALID, "inactive": SIGN_IN_INACTIVE}

    def __init__(self, *args: Any, refusal: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.refusal = refusal
        self.fields["username"].label = "Username"
        self.fields["password"].label = "Password"
        self.setup_gds()
        self.fields["username"].error_messages["required"] = "Enter your username"
        self.fields["password"].error_messages["required"] = "Enter your password"
        self.fields["username"].widget.attrs.update({"autocomplete": "username", "spellcheck": "false"})
        # GOV.UK advises against autofocus: the first Tab must reach "Skip to main content".
        self.fields["username"].widget.attrs.pop("autofocus", None)

    def clean(self) -> dict[str, Any]:
        if self.refusal:  # throttled: the password is not even checked
            raise forms.ValidationError(self.refusal, code="refused")
        return super().clean()


class RoleSwitchForm(GdsForm):
    role = forms.ChoiceField(choices=Role.choices)


class UserCreateForm(GdsForm):
    first_name = forms.CharField(label="First name", max_length=150)
    last_name = forms.CharField(label="Last name", max_length=150)
    username = forms.CharField(label="Username", max_length=150)
    email = forms.EmailField(label="Email address")
    job_title = forms.CharField(label="Job title", max_length=200, required=False)
    agency = forms.ModelChoiceField(label="Agency", queryset=Agency.objects.filter(is_active=True))
    roles = forms.MultipleChoiceField(
        label="Roles", choices=Role.choices, widget=forms.CheckboxSelectMultiple
    )
    password = forms.CharField(
        label="Temporary password",
        widget=forms.PasswordInput,
        required=False,
        help_text="At least 12 characters. Leave blank to create the account without a password.",
    )
    reason = _grant_reason_field()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["email"].error_messages["invalid"] = (
            "Enter an email address in the correct format, like name@example.org"
        )
        self.fields["roles"].error_messages["required"] = "Select at least one role"


class UserRolesForm(GdsForm):
    roles = forms.MultipleChoiceField(
        label="Roles", choices=Role.choices, widget=forms.CheckboxSelectMultiple
    )
    reason = _grant_reason_field()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["roles"].error_messages["required"] = "Select at least one role"


class GrantDecision(models.TextChoices):
    APPROVE = "approve", "Approve: they hold the role from now on"
    REFUSE = "refuse", "Refuse: the role is not given"


class RoleGrantDecisionForm(GdsForm):
    decision = forms.ChoiceField(
        label="Your decision", choices=GrantDecision.choices, widget=forms.RadioSelect
    )
    reason = forms.CharField(
        label="Reason",
        required=False,
        max_length=2000,
        help_text="Needed if you refuse. The information governance officers are told your decision.",
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["decision"].error_messages["required"] = "Select whether you approve or refuse the grant"

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("decision") == GrantDecision.REFUSE and not (data.get("reason") or "").strip():
            self.add_error("reason", GRANT_REFUSAL_REASON_NEEDED)
        return data


class CodeForm(GdsForm):
    """The six-digit code from an authenticator app."""

    code = forms.CharField(
        label="Code from your authenticator app",
        max_length=12,
        help_text="The 6-digit code your app shows now, for example 123456",
        widget=forms.TextInput(
            attrs={
                "class": "govuk-input govuk-input--width-10",
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "spellcheck": "false",
            }
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["code"].error_messages["required"] = "Enter the 6-digit code from your authenticator app"
