"""Changes to the people on a case; each audited in the same transaction, naming the people concerned."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from django.db import IntegrityError, transaction

from openmash.audit.catalogue import AuditAction
from openmash.audit.services import audit_record
from openmash.cases.destroyed import check_not_destroyed, check_referral_not_destroyed
from openmash.cases.models import Case
from openmash.core.actor import Actor
from openmash.core.codes import Sex
from openmash.core.concurrency import changes_between, save_versioned
from openmash.core.errors import DomainError
from openmash.core.nhs import is_valid_nhs_number, normalise_nhs_number
from openmash.enquiries.models import InformationRequest
from openmash.people.models import (
    PARTNERSHIP_KINDS,
    Household,
    IdentifierScheme,
    PartnershipStatus,
    PersonAddition,
    PersonAddress,
    PersonIdentifier,
    PersonRelationship,
    RelationshipKind,
)
from openmash.referrals.models import ReferralPerson, Relationship

NOT_ON_CASE = "{person} is not on this case"
SAME_PERSON = "A relationship needs two different people"
ALREADY_RECORDED = "This relationship is already recorded"
STATUS_ONLY_FOR_PARTNERS = "Only partnerships have a status (together, separated, divorced, widowed)"
DIED_BEFORE_BORN = "Date of death must be after date of birth"
BAD_NHS = "Enter a valid 10-digit NHS number"
NO_MEMBERS = "Choose at least one person in the household"
ADDRESS_DATES = "The date they moved out must be after the date they moved in"
SUBJECT_STAYS = "The {referred} stays the {referred}"
IDENTIFIER_TAKEN = "This person already has this identifier"


def _check_on_case(case: Case, *people: ReferralPerson) -> None:
    for person in people:
        if person.referral_id != case.referral_id:
            raise DomainError(NOT_ON_CASE.format(person=person))


def person_add(
    *,
    actor: Actor,
    case: Case,
    given_name: str,
    family_name: str,
    sex: Sex = Sex.UNKNOWN,
    date_of_birth: date | None = None,
    date_of_death: date | None = None,
    relationship: Relationship = Relationship.OTHER,
    address: str = "",
    postcode: str = "",
    request: InformationRequest | None = None,
    reason: str = "",
) -> ReferralPerson:
    """Add someone the referral did not name (a grandparent, an ex-partner) to the case, recording who
    added them for which agency; `request` when an agency's researcher found them while answering it,
    with `reason`, how they know of them. Inside a caller's transaction when there is one."""
    check_not_destroyed(case.pk)
    if date_of_birth and date_of_death and date_of_death < date_of_birth:
        raise DomainError(DIED_BEFORE_BORN)
    if request is not None and request.case_id != case.pk:
        raise ValueError("the request is not about this case")
    with transaction.atomic():
        person = ReferralPerson.objects.create(
            referral=case.referral,
            is_subject=False,
            relationship=relationship,
            given_name=given_name.strip(),
            family_name=family_name.strip(),
            sex=sex,
            date_of_birth=date_of_birth,
            date_of_death=date_of_death,
            address=address.strip(),
            postcode=postcode.upper().strip(),
            created_by=actor.user,
        )
        agency = request.agency if request is not None else getattr(actor.user, "agency", None)
        PersonAddition.objects.create(
            person=person,
            case=case,
            agency=agency,
            request=request,
            reason=reason.strip(),
            created_by=actor.user,
        )
        detail: dict[str, Any] = {"case": case.reference}
        if agency is not None:
            detail["agency"] = agency.name
        if request is not None:
            detail.update(request=str(request.pk), during="search")
        audit_record(
            actor=actor,
            action=AuditAction.PERSON_ADDED,
            obj=person,
            persons=[person.pk],
            justification=reason.strip(),
            detail=detail,
        )
    return person


