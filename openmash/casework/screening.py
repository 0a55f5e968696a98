"""Screening and re-rating: the flows that start a case's enquiry across apps.

Screening records the consent position, the case's level, rating and route, then either asks the
agencies (enquiries) or, when no enquiry is needed, records the screening as the decision (decisions):
one durable transaction, so a refused screening keeps nothing. Re-rating changes the rating and the
deadlines of the requests still open.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from openmash.audit.catalogue import AuditAction
from openmash.audit.services import audit_record
from openmash.cases.destroyed import check_not_destroyed
from openmash.cases.models import (
    ENQUIRY_ROUTES,
    AgencyAsked,
    Case,
    CaseEvent,
    CaseStatus,
    ConsentPosition,
    Route,
)
from openmash.cases.services import (
    NO_AGENCIES,
    NO_REASON,
    NOT_NEW,
    RERATE_CLOSED,
    RERATE_NO_REASON,
    RERATE_SAME,
    _persons,
    case_transition,
)
from openmash.consent.models import ConsentDecision
from openmash.consent.services import consent_record as consent_step
from openmash.consent.services import lawful_basis_record as basis_step
from openmash.core.actor import Actor
from openmash.core.concurrency import save_versioned
from openmash.core.errors import DomainError
from openmash.decisions.services import decision_at_screening
from openmash.enquiries.models import OPEN_STATUSES, RequestStatus
from openmash.enquiries.services import requests_recompute_deadlines, requests_send
from openmash.hub.calendar_format import format_deadline
from openmash.hub.models import Agency, RagRating, Team, ThresholdIndicator, ThresholdLevel
from openmash.hub.selectors import hub_calendar, hub_configuration
from openmash.teams.services import routing_start, team_for_route

if TYPE_CHECKING:
    from openmash.consent.forms import BasisEntry, ConsentEntry


def case_screen(
    *,
    actor: Actor,
    case: Case,
    expected_version: int,
    level: ThresholdLevel,
    indicators: list[ThresholdIndicator],
    rag: RagRating,
    rag_reason: str,
    consent_position: ConsentPosition,
    route: Route,
    agencies: list[Agency],
    notes: str = "",
    team: Team | None = None,
) -> Case:
    """Record the screening; send information requests, or decide at once when no enquiry is needed (a
    route to a specialist team hands the case to that team, or the hub's team for the route)."""
    check_not_destroyed(case.pk)
    if case.status != CaseStatus.NEW:
        raise DomainError(NOT_NEW)
    if not rag_reason.strip():
        raise DomainError(NO_REASON)
    if route in ENQUIRY_ROUTES and not agencies:
        raise DomainError(NO_AGENCIES)
    now = timezone.now()
    # Not durable: the screening page records consent in the same transaction, just before this.
    with transaction.atomic():
        save_versioned(
            case,
            expected_version=expected_version,
            values={
                "level": level,
                "rag": rag.value,
                "rag_reason": rag_reason,
                "consent_position": consent_position.value,
                "route": route.value,
                "screening_notes": notes,
                "screened_by": actor.user,
                "screened_at": now,
                "in_triage": False,
            },
            actor_user=actor.user,
        )
        case.indicators.set(indicators)
        audit_record(
            actor=actor,
            action=AuditAction.CASE_SCREENED,
            obj=case,
            persons=_persons(case),
            justification=rag_reason,
            detail={
                "level": level.number,
                "rag": rag.value,
                "route": route.value,
                "consent": consent_position.value,
                "agencies": sorted(a.name for a in agencies),
            },
        )
        if route in ENQUIRY_ROUTES:
            AgencyAsked.objects.bulk_create([AgencyAsked(case=case, agency=a) for a in agencies])
            case_transition(
                actor=actor, case=case, target=CaseStatus.INFORMATION_GATHERING, reason=route.label
            )
            requests_send(actor=actor, case=case, agencies=agencies, sent_at=now)
        else:
            # A route to a specialist team hands the case to the team: the screening is the decision,
            # but the case stays open until the team accepts it.
            team = team or team_for_route(route)
            if team is not None:
                routing_start(actor=actor, case=case, team=team)
            decision_at_screening(actor=actor, case=case, route=route, level=level, rationale=rag_reason)
    return case


ASK_NOT_GATHERING = (
    "Another agency can be asked only while the case is gathering information or ready for decision"
)
ASK_NO_AGENCY = "Select the agency to ask"
ASK_NO_REASON = "Explain why this agency is needed now"
ASK_ALREADY = "{agency} has already been asked on this case"


def case_ask_further(
    *, actor: Actor, case: Case, expected_version: int, agencies: list[Agency], reason: str
) -> list[Agency]:
    """Ask further agencies after screening (something in a return points to them). A case ready for
    decision goes back to gathering information until they answer."""
    check_not_destroyed(case.pk)
    if case.status not in (CaseStatus.INFORMATION_GATHERING, CaseStatus.READY_FOR_DECISION):
        raise DomainError(ASK_NOT_GATHERING)
    if not agencies:
        raise DomainError(ASK_NO_AGENCY)
    if not reason.strip():
        raise DomainError(ASK_NO_REASON)
    live = set(case.requests.exclude(status=RequestStatus.WITHDRAWN).values_list("agency_id", flat=True))
    for agency in agencies:
        if agency.pk in live:
            raise DomainError(ASK_ALREADY.format(agency=agency.name))
    now = timezone.now()
    with transaction.atomic(durable=True):
        save_versioned(case, expected_version=expected_version, values={}, actor_user=actor.user)
        for agency in agencies:
            AgencyAsked.objects.get_or_create(case=case, agency=agency)
        if case.status == CaseStatus.READY_FOR_DECISION:
            case_transition(
                actor=actor, case=case, target=CaseStatus.INFORMATION_GATHERING, reason="Another agency asked"
            )
        audit_record(
            actor=actor,
            action=AuditAction.CASE_AGENCY_ADDED,
            obj=case,
            justification=reason,
            detail={"agencies": sorted(a.name for a in agencies)},
        )
        requests_send(actor=actor, case=case, agencies=agencies, sent_at=now)
    return agencies


def case_rerate(*, actor: Actor, case: Case, expected_version: int, rag: RagRating, reason: str) -> Case:
    """Change the RAG rating; the deadlines of open requests are recomputed from when they were sent."""
    check_not_destroyed(case.pk)
    if not reason.strip():
        raise DomainError(RERATE_NO_REASON)
    if case.status in (CaseStatus.NEW, CaseStatus.DECIDED, CaseStatus.CLOSED):
        raise DomainError(RERATE_CLOSED.format(status=CaseStatus(case.status).label.lower()))
    if case.rag == rag:
        raise DomainError(RERATE_SAME.format(rag=rag.label.lower()))
    before = case.rag
    with transaction.atomic(durable=True):
        save_versioned(
            case, expected_version=expected_version, values={"rag": rag.value}, actor_user=actor.user
        )
        CaseEvent.objects.create(
            case=case,
            kind=CaseEvent.Kind.RERATED,
            from_value=before,
            to_value=rag.value,
            reason=reason,
            at=timezone.now(),
            created_by=actor.user,
        )
        changed = requests_recompute_deadlines(case=case)
        audit_record(
            actor=actor,
            action=AuditAction.CASE_RERATED,
            obj=case,
            justification=reason,
            detail={"from": before, "to": rag.value, "deadlines": changed},
        )
    return case


def screening_record(
    *,
    actor: Actor,
    case: Case,
    expected_version: int,
    level: ThresholdLevel,
    indicators: list[ThresholdIndicator],
    rag: RagRating,
    rag_reason: str,
    consent_position: ConsentPosition,
    route: Route,
    agencies: list[Agency],
    notes: str = "",
    consent: ConsentEntry | None = None,
    basis: BasisEntry | None = None,
) -> Case:
    """The screening page's one action: consent given or refused, any decision to share without consent,
    then the screening itself, in one durable transaction (the gate sees the consent when each request
    is sent; a screening refused because someone screened a moment ago keeps no consent either)."""
    check_not_destroyed(case.pk)
    given = consent_position == ConsentPosition.GIVEN
    with transaction.atomic(durable=True):
        if consent is not None:
            consent_step(
                actor=actor,
                case=case,
                given_by=consent.given_by,
                for_whom=consent.for_whom,
                child=consent.child,
                decision=ConsentDecision.GIVEN if given else ConsentDecision.REFUSED,
                informed_how=consent.informed_how,
                privacy_notice_version=consent.privacy_notice_version,
                includes_health=consent.includes_health,
            )
        if basis is not None:
            basis_step(
                actor=actor,
                case=case,
                reason=basis.reason,
                art6=basis.art6,
                special_category=basis.special_category,
                health_override=basis.health_override,
            )
        return case_screen(
            actor=actor,
            case=case,
            expected_version=expected_version,
            level=level,
            indicators=indicators,
            rag=rag,
            rag_reason=rag_reason,
            consent_position=consent_position,
            route=route,
            agencies=agencies,
            notes=notes,
        )


@dataclass(frozen=True, slots=True)
class OutOfHours:
    """A red case screened while the hub was closed, whose requests are not yet due: what to say."""

    screened: str
    reopens: str
    due: str
    arrangement: str
    """The hub's out-of-hours arrangement (the emergency duty team); empty if not recorded."""


def out_of_hours_warning(case: Case, now: datetime | None = None) -> OutOfHours | None:
    """Whether the case page warns that a red case was screened out of hours.

    Requests are due in working time, so a red case screened at night or at a weekend is not due
    until the hub has reopened; the warning names who acts meanwhile, until the first request is due.
    """
    if case.rag != RagRating.RED or case.screened_at is None:
        return None
    # The first request still to fall due (from the requests the case page read already): a closed case
    # has none, and is answered without the calendar.
    now = now or timezone.now()
    due = min(
        (
            r.due_at
            for r in case.requests.all()
            if r.status in OPEN_STATUSES and r.due_at is not None and r.due_at > now
        ),
        default=None,
    )
    if due is None:
        return None
    reopens = hub_calendar().next_opening(case.screened_at)
    if reopens == case.screened_at:
        return None  # screened while the hub was open
    return OutOfHours(
        screened=format_deadline(case.screened_at),
        reopens=format_deadline(reopens),
        due=format_deadline(due),
        arrangement=hub_configuration().out_of_hours_arrangement.strip(),
    )
