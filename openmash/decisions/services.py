"""Recording the hub's decision, then feeding the outcome back."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.utils import timezone

from openmash.audit.catalogue import AuditAction
from openmash.audit.services import audit_record
from openmash.cases.destroyed import check_not_destroyed
from openmash.cases.models import Case, CaseStatus, Route
from openmash.cases.services import case_transition
from openmash.core.actor import Actor
from openmash.core.concurrency import save_versioned
from openmash.core.errors import DomainError
from openmash.decisions.models import (
    OUTCOME_CODES,
    Action,
    AgencyView,
    Challenge,
    Decision,
    LevelChange,
    Outcome,
    OutcomeChallenge,
)
from openmash.enquiries.models import OUTSTANDING_STATUSES
from openmash.enquiries.services import requests_end
from openmash.feedback.models import OutcomeNotification
from openmash.feedback.services import feedback_prepare
from openmash.hub.models import Agency, ThresholdLevel
from openmash.hub.selectors import hub_configuration

NOT_READY = "A case that is {status} cannot be decided."
OUTSTANDING_NEED_REASON = "Give a reason for going ahead without {agencies}"
NO_DECIDER = "A decision is recorded by a person, not by the system"
NO_RATIONALE = "Explain the reasons for the decision"
LEAD_AGENCY_NEEDED = "Choose the lead agency for early help"
OTHER_SERVICE_NEEDED = "Name the other service"
NO_DECISION_IN_HUB = (
    "This hub records no multi-agency decision: the collated product is handed to the family's keyworker"
)

ROUTE_OUTCOMES: dict[Route, Outcome] = {
    Route.NFA: Outcome.NFA,
    Route.EARLY_HELP: Outcome.EARLY_HELP,
    Route.DOMESTIC_ABUSE: Outcome.OTHER_SERVICE,
    Route.CSE: Outcome.OTHER_SERVICE,
    Route.MISSING: Outcome.OTHER_SERVICE,
    Route.ADULT_SAFEGUARDING: Outcome.OTHER_SERVICE,
    Route.HATE_CRIME: Outcome.OTHER_SERVICE,
}


@dataclass
class ViewData:
    agency: Agency
    view: str
    comment: str = ""


@dataclass
class ChallengeData:
    raised_by: str
    challenge: str
    agency: Agency | None = None
    resolution: str = ""
    escalated_to: str = ""


@dataclass
class ActionData:
    description: str
    owner: str
    due_on: date
    owner_agency: Agency | None = None


def level_change(referrer_level: int | None, decided: int) -> LevelChange:
    if referrer_level is None:
        return LevelChange.UNKNOWN
    if decided > referrer_level:
        return LevelChange.ESCALATED
    if decided < referrer_level:
        return LevelChange.DE_ESCALATED
    return LevelChange.SAME


def decision_record(
    *,
    actor: Actor,
    case: Case,
    expected_version: int,
    outcome: Outcome,
    level: ThresholdLevel,
    rationale: str,
    information_considered: str = "",
    participants: str = "",
    lead_agency: Agency | None = None,
    other_service: str = "",
    proceed_reason: str = "",
    views: list[ViewData] | None = None,
    challenges: list[ChallengeData] | None = None,
    actions: list[ActionData] | None = None,
) -> Decision:
    """Record the decision, with every agency's view and any challenge, and send the outcome out."""
    check_not_destroyed(case.pk)
    if not hub_configuration().decision_in_hub:
        raise DomainError(NO_DECISION_IN_HUB)
    if case.status not in (CaseStatus.INFORMATION_GATHERING, CaseStatus.READY_FOR_DECISION):
        raise DomainError(NOT_READY.format(status=CaseStatus(case.status).label.lower()))
    if not rationale.strip():
        raise DomainError(NO_RATIONALE)
    if outcome == Outcome.EARLY_HELP and lead_agency is None:
        raise DomainError(LEAD_AGENCY_NEEDED)
    if outcome == Outcome.OTHER_SERVICE and not other_service.strip():
        raise DomainError(OTHER_SERVICE_NEEDED)
    outstanding = sorted(
        case.requests.filter(status__in=OUTSTANDING_STATUSES).values_list("agency__name", flat=True)
    )
    if outstanding and not proceed_reason.strip():
        raise DomainError(OUTSTANDING_NEED_REASON.format(agencies=", ".join(outstanding)))
    with transaction.atomic(durable=True):
        # Claims the case: a second decision maker who opened the same version is refused here.
        save_versioned(case, expected_version=expected_version, values={}, actor_user=actor.user)
        if case.status == CaseStatus.INFORMATION_GATHERING:
            reason = f"Going ahead without {', '.join(outstanding)}: {proceed_reason}"
            case_transition(actor=actor, case=case, target=CaseStatus.READY_FOR_DECISION, reason=reason)
        decision = _create(
            actor=actor,
            case=case,
            outcome=outcome,
            level=level,
            rationale=rationale,
            information_considered=information_considered,
            participants=participants,
            lead_agency=lead_agency,
            other_service=other_service,
            outstanding=outstanding,
            proceed_reason=proceed_reason,
        )
        AgencyView.objects.bulk_create(
            [
                AgencyView(decision=decision, agency=v.agency, view=v.view, comment=v.comment)
                for v in views or []
            ]
        )
        Challenge.objects.bulk_create(
            [
                Challenge(
                    decision=decision,
                    raised_by=c.raised_by,
                    agency=c.agency,
                    challenge=c.challenge,
                    resolution=c.resolution,
                    escalated_to=c.escalated_to,
                )
                for c in challenges or []
            ]
        )
        Action.objects.bulk_create(
            [
                Action(
                    decision=decision,
                    description=a.description,
                    owner=a.owner,
                    owner_agency=a.owner_agency,
                    due_on=a.due_on,
                )
                for a in actions or []
            ]
        )
        case_transition(
            actor=actor, case=case, target=CaseStatus.DECIDED, reason=decision.get_outcome_display()
        )
        _audit(actor, decision, views or [], challenges or [])
        requests_end(actor=actor, case=case, reason=f"The case was decided: {decision.get_outcome_display()}")
        feedback_prepare(actor=actor, case=case)
    return decision


