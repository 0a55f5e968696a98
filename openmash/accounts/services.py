"""State changes for people who use OpenMASH; each writes its audit event in the same transaction."""

from __future__ import annotations

import logging
import math
from datetime import datetime, timedelta
from functools import partial
from uuid import UUID

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from openmash.accounts.models import FailedSignIn, GrantOutcome, PendingRoleGrant, RoleGrant, User
from openmash.accounts.permissions import Perm, can
from openmash.accounts.roles import APPROVAL_ROLES, Role, role_allowed_in
from openmash.accounts.selectors import ig_officer_addresses
from openmash.audit.catalogue import AuditAction
from openmash.audit.services import audit_record
from openmash.core.actor import Actor
from openmash.core.errors import DomainError
from openmash.hub.models import Agency, AgencyKind

log = logging.getLogger(__name__)

ROLE_NOT_IN_AGENCY = "{role} can only be held by someone in {kinds}."
USERNAME_TAKEN = "A user with this username already exists."
GRANT_REASON_NEEDED = "Enter why {person} needs the {roles}"
GRANT_NOT_ADMIN = "Only a hub administrator can approve or refuse a role grant."
GRANT_OWN_REQUEST = (
    "You asked for this role to be given, so you cannot approve it: another hub administrator must."
)
GRANT_TO_SELF = (
    "This grant would give you the role, so you cannot approve it: another hub administrator must."
)
GRANT_ALREADY_DECIDED = "This role grant has already been {outcome} by {person}."
GRANT_REFUSAL_REASON_NEEDED = "Enter why you are refusing this role grant"


class GrantReasonNeededError(DomainError):
    """A person gave a role that needs approval without saying why."""


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
    reason: str = "",
) -> User:
    """Add a user. The system (demo loader, set-up commands, tests) gives every role at once; a person
    adding a user gives the roles in APPROVAL_ROLES only as requests a second administrator approves."""
    if User.objects.filter(username__iexact=username).exists():
        raise DomainError(USERNAME_TAKEN)
    _check_roles(roles, agency)
    now, waiting = _split_for_approval(actor=actor, roles=roles)
    _check_grant_reason(person=f"{first_name} {last_name}".strip() or username, roles=waiting, reason=reason)
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
        RoleGrant.objects.bulk_create([RoleGrant(user=user, role=r, granted_by=actor.user) for r in now])
        detail: dict[str, object] = {
            "username": username,
            "agency": agency.name,
            "roles": [r.value for r in now],
        }
        if waiting:
            detail["waiting_for_approval"] = [r.value for r in waiting]
        audit_record(actor=actor, action=AuditAction.USER_CREATED, obj=user, detail=detail)
        _role_grants_request(actor=actor, user=user, roles=waiting, reason=reason)
    return user


HUB_ADMIN_WRONG_AGENCY = (
    "{username} already exists in {agency}, not in {wanted}: give them the role from the Users page, "
    "or choose another username."
)
HUB_ADMIN_NEEDS_PASSWORD = "{username} has no password yet: give one to make them a hub administrator."  # noqa: S105


def hub_administrator_ensure(
    *,
    actor: Actor,
    username: str,
    email: str,
    agency: Agency,
    password: str | None,
    first_name: str = "",
    last_name: str = "",
) -> tuple[User, bool]:
    """Make a hub administrator in `agency` (the hub's first, or its second at set-up): a new user with
    the role, or an existing user of that agency given the role (and a new password when one is given).
    The password must pass the hub's password validators (AUTH_PASSWORD_VALIDATORS), as everywhere
    else; a weak one raises ValidationError. Audited. Returns the user and whether it was created."""
    user = User.objects.filter(username__iexact=username).select_related("agency").first()
    if user is not None and user.agency_id != agency.pk:
        raise DomainError(
            HUB_ADMIN_WRONG_AGENCY.format(username=user.username, agency=user.agency, wanted=agency)
        )
    if password is not None:
        candidate = user or User(
            username=username, email=email, first_name=first_name, last_name=last_name, agency=agency
        )
        validate_password(password, user=candidate)
    if user is None:
        if password is None:
            raise DomainError(HUB_ADMIN_NEEDS_PASSWORD.format(username=username))
        created = user_create(
            actor=actor,
            username=username,
            email=email,
            first_name=first_name,
            last_name=last_name,
            agency=agency,
            roles=[Role.HUB_ADMINISTRATOR],
            password=password,
        )
        return created, True
    if password is None and not user.has_usable_password():
        raise DomainError(HUB_ADMIN_NEEDS_PASSWORD.format(username=user.username))
    with transaction.atomic(durable=True):
        if password is not None:
            user.set_password(password)
            user.save(update_fields=["password"])
            audit_record(actor=actor, action=AuditAction.USER_CHANGED, obj=user, detail={"password": "set"})
        if not user.is_active:
            user.is_active = True
            user.save(update_fields=["is_active"])
            audit_record(actor=actor, action=AuditAction.USER_CHANGED, obj=user, detail={"active": True})
        if not user.role_grants.filter(role=Role.HUB_ADMINISTRATOR).exists():
            RoleGrant.objects.create(user=user, role=Role.HUB_ADMINISTRATOR, granted_by=actor.user)
            audit_record(
                actor=actor,
                action=AuditAction.ROLE_GRANTED,
                obj=user,
                detail={"role": Role.HUB_ADMINISTRATOR.value},
            )
    user._held_roles = None
    return user, False


