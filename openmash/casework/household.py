"""Someone the referral did not name, added by an agency's researcher while answering its request: a
mother's new partner found in the police records, a lodger the housing file names. In one durable
transaction the person joins the case (recorded as added by that agency's researcher during the
search, with how they know of them), with their relationship to the child and the household they live
in, so the hub sees them on the people page and the genogram and the agency's next search looks for
them. Each write is audited.

Someone added in error (the wrong man of that name) is removed again (`person_remove`) while nothing has
been found, shared or recorded about them: the case then holds no trace of them but the audit trail's
record of the removal and why, whose note (their name) is destroyed with the case."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from openmash.audit.catalogue import AuditAction
from openmash.audit.services import audit_record
from openmash.cases.destroyed import check_not_destroyed
from openmash.cases.models import CaseEvent, CaseStatus
from openmash.consent.models import ConsentRecord, Disclosure
from openmash.core.actor import Actor
from openmash.core.codes import Sex
from openmash.core.errors import DomainError
from openmash.enquiries.models import OPEN_STATUSES, HistoryItem, InformationRequest, RequestStatus
from openmash.enquiries.services import check_researcher
from openmash.people.models import Household, PersonAddition
from openmash.people.services import (
    household_label,
    household_save,
    person_add,
    relationship_add,
    relationship_pairs,
)
from openmash.referrals.models import ReferralPerson, Relationship
from openmash.trawl.models import CandidateStatus, Trawl, TrawlCandidate, TrawlStatus

REQUEST_ANSWERED = "Your agency has answered this request, so nobody more can be added to the case from it."
REQUEST_ENDED = "This request is closed as no longer needed: nobody can be added to the case from it."
REQUEST_WAITING = "This request is waiting for consent or a lawful basis: the family cannot be worked on yet."
CASE_DECIDED = "The hub has decided this case, so its people are read-only."
NOT_A_PARTNER = "Only a parent's partner is someone's partner"
PARTNER_NOT_ON_CASE = "The person whose partner they are is not on this case"
HOUSEHOLD_NOT_ON_CASE = "That household is not on this case"
NO_REMOVE_REASON = "Say why they are being removed, for example: the wrong man of that name"
NAMED_BY_REFERRAL = "{name} was named by the referral, so cannot be removed: change their details instead"
ALREADY_REMOVED = "They have already been removed from the case"
CASE_DECIDED_REMOVE = "The hub has decided this case, so nobody can be removed from it"
KEPT = "{name} cannot be removed: {why}"
KEPT_CONSENT = "consent was recorded from or for them"
KEPT_SHOWN = "information naming them has already been shared or shown (the disclosure log records it)"
KEPT_ITEMS = "{count} of an agency's information name them: remove {them} from the return first"
KEPT_CONFIRMED = "a search result was confirmed as them: mark it as not the same person first"
KEPT_SEARCHING = "a search of {agency}'s records that looks for them has not finished: wait for it to end"


@dataclass(frozen=True, slots=True)
class NewMember:
    """Who the researcher found, as they know them."""

    given_name: str
    family_name: str
    relationship: Relationship
    """Their relationship to the child referred."""
    reason: str
    """How the researcher knows of them (where they were found)."""
    sex: Sex = Sex.UNKNOWN
    date_of_birth: date | None = None
    partner_of: ReferralPerson | None = None
    """For a parent's partner: the parent (needed when the case names more than one)."""
    household: Household | None = None
    """The household on the case they live in."""
    with_child: bool = False
    """They live with the child, in a household not recorded yet: one is recorded at the child's home."""
    address: str = ""
    postcode: str = ""


def _check_open(request: InformationRequest) -> None:
    request.refresh_from_db(fields=["status", "version"])
    if request.status == RequestStatus.WITHDRAWN:
        raise DomainError(REQUEST_ENDED)
    if request.status == RequestStatus.BLOCKED:
        raise DomainError(REQUEST_WAITING)
    if request.status not in OPEN_STATUSES:
        raise DomainError(REQUEST_ANSWERED)
    request.case.refresh_from_db(fields=["status"])
    if request.case.status in (CaseStatus.DECIDED, CaseStatus.CLOSED):
        raise DomainError(CASE_DECIDED)


