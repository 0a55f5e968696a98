"""Consent and lawful-basis decisions recorded on their own (not with the screening): each asks the
sharing gate again for every unanswered request in the same durable transaction, so a request waiting
for consent goes at once, and one whose consent was withdrawn waits again at once."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db import transaction

from openmash.cases.destroyed import check_not_destroyed
from openmash.cases.models import Case
from openmash.consent import services as consent_services
from openmash.consent.models import (
    Art6Basis,
    ConsentDecision,
    ConsentRecord,
    ForWhom,
    InformedHow,
    LawfulBasisDecision,
)
from openmash.core.actor import Actor
from openmash.enquiries.models import InformationRequest
from openmash.enquiries.services import requests_recheck
from openmash.hub.models import Agency
from openmash.referrals.models import ReferralPerson


def consent_record(
    *,
    actor: Actor,
    case: Case,
    given_by: ReferralPerson,
    for_whom: ForWhom,
    decision: ConsentDecision,
    informed_how: InformedHow,
    privacy_notice_version: str,
    given_at: datetime | None = None,
    child: ReferralPerson | None = None,
    all_agencies: bool = True,
    agencies: Iterable[Agency] = (),
    includes_health: bool = False,
) -> ConsentRecord:
    check_not_destroyed(case.pk)
    with transaction.atomic(durable=True):
        record = consent_services.consent_record(
            actor=actor,
            case=case,
            given_by=given_by,
            for_whom=for_whom,
            decision=decision,
            informed_how=informed_how,
            privacy_notice_version=privacy_notice_version,
            given_at=given_at,
            child=child,
            all_agencies=all_agencies,
            agencies=agencies,
            includes_health=includes_health,
        )
        requests_recheck(actor=actor, case=case)
    return record


def consent_withdraw(*, actor: Actor, consent: ConsentRecord, note: str = "") -> ConsentRecord:
    check_not_destroyed(consent.case_id)
    with transaction.atomic(durable=True):
        record = consent_services.consent_withdraw(actor=actor, consent=consent, note=note)
        requests_recheck(actor=actor, case=record.case)
    return record


def lawful_basis_record(
    *,
    actor: Actor,
    case: Case,
    reason: str,
    art6: Art6Basis = Art6Basis.PUBLIC_TASK,
    special_category: bool = True,
    health_override: bool = False,
    all_agencies: bool = True,
    agencies: Iterable[Agency] = (),
) -> LawfulBasisDecision:
    check_not_destroyed(case.pk)
    with transaction.atomic(durable=True):
        basis = consent_services.lawful_basis_record(
            actor=actor,
            case=case,
            reason=reason,
            art6=art6,
            special_category=special_category,
            health_override=health_override,
            all_agencies=all_agencies,
            agencies=agencies,
        )
        requests_recheck(actor=actor, case=case)
    return basis


def ask_again(*, actor: Actor, case: Case) -> list[InformationRequest]:
    """The hub asks the gate again for every unanswered request (the second trawl)."""
    check_not_destroyed(case.pk)
    with transaction.atomic(durable=True):
        return requests_recheck(actor=actor, case=case)
