"""Which cases, referrals and requests a person may see. Every view reads through these."""

from __future__ import annotations

from uuid import UUID

from django.db.models import Q, QuerySet
from django.http import Http404

from openmash.accounts.models import User
from openmash.accounts.permissions import Perm, can
from openmash.accounts.roles import Role
from openmash.audit.catalogue import AuditAction
from openmash.audit.services import audit_record
from openmash.cases.models import Case
from openmash.core.actor import Actor
from openmash.enquiries.models import InformationRequest
from openmash.referrals.models import Referral


def cases_visible_to(user: object) -> QuerySet[Case]:
    """Hub staff see every case; an agency sees the cases it was asked about; a referrer sees their own."""
    if not isinstance(user, User) or not user.is_active:
        return Case.objects.none()
    base = Case.objects.select_related("referral", "level")
    if can(user, Perm.CASE_VIEW_ALL):
        return base
    scope = Q(pk__in=[])
    if user.has_role(Role.AGENCY_RESEARCHER):
        scope |= Q(agencies_asked__agency=user.agency)
    if user.has_role(Role.REFERRER):
        scope |= Q(referral__made_by=user)
    return base.filter(scope).distinct()


def case_for(*, actor: Actor, pk: UUID | str, purpose: str = "view") -> Case:
    """One case the actor may see, or 404 (not 403: a case's existence is itself personal data)."""
    case = cases_visible_to(actor.user).filter(pk=pk).first()
    if case is None:
        raise Http404("No such case")
    audit_record(
        actor=actor,
        action=AuditAction.CASE_VIEWED,
        obj=case,
        persons=[str(p) for p in case.referral.people.values_list("pk", flat=True)],
        detail={"purpose": purpose},
    )
    return case


def sees_whole_case(user: object, case: Case) -> bool:
    """Hub staff and agencies asked see the referral's detail; a referrer only their referral and outcome."""
    if not isinstance(user, User):
        return False
    if can(user, Perm.CASE_VIEW_ALL):
        return True
    return user.has_role(Role.AGENCY_RESEARCHER) and case.agencies_asked.filter(agency=user.agency).exists()


def referrals_made_by(user: object) -> QuerySet[Referral]:
    if not isinstance(user, User) or not user.has_role(Role.REFERRER):
        return Referral.objects.none()
    return Referral.objects.filter(made_by=user).select_related("case").order_by("-received_at")


def requests_for_agency(user: object) -> QuerySet[InformationRequest]:
    """The requests addressed to the researcher's own agency, and no other."""
    if not isinstance(user, User) or not user.has_role(Role.AGENCY_RESEARCHER):
        return InformationRequest.objects.none()
    return InformationRequest.objects.filter(agency=user.agency).select_related(
        "case", "case__referral", "agency"
    )


def request_for(*, actor: Actor, pk: UUID | str) -> InformationRequest:
    request = requests_for_agency(actor.user).filter(pk=pk).first()
    if request is None:
        raise Http404("No such request")
    audit_record(
        actor=actor,
        action=AuditAction.REQUEST_VIEWED,
        obj=request,
        persons=[str(p) for p in request.case.referral.people.values_list("pk", flat=True)],
        detail={"case": request.case.reference},
    )
    return request