def relationship_add(
    *,
    actor: Actor,
    case: Case,
    from_person: ReferralPerson,
    to_person: ReferralPerson,
    kind: RelationshipKind,
    status: PartnershipStatus | str = "",
) -> PersonRelationship:
    check_not_destroyed(case.pk)
    _check_on_case(case, from_person, to_person)
    if from_person.pk == to_person.pk:
        raise DomainError(SAME_PERSON)
    if status and kind not in PARTNERSHIP_KINDS:
        raise DomainError(STATUS_ONLY_FOR_PARTNERS)
    if kind in PARTNERSHIP_KINDS and not status:
        status = (
            PartnershipStatus.SEPARATED if kind == RelationshipKind.EX_PARTNER else PartnershipStatus.CURRENT
        )
    try:
        with transaction.atomic():
            relationship = PersonRelationship.objects.create(
                case=case,
                from_person=from_person,
                to_person=to_person,
                kind=kind,
                status=status,
                created_by=actor.user,
            )
            audit_record(
                actor=actor,
                action=AuditAction.RELATIONSHIP_ADDED,
                obj=relationship,
                persons=[from_person.pk, to_person.pk],
                detail={"case": case.reference, "kind": relationship.kind},
                personal={"relationship": str(relationship)},
            )
    except IntegrityError as error:
        raise DomainError(ALREADY_RECORDED) from error
    return relationship


def relationship_remove(*, actor: Actor, relationship: PersonRelationship) -> None:
    check_not_destroyed(relationship.case_id)
    with transaction.atomic(durable=True):
        audit_record(
            actor=actor,
            action=AuditAction.RELATIONSHIP_REMOVED,
            obj=relationship,
            persons=[relationship.from_person_id, relationship.to_person_id],
            detail={"case": relationship.case.reference, "kind": relationship.kind},
            personal={"relationship": str(relationship)},
        )
        relationship.delete()


def household_save(
    *,
    actor: Actor,
    case: Case,
    label: str,
    members: Iterable[ReferralPerson],
    address: str = "",
    household: Household | None = None,
    expected_version: int | None = None,
) -> Household:
    """Record a household, or change `household` if it is still at `expected_version` (refused with
    `ConcurrentEditError` if someone saved it since)."""
    check_not_destroyed(case.pk)
    members = list(members)
    if not members:
        raise DomainError(NO_MEMBERS)
    _check_on_case(case, *members)
    with transaction.atomic():
        if household is None:
            household = Household.objects.create(
                case=case, label=label, address=address, created_by=actor.user
            )
        elif expected_version is None:
            raise TypeError("changing a household needs the expected_version it was opened at")
        else:
            save_versioned(
                household,
                expected_version=expected_version,
                values={"label": label, "address": address},
                actor_user=actor.user,
            )
        household.members.set(members)
        audit_record(
            actor=actor,
            action=AuditAction.HOUSEHOLD_SAVED,
            obj=household,
            persons=[m.pk for m in members],
            detail={"case": case.reference, "members": len(members)},
            personal={"label": label, "members": [str(m) for m in members]},
        )
    return household


PERSON_FIELDS = frozenset(
    {"given_name", "family_name", "sex", "date_of_birth", "date_of_death", "relationship"}
)


def person_update(
    *,
    actor: Actor,
    case: Case,
    person: ReferralPerson,
    expected_version: int,
    values: Mapping[str, Any],
) -> ReferralPerson:
    """Correct a person's details (name, sex, dates, relationship) if nobody saved them since
    `expected_version`, else `ConcurrentEditError`. Audited with which details changed, not the values."""
    check_not_destroyed(case.pk)
    _check_on_case(case, person)
    unknown = set(values) - PERSON_FIELDS
    if unknown:
        raise ValueError(f"not a person's detail: {sorted(unknown)}")
    values = {k: v.strip() if isinstance(v, str) else v for k, v in values.items()}
    born = values.get("date_of_birth", person.date_of_birth)
    died = values.get("date_of_death", person.date_of_death)
    if born and died and died < born:
        raise DomainError(DIED_BEFORE_BORN)
    if person.is_subject and values.get("relationship", Relationship.SUBJECT) != Relationship.SUBJECT:
        raise DomainError(SUBJECT_STAYS.format(referred=person.referral.subject_words.referred))
    with transaction.atomic(durable=True):
        changed = sorted(changes_between(person, dict(values)))
        save_versioned(person, expected_version=expected_version, values=dict(values), actor_user=actor.user)
        if changed:
            audit_record(
                actor=actor,
                action=AuditAction.PERSON_CHANGED,
                obj=person,
                persons=[person.pk],
                detail={"case": case.reference, "changed": changed},
            )
    return person


