"""Retention rules (how long each kind of closed case is kept), legal holds, and what is left of a case
once its personal data is destroyed (the destruction record, a tombstone without personal data)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from openmash.cases.models import Case
from openmash.core.models import BaseModel, VersionedModel


class RecordKind(models.TextChoices):
    """The kinds of closed case a retention schedule tells apart, by what happened to the contact."""

    CONTACT_NFA = "contact_nfa", "Contact with no further action"
    SOCIAL_CARE = "social_care", "Referral passed to children's social care"
    EARLY_HELP = "early_help", "Early-help case"
    NEVER_SCREENED = "never_screened", "Case never screened"


#: Months a closed case of each kind is kept before its personal data is destroyed, until the hub
#: sets its own: six years after closure for what went on to social care or early help (the usual
#: local-authority schedule for case records held outside the child's social care file), two years for a
#: contact that needed no further action, one year for a contact closed without being screened.
DEFAULT_MONTHS: dict[str, int] = {
    RecordKind.CONTACT_NFA: 24,
    RecordKind.SOCIAL_CARE: 72,
    RecordKind.EARLY_HELP: 72,
    RecordKind.NEVER_SCREENED: 12,
}

#: What each kind covers, as the rules page explains it.
KIND_HELP: dict[str, str] = {
    RecordKind.CONTACT_NFA: "Decided or routed with no further action, advice or signposting, or passed to "
    "another service or a specialist team.",
    RecordKind.SOCIAL_CARE: "Decided as a referral to children's social care: an assessment, a strategy "
    "discussion or police action.",
    RecordKind.EARLY_HELP: "Decided or routed to early help.",
    RecordKind.NEVER_SCREENED: "Closed without being screened.",
}

MAX_MONTHS = 1200


class RetentionRule(VersionedModel):
    """How many months after closure a kind of case is kept (one row per kind, once a hub changes it)."""

    kind = models.CharField(max_length=20, choices=RecordKind.choices, unique=True)
    months = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["kind"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(months__gte=1, months__lte=MAX_MONTHS), name="retention_months_in_range"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.months} months"


class LegalHold(BaseModel):
    """An information governance officer's hold on a case (litigation, an inquiry, a subject access
    request): while it is on, the case is never destroyed."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="legal_holds")
    reason = models.TextField()
    placed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    placed_at = models.DateTimeField()
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    lifted_at = models.DateTimeField(null=True, blank=True)
    lift_reason = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["-placed_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"], condition=models.Q(lifted_at__isnull=True), name="one_active_hold_per_case"
            )
        ]

    def __str__(self) -> str:
        return f"Legal hold on {self.case_id}"

    @property
    def active(self) -> bool:
        return self.lifted_at is None


class DestructionRecord(BaseModel):
    """What is left of a case once its personal data is destroyed: no one's name, date of birth, NHS
    number, address or free text; the reference, dates, codes and counts the performance figures and
    statutory returns count."""

    case = models.OneToOneField(Case, on_delete=models.PROTECT, related_name="destruction")
    case_reference = models.CharField(max_length=20)
    referral_reference = models.CharField(max_length=20)
    received_at = models.DateTimeField()
    screened_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    destroyed_at = models.DateTimeField()
    hub_model = models.CharField(max_length=30)
    level = models.PositiveSmallIntegerField(null=True, blank=True)
    rag = models.CharField(max_length=20, blank=True, default="")
    route = models.CharField(max_length=30, blank=True, default="")
    outcome = models.CharField(max_length=30, blank=True, default="")
    contact_outcome = models.CharField(max_length=30, blank=True, default="")
    referral_outcome = models.CharField(max_length=30, blank=True, default="")
    source = models.CharField(max_length=10, blank=True, default="")
    kind = models.CharField(max_length=20, choices=RecordKind.choices)
    months = models.PositiveSmallIntegerField()
    due_on = models.DateField()
    people = models.PositiveIntegerField(default=0)
    subjects = models.PositiveIntegerField(default=0)
    agencies = models.JSONField(default=list, blank=True)
    """One entry per agency asked: its name, the request's status, and how many history items it gave."""
    removed = models.JSONField(default=dict, blank=True)
    """What was removed or emptied, by kind of record: counts only."""
    destroyed_by = models.CharField(max_length=200)

    class Meta:
        ordering = ["-destroyed_at"]

    def __str__(self) -> str:
        return f"Destruction of {self.case_reference}"
