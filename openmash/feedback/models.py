"""Outcome feedback to the referrer and to every agency asked, with its delivery record."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from openmash.cases.models import Case
from openmash.core.models import BaseModel
from openmash.hub.models import Agency


class Recipient(models.TextChoices):
    REFERRER = "referrer", "Referrer"
    AGENCY = "agency", "Agency asked"


class Delivery(models.TextChoices):
    PENDING = "pending", "Waiting to send"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
    NO_ADDRESS = "no_address", "No email address: in the product only"
    GIVEN_UP = "given_up", "Not sent: given up"


#: A notice in one of these states needs nothing more: the case can close.
SETTLED = frozenset({Delivery.SENT, Delivery.NO_ADDRESS, Delivery.GIVEN_UP})


class OutcomeNotification(BaseModel):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="notifications")
    recipient = models.CharField(max_length=10, choices=Recipient.choices)
    agency = models.ForeignKey(Agency, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    email = models.EmailField(blank=True, default="")
    delivery = models.CharField(max_length=12, choices=Delivery.choices, default=Delivery.PENDING)
    sent_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True, default="")
    contributed = models.BooleanField(
        default=True, help_text="For an agency: it returned information (or said it knew nothing)."
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(
        null=True, blank=True, db_index=True, help_text="When the worker tries a failed notice again."
    )
    given_up_reason = models.CharField(max_length=300, blank=True, default="")
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "agency"],
                condition=models.Q(recipient="agency"),
                name="one_notice_per_agency",
            ),
            models.UniqueConstraint(
                fields=["case"], condition=models.Q(recipient="referrer"), name="one_notice_to_referrer"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case} outcome to {self.agency or 'referrer'}"

    @property
    def latest_challenge(self) -> object | None:
        """The newest challenge raised on this outcome through this notice, if any (read from a
        prefetch where the list page made one)."""
        challenges = sorted(self.challenges.all(), key=lambda c: c.raised_at)
        return challenges[-1] if challenges else None
