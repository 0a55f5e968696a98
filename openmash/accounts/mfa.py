"""Two-factor sign-in: a time-based six-digit code from an authenticator app (TOTP, RFC 6238), through
django-otp. A person who has set it up is asked for a code after the password at every sign-in; with
OPENMASH_MFA_REQUIRED everybody must set it up before doing anything else. django-otp throttles
wrong codes (the wait doubles after each) and refuses a code already used."""

from __future__ import annotations

import base64
import math

import segno
from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from openmash.accounts.models import User
from openmash.audit.catalogue import AuditAction
from openmash.audit.services import audit_record
from openmash.core.actor import Actor
from openmash.core.errors import DomainError

DEVICE_NAME = "Authenticator app"
WRONG_CODE = "The code is not right. Enter the 6-digit code your authenticator app shows now."
NOT_A_CODE = "Enter the 6-digit code from your authenticator app"
WAIT = "Too many wrong codes. Wait {seconds} seconds, then enter the code your app shows then."


def required() -> bool:
    return bool(getattr(settings, "OPENMASH_MFA_REQUIRED", False))


def device_of(user: User) -> TOTPDevice | None:
    """The person's confirmed authenticator, if they have set one up."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def has_device(user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def enrolment_device(user: User) -> TOTPDevice:
    """The not-yet-confirmed device whose key the set-up page shows (one per person, kept until
    confirmed so that reloading the page does not change the key they are scanning)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    return device or TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)


def secret_text(device: TOTPDevice) -> str:
    """The key as people type it into an app: base32 in groups of four."""
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def qr_svg(device: TOTPDevice) -> str:
    """The otpauth:// link as an inline SVG QR code (no script, no external request)."""
    qr = segno.make(device.config_url, error="m")
    svg = qr.svg_inline(scale=5, dark="#0b0c0c", light="#ffffff", border=2)
    return str(svg)


def _clean(code: str) -> str:
    digits = "".join(ch for ch in code if not ch.isspace() and ch != "-")
    if len(digits) != 6 or not digits.isdigit():
        raise DomainError(NOT_A_CODE)
    return digits


def _verify(device: TOTPDevice, code: str) -> None:
    allowed, info = device.verify_is_allowed()
    if not allowed:
        until = (info or {}).get("locked_until")
        seconds = math.ceil((until - timezone.now()).total_seconds()) if until else 1
        raise DomainError(WAIT.format(seconds=max(1, seconds)))
    if not device.verify_token(code):
        raise DomainError(WRONG_CODE)


def set_up(*, request: HttpRequest, actor: Actor, code: str) -> TOTPDevice:
    """Confirm the person's new authenticator with a code from it; they are then signed in with it."""
    assert isinstance(actor.user, User)  # noqa: S101 - signed-in views only
    device = enrolment_device(actor.user)
    try:
        _verify(device, _clean(code))
    except DomainError:
        audit_record(actor=actor, action=AuditAction.MFA_FAILED, obj=actor.user, detail={"step": "set up"})
        raise
    with transaction.atomic():
        TOTPDevice.objects.filter(user=actor.user, confirmed=True).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        audit_record(actor=actor, action=AuditAction.MFA_SET_UP, obj=actor.user)
    otp_login(request, device)
    return device


def verify(*, request: HttpRequest, actor: Actor, code: str) -> None:
    """Check the code of a person who has signed in with their password; on success the session is
    verified for the rest of the sign-in."""
    assert isinstance(actor.user, User)  # noqa: S101 - signed-in views only
    device = device_of(actor.user)
    if device is None:
        raise DomainError("Two-factor sign-in is not set up for you")
    try:
        _verify(device, _clean(code))
    except DomainError:
        audit_record(actor=actor, action=AuditAction.MFA_FAILED, obj=actor.user, detail={"step": "sign in"})
        raise
    otp_login(request, device)
    audit_record(actor=actor, action=AuditAction.MFA_VERIFIED, obj=actor.user)


def reset(*, actor: Actor, user: User) -> int:
    """A hub administrator removes a person's authenticator (a lost phone): they set up a new one at
    their next sign-in. Returns how many devices were removed."""
    with transaction.atomic():
        removed, _ = TOTPDevice.objects.filter(user=user).delete()
        audit_record(actor=actor, action=AuditAction.MFA_RESET, obj=user, detail={"removed": removed})
    return removed
