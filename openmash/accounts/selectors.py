from __future__ import annotations

from django.db.models import QuerySet

from openmash.accounts.models import User
from openmash.accounts.permissions import Perm, can
from openmash.audit.catalogue import AuditAction
from openmash.audit.services import audit_record
from openmash.core.actor import Actor


def users_for(*, actor: Actor) -> QuerySet[User]:
    """Everyone who uses the hub, for those who manage users; the read is audited."""
    if not can(actor.user, Perm.USERS_MANAGE):
        return User.objects.none()
    audit_record(actor=actor, action=AuditAction.USERS_VIEWED, object_type="accounts.user")
    return User.objects.select_related("agency").prefetch_related("role_grants")
