"""Handing a case to a specialist team, and the team's answer: accepted, or sent back with a reason."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from openmash.audit.catalogue import AuditAction
from openmash.audit.services import audit_record
from openmash.cases.destroyed import check_not_destroyed
from openmash.cases.models import Case, Route
from openmash.core.actor import Actor
from openmash.core.concurrency import save_versioned
from openmash.core.errors import DomainError
from openmash.hub.models import Team
from openmash.teams.models import ROUTE_SPECIALISMS, Routing, RoutingStatus
from openmash.teams.tasks import notify_team

NOT_A_MEMBER = "Only a member of the {team} answers for it"
NOT_WAITING = "This case has already been answered by the team"
NO_SEND_BACK_REASON = "Explain why the team is sending the case back"
ALREADY_ROUTED = "This case is already with the {team}"


def team_for_route(route: Route | str) -> Team | None:
    """The active team that takes a front-door route, if the hub has one."""
    specialism = ROUTE_SPECIALISMS.get(route)
    if specialism is None:
        return None
    return Team.objects.filter(specialism=specialism, is_active=True).order_by("name").first()


def routing_start(*, actor: Actor, case: Case, team: Team) -> Routing:
    """Hand the case to the team; its members are told once the hand-off commits. Call inside the
    caller's transaction (screening, triage or routing again)."""
    check_not_destroyed(case.pk)
    live = case.routings.exclude(status=RoutingStatus.SENT_BACK).select_related("team").first()
    if live is not None:
        raise DomainError(ALREADY_ROUTED.format(team=live.team.name))
    if actor.user is None:
        raise DomainError("A case is routed by a person")
    routing = Routing.objects.create(
        case=case, team=team, routed_at=timezone.now(), routed_by=actor.user, created_by=actor.user
    )
    audit_record(
        actor=actor,
        action=AuditAction.CASE_ROUTED,
        obj=routing,
        detail={"case": case.reference, "team": team.name},
    )
    routing_id = str(routing.pk)
    transaction.on_commit(lambda: notify_team.enqueue(routing_id))
    return routing


def _check(actor: Actor, routing: Routing) -> None:
    if actor.user is None or not routing.team.members.filter(pk=actor.user.pk).exists():
        raise DomainError(NOT_A_MEMBER.format(team=routing.team.name))
    if routing.status != RoutingStatus.WAITING:
        raise DomainError(NOT_WAITING)


def routing_accept(*, actor: Actor, routing: Routing, expected_version: int) -> Routing:
    """A member accepts the case for the team. Call inside the caller's transaction."""
    check_not_destroyed(routing.case_id)
    _check(actor, routing)
    save_versioned(
        routing,
        expected_version=expected_version,
        values={"status": RoutingStatus.ACCEPTED, "answered_at": timezone.now(), "answered_by": actor.user},
        actor_user=actor.user,
    )
    audit_record(
        actor=actor,
        action=AuditAction.ROUTING_ACCEPTED,
        obj=routing,
        detail={"case": routing.case.reference, "team": routing.team.name},
    )
    return routing


def routing_send_back(*, actor: Actor, routing: Routing, expected_version: int, reason: str) -> Routing:
    """A member sends the case back to the front door with the reason; the case stays open."""
    check_not_destroyed(routing.case_id)
    reason = reason.strip()
    if not reason:
        raise DomainError(NO_SEND_BACK_REASON)
    _check(actor, routing)
    with transaction.atomic(durable=True):
        save_versioned(
            routing,
            expected_version=expected_version,
            values={
                "status": RoutingStatus.SENT_BACK,
                "answered_at": timezone.now(),
                "answered_by": actor.user,
                "sent_back_reason": reason,
            },
            actor_user=actor.user,
        )
        audit_record(
            actor=actor,
            action=AuditAction.ROUTING_SENT_BACK,
            obj=routing,
            justification=reason,
            detail={"case": routing.case.reference, "team": routing.team.name},
        )
    return routing