def user_set_roles(
    *, actor: Actor, user: User, roles: list[Role], reason: str = ""
) -> list[PendingRoleGrant]:
    """Give and take away roles so the person holds `roles`. Taking away, and giving roles outside
    APPROVAL_ROLES, apply at once. When a person (not the system) gives a role in APPROVAL_ROLES it is
    recorded as a request that a second hub administrator must approve; returns the requests waiting
    for the roles asked for (new ones, and any already waiting)."""
    _check_roles(roles, user.agency)
    held = set(user.role_grants.values_list("role", flat=True))
    wanted = {r.value for r in roles}
    now, waiting = _split_for_approval(actor=actor, roles=[Role(r) for r in sorted(wanted - held)])
    already = {
        g.role: g for g in user.pending_role_grants.filter(outcome=GrantOutcome.PENDING, role__in=waiting)
    }
    new = [r for r in waiting if r.value not in already]
    _check_grant_reason(person=str(user), roles=new, reason=reason)
    with transaction.atomic(durable=True):
        for role in now:
            RoleGrant.objects.create(user=user, role=role, granted_by=actor.user)
            audit_record(actor=actor, action=AuditAction.ROLE_GRANTED, obj=user, detail={"role": role.value})
        for revoked in sorted(held - wanted):
            RoleGrant.objects.filter(user=user, role=revoked).delete()
            audit_record(actor=actor, action=AuditAction.ROLE_REVOKED, obj=user, detail={"role": revoked})
        requested = _role_grants_request(actor=actor, user=user, roles=new, reason=reason)
    user._held_roles = None
    return sorted([*already.values(), *requested], key=lambda g: list(Role).index(Role(g.role)))


def _split_for_approval(*, actor: Actor, roles: list[Role]) -> tuple[list[Role], list[Role]]:
    """The roles to give at once and those that wait for approval: only a person's grants wait."""
    if actor.user is None:
        return list(roles), []
    return [r for r in roles if r not in APPROVAL_ROLES], [r for r in roles if r in APPROVAL_ROLES]


def _check_grant_reason(*, person: str, roles: list[Role], reason: str) -> None:
    if roles and not reason.strip():
        names = " and ".join(r.label.lower() for r in roles) + (" role" if len(roles) == 1 else " roles")
        raise GrantReasonNeededError(GRANT_REASON_NEEDED.format(person=person, roles=names))


def _role_grants_request(
    *, actor: Actor, user: User, roles: list[Role], reason: str
) -> list[PendingRoleGrant]:
    """Record requests for roles that wait for approval, audited; the IG officers are told on commit."""
    if not roles:
        return []
    assert actor.user is not None  # noqa: S101 - only a person's grants wait (_split_for_approval)
    requested = [
        PendingRoleGrant.objects.create(user=user, role=role, reason=reason.strip(), requested_by=actor.user)
        for role in roles
    ]
    for grant in requested:
        audit_record(
            actor=actor,
            action=AuditAction.ROLE_GRANT_REQUESTED,
            obj=user,
            detail={"role": grant.role, "grant": str(grant.pk), "reason": grant.reason},
        )
    transaction.on_commit(partial(role_grants_announce, grant_ids=[g.pk for g in requested]))
    return requested


