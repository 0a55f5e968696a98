"""Two-factor sign-in with an authenticator app (TOTP): set-up, the code at every sign-in, wrong and
replayed codes, the hub requiring it, and an administrator's reset. Codes are computed from the key the
set-up page shows, as an authenticator app computes them."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
from django.test import Client, override_settings
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from openmash.accounts.roles import Role
from openmash.accounts.tests.factories import PASSWORD
from openmash.audit.catalogue import AuditAction
from openmash.audit.models import AuditEvent
from openmash.hub.models import AgencyKind

pytestmark = pytest.mark.django_db
SETUP = reverse("accounts:two-factor-setup")
CODE = reverse("accounts:two-factor")
RECOVERY = reverse("accounts:two-factor-recovery")


def recovery_codes_on(page: str) -> list[str]:
    listed = re.search(r'data-testid="recovery-codes">(.*?)</ul>', page, re.S)
    return re.findall(r"<li>([a-z2-7]{8})</li>", listed.group(1)) if listed else []


def code_for(secret: str, *, steps_ahead: int = 0) -> str:
    """The code an authenticator app shows for the key on the set-up page (optionally a step later,
    as the next sign-in would see it: a code cannot be used twice)."""
    import base64

    key = secret.replace(" ", "")
    key += "=" * (-len(key) % 8)
    totp = TOTP(base64.b32decode(key))
    totp.time = time.time() + 30 * steps_ahead
    return f"{totp.token():06d}"


def sign_in(client: Client, username: str, next_url: str = "") -> Any:
    data = {"username": username, "password": PASSWORD}
    if next_url:
        data["next"] = next_url
    return client.post(reverse("accounts:sign-in"), data)


def secret_on(page: str) -> str:
    match = re.search(r'data-testid="secret">([A-Z2-7 ]+)<', page)
    assert match, "the set-up page shows the key"
    return match.group(1)


def with_authenticator(client: Client, username: str) -> tuple[str, Any]:
    """Sign in and set up an authenticator as a person would; the key, and the set-up's response."""
    sign_in(client, username)
    secret = secret_on(client.get(SETUP).content.decode())
    return secret, client.post(SETUP, {"code": code_for(secret)})


@override_settings(OPENMASH_MFA_REQUIRED=True, OTP_TOTP_THROTTLE_FACTOR=0)
def test_required_two_factor_is_set_up_at_sign_in_then_asked_for_every_time(make_user: Any) -> None:
    user = make_user(Role.SCREENING_MANAGER)
    client = Client()
    sign_in(client, user.username)
    # Nothing but setting it up is reachable first.
    cases = client.get(reverse("cases:list"))
    assert cases.status_code == 302 and cases["Location"].startswith(SETUP)
    page = client.get(SETUP).content.decode()
    assert "Set up two-factor sign-in" in page and "<svg" in page and 'data-testid="qr"' in page
    secret = secret_on(page)
    assert secret == secret_on(client.get(SETUP).content.decode())  # reloading keeps the key being scanned
    wrong = client.post(SETUP, {"code": "000000" if code_for(secret) != "000000" else "111111"})
    assert wrong.status_code == 200 and "govuk-error-summary" in wrong.content.decode()
    assert "The code is not right" in wrong.content.decode()
    not_a_code = client.post(SETUP, {"code": "12ab"})
    assert "Enter the 6-digit code from your authenticator app" in not_a_code.content.decode()
    done = client.post(SETUP, {"code": code_for(secret), "next": reverse("cases:list")})
    assert done.status_code == 302 and done["Location"].startswith(RECOVERY)
    # The recovery codes are shown once, then only how many are left.
    shown = client.get(done["Location"]).content.decode()
    assert len(recovery_codes_on(shown)) == 10 and f'href="{reverse("cases:list")}"' in shown
    again = client.get(RECOVERY).content.decode()
    assert recovery_codes_on(again) == [] and "You have 10 unused recovery codes" in again
    assert client.get(reverse("cases:list")).status_code == 200
    assert AuditEvent.objects.filter(action=AuditAction.MFA_SET_UP, object_id=str(user.pk)).count() == 1
    assert AuditEvent.objects.filter(action=AuditAction.MFA_FAILED).count() == 2

    # Next sign-in: the password, then the code.
    client.post(reverse("accounts:sign-out"))
    after = sign_in(client, user.username, next_url=reverse("cases:list"))
    followed = client.get(after["Location"])
    assert followed.status_code == 302 and followed["Location"].startswith(CODE)
    page = client.get(followed["Location"]).content.decode()
    assert "Enter your sign-in code" in page and "secret" not in page
    # The code already used at set-up is refused (no replay); the next one works.
    reused = client.post(CODE, {"code": code_for(secret)})
    assert reused.status_code == 200 and "The code is not right" in reused.content.decode()
    accepted = client.post(CODE, {"code": code_for(secret, steps_ahead=1), "next": reverse("cases:list")})
    assert accepted.status_code == 302 and accepted["Location"] == reverse("cases:list")
    assert client.get(reverse("cases:list")).status_code == 200
    assert AuditEvent.objects.filter(action=AuditAction.MFA_VERIFIED, object_id=str(user.pk)).count() == 1


