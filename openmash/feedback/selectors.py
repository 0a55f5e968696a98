"""Which outcome notices a person may read: their own referrals' and those addressed to their agency."""

from __future__ import annotations

from uuid import UUID

from django.db.models import Q, QuerySet
from django.http import Http404

from openmash.accounts.models import User
from openmash.accounts.roles import Role
from openmash.feedback.models import OutcomeNotification, Recipient


def reads_outcomes(user: object) -> bool:
    """Referrers hear the outcome of their referrals; agency researchers, of the cases their agency helped."""
    return isinstance(user, User) and (user.has_role(Role.REFERRER) or user.has_role(Role.AGENCY_RESEARCHER))


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
            "case__referral",
            "case__decision",
            "case__decision__level",
            "case__decision__decided_by",
            "case__decision__lead_agency",
        )
        .order_by("-case__decision__decided_at", "-created_at")
    )


def outcome_notice_for(*, user: object, pk: UUID | str) -> OutcomeNotification:
    """One notice the person may read, or 404 (a notice's existence says a case exists)."""
    notice = outcome_notices_for(user).filter(pk=pk).first()
    if notice is None:
        raise Http404("No such outcome")
    return notice


def unread_outcome_count(user: object) -> int:
    return outcome_notices_for(user).filter(read_at__isnull=True).count()
