"""Reads of the people on a case, and the family they form for the genogram."""

from __future__ import annotations

from django.db.models import Prefetch

from openmash.cases.models import Case
from openmash.genogram.model import Family, GenoHousehold, GenoPerson, GenoRelationship
from openmash.people.models import Household, PersonIdentifier, PersonRelationship
from openmash.referrals.models import ReferralPerson

SEX = {"M": "male", "F": "female", "U": "unknown"}


def people_on(case: Case) -> list[ReferralPerson]:
    """The case's people, each with its identifiers and addresses (one query each for all of them)."""
    return list(
        case.referral.people.order_by(
            "-is_subject", "date_of_birth", "family_name", "given_name"
        ).prefetch_related(
            Prefetch("identifiers", queryset=PersonIdentifier.objects.order_by("scheme", "value")),
            "addresses",
        )
    )


def relationships_on(case: Case) -> list[PersonRelationship]:
    return list(case.relationships.select_related("from_person", "to_person"))


def households_on(case: Case) -> list[Household]:
    return list(case.households.prefetch_related("members"))


def family_for(
    case: Case,
    *,
    people: list[ReferralPerson] | None = None,
    relationships: list[PersonRelationship] | None = None,
    households: list[Household] | None = None,
) -> Family:
    """The case's people, relationships and households in the genogram's terms (from the lists the
    page read already, when it passes them)."""
    return Family(
        people=[
            GenoPerson(
                id=str(p.pk),
                name=f"{p.given_name} {p.family_name}",
                sex=SEX.get(p.sex, "unknown"),  # type: ignore[arg-type]
                date_of_birth=p.date_of_birth,
                date_of_death=p.date_of_death,
                is_subject=p.is_subject,
            )
            for p in (people if people is not None else people_on(case))
        ],
        relationships=[
            GenoRelationship(
                kind=r.kind,  # type: ignore[arg-type]
                from_id=str(r.from_person_id),
                to_id=str(r.to_person_id),
                status=r.status,
            )
            for r in (relationships if relationships is not None else relationships_on(case))
        ],
        households=[
            GenoHousehold(id=str(h.pk), member_ids=tuple(str(m.pk) for m in h.members.all()), label=h.label)
            for h in (households if households is not None else households_on(case))
        ],
        subject=case.referral.subject_words.referred,
    )
