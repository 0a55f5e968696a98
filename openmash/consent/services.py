"""Recording consent and lawful-basis decisions, checking the gate, and logging disclosures."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from openmash.accounts.models import User
from openmash.accounts.permissions import Perm, can
from openmash.accounts.roles import Role
from openmash.audit.catalogue import AuditAction
from openmash.audit.services import audit_record
from openmash.cases.destroyed import check_not_destroyed
from openmash.cases.models import Case
from openmash.consent.gate import GateDecision, Purpose, evaluate
from openmash.consent.models import (
    Art6Basis,
    ConsentDecision,
    ConsentRecord,
    Disclosure,
    DisclosureKind,
    ForWhom,
    InformedHow,
    LawfulBasisDecision,
)
from openmash.core.actor import Actor
from openmash.core.errors import DomainError
from openmash.hub.models import Agency
from openmash.hub.selectors import hub_configuration
from openmash.referrals.models import ReferralPerson

NOT_ON_CASE = "{person} is not one of the people on this case"
CHILD_NEEDED = "Choose the {noun} the consent is for"
NOT_A_CHILD = "{person} is not {indefinite} referred on this case"
NO_AGENCY = "Choose the agencies the consent covers, or all agencies"
GIVEN_IN_FUTURE = "The date consent was given must be today or in the past"
ALREADY_WITHDRAWN = "This consent was already withdrawn on {when:%d %B %Y}"
ONLY_GIVEN_WITHDRAWN = "Only consent that was given can be withdrawn"
NO_BASIS_REASON = "Explain why information must be shared without consent"
MAY_NOT_DECIDE_BASIS = "Only a screening manager or decision maker may decide to proceed without consent"
RECORDED_BY_A_PERSON = "Consent is recorded by a person, not by the system"
NO_WITHHOLD_REASON = "Explain why this information is not being shared"


def gate_check(
    *, actor: Actor, case: Case, agency: Agency, purpose: Purpose, person: ReferralPerson | None = None
) -> GateDecision:
    """Ask the gate and record its answer in the audit trail."""
    decision = evaluate(config=hub_configuration(), case=case, agency=agency, purpose=purpose, person=person)
    audit_record(
        actor=actor,
        action=AuditAction.GATE_ALLOWED if decision.allowed else AuditAction.GATE_REFUSED,
        obj=case,
        persons=[str(person.pk)] if person is not None else [],
        justification=decision.reason,
        detail={
            "agency": agency.name,
            "purpose": purpose.value,
            "basis": decision.basis_text,
            "unblock": decision.unblock,
        },
    )
    return decision


def consent_record(
    *,
    actor: Actor,
    case: Case,
    given_by: ReferralPerson,
    for_whom: ForWhom,
    decision: ConsentDecision,
    informed_how: InformedHow,
    privacy_notice_version: str,
    given_at: datetime | None = None,
    child: ReferralPerson | None = None,
    all_agencies: bool = True,
    agencies: Iterable[Agency] = (),
    includes_health: bool = False,
) -> ConsentRecord:
    """Record consent given (or asked for and refused); requests it now covers are unblocked at once."""
    check_not_destroyed(case.pk)
    agencies = list(agencies)
    given_at = given_at or timezone.now()
    if given_by.referral_id != case.referral_id:
        raise DomainError(NOT_ON_CASE.format(person=given_by))
    if for_whom == ForWhom.CHILD:
        words = case.referral.subject_words
        if child is None:
            raise DomainError(CHILD_NEEDED.format(noun=words.noun))
        if child.referral_id != case.referral_id or not child.is_subject:
            raise DomainError(NOT_A_CHILD.format(person=child, indefinite=words.indefinite))
    else:
        child = None
    if not all_agencies and not agencies:
        raise DomainError(NO_AGENCY)
    if given_at > timezone.now():
        raise DomainError(GIVEN_IN_FUTURE)
    if not isinstance(actor.user, User):
        raise DomainError(RECORDED_BY_A_PERSON)
    with transaction.atomic():  # not durable: screening records it with the screening
        record = ConsentRecord.objects.create(
            case=case,
            given_by=given_by,
            for_whom=for_whom,
            child=child,
            decision=decision,
            all_agencies=all_agencies,
            includes_health=includes_health,
            informed_how=informed_how,
            privacy_notice_version=privacy_notice_version,
            given_at=given_at,
            recorded_by=actor.user,
            created_by=actor.user,
        )
        record.agencies.set([] if all_agencies else agencies)
        audit_record(
            actor=actor,
            action=AuditAction.CONSENT_RECORDED,
            obj=record,
            persons=[str(p) for p in {given_by.pk, child.pk if child else given_by.pk}],
            detail={
                "case": case.reference,
                "decision": decision.value,
                "for_whom": for_whom.value,
                "agencies": "all" if all_agencies else sorted(a.name for a in agencies),
                "includes_health": includes_health,
                "informed": informed_how.value,
                "privacy_notice": privacy_notice_version,
            },
        )
    return record


def consent_withdraw(*, actor: Actor, consent: ConsentRecord, note: str = "") -> ConsentRecord:
    """Withdrawal stops further searching and sharing under this consent at once; what was shared stays."""
    check_not_destroyed(consent.case_id)
    if consent.decision != ConsentDecision.GIVEN:
        raise DomainError(ONLY_GIVEN_WITHDRAWN)
    if consent.withdrawn_at is not None:
        raise DomainError(ALREADY_WITHDRAWN.format(when=consent.withdrawn_at))
    with transaction.atomic():  # not durable: the casework flow asks the gate again in the same one
        consent.withdrawn_at = timezone.now()
        consent.withdrawn_by = actor.user if isinstance(actor.user, User) else None
        consent.withdrawal_note = note
        consent.modified_by = actor.user
        consent.save(
            update_fields=["withdrawn_at", "withdrawn_by", "withdrawal_note", "modified_by", "modified_at"]
        )
        audit_record(
            actor=actor,
            action=AuditAction.CONSENT_WITHDRAWN,
            obj=consent,
            persons=[str(consent.given_by_id)],
            justification=note,
            detail={"case": consent.case.reference},
        )
    return consent


def lawful_basis_record(
    *,
    actor: Actor,
    case: Case,
    reason: str,
    art6: Art6Basis = Art6Basis.PUBLIC_TASK,
    special_category: bool = True,
    health_override: bool = False,
    all_agencies: bool = True,
    agencies: Iterable[Agency] = (),
) -> LawfulBasisDecision:
    """Decide to proceed without consent; only roles allowed to may, and the reason is required."""
    check_not_destroyed(case.pk)
    agencies = list(agencies)
    if not (can(actor.user, Perm.CASE_SCREEN) or can(actor.user, Perm.DECISION_RECORD)):
        raise DomainError(MAY_NOT_DECIDE_BASIS)
    if not reason.strip():
        raise DomainError(NO_BASIS_REASON)
    if not all_agencies and not agencies:
        raise DomainError(NO_AGENCY)
    assert isinstance(actor.user, User)  # noqa: S101 - can() checked it
    with transaction.atomic():  # not durable: screening records it with the screening
        basis = LawfulBasisDecision.objects.create(
            case=case,
            art6=art6,
            special_category=special_category,
            health_override=health_override,
            all_agencies=all_agencies,
            reason=reason,
            decided_by=actor.user,
            decided_at=timezone.now(),
            created_by=actor.user,
        )
        basis.agencies.set([] if all_agencies else agencies)
        audit_record(
            actor=actor,
            action=AuditAction.LAWFUL_BASIS_RECORDED,
            obj=basis,
            justification=reason,
            detail={
                "case": case.reference,
                "art6": art6.value,
                "special_category": special_category,
                "health_override": health_override,
                "agencies": "all" if all_agencies else sorted(a.name for a in agencies),
            },
        )
    return basis


def disclosure_log(
    *,
    kind: DisclosureKind,
    case: Case,
    from_agency: Agency,
    to_description: str,
    by_user: object,
    about: Iterable[ReferralPerson],
    item_type: str,
    item_summary: str,
    item_id: str = "",
    decision: GateDecision | None = None,
    reason: str = "",
    subject: ReferralPerson | None = None,
    subjects: Iterable[ReferralPerson] = (),
) -> Disclosure:
    """Append one line to the disclosure log; call inside the transaction of what it records.

    ``subject``: the person whose own record the item is (then it is about them alone, or about them
    and the other ``subjects`` whose own records hold the same item: one incident in a father's and
    his child's police records); none for the case's information, which is about the children referred
    and names the people in ``about``.
    """
    entry = Disclosure.objects.create(
        subject=subject,
        at=timezone.now(),
        kind=kind,
        case=case,
        from_agency=from_agency,
        to_description=to_description[:300],
        by_user=by_user if isinstance(by_user, User) else None,
        item_type=item_type,
        item_id=item_id,
        item_summary=item_summary[:300],
        consent=decision.consent if decision else None,
        lawful_basis=decision.lawful_basis if decision else None,
        basis_text=(decision.basis_text if decision else "")[:400],
        reason=reason,
    )
    owners = list({p.pk: p for p in [subject, *subjects]}.values()) if subject is not None else []
    entry.about.set(owners or list(about))
    return entry


def hub_recipient(case: Case) -> str:
    return f"{hub_configuration().name}, case {case.reference}"


def viewer_description(actor: Actor) -> str:
    """'Sam Patel, Decision maker, Children's Social Care': who saw or exported agency information."""
    user = actor.user
    if not isinstance(user, User):
        return actor.label
    parts = [user.get_full_name() or user.get_username()]
    if actor.role in Role.values:
        parts.append(str(Role(actor.role).label))
    parts.append(user.agency.name)
    return ", ".join(parts)
