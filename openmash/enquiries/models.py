"""Information requests to partner agencies, and their returns."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models

from openmash.cases.models import Case
from openmash.core.models import VersionedModel
from openmash.hub.models import Agency
from openmash.referrals.models import ReferralPerson


class RequestStatus(models.TextChoices):
    BLOCKED = "blocked", "Waiting for consent or a lawful basis"
    OPEN = "open", "Not started"
    IN_PROGRESS = "in_progress", "In progress"
    RETURNED = "returned", "Returned"
    NIL_RETURN = "nil_return", "Not known to this agency"
    WITHDRAWN = "withdrawn", "No longer needed"


#: The colour of each status's tag on the pages ({% request_status_tag %}, GOV.UK tag colours).
REQUEST_STATUS_COLOURS: dict[str, str] = {
    RequestStatus.BLOCKED: "orange",
    RequestStatus.OPEN: "blue",
    RequestStatus.IN_PROGRESS: "light-blue",
    RequestStatus.RETURNED: "green",
    RequestStatus.NIL_RETURN: "grey",
    RequestStatus.WITHDRAWN: "grey",
}

OPEN_STATUSES = frozenset({RequestStatus.OPEN, RequestStatus.IN_PROGRESS})
# Not yet answered: the case cannot be decided without them unless the decision maker goes ahead.
OUTSTANDING_STATUSES = OPEN_STATUSES | {RequestStatus.BLOCKED}
DONE_STATUSES = frozenset({RequestStatus.RETURNED, RequestStatus.NIL_RETURN})


class InformationRequest(VersionedModel):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="requests")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="requests")
    status = models.CharField(max_length=20, choices=RequestStatus.choices, default=RequestStatus.OPEN)
    sent_at = models.DateTimeField()
    due_at = models.DateTimeField(null=True, blank=True, db_index=True, help_text="None while blocked.")
    blocked_reason = models.TextField(blank=True, default="")
    unblock_hint = models.TextField(blank=True, default="")
    ended_at = models.DateTimeField(null=True, blank=True, help_text="When the request stopped being needed.")
    ended_reason = models.TextField(blank=True, default="", help_text="Why it was no longer needed.")
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    taken_at = models.DateTimeField(null=True, blank=True)
    returned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    returned_at = models.DateTimeField(null=True, blank=True)
    overdue_since = models.DateTimeField(null=True, blank=True)
    overdue_notified_at = models.DateTimeField(null=True, blank=True)
    summary = models.TextField(blank=True, default="")
    risk_factors = models.TextField(blank=True, default="")
    protective_factors = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["due_at"]
        constraints = [models.UniqueConstraint(fields=["case", "agency"], name="one_request_per_case_agency")]
        indexes = [
            # An agency's queue: its open requests by due time, its returned ones newest first.
            models.Index(fields=["agency", "status", "due_at"], name="request_agency_queue"),
            models.Index(fields=["agency", "status", "-returned_at"], name="request_agency_returned"),
            # The partnership's measures count requests by when they were sent, over any period, and
            # those still open past their deadline.
            models.Index(fields=["sent_at"], name="request_sent_at"),
            models.Index(fields=["status", "due_at"], name="request_status_due"),
        ]

    def __str__(self) -> str:
        return f"{self.case} to {self.agency}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def is_overdue(self, now: datetime) -> bool:
        return self.is_open and self.due_at is not None and self.due_at < now


class Significance(models.TextChoices):
    HIGH = "high", "High"
    MEDIUM = "medium", "Medium"
    LOW = "low", "Low"


class HistoryType(models.TextChoices):
    INCIDENT = "incident", "Incident"
    CRIME = "crime", "Crime or offence"
    DOMESTIC_ABUSE = "domestic_abuse", "Domestic abuse incident"
    MISSING = "missing", "Missing episode"
    HEALTH_ATTENDANCE = "health_attendance", "Health attendance"
    MISSED_APPOINTMENT = "missed_appointment", "Missed appointment"
    SCHOOL_ATTENDANCE = "school_attendance", "School attendance"
    EXCLUSION = "exclusion", "Exclusion"
    HOUSING = "housing", "Housing"
    ASSESSMENT = "assessment", "Assessment or plan"
    OTHER = "other", "Other"


class HistoryItem(VersionedModel):
    """One relevant event an agency returns; it feeds the multi-agency chronology. Versioned: two
    researchers may change the wording of an event found by trawl at once (ADR 0007)."""

    request = models.ForeignKey(InformationRequest, on_delete=models.CASCADE, related_name="history")
    occurred_on = models.DateField()
    kind = models.CharField(max_length=30, choices=HistoryType.choices)
    description = models.TextField()
    significance = models.CharField(max_length=10, choices=Significance.choices)
    source_reference = models.CharField(max_length=100)
    source_system = models.CharField(
        max_length=200,
        blank=True,
        default="",
        help_text="The agency system the event was found in, by trawl.",
    )
    source_record_id = models.CharField(max_length=200, blank=True, default="")
    trawl_candidate = models.ForeignKey(
        "trawl.TrawlCandidate", null=True, blank=True, on_delete=models.SET_NULL, related_name="history_items"
    )
    event_key = models.CharField(max_length=300, blank=True, default="")
    subjects = models.ManyToManyField(
        ReferralPerson,
        blank=True,
        related_name="history_items",
        help_text=(
            "Whose own agency records the event was found in (one incident can concern a father and "
            "his child). Empty for events typed by hand: the case's information."
        ),
    )
    edited = models.BooleanField(
        default=False,
        help_text="Changed by the researcher (words or significance) before sharing.",
    )

    class Meta:
        ordering = ["occurred_on", "created_at"]

    def __str__(self) -> str:
        return f"{self.occurred_on}: {self.get_kind_display()}"

    @property
    def from_trawl(self) -> bool:
        return bool(self.source_system)
