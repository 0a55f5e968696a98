"""The genogram's input: people, the relationships between them and the households they live in.

Plain frozen dataclasses, independent of the database, so the renderer can be fed from the people
module, from fixtures or from tests alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Literal, get_args

Sex = Literal["male", "female", "other", "unknown"]
RelationshipKind = Literal[
    "parent",
    "step_parent",
    "partner",
    "spouse",
    "ex_partner",
    "sibling",
    "half_sibling",
    "grandparent",
    "carer",
    "household_member",
    "other_significant_adult",
]

SEXES: tuple[str, ...] = get_args(Sex)
KINDS: tuple[str, ...] = get_args(RelationshipKind)
PARTNERSHIP_KINDS: frozenset[str] = frozenset({"partner", "spouse", "ex_partner"})
SOCIAL_KINDS: frozenset[str] = frozenset({"carer", "household_member", "other_significant_adult"})
#: The statuses a partnership may have; any other text on a partnership is refused.
PARTNERSHIP_STATUSES: dict[str, frozenset[str]] = {
    "partner": frozenset({"", "current", "separated", "divorced"}),
    "spouse": frozenset({"", "current", "separated", "divorced", "widowed"}),
    "ex_partner": frozenset({"", "separated", "divorced"}),
}


@dataclass(frozen=True, slots=True)
class GenoPerson:
    id: str
    name: str
    sex: Sex = "unknown"
    date_of_birth: date | None = None
    date_of_death: date | None = None
    is_subject: bool = False
    #: Known to have died although the date is not recorded.
    deceased: bool = False
    #: Short lines shown under the name, such as who added someone the referral did not name
    #: ("Added by Police researcher", "during the search").
    notes: tuple[str, ...] = ()

    @property
    def is_deceased(self) -> bool:
        return self.deceased or self.date_of_death is not None


@dataclass(frozen=True, slots=True)
class GenoRelationship:
    """One relationship. Directed kinds read "from is the <kind> of to": ``parent`` runs from the parent
    to the child, ``step_parent`` from the step-parent to the step-child, ``grandparent`` from the
    grandparent, ``carer`` and ``other_significant_adult`` from the adult to the child. Partnerships,
    siblings and household members are symmetric.

    ``status`` qualifies partnerships (current, separated, divorced; widowed for spouses); for the
    other kinds it is free text shown beside the connector (for example "childminder")."""

    kind: RelationshipKind
    from_id: str
    to_id: str
    status: str = ""

    @property
    def key(self) -> str:
        """A stable identifier, used on the SVG elements that draw this relationship."""
        return f"{self.kind}:{self.from_id}:{self.to_id}"


@dataclass(frozen=True, slots=True)
class GenoHousehold:
    id: str
    member_ids: tuple[str, ...]
    label: str = ""


@dataclass(frozen=True, slots=True)
class Family:
    people: Sequence[GenoPerson]
    relationships: Sequence[GenoRelationship] = ()
    households: Sequence[GenoHousehold] = field(default_factory=tuple)
    subject: str = "child referred"
    """How the key and the words name the person referred ("adult at risk referred" in adult safeguarding)."""


class FamilyError(ValueError):
    """The family cannot be drawn as given (an unknown person, an unknown kind, a duplicate id)."""


@dataclass(frozen=True, slots=True)
class CanonicalFamily:
    """The family validated and sorted by stable keys, so nothing downstream depends on input order."""

    people: tuple[GenoPerson, ...]
    relationships: tuple[GenoRelationship, ...]
    households: tuple[GenoHousehold, ...]
    by_id: dict[str, GenoPerson]
    subject: str = "child referred"


def canonicalise(family: Family) -> CanonicalFamily:
    people = tuple(sorted(family.people, key=lambda p: p.id))
    by_id: dict[str, GenoPerson] = {}
    for person in people:
        if person.id in by_id:
            raise FamilyError(f"Person id {person.id!r} appears twice.")
        if person.sex not in SEXES:
            raise FamilyError(f"{person.id!r} has an unknown sex {person.sex!r}.")
        by_id[person.id] = person
    relationships: dict[tuple[str, str, str, str], GenoRelationship] = {}
    for rel in family.relationships:
        if rel.kind not in KINDS:
            raise FamilyError(f"Unknown relationship kind {rel.kind!r}.")
        for end in (rel.from_id, rel.to_id):
            if end not in by_id:
                raise FamilyError(f"Relationship {rel.key} names an unknown person {end!r}.")
        if rel.from_id == rel.to_id:
            raise FamilyError(f"Relationship {rel.key} joins a person to themselves.")
        allowed = PARTNERSHIP_STATUSES.get(rel.kind)
        if allowed is not None and rel.status not in allowed:
            raise FamilyError(f"Relationship {rel.key} has an unknown status {rel.status!r}.")
        relationships.setdefault((rel.kind, rel.from_id, rel.to_id, rel.status), rel)
    households = tuple(
        GenoHousehold(h.id, tuple(sorted(set(h.member_ids))), h.label)
        for h in sorted(family.households, key=lambda h: h.id)
    )
    seen: set[str] = set()
    for household in households:
        if household.id in seen:
            raise FamilyError(f"Household id {household.id!r} appears twice.")
        seen.add(household.id)
        for member in household.member_ids:
            if member not in by_id:
                raise FamilyError(f"Household {household.id!r} names an unknown person {member!r}.")
    return CanonicalFamily(
        people=people,
        relationships=tuple(relationships[k] for k in sorted(relationships)),
        households=households,
        by_id=by_id,
        subject=family.subject,
    )
