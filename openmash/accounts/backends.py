"""Signing in with a username and password, as Django's ModelBackend does, loading the person's agency
and the roles granted to them in the same query: nearly every page names the agency and checks a role."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ValidationError
from django.db.models import OuterRef, QuerySet, StringAgg, Subquery, TextField, Value
from django.db.models.functions import Coalesce

from openmash.accounts.models import ROLES_READ, RoleGrant, User
from openmash.core.prepared import Param, Prepared


def _signed_in() -> QuerySet[User]:
    granted = (
        RoleGrant.objects.filter(user=OuterRef("pk"))
        .order_by()
        .values("user")
        .annotate(roles=StringAgg("role", delimiter=Value(",")))
        .values("roles")
    )
    return (
        User._default_manager.select_related("agency")
        .annotate(**{ROLES_READ: Coalesce(Subquery(granted), Value(""), output_field=TextField())})
        .filter(pk=Param("pk", User._meta.pk))
        .order_by()[:1]  # by key: no ORDER BY to compile (see access.enforce.load)
    )


# Read on every page a person signed in sees: its SQL is compiled once (ADR 0040).
_SIGNED_IN = Prepared(_signed_in)


class AccountBackend(ModelBackend):
    def get_user(self, user_id: Any) -> User | None:
        try:
            user = _SIGNED_IN.first(pk=user_id)
        except ValidationError:  # a session holding something that is not a user's key
            return None
        return user if user is not None and self.user_can_authenticate(user) else None
