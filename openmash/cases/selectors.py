"""Reads about referrals for the people who made them. Who may see which case is the access policy's
answer (`openmash.access.policy`), never this module's."""

from __future__ import annotations

from django.db.models import QuerySet

from openmash.accounts.models import User
from openmash.accounts.roles import Role
from openmash.referrals.models import Referral


def referrals_made_by(user: object) -> QuerySet[Referral]:
    if not isinstance(user, User) or not user.has_role(Role.REFERRER):
        return Referral.objects.none()
    return Referral.objects.filter(made_by=user).select_related("case").order_by("-received_at")
