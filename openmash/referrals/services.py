"""Taking in a referral, from the form or the API, with one set of rules."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from openmash.accounts.models import User
from openmash.core.actor import Actor
from openmash.core.codes import ReferralSource, Sex
from openmash.core.errors import DomainError
from openmash.core.models import next_number
from openmash.core.nhs import is_valid_nhs_number, normalise_nhs_number
from openmash.hub.models import Agency, RiskGrading, ThresholdLevel
from openmash.hub.selectors import hub_configuration
from openmash.referrals.models import (
    ADULT_AGE,
    ADULT_RELATIONSHIPS,
    CHILD_WORDS,
    Channel,
    ConcernCategory,
    FamilyConsent,
    Referral,
    ReferralPerson,
    Relationship,
    age_on,
    referral_form_words,
)

# "Add at least one child"; where the hub covers adults at risk, "... person you are worried about".
NO_SUBJECT = "Add at least one {noun}"
NO_CHILD = NO_SUBJECT.format(noun=CHILD_WORDS.noun)
CHILD_TOO_OLD = "A child must be under 18 on the day of the referral"
# Where the hub covers adults at risk, an adult may be the person referred, for adult safeguarding.
ADULT_NEEDS_CATEGORY = "Select 'Adult at risk' as a kind of concern for a person aged 18 or over"
# "Their partner or spouse" and "Their son or daughter" name an adult at risk's own family.
ADULT_RELATIONSHIP = "'{label}' is for an adult at risk's family: this hub takes referrals about children"
BAD_GRADING = "'{value}' is not a risk grading: use standard, medium or high"
BORN_IN_FUTURE = "Date of birth must be in the past"
BAD_NHS_NUMBER = "Enter a valid 10-digit NHS number, or leave it blank"
NO_CATEGORY = "Select at least one kind of concern"
UNKNOWN_CATEGORY = "'{value}' is not a kind of concern OpenMASH knows"
NO_CONCERNS = "Describe your concerns"
UNKNOWN_LEVEL = "There is no level {value} in the threshold document"
NO_NAME = "Enter the person's first and last names"


@dataclass
class PersonData:
    given_name: str
    family_name: str
    relationship: str = Relationship.SUBJECT
    date_of_birth: date | None = None
    sex: str = Sex.UNKNOWN
    address: str = ""
    postcode: str = ""
    nhs_number: str = ""
    school: str = ""

    @property
    def is_subject(self) -> bool:
        return self.relationship == Relationship.SUBJECT


@dataclass
class ReferralData:
    referrer_name: str
    referrer_organisation: str
    source: str
    concerns: str
    concern_categories: list[str]
    family_consent: str
    people: list[PersonData] = field(default_factory=list)
    referrer_job_title: str = ""
    referrer_email: str = ""
    referrer_phone: str = ""
    referrer_agency: Agency | None = None
    referrer_level: int | None = None
    risk_grading: str = ""


class ReferralInvalidError(DomainError):
    """The referral breaks a rule; `errors` maps a field path to its messages."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__("; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items()))
        self.errors = errors


def referral_validate(data: ReferralData, *, on: date) -> dict[str, list[str]]:
    """Rules shared by the form and the API. Field paths use the API's names (people.0.nhs_number)."""
    errors: dict[str, list[str]] = {}

    def add(path: str, message: str) -> None:
        errors.setdefault(path, []).append(message)

    if not data.concerns.strip():
        add("concerns", NO_CONCERNS)
    if not data.concern_categories:
        add("concern_categories", NO_CATEGORY)
    for value in data.concern_categories:
        if value not in ConcernCategory.values:
            add("concern_categories", UNKNOWN_CATEGORY.format(value=value))
    if (
        data.referrer_level is not None
        and not ThresholdLevel.objects.filter(number=data.referrer_level).exists()
    ):
        add("referrer_level", UNKNOWN_LEVEL.format(value=data.referrer_level))
    covers_adults = hub_configuration().covers_adults
    if not any(p.is_subject for p in data.people):
        add("people", NO_SUBJECT.format(noun=referral_form_words(covers_adults=covers_adults).noun))
    if data.risk_grading and data.risk_grading not in RiskGrading.values:
        add("risk_grading", BAD_GRADING.format(value=data.risk_grading))
    for index, person in enumerate(data.people):
        path = f"people.{index}"
        if not person.given_name.strip() or not person.family_name.strip():
            add(f"{path}.given_name", NO_NAME)
        dob = person.date_of_birth
        if dob is not None and dob > on:
            add(f"{path}.date_of_birth", BORN_IN_FUTURE)
        elif dob is not None and person.is_subject and age_on(dob, on) >= ADULT_AGE:
            if not covers_adults:
                add(f"{path}.date_of_birth", CHILD_TOO_OLD)
            elif ConcernCategory.ADULT_AT_RISK not in data.concern_categories:
                add(f"{path}.date_of_birth", ADULT_NEEDS_CATEGORY)
        if person.nhs_number and not is_valid_nhs_number(person.nhs_number):
            add(f"{path}.nhs_number", BAD_NHS_NUMBER)
        if person.relationship in ADULT_RELATIONSHIPS and not covers_adults:
            label = Relationship(person.relationship).label
            add(f"{path}.relationship", ADULT_RELATIONSHIP.format(label=label))
    return errors


