from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from openmash.accounts.roles import Role
from openmash.audit.catalogue import AuditAction
from openmash.audit.models import AuditEvent
from openmash.cases.tests.helpers import make_referral
from openmash.core.actor import Actor
from openmash.core.codes import Sex
from openmash.core.errors import DomainError
from openmash.people.models import IdentifierScheme, PartnershipStatus, RelationshipKind
from openmash.people.selectors import family_for
from openmash.people.services import (
    address_add,
    household_label,
    household_save,
    identifier_add,
    person_add,
    relationship_add,
    relationship_remove,
)
from openmash.referrals.models import Relationship
from openmash.referrals.services import PersonData

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(make_user: Any) -> dict[str, Any]:
    screener = make_user(Role.SCREENING_MANAGER)
    case = make_referral(make_user(Role.REFERRER, "education")).case
    child = case.referral.people.get(is_subject=True)
    mother = case.referral.people.get(is_subject=False)
    case.relationships.all().delete()  # the tests below record the family themselves
    return {"actor": Actor(user=screener), "case": case, "child": child, "mother": mother}


def test_family_with_relationships_and_household(setup: dict[str, Any]) -> None:
    actor, case, child, mother = setup["actor"], setup["case"], setup["child"], setup["mother"]
    father = person_add(
        actor=actor,
        case=case,
        given_name="Dean",
        family_name="Whitmore",
        sex=Sex.MALE,
        date_of_birth=date(1988, 2, 1),
    )
    nan = person_add(
        actor=actor,
        case=case,
        given_name="Jean",
        family_name="Moss",
        sex=Sex.FEMALE,
        date_of_birth=date(1950, 1, 1),
        date_of_death=date(2020, 5, 5),
    )
    relationship_add(
        actor=actor, case=case, from_person=mother, to_person=child, kind=RelationshipKind.PARENT
    )
    relationship_add(
        actor=actor, case=case, from_person=father, to_person=child, kind=RelationshipKind.PARENT
    )
    relationship_add(
        actor=actor,
        case=case,
        from_person=father,
        to_person=mother,
        kind=RelationshipKind.SPOUSE,
        status=PartnershipStatus.DIVORCED,
    )
    relationship_add(
        actor=actor, case=case, from_person=nan, to_person=child, kind=RelationshipKind.GRANDPARENT
    )
    household_save(actor=actor, case=case, label="Whitmore household", members=[mother, child])
    family = family_for(case)
    assert {p.name for p in family.people} == {
        "Jayden Whitmore",
        "Kerry Whitmore",
        "Dean Whitmore",
        "Jean Moss",
    }
    assert [p.name for p in family.people if p.is_subject] == ["Jayden Whitmore"]
    assert {(r.kind, r.status) for r in family.relationships} == {
        ("parent", ""),
        ("spouse", "divorced"),
        ("grandparent", ""),
    }
    assert [sorted(h.member_ids) for h in family.households] == [sorted([str(mother.pk), str(child.pk)])]
    assert next(p for p in family.people if p.name == "Jean Moss").date_of_death == date(2020, 5, 5)
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {AuditAction.PERSON_ADDED, AuditAction.RELATIONSHIP_ADDED, AuditAction.HOUSEHOLD_SAVED} <= actions


def test_relationship_rules(setup: dict[str, Any], make_user: Any) -> None:
    actor, case, child, mother = setup["actor"], setup["case"], setup["child"], setup["mother"]
    with pytest.raises(DomainError, match="two different people"):
        relationship_add(
            actor=actor, case=case, from_person=child, to_person=child, kind=RelationshipKind.SIBLING
        )
    with pytest.raises(DomainError, match="Only partnerships have a status"):
        relationship_add(
            actor=actor,
            case=case,
            from_person=mother,
            to_person=child,
            kind=RelationshipKind.PARENT,
            status=PartnershipStatus.DIVORCED,
        )
    first = relationship_add(
        actor=actor, case=case, from_person=mother, to_person=child, kind=RelationshipKind.PARENT
    )
    with pytest.raises(DomainError, match="already recorded"):
        relationship_add(
            actor=actor, case=case, from_person=mother, to_person=child, kind=RelationshipKind.PARENT
        )
    relationship_remove(actor=actor, relationship=first)
    assert not case.relationships.exists()
    assert AuditEvent.objects.filter(action=AuditAction.RELATIONSHIP_REMOVED).exists()