def household_member_add(*, actor: Actor, request: InformationRequest, member: NewMember) -> ReferralPerson:
    """Add `member` to the request's case as found by the request's agency; see the module's words."""
    check_not_destroyed(request.case_id)
    check_researcher(actor, request)
    case = request.case
    with transaction.atomic(durable=True):
        _check_open(request)
        people = list(case.referral.people.all())
        if member.partner_of is not None:
            if member.relationship != Relationship.PARTNER:
                raise DomainError(NOT_A_PARTNER)
            if member.partner_of.referral_id != case.referral_id:
                raise DomainError(PARTNER_NOT_ON_CASE)
        if member.household is not None and member.household.case_id != case.pk:
            raise DomainError(HOUSEHOLD_NOT_ON_CASE)
        children = [p for p in people if p.is_subject]
        home = _home_of(member, children)
        person = person_add(
            actor=actor,
            case=case,
            given_name=member.given_name,
            family_name=member.family_name,
            sex=member.sex,
            date_of_birth=member.date_of_birth,
            relationship=member.relationship,
            address=member.address or (home.address if home else ""),
            postcode=member.postcode or (home.postcode if home else ""),
            request=request,
            reason=member.reason,
        )
        for from_person, to_person, kind in relationship_pairs(person, people, partner_of=member.partner_of):
            relationship_add(actor=actor, case=case, from_person=from_person, to_person=to_person, kind=kind)
        if member.household is not None:
            household = Household.objects.select_for_update().get(pk=member.household.pk)
            household_save(
                actor=actor,
                case=case,
                label=household.label,
                address=household.address,
                members=[*household.members.all(), person],
                household=household,
                expected_version=household.version,
            )
        elif member.with_child and children:
            child = home or children[0]
            household_save(
                actor=actor,
                case=case,
                label=household_label(child.address, child.postcode),
                address=", ".join(part for part in (child.address, child.postcode) if part),
                members=[*children, person],
            )
    return person


def _home_of(member: NewMember, children: list[ReferralPerson]) -> ReferralPerson | None:
    """Someone whose address is the new member's home: a member of their household with an address,
    or the child they live with."""
    if member.household is not None:
        members = list(member.household.members.all())
        return next((p for p in members if p.is_subject and (p.address or p.postcode)), None) or next(
            (p for p in members if p.address or p.postcode), None
        )
    if member.with_child:
        return next((c for c in children if c.address or c.postcode), None)
    return None


def _kept_by(person: ReferralPerson) -> list[str]:
    """What recorded about the person keeps them on the case, in words; empty when nothing does."""
    why = []
    if ConsentRecord.objects.filter(Q(given_by=person) | Q(child=person)).exists():
        why.append(KEPT_CONSENT)
    if Disclosure.objects.filter(Q(about=person) | Q(subject=person)).exists():
        why.append(KEPT_SHOWN)
    items = HistoryItem.objects.filter(subjects=person).count()
    if items:
        count = "1 item" if items == 1 else f"{items} items"
        why.append(KEPT_ITEMS.format(count=count, them="it" if items == 1 else "them"))
    if TrawlCandidate.objects.filter(person=person, status=CandidateStatus.CONFIRMED).exists():
        why.append(KEPT_CONFIRMED)
    searching = (
        Trawl.objects.filter(
            request__case__referral_id=person.referral_id,
            status__in=(TrawlStatus.QUEUED, TrawlStatus.RUNNING),
            created_at__gte=person.created_at,  # a search looks for those on the case when it began
        )
        .select_related("request__agency")
        .first()
    )
    if searching is not None:
        why.append(KEPT_SEARCHING.format(agency=searching.request.agency.name))
    return why


def person_remove(*, actor: Actor, person: ReferralPerson, reason: str) -> int:
    """Remove someone added to the case in error, with why. Refused for someone the referral named, once
    the case is decided, and while anything recorded about them keeps them (consent, information shown or
    shared, items of an agency's information, a confirmed search result). Their details, relationships,
    households and unconfirmed search results go with them; the audit trail keeps the removal, the
    reason and (in the note destroyed with the case) their name. Whether this person may do it is the
    access policy's (`Action.PERSON_REMOVE`). Returns the number of search results removed with them."""
    reason = reason.strip()
    if not reason:
        raise DomainError(NO_REMOVE_REASON)
    with transaction.atomic(durable=True):
        locked = ReferralPerson.objects.select_for_update().filter(pk=person.pk).first()
        if locked is None:
            raise DomainError(ALREADY_REMOVED)
        case = locked.referral.case
        check_not_destroyed(case.pk)
        if case.status in (CaseStatus.DECIDED, CaseStatus.CLOSED):
            raise DomainError(CASE_DECIDED_REMOVE)
        addition = PersonAddition.objects.filter(person=locked).select_related("agency").first()
        if addition is None:
            raise DomainError(NAMED_BY_REFERRAL.format(name=locked))
        why = _kept_by(locked)
        if why:
            raise DomainError(KEPT.format(name=locked, why="; ".join(why)))
        results = TrawlCandidate.objects.filter(person=locked).count()
        detail: dict[str, object] = {"case": case.reference, "search_results_removed": results}
        if addition.agency is not None:
            detail["added_by"] = addition.agency.name
        audit_record(
            actor=actor,
            action=AuditAction.PERSON_REMOVED,
            obj=case,
            persons=[locked.pk],
            justification=reason,
            detail=detail,
            personal={"person": str(locked), "added_because": addition.reason},
        )
        CaseEvent.objects.create(
            case=case,
            kind=CaseEvent.Kind.PERSON_REMOVED,
            # Found during an agency's search: told as that agency's contribution is (ADR 0031).
            from_value="search" if addition.during_search else "",
            to_value="",
            reason=reason,
            at=timezone.now(),
            created_by=actor.user,
        )
        locked.delete()
    return results
