"""Sign-in throttling behind one address (a hub behind a reverse proxy): guessing from an address is
slowed by a growing wait, not by refusing everyone's right password there; the username lock still
protects one account; the client address comes from X-Forwarded-For only when a trusted proxy sent it."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from openmash.accounts.models import FailedSignIn
from openmash.accounts.roles import Role
from openmash.accounts.tests.factories import PASSWORD
from openmash.audit.catalogue import AuditAction
from openmash.audit.models import AuditEvent
from openmash.hub.models import AgencyKind

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[3]


def _time_passes(seconds: float) -> None:
    """As if `seconds` had passed since every recorded failure."""
    FailedSignIn.objects.update(at=timezone.now() - timedelta(seconds=seconds))


def _fail(client: Client, username: str) -> str:
    return client.post(
        reverse("accounts:sign-in"), {"username": username, "password": "Winter2026!"}
    ).content.decode()


def test_thirty_failures_with_made_up_usernames_do_not_lock_out_a_real_user_at_that_address(
    make_user: Any,
) -> None:
    """The reported finding: 30 failures with made-up usernames from the hub's one address refused
    the right password of every user there for 15 minutes. Now the address waits a few seconds."""
    user = make_user(Role.REFERRER, AgencyKind.EDUCATION)
    proxy = Client(REMOTE_ADDR="192.0.2.40")
    for n in range(30):
        _fail(proxy, f"made-up-{n}")
    assert FailedSignIn.objects.filter(ip_address="192.0.2.40").count() == 30
    waiting = proxy.post(reverse("accounts:sign-in"), {"username": user.username, "password": PASSWORD})
    html = waiting.content.decode()
    assert waiting.status_code == 200 and "govuk-error-summary" in html
    assert "Wait 2 seconds and try again" in html
    assert "_auth_user_id" not in proxy.session
    refused = AuditEvent.objects.get(action=AuditAction.SIGN_IN_REFUSED)
    assert refused.detail["username"] == user.username and refused.ip_address == "192.0.2.40"
    _time_passes(2)
    signed_in = proxy.post(reverse("accounts:sign-in"), {"username": user.username, "password": PASSWORD})
    assert signed_in.status_code == 302
    assert proxy.session["_auth_user_id"] == str(user.pk)


@override_settings(
    SIGN_IN_MAX_FAILURES_PER_ADDRESS=3,
    SIGN_IN_ADDRESS_DELAY_SECONDS=3,
    SIGN_IN_ADDRESS_DELAY_MAX_SECONDS=20,
)
def test_each_further_failure_from_an_address_doubles_its_wait_up_to_the_cap() -> None:
    client = Client(REMOTE_ADDR="198.51.100.7")
    for n in range(3):
        assert "Wait" not in _fail(client, f"someone{n}")
    waits = []
    for n in range(5):
        html = _fail(client, f"other{n}")  # too soon: refused, not counted, not a failure
        assert "from this network address" in html
        waits.append(int(html.split("Wait ")[1].split(" second")[0]))
        _time_passes(waits[-1])
        assert "Wait" not in _fail(client, f"other{n}")  # the wait has passed: tried, and failed
    assert waits == [3, 6, 12, 20, 20]
    assert FailedSignIn.objects.count() == 8
    assert AuditEvent.objects.filter(action=AuditAction.SIGN_IN_REFUSED).count() == 5
    # Another address is not slowed at all.
    assert "Wait" not in _fail(Client(REMOTE_ADDR="192.0.2.31"), "someone")


@override_settings(SIGN_IN_MAX_FAILURES=3, SIGN_IN_MAX_FAILURES_PER_ADDRESS=30)
def test_guessing_one_accounts_password_from_many_addresses_still_locks_that_username(
    make_user: Any,
) -> None:
    user = make_user(Role.REFERRER, AgencyKind.EDUCATION)
    for n in range(3):
        _fail(Client(REMOTE_ADDR=f"203.0.113.{n + 1}"), user.username)
    html = (
        Client(REMOTE_ADDR="203.0.113.50")
        .post(reverse("accounts:sign-in"), {"username": user.username, "password": PASSWORD})
        .content.decode()
    )
    assert "too many failed attempts to sign in with this username. Wait 15 minutes" in html


@override_settings(SIGN_IN_MAX_FAILURES_PER_ADDRESS=3)
def test_a_forwarded_for_header_from_an_untrusted_peer_is_ignored(make_user: Any) -> None:
    """An attacker cannot pick a fresh address for each guess by sending X-Forwarded-For."""
    for n in range(3):
        _fail(Client(REMOTE_ADDR="198.51.100.7", HTTP_X_FORWARDED_FOR=f"203.0.113.{n + 1}"), f"u{n}")
    assert set(FailedSignIn.objects.values_list("ip_address", flat=True)) == {"198.51.100.7"}
    spoofing = Client(REMOTE_ADDR="198.51.100.7", HTTP_X_FORWARDED_FOR="203.0.113.99")
    assert "from this network address" in _fail(spoofing, "u4")
    event = AuditEvent.objects.filter(action=AuditAction.SIGN_IN_FAILED).first()
    assert event is not None and event.ip_address == "198.51.100.7"


@override_settings(OPENMASH_TRUSTED_PROXIES=["10.0.0.0/8", "192.0.2.1"], SIGN_IN_MAX_FAILURES_PER_ADDRESS=3)
def test_behind_a_trusted_proxy_each_client_is_throttled_by_its_own_address(make_user: Any) -> None:
    user = make_user(Role.REFERRER, AgencyKind.EDUCATION)
    # Through two trusted proxies; the client put a made-up address first, which is not believed.
    attacker = Client(REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.66, 192.0.2.1")
    for n in range(3):
        _fail(attacker, f"made-up-{n}")
    assert set(FailedSignIn.objects.values_list("ip_address", flat=True)) == {"203.0.113.66"}
    assert "from this network address" in _fail(attacker, "made-up-4")
    colleague = Client(REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="203.0.113.70")
    response = colleague.post(reverse("accounts:sign-in"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    event = AuditEvent.objects.get(action=AuditAction.SIGNED_IN)
    assert event.ip_address == "203.0.113.70"


@override_settings(SIGN_IN_MAX_FAILURES_PER_ADDRESS=3)
def test_without_trusted_proxies_everyone_behind_the_proxy_shares_its_address() -> None:
    """The setting is what makes the difference: unset, the proxy's own address is used."""
    for n in range(3):
        _fail(Client(REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR=f"203.0.113.{n + 1}"), f"u{n}")
    assert set(FailedSignIn.objects.values_list("ip_address", flat=True)) == {"10.0.0.5"}


def test_a_mistyped_trusted_proxy_stops_start_up() -> None:
    env = {**os.environ, "OPENMASH_TRUSTED_PROXIES": "10.0.0.0/8, 10.0.0.300"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode != 0
    assert "10.0.0.300" in result.stderr
