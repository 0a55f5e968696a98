"""The people on a case beyond what the referral said: identifiers, addresses, relationships, households.

A person on a case is a `referrals.ReferralPerson` (the referral's people, plus anyone the hub adds).
"""

from __future__ import annotations

from collections.abc import Collection

from django.db import models

from openmash.cases.models import Case
from openmash.core.models import BaseModel, VersionedModel
from openmash.enquiries.models import InformationRequest
from openmash.hub.models import Agency
from openmash.referrals.models import ReferralPerson


class RelationshipKind(models.TextChoices):
    PARENT = "parent", "Parent"
    STEP_PARENT = "step_parent", "Step-parent"
    PARTNER = "partner", "Partner"
    SPOUSE = "spouse", "Spouse or civil partner"
    EX_PARTNER = "ex_partner", "Ex-partner"
    SIBLING = "sibling", "Sibling"
    HALF_SIBLING = "half_sibling", "Half-sibling"
    GRANDPARENT = "grandparent", "Grandparent"
    CARER = "carer", "Carer"
    HOUSEHOLD_MEMBER = "household_member", "Household member"
    OTHER_SIGNIFICANT_ADULT = "other_significant_adult", "Other significant adult"


# "from is the <kind> of to": these point from the older person to the younger.
DIRECTED_KINDS = frozenset(
    {
        RelationshipKind.PARENT,
        RelationshipKind.STEP_PARENT,
        RelationshipKind.GRANDPARENT,
        RelationshipKind.CARER,
    }
)
PARTNERSHIP_KINDS = frozenset(
    {RelationshipKind.PARTNER, RelationshipKind.SPOUSE, RelationshipKind.EX_PARTNER}
)


class PartnershipStatus(models.TextChoices):
    CURRENT = "current", "Together"
    SEPARATED = "separated", "Separated"
    DIVORCED = "divorced", "Divorced"
    WIDOWED = "widowed", "Widowed"


class PersonRelationship(BaseModel):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="relationships")
    from_person = models.ForeignKey(
        ReferralPerson, on_delete=models.CASCADE, related_name="relationships_from"
    )
    to_person = models.ForeignKey(ReferralPerson, on_delete=models.CASCADE, related_name="relationships_to")
    kind = models.CharField(max_length=30, choices=RelationshipKind.choices)
    status = models.CharField(max_length=12, choices=PartnershipStatus.choices, blank=True, default="")

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "from_person", "to_person", "kind"], name="relationship_once"
            ),
            models.CheckConstraint(
                condition=~models.Q(from_person=models.F("to_person")), name="relationship_not_to_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.from_person} is the {self.get_kind_display().lower()} of {self.to_person}"


class IdentifierScheme(models.TextChoices):
    NHS = "nhs", "NHS number"
    UPN = "upn", "Unique pupil number"
    POLICE = "police", "Police national computer ID"
    SOCIAL_CARE = "social_care", "Social care ID"
    OTHER = "other", "Other"


class PersonIdentifier(VersionedModel):
    """Versioned (ADR 0007): two people may correct one identifier at once."""

    person = models.ForeignKey(ReferralPerson, on_delete=models.CASCADE, related_name="identifiers")
    scheme = models.CharField(max_length=20, choices=IdentifierScheme.choices)
    value = models.CharField(max_length=40)
    issued_by = models.CharField(max_length=200, blank=True, default="")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["person", "scheme", "value"], name="identifier_once")]

    def __str__(self) -> str:
        return f"{self.get_scheme_display()} {self.value}"


class PersonAddress(BaseModel):
    person = models.ForeignKey(ReferralPerson, on_delete=models.CASCADE, related_name="addresses")
    address = models.CharField(max_length=300)
    postcode = models.CharField(max_length=10, blank=True, default="")
    from_date = models.DateField(null=True, blank=True)
    to_date = models.DateField(null=True, blank=True, help_text="Empty while they live there.")

    class Meta:
        ordering = ["-from_date"]

    def __str__(self) -> str:
        return self.address


class Household(VersionedModel):
    """Versioned (ADR 0007): two people may change one household at once."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="households")
    label = models.CharField(max_length=200)
    address = models.CharField(max_length=300, blank=True, default="")
    members = models.ManyToManyField(ReferralPerson, related_name="households")

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return self.label


class PersonAddition(BaseModel):
    """Someone the referral did not name, added to the case: by whom (`created_by`), for which agency,
    and, when an agency's researcher found them while answering its request, that request and how they
    know of them. A person on the referral has none."""

    person = models.OneToOneField(ReferralPerson, on_delete=models.CASCADE, related_name="addition")
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="people_added")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    request = models.ForeignKey(
        InformationRequest, on_delete=models.SET_NULL, null=True, blank=True, related_name="people_added"
    )
    reason = models.TextField(blank=True, default="", help_text="How the person adding them knows of them.")

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return self.provenance

    @property
    def during_search(self) -> bool:
        return self.request_id is not None

    @property
    def by(self) -> str:
        """Who added them, as people say it: "Police researcher Priya Shah", "Sam Lee, Children's Social
        Care"."""
        user = self.created_by
        name = (user.get_full_name() or user.username) if user is not None else ""
        agency = self.agency.name if self.agency is not None else ""
        if self.during_search:
            return " ".join(part for part in (f"{agency} researcher".strip(), name) if part)
        return ", ".join(part for part in (name or "OpenMASH", agency) if part)

    @property
    def provenance(self) -> str:
        """ "Added by Police researcher Priya Shah during the search", "Added by Sam Lee, Children's Social
        Care"."""
        return f"Added by {self.by}" + (" during the search" if self.during_search else "")

    def told(self, agencies: Collection[object]) -> bool:
        """Whether a reader who sees the returned information of `agencies` (the access policy's
        answer) is told which agency found this person, and how they know of them: who found someone in
        an agency's records is part of that agency's contribution. A hub addition is told to everyone."""
        return not self.during_search or self.agency_id in agencies

    def provenance_for(self, agencies: Collection[object]) -> str:
        if self.told(agencies):
            return self.provenance
        return "Added by a partner agency during the search"

    def genogram_lines(self, agencies: Collection[object]) -> tuple[str, ...]:
        """The provenance in short lines under the person's name on the genogram, for additions during a
        search ("Added by Police researcher", "during the search"); none for the hub's own."""
        if not self.during_search:
            return ()
        if self.told(agencies) and self.agency is not None:
            return (f"Added by {self.agency.name} researcher", "during the search")
        return ("Added by a partner agency", "during the search")
