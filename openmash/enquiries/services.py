"""Information requests: sending, taking, returning, nil returns and the overdue sweep."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime
from functools import partial
from typing import TYPE_CHECKING

from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from openmash.accounts.models import User
from openmash.accounts.roles import Role
from openmash.audit.catalogue import AuditAction
from openmash.audit.services import audit_record
from openmash.cases.destroyed import check_not_destroyed
from openmash.cases.models import Case, CaseStatus
from openmash.cases.services import case_transition
from openmash.consent.gate import Purpose
from openmash.consent.models import DisclosureKind
from openmash.consent.services import NO_WITHHOLD_REASON, disclosure_log, gate_check, hub_recipient
from openmash.core.actor import Actor
from openmash.core.concurrency import save_versioned
from openmash.core.errors import DomainError
from openmash.enquiries.deadlines import due_at
from openmash.enquiries.models import (
    DONE_STATUSES,
    OPEN_STATUSES,
    OUTSTANDING_STATUSES,
    HistoryItem,
    HistoryType,
    InformationRequest,
    RequestStatus,
    Significance,
)
from openmash.hub.calendar_format import format_deadline
from openmash.hub.models import Agency
from openmash.referrals.models import ReferralPerson

if TYPE_CHECKING:
    from openmash.consent.gate import GateDecision

log = logging.getLogger(__name__)
NOT_YOUR_AGENCY = "This request is addressed to {agency}, not to your agency."
NOT_OPEN = "This request has already been answered."
NO_SUMMARY = "Enter a summary of what your agency knows"
HISTORY_INCOMPLETE = (
    "Each history item needs a date, a type, a description, a significance and a source reference"
)
HISTORY_IN_FUTURE = "A history item's date must be in the past"


@dataclass
class HistoryData:
    occurred_on: date
    kind: str
    description: str
    significance: str
    source_reference: str


def requests_send(
    *, actor: Actor, case: Case, agencies: list[Agency], sent_at: datetime
) -> list[InformationRequest]:
    """One request per agency; the sharing gate decides whether each can go now or waits, and why."""
    check_not_destroyed(case.pk)
    requests = []
    for agency in agencies:
        decision = gate_check(actor=actor, case=case, agency=agency, purpose=Purpose.SEARCH)
        request = InformationRequest.objects.create(
            case=case,
            agency=agency,
            sent_at=sent_at,
            status=RequestStatus.OPEN if decision.allowed else RequestStatus.BLOCKED,
            due_at=due_at(sent_at=sent_at, rag=case.rag) if decision.allowed else None,
            blocked_reason="" if decision.allowed else decision.reason,
            unblock_hint="" if decision.allowed else decision.unblock,
            created_by=actor.user,
        )
        audit_record(
            actor=actor,
            action=AuditAction.REQUEST_SENT if decision.allowed else AuditAction.REQUEST_BLOCKED,
            obj=request,
            justification=decision.reason,
            detail={
                "case": case.reference,
                "agency": agency.name,
                "due_at": request.due_at.isoformat() if request.due_at else None,
                "basis": decision.basis_text,
            },
        )
        requests.append(request)
    return requests


def requests_recheck(*, actor: Actor, case: Case) -> list[InformationRequest]:
    """Ask the gate again for every unanswered request: consent or a basis arrived, or consent was withdrawn.

    Blocked requests the gate now allows go to the agency, due from now; open ones it now refuses are
    blocked with the reason. Returns the requests whose state changed.
    """
    check_not_destroyed(case.pk)
    with transaction.atomic():
        return _recheck(actor, case)


def _recheck(actor: Actor, case: Case) -> list[InformationRequest]:

    changed = []
    now = timezone.now()
    case.refresh_from_db()
    for request in case.requests.filter(status__in=OUTSTANDING_STATUSES).select_related("agency"):
        decision = gate_check(actor=actor, case=case, agency=request.agency, purpose=Purpose.SEARCH)
        if request.status == RequestStatus.BLOCKED and decision.allowed:
            values: dict[str, object] = {
                "status": RequestStatus.OPEN,
                "sent_at": now,
                "due_at": due_at(sent_at=now, rag=case.rag),
                "blocked_reason": "",
                "unblock_hint": "",
            }
            action = AuditAction.REQUEST_UNBLOCKED
        elif request.status == RequestStatus.BLOCKED and not decision.allowed:
            if (request.blocked_reason, request.unblock_hint) == (decision.reason, decision.unblock):
                continue
            values = {"blocked_reason": decision.reason, "unblock_hint": decision.unblock}
            save_versioned(request, expected_version=request.version, values=values, actor_user=actor.user)
            continue
        elif request.status != RequestStatus.BLOCKED and not decision.allowed:
            values = {
                "status": RequestStatus.BLOCKED,
                "due_at": None,
                "overdue_since": None,
                "blocked_reason": decision.reason,
                "unblock_hint": decision.unblock,
            }
            action = AuditAction.REQUEST_BLOCKED
        else:
            continue
        save_versioned(request, expected_version=request.version, values=values, actor_user=actor.user)
        audit_record(
            actor=actor,
            action=action,
            obj=request,
            justification=decision.reason,
            detail={"case": case.reference, "agency": request.agency.name, "basis": decision.basis_text},
        )
        changed.append(request)
    return changed


def requests_end(*, actor: Actor, case: Case, reason: str) -> list[InformationRequest]:
    """Close every request still outstanding (open, taken or waiting for consent) as no longer needed:
    the case was decided or handed on without it. The agency sees it closed with the reason, can no
    longer trawl the family for it, and its outcome notice says the case was decided without it."""
    check_not_destroyed(case.pk)
    now = timezone.now()
    ended = []
    with transaction.atomic():
        for request in case.requests.filter(status__in=OUTSTANDING_STATUSES).select_related("agency"):
            values: dict[str, object] = {
                "status": RequestStatus.WITHDRAWN,
                "ended_at": now,
                "ended_reason": reason,
                "overdue_since": None,
            }
            save_versioned(request, expected_version=request.version, values=values, actor_user=actor.user)
            audit_record(
                actor=actor,
                action=AuditAction.REQUEST_ENDED,
                obj=request,
                justification=reason,
                detail={"case": case.reference, "agency": request.agency.name},
            )
            ended.append(request)
    return ended


def requests_recompute_deadlines(*, case: Case) -> dict[str, list[str]]:
    """New due times for the case's open requests after a re-rating; returns agency -> [before, after]."""
    changed: dict[str, list[str]] = {}
    for request in case.requests.filter(status__in=OPEN_STATUSES).select_related("agency"):
        new_due = due_at(sent_at=request.sent_at, rag=case.rag)
        if new_due != request.due_at:
            before = request.due_at.isoformat() if request.due_at else ""
            changed[request.agency.name] = [before, new_due.isoformat()]
            overdue_since = request.overdue_since if new_due <= timezone.now() else None
            InformationRequest.objects.filter(pk=request.pk).update(
                due_at=new_due, overdue_since=overdue_since
            )
    return changed