def identifier_add(
    *, actor: Actor, person: ReferralPerson, scheme: IdentifierScheme, value: str
) -> PersonIdentifier:
    check_referral_not_destroyed(person.referral_id)
    value = value.strip()
    if scheme == IdentifierScheme.NHS:
        if not is_valid_nhs_number(value):
            raise DomainError(BAD_NHS)
        value = normalise_nhs_number(value)
    with transaction.atomic(durable=True):
        identifier, _ = PersonIdentifier.objects.get_or_create(
            person=person, scheme=scheme, value=value, defaults={"created_by": actor.user}
        )
        audit_record(
            actor=actor,
            action=AuditAction.IDENTIFIER_ADDED,
            obj=identifier,
            persons=[person.pk],
            detail={"scheme": scheme.value},
        )
    return identifier


def identifier_update(
    *,
    actor: Actor,
    identifier: PersonIdentifier,
    expected_version: int,
    scheme: IdentifierScheme,
    value: str,
) -> PersonIdentifier:
    """Correct an identifier if nobody saved it since `expected_version`, else `ConcurrentEditError`.
    Audited as a change to the person's details, naming the scheme and which parts changed."""
    check_referral_not_destroyed(identifier.person.referral_id)
    value = value.strip()
    if scheme == IdentifierScheme.NHS:
        if not is_valid_nhs_number(value):
            raise DomainError(BAD_NHS)
        value = normalise_nhs_number(value)
    values = {"scheme": scheme.value, "value": value}
    try:
        with transaction.atomic(durable=True):
            changed = sorted(changes_between(identifier, values))
            save_versioned(
                identifier, expected_version=expected_version, values=values, actor_user=actor.user
            )
            audit_record(
                actor=actor,
                action=AuditAction.PERSON_CHANGED,
                obj=identifier,
                persons=[identifier.person_id],
                detail={"identifier": scheme.value, "changed": changed},
            )
    except IntegrityError as error:
        raise DomainError(IDENTIFIER_TAKEN) from error
    return identifier


def address_add(
    *,
    actor: Actor,
    person: ReferralPerson,
    address: str,
    postcode: str = "",
    from_date: date | None = None,
    to_date: date | None = None,
) -> PersonAddress:
    check_referral_not_destroyed(person.referral_id)
    if from_date and to_date and to_date < from_date:
        raise DomainError(ADDRESS_DATES)
    with transaction.atomic(durable=True):
        entry = PersonAddress.objects.create(
            person=person,
            address=address,
            postcode=postcode.upper().strip(),
            from_date=from_date,
            to_date=to_date,
            created_by=actor.user,
        )
        audit_record(actor=actor, action=AuditAction.ADDRESS_ADDED, obj=entry, persons=[person.pk])
    return entry


# What the referral's "relationship to the child" means in the case's own terms, read as
# "the person named is the <kind> of the child".
FROM_REFERRAL: dict[str, RelationshipKind] = {
    Relationship.MOTHER: RelationshipKind.PARENT,
    Relationship.FATHER: RelationshipKind.PARENT,
    Relationship.STEP_PARENT: RelationshipKind.STEP_PARENT,
    Relationship.GRANDPARENT: RelationshipKind.GRANDPARENT,
    Relationship.CARER: RelationshipKind.CARER,
    Relationship.SIBLING: RelationshipKind.SIBLING,
    Relationship.PARTNER: RelationshipKind.HOUSEHOLD_MEMBER,
    Relationship.OTHER_ADULT: RelationshipKind.HOUSEHOLD_MEMBER,
    Relationship.OTHER: RelationshipKind.OTHER_SIGNIFICANT_ADULT,
    # An adult at risk's own family; a son or daughter is read the other way round (the adult referred
    # is their parent).
    Relationship.OWN_PARTNER: RelationshipKind.PARTNER,
    Relationship.SON_OR_DAUGHTER: RelationshipKind.PARENT,
}
PARENTS = frozenset({Relationship.MOTHER, Relationship.FATHER})