def test_people_from_another_case_are_refused(setup: dict[str, Any], make_user: Any) -> None:
    actor, case, child = setup["actor"], setup["case"], setup["child"]
    elsewhere = make_referral(make_user(Role.REFERRER, "education")).case.referral.people.get(
        is_subject=False
    )
    with pytest.raises(DomainError, match="is not on this case"):
        relationship_add(
            actor=actor, case=case, from_person=elsewhere, to_person=child, kind=RelationshipKind.PARENT
        )
    with pytest.raises(DomainError, match="is not on this case"):
        household_save(actor=actor, case=case, label="x", members=[elsewhere])


def test_identifiers_and_addresses(setup: dict[str, Any]) -> None:
    actor, child = setup["actor"], setup["child"]
    with pytest.raises(DomainError, match="valid 10-digit NHS number"):
        identifier_add(actor=actor, person=child, scheme=IdentifierScheme.NHS, value="1234567890")
    assert identifier_add(
        actor=actor, person=child, scheme=IdentifierScheme.NHS, value="999 000 0018"
    ).value == ("9990000018")
    with pytest.raises(DomainError, match="moved out must be after"):
        address_add(
            actor=actor,
            person=child,
            address="1 Elm Road",
            from_date=date(2024, 1, 1),
            to_date=date(2023, 1, 1),
        )
    moved = address_add(
        actor=actor,
        person=child,
        address="1 Elm Road",
        postcode="nt1 1aa",
        from_date=date(2020, 1, 1),
        to_date=date(2024, 1, 1),
    )
    assert moved.postcode == "NT1 1AA"


def test_the_referral_gives_relationships_and_the_household(make_user: Any) -> None:
    """Each person the referral names is related to each child as the referral says; a parent's
    partner becomes the partner of the one parent named; people at the child's address live together."""
    home = {"address": "14 Elm Road, Northtown", "postcode": "NT1 4AB"}
    case = make_referral(
        people=[
            PersonData(given_name="Jayden", family_name="Whitmore", **home),
            PersonData(given_name="Chloe", family_name="Whitmore", **home),
            PersonData(given_name="Kerry", family_name="Whitmore", relationship=Relationship.MOTHER, **home),
            PersonData(given_name="Lee", family_name="Parker", relationship=Relationship.PARTNER, **home),
            PersonData(given_name="Sandra", family_name="Hollis", relationship=Relationship.GRANDPARENT),
        ]
    ).case
    got = {(str(r.from_person), r.kind, str(r.to_person)) for r in case.relationships.all()}
    assert got == {
        ("Kerry Whitmore", "parent", "Jayden Whitmore"),
        ("Kerry Whitmore", "parent", "Chloe Whitmore"),
        ("Kerry Whitmore", "partner", "Lee Parker"),
        ("Sandra Hollis", "grandparent", "Jayden Whitmore"),
        ("Sandra Hollis", "grandparent", "Chloe Whitmore"),
    }
    (household,) = case.households.all()
    assert household.label == "Household at 14 Elm Road, NT1 4AB"
    assert {str(m) for m in household.members.all()} == {
        "Jayden Whitmore",
        "Chloe Whitmore",
        "Kerry Whitmore",
        "Lee Parker",
    }
    events = AuditEvent.objects.filter(action=AuditAction.HOUSEHOLD_SAVED)
    assert events.count() == 1
    assert "Elm" not in str(events.get().detail)  # no address in the audit trail


def test_a_household_is_named_by_its_home_not_an_id() -> None:
    assert household_label("4 Mill Lane, Northtown", "nt1 2cd") == "Household at 4 Mill Lane, NT1 2CD"
    assert household_label("", "") == "Household"
