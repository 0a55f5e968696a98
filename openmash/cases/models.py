"""A case: one referral's journey through screening, information gathering, decision and closure."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from openmash.core.models import BaseModel, VersionedModel
from openmash.hub.models import Agency, RagRating, ThresholdIndicator, ThresholdLevel
from openmash.referrals.models import Referral


class CaseStatus(models.TextChoices):
    NEW = "new", "Awaiting screening"
    INFORMATION_GATHERING = "information_gathering", "Gathering information"
    READY_FOR_DECISION = "ready_for_decision", "Ready for decision"
    DECIDED = "decided", "Decided"
    CLOSED = "closed", "Closed"


class ConsentPosition(models.TextChoices):
    GIVEN = "given", "Consent given"
    REFUSED = "refused", "Consent refused"
    NOT_SOUGHT_RISK = "not_sought_risk", "Not sought: seeking it would place the child at risk"
    TO_BE_SOUGHT = "to_be_sought", "Not yet sought"


# NOT_SOUGHT_RISK in the words of the case's referral: "... would place the adult at risk".
NOT_SOUGHT_RISK_TEXT = "Not sought: seeking it would place the {short} at risk"


class Route(models.TextChoices):
    NFA = "nfa", "No further action or signposting"
    EARLY_HELP = "early_help", "Early help"
    MASH_ENQUIRY = "mash_enquiry", "MASH enquiry"
    STRATEGY_DISCUSSION = "strategy_discussion", "Immediate strategy discussion"
    DOMESTIC_ABUSE = "domestic_abuse", "Specialist team: domestic abuse"
    CSE = "cse", "Specialist team: child sexual exploitation"
    MISSING = "missing", "Specialist team: missing"
    ADULT_SAFEGUARDING = "adult_safeguarding", "Specialist team: adult safeguarding"
    HATE_CRIME = "hate_crime", "Specialist team: hate crime"


# Routes that gather information from partner agencies before the hub decides.
ENQUIRY_ROUTES = frozenset({Route.MASH_ENQUIRY, Route.STRATEGY_DISCUSSION})


class Case(VersionedModel):
    reference = models.CharField(max_length=20, unique=True)
    referral = models.OneToOneField(Referral, on_delete=models.PROTECT, related_name="case")
    status = models.CharField(
        max_length=30, choices=CaseStatus.choices, default=CaseStatus.NEW, db_index=True
    )
    status_changed_at = models.DateTimeField()
    decision_due_at = models.DateTimeField(help_text="One working day after the referral arrived.")
    level = models.ForeignKey(
        ThresholdLevel, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    indicators = models.ManyToManyField(ThresholdIndicator, blank=True, related_name="+")
    rag = models.CharField(max_length=10, choices=RagRating.choices, blank=True, default="")
    rag_reason = models.TextField(blank=True, default="")
    consent_position = models.CharField(
        max_length=20, choices=ConsentPosition.choices, blank=True, default=""
    )
    route = models.CharField(max_length=30, choices=Route.choices, blank=True, default="")
    screening_notes = models.TextField(blank=True, default="")
    screened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    screened_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    in_triage = models.BooleanField(
        default=False,
        db_index=True,
        help_text="A notification of a kind the hub triages in bulk, waiting on the triage list.",
    )
    handed_over_at = models.DateTimeField(
        null=True, blank=True, help_text="When the collated product was handed to the keyworker (early help)."
    )
    allocated_team = models.CharField(
        max_length=200,
        blank=True,
        default="",
        help_text="The team a referral is allocated to (Annex A list 3).",
    )
    allocated_worker = models.CharField(
        max_length=200, blank=True, default="", help_text="The worker it is allocated to (Annex A list 3)."
    )

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status="new") | ~models.Q(rag=""), name="case_rated_once_screened"
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def consent_position_text(self) -> str:
        """The consent position as pages show it, in the referral's words (an adult at risk is no child)."""
        if self.consent_position == ConsentPosition.NOT_SOUGHT_RISK:
            return NOT_SOUGHT_RISK_TEXT.format(short=self.referral.subject_words.short)
        return str(self.get_consent_position_display())


class CaseEvent(BaseModel):
    """The case's own history: status changes and re-ratings, with who and why."""

    class Kind(models.TextChoices):
        STATUS = "status", "Status changed"
        RERATED = "rerated", "RAG rating changed"
        # Its reason is the remover's; the person is not named (the audit trail's note does that).
        PERSON_REMOVED = "removed", "Someone added in error removed"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    from_value = models.CharField(max_length=30, blank=True, default="")
    to_value = models.CharField(max_length=30)
    reason = models.TextField(blank=True, default="")
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "created_at"]

    def __str__(self) -> str:
        return f"{self.case}: {self.from_value} -> {self.to_value}"


class AgencyAsked(models.Model):
    """Which agencies the screening manager chose to ask (kept even if a request is later withdrawn)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="agencies_asked")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["agency__name"]
        constraints = [models.UniqueConstraint(fields=["case", "agency"], name="agency_asked_once")]

    def __str__(self) -> str:
        return f"{self.case} asks {self.agency}"


class Keyworker(BaseModel):
    """The lead professional appointed on an early-help case, to whom the collated product is handed."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="keyworker")
    name = models.CharField(max_length=200)
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    email = models.EmailField(blank=True, default="")
    phone = models.CharField(max_length=40, blank=True, default="")
    appointed_at = models.DateTimeField()
    first_appointed_at = models.DateTimeField(
        null=True, blank=True, help_text="When the case's first keyworker was appointed (kept when replaced)."
    )
    working_seconds_to_first = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Working time from the referral's arrival to the first keyworker, in seconds, counted on "
        "the hub's calendar when the keyworker was appointed (partnership reporting).",
    )
    notified_at = models.DateTimeField(
        null=True, blank=True, help_text="When the hand-over e-mail was sent to the keyworker."
    )
    notice_error = models.CharField(max_length=300, blank=True, default="")

    class Meta:
        indexes = [models.Index(fields=["first_appointed_at"], name="keyworker_first_appointed")]

    def __str__(self) -> str:
        return f"Keyworker on {self.case}"