def check_researcher(actor: Actor, request: InformationRequest) -> None:
    user = actor.user
    if not isinstance(user, User) or user.agency_id != request.agency_id:
        raise DomainError(NOT_YOUR_AGENCY.format(agency=request.agency.name))
    if not user.has_role(Role.AGENCY_RESEARCHER):
        raise DomainError(NOT_YOUR_AGENCY.format(agency=request.agency.name))


def request_take(*, actor: Actor, request: InformationRequest) -> InformationRequest:
    check_not_destroyed(request.case_id)
    check_researcher(actor, request)
    if request.status == RequestStatus.BLOCKED:
        raise DomainError(f"{request.blocked_reason} {request.unblock_hint}".strip())
    if request.status != RequestStatus.OPEN:
        raise DomainError(
            NOT_OPEN if request.status in DONE_STATUSES else "Someone is already working on this."
        )
    with transaction.atomic(durable=True):
        save_versioned(
            request,
            expected_version=request.version,
            values={"status": RequestStatus.IN_PROGRESS, "taken_by": actor.user, "taken_at": timezone.now()},
            actor_user=actor.user,
        )
        audit_record(
            actor=actor,
            action=AuditAction.REQUEST_TAKEN,
            obj=request,
            detail={"case": request.case.reference},
        )
    return request