def decision_at_screening(
    *, actor: Actor, case: Case, route: Route, level: ThresholdLevel, rationale: str
) -> Decision:
    """A referral routed at the front door without an enquiry: the screening is the decision."""
    check_not_destroyed(case.pk)
    outcome = ROUTE_OUTCOMES[route]
    other = route.label if outcome == Outcome.OTHER_SERVICE else ""
    lead = None
    if outcome == Outcome.EARLY_HELP:
        lead = Agency.objects.filter(kind="early_help", is_active=True).order_by("created_at").first()
    decision = _create(
        actor=actor,
        case=case,
        outcome=outcome,
        level=level,
        rationale=rationale,
        information_considered="The referral only: screened at the front door",
        participants=actor.label,
        lead_agency=lead,
        other_service=other,
        outstanding=[],
        proceed_reason="",
    )
    case_transition(
        actor=actor, case=case, target=CaseStatus.DECIDED, reason=f"Routed at screening: {route.label}"
    )
    _audit(actor, decision, [], [])
    feedback_prepare(actor=actor, case=case)
    return decision


def _create(
    *,
    actor: Actor,
    case: Case,
    outcome: Outcome,
    level: ThresholdLevel,
    rationale: str,
    information_considered: str,
    participants: str,
    lead_agency: Agency | None,
    other_service: str,
    outstanding: list[str],
    proceed_reason: str,
) -> Decision:
    contact_outcome, referral_outcome = OUTCOME_CODES[outcome]
    if actor.user is None:
        raise DomainError(NO_DECIDER)
    return Decision.objects.create(
        case=case,
        outcome=outcome,
        lead_agency=lead_agency,
        other_service=other_service,
        level=level,
        level_change=level_change(case.referral.referrer_level, level.number),
        contact_outcome=contact_outcome,
        referral_outcome=referral_outcome,
        rationale=rationale,
        information_considered=information_considered,
        participants=participants,
        proceeded_without=outstanding,
        proceed_reason=proceed_reason,
        decided_by=actor.user,
        decided_at=timezone.now(),
        created_by=actor.user,
    )


