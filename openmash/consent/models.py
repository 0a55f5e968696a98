"""Consent, lawful-basis decisions, and the disclosure log that makes sharing transparent."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from openmash.cases.models import Case
from openmash.core.models import BaseModel
from openmash.hub.models import Agency
from openmash.referrals.models import CHILD_WORDS, ReferralPerson, SubjectWords


class ForWhom(models.TextChoices):
    SELF = "self", "Themselves"
    CHILD = "child", "A named child"
    HOUSEHOLD = "household", "The whole household"


class ConsentDecision(models.TextChoices):
    GIVEN = "given", "Consent given"
    REFUSED = "refused", "Consent asked for and refused"


class InformedHow(models.TextChoices):
    VERBAL = "verbal", "Verbally"
    WRITTEN = "written", "In writing"
    ELECTRONIC = "electronic", "Electronically"


class ConsentRecord(BaseModel):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="consents")
    given_by = models.ForeignKey(ReferralPerson, on_delete=models.PROTECT, related_name="consents_given")
    for_whom = models.CharField(max_length=10, choices=ForWhom.choices)
    child = models.ForeignKey(
        ReferralPerson, null=True, blank=True, on_delete=models.PROTECT, related_name="consents_about"
    )
    decision = models.CharField(max_length=10, choices=ConsentDecision.choices)
    all_agencies = models.BooleanField(default=True)
    agencies = models.ManyToManyField(Agency, blank=True, related_name="+")
    includes_health = models.BooleanField(
        default=False, help_text="Health information was named specifically when consent was asked for."
    )
    informed_how = models.CharField(max_length=12, choices=InformedHow.choices)
    privacy_notice_version = models.CharField(max_length=40)
    given_at = models.DateTimeField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    withdrawal_note = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["given_at", "created_at"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(for_whom="child") | models.Q(child__isnull=False),
                name="consent_child_named",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_decision_display()} by {self.given_by} for {self.for_whom_label.lower()}"

    @property
    def for_whom_label(self) -> str:
        """Whom it is for, in the referral's words: "A named child" ("A named adult at risk"), "Themselves"
        or "The whole household"."""
        if self.for_whom == ForWhom.CHILD and self.child is not None:
            return f"A named {self.child.referral.subject_words.noun}"
        return str(self.get_for_whom_display())

    @property
    def is_active(self) -> bool:
        return self.decision == ConsentDecision.GIVEN and self.withdrawn_at is None


class Art6Basis(models.TextChoices):
    PUBLIC_TASK = "6(1)(e)", "UK GDPR Art 6(1)(e): public task"
    LEGAL_OBLIGATION = "6(1)(c)", "UK GDPR Art 6(1)(c): legal obligation"


SPECIAL_CATEGORY_BASIS = (
    "UK GDPR Art 9(2)(g) with Data Protection Act 2018 Schedule 1 paragraph 18 "
    "(safeguarding of children and individuals at risk)"
)
HEALTH_OVERRIDE = (
    "The common-law duty of confidentiality is set aside because of a risk of significant harm to {whom}"
)
HEALTH_OVERRIDE_TEXT = HEALTH_OVERRIDE.format(whom=CHILD_WORDS.indefinite)


def health_override_text(words: SubjectWords) -> str:
    """The health override, about the person the case's referral is about: "... harm to an adult"."""
    return HEALTH_OVERRIDE.format(whom=words.indefinite)


class LawfulBasisDecision(BaseModel):
    """A recorded decision to search or share without consent, with its legal basis and reason."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="lawful_bases")
    art6 = models.CharField(max_length=10, choices=Art6Basis.choices)
    special_category = models.BooleanField(default=True, help_text=SPECIAL_CATEGORY_BASIS)
    health_override = models.BooleanField(default=False, help_text=HEALTH_OVERRIDE_TEXT)
    all_agencies = models.BooleanField(default=True)
    agencies = models.ManyToManyField(Agency, blank=True, related_name="+")
    reason = models.TextField()
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField()

    class Meta:
        ordering = ["decided_at"]

    def __str__(self) -> str:
        return f"{self.art6} decided {self.decided_at:%d %b %Y}"


class DisclosureKind(models.TextChoices):
    SHARED = "shared", "Shared"
    VIEWED = "viewed", "Viewed"
    EXPORTED = "exported", "Exported"
    WITHHELD = "withheld", "Not shared"


class Disclosure(models.Model):
    """Append-only log: every item shared, every view or export of it, and every decision not to share."""

    id = models.BigAutoField(primary_key=True)
    at = models.DateTimeField(db_index=True)
    kind = models.CharField(max_length=10, choices=DisclosureKind.choices)
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="disclosures")
    from_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    to_description = models.CharField(max_length=300, help_text="With whom it was shared, or who saw it.")
    by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    about = models.ManyToManyField(ReferralPerson, related_name="disclosures")
    subject = models.ForeignKey(
        ReferralPerson,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=(
            "Whose own record the item is (an agency's record of that person, found by searching its "
            "systems). Empty: the case's information, about the children referred, naming the others."
        ),
    )
    item_type = models.CharField(max_length=40)
    item_id = models.CharField(max_length=64, blank=True, default="")
    item_summary = models.CharField(max_length=300)
    consent = models.ForeignKey(
        ConsentRecord, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    lawful_basis = models.ForeignKey(
        LawfulBasisDecision, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    basis_text = models.CharField(max_length=400)
    reason = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["at", "id"]
        indexes = [
            # The log newest first, whole or by sharing agency, a page at a time from the last line seen.
            models.Index(fields=["-at", "-id"], name="disclosure_log_newest"),
            models.Index(fields=["from_agency", "-at", "-id"], name="disclosure_agency_newest"),
            # A case's returns as first shared (read on every page that shows returns, to log the view
            # under the same basis), and its withheld items: not the case's every view, which grow
            # with each page shown.
            models.Index(fields=["case", "kind", "at", "id"], name="disclosure_case_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.item_summary}"
