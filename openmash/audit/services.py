"""Writing and verifying the audit trail."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone

from openmash.audit.catalogue import AuditAction
from openmash.audit.chain import GENESIS_HASH, canonical_payload, chain_hash
from openmash.audit.models import AuditEvent
from openmash.core.actor import Actor

CHAIN_LOCK_KEY = 7_041_962  # PostgreSQL advisory lock serialising writers of the chain


def _payload_of(event: AuditEvent) -> str:
    return canonical_payload(
        occurred_at=event.occurred_at,
        actor_id=event.actor_id,
        actor_label=event.actor_label,
        actor_role=event.actor_role,
        agency_id=event.agency_id,
        agency_name=event.agency_name,
        action=event.action,
        object_type=event.object_type,
        object_id=event.object_id,
        persons=list(event.persons),
        justification=event.justification,
        ip_address=event.ip_address,
        user_agent=event.user_agent,
        detail=dict(event.detail),
    )


def audit_record(
    *,
    actor: Actor,
    action: AuditAction,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    persons: Iterable[object] = (),
    justification: str = "",
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event to the chain, in the caller's transaction (or its own, outside one)."""
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
    user = actor.user
    agency = getattr(user, "agency", None) if user is not None else None
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHAIN_LOCK_KEY])
        last = AuditEvent.objects.order_by("-sequence").values_list("hash", flat=True).first()
        event = AuditEvent(
            occurred_at=timezone.now(),
            actor_id=str(user.pk) if user is not None else "",
            actor_label=actor.label,
            actor_role=actor.role,
            agency_id=str(agency.pk) if agency is not None else "",
            agency_name=str(agency) if agency is not None else "",
            action=action.value,
            object_type=object_type,
            object_id=object_id,
            persons=[str(p) for p in persons],
            justification=justification,
            ip_address=actor.ip_address or "",
            user_agent=actor.user_agent,
            detail=detail or {},
            previous_hash=last or GENESIS_HASH,
        )
        event.hash = chain_hash(event.previous_hash, _payload_of(event))
        event.save(force_insert=True)
    return event


@dataclass(frozen=True, slots=True)
class ChainReport:
    checked: int
    broken_at: int | None
    problem: str

    @property
    def intact(self) -> bool:
        return self.broken_at is None


TAMPERED = "event #{seq} ({action}, {when}) does not match its stored hash: its contents were changed"
RELINKED = (
    "event #{seq} ({action}, {when}) does not follow event #{prev}: "
    "an event before it was removed, inserted or changed"
)


def audit_verify_chain() -> ChainReport:
    """Walk the chain from the first event and name the first broken link."""
    previous = GENESIS_HASH
    previous_seq: int | str = "start"
    checked = 0
    for event in AuditEvent.objects.order_by("sequence").iterator(chunk_size=2000):
        when = event.occurred_at.isoformat(timespec="seconds")
        if event.previous_hash != previous:
            msg = RELINKED.format(seq=event.sequence, action=event.action, when=when, prev=previous_seq)
            return ChainReport(checked=checked, broken_at=event.sequence, problem=msg)
        if chain_hash(event.previous_hash, _payload_of(event)) != event.hash:
            msg = TAMPERED.format(seq=event.sequence, action=event.action, when=when)
            return ChainReport(checked=checked, broken_at=event.sequence, problem=msg)
        previous, previous_seq = event.hash, event.sequence
        checked += 1
    return ChainReport(checked=checked, broken_at=None, problem="")
