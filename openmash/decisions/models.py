"""The hub's recorded multi-agency decision, with each agency's view and any challenge."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from openmash.cases.models import Case
from openmash.core.codes import ContactOutcome, ReferralOutcome
from openmash.core.models import BaseModel, VersionedModel
from openmash.hub.models import Agency, ThresholdLevel


class Outcome(models.TextChoices):
    NFA = "nfa", "No further action"
    ADVICE = "advice", "Advice or signposting"
    EARLY_HELP = "early_help", "Early help, with a lead agency"
    S17_ASSESSMENT = "s17_assessment", "Child in need assessment (s.17)"
    S47_STRATEGY = "s47_strategy", "Strategy discussion (s.47)"
    POLICE_ACTION = "police_action", "Police action"
    OTHER_SERVICE = "other_service", "Another service, such as MARAC"


# The SSD contact and referral outcome each decision counts as in statutory returns.
OUTCOME_CODES: dict[str, tuple[ContactOutcome, ReferralOutcome]] = {
    Outcome.NFA: (ContactOutcome.NFA, ReferralOutcome.NFA),
    Outcome.ADVICE: (ContactOutcome.ADVICE, ReferralOutcome.ADVICE),
    Outcome.EARLY_HELP: (ContactOutcome.EARLY_HELP, ReferralOutcome.EARLY_HELP),
    Outcome.S17_ASSESSMENT: (ContactOutcome.CIN_REFERRAL, ReferralOutcome.ASSESSMENT),
    Outcome.S47_STRATEGY: (ContactOutcome.CIN_REFERRAL, ReferralOutcome.STRATEGY),
    Outcome.POLICE_ACTION: (ContactOutcome.CIN_REFERRAL, ReferralOutcome.OTHER),
    Outcome.OTHER_SERVICE: (ContactOutcome.ADVICE, ReferralOutcome.OTHER),
}


class LevelChange(models.TextChoices):
    ESCALATED = "escalated", "Escalated"
    DE_ESCALATED = "de_escalated", "De-escalated"
    SAME = "same", "Same as the referrer's view"
    UNKNOWN = "unknown", "Referrer gave no view"


class Decision(VersionedModel):
    case = models.OneToOneField(Case, on_delete=models.PROTECT, related_name="decision")
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    lead_agency = models.ForeignKey(Agency, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    other_service = models.CharField(max_length=200, blank=True, default="")
    level = models.ForeignKey(ThresholdLevel, on_delete=models.PROTECT, related_name="+")
    level_change = models.CharField(max_length=15, choices=LevelChange.choices)
    contact_outcome = models.CharField(max_length=20, choices=ContactOutcome.choices)
    referral_outcome = models.CharField(max_length=20, choices=ReferralOutcome.choices)
    rationale = models.TextField()
    information_considered = models.TextField(blank=True, default="")
    participants = models.TextField(blank=True, default="")
    proceeded_without = models.JSONField(default=list, blank=True, help_text="Agencies not yet returned.")
    proceed_reason = models.TextField(blank=True, default="")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField()

    class Meta:
        # The partnership's measures count decisions by when they were made, over any period.
        indexes = [models.Index(fields=["decided_at"], name="decision_decided_at")]

    def __str__(self) -> str:
        return f"{self.case}: {self.get_outcome_display()}"


class AgencyView(BaseModel):
    class View(models.TextChoices):
        AGREE = "agree", "Agrees"
        DISAGREE = "disagree", "Disagrees"

    decision = models.ForeignKey(Decision, on_delete=models.CASCADE, related_name="views")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    view = models.CharField(max_length=10, choices=View.choices)
    comment = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["agency__name"]
        constraints = [models.UniqueConstraint(fields=["decision", "agency"], name="one_view_per_agency")]

    def __str__(self) -> str:
        return f"{self.agency} {self.get_view_display().lower()}"


class Challenge(BaseModel):
    decision = models.ForeignKey(Decision, on_delete=models.CASCADE, related_name="challenges")
    raised_by = models.CharField(max_length=200)
    agency = models.ForeignKey(Agency, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    challenge = models.TextField()
    resolution = models.TextField(blank=True, default="")
    escalated_to = models.CharField(max_length=200, blank=True, default="")

    def __str__(self) -> str:
        return f"Challenge by {self.raised_by}"


class OutcomeChallenge(BaseModel):
    """A referrer or a partner agency disagrees with the outcome after it is sent (the partnership's
    escalation procedure): recorded with its reasons, answered by a decision maker, kept with the decision."""

    class Result(models.TextChoices):
        STANDS = "stands", "The decision stands"
        REVIEW = "review", "The decision will be reviewed"

    decision = models.ForeignKey(Decision, on_delete=models.CASCADE, related_name="outcome_challenges")
    notice = models.ForeignKey(
        "feedback.OutcomeNotification", on_delete=models.PROTECT, related_name="challenges"
    )
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    raised_at = models.DateTimeField()
    reasons = models.TextField()
    answer = models.TextField(blank=True, default="")
    result = models.CharField(max_length=10, choices=Result.choices, blank=True, default="")
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["raised_at"]

    def __str__(self) -> str:
        return f"Challenge to the outcome of {self.decision.case}"

    @property
    def is_open(self) -> bool:
        return self.answered_at is None


class Action(BaseModel):
    decision = models.ForeignKey(Decision, on_delete=models.CASCADE, related_name="actions")
    description = models.TextField()
    owner = models.CharField(max_length=200)
    owner_agency = models.ForeignKey(
        Agency, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    due_on = models.DateField()

    class Meta:
        ordering = ["due_on"]

    def __str__(self) -> str:
        return self.description[:60]
