"""Screening, re-rating and every status change of a case."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from openmash.audit.catalogue import AuditAction
from openmash.audit.services import audit_record
from openmash.cases.destroyed import check_not_destroyed
from openmash.cases.models import (
    Case,
    CaseEvent,
    CaseStatus,
)
from openmash.cases.transitions import TRANSITION_REFUSED, is_allowed
from openmash.core.actor import Actor
from openmash.core.concurrency import save_versioned
from openmash.core.errors import DomainError
from openmash.core.worktime import WorkingCalendar
from openmash.hub.selectors import hub_calendar, hub_configuration
from openmash.referrals.models import Referral

NOT_NEW = "This case has already been screened."
NO_AGENCIES = "Select at least one agency to ask for information"
NO_REASON = "Give a reason for the RAG rating"
RERATE_NO_REASON = "Give a reason for changing the RAG rating"
RERATE_SAME = "The case is already rated {rag}."
RERATE_CLOSED = "A {status} case cannot be re-rated."


def case_transition(*, actor: Actor, case: Case, target: CaseStatus, reason: str = "") -> None:
    """Move a case along the allowed-transitions table; call inside the caller's transaction."""
    check_not_destroyed(case.pk)
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


def _persons(case: Case) -> list[str]:
    return [str(pk) for pk in case.referral.people.values_list("pk", flat=True)]


def decision_due_at(*, received_at: datetime, calendar: WorkingCalendar | None = None) -> datetime:
    """Working Together expects a decision on a referral within one working day."""
    return (calendar or hub_calendar()).add_working_days(received_at, 1)


def goes_to_triage(referral: Referral) -> bool:
    """Whether a new referral waits on the triage list rather than the screening queue: only where the
    hub does not screen every referral, and only a notification of the kind the hub chose (each part of
    the rule left empty matches anything; a rule with no part set sends nothing)."""
    config = hub_configuration()
    if config.screen_all_referrals:
        return False
    rule = (config.triage_source, config.triage_concern, config.triage_grading)
    if not any(rule):
        return False
    source, concern, grading = rule
    return (
        (not source or referral.source == source)
        and (not concern or concern in referral.concern_categories)
        and (not grading or referral.risk_grading == grading)
    )


def case_open(*, actor: Actor, referral: Referral) -> Case:
    """Open the case for a new referral, numbered as the referral is (R-2026-00042 opens C-2026-00042);
    its decision is due one working day after the referral arrived (Working Together). A notification of
    the kind the hub triages waits on the triage list."""
    received_at = referral.received_at
    return Case.objects.create(
        in_triage=goes_to_triage(referral),
        reference="C" + referral.reference.removeprefix("R"),
        referral=referral,
        status=CaseStatus.NEW,
        status_changed_at=received_at,
        decision_due_at=decision_due_at(received_at=received_at),
        created_by=actor.user,
    )


ALLOCATE_NO_TEAM = "Enter the team the referral is allocated to"


def case_allocate(*, actor: Actor, case: Case, expected_version: int, team: str, worker: str) -> Case:
    """Record the team and worker a decided referral is allocated to (Annex A list 3)."""
    check_not_destroyed(case.pk)
    if not team.strip():
        raise DomainError(ALLOCATE_NO_TEAM)
    with transaction.atomic(durable=True):
        save_versioned(
            case,
            expected_version=expected_version,
            values={"allocated_team": team.strip(), "allocated_worker": worker.strip()},
            actor_user=actor.user,
        )
        audit_record(
            actor=actor,
            action=AuditAction.CASE_ALLOCATED,
            obj=case,
            persons=_persons(case),
            detail={"case": case.reference},
        )
    return case
