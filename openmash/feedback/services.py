"""Feeding the outcome back to the referrer and every agency asked, then closing the case."""

from __future__ import annotations

import logging
from uuid import UUID

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from openmash.audit.catalogue import AuditAction
from openmash.audit.services import audit_record
from openmash.cases.destroyed import check_not_destroyed
from openmash.cases.models import Case
from openmash.core.actor import Actor
from openmash.core.errors import DomainError
from openmash.enquiries.models import DONE_STATUSES
from openmash.feedback.delivery import close_if_settled
from openmash.feedback.models import Delivery, OutcomeNotification, Recipient
from openmash.feedback.tasks import deliver_outcomes
from openmash.referrals.models import ReferralPerson

log = logging.getLogger(__name__)


def feedback_prepare(*, actor: Actor, case: Case) -> list[OutcomeNotification]:
    """One notice to the referrer and one to each agency asked; sent by e-mail once the decision commits.
    An agency that answered is thanked; one that did not is told the case was decided without it."""
    check_not_destroyed(case.pk)
    answered = set(case.requests.filter(status__in=DONE_STATUSES).values_list("agency_id", flat=True))
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
                contributed=asked.agency_id in answered,
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


def _unread(pks: list[UUID]) -> QuerySet[OutcomeNotification]:
    """Those of these notices not yet read, and on a case whose personal data is kept: a notice on a
    destroyed case is never marked read (nothing more is written to such a case), though seeing it is
    audited like any other."""
    return OutcomeNotification.objects.filter(
        pk__in=pks, read_at__isnull=True, case__destruction__isnull=True
    )


def outcome_notices_read(*, actor: Actor, notices: list[OutcomeNotification]) -> int:
    """Record that a person saw these outcome notices; the first sight of each marks it read (never one
    on a destroyed case)."""
    if not notices:
        return 0
    # Not durable: on PostgreSQL the page's own transaction holds what a page read writes and commits it
    # once (core.middleware.OneCommitPerReadMiddleware), and a durable block cannot sit inside it.
    with transaction.atomic():
        newly_read = _unread([n.pk for n in notices]).update(read_at=timezone.now())
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
    """Record the download of an outcome note, which also counts as reading the notice (unless its case
    was destroyed: the download is audited, the notice stays as it was)."""
    with transaction.atomic():  # inside the page's transaction on PostgreSQL, as above
        _unread([notice.pk]).update(read_at=timezone.now())
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


NOT_FAILED = "Only a notice that could not be sent can be sent again or given up."
NO_GIVE_UP_REASON = (
    "Explain why this notice will not be sent (for example, how the outcome was given instead)"
)


def _check_failed(notice: OutcomeNotification) -> None:
    notice.refresh_from_db(fields=["delivery"])
    if notice.delivery != Delivery.FAILED:
        raise DomainError(NOT_FAILED)


def notice_resend(*, actor: Actor, notice: OutcomeNotification, email: str = "") -> OutcomeNotification:
    """A person asks for a failed notice to be sent again now (to a corrected address, if given); the
    worker sends it."""
    check_not_destroyed(notice.case_id)
    with transaction.atomic():
        _check_failed(notice)
        values: dict[str, object] = {"delivery": Delivery.PENDING, "next_attempt_at": None, "error": ""}
        if email:
            values["email"] = email
        OutcomeNotification.objects.filter(pk=notice.pk).update(**values)
        audit_record(
            actor=actor,
            action=AuditAction.OUTCOME_RESEND,
            obj=notice,
            detail={
                "case": notice.case.reference,
                "to": notice.agency.name if notice.agency else "referrer",
                "address_changed": bool(email) and email != notice.email,
            },
        )
        case_id = str(notice.case_id)
        transaction.on_commit(lambda: deliver_outcomes.enqueue(case_id))
    notice.refresh_from_db()
    return notice


def notice_give_up(*, actor: Actor, notice: OutcomeNotification, reason: str) -> OutcomeNotification:
    """A person decides a failed notice will not be sent, with the reason (the outcome was given another
    way, say); the case closes if nothing else is waiting."""
    check_not_destroyed(notice.case_id)
    reason = reason.strip()
    if not reason:
        raise DomainError(NO_GIVE_UP_REASON)
    with transaction.atomic():
        _check_failed(notice)
        OutcomeNotification.objects.filter(pk=notice.pk).update(
            delivery=Delivery.GIVEN_UP, next_attempt_at=None, given_up_reason=reason[:300]
        )
        audit_record(
            actor=actor,
            action=AuditAction.OUTCOME_GIVEN_UP,
            obj=notice,
            justification=reason,
            detail={"case": notice.case.reference, "to": notice.agency.name if notice.agency else "referrer"},
        )
        close_if_settled(actor=actor, case=notice.case)
    notice.refresh_from_db()
    return notice
