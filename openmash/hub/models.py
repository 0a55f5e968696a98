"""The hub's configuration, held as data so that a new hub is set up without code."""

from __future__ import annotations

from datetime import time

from django.conf import settings
from django.db import models

from openmash.core.models import BaseModel, VersionedModel


class AgencyKind(models.TextChoices):
    CHILDRENS_SOCIAL_CARE = "childrens_social_care", "Children's social care"
    POLICE = "police", "Police"
    HEALTH = "health", "Health"
    EDUCATION = "education", "Education"
    PROBATION = "probation", "Probation"
    HOUSING = "housing", "Housing"
    YOUTH_OFFENDING = "youth_offending", "Youth offending"
    ADULT_SOCIAL_CARE = "adult_social_care", "Adult social care"
    EARLY_HELP = "early_help", "Early help"
    CHILDRENS_CENTRES = "childrens_centres", "Children's centres"
    DISTRICT_COUNCIL = "district_council", "District council"
    OTHER = "other", "Other"


#: Agencies whose work is with children only: not asked to start with about an adult at risk.
CHILDREN_ONLY_KINDS = frozenset(
    {AgencyKind.EDUCATION, AgencyKind.EARLY_HELP, AgencyKind.CHILDRENS_CENTRES, AgencyKind.YOUTH_OFFENDING}
)


class Location(models.TextChoices):
    CO_LOCATED = "co_located", "Co-located in the hub"
    VIRTUAL = "virtual", "Virtual partner"


class Agency(VersionedModel):
    """A partner agency. Versioned (ADR 0007): two administrators may change one agency at once."""

    name = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=40, choices=AgencyKind.choices)
    location = models.CharField(max_length=20, choices=Location.choices, default=Location.VIRTUAL)
    duty_of_confidentiality = models.BooleanField(
        default=False,
        help_text="Bound by a health-style common-law duty of confidentiality: its information needs "
        "specific consent or a recorded override before it is searched or shared.",
    )
    contact_email = models.EmailField(blank=True, default="")
    lead_email = models.EmailField(
        blank=True, default="", help_text="Who is told when this agency's requests become overdue."
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "agencies"

    def __str__(self) -> str:
        return self.name


class HubModel(models.TextChoices):
    FRONT_DOOR = "front_door", "Front door"
    CHILDREN_IN_NEED = "children_in_need", "Children in need"
    EARLY_HELP = "early_help", "Early help"


class HubConfiguration(VersionedModel):
    """The hub's model and rules, in one row: set by `hub_setup` from a preset, then edited in the product."""

    name = models.CharField(max_length=200, default="Multi-Agency Safeguarding Hub")
    hub_model = models.CharField(max_length=30, choices=HubModel.choices, default=HubModel.FRONT_DOOR)
    consent_before_search = models.BooleanField(
        default=False, help_text="No information request and no search before consent (early help hubs)."
    )
    decision_in_hub = models.BooleanField(
        default=True, help_text="The hub records a decision; off for intelligence-gathering hubs."
    )
    screen_all_referrals = models.BooleanField(
        default=True, help_text="Every referral to children's services is screened here (front door)."
    )
    destroy_record_on_keyworker = models.BooleanField(
        default=False, help_text="Destroy the collated record once a keyworker is appointed."
    )
    covers_adults = models.BooleanField(
        default=False,
        help_text="Adults at risk may be referred (adult safeguarding); off: only people under 18.",
    )
    # Which notifications go to the triage list when not every referral is screened here: each part
    # left empty matches anything, and a rule with every part empty sends nothing to triage.
    triage_source = models.CharField(
        max_length=3, blank=True, default="", help_text="The referral source code (CIN census) triaged."
    )
    triage_concern = models.CharField(
        max_length=30, blank=True, default="", help_text="The concern category triaged."
    )
    triage_grading = models.CharField(
        max_length=10,
        blank=True,
        default="",
        help_text="The risk grading triaged (DASH: standard, medium, high).",
    )
    partners_see_contributions = models.BooleanField(
        default=False,
        help_text=(
            "A partner agency's researcher sees other agencies' returned information on the cases their "
            "agency was asked about (never information the sharing gate no longer allows). Off: their own."
        ),
    )
    core_agencies = models.ManyToManyField(Agency, blank=True, related_name="+")
    threshold_document_title = models.CharField(max_length=200, default="Continuum of need")
    threshold_document_version = models.CharField(max_length=40, default="1.0")
    time_zone = models.CharField(max_length=60, default="Europe/London", editable=False)
    day_start = models.TimeField(default=time(9, 0))
    day_end = models.TimeField(default=time(17, 0))
    # How people reach the hub, and who acts when it is closed: named where a request waits and when a
    # red case is screened out of hours.
    contact_email = models.EmailField(blank=True, default="", help_text="The hub's e-mail address.")
    contact_phone = models.CharField(
        max_length=40, blank=True, default="", help_text="The hub's phone number."
    )
    out_of_hours_arrangement = models.TextField(
        blank=True,
        default="",
        help_text="Who acts when the hub is closed, and how to reach them (the emergency duty team).",
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(day_end__gt=models.F("day_start")), name="hub_day_order"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class RagRating(models.TextChoices):
    RED = "red", "Red"
    AMBER = "amber", "Amber"
    GREEN = "green", "Green"


class TimeUnit(models.TextChoices):
    WORKING_HOURS = "working_hours", "working hours"
    WORKING_DAYS = "working_days", "working days"


class RagResponseTime(VersionedModel):
    rating = models.CharField(max_length=10, choices=RagRating.choices, unique=True)
    amount = models.PositiveIntegerField()
    unit = models.CharField(max_length=20, choices=TimeUnit.choices)
    runs_out_of_hours = models.BooleanField(
        default=False, help_text="Count the clock through evenings, weekends and bank holidays."
    )

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(amount__gt=0), name="rag_amount_positive")]

    def __str__(self) -> str:
        return f"{self.get_rating_display()}: {self.describe()}"

    def describe(self) -> str:
        unit = self.get_unit_display()
        if self.amount == 1:
            unit = unit.removesuffix("s")
        if self.runs_out_of_hours:
            unit = unit.replace("working ", "") + ", including out of hours"
        return f"{self.amount} {unit}"


