from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.hashers import check_password, identify_hasher, make_password
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from openmash.accounts import services
from openmash.accounts.forms import SIGN_IN_INVALID
from openmash.accounts.models import FailedSignIn, User
from openmash.accounts.roles import Role
from openmash.accounts.tests.factories import PASSWORD
from openmash.audit.catalogue import AuditAction
from openmash.audit.models import AuditEvent
from openmash.core.actor import Actor
from openmash.core.errors import DomainError
from openmash.hub.models import Agency, AgencyKind

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[3]


def test_sign_in_and_out_are_audited_with_address(make_user: Any) -> None:
    user = make_user(Role.SCREENING_MANAGER)
    client = Client(REMOTE_ADDR="192.0.2.10", HTTP_USER_AGENT="Firefox")
    response = client.post(reverse("accounts:sign-in"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    assert client.get(response["Location"], follow=True).status_code == 200
    event = AuditEvent.objects.get(action=AuditAction.SIGNED_IN)
    assert (event.actor_label, event.ip_address, event.user_agent) == (user.username, "192.0.2.10", "Firefox")
    client.post(reverse("accounts:sign-out"))
    assert AuditEvent.objects.filter(action=AuditAction.SIGNED_OUT, actor_id=str(user.pk)).exists()
    assert client.get(reverse("accounts:home")).status_code == 302


def test_wrong_password_shows_error_summary_and_is_audited(make_user: Any) -> None:
    user = make_user(Role.REFERRER, AgencyKind.EDUCATION)
    response = Client().post(reverse("accounts:sign-in"), {"username": user.username, "password": "wrong"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "govuk-error-summary" in html and "There is a problem" in html
    assert SIGN_IN_INVALID in html
    assert "<title>Error: Sign in" in html
    event = AuditEvent.objects.get(action=AuditAction.SIGN_IN_FAILED)
    assert event.detail == {"username": user.username}


def test_sign_in_does_not_redirect_off_site(make_user: Any) -> None:
    user = make_user(Role.REFERRER, AgencyKind.EDUCATION)
    response = Client().post(
        reverse("accounts:sign-in"),
        {"username": user.username, "password": PASSWORD, "next": "https://attacker.example/"},
    )
    assert response["Location"] == reverse("accounts:role-home", args=["referrer"])


def test_sign_in_goes_straight_to_the_home_of_the_role_they_work_in(make_user: Any) -> None:
    """One redirect from the sign-in form to the first page, not two (through the home address)."""
    user = make_user(Role.AGENCY_RESEARCHER, AgencyKind.POLICE)
    client = Client()
    response = client.post(reverse("accounts:sign-in"), {"username": user.username, "password": PASSWORD})
    assert response["Location"] == reverse("accounts:role-home", args=["agency-researcher"])
    assert client.get(response["Location"]).status_code == 200
    client.logout()
    asked = reverse("enquiries:queue")
    response = client.post(
        reverse("accounts:sign-in"), {"username": user.username, "password": PASSWORD, "next": asked}
    )
    assert response["Location"] == asked


def test_passwords_are_hashed_with_argon2_outside_tests(settings: Any) -> None:
    from openmash.config.settings import base

    settings.PASSWORD_HASHERS = base.PASSWORD_HASHERS
    encoded = make_password("a password")
    assert identify_hasher(encoded).algorithm == "argon2"
    assert check_password("a password", encoded)


def test_sessions_expire_when_idle_and_activity_renews_them(make_user: Any) -> None:
    from datetime import timedelta

    from django.contrib.sessions.models import Session
    from django.utils import timezone

    client = Client()
    client.force_login(make_user(Role.REFERRER, AgencyKind.EDUCATION))
    key = client.session.session_key
    idle = timedelta(minutes=django_settings.SESSION_IDLE_MINUTES)
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() + timedelta(minutes=1))
    assert client.get(reverse("accounts:home"), follow=True).status_code == 200
    renewed = Session.objects.get(session_key=key).expire_date
    assert renewed > timezone.now() + idle - timedelta(minutes=1)
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() - timedelta(seconds=1))
    response = client.get(reverse("accounts:home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:sign-in"))


def _session_writes(client: Client, path: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code in (200, 302)
    return sum('"django_session"' in q["sql"] and not q["sql"].startswith("SELECT") for q in captured)


def test_pages_renew_the_idle_timer_at_most_once_a_renewal_interval(make_user: Any, settings: Any) -> None:
    from datetime import timedelta

    from django.contrib.sessions.models import Session
    from django.utils import timezone

    from openmash.accounts.middleware import RENEWED_KEY

    settings.SESSION_RENEW_SECONDS = 60
    client = Client()
    client.force_login(make_user(Role.REFERRER, AgencyKind.EDUCATION))
    key = client.session.session_key
    home = reverse("accounts:home")
    assert client.get(home, follow=True).status_code == 200  # the first page renews
    assert _session_writes(client, home) == 0  # a page a moment later writes nothing
    # Once the interval has passed, the next page renews the timer again.
    session = client.session
    session[RENEWED_KEY] = int(session[RENEWED_KEY]) - 61
    session.save()
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() + timedelta(minutes=2))
    assert _session_writes(client, home) == 1
    idle = timedelta(minutes=django_settings.SESSION_IDLE_MINUTES)
    assert Session.objects.get(session_key=key).expire_date > timezone.now() + idle - timedelta(minutes=1)


def test_a_renewal_interval_of_zero_renews_on_every_page(make_user: Any, settings: Any) -> None:
    settings.SESSION_RENEW_SECONDS = 0
    client = Client()
    client.force_login(make_user(Role.REFERRER, AgencyKind.EDUCATION))
    home = reverse("accounts:home")
    assert client.get(home, follow=True).status_code == 200
    assert _session_writes(client, home) == 1
    assert _session_writes(client, home) == 1


def test_role_only_counts_in_an_agency_that_can_hold_it(hub: object) -> None:
    police = Agency.objects.get(kind=AgencyKind.POLICE)
    with pytest.raises(
        DomainError, match="Screening manager can only be held by someone in children's social care"
    ):
        services.user_create(
            actor=Actor.system("tests"),
            username="p1",
            email="p1@x.invalid",
            first_name="A",
            last_name="B",
            agency=police,
            roles=[Role.SCREENING_MANAGER],
            password=None,
        )
    assert not User.objects.filter(username="p1").exists()


def test_user_create_and_role_changes_are_audited(hub: object) -> None:
    csc = Agency.objects.get(kind=AgencyKind.CHILDRENS_SOCIAL_CARE)
    actor = Actor.system("tests")
    user = services.user_create(
        actor=actor,
        username="new.person",
        email="n@x.invalid",
        first_name="New",
        last_name="Person",
        agency=csc,
        roles=[Role.DECISION_MAKER],
        password="a-long-enough-password",
    )
    assert user.held_roles() == [Role.DECISION_MAKER]
    services.user_set_roles(actor=actor, user=user, roles=[Role.MEETING_CHAIR, Role.DECISION_MAKER])
    services.user_set_roles(actor=actor, user=user, roles=[Role.MEETING_CHAIR])
    assert User.objects.get(pk=user.pk).held_roles() == [Role.MEETING_CHAIR]
    actions = list(AuditEvent.objects.filter(object_id=str(user.pk)).values_list("action", flat=True))
    assert actions == [AuditAction.USER_CREATED, AuditAction.ROLE_GRANTED, AuditAction.ROLE_REVOKED]
    with pytest.raises(DomainError, match="already exists"):
        services.user_create(
            actor=actor,
            username="NEW.person",
            email="n@x.invalid",
            first_name="N",
            last_name="P",
            agency=csc,
            roles=[Role.REFERRER],
            password=None,
        )


def test_inactive_user_has_no_roles(make_user: Any) -> None:
    user = make_user(Role.HUB_ADMINISTRATOR)
    user.is_active = False
    user.save()
    assert User.objects.get(pk=user.pk).held_roles() == []


def test_switching_role_changes_home_and_is_audited(make_user: Any) -> None:
    user = make_user(Role.HUB_ADMINISTRATOR)
    services.user_set_roles(
        actor=Actor.system("t"), user=user, roles=[Role.HUB_ADMINISTRATOR, Role.IG_OFFICER]
    )
    client = Client()
    client.force_login(user)
    response = client.post(reverse("accounts:switch-role"), {"role": Role.HUB_ADMINISTRATOR.value})
    assert response["Location"] == reverse("accounts:role-home", args=["hub-administrator"])
    assert client.get(reverse("accounts:home"))["Location"].endswith("/home/hub-administrator/")
    assert client.post(reverse("accounts:switch-role"), {"role": Role.REFERRER.value}).status_code == 403
    assert AuditEvent.objects.filter(action=AuditAction.ROLE_SWITCHED).count() == 1


def test_production_settings_pass_the_deploy_check(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "openmash.config.settings.prod",
        "SECRET_KEY": "k" * 20 + "Zq9!x" * 10,
        "ALLOWED_HOSTS": "mash.example.org",
        "OPENMASH_VAR_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'prod.sqlite3'}",
        "OPENMASH_AUDIT_KEY": "a" * 16 + "Kp7!z" * 8,
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    env["SECRET_KEY"] = ""
    missing = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    assert missing.returncode != 0
    assert "SECRET_KEY must be set" in missing.stderr


@override_settings(SIGN_IN_MAX_FAILURES=3, SIGN_IN_MAX_FAILURES_PER_ADDRESS=5, SIGN_IN_WINDOW_MINUTES=15)
def test_too_many_failed_sign_ins_refuse_the_username_for_a_while_even_with_the_right_password(
    make_user: Any,
) -> None:
    user = make_user(Role.REFERRER, AgencyKind.EDUCATION)
    client = Client(REMOTE_ADDR="192.0.2.20")
    url = reverse("accounts:sign-in")
    for _ in range(3):  # the username typed in another case counts too
        client.post(url, {"username": user.username.upper(), "password": "wrong"})
    refused = client.post(url, {"username": user.username, "password": PASSWORD})
    html = refused.content.decode()
    assert refused.status_code == 200 and "govuk-error-summary" in html
    assert "too many failed attempts to sign in with this username. Wait 15 minutes" in html
    assert "_auth_user_id" not in client.session
    event = AuditEvent.objects.get(action=AuditAction.SIGN_IN_REFUSED)
    assert event.detail["username"] == user.username and "Wait 15 minutes" in event.reason
    # Refused attempts do not extend the wait; once the failures are old enough, the right password works.
    FailedSignIn.objects.update(at=timezone.now() - timedelta(minutes=16))
    assert client.post(url, {"username": user.username, "password": PASSWORD}).status_code == 302
    assert not FailedSignIn.objects.filter(username=user.username.lower()).exists()  # success clears them


@override_settings(SIGN_IN_MAX_FAILURES=3, SIGN_IN_MAX_FAILURES_PER_ADDRESS=5, SIGN_IN_WINDOW_MINUTES=15)
def test_many_usernames_tried_from_one_address_are_refused_there_but_not_elsewhere(make_user: Any) -> None:
    user = make_user(Role.REFERRER, AgencyKind.EDUCATION)
    url = reverse("accounts:sign-in")
    spraying = Client(REMOTE_ADDR="198.51.100.7")
    for n in range(5):
        spraying.post(url, {"username": f"someone{n}", "password": "Winter2026!"})
    # An empty form is an error but not a guess: it does not count.
    spraying.post(url, {"username": "", "password": ""})
    assert FailedSignIn.objects.count() == 5
    html = spraying.post(url, {"username": user.username, "password": PASSWORD}).content.decode()
    assert "many failed attempts to sign in from this network address. Wait 2 seconds" in html
    assert (
        Client(REMOTE_ADDR="192.0.2.30")
        .post(url, {"username": user.username, "password": PASSWORD})
        .status_code
        == 302
    )