def _audit(actor: Actor, decision: Decision, views: list[ViewData], challenges: list[ChallengeData]) -> None:
    audit_record(
        actor=actor,
        action=AuditAction.DECISION_RECORDED,
        obj=decision,
        persons=[str(pk) for pk in decision.case.referral.people.values_list("pk", flat=True)],
        justification=decision.rationale,
        detail={
            "case": decision.case.reference,
            "outcome": decision.outcome,
            "level": decision.level.number,
            "level_change": decision.level_change,
            "proceeded_without": decision.proceeded_without,
            "views": {v.agency.name: v.view for v in views},
            "challenges": len(challenges),
        },
    )


NO_CHALLENGE_REASONS = "Explain why you disagree with the outcome"
NO_ANSWER = "Give your answer to the challenge"
NO_RESULT = "Select whether the decision stands or will be reviewed"
ALREADY_ANSWERED = "This challenge has already been answered"
CHALLENGE_OPEN = "You have already challenged this outcome; a decision maker will answer it"


def outcome_challenge_raise(*, actor: Actor, notice: OutcomeNotification, reasons: str) -> OutcomeChallenge:
    """The referrer, or an agency told the outcome, challenges it with reasons; decision makers answer."""
    check_not_destroyed(notice.case_id)
    reasons = reasons.strip()
    if not reasons:
        raise DomainError(NO_CHALLENGE_REASONS)
    if actor.user is None:
        raise DomainError("A challenge is raised by a person")
    decision = Decision.objects.select_related("case").get(case_id=notice.case_id)
    with transaction.atomic(durable=True):
        if OutcomeChallenge.objects.filter(notice=notice, answered_at__isnull=True).exists():
            raise DomainError(CHALLENGE_OPEN)
        challenge = OutcomeChallenge.objects.create(
            decision=decision,
            notice=notice,
            raised_by=actor.user,
            raised_at=timezone.now(),
            reasons=reasons,
            created_by=actor.user,
        )
        audit_record(
            actor=actor,
            action=AuditAction.OUTCOME_CHALLENGED,
            obj=challenge,
            justification=reasons,
            detail={
                "case": decision.case.reference,
                "by": notice.agency.name if notice.agency else "referrer",
            },
        )
    return challenge


def outcome_challenge_answer(
    *, actor: Actor, challenge: OutcomeChallenge, answer: str, result: str
) -> OutcomeChallenge:
    """A decision maker answers a challenge: the decision stands, or it will be reviewed."""
    check_not_destroyed(challenge.decision.case_id)
    answer = answer.strip()
    if not answer:
        raise DomainError(NO_ANSWER)
    if result not in OutcomeChallenge.Result.values:
        raise DomainError(NO_RESULT)
    with transaction.atomic(durable=True):
        updated = OutcomeChallenge.objects.filter(pk=challenge.pk, answered_at__isnull=True).update(
            answer=answer, result=result, answered_by=actor.user, answered_at=timezone.now()
        )
        if updated != 1:
            raise DomainError(ALREADY_ANSWERED)
        audit_record(
            actor=actor,
            action=AuditAction.OUTCOME_CHALLENGE_ANSWERED,
            obj=challenge,
            justification=answer,
            detail={"case": challenge.decision.case.reference, "result": result},
        )
    challenge.refresh_from_db()
    return challenge
