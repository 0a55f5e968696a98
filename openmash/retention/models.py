"""Retention rules (how long each kind of closed case is kept), legal holds, and what is left of a case
once its personal data is destroyed (the destruction record, a tombstone without personal data)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from openmash.cases.models import Case
from openmash.core.models import BaseModel, VersionedModel
from openmash.enquiries.models import InformationRequest


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


class DestructionRule(models.TextChoices):
    """Which rule made a case due for destruction."""

    RETENTION_PERIOD = "retention_period", "The retention period for its kind of case, counted from closure"
    KEYWORKER = "keyworker", "Once the keyworker had the product (early help)"


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
    rule = models.CharField(
        max_length=20, choices=DestructionRule.choices, default=DestructionRule.RETENTION_PERIOD
    )
    months = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text="The retention period applied, in months; none under the keyworker rule.",
    )
    due_on = models.DateField()
    people = models.PositiveIntegerField(default=0)
    subjects = models.PositiveIntegerField(default=0)
    agencies = models.JSONField(default=list, blank=True)
    """One entry per agency asked: its name, the request's status, and how many history items it gave."""
    subject_ages = models.JSONField(default=dict, blank=True)
    """Each child's age in whole years on the day the referral arrived, by the person's record number
    (their date of birth is gone; Ofsted's Annex A lists still give the age)."""
    referrals_in_last_12_months = models.PositiveSmallIntegerField(
        default=0,
        help_text="Earlier referrals to children's social care about the same child in the 365 days before "
        "this one, as counted when it was destroyed (re-referrals, Annex A list 3).",
    )
    removed = models.JSONField(default=dict, blank=True)
    """What was removed or emptied, by kind of record: counts only."""
    destroyed_by = models.CharField(max_length=200)

    class Meta:
        ordering = ["-destroyed_at"]

    def __str__(self) -> str:
        return f"Destruction of {self.case_reference}"


class RequestTombstone(BaseModel):
    """What the partnership's figures counted of one request to an agency on a destroyed case, once the
    rows that held it (history items, trawls and their candidates) are gone: counts and dates only."""

    record = models.ForeignKey(DestructionRecord, on_delete=models.CASCADE, related_name="requests")
    request = models.OneToOneField(InformationRequest, on_delete=models.PROTECT, related_name="tombstone")
    history_items = models.PositiveIntegerField(default=0)
    trawls = models.PositiveIntegerField(default=0)
    trawled_at = models.DateTimeField(null=True, blank=True, help_text="When the last trawl was made.")
    matches_confirmed = models.PositiveIntegerField(default=0)
    confirmed_at = models.DateTimeField(null=True, blank=True, help_text="When the last match was confirmed.")

    class Meta:
        indexes = [
            models.Index(fields=["trawled_at"], name="tombstone_trawled_at"),
            models.Index(fields=["confirmed_at"], name="tombstone_confirmed_at"),
        ]

    def __str__(self) -> str:
        return f"Counts of request {self.request_id} on a destroyed case"
