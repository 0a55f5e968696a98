"""Which outcome notices a person may read: their own referrals' and those addressed to their agency."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from openmash.accounts.models import User
from openmash.accounts.roles import Role
from openmash.feedback.models import OutcomeNotification, Recipient


def outcome_notices_for(user: object) -> QuerySet[OutcomeNotification]:
    """A referrer's notices about their own referrals, and a researcher's notices to their own agency."""
    if not isinstance(user, User) or not user.is_active:
        return OutcomeNotification.objects.none()
    scope = Q(pk__in=[])
    if user.has_role(Role.REFERRER):
        scope |= Q(recipient=Recipient.REFERRER, case__referral__made_by=user)
    if user.has_role(Role.AGENCY_RESEARCHER):
        scope |= Q(recipient=Recipient.AGENCY, agency=user.agency)
    return (
        OutcomeNotification.objects.filter(scope)
        .filter(case__decision__isnull=False)
        .select_related(
            "agency",
            "case",
            "case__destruction",
            "case__referral",
            "case__decision",
            "case__decision__level",
            "case__decision__decided_by",
            "case__decision__lead_agency",
        )
        .prefetch_related("challenges")
        .order_by("-case__decision__decided_at", "-created_at")
    )


def unread_outcome_count(user: object) -> int:
    """The notices the person has not read yet; never one on a destroyed case, which is never marked read."""
    return outcome_notices_for(user).filter(read_at__isnull=True, case__destruction__isnull=True).count()