def request_save_return(
    *,
    actor: Actor,
    request: InformationRequest,
    expected_version: int,
    summary: str,
    risk_factors: str,
    protective_factors: str,
    history: list[HistoryData],
    submit: bool,
) -> InformationRequest:
    """Save the agency's return as a draft, or submit it; refuses if someone else saved in between."""
    check_not_destroyed(request.case_id)
    check_researcher(actor, request)
    if request.status == RequestStatus.BLOCKED:
        raise DomainError(f"{request.blocked_reason} {request.unblock_hint}".strip())
    if not request.is_open:
        raise DomainError(NOT_OPEN)
    if submit and not summary.strip():
        raise DomainError(NO_SUMMARY)
    decision = _share_gate(actor, request) if submit else None
    today = timezone.localdate()
    for item in history:
        complete = item.description.strip() and item.source_reference.strip()
        if (
            not complete
            or item.kind not in HistoryType.values
            or item.significance not in Significance.values
        ):
            raise DomainError(HISTORY_INCOMPLETE)
        if item.occurred_on > today:
            raise DomainError(HISTORY_IN_FUTURE)
    now = timezone.now()
    values: dict[str, object] = {
        "summary": summary,
        "risk_factors": risk_factors,
        "protective_factors": protective_factors,
        "status": RequestStatus.RETURNED if submit else RequestStatus.IN_PROGRESS,
    }
    if request.taken_by_id is None:
        values.update(taken_by=actor.user, taken_at=now)
    if submit:
        values.update(returned_by=actor.user, returned_at=now)
    with transaction.atomic(durable=True):
        save_versioned(request, expected_version=expected_version, values=values, actor_user=actor.user)
        # Typed items are replaced by the form's; items added from the agency's records stay.
        request.history.filter(source_system="").delete()
        HistoryItem.objects.bulk_create(
            [
                HistoryItem(
                    request=request,
                    occurred_on=h.occurred_on,
                    kind=h.kind,
                    description=h.description.strip(),
                    significance=h.significance,
                    source_reference=h.source_reference.strip(),
                    created_by=actor.user,
                )
                for h in history
            ]
        )
        if decision is not None:
            _log_shared(actor, request, decision)
        audit_record(
            actor=actor,
            action=AuditAction.RETURN_SUBMITTED if submit else AuditAction.RETURN_SAVED,
            obj=request,
            persons=_persons(request.case),
            detail={"case": request.case.reference, "history_items": request.history.count()},
        )
        if submit:
            _ready_if_all_returned(actor=actor, case=request.case)
    return request


def request_nil_return(
    *, actor: Actor, request: InformationRequest, expected_version: int
) -> InformationRequest:
    check_not_destroyed(request.case_id)
    check_researcher(actor, request)
    if not request.is_open:
        raise DomainError(NOT_OPEN)
    now = timezone.now()
    with transaction.atomic(durable=True):
        save_versioned(
            request,
            expected_version=expected_version,
            values={
                "status": RequestStatus.NIL_RETURN,
                "summary": "",
                "risk_factors": "",
                "protective_factors": "",
                "returned_by": actor.user,
                "returned_at": now,
                "taken_by": request.taken_by or actor.user,
                "taken_at": request.taken_at or now,
            },
            actor_user=actor.user,
        )
        request.history.all().delete()
        audit_record(
            actor=actor, action=AuditAction.NIL_RETURN, obj=request, detail={"case": request.case.reference}
        )
        _ready_if_all_returned(actor=actor, case=request.case)
    return request


def _share_gate(actor: Actor, request: InformationRequest) -> GateDecision:

    decision = gate_check(actor=actor, case=request.case, agency=request.agency, purpose=Purpose.SHARE)
    if not decision.allowed:
        raise DomainError(f"{decision.reason} {decision.unblock}")
    return decision


