from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from openmash.accounts.models import GrantOutcome, PendingRoleGrant, User
from openmash.accounts.permissions import Perm, can
from openmash.accounts.roles import Role, role_allowed_in
from openmash.audit.catalogue import AuditAction
from openmash.audit.services import audit_record
from openmash.core.actor import Actor
from openmash.hub.models import AgencyKind


def users_for(*, actor: Actor) -> QuerySet[User]:
    """Everyone who uses the hub, for those who manage users; the read is audited."""
    if not can(actor.user, Perm.USERS_MANAGE):
        return User.objects.none()
    audit_record(actor=actor, action=AuditAction.USERS_VIEWED, object_type="accounts.user")
    return User.objects.select_related("agency").prefetch_related(
        "role_grants",
        Prefetch(
            "pending_role_grants",
            queryset=PendingRoleGrant.objects.filter(outcome=GrantOutcome.PENDING),
            to_attr="waiting_grants",
        ),
    )


def hub_administrators() -> list[User]:
    """Everyone who can act as a hub administrator now (active, holding the role in their agency)."""
    admins = User.objects.filter(is_active=True, role_grants__role=Role.HUB_ADMINISTRATOR).select_related(
        "agency"
    )
    return [u for u in admins.distinct() if role_allowed_in(Role.HUB_ADMINISTRATOR, u.agency.kind)]


def grant_approvers(*, grant: PendingRoleGrant, administrators: list[User]) -> list[User]:
    """The hub administrators who may approve this grant: not the one who asked, nor the grantee."""
    return [a for a in administrators if a.pk not in (grant.requested_by_id, grant.user_id)]


def pending_role_grants_for(*, actor: Actor) -> QuerySet[PendingRoleGrant]:
    """Role grants waiting for a second hub administrator's approval, oldest first."""
    if not can(actor.user, Perm.USERS_MANAGE):
        return PendingRoleGrant.objects.none()
    return (
        PendingRoleGrant.objects.filter(outcome=GrantOutcome.PENDING)
        .select_related("user__agency", "requested_by")
        .order_by("requested_at")
    )


def decided_role_grants_for(*, actor: Actor, limit: int = 20) -> list[PendingRoleGrant]:
    """The most recently approved or refused role grants, newest first."""
    if not can(actor.user, Perm.USERS_MANAGE):
        return []
    return list(
        PendingRoleGrant.objects.exclude(outcome=GrantOutcome.PENDING)
        .select_related("user__agency", "requested_by", "decided_by")
        .order_by("-decided_at")[:limit]
    )


def ig_officer_addresses() -> list[str]:
    """E-mail addresses of the hub's information governance officers: active people holding the role
    in children's social care (the hub's own agency)."""
    addresses = (
        User.objects.filter(
            is_active=True,
            role_grants__role=Role.IG_OFFICER,
            agency__kind=AgencyKind.CHILDRENS_SOCIAL_CARE,
        )
        .exclude(email="")
        .order_by("email")
        .values_list("email", flat=True)
        .distinct()
    )
    return list(addresses)