def level_label(number: int, name: str) -> str:
    """How a threshold level is named on every page: "Level 3: Complex needs"."""
    return f"Level {number}: {name}"


class ThresholdLevel(VersionedModel):
    """Versioned (ADR 0007): two administrators may change one level's wording at once."""

    number = models.PositiveSmallIntegerField(unique=True)
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True, default="")
    typical_response = models.CharField(max_length=300, blank=True, default="")

    class Meta:
        ordering = ["number"]

    def __str__(self) -> str:
        return level_label(self.number, self.name)


class AssessmentDomain(models.TextChoices):
    """The three sides of the Assessment Framework triangle."""

    CHILD = "child", "Child's developmental needs"
    PARENTING = "parenting", "Parenting capacity"
    FAMILY = "family", "Family and environmental factors"


class ThresholdIndicator(BaseModel):
    level = models.ForeignKey(ThresholdLevel, on_delete=models.CASCADE, related_name="indicators")
    domain = models.CharField(max_length=20, choices=AssessmentDomain.choices)
    text = models.CharField(max_length=400)

    class Meta:
        ordering = ["level__number", "domain", "text"]

    def __str__(self) -> str:
        return self.text


class ClosureDay(BaseModel):
    """A day the hub is closed besides weekends and England and Wales bank holidays."""

    date = models.DateField(unique=True)
    reason = models.CharField(max_length=200)

    class Meta:
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date:%d %B %Y}: {self.reason}"


class RiskGrading(models.TextChoices):
    """The risk grading a notification carries (the DASH risk checklist's standard, medium and high)."""

    STANDARD = "standard", "Standard"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"


class Specialism(models.TextChoices):
    DOMESTIC_ABUSE = "domestic_abuse", "Domestic abuse"
    EXPLOITATION = "exploitation", "Exploitation"
    MISSING = "missing", "Missing"
    ADULTS_AT_RISK = "adults_at_risk", "Adults at risk"
    HATE_CRIME = "hate_crime", "Hate crime"
    EARLY_HELP = "early_help", "Early help"


class Team(VersionedModel):
    """A specialist team the front door routes cases to: configuration a hub administrator edits.
    Versioned (ADR 0007): two administrators may change one team at once."""

    name = models.CharField(max_length=200, unique=True)
    specialism = models.CharField(max_length=30, choices=Specialism.choices)
    contact_email = models.EmailField(
        blank=True, default="", help_text="The team's shared inbox, told of each case routed to it."
    )
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="teams")
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
