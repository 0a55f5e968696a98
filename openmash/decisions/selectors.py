"""What a decision maker reads: the queue of cases awaiting a decision, and one case's collated picture."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Case as CaseWhen
from django.db.models import Count, IntegerField, Min, Prefetch, Q, QuerySet, Value, When
from django.utils import timezone

from openmash.accounts.permissions import Perm, can
from openmash.audit.catalogue import AuditAction
from openmash.audit.services import audit_record
from openmash.cases.models import AgencyAsked, Case, CaseStatus
from openmash.core.actor import Actor
from openmash.core.prepared import Param, Prepared, as_prefetched, as_prefetched_each
from openmash.decisions.models import Decision, OutcomeChallenge
from openmash.enquiries.models import (
    DONE_STATUSES,
    OPEN_STATUSES,
    HistoryItem,
    InformationRequest,
    RequestStatus,
)
from openmash.feedback.models import Recipient
from openmash.hub.calendar_format import format_deadline
from openmash.hub.models import Agency
from openmash.referrals.models import ReferralPerson

# A decision is recorded on a case gathering information (going ahead without some agencies) or ready.
DECIDABLE = frozenset({CaseStatus.INFORMATION_GATHERING, CaseStatus.READY_FOR_DECISION})


@dataclass(frozen=True, slots=True)
class QueueRow:
    """One case in the decision queue, with what a decision maker needs to prioritise it."""

    case: Case
    children: list[str]
    ready: bool
    asked: int
    returned: int
    next_due: datetime | None
    decision_due_overdue: bool
    next_due_overdue: bool

    @property
    def decision_due_text(self) -> str:
        return format_deadline(self.case.decision_due_at)

    @property
    def next_due_text(self) -> str:
        return format_deadline(self.next_due) if self.next_due else ""

    @property
    def returns_text(self) -> str:
        return f"{self.returned} of {self.asked} returned"


def cases_awaiting_decision(user: object, *, decidable: QuerySet[Case]) -> QuerySet[Case]:
    """Undecided cases a decision maker may decide, of those the access policy lets them decide
    (``decidable``: `cases_decidable`, which leaves out early-help cases): ready ones first, then by when
    the decision is due."""
    if not can(user, Perm.DECISION_RECORD):
        return Case.objects.none()
    live = ~Q(requests__status=RequestStatus.WITHDRAWN)
    return (
        decidable.filter(status__in=DECIDABLE)
        .annotate(
            asked_count=Count("requests", filter=live, distinct=True),
            returned_count=Count("requests", filter=Q(requests__status__in=DONE_STATUSES), distinct=True),
            next_request_due=Min("requests__due_at", filter=Q(requests__status__in=OPEN_STATUSES)),
            ready_first=CaseWhen(
                When(status=CaseStatus.READY_FOR_DECISION, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            ),
        )
        .prefetch_related(
            Prefetch(
                "referral__people",
                queryset=ReferralPerson.objects.filter(is_subject=True),
                to_attr="subjects",
            )
        )
        .order_by("ready_first", "decision_due_at", "created_at")
    )


def decision_queue(
    *, actor: Actor, decidable: QuerySet[Case], limit: int | None = None, purpose: str = "queue"
) -> list[QueueRow]:
    """The queue as rows, audited as a read of personal data (the children's names are shown)."""
    now = timezone.now()
    cases = cases_awaiting_decision(actor.user, decidable=decidable)
    if limit is not None:
        cases = cases[:limit]
    rows = []
    for case in cases:
        subjects: list[ReferralPerson] = getattr(case.referral, "subjects", [])
        next_due: datetime | None = getattr(case, "next_request_due", None)
        rows.append(
            QueueRow(
                case=case,
                children=[str(p) for p in subjects],
                ready=case.status == CaseStatus.READY_FOR_DECISION,
                asked=getattr(case, "asked_count", 0),
                returned=getattr(case, "returned_count", 0),
                next_due=next_due,
                decision_due_overdue=case.decision_due_at <= now,
                next_due_overdue=next_due is not None and next_due <= now,
            )
        )
    audit_record(
        actor=actor,
        action=AuditAction.QUEUE_VIEWED,
        persons=[str(p.pk) for row in rows for p in getattr(row.case.referral, "subjects", [])],
        detail={"queue": "decisions", "purpose": purpose, "cases": [row.case.reference for row in rows]},
    )
    return rows


def decision_counts(user: object, *, decidable: QuerySet[Case]) -> dict[str, int]:
    """How many cases are ready, and how many are past the time their decision was due."""
    cases = Case.objects.filter(pk__in=cases_awaiting_decision(user, decidable=decidable).values("pk"))
    ready = cases.filter(status=CaseStatus.READY_FOR_DECISION).count()
    total = cases.count()
    return {
        "ready": ready,
        "gathering": total - ready,
        "overdue": cases.filter(decision_due_at__lte=timezone.now()).count(),
        "total": total,
    }


def requests_of(case: Case) -> list[InformationRequest]:
    """Every information request on the case, with its agency and how many history items it returned
    (counted from the history loaded with them: no GROUP BY over every column of the row)."""
    rows = _REQUESTS_OF.run(case=case.pk)
    as_prefetched(case, "requests", rows)  # each row's case too; and the disclosure log's lines read them
    as_prefetched_each(rows, "history", lambda: _HISTORY_OF.run(case=case.pk))
    for row in rows:
        row.history_count = len(row.history.all())  # type: ignore[attr-defined]
    return rows


def agencies_asked(case: Case) -> list[Agency]:
    """The agencies the screening manager asked about this case, by name."""
    return [asked.agency for asked in _AGENCIES_ASKED.run(case=case.pk)]


# The decision page's reads by the case's key: compiled once (ADR 0040).
_REQUESTS_OF = Prepared(
    lambda: (
        InformationRequest.objects.filter(case_id=Param("case", Case._meta.pk))
        .select_related("agency", "returned_by")  # who returned it: on each return card
        .order_by("agency__name")
    )
)
_HISTORY_OF = Prepared(
    lambda: HistoryItem.objects.filter(request__case_id=Param("case", Case._meta.pk)).order_by(
        "occurred_on", "created_at"
    )
)
_AGENCIES_ASKED = Prepared(
    lambda: (
        AgencyAsked.objects.filter(case_id=Param("case", Case._meta.pk))
        .select_related("agency")
        .order_by("agency__name")
    )
)


def decision_of(case: Case) -> Decision | None:
    """The case's decision, if it has one, with who decided it."""
    return Decision.objects.select_related("decided_by", "level", "lead_agency").filter(case=case).first()


def agencies_told(case: Case) -> int:
    """How many agencies the outcome goes to (each agency asked is told, by e-mail or in the product)."""
    return case.notifications.filter(recipient=Recipient.AGENCY).count()


def open_challenges() -> list[OutcomeChallenge]:
    """Challenges to outcomes not yet answered, oldest first (case references and who raised them: no
    family names)."""
    return list(
        OutcomeChallenge.objects.filter(answered_at__isnull=True)
        .select_related("decision__case__destruction", "notice__agency", "raised_by")
        .order_by("raised_at")
    )
