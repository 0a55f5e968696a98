"""Sending outcome notices: the worker's part of feedback (`tasks.deliver_outcomes` runs it after a
decision; the services only record the notices and queue the task)."""

from __future__ import annotations

import logging
from uuid import UUID

from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from openmash.audit.catalogue import AuditAction
from openmash.audit.services import audit_record
from openmash.cases.models import Case, CaseStatus
from openmash.cases.services import case_transition
from openmash.core.actor import Actor
from openmash.feedback.models import Delivery, OutcomeNotification

log = logging.getLogger(__name__)


def feedback_deliver(*, case_id: UUID, retry_failed: bool = True) -> None:
    """Send each pending notice by e-mail (and each failed one again, unless told not to), record its
    delivery, and close the case when none failed. The worker calls it after a decision."""

    actor = Actor.system("feedback")
    case = Case.objects.select_related("referral", "decision").get(pk=case_id)
    tried = [Delivery.PENDING, Delivery.FAILED] if retry_failed else [Delivery.PENDING]
    for notice in case.notifications.filter(delivery__in=tried).select_related("agency"):
        if not notice.email:
            delivery, error_text = Delivery.NO_ADDRESS, ""
        else:
            body = render_to_string("feedback/outcome_email.txt", {"case": case, "notice": notice})
            try:
                send_mail(
                    subject=f"Outcome of referral {case.referral.reference} (case {case.reference})",
                    message=body,
                    from_email=None,
                    recipient_list=[notice.email],
                )
            except Exception as failure:  # noqa: BLE001 - any failure to send is recorded, not raised
                log.warning("outcome e-mail to %s failed: %s", notice.email, failure)
                delivery, error_text = Delivery.FAILED, str(failure)[:300]
            else:
                delivery, error_text = Delivery.SENT, ""
        with transaction.atomic():
            OutcomeNotification.objects.filter(pk=notice.pk).update(
                delivery=delivery,
                sent_at=timezone.now() if delivery == Delivery.SENT else None,
                error=error_text,
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
                },
            )
    if case.status == CaseStatus.DECIDED and not case.notifications.filter(delivery=Delivery.FAILED).exists():
        with transaction.atomic():
            case.refresh_from_db()
            case_transition(
                actor=actor, case=case, target=CaseStatus.CLOSED, reason="Outcome fed back to all"
            )
