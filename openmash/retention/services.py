"""Changing the retention rules, and putting legal holds on cases and lifting them."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from openmash.audit.catalogue import AuditAction
from openmash.audit.services import audit_record
from openmash.cases.models import Case
from openmash.core.actor import Actor
from openmash.core.concurrency import save_versioned
from openmash.core.errors import CONCURRENT_EDIT, ConcurrentEditError, DomainError
from openmash.retention.models import (
    DEFAULT_MONTHS,
    MAX_MONTHS,
    DestructionRecord,
    LegalHold,
    RecordKind,
    RetentionRule,
)

MONTHS_RANGE = f"Enter a number of months from 1 to {MAX_MONTHS}"
NO_HOLD_REASON = "Give the reason for the legal hold"
NO_LIFT_REASON = "Give the reason for lifting the legal hold"
ALREADY_HELD = "This case is already held: lift the hold first to put a new one on"
NOT_HELD = "This hold has already been lifted"
NO_PERSON = "A legal hold is put on by a person, who is named with it"
DESTROYED = "This case's personal data has already been destroyed: there is nothing left to hold"


def retention_rule_change(
    *, actor: Actor, kind: RecordKind, months: int, expected_version: int
) -> RetentionRule:
    """Set how many months after closure a kind of case is kept. ``expected_version`` is the version the
    person saw (0 for the default, never saved); a change saved since refuses theirs."""
    if not 1 <= months <= MAX_MONTHS:
        raise DomainError(MONTHS_RANGE)
    with transaction.atomic(durable=True):
        rule = RetentionRule.objects.select_for_update().filter(kind=kind).first()
        before = rule.months if rule is not None else DEFAULT_MONTHS[kind]
        if rule is None:
            if expected_version != 0:
                raise ConcurrentEditError(CONCURRENT_EDIT)
            try:
                with transaction.atomic():
                    rule = RetentionRule.objects.create(
                        kind=kind, months=months, created_by=actor.user, modified_by=actor.user
                    )
            except IntegrityError as clash:
                raise ConcurrentEditError(CONCURRENT_EDIT) from clash
        else:
            save_versioned(
                rule, expected_version=expected_version, values={"months": months}, actor_user=actor.user
            )
        audit_record(
            actor=actor,
            action=AuditAction.RETENTION_RULE_CHANGED,
            obj=rule,
            detail={"kind": str(kind), "months": [before, months]},
        )
    return rule


def legal_hold_place(*, actor: Actor, case: Case, reason: str) -> LegalHold:
    """Hold a case: while held, it is never destroyed, whatever the rules say."""
    reason = reason.strip()
    if not reason:
        raise DomainError(NO_HOLD_REASON)
    if actor.user is None:
        raise DomainError(NO_PERSON)
    with transaction.atomic(durable=True):
        Case.objects.select_for_update().filter(pk=case.pk).first()
        if DestructionRecord.objects.filter(case=case).exists():
            raise DomainError(DESTROYED)
        if LegalHold.objects.filter(case=case, lifted_at__isnull=True).exists():
            raise DomainError(ALREADY_HELD)
        hold = LegalHold.objects.create(
            case=case, reason=reason, placed_by=actor.user, placed_at=timezone.now(), created_by=actor.user
        )
        audit_record(
            actor=actor,
            action=AuditAction.LEGAL_HOLD_PLACED,
            obj=hold,
            justification=reason,
            detail={"case": case.reference},
        )
    return hold


def legal_hold_lift(*, actor: Actor, hold: LegalHold, reason: str) -> LegalHold:
    """Lift a hold: the case is destroyed by the next sweep if its retention has run out."""
    reason = reason.strip()
    if not reason:
        raise DomainError(NO_LIFT_REASON)
    with transaction.atomic(durable=True):
        now = timezone.now()
        lifted = LegalHold.objects.filter(pk=hold.pk, lifted_at__isnull=True).update(
            lifted_at=now, lifted_by=actor.user, lift_reason=reason, modified_by=actor.user, modified_at=now
        )
        if lifted != 1:
            raise DomainError(NOT_HELD)
        hold.refresh_from_db()
        audit_record(
            actor=actor,
            action=AuditAction.LEGAL_HOLD_LIFTED,
            obj=hold,
            justification=reason,
            detail={"case": hold.case.reference},
        )
    return hold
