"""Referrals (contacts) about children, from the form or from an agency system."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import cached_property

from django.conf import settings
from django.db import models
from django.utils import timezone

from openmash.core.codes import ReferralSource, Sex
from openmash.core.models import BaseModel, VersionedModel
from openmash.hub.models import Agency, RiskGrading

REREFERRAL_WINDOW = timedelta(days=365)
"""A re-referral's look-back, and Annex A's "in the last 12 months": 365 days before the referral."""


class ConcernCategory(models.TextChoices):
    NEGLECT = "neglect", "Neglect"
    PHYSICAL_ABUSE = "physical_abuse", "Physical abuse"
    SEXUAL_ABUSE = "sexual_abuse", "Sexual abuse"
    EMOTIONAL_ABUSE = "emotional_abuse", "Emotional abuse"
    DOMESTIC_ABUSE = "domestic_abuse", "Domestic abuse"
    CSE = "cse", "Child sexual exploitation"
    CCE = "cce", "Child criminal exploitation"
    MISSING = "missing", "Missing"
    FGM = "fgm", "Female genital mutilation"
    RADICALISATION = "radicalisation", "Radicalisation"
    PARENTAL_MENTAL_HEALTH = "parental_mental_health", "Parental mental health"
    SUBSTANCE_MISUSE = "substance_misuse", "Substance misuse"
    HATE_CRIME = "hate_crime", "Hate crime"
    ADULT_AT_RISK = "adult_at_risk", "Adult at risk (adult safeguarding)"
    OTHER = "other", "Other"


ADULT_AGE = 18


def age_on(born: date, on: date) -> int:
    """Age in whole years on a day."""
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


@dataclass(frozen=True, slots=True)
class SubjectWords:
    """How pages name the person a referral is about (ADR 0024: adults at risk may be referred)."""

    short: str  # "this child has been referred before"
    noun: str  # "Relationship to the child"
    plural: str  # "The children"
    referred: str  # the tag on the person referred: "Child referred"
    plural_referred: str  # "the case's information about the children referred"
    indefinite: str  # "a risk of significant harm to a child"
    group: str  # who the hub safeguards, in general: "Safeguarding children is part of the public task"
    consent_from: str = "a parent or carer"  # "Record consent from a parent or carer that covers Health"


CHILD_WORDS = SubjectWords(
    "child", "child", "children", "child referred", "children referred", "a child", "children"
)
ADULT_WORDS = SubjectWords(
    "adult",
    "adult at risk",
    "adults at risk",
    "adult at risk referred",
    "adults at risk referred",
    "an adult",
    "adults at risk",
    "the adult at risk (or someone who may decide for them)",
)
PERSON_WORDS = SubjectWords(
    "person",
    "person referred",
    "people referred",
    "person referred",
    "people referred",
    "a person",
    "children and adults at risk",
    "the person referred, a parent or a carer",
)
#: The referral form of a hub that covers adults at risk: who is referred, a child or an adult, is not
#: known until the referral is made ("The person or people you are worried about", "Person 1").
CHILD_OR_ADULT_WORDS = SubjectWords(
    "person",
    "person you are worried about",
    "people you are worried about",
    "person referred",
    "people referred",
    "a child or adult",
    "children and adults at risk",
)


def referral_form_words(*, covers_adults: bool) -> SubjectWords:
    """The words the referral form (and the rules it shares with the API) names the person referred by:
    a child, or where the hub covers adults at risk, the person you are worried about."""
    return CHILD_OR_ADULT_WORDS if covers_adults else CHILD_WORDS


class Channel(models.TextChoices):
    FORM = "form", "Referral form"
    API = "api", "Agency system (API)"


class FamilyConsent(models.TextChoices):
    AWARE_AGREES = "aware_agrees", "The family knows and agrees"
    AWARE_DISAGREES = "aware_disagrees", "The family knows but does not agree"
    NOT_AWARE = "not_aware", "The family does not know"


def concern_labels(categories: list[str]) -> list[str]:
    """The concern categories' labels, in the referral's order."""
    return [ConcernCategory(c).label for c in categories]


class Referral(BaseModel):
    reference = models.CharField(max_length=20, unique=True)
    received_at = models.DateTimeField(db_index=True)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="referrals_made",
    )
    referrer_name = models.CharField(max_length=200)
    referrer_agency = models.ForeignKey(
        Agency, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    referrer_organisation = models.CharField(max_length=200)
    referrer_job_title = models.CharField(max_length=200, blank=True, default="")
    referrer_email = models.EmailField(blank=True, default="")
    referrer_phone = models.CharField(max_length=40, blank=True, default="")
    source = models.CharField(max_length=3, choices=ReferralSource.choices)
    concerns = models.TextField()
    concern_categories = models.JSONField(default=list)
    referrer_level = models.PositiveSmallIntegerField(null=True, blank=True)
    risk_grading = models.CharField(
        max_length=10,
        choices=RiskGrading.choices,
        blank=True,
        default="",
        help_text="The risk grading a notification carries (police domestic abuse: the DASH grading).",
    )
    family_consent = models.CharField(max_length=20, choices=FamilyConsent.choices)
    earlier_referrals = models.ManyToManyField(
        "self", symmetrical=False, blank=True, related_name="later_referrals"
    )
    earlier_referrals_destroyed = models.PositiveSmallIntegerField(
        default=0,
        help_text="Earlier referrals to children's social care about the same child in the 12 months "
        "before this one whose link was cut when one of the two cases was destroyed: they still count "
        "(re-referrals, Annex A's referrals in the last 12 months), without saying which they were.",
    )

    class Meta:
        ordering = ["received_at"]

    def __str__(self) -> str:
        return self.reference

    def concern_labels(self) -> list[str]:
        return concern_labels(self.concern_categories)

    @cached_property
    def subject_words(self) -> SubjectWords:
        """A child; an adult at risk where the referral is for adult safeguarding (the concern "Adult at
        risk") about people 18 or over when it arrived; a person where that cannot be told (no date of
        birth, or children and adults referred together)."""
        if ConcernCategory.ADULT_AT_RISK not in self.concern_categories:
            return CHILD_WORDS
        on = timezone.localdate(self.received_at)
        adult = {
            None if p.date_of_birth is None else age_on(p.date_of_birth, on) >= ADULT_AGE
            for p in self.people.all()
            if p.is_subject
        }
        if adult == {True}:
            return ADULT_WORDS
        if adult == {False}:
            return CHILD_WORDS
        return PERSON_WORDS


class Relationship(models.TextChoices):
    SUBJECT = "subject", "Child referred"
    MOTHER = "mother", "Mother"
    FATHER = "father", "Father"
    STEP_PARENT = "step_parent", "Step-parent"
    PARTNER = "partner", "Parent's partner"
    SIBLING = "sibling", "Sibling"
    GRANDPARENT = "grandparent", "Grandparent"
    CARER = "carer", "Carer"
    OTHER_ADULT = "other_adult", "Other adult in the household"
    OTHER = "other", "Other"
    # An adult at risk's own family (ADR 0024): their partner, and their children.
    OWN_PARTNER = "own_partner", "Their partner or spouse"
    SON_OR_DAUGHTER = "son_or_daughter", "Their son or daughter"


#: Relationships a referral about a child is not offered: they name an adult at risk's own partner and
#: children. A referral that has one (from an agency system, or a person later found to be 18) keeps it.
ADULT_RELATIONSHIPS = frozenset({Relationship.OWN_PARTNER, Relationship.SON_OR_DAUGHTER})


def relationship_choices(words: SubjectWords, *, keep: str = "") -> list[tuple[str, str]]:
    """The relationships a form offers for someone around the person referred: without "Their partner
    or spouse" and "Their son or daughter" where a child is referred (unless ``keep``, the person's
    relationship now, is one of them)."""
    return [
        (r.value, r.label)
        for r in Relationship
        if r != Relationship.SUBJECT
        and (words != CHILD_WORDS or r not in ADULT_RELATIONSHIPS or r.value == keep)
    ]


#: The order the people on a referral are listed in: the people referred first, then by name.
PEOPLE_ORDER = ("-is_subject", "family_name", "given_name")


class ReferralPerson(VersionedModel):
    """Versioned (ADR 0007): the hub and agency researchers may correct one person's details at once."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="people")
    is_subject = models.BooleanField(default=False)
    relationship = models.CharField(max_length=20, choices=Relationship.choices)
    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100)
    date_of_birth = models.DateField(null=True, blank=True)
    date_of_death = models.DateField(null=True, blank=True)
    sex = models.CharField(max_length=1, choices=Sex.choices, default=Sex.UNKNOWN)
    address = models.CharField(max_length=300, blank=True, default="")
    postcode = models.CharField(max_length=10, blank=True, default="")
    nhs_number = models.CharField(max_length=10, blank=True, default="", db_index=True)
    school = models.CharField(max_length=200, blank=True, default="")

    class Meta:
        ordering = list(PEOPLE_ORDER)
        indexes = [models.Index(fields=["family_name", "date_of_birth"])]

    def __str__(self) -> str:
        return f"{self.given_name} {self.family_name}"

    @property
    def role(self) -> str:
        """How the referral names them, in its words: "Adult at risk referred" (or "Child referred") for
        the person referred, their relationship ("Mother") for anyone else."""
        if self.is_subject:
            return self.referral.subject_words.referred.capitalize()
        return str(self.get_relationship_display())