def test_optional_two_factor_once_set_up_is_always_asked_for(make_user: Any) -> None:
    user = make_user(Role.AGENCY_RESEARCHER, AgencyKind.POLICE)
    client = Client()
    sign_in(client, user.username)
    assert client.get(reverse("enquiries:queue")).status_code == 200  # not required, not set up: no code
    secret = secret_on(client.get(SETUP).content.decode())
    client.post(SETUP, {"code": code_for(secret)})
    client.post(reverse("accounts:sign-out"))
    sign_in(client, user.username)
    assert client.get(reverse("enquiries:queue"))["Location"].startswith(CODE)


def test_wrong_codes_are_throttled(make_user: Any) -> None:
    user = make_user(Role.REFERRER, AgencyKind.EDUCATION)
    client = Client()
    secret, _ = with_authenticator(client, user.username)
    client.post(reverse("accounts:sign-out"))
    sign_in(client, user.username)
    wrong = "000000" if code_for(secret, steps_ahead=1) != "000000" else "111111"
    client.post(CODE, {"code": wrong})
    # Straight after a wrong code, even the right one must wait: the app's code is not even checked.
    waited = client.post(CODE, {"code": code_for(secret, steps_ahead=1)}).content.decode()
    assert "Too many wrong codes. Wait" in waited
    assert client.get(reverse("accounts:home"))["Location"].startswith(CODE)


def test_an_administrator_resets_a_lost_authenticator(make_user: Any) -> None:
    user = make_user(Role.REFERRER, AgencyKind.EDUCATION)
    client = Client()
    secret, _ = with_authenticator(client, user.username)
    admin = Client()
    admin.force_login(make_user(Role.HUB_ADMINISTRATOR))
    users_page = admin.get(reverse("accounts:users")).content.decode()
    assert reverse("accounts:user-mfa-reset", args=[user.pk]) in users_page
    admin.post(reverse("accounts:user-mfa-reset", args=[user.pk]))
    assert not TOTPDevice.objects.filter(user=user).exists()
    assert AuditEvent.objects.filter(action=AuditAction.MFA_RESET, object_id=str(user.pk)).exists()
    client.post(reverse("accounts:sign-out"))
    sign_in(client, user.username)
    assert client.get(reverse("accounts:home")).status_code == 302  # home -> role home, no code asked
    assert not client.get(reverse("accounts:home"))["Location"].startswith(CODE)


def test_a_recovery_code_signs_in_once_in_place_of_the_app(make_user: Any) -> None:
    user = make_user(Role.DECISION_MAKER)
    client = Client()
    secret, done = with_authenticator(client, user.username)
    codes = recovery_codes_on(client.get(done["Location"]).content.decode())
    client.post(reverse("accounts:sign-out"))
    sign_in(client, user.username)
    used = client.post(CODE, {"code": codes[0].upper()[:4] + "-" + codes[0].upper()[4:]})  # as people type it
    assert used.status_code == 302
    assert (
        "You signed in with a recovery code: 9 left"
        in client.get(used["Location"], follow=True).content.decode()
    )
    event = AuditEvent.objects.filter(action=AuditAction.MFA_VERIFIED).latest("sequence")
    assert event.detail == {"with": "recovery code", "recovery_codes_left": 9}
    # Each code works once.
    client.post(reverse("accounts:sign-out"))
    sign_in(client, user.username)
    again = client.post(CODE, {"code": codes[0]}).content.decode()
    assert "That recovery code is not right, or has been used" in again
    # A new set replaces the old one.
    import time as clock

    clock.sleep(1.1)  # the wrong code above makes the next try wait a second
    client.post(CODE, {"code": codes[1]})
    fresh = recovery_codes_on(client.post(RECOVERY).content.decode())
    assert len(fresh) == 10 and not set(fresh) & set(codes)
    client.post(reverse("accounts:sign-out"))
    sign_in(client, user.username)
    assert "not right, or has been used" in client.post(CODE, {"code": codes[2]}).content.decode()
