"""The first (and second) hub administrator, made from the command line: hub_admin_create."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from openmash.accounts.models import User
from openmash.accounts.roles import Role
from openmash.audit.catalogue import AuditAction
from openmash.audit.models import AuditEvent
from openmash.hub.models import AgencyKind

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[3]
GOOD = "correct horse battery staple 42"


def create(monkeypatch: pytest.MonkeyPatch, password: str | None = GOOD, **options: str) -> str:
    if password is None:
        monkeypatch.delenv("OPENMASH_ADMIN_PASSWORD", raising=False)
    else:
        monkeypatch.setenv("OPENMASH_ADMIN_PASSWORD", password)
    out = io.StringIO()
    args = {"agency": "Children's Social Care", "username": "first.admin", "email": "first@council.example"}
    args.update(options)
    flags = [f"--{k.replace('_', '-')}" + (f"={v}" if v else "") for k, v in args.items()]
    call_command("hub_admin_create", *flags, stdout=out)
    return out.getvalue()


def test_creates_a_hub_administrator_who_can_sign_in(hub: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    printed = create(monkeypatch, agency="children\u2019s social care")  # any case, any apostrophe
    assert "Created first.admin, hub administrator in Children's Social Care." in printed
    user = User.objects.get(username="first.admin")
    assert user.held_roles() == [Role.HUB_ADMINISTRATOR]
    assert user.agency.kind == AgencyKind.CHILDRENS_SOCIAL_CARE
    assert not user.is_superuser
    event = AuditEvent.objects.get(action=AuditAction.USER_CREATED, object_id=str(user.pk))
    assert event.actor_label == "system:manage.py hub_admin_create"
    assert event.detail["roles"] == ["hub_administrator"] and GOOD not in str(event.detail)
    client = Client()
    response = client.post(reverse("accounts:sign-in"), {"username": "first.admin", "password": GOOD})
    assert response.status_code == 302
    assert client.get(reverse("accounts:users")).status_code == 200


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("short1!", "This password is too short. It must contain at least 12 characters."),
        ("password1234", "This password is too common."),
        ("448211937465", "This password is entirely numeric."),
        ("first.admin.council", "The password is too similar to the username."),
    ],
)
def test_weak_passwords_are_refused_as_everywhere_else(
    hub: Any, monkeypatch: pytest.MonkeyPatch, password: str, problem: str
) -> None:
    with pytest.raises(CommandError, match="The password was refused") as refused:
        create(monkeypatch, password)
    assert problem in str(refused.value)
    assert not User.objects.filter(username="first.admin").exists()


def test_an_unknown_agency_is_named_with_those_there_are(hub: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(
        CommandError, match="There is no agency called 'Social Services'. Agencies: .*'Police'"
    ):
        create(monkeypatch, agency="Social Services")


def test_promotes_an_existing_user_of_that_agency_for_a_second_administrator(
    make_user: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    person = make_user(Role.REFERRER, AgencyKind.CHILDRENS_SOCIAL_CARE, username="second.admin")
    old_password = person.password
    printed = create(monkeypatch, None, username="second.admin")  # keeps their password
    assert "Updated second.admin" in printed
    person.refresh_from_db()
    person._held_roles = None
    assert set(person.held_roles()) == {Role.REFERRER, Role.HUB_ADMINISTRATOR}
    assert person.password == old_password
    assert AuditEvent.objects.filter(
        action=AuditAction.ROLE_GRANTED, object_id=str(person.pk), detail__role="hub_administrator"
    ).exists()
    # With --set-password they get the new one too; running it again changes no role.
    create(monkeypatch, GOOD, username="second.admin", set_password="")
    person.refresh_from_db()
    assert person.check_password(GOOD)
    assert AuditEvent.objects.filter(action=AuditAction.ROLE_GRANTED, object_id=str(person.pk)).count() == 1


def test_a_user_of_another_agency_is_not_moved(make_user: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    make_user(Role.AGENCY_RESEARCHER, AgencyKind.POLICE, username="pc.smith")
    with pytest.raises(CommandError, match="pc.smith already exists in .*, not in Children's Social Care"):
        create(monkeypatch, username="pc.smith")


def test_without_a_terminal_or_the_variable_it_says_how_to_give_the_password(
    hub: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    with pytest.raises(
        CommandError, match="run this in a terminal to be asked for one, or set OPENMASH_ADMIN_PASSWORD"
    ):
        create(monkeypatch, None)


def test_the_password_is_asked_twice_on_a_terminal(hub: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    answers = iter([GOOD, GOOD + " typo"])
    monkeypatch.setattr(sys, "stdin", Terminal(""))
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    with pytest.raises(CommandError, match="The two passwords differ"):
        create(monkeypatch, None)
    answers = iter([GOOD, GOOD])
    create(monkeypatch, None)
    assert User.objects.get(username="first.admin").check_password(GOOD)


def test_createsuperuser_names_the_command_to_use_without_a_traceback(tmp_path: Path) -> None:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "openmash.config.settings.test"}
    result = subprocess.run(
        [sys.executable, "manage.py", "createsuperuser", "--noinput", "--agency", "1"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "python manage.py hub_admin_create --agency" in result.stderr
