"""Reads of the people on a case, and the family they form for the genogram."""

from __future__ import annotations

from collections.abc import Collection

from django.db.models import Prefetch

from openmash.cases.models import Case
from openmash.core.prepared import Param, Prepared, pointing_at
from openmash.genogram.model import Family, GenoHousehold, GenoPerson, GenoRelationship
from openmash.people.models import Household, PersonAddition, PersonIdentifier, PersonRelationship
from openmash.referrals.models import ReferralPerson

SEX = {"M": "male", "F": "female", "U": "unknown"}


def people_on(case: Case) -> list[ReferralPerson]:
    """The case's people, each with its identifiers, addresses and, for someone the referral did not
    name, who added them (one query each for all of them)."""
    referral = case.referral
    return pointing_at(_PEOPLE_ON.run(referral=referral.pk), "referral", referral)


# The people pages, the genogram and the search page read these by the case's key: compiled once
# (ADR 0040).
_PEOPLE_ON = Prepared(
    lambda: (
        ReferralPerson.objects.filter(
            referral_id=Param("referral", ReferralPerson._meta.get_field("referral").target_field)
        )
        .order_by("-is_subject", "date_of_birth", "family_name", "given_name")
        .select_related("addition__agency", "addition__created_by")
        .prefetch_related(
            Prefetch("identifiers", queryset=PersonIdentifier.objects.order_by("scheme", "value")),
            "addresses",
        )
    )
)
_RELATIONSHIPS_ON = Prepared(
    lambda: PersonRelationship.objects.filter(case_id=Param("case", Case._meta.pk)).select_related(
        "from_person", "to_person"
    )
)
_HOUSEHOLDS_ON = Prepared(
    lambda: Household.objects.filter(case_id=Param("case", Case._meta.pk)).prefetch_related("members")
)


def addition_of(person: ReferralPerson) -> PersonAddition | None:
    """Who added this person to the case; None for someone the referral named."""
    try:
        return person.addition
    except PersonAddition.DoesNotExist:
        return None


def provenance(person: ReferralPerson, agencies: Collection[object]) -> str:
    """How the person came to be on the case, as a reader who sees `agencies`' returned information is
    told it: "Named on the referral", "Added by Police researcher Priya Shah during the search"."""
    addition = addition_of(person)
    return addition.provenance_for(agencies) if addition is not None else "Named on the referral"


# Read by every case page: compiled once (ADR 0040).
_ADDED_IN_SEARCHES = Prepared(
    lambda: PersonAddition.objects.filter(
        case_id=Param("case", PersonAddition._meta.get_field("case").target_field), request__isnull=False
    ).select_related("person", "agency", "created_by")
)


def people_added_in_searches(case: Case) -> list[PersonAddition]:
    """The people agencies' researchers added to the case while answering their requests, oldest first."""
    return _ADDED_IN_SEARCHES.run(case=case.pk)


def relationships_on(case: Case) -> list[PersonRelationship]:
    return pointing_at(_RELATIONSHIPS_ON.run(case=case.pk), "case", case)


def households_on(case: Case) -> list[Household]:
    return pointing_at(_HOUSEHOLDS_ON.run(case=case.pk), "case", case)


def family_for(
    case: Case,
    *,
    people: list[ReferralPerson] | None = None,
    relationships: list[PersonRelationship] | None = None,
    households: list[Household] | None = None,
    agencies: Collection[object] = frozenset(),
) -> Family:
    """The case's people, relationships and households in the genogram's terms (from the lists the
    page read already, when it passes them). Someone an agency's researcher added during the search is
    marked so; which agency, only for a reader who sees `agencies`' returned information (the access
    policy's `contribution_agencies`)."""
    return Family(
        people=[
            GenoPerson(
                id=str(p.pk),
                name=f"{p.given_name} {p.family_name}",
                sex=SEX.get(p.sex, "unknown"),  # type: ignore[arg-type]
                date_of_birth=p.date_of_birth,
                date_of_death=p.date_of_death,
                is_subject=p.is_subject,
                notes=_notes(p, agencies),
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


def _notes(person: ReferralPerson, agencies: Collection[object]) -> tuple[str, ...]:
    addition = addition_of(person)
    return addition.genogram_lines(agencies) if addition is not None else ()