def _deciding_administrator(actor: Actor) -> User:
    if actor.user is None or not can(actor.user, Perm.USERS_MANAGE):
        raise DomainError(GRANT_NOT_ADMIN)
    return actor.user


def _undecided(grant: PendingRoleGrant) -> PendingRoleGrant:
    """The grant as it is now, locked until the decision commits; refused if already decided."""
    current = (
        PendingRoleGrant.objects.select_for_update(of=("self",))
        .select_related("user__agency", "requested_by", "decided_by")
        .get(pk=grant.pk)
    )
    if current.outcome != GrantOutcome.PENDING:
        raise DomainError(
            GRANT_ALREADY_DECIDED.format(
                outcome=current.get_outcome_display().lower(), person=current.decided_by
            )
        )
    return current


def role_grant_approve(*, actor: Actor, grant: PendingRoleGrant, reason: str = "") -> PendingRoleGrant:
    """A second hub administrator approves a waiting grant: the person holds the role from now on.
    Neither the administrator who asked for it nor the person who would hold it may approve it."""
    approver = _deciding_administrator(actor)
    with transaction.atomic(durable=True):
        current = _undecided(grant)
        if current.requested_by_id == approver.pk:
            raise DomainError(GRANT_OWN_REQUEST)
        if current.user_id == approver.pk:
            raise DomainError(GRANT_TO_SELF)
        role = Role(current.role)
        _check_roles([role], current.user.agency)
        current.outcome = GrantOutcome.APPROVED
        current.decided_by = approver
        current.decided_at = timezone.now()
        current.decision_reason = reason.strip()
        current.save(update_fields=["outcome", "decided_by", "decided_at", "decision_reason"])
        RoleGrant.objects.get_or_create(user=current.user, role=role.value, defaults={"granted_by": approver})
        audit_record(
            actor=actor,
            action=AuditAction.ROLE_GRANT_APPROVED,
            obj=current.user,
            detail={
                "role": role.value,
                "grant": str(current.pk),
                "requested_by": current.requested_by.get_username(),
                "reason": current.decision_reason,
            },
        )
        transaction.on_commit(partial(role_grants_announce, grant_ids=[current.pk]))
    current.user._held_roles = None
    grant.user._held_roles = None
    return current


def role_grant_refuse(*, actor: Actor, grant: PendingRoleGrant, reason: str) -> PendingRoleGrant:
    """A hub administrator refuses a waiting grant (the one who asked may, to withdraw it): the role
    stays ungiven."""
    decider = _deciding_administrator(actor)
    if not reason.strip():
        raise DomainError(GRANT_REFUSAL_REASON_NEEDED)
    with transaction.atomic(durable=True):
        current = _undecided(grant)
        current.outcome = GrantOutcome.REFUSED
        current.decided_by = decider
        current.decided_at = timezone.now()
        current.decision_reason = reason.strip()
        current.save(update_fields=["outcome", "decided_by", "decided_at", "decision_reason"])
        audit_record(
            actor=actor,
            action=AuditAction.ROLE_GRANT_REFUSED,
            obj=current.user,
            detail={
                "role": current.role,
                "grant": str(current.pk),
                "requested_by": current.requested_by.get_username(),
                "reason": current.decision_reason,
            },
        )
        transaction.on_commit(partial(role_grants_announce, grant_ids=[current.pk]))
    return current


def role_grants_announce(*, grant_ids: list[UUID]) -> int:
    """E-mail the hub's information governance officers about requests for (or decisions on) grants of
    one person's roles: who asked, for whom, which roles, and the outcome. Returns how many were told;
    a failure to send is logged, not raised (the audit trail holds the event either way)."""
    grants = list(
        PendingRoleGrant.objects.filter(pk__in=grant_ids)
        .select_related("user__agency", "requested_by", "decided_by")
        .order_by("role")
    )
    recipients = ig_officer_addresses()
    if not grants or not recipients:
        if grants:
            log.warning("no information governance officer to tell about role grants %s", grant_ids)
        return 0
    first = grants[0]
    roles = " and ".join(g.get_role_display().lower() for g in grants)
    roles += " role" if len(grants) == 1 else " roles"
    subjects = {
        GrantOutcome.PENDING: "OpenMASH: {roles} requested for {person}, waiting for approval",
        GrantOutcome.APPROVED: "OpenMASH: {roles} approved for {person}",
        GrantOutcome.REFUSED: "OpenMASH: {roles} refused for {person}",
    }
    subject = subjects[GrantOutcome(first.outcome)].format(roles=roles, person=first.user)
    body = render_to_string(
        "accounts/role_grant_email.txt", {"grants": grants, "grant": first, "roles": roles}
    )
    try:
        send_mail(subject=subject, message=body, from_email=None, recipient_list=recipients)
    except Exception as failure:  # noqa: BLE001 - the grant stands; the failure is logged for follow-up
        log.warning("role grant e-mail to information governance officers failed: %s", failure)
        return 0
    return len(recipients)


