"""Front-door routing to a specialist team: the team accepts (and the case may close, once its outcome
notices are settled too) or sends it back with a reason, and the screening manager routes it again."""

from __future__ import annotations

from django.db import transaction

from openmash.audit.catalogue import AuditAction
from openmash.audit.services import audit_record
from openmash.cases.destroyed import check_not_destroyed
from openmash.cases.models import Case, CaseStatus
from openmash.core.actor import Actor
from openmash.core.errors import DomainError
from openmash.feedback.delivery import close_if_settled
from openmash.hub.models import Team
from openmash.teams.models import Routing, RoutingStatus
from openmash.teams.services import routing_accept, routing_start

REROUTE_NOT_SENT_BACK = "Only a case a team sent back is routed again"
REROUTE_NO_TEAM = "Select the team to route the case to"
REROUTE_NO_REASON = "Explain why this team should take the case"


def routed_case_accept(*, actor: Actor, routing: Routing, expected_version: int) -> Routing:
    """The team accepts the case; the case closes now if every outcome notice is already settled."""
    check_not_destroyed(routing.case_id)
    with transaction.atomic(durable=True):
        routing_accept(actor=actor, routing=routing, expected_version=expected_version)
        close_if_settled(actor=actor, case=routing.case)
    return routing


def case_route_again(*, actor: Actor, case: Case, team: Team | None, reason: str) -> Routing:
    """A team sent the case back: the screening manager hands it to another team, with the reason."""
    check_not_destroyed(case.pk)
    if team is None:
        raise DomainError(REROUTE_NO_TEAM)
    if not reason.strip():
        raise DomainError(REROUTE_NO_REASON)
    if case.status != CaseStatus.DECIDED or not case.routings.exists():
        raise DomainError(REROUTE_NOT_SENT_BACK)
    if case.routings.exclude(status=RoutingStatus.SENT_BACK).exists():
        raise DomainError(REROUTE_NOT_SENT_BACK)
    with transaction.atomic(durable=True):
        routing = routing_start(actor=actor, case=case, team=team)
        audit_record(
            actor=actor,
            action=AuditAction.CASE_STATUS_CHANGED,
            obj=case,
            justification=reason,
            detail={"routed_again_to": team.name},
        )
    return routing
