"""The triage list (the hub's rule `screen_all_referrals` off): notifications of the kind the hub
chose wait here instead of the screening queue, and a screening manager records one quick decision for
many at once. Each case is still screened, and audited, on its own; all or none are recorded."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import models, transaction

from openmash.audit.catalogue import AuditAction
from openmash.audit.services import audit_record
from openmash.cases.destroyed import check_not_destroyed
from openmash.cases.models import Case, CaseStatus, ConsentPosition, Route
from openmash.cases.services import _persons
from openmash.casework.screening import case_screen
from openmash.core.actor import Actor
from openmash.core.concurrency import save_versioned
from openmash.core.errors import DomainError
from openmash.hub.models import RagRating, Team, ThresholdLevel
from openmash.teams.models import SPECIALISM_ROUTES

NO_CASES = "Select the notifications to triage"
NO_TRIAGE_REASON = "Give the reason for the decision"
NO_TEAM = "Select the team"
NOT_IN_TRIAGE = "{reference} is no longer on the triage list"


class TriageChoice(models.TextChoices):
    NFA = "nfa", "No further action: signpost, information shared with the family's services"
    TEAM = "team", "Route to a specialist team"
    SCREEN = "screen", "Screen in full: move to the screening queue"


def triage_decide(
    *,
    actor: Actor,
    cases: Sequence[Case],
    choice: TriageChoice,
    level: ThresholdLevel,
    reason: str,
    team: Team | None = None,
) -> int:
    """Record one quick decision for each of the cases; returns how many were decided."""
    if not cases:
        raise DomainError(NO_CASES)
    if not reason.strip():
        raise DomainError(NO_TRIAGE_REASON)
    if choice == TriageChoice.TEAM and team is None:
        raise DomainError(NO_TEAM)
    with transaction.atomic(durable=True):
        for case in cases:
            check_not_destroyed(case.pk)
            case.refresh_from_db()
            if not case.in_triage or case.status != CaseStatus.NEW:
                raise DomainError(NOT_IN_TRIAGE.format(reference=case.reference))
            audit_record(
                actor=actor,
                action=AuditAction.CASE_TRIAGED,
                obj=case,
                persons=_persons(case),
                justification=reason,
                detail={
                    "case": case.reference,
                    "choice": choice.value,
                    "team": team.name if team else "",
                    "batch": len(cases),
                },
            )
            if choice == TriageChoice.SCREEN:
                save_versioned(
                    case, expected_version=case.version, values={"in_triage": False}, actor_user=actor.user
                )
                continue
            route = Route.NFA if choice == TriageChoice.NFA else SPECIALISM_ROUTES[team.specialism]  # type: ignore[union-attr]
            case_screen(
                actor=actor,
                case=case,
                expected_version=case.version,
                level=level,
                indicators=[],
                rag=RagRating.GREEN,
                rag_reason=f"Triage: {reason}",
                consent_position=ConsentPosition.TO_BE_SOUGHT,
                route=route,
                agencies=[],
                team=team if choice == TriageChoice.TEAM else None,
            )
    return len(cases)
