"""The append-only, hash-chained audit trail."""

from __future__ import annotations

import uuid
from typing import Any

from django.db import models

from openmash.audit.catalogue import AuditAction

APPEND_ONLY = "Audit events are append-only: they cannot be changed or deleted."


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    def update(self, **kwargs: Any) -> int:
        raise PermissionError(APPEND_ONLY)

    def delete(self) -> tuple[int, dict[str, int]]:
        raise PermissionError(APPEND_ONLY)


class AuditEvent(models.Model):
    """One thing that happened. `hash` covers every field and the hash of the event before it;
    `scheme` says how it was computed (see `audit.chain`: unkeyed before the audit key, keyed since)."""

    sequence = models.BigAutoField(primary_key=True)
    occurred_at = models.DateTimeField(db_index=True)
    actor_id = models.CharField(max_length=64, blank=True, default="", db_index=True)
    actor_label = models.CharField(max_length=200)
    actor_role = models.CharField(max_length=60, blank=True, default="")
    agency_id = models.CharField(max_length=64, blank=True, default="", db_index=True)
    agency_name = models.CharField(max_length=200, blank=True, default="")
    action = models.CharField(max_length=80, db_index=True)  # an AuditAction value
    object_type = models.CharField(max_length=80, blank=True, default="")
    object_id = models.CharField(max_length=64, blank=True, default="", db_index=True)
    persons = models.JSONField(default=list, blank=True)
    justification = models.TextField(blank=True, default="")
    ip_address = models.CharField(max_length=45, blank=True, default="")
    user_agent = models.CharField(max_length=500, blank=True, default="")
    detail = models.JSONField(default=dict, blank=True)
    previous_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)
    scheme = models.PositiveSmallIntegerField()
    # Which chain the event belongs to (ADR 0028): None for the main chain
    # (every event written before chains were partitioned, and bulk loads), 1.. for the others. Writers
    # lock one chain each, so they do not queue behind one another.
    partition = models.PositiveSmallIntegerField(null=True, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["sequence"]
        indexes = [
            # Each chain's newest event, read under that chain's lock on every write.
            models.Index(fields=["partition", "-sequence"], name="audit_partition_head"),
            # The trail page's filters, newest first, a page at a time from the last event seen.
            models.Index(fields=["agency_id", "-sequence"], name="audit_agency_newest"),
            models.Index(fields=["action", "-sequence"], name="audit_action_newest"),
            models.Index(fields=["object_id", "-sequence"], name="audit_object_newest"),
        ]

    def __str__(self) -> str:
        return f"#{self.sequence} {self.action} by {self.actor_label}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise PermissionError(APPEND_ONLY)
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise PermissionError(APPEND_ONLY)

    @property
    def note_id(self) -> str:
        """The note holding this event's free text, if it has one (see `AuditNote`)."""
        return str(self.detail.get(NOTE_KEY, "")) if isinstance(self.detail, dict) else ""

    @property
    def note(self) -> AuditNote | None:
        if not hasattr(self, "_note"):
            self._note = AuditNote.objects.filter(pk=self.note_id).first() if self.note_id else None
        return self._note

    @property
    def reason(self) -> str:
        """The reason given, wherever it is kept: in the note (events since notes), else in the event."""
        note = self.note
        return note.justification if note is not None else self.justification

    def get_action_display(self) -> str:
        """The catalogue's label; an action no longer in the catalogue shows as stored."""
        try:
            return str(AuditAction(self.action).label)
        except ValueError:
            return self.action


NOTE_KEY = "note"
NOTE_MAC_KEY = "note_mac"
ERASED = "Erased with the case under the hub's retention rules"


class AuditNote(models.Model):
    """The free text an event carries (a reason typed by a person, the names in a relationship): kept
    beside the chain, not in it. The event names its note (``detail["note"]``) and the chain covers that
    name, so the note can be erased when the case it is about is destroyed while the chain still
    verifies (ADR 0027). `object_id` is the event's, to find a case's notes."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    object_id = models.CharField(max_length=64, blank=True, default="", db_index=True)
    justification = models.TextField(blank=True, default="")
    detail = models.JSONField(default=dict, blank=True)
    erased_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Audit note {self.pk}"
