"""A referral arrives: it is recorded with the people it names, its case is opened with the
relationships and households the referral gives, and the receipt
is written to the audit trail, in one durable transaction (the form, the API and the demo all come in
here)."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from openmash.audit.catalogue import AuditAction
from openmash.audit.services import audit_record
from openmash.cases.services import case_open
from openmash.core.actor import Actor
from openmash.people.services import people_from_referral
from openmash.referrals.models import Channel, Referral
from openmash.referrals.services import ReferralData, referral_create


def referral_receive(
    *, actor: Actor, data: ReferralData, channel: Channel, received_at: datetime | None = None
) -> Referral:
    """Record the referral and open its case. Raises `ReferralInvalidError` with the problems found,
    keeping nothing."""
    with transaction.atomic(durable=True):
        referral = referral_create(actor=actor, data=data, channel=channel, received_at=received_at)
        case = case_open(actor=actor, referral=referral)
        people_from_referral(actor=actor, case=case)
        earlier = list(referral.earlier_referrals.order_by("received_at"))
        audit_record(
            actor=actor,
            action=AuditAction.REFERRAL_RECEIVED,
            obj=referral,
            persons=[p.pk for p in referral.people.all()],
            detail={
                "reference": referral.reference,
                "case": case.reference,
                "channel": channel.value,
                "earlier_referrals": [r.reference for r in earlier],
            },
        )
    return referral