def referral_create(
    *, actor: Actor, data: ReferralData, channel: Channel, received_at: datetime | None = None
) -> Referral:
    """Record the referral and the people it names; earlier referrals about the same child are linked.
    The intake flow (`openmash.casework.intake.referral_receive`) opens its case in the same
    transaction and records the receipt in the audit trail."""
    received_at = received_at or timezone.now()
    errors = referral_validate(data, on=timezone.localdate(received_at))
    if errors:
        raise ReferralInvalidError(errors)
    assert data.source in ReferralSource.values, data.source  # noqa: S101 - forms and serializers enforce it
    assert data.family_consent in FamilyConsent.values  # noqa: S101
    with transaction.atomic():
        number = next_number(f"referral-{received_at.year}")
        referral = Referral.objects.create(
            reference=f"R-{received_at.year}-{number:05d}",
            received_at=received_at,
            channel=channel,
            made_by=actor.user if isinstance(actor.user, User) else None,
            referrer_name=data.referrer_name,
            referrer_agency=data.referrer_agency,
            referrer_organisation=data.referrer_organisation,
            referrer_job_title=data.referrer_job_title,
            referrer_email=data.referrer_email,
            referrer_phone=data.referrer_phone,
            source=data.source,
            concerns=data.concerns,
            concern_categories=sorted(set(data.concern_categories), key=ConcernCategory.values.index),
            referrer_level=data.referrer_level,
            risk_grading=data.risk_grading,
            family_consent=data.family_consent,
            created_by=actor.user,
        )
        people = ReferralPerson.objects.bulk_create(
            [
                ReferralPerson(
                    referral=referral,
                    is_subject=p.is_subject,
                    relationship=p.relationship,
                    given_name=p.given_name.strip(),
                    family_name=p.family_name.strip(),
                    date_of_birth=p.date_of_birth,
                    sex=p.sex,
                    address=p.address,
                    postcode=p.postcode.upper().strip(),
                    nhs_number=normalise_nhs_number(p.nhs_number) if p.nhs_number else "",
                    school=p.school,
                )
                for p in data.people
            ]
        )
        earlier = earlier_referrals_about(people, exclude=referral)
        referral.earlier_referrals.set(earlier)
    return referral


def earlier_referrals_about(
    people: list[ReferralPerson], *, exclude: Referral | None = None
) -> list[Referral]:
    """Earlier referrals naming the same child: the same NHS number, or the same name and date of birth."""
    match = Q()
    for person in people:
        if not person.is_subject:
            continue
        if person.nhs_number:
            match |= Q(nhs_number=person.nhs_number)
        if person.date_of_birth:
            match |= Q(
                given_name__iexact=person.given_name,
                family_name__iexact=person.family_name,
                date_of_birth=person.date_of_birth,
            )
    if not match:
        return []
    found = ReferralPerson.objects.filter(match, is_subject=True).values_list("referral_id", flat=True)
    earlier = Referral.objects.filter(pk__in=found)
    if exclude is not None:
        earlier = earlier.exclude(pk=exclude.pk).filter(received_at__lte=exclude.received_at)
    return list(earlier.order_by("received_at"))
