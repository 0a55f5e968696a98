"""The synthetic local area: immutable records (`openmash.synth.generate_area` builds them).

Everything here is invented. Names, streets, towns and postcodes come from
Faker's ``en_GB`` locale, NHS numbers come from the reserved 999 test range,
and referral texts are filled-in templates. Nothing is derived from real
people or real records.

Conventions
-----------
* Identifiers are opaque strings with a type prefix: ``P000001`` (person),
  ``A000001`` (address), ``H000001`` (household), ``R000001`` (referral).
  Referral ids follow ``received_on`` order.
* Address histories use half-open intervals: a move covers
  ``from_date <= day < to_date``; ``to_date is None`` means "lives there now".
  Each person's moves are contiguous or gapped, never overlapping, and a
  person has between one and four of them.
* Directed relationships read "``from_id`` is the ``kind`` of ``to_id``":
  ``parent``, ``step_parent`` and ``grandparent`` always point from the older
  person to the younger. Symmetric kinds (``partner``, ``spouse``,
  ``ex_partner``, ``sibling``, ``half_sibling``) appear once per pair with
  ``from_id < to_id``.
* Partnership relationships carry a ``status``: ``partner`` is ``current``;
  ``spouse`` is ``current``, ``separated`` (married, living apart) or
  ``widowed`` (the other spouse has died); ``ex_partner`` is ``separated``
  (never married) or ``divorced``. Other kinds have ``status=None``.
* Every living person either belongs to exactly one household (and their
  open-ended move is to that household's address) or has left the area (their
  last move has a ``to_date``). Deceased people belong to no household.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Final, Literal

__all__ = [
    "AGENCY_KINDS",
    "CONCERN_CATEGORIES",
    "DEFAULT_REFERENCE_DATE",
    "ETHNICITY_CODES",
    "PARTNERSHIP_KINDS",
    "RELATIONSHIP_KINDS",
    "SYMMETRIC_KINDS",
    "Address",
    "AddressMove",
    "AgencyKind",
    "Area",
    "ConcernCategory",
    "Household",
    "PartnershipStatus",
    "Person",
    "Referral",
    "Relationship",
    "RelationshipKind",
    "Sex",
    "age_on",
    "re_referral_ids",
]

Sex = Literal["male", "female", "unknown"]

RelationshipKind = Literal[
    "parent",
    "step_parent",
    "grandparent",
    "partner",
    "spouse",
    "ex_partner",
    "sibling",
    "half_sibling",
]
RELATIONSHIP_KINDS: Final[tuple[RelationshipKind, ...]] = (
    "parent",
    "step_parent",
    "grandparent",
    "partner",
    "spouse",
    "ex_partner",
    "sibling",
    "half_sibling",
)
SYMMETRIC_KINDS: Final[frozenset[RelationshipKind]] = frozenset(
    {"partner", "spouse", "ex_partner", "sibling", "half_sibling"}
)

PartnershipStatus = Literal["current", "separated", "divorced", "widowed"]
#: Which statuses each partnership kind may carry.
PARTNERSHIP_KINDS: Final[dict[RelationshipKind, frozenset[PartnershipStatus]]] = {
    "partner": frozenset({"current"}),
    "spouse": frozenset({"current", "separated", "widowed"}),
    "ex_partner": frozenset({"separated", "divorced"}),
}

AgencyKind = Literal[
    "police",
    "school",
    "gp",
    "health_visitor",
    "midwife",
    "hospital",
    "ambulance",
    "school_nurse",
    "housing",
    "probation",
    "early_help",
    "youth_service",
    "family_member",
    "public",
    "anonymous",
]
AGENCY_KINDS: Final[tuple[AgencyKind, ...]] = (
    "police",
    "school",
    "gp",
    "health_visitor",
    "midwife",
    "hospital",
    "ambulance",
    "school_nurse",
    "housing",
    "probation",
    "early_help",
    "youth_service",
    "family_member",
    "public",
    "anonymous",
)

ConcernCategory = Literal[
    "neglect",
    "physical_abuse",
    "sexual_abuse",
    "emotional_abuse",
    "domestic_abuse",
    "cse",
    "cce",
    "missing",
    "fgm",
    "radicalisation",
    "parental_mental_health",
    "substance_misuse",
    "other",
]
CONCERN_CATEGORIES: Final[tuple[ConcernCategory, ...]] = (
    "neglect",
    "physical_abuse",
    "sexual_abuse",
    "emotional_abuse",
    "domestic_abuse",
    "cse",
    "cce",
    "missing",
    "fgm",
    "radicalisation",
    "parental_mental_health",
    "substance_misuse",
    "other",
)

#: DfE school-census main ethnicity codes used for ``Person.ethnicity``.
ETHNICITY_CODES: Final[dict[str, str]] = {
    "WBRI": "White - British",
    "WIRI": "White - Irish",
    "WIRT": "Traveller of Irish heritage",
    "WROM": "Gypsy / Roma",
    "WOTH": "Any other White background",
    "MWBC": "White and Black Caribbean",
    "MWBA": "White and Black African",
    "MWAS": "White and Asian",
    "MOTH": "Any other mixed background",
    "AIND": "Indian",
    "APKN": "Pakistani",
    "ABAN": "Bangladeshi",
    "AOTH": "Any other Asian background",
    "BCRB": "Black Caribbean",
    "BAFR": "Black - African",
    "BOTH": "Any other Black background",
    "CHNE": "Chinese",
    "OOTH": "Any other ethnic group",
    "REFU": "Refused",
    "NOBT": "Information not yet obtained",
}

DEFAULT_REFERENCE_DATE: Final = date(2026, 11, 2)


def age_on(date_of_birth: date, on: date) -> int:
    """Age in whole years on ``on`` (a 29 February birthday falls on 1 March)."""
    return on.year - date_of_birth.year - ((on.month, on.day) < (date_of_birth.month, date_of_birth.day))


@dataclass(frozen=True, slots=True)
class Address:
    id: str
    line1: str
    line2: str
    town: str
    postcode: str
    uprn: str
    """A synthetic 12-digit property reference (always starts ``99``); not a real UPRN."""


@dataclass(frozen=True, slots=True)
class Person:
    id: str
    given_name: str
    middle_name: str | None
    family_name: str
    sex: Sex
    date_of_birth: date
    date_of_death: date | None = None
    nhs_number: str | None = None
    school: str | None = None
    """School or college attended, for children of school age who live in the area."""
    ethnicity: str | None = None
    """A key of :data:`ETHNICITY_CODES`, or ``None`` when not recorded."""
    previous_family_names: tuple[str, ...] = ()
    """Earlier family names, oldest first, excluding the current one."""

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.given_name, self.middle_name, self.family_name) if part)

    def age_on(self, on: date) -> int:
        return age_on(self.date_of_birth, on)

    def is_alive_on(self, on: date) -> bool:
        return self.date_of_birth <= on and (self.date_of_death is None or self.date_of_death > on)


@dataclass(frozen=True, slots=True)
class Household:
    id: str
    address_id: str
    member_ids: tuple[str, ...]
    moved_in: date
    """The earliest date on which a current member moved in (or was born there)."""


@dataclass(frozen=True, slots=True)
class AddressMove:
    person_id: str
    address_id: str
    from_date: date
    to_date: date | None


@dataclass(frozen=True, slots=True)
class Relationship:
    from_id: str
    to_id: str
    kind: RelationshipKind
    status: PartnershipStatus | None = None


@dataclass(frozen=True, slots=True)
class Referral:
    id: str
    child_ids: tuple[str, ...]
    household_id: str
    received_on: date
    referrer_agency_kind: AgencyKind
    referrer_name: str
    concern_categories: tuple[ConcernCategory, ...]
    """The primary concern first, then any secondary concerns."""
    text: str


@dataclass(frozen=True, slots=True)
class Area:
    seed: int
    reference_date: date
    addresses: tuple[Address, ...]
    people: tuple[Person, ...]
    households: tuple[Household, ...]
    moves: tuple[AddressMove, ...]
    relationships: tuple[Relationship, ...]
    referrals: tuple[Referral, ...]

    def people_by_id(self) -> dict[str, Person]:
        return {person.id: person for person in self.people}

    def addresses_by_id(self) -> dict[str, Address]:
        return {address.id: address for address in self.addresses}

    def households_by_id(self) -> dict[str, Household]:
        return {household.id: household for household in self.households}

    def counts(self) -> dict[str, int]:
        return {
            "addresses": len(self.addresses),
            "people": len(self.people),
            "households": len(self.households),
            "moves": len(self.moves),
            "relationships": len(self.relationships),
            "referrals": len(self.referrals),
        }


def re_referral_ids(area: Area) -> tuple[str, ...]:
    """Referrals naming at least one child who was named in an earlier referral."""
    seen: set[str] = set()
    repeats: list[str] = []
    for referral in sorted(area.referrals, key=lambda r: (r.received_on, r.id)):
        if any(child_id in seen for child_id in referral.child_ids):
            repeats.append(referral.id)
        seen.update(referral.child_ids)
    return tuple(repeats)
