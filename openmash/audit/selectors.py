from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet

from openmash.audit.catalogue import AuditAction
from openmash.audit.models import AuditEvent, AuditNote
from openmash.audit.services import audit_record
from openmash.core.actor import Actor


def audit_events_for(
    *, actor: Actor, action: str = "", actor_label: str = "", object_id: str = "", agency_id: str = ""
) -> QuerySet[AuditEvent]:
    """The audit trail, newest first, for information governance; looking at it is itself audited.
    ``agency_id``: only what that agency's staff did (a partner agency's officer answers for that).
    The view lets only those who may see the trail this far."""
    events = AuditEvent.objects.order_by("-sequence")
    if agency_id:
        events = events.filter(agency_id=agency_id)
    if action:
        events = events.filter(action=action)
    if actor_label:
        events = events.filter(actor_label__icontains=actor_label)
    if object_id:
        events = events.filter(object_id=object_id)
    audit_record(
        actor=actor,
        action=AuditAction.AUDIT_VIEWED,
        object_type="audit.auditevent",
        detail={
            "filters": {"action": action, "actor": actor_label, "object_id": object_id},
            "agency": agency_id or "all",
        },
    )
    return events


def with_notes(events: Iterable[AuditEvent]) -> list[AuditEvent]:
    """The events with their notes read in one query (for a page of the trail)."""
    rows = list(events)
    notes = AuditNote.objects.in_bulk([e.note_id for e in rows if e.note_id])
    for event in rows:
        event._note = notes.get(event.note_id) if event.note_id else None
    return rows
