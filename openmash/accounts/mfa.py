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
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from openmash.accounts.models import User
from openmash.audit.catalogue import AuditAction
from openmash.audit.services import audit_record
from openmash.core.actor import Actor
from openmash.core.errors import DomainError

DEVICE_NAME = "Authenticator app"
WRONG_CODE = "The code is not right. Enter the 6-digit code your authenticator app shows now."
NOT_A_CODE = "Enter the 6-digit code from your authenticator app"
NOT_A_CODE_OR_RECOVERY = "Enter the 6-digit code from your authenticator app, or one of your recovery codes"
WRONG_RECOVERY_CODE = "That recovery code is not right, or has been used. Each one works once."
RECOVERY_NAME = "Recovery codes"
#: How many single-use recovery codes a person gets (for a lost or broken phone).
RECOVERY_CODES = 10
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


def _recovery_code(code: str) -> str | None:
    """A recovery code as stored (8 lower-case base32 characters), or None if it is not one."""
    text = "".join(ch for ch in code if not ch.isspace() and ch != "-").lower()
    if len(text) == 8 and all(ch in "abcdefghijklmnopqrstuvwxyz234567" for ch in text):
        return text
    return None


def recovery_codes_new(*, actor: Actor) -> list[str]:
    """Make the person a new set of single-use recovery codes, replacing any earlier set. They are shown
    once; each signs in once in place of the app's code."""
    assert isinstance(actor.user, User)  # noqa: S101 - signed-in views only
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    with transaction.atomic():
        StaticDevice.objects.filter(user=actor.user).delete()
        device = StaticDevice.objects.create(user=actor.user, name=RECOVERY_NAME, confirmed=True)
        StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
        audit_record(
            actor=actor, action=AuditAction.MFA_RECOVERY_CODES, obj=actor.user, detail={"codes": len(codes)}
        )
    return codes


def recovery_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def _verify(device: TOTPDevice | StaticDevice, code: str) -> None:
    allowed, info = device.verify_is_allowed()
    if not allowed:
        until = (info or {}).get("locked_until")
        seconds = math.ceil((until - timezone.now()).total_seconds()) if until else 1
        raise DomainError(WAIT.format(seconds=max(1, seconds)))
    if not device.verify_token(code):
        raise DomainError(WRONG_RECOVERY_CODE if isinstance(device, StaticDevice) else WRONG_CODE)


def set_up(*, request: HttpRequest, actor: Actor, code: str) -> list[str]:
    """Confirm the person's new authenticator with a code from it; they are then signed in with it.
    Returns their new recovery codes, to be shown once."""
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
    return recovery_codes_new(actor=actor)


def verify(*, request: HttpRequest, actor: Actor, code: str) -> int | None:
    """Check the code (or a recovery code) of a person who has signed in with their password; on
    success the session is verified for the rest of the sign-in. Returns how many recovery codes are
    left when one was used, else None."""
    assert isinstance(actor.user, User)  # noqa: S101 - signed-in views only
    device = device_of(actor.user)
    if device is None:
        raise DomainError("Two-factor sign-in is not set up for you")
    recovery = _recovery_code(code)
    try:
        if recovery is not None:
            used = _use_recovery_code(actor.user, recovery)
        else:
            try:
                digits = _clean(code)
            except DomainError:
                raise DomainError(NOT_A_CODE_OR_RECOVERY) from None
            _verify(device, digits)
    except DomainError:
        audit_record(actor=actor, action=AuditAction.MFA_FAILED, obj=actor.user, detail={"step": "sign in"})
        raise
    if recovery is not None:
        otp_login(request, used)
        left = recovery_codes_left(actor.user)
        audit_record(
            actor=actor,
            action=AuditAction.MFA_VERIFIED,
            obj=actor.user,
            detail={"with": "recovery code", "recovery_codes_left": left},
        )
        return left
    otp_login(request, device)
    audit_record(actor=actor, action=AuditAction.MFA_VERIFIED, obj=actor.user)
    return None


def _use_recovery_code(user: User, code: str) -> StaticDevice:
    device = StaticDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        raise DomainError(WRONG_RECOVERY_CODE)
    _verify(device, code)  # throttled like the app's codes; the code is deleted once used
    return device


def reset(*, actor: Actor, user: User) -> int:
    """A hub administrator removes a person's authenticator (a lost phone): they set up a new one at
    their next sign-in. Returns how many devices were removed."""
    with transaction.atomic():
        removed, _ = TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
        audit_record(actor=actor, action=AuditAction.MFA_RESET, obj=user, detail={"removed": removed})
    return removed