def _check_roles(roles: list[Role], agency: Agency) -> None:
    from openmash.accounts.roles import ROLE_AGENCY_KINDS

    for role in roles:
        if not role_allowed_in(role, agency.kind):
            kinds = ", ".join(AgencyKind(k).label.lower() for k in sorted(ROLE_AGENCY_KINDS[role] or ()))
            raise DomainError(ROLE_NOT_IN_AGENCY.format(role=role.label, kinds=kinds))


SIGN_IN_REFUSED_USERNAME = (
    "There have been too many failed attempts to sign in with this username. Wait {minutes} and try "
    "again, or ask your hub administrator to reset your password."
)
SIGN_IN_REFUSED_ADDRESS = (
    "There have been many failed attempts to sign in from this network address. Wait {seconds} and try again."
)


def _throttle_key(username: str) -> str:
    return username.strip().lower()[:150]


def _minutes(until: datetime, now: datetime) -> str:
    minutes = max(1, math.ceil((until - now).total_seconds() / 60))
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


def address_delay(failures: int) -> float:
    """Seconds an address must wait after its latest failure, having `failures` in the window: none
    up to SIGN_IN_MAX_FAILURES_PER_ADDRESS, then SIGN_IN_ADDRESS_DELAY_SECONDS doubling with each
    further failure, capped at SIGN_IN_ADDRESS_DELAY_MAX_SECONDS."""
    excess = failures - settings.SIGN_IN_MAX_FAILURES_PER_ADDRESS
    if excess < 0:
        return 0.0
    cap = float(settings.SIGN_IN_ADDRESS_DELAY_MAX_SECONDS)
    return min(cap, settings.SIGN_IN_ADDRESS_DELAY_SECONDS * 2.0 ** min(excess, 64))


def sign_in_refusal(*, username: str, ip_address: str | None) -> str | None:
    """Why sign-in is refused now without looking at the password, or None.

    * The username: SIGN_IN_MAX_FAILURES failures for it (from anywhere) in the window refuse it
      until the oldest leaves the window; this protects one account from guessing.
    * The address: past SIGN_IN_MAX_FAILURES_PER_ADDRESS failures from it in the window, each further
      attempt waits a growing interval after its latest failure (see ``address_delay``). A whole hub
      may share one address behind a proxy, so this slows guessing there without shutting out the
      people who work there: their right password works once the short wait has passed.

    Refused attempts are not failures: they neither extend a wait nor lengthen the next one."""
    now = timezone.now()
    window = timedelta(minutes=settings.SIGN_IN_WINDOW_MINUTES)
    recent = FailedSignIn.objects.filter(at__gte=now - window).order_by("-at")
    limit = settings.SIGN_IN_MAX_FAILURES
    times = list(recent.filter(username=_throttle_key(username)).values_list("at", flat=True)[:limit])
    if len(times) >= limit:
        return SIGN_IN_REFUSED_USERNAME.format(minutes=_minutes(times[-1] + window, now))
    if ip_address:
        from_address = recent.filter(ip_address=ip_address)
        count = from_address.count()
        delay = address_delay(count)
        latest = from_address.values_list("at", flat=True).first() if delay else None
        if latest is not None:
            wait = (latest + timedelta(seconds=delay) - now).total_seconds()
            if wait > 0:
                seconds = max(1, math.ceil(wait))
                return SIGN_IN_REFUSED_ADDRESS.format(
                    seconds=f"{seconds} second{'s' if seconds != 1 else ''}"
                )
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