def _log_shared(actor: Actor, request: InformationRequest, decision: GateDecision) -> None:
    """Every item an agency returns goes into the disclosure log with the basis it was shared under."""

    people = _people(request.case)
    to = hub_recipient(request.case)
    agency = request.agency
    disclosure_log(
        kind=DisclosureKind.SHARED,
        case=request.case,
        from_agency=agency,
        to_description=to,
        by_user=actor.user,
        about=people,
        item_type="return",
        item_id=str(request.pk),
        item_summary=f"{agency.name}'s summary, risk and protective factors",
        decision=decision,
    )
    for item in request.history.select_related("trawl_candidate__person").prefetch_related("subjects"):
        # An event found in people's own records is their information, not the family's: logged once,
        # as the record of each person it was found for (the child first).
        subjects = sorted(item.subjects.all(), key=lambda p: (not p.is_subject, str(p)))
        if not subjects and item.trawl_candidate is not None:
            subjects = [item.trawl_candidate.person]
        disclosure_log(
            kind=DisclosureKind.SHARED,
            case=request.case,
            from_agency=agency,
            to_description=to,
            by_user=actor.user,
            about=people,
            item_type="history_item",
            item_id=str(item.pk),
            item_summary=f"{item.occurred_on:%d %b %Y} {item.get_kind_display()} ({item.source_reference})",
            decision=decision,
            subject=subjects[0] if subjects else None,
            subjects=subjects,
        )


def request_withhold(*, actor: Actor, request: InformationRequest, what: str, reason: str) -> None:
    """Record a decision not to share something the agency holds, and why (it stays in the log)."""
    check_not_destroyed(request.case_id)
    check_researcher(actor, request)
    if not reason.strip() or not what.strip():
        raise DomainError(NO_WITHHOLD_REASON)
    with transaction.atomic(durable=True):
        disclosure_log(
            kind=DisclosureKind.WITHHELD,
            case=request.case,
            from_agency=request.agency,
            to_description=hub_recipient(request.case),
            by_user=actor.user,
            about=_people(request.case),
            item_type="withheld",
            item_id=str(request.pk),
            item_summary=what,
            reason=reason,
        )
        audit_record(
            actor=actor,
            action=AuditAction.WITHHELD,
            obj=request,
            justification=reason,
            persons=_persons(request.case),
            detail={"case": request.case.reference, "what": what},
        )


def _people(case: Case) -> list[ReferralPerson]:
    return list(case.referral.people.all())


def _ready_if_all_returned(*, actor: Actor, case: Case) -> None:

    case.refresh_from_db()
    if case.status != CaseStatus.INFORMATION_GATHERING:
        return
    if not case.requests.filter(status__in=OUTSTANDING_STATUSES).exists():
        case_transition(
            actor=actor, case=case, target=CaseStatus.READY_FOR_DECISION, reason="Every agency has returned"
        )


def requests_mark_overdue(*, now: datetime | None = None) -> list[InformationRequest]:
    """Mark open requests past their due time as overdue and tell each agency's lead once. Idempotent."""
    now = now or timezone.now()
    actor = Actor.system("overdue_sweep")
    marked: list[InformationRequest] = []
    due = InformationRequest.objects.filter(
        status__in=OPEN_STATUSES, due_at__lt=now, overdue_since__isnull=True
    )
    for request in due.select_related("agency", "case"):
        with transaction.atomic():
            updated = InformationRequest.objects.filter(pk=request.pk, overdue_since__isnull=True).update(
                overdue_since=now, overdue_notified_at=now if request.agency.lead_email else None
            )
            if not updated:
                continue
            audit_record(
                actor=actor,
                action=AuditAction.REQUEST_OVERDUE,
                obj=request,
                detail={
                    "case": request.case.reference,
                    "agency": request.agency.name,
                    "due_at": request.due_at.isoformat() if request.due_at else None,
                },
            )
            if request.agency.lead_email:
                transaction.on_commit(partial(_tell_lead, request))
            marked.append(request)
    return marked


def _tell_lead(request: InformationRequest) -> None:
    try:
        _send_overdue(request)
    except Exception:  # noqa: BLE001 - the request is marked overdue whether or not the e-mail goes
        log.exception("could not tell %s that a request is overdue", request.agency.lead_email)


def _send_overdue(request: InformationRequest) -> None:
    send_mail(
        subject=f"Overdue: information request for case {request.case.reference}",
        message=(
            f"The information request to {request.agency.name} for case {request.case.reference} "
            f"({request.case.get_rag_display()}) was due {format_deadline(request.due_at)} "
            "and has not been returned.\n"
            "Sign in to OpenMASH to see your agency's open requests."
        ),
        from_email=None,
        recipient_list=[request.agency.lead_email],
    )


def _persons(case: Case) -> list[str]:
    return [str(pk) for pk in case.referral.people.values_list("pk", flat=True)]
