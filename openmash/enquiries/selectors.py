"""Reads for the agency researcher's queue and home: rows naming the child, due times, and the audit of
who saw which list. Which requests a person may see is the access policy's answer
(`openmash.access.policy.requests_visible`)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from django.db.models import Min, Q, QuerySet

from openmash.accounts.models import User
from openmash.audit.catalogue import AuditAction
from openmash.audit.services import audit_record
from openmash.cases.models import Case
from openmash.core.actor import Actor
from openmash.enquiries.models import OPEN_STATUSES, InformationRequest, RequestStatus
from openmash.hub.calendar_format import format_deadline, time_since
from openmash.referrals.selectors import PersonLine, people_on_referrals


@dataclass(frozen=True, slots=True)
class StaffName:
    """Who took or returned a request, as a queue row names them."""

    first_name: str
    last_name: str
    username: str

    def get_full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def __str__(self) -> str:
        """Their full name, or their username if the account has no name."""
        return self.get_full_name() or self.username


@dataclass(frozen=True, slots=True)
class CaseLine:
    """What a queue row shows of the request's case."""

    reference: str
    rag: str


@dataclass(frozen=True, slots=True)
class RequestLine:
    """What a queue row shows of an information request, read as plain values: a queue lists fifty
    requests a page, and building each request's, case's and staff's model objects cost several times
    the reading (docs/adr/0037-list-rows-read-as-values.md)."""

    pk: UUID
    status: str
    due_at: datetime | None
    sent_at: datetime | None
    returned_at: datetime | None
    case: CaseLine
    taken_by: StaffName | None
    returned_by: StaffName | None

    def get_status_display(self) -> str:
        return str(RequestStatus(self.status).label)

    def is_overdue(self, now: datetime) -> bool:
        return self.status in OPEN_STATUSES and self.due_at is not None and self.due_at < now


@dataclass(frozen=True, slots=True)
class QueueRow:
    """One request as a queue lists it: who it is about, when it is due, and whether it is late."""

    request: RequestLine
    child: PersonLine | None
    due: str
    overdue: bool
    overdue_by: str
    returned_late: bool


NAME_COLUMNS = ("first_name", "last_name", "username")
_LINE_COLUMNS = (
    "pk",
    "status",
    "due_at",
    "sent_at",
    "returned_at",
    "case__reference",
    "case__rag",
    "case__referral_id",
    *(f"taken_by__{name}" for name in NAME_COLUMNS),
    *(f"returned_by__{name}" for name in NAME_COLUMNS),
)


def request_lines(requests: QuerySet[InformationRequest]) -> QuerySet[InformationRequest, dict[str, Any]]:
    """A queue's requests as the values its rows show (slice it for a page, then :func:`queue_rows`)."""
    return requests.values(*_LINE_COLUMNS)


def _staff(values: dict[str, Any], role: str) -> StaffName | None:
    username = values[f"{role}__username"]
    if username is None:
        return None
    return StaffName(values[f"{role}__first_name"], values[f"{role}__last_name"], username)


def queue_rows(lines: Iterable[dict[str, Any]], now: datetime) -> list[QueueRow]:
    """Rows for the values :func:`request_lines` read, with each case's person referred (one query)."""
    values = list(lines)
    # The person referred: the referral's subject (its first person, if it names none: read only then).
    referrals = {v["case__referral_id"] for v in values}
    people = people_on_referrals(referrals, subjects_only=True) if values else {}
    if unnamed := referrals - people.keys():
        people |= people_on_referrals(unnamed)
    rows = []
    for v in values:
        request = RequestLine(
            pk=v["pk"],
            status=v["status"],
            due_at=v["due_at"],
            sent_at=v["sent_at"],
            returned_at=v["returned_at"],
            case=CaseLine(v["case__reference"], v["case__rag"]),
            taken_by=_staff(v, "taken_by"),
            returned_by=_staff(v, "returned_by"),
        )
        overdue = request.is_overdue(now)
        rows.append(
            QueueRow(
                request=request,
                child=next(iter(people.get(v["case__referral_id"], [])), None),
                due=format_deadline(request.due_at),
                overdue=overdue,
                overdue_by=time_since(request.due_at, now) if overdue and request.due_at else "",
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
