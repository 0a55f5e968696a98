"""Signing in with a username and password, as Django's ModelBackend does, loading the person's agency
and the roles granted to them in the same query: nearly every page names the agency and checks a role."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.db.models import OuterRef, StringAgg, Subquery, TextField, Value
from django.db.models.functions import Coalesce

from openmash.accounts.models import ROLES_READ, RoleGrant, User


class AccountBackend(ModelBackend):
    def get_user(self, user_id: Any) -> User | None:
        granted = (
            RoleGrant.objects.filter(user=OuterRef("pk"))
            .order_by()
            .values("user")
            .annotate(roles=StringAgg("role", delimiter=Value(",")))
            .values("roles")
        )
        found = (
            User._default_manager.select_related("agency")
            .annotate(**{ROLES_READ: Coalesce(Subquery(granted), Value(""), output_field=TextField())})
            .filter(pk=user_id)
            .order_by()[:1]  # by key: no ORDER BY to compile (see access.enforce.load)
        )
        user = next(iter(found), None)
        return user if user is not None and self.user_can_authenticate(user) else None
