"""Screening, re-rating and every status change of a case."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from openmash.audit.catalogue import AuditAction
from openmash.audit.services import audit_record
from openmash.cases.models import (
    ENQUIRY_ROUTES,
    AgencyAsked,
    Case,
    CaseEvent,
    CaseStatus,
    ConsentPosition,
    Route,
)
from openmash.cases.transitions import TRANSITION_REFUSED, is_allowed
from openmash.core.actor import Actor
from openmash.core.concurrency import save_versioned
from openmash.core.errors import DomainError
from openmash.hub.models import Agency, RagRating, ThresholdIndicator, ThresholdLevel

NOT_NEW = "This case has already been screened."
NO_AGENCIES = "Select at least one agency to ask for information"
NO_REASON = "Give a reason for the RAG rating"
RERATE_NO_REASON = "Give a reason for changing the RAG rating"
RERATE_SAME = "The case is already rated {rag}."
RERATE_CLOSED = "A {status} case cannot be re-rated."


def case_transition(*, actor: Actor, case: Case, target: CaseStatus, reason: str = "") -> None:
    """Move a case along the allowed-transitions table; call inside the caller's transaction."""
    source = CaseStatus(case.status)
    if not is_allowed(source, target):
        raise DomainError(TRANSITION_REFUSED.format(source=source.label.lower(), target=target.label.lower()))
    now = timezone.now()
    values: dict[str, object] = {"status": target.value, "status_changed_at": now}
    if target == CaseStatus.CLOSED:
        values["closed_at"] = now
    save_versioned(case, expected_version=case.version, values=values, actor_user=actor.user)
    CaseEvent.objects.create(
        case=case,
        kind=CaseEvent.Kind.STATUS,
        from_value=source,
        to_value=target,
        reason=reason,
        at=now,
        created_by=actor.user,
    )
    audit_record(
        actor=actor,
        action=AuditAction.CASE_STATUS_CHANGED,
        obj=case,
        justification=reason,
        detail={"from": source.value, "to": target.value},
    )


def case_screen(
    *,
    actor: Actor,
    case: Case,
    expected_version: int,
    level: ThresholdLevel,
    indicators: list[ThresholdIndicator],
    rag: RagRating,
    rag_reason: str,
    consent_position: ConsentPosition,
    route: Route,
    agencies: list[Agency],
    notes: str = "",
) -> Case:
    """Record the screening; send information requests, or decide at once when no enquiry is needed."""
    from openmash.enquiries.services import requests_send

    if case.status != CaseStatus.NEW:
        raise DomainError(NOT_NEW)
    if not rag_reason.strip():
        raise DomainError(NO_REASON)
    if route in ENQUIRY_ROUTES and not agencies:
        raise DomainError(NO_AGENCIES)
    now = timezone.now()
    # Not durable: the screening page records consent in the same transaction, just before this.
    with transaction.atomic():
        save_versioned(
            case,
            expected_version=expected_version,
            values={
                "level": level,
                "rag": rag.value,
                "rag_reason": rag_reason,
                "consent_position": consent_position.value,
                "route": route.value,
                "screening_notes": notes,
                "screened_by": actor.user,
                "screened_at": now,
            },
            actor_user=actor.user,
        )
        case.indicators.set(indicators)
        audit_record(
            actor=actor,
            action=AuditAction.CASE_SCREENED,
            obj=case,
            persons=_persons(case),
            justification=rag_reason,
            detail={
                "level": level.number,
                "rag": rag.value,
                "route": route.value,
                "consent": consent_position.value,
                "agencies": sorted(a.name for a in agencies),
            },
        )
        if route in ENQUIRY_ROUTES:
            AgencyAsked.objects.bulk_create([AgencyAsked(case=case, agency=a) for a in agencies])
            case_transition(
                actor=actor, case=case, target=CaseStatus.INFORMATION_GATHERING, reason=route.label
            )
            requests_send(actor=actor, case=case, agencies=agencies, sent_at=now)
        else:
            from openmash.decisions.services import decision_at_screening

            decision_at_screening(actor=actor, case=case, route=route, level=level, rationale=rag_reason)
    return case


def case_rerate(*, actor: Actor, case: Case, expected_version: int, rag: RagRating, reason: str) -> Case:
    """Change the RAG rating; the deadlines of open requests are recomputed from when they were sent."""
    from openmash.enquiries.services import requests_recompute_deadlines

    if not reason.strip():
        raise DomainError(RERATE_NO_REASON)
    if case.status in (CaseStatus.NEW, CaseStatus.DECIDED, CaseStatus.CLOSED):
        raise DomainError(RERATE_CLOSED.format(status=CaseStatus(case.status).label.lower()))
    if case.rag == rag:
        raise DomainError(RERATE_SAME.format(rag=rag.label.lower()))
    before = case.rag
    with transaction.atomic(durable=True):
        save_versioned(
            case, expected_version=expected_version, values={"rag": rag.value}, actor_user=actor.user
        )
        CaseEvent.objects.create(
            case=case,
            kind=CaseEvent.Kind.RERATED,
            from_value=before,
            to_value=rag.value,
            reason=reason,
            at=timezone.now(),
            created_by=actor.user,
        )
        changed = requests_recompute_deadlines(case=case)
        audit_record(
            actor=actor,
            action=AuditAction.CASE_RERATED,
            obj=case,
            justification=reason,
            detail={"from": before, "to": rag.value, "deadlines": changed},
        )
    return case


def _persons(case: Case) -> list[str]:
    return [str(pk) for pk in case.referral.people.values_list("pk", flat=True)]