Pair = tuple[ReferralPerson, ReferralPerson, RelationshipKind]


def relationship_pairs(
    person: ReferralPerson, people: list[ReferralPerson], *, partner_of: ReferralPerson | None = None
) -> list[Pair]:
    """The relationships a person's "relationship to the child" means among `people`, each as (from, to,
    kind): a father is the parent of each child referred; a parent's partner is the partner of
    `partner_of`, or of the one parent named, else a household member of each child. For an adult at
    risk: their son or daughter is the child of each person referred; their partner or spouse is the
    partner of the one person referred, else (several were) a household member of each."""
    kind = FROM_REFERRAL.get(person.relationship)
    if person.is_subject or kind is None:
        return []
    subjects = [p for p in people if p.is_subject]
    if person.relationship == Relationship.PARTNER:
        parents = [p for p in people if p.relationship in PARENTS and p.pk != person.pk]
        partner = partner_of or (parents[0] if len(parents) == 1 else None)
        if partner is not None:
            return [(partner, person, RelationshipKind.PARTNER)]
    if person.relationship == Relationship.OWN_PARTNER:
        if len(subjects) == 1:
            return [(subjects[0], person, RelationshipKind.PARTNER)]
        kind = RelationshipKind.HOUSEHOLD_MEMBER
    if person.relationship == Relationship.SON_OR_DAUGHTER:
        return [(parent, person, RelationshipKind.PARENT) for parent in subjects]
    return [(person, subject, kind) for subject in subjects]


def _address_key(person: ReferralPerson) -> tuple[str, str] | None:
    address = " ".join(person.address.lower().replace(",", " ").split())
    postcode = "".join(person.postcode.upper().split())
    if not address and not postcode:
        return None
    return address, postcode


def household_label(address: str, postcode: str = "") -> str:
    """A household named as people name it: by its home ("Household at 4 Mill Lane, LS1 4AB")."""
    first_line = address.split(",")[0].strip()
    where = ", ".join(part for part in (first_line, postcode.strip().upper()) if part)
    return f"Household at {where}" if where else "Household"


def people_from_referral(*, actor: Actor, case: Case) -> tuple[list[PersonRelationship], list[Household]]:
    """Keep what the referral said about the people it names: how each is related to each child
    referred (a father is the child's parent; a parent's partner is the parent's partner when the
    referral names one parent), and who lives together (the same address and postcode make a
    household). Runs inside the caller's transaction; each record audited, naming its people."""
    check_not_destroyed(case.pk)
    people = list(case.referral.people.all())
    relationships = []
    with transaction.atomic():
        for person in people:
            for from_person, to_person, pair_kind in relationship_pairs(person, people):
                relationship = PersonRelationship.objects.create(
                    case=case,
                    from_person=from_person,
                    to_person=to_person,
                    kind=pair_kind,
                    status=PartnershipStatus.CURRENT if pair_kind in PARTNERSHIP_KINDS else "",
                    created_by=actor.user,
                )
                audit_record(
                    actor=actor,
                    action=AuditAction.RELATIONSHIP_ADDED,
                    obj=relationship,
                    persons=[from_person.pk, to_person.pk],
                    detail={"case": case.reference, "relationship": pair_kind.value, "from": "referral"},
                )
                relationships.append(relationship)
        homes: dict[tuple[str, str], list[ReferralPerson]] = {}
        for person in people:
            key = _address_key(person)
            if key is not None:
                homes.setdefault(key, []).append(person)
        households = []
        for members in homes.values():
            if len(members) < 2 or not any(m.is_subject for m in members):
                continue
            first = members[0]
            household = Household.objects.create(
                case=case,
                label=household_label(first.address, first.postcode),
                address=", ".join(part for part in (first.address, first.postcode) if part),
                created_by=actor.user,
            )
            household.members.set(members)
            audit_record(
                actor=actor,
                action=AuditAction.HOUSEHOLD_SAVED,
                obj=household,
                persons=[m.pk for m in members],
                detail={"case": case.reference, "members": len(members), "from": "referral"},
            )
            households.append(household)
    return relationships, households
