"""Reads for the agency researcher's queue and home: rows naming the child, due times, and the audit of
who saw which list. Which requests a person may see is the access policy's answer
(`openmash.access.policy.requests_visible`)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Min, Q, QuerySet
from django.utils.timesince import timesince

from openmash.accounts.models import User
from openmash.audit.catalogue import AuditAction
from openmash.audit.services import audit_record
from openmash.cases.models import Case
from openmash.core.actor import Actor
from openmash.enquiries.models import OPEN_STATUSES, InformationRequest
from openmash.hub.calendar_format import format_deadline
from openmash.referrals.models import ReferralPerson


@dataclass(frozen=True, slots=True)
class QueueRow:
    """One request as a queue lists it: who it is about, when it is due, and whether it is late."""

    request: InformationRequest
    child: ReferralPerson | None
    due: str
    overdue: bool
    overdue_by: str
    returned_late: bool


REQUEST_COLUMNS = tuple(f.name for f in InformationRequest._meta.concrete_fields)
NAME_COLUMNS = ("first_name", "last_name", "username")


def with_people(requests: QuerySet[InformationRequest]) -> QuerySet[InformationRequest]:
    """A queue's requests with what its rows show of their case, people and staff, and no more: the
    case's reference and rating, the names of who took and who returned each (not their whole rows)."""
    return (
        requests.select_related("taken_by", "returned_by", "case__referral", "agency")
        .only(
            *REQUEST_COLUMNS,
            "case__reference",
            "case__rag",
            "case__referral__id",
            "agency__name",
            *(f"taken_by__{name}" for name in NAME_COLUMNS),
            *(f"returned_by__{name}" for name in NAME_COLUMNS),
        )
        .prefetch_related("case__referral__people")
    )


def subject_of(request: InformationRequest) -> ReferralPerson | None:
    """The child referred (read from the prefetched people)."""
    people = list(request.case.referral.people.all())
    return next((p for p in people if p.is_subject), people[0] if people else None)


def queue_rows(requests: Iterable[InformationRequest], now: datetime) -> list[QueueRow]:
    rows = []
    for request in requests:
        overdue = request.is_overdue(now)
        rows.append(
            QueueRow(
                request=request,
                child=subject_of(request),
                due=format_deadline(request.due_at),
                overdue=overdue,
                overdue_by=timesince(request.due_at, now, depth=2) if overdue and request.due_at else "",
                returned_late=bool(
                    request.returned_at and request.due_at and request.returned_at > request.due_at
                ),
            )
        )
    return rows


def audit_queue(*, actor: Actor, rows: Sequence[QueueRow], queue: str, tab: str, page: int = 1) -> None:
    """A list of children's names is personal data: record who saw which."""
    user = actor.user
    audit_record(
        actor=actor,
        action=AuditAction.QUEUE_VIEWED,
        object_type=InformationRequest._meta.label_lower,
        persons=[str(row.child.pk) for row in rows if row.child is not None],
        detail={
            "queue": queue,
            "tab": tab,
            "agency": str(user.agency) if isinstance(user, User) else "",
            "count": len(rows),
            "page": page,
        },
    )


def with_next_deadline(cases: QuerySet[Case]) -> QuerySet[Case]:
    """Each case's nearest due time among its open information requests."""
    return cases.annotate(next_due=Min("requests__due_at", filter=Q(requests__status__in=OPEN_STATUSES)))
