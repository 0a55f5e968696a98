"""Feeding the outcome back to the referrer and every agency asked, then closing the case."""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone

from openmash.audit.catalogue import AuditAction
from openmash.audit.services import audit_record
from openmash.cases.models import Case
from openmash.core.actor import Actor
from openmash.feedback.models import OutcomeNotification, Recipient
from openmash.feedback.tasks import deliver_outcomes
from openmash.referrals.models import ReferralPerson

log = logging.getLogger(__name__)


def feedback_prepare(*, actor: Actor, case: Case) -> list[OutcomeNotification]:
    """One notice to the referrer and one to each agency asked; sent by e-mail once the decision commits."""
    referral = case.referral
    notices = [
        OutcomeNotification(
            case=case,
            recipient=Recipient.REFERRER,
            user=referral.made_by,
            email=referral.referrer_email,
            created_by=actor.user,
        )
    ]
    for asked in case.agencies_asked.select_related("agency"):
        notices.append(
            OutcomeNotification(
                case=case,
                recipient=Recipient.AGENCY,
                agency=asked.agency,
                email=asked.agency.contact_email,
                created_by=actor.user,
            )
        )
    OutcomeNotification.objects.bulk_create(notices)
    case_id = str(case.pk)
    transaction.on_commit(lambda: deliver_outcomes.enqueue(case_id))
    return notices


def _people_of(notices: list[OutcomeNotification]) -> list[str]:

    case_ids = {n.case_id for n in notices}
    people = ReferralPerson.objects.filter(referral__case__in=case_ids).values_list("pk", flat=True)
    return sorted(str(pk) for pk in people)


def outcome_notices_read(*, actor: Actor, notices: list[OutcomeNotification]) -> int:
    """Record that a person saw these outcome notices; the first sight of each marks it read."""
    if not notices:
        return 0
    with transaction.atomic(durable=True):
        newly_read = OutcomeNotification.objects.filter(
            pk__in=[n.pk for n in notices], read_at__isnull=True
        ).update(read_at=timezone.now())
        audit_record(
            actor=actor,
            action=AuditAction.OUTCOME_VIEWED,
            object_type=OutcomeNotification._meta.label_lower,
            object_id=str(notices[0].pk) if len(notices) == 1 else "",
            persons=_people_of(notices),
            detail={
                "notices": [str(n.pk) for n in notices],
                "cases": sorted({n.case.reference for n in notices}),
                "newly_read": newly_read,
            },
        )
    return newly_read


def outcome_note_downloaded(*, actor: Actor, notice: OutcomeNotification) -> None:
    """Record the download of an outcome note, which also counts as reading the notice."""
    with transaction.atomic(durable=True):
        OutcomeNotification.objects.filter(pk=notice.pk, read_at__isnull=True).update(read_at=timezone.now())
        audit_record(
            actor=actor,
            action=AuditAction.OUTCOME_NOTE_DOWNLOADED,
            obj=notice,
            persons=_people_of([notice]),
            detail={
                "case": notice.case.reference,
                "for": notice.agency.name if notice.agency else "referrer",
            },
        )
