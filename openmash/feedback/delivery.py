"""Sending outcome notices: the worker's part of feedback. `tasks.deliver_outcomes` runs it after a
decision (the services only record the notices and queue the task), and `tasks.sweep_outcome_retries`
tries failed notices again with a growing wait. The case closes once every notice is settled: sent,
held in the product for want of an address, or given up by a person with a reason; and, for a case
routed to a specialist team, once the team has accepted it."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta
from uuid import UUID

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from openmash.audit.catalogue import AuditAction
from openmash.audit.services import audit_record
from openmash.cases.destroyed import destroyed_at
from openmash.cases.models import Case, CaseStatus
from openmash.cases.services import case_transition
from openmash.core.actor import Actor
from openmash.feedback.models import SETTLED, Delivery, OutcomeNotification
from openmash.teams.models import Routing, RoutingStatus

log = logging.getLogger(__name__)


def retry_wait(attempts: int) -> timedelta | None:
    """How long the worker waits before trying a notice again after ``attempts`` failures: the hub's
    first wait, doubled after each failure; None once the hub's number of attempts is used up (a
    person then resends it or gives it up)."""
    if attempts >= settings.OUTCOME_MAX_ATTEMPTS:
        return None
    return timedelta(minutes=settings.OUTCOME_RETRY_MINUTES * 2 ** (attempts - 1))


def feedback_deliver(*, case_id: UUID, retry_failed: bool = True) -> None:
    """Send each pending notice of the case (and each failed one again, unless told not to), record
    its delivery, and close the case when every notice is settled; nothing once the case was destroyed.
    The worker calls it after a decision and after a person asks for a notice to be sent again."""
    case = Case.objects.select_related("referral", "decision").get(pk=case_id)
    if destroyed_at(case.pk) is not None:  # nothing more is sent or recorded on a destroyed case
        log.info("outcome notices of a destroyed case not sent")
        return
    tried = [Delivery.PENDING, Delivery.FAILED] if retry_failed else [Delivery.PENDING]
    _deliver(case, case.notifications.filter(delivery__in=tried).select_related("agency"))


def notices_retry_due(*, now: datetime | None = None) -> list[OutcomeNotification]:
    """Try again every failed notice whose wait is over; returns the notices tried."""
    now = now or timezone.now()
    due = list(
        OutcomeNotification.objects.filter(delivery=Delivery.FAILED, next_attempt_at__lte=now)
        .filter(case__destruction__isnull=True)
        .select_related("agency", "case__referral", "case__decision")
        .order_by("next_attempt_at")
    )
    by_case: dict[UUID, list[OutcomeNotification]] = {}
    for notice in due:
        by_case.setdefault(notice.case_id, []).append(notice)
    for notices in by_case.values():
        _deliver(notices[0].case, notices)
    return due


def _deliver(case: Case, notices: Iterable[OutcomeNotification]) -> None:
    actor = Actor.system("feedback")
    for notice in notices:
        _send(actor, case, notice)
    close_if_settled(actor=actor, case=case)


def _send(actor: Actor, case: Case, notice: OutcomeNotification) -> None:
    attempts = notice.attempts
    next_attempt_at = None
    if not notice.email:
        delivery, error_text = Delivery.NO_ADDRESS, ""
    else:
        body = render_to_string("feedback/outcome_email.txt", {"case": case, "notice": notice})
        attempts += 1
        try:
            send_mail(
                subject=f"Outcome of referral {case.referral.reference} (case {case.reference})",
                message=body,
                from_email=None,
                recipient_list=[notice.email],
            )
        except Exception as failure:  # noqa: BLE001 - any failure to send is recorded, not raised
            log.warning("outcome e-mail to %s failed (attempt %d): %s", notice.email, attempts, failure)
            delivery, error_text = Delivery.FAILED, str(failure)[:300]
            wait = retry_wait(attempts)
            next_attempt_at = timezone.now() + wait if wait is not None else None
        else:
            delivery, error_text = Delivery.SENT, ""
    with transaction.atomic():
        OutcomeNotification.objects.filter(pk=notice.pk).update(
            delivery=delivery,
            sent_at=timezone.now() if delivery == Delivery.SENT else None,
            error=error_text,
            attempts=attempts,
            next_attempt_at=next_attempt_at,
        )
        audit_record(
            actor=actor,
            action=AuditAction.OUTCOME_SEND_FAILED
            if delivery == Delivery.FAILED
            else AuditAction.OUTCOME_SENT,
            obj=notice,
            detail={
                "case": case.reference,
                "to": notice.agency.name if notice.agency else "referrer",
                "delivery": delivery.value,
                "attempt": attempts,
                "next_attempt": next_attempt_at.isoformat() if next_attempt_at else "",
            },
        )


def close_if_settled(*, actor: Actor, case: Case) -> bool:
    """Close a decided case once every outcome notice is settled; True if it closed."""
    with transaction.atomic():
        case.refresh_from_db()
        if case.status != CaseStatus.DECIDED:
            return False
        if case.notifications.exclude(delivery__in=SETTLED).exists():
            return False
        # Routed to a specialist team: open until the team has accepted it.
        routings = Routing.objects.filter(case=case)
        if routings.exists() and not routings.filter(status=RoutingStatus.ACCEPTED).exists():
            return False
        case_transition(actor=actor, case=case, target=CaseStatus.CLOSED, reason="Outcome fed back to all")
    return True
