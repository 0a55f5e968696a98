"""Early help (the hub's rule `decision_in_hub` off): no multi-agency decision; the collated product is
the output. A keyworker (the lead professional) is appointed on the case; their conversation with the
family may add consent that names Health, which offers the second, Health, search; then the product is
handed to them: every request still open ends as no longer needed, the keyworker is told, and the case
closes without a social-care decision. When the hand-over happened is kept on the case (retention)."""

from __future__ import annotations

import logging
from datetime import datetime
from uuid import UUID

from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from openmash.audit.catalogue import AuditAction
from openmash.audit.services import audit_record
from openmash.cases.destroyed import check_not_destroyed
from openmash.cases.models import Case, CaseStatus, Keyworker
from openmash.cases.services import _persons, case_transition
from openmash.core.actor import Actor
from openmash.core.concurrency import save_versioned
from openmash.core.errors import DomainError
from openmash.enquiries.services import requests_end
from openmash.hub.models import Agency, AgencyKind
from openmash.hub.selectors import hub_calendar, hub_configuration

log = logging.getLogger(__name__)

HUB_DECIDES = (
    "This hub records a multi-agency decision: the lead agency is named in the decision, not handed over here"
)
NOT_OPEN = (
    "A keyworker is appointed, and the product handed over, only while the case is gathering information"
)
NO_KEYWORKER_NAME = "Enter the keyworker's name"
NO_KEYWORKER_AGENCY = "Select the keyworker's agency"
NO_KEYWORKER_CONTACT = "Enter the keyworker's e-mail address or phone number"
NO_KEYWORKER = "Appoint the keyworker before handing over the product"
HANDED_OVER_REASON = "The product was handed to the keyworker (early help): the hub needs nothing more"

OPEN_FOR_HAND_OVER = (CaseStatus.INFORMATION_GATHERING, CaseStatus.READY_FOR_DECISION)


def _check_open(case: Case) -> None:
    check_not_destroyed(case.pk)
    if hub_configuration().decision_in_hub:
        raise DomainError(HUB_DECIDES)
    if case.status not in OPEN_FOR_HAND_OVER:
        raise DomainError(NOT_OPEN)


def keyworker_appoint(
    *,
    actor: Actor,
    case: Case,
    expected_version: int,
    name: str,
    agency: Agency | None,
    email: str = "",
    phone: str = "",
) -> Keyworker:
    """Appoint (or replace) the case's keyworker: a name, their agency, and how to reach them."""
    _check_open(case)
    if not name.strip():
        raise DomainError(NO_KEYWORKER_NAME)
    if agency is None:
        raise DomainError(NO_KEYWORKER_AGENCY)
    if not (email.strip() or phone.strip()):
        raise DomainError(NO_KEYWORKER_CONTACT)
    with transaction.atomic(durable=True):
        save_versioned(case, expected_version=expected_version, values={}, actor_user=actor.user)
        now = timezone.now()
        received_at = Case.objects.filter(pk=case.pk).values_list("referral__received_at", flat=True).get()
        keyworker, created = Keyworker.objects.update_or_create(
            case=case,
            defaults={
                "name": name.strip(),
                "agency": agency,
                "email": email.strip(),
                "phone": phone.strip(),
                "appointed_at": now,
                "created_by": actor.user,
            },
            create_defaults={
                "name": name.strip(),
                "agency": agency,
                "email": email.strip(),
                "phone": phone.strip(),
                "appointed_at": now,
                "first_appointed_at": now,
                # The time the family waited for a keyworker, on the hub's calendar as it is today
                # (like a deadline: a later change to the calendar does not rewrite it).
                "working_seconds_to_first": working_seconds(received_at, now),
                "created_by": actor.user,
            },
        )
        audit_record(
            actor=actor,
            action=AuditAction.KEYWORKER_APPOINTED,
            obj=case,
            detail={"case": case.reference, "agency": agency.name, "replaced": not created},
        )
    return keyworker


def working_seconds(start: datetime, end: datetime) -> int:
    """Working time between two instants on the hub's calendar, in whole seconds (none if `end` is first)."""
    return max(0, round(hub_calendar().working_time_between(start, end).total_seconds()))


def health_named_not_asked(case: Case) -> bool:
    """Consent recorded on the case names Health, and Health has not been asked: the page offers the
    second search (ask Health)."""
    if not case.consents.filter(includes_health=True, withdrawn_at__isnull=True, decision="given").exists():
        return False
    return not case.agencies_asked.filter(agency__kind=AgencyKind.HEALTH).exists()


def case_hand_over(*, actor: Actor, case: Case, expected_version: int) -> Case:
    """Hand the collated product to the keyworker: open requests end as no longer needed, the case
    closes, and the keyworker is told once the hand-over commits."""
    _check_open(case)
    keyworker = Keyworker.objects.filter(case=case).select_related("agency").first()
    if keyworker is None:
        raise DomainError(NO_KEYWORKER)
    with transaction.atomic(durable=True):
        now = timezone.now()
        save_versioned(
            case, expected_version=expected_version, values={"handed_over_at": now}, actor_user=actor.user
        )
        ended = requests_end(actor=actor, case=case, reason=HANDED_OVER_REASON)
        case_transition(actor=actor, case=case, target=CaseStatus.CLOSED, reason=HANDED_OVER_REASON)
        audit_record(
            actor=actor,
            action=AuditAction.CASE_HANDED_OVER,
            obj=case,
            persons=_persons(case),
            detail={
                "case": case.reference,
                "agency": keyworker.agency.name,
                "requests_ended": sorted(r.agency.name for r in ended),
            },
        )
        keyworker_id = keyworker.pk
        transaction.on_commit(lambda: keyworker_notify(keyworker_id=keyworker_id))
    return case


def keyworker_notify(*, keyworker_id: UUID) -> Keyworker:
    """E-mail the keyworker that the product is theirs to read in the product (the reference only)."""
    keyworker = Keyworker.objects.select_related("case", "agency").get(pk=keyworker_id)
    error = ""
    if keyworker.email:
        try:
            send_mail(
                subject=f"Early help case {keyworker.case.reference} handed to you",
                message=(
                    f"You are the keyworker on case {keyworker.case.reference}. The hub's collated "
                    "information is now yours to read in OpenMASH, under 'Handed over to your agency'."
                ),
                from_email=None,
                recipient_list=[keyworker.email],
            )
        except Exception as failure:  # noqa: BLE001 - a failure to send is recorded, not raised
            log.warning("keyworker e-mail for %s failed: %s", keyworker.case.reference, failure)
            error = str(failure)[:300]
    sent = bool(keyworker.email) and not error
    with transaction.atomic():
        Keyworker.objects.filter(pk=keyworker.pk).update(
            notified_at=timezone.now() if sent else None, notice_error=error
        )
        audit_record(
            actor=Actor.system("handover"),
            action=AuditAction.KEYWORKER_NOTIFIED,
            obj=keyworker.case,
            detail={"case": keyworker.case.reference, "sent": sent, "by_email": bool(keyworker.email)},
        )
    keyworker.refresh_from_db()
    return keyworker
