"""State changes for people who use OpenMASH; each writes its audit event in the same transaction."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from openmash.accounts.models import FailedSignIn, RoleGrant, User
from openmash.accounts.roles import Role, role_allowed_in
from openmash.audit.catalogue import AuditAction
from openmash.audit.services import audit_record
from openmash.core.actor import Actor
from openmash.core.errors import DomainError
from openmash.hub.models import Agency

ROLE_NOT_IN_AGENCY = "{role} can only be held by someone in {kinds}."
USERNAME_TAKEN = "A user with this username already exists."


def user_create(
    *,
    actor: Actor,
    username: str,
    email: str,
    first_name: str,
    last_name: str,
    agency: Agency,
    roles: list[Role],
    password: str | None,
    job_title: str = "",
) -> User:
    if User.objects.filter(username__iexact=username).exists():
        raise DomainError(USERNAME_TAKEN)
    _check_roles(roles, agency)
    with transaction.atomic(durable=True):
        user = User(
            username=username,
            email=email,
            first_name=first_name,
            last_name=last_name,
            agency=agency,
            job_title=job_title,
        )
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save()
        RoleGrant.objects.bulk_create([RoleGrant(user=user, role=r, granted_by=actor.user) for r in roles])
        audit_record(
            actor=actor,
            action=AuditAction.USER_CREATED,
            obj=user,
            detail={"username": username, "agency": agency.name, "roles": [r.value for r in roles]},
        )
    return user


def user_set_roles(*, actor: Actor, user: User, roles: list[Role]) -> None:
    _check_roles(roles, user.agency)
    with transaction.atomic(durable=True):
        held = set(user.role_grants.values_list("role", flat=True))
        wanted = {r.value for r in roles}
        for role in sorted(wanted - held):
            RoleGrant.objects.create(user=user, role=role, granted_by=actor.user)
            audit_record(actor=actor, action=AuditAction.ROLE_GRANTED, obj=user, detail={"role": role})
        for role in sorted(held - wanted):
            RoleGrant.objects.filter(user=user, role=role).delete()
            audit_record(actor=actor, action=AuditAction.ROLE_REVOKED, obj=user, detail={"role": role})
    user._held_roles = None


def _check_roles(roles: list[Role], agency: Agency) -> None:
    from openmash.accounts.roles import ROLE_AGENCY_KINDS
    from openmash.hub.models import AgencyKind

    for role in roles:
        if not role_allowed_in(role, agency.kind):
            kinds = ", ".join(AgencyKind(k).label.lower() for k in sorted(ROLE_AGENCY_KINDS[role] or ()))
            raise DomainError(ROLE_NOT_IN_AGENCY.format(role=role.label, kinds=kinds))


SIGN_IN_REFUSED_USERNAME = (
    "There have been too many failed attempts to sign in with this username. Wait {minutes} and try "
    "again, or ask your hub administrator to reset your password."
)
SIGN_IN_REFUSED_ADDRESS = (
    "There have been too many failed attempts to sign in from this network address. Wait {minutes} and "
    "try again."
)


def _throttle_key(username: str) -> str:
    return username.strip().lower()[:150]


def _minutes(until: datetime, now: datetime) -> str:
    minutes = max(1, math.ceil((until - now).total_seconds() / 60))
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


def sign_in_refusal(*, username: str, ip_address: str | None) -> str | None:
    """Why sign-in is refused now without looking at the password (too many recent failures for the
    username, or from the address), or None. Refused attempts are not failures: they do not extend
    the wait, which ends when the oldest counted failure leaves the window."""
    now = timezone.now()
    window = timedelta(minutes=settings.SIGN_IN_WINDOW_MINUTES)
    recent = FailedSignIn.objects.filter(at__gte=now - window).order_by("-at")
    checks = [
        (
            recent.filter(username=_throttle_key(username)),
            settings.SIGN_IN_MAX_FAILURES,
            SIGN_IN_REFUSED_USERNAME,
        )
    ]
    if ip_address:
        checks.append(
            (
                recent.filter(ip_address=ip_address),
                settings.SIGN_IN_MAX_FAILURES_PER_ADDRESS,
                SIGN_IN_REFUSED_ADDRESS,
            )
        )
    for failures, limit, message in checks:
        times = list(failures.values_list("at", flat=True)[:limit])
        if len(times) >= limit:
            return message.format(minutes=_minutes(times[-1] + window, now))
    return None


def sign_in_recorded(*, actor: Actor) -> None:
    assert actor.user is not None  # noqa: S101 - called after a successful sign-in
    FailedSignIn.objects.filter(username=_throttle_key(actor.user.get_username())).delete()
    audit_record(actor=actor, action=AuditAction.SIGNED_IN, obj=actor.user)


def sign_in_failed_recorded(*, actor: Actor, username: str, tried_password: bool = True) -> None:
    """Audit a failed sign-in; one where a password was tried also counts towards throttling."""
    if tried_password:
        FailedSignIn.objects.create(
            username=_throttle_key(username), ip_address=actor.ip_address, at=timezone.now()
        )
    audit_record(actor=actor, action=AuditAction.SIGN_IN_FAILED, detail={"username": username[:150]})


def sign_in_refused_recorded(*, actor: Actor, username: str, reason: str) -> None:
    audit_record(
        actor=actor,
        action=AuditAction.SIGN_IN_REFUSED,
        justification=reason,
        detail={"username": username[:150]},
    )


def sign_out_recorded(*, actor: Actor) -> None:
    audit_record(actor=actor, action=AuditAction.SIGNED_OUT, obj=actor.user)


def role_switch(*, actor: Actor, role: Role) -> None:
    audit_record(actor=actor, action=AuditAction.ROLE_SWITCHED, obj=actor.user, detail={"role": role.value})
