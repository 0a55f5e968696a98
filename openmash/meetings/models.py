"""Multi-agency meetings: the agenda of cases discussed, who attended for which agency."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from openmash.cases.models import Case
from openmash.core.models import BaseModel, VersionedModel
from openmash.hub.models import Agency


class MeetingStatus(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    IN_PROGRESS = "in_progress", "In progress"
    CLOSED = "closed", "Closed"


class Meeting(VersionedModel):
    title = models.CharField(max_length=200)
    scheduled_for = models.DateTimeField(db_index=True)
    chair = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=20, choices=MeetingStatus.choices, default=MeetingStatus.SCHEDULED)
    started_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["scheduled_for", "created_at"]

    def __str__(self) -> str:
        return self.title


class AgendaItem(BaseModel):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="items")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="agenda_items")
    order = models.PositiveIntegerField()
    discussed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["order"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "case"], name="case_once_per_agenda"),
            models.UniqueConstraint(fields=["meeting", "order"], name="agenda_order_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.meeting}: {self.order}. {self.case}"


class Attendance(BaseModel):
    class Status(models.TextChoices):
        PRESENT = "present", "Present"
        APOLOGIES = "apologies", "Apologies"

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendance")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=200)
    role = models.CharField(max_length=200, blank=True, default="")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PRESENT)

    class Meta:
        ordering = ["agency__name", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.agency})"
