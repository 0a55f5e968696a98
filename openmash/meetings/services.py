"""Scheduling and running a multi-agency meeting. Every change is audited in its own transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from openmash.accounts.models import User
from openmash.audit.catalogue import AuditAction
from openmash.audit.services import audit_record
from openmash.cases.destroyed import check_not_destroyed
from openmash.cases.models import Case, CaseStatus
from openmash.core.actor import Actor
from openmash.core.concurrency import save_versioned
from openmash.core.errors import DomainError
from openmash.hub.models import Agency, RagRating
from openmash.meetings.models import AgendaItem, Attendance, Meeting, MeetingStatus
from openmash.meetings.permissions import can_run_meetings

NOT_ALLOWED = "Only the meeting chair or a decision maker can schedule or run a meeting."
NO_TITLE = "Enter a title for the meeting"
IN_THE_PAST = "The meeting must be today or in the future"
MEETING_CLOSED = "This meeting is closed: it cannot be changed."
NOT_SCHEDULED = "This meeting has already started."
NOT_IN_PROGRESS = "Start the meeting first."
EMPTY_AGENDA = "Add at least one case to the agenda before starting the meeting"
NOTHING_TO_ADD = "There are no cases ready for discussion that are not already on the agenda"
CASE_NOT_OPEN = "{case} is {status}: only cases gathering information or ready for decision can be discussed"
NO_NAME = "Enter the name of the person attending"

# Cases that may go on an agenda.
DISCUSSABLE = frozenset({CaseStatus.INFORMATION_GATHERING, CaseStatus.READY_FOR_DECISION})
RAG_ORDER = {rating.value: i for i, rating in enumerate(RagRating)}


def _check(actor: Actor) -> User:
    if actor.user is None or not can_run_meetings(actor.user):
        raise DomainError(NOT_ALLOWED)
    return actor.user


def _open(meeting: Meeting) -> None:
    if meeting.status == MeetingStatus.CLOSED:
        raise DomainError(MEETING_CLOSED)


def meeting_schedule(*, actor: Actor, title: str, scheduled_for: datetime) -> Meeting:
    """Schedule a meeting chaired by the person scheduling it."""
    chair = _check(actor)
    if not title.strip():
        raise DomainError(NO_TITLE)
    if timezone.localdate(scheduled_for) < timezone.localdate():
        raise DomainError(IN_THE_PAST)
    with transaction.atomic(durable=True):
        meeting = Meeting.objects.create(
            title=title.strip(), scheduled_for=scheduled_for, chair=chair, created_by=actor.user
        )
        audit_record(
            actor=actor,
            action=AuditAction.MEETING_SCHEDULED,
            obj=meeting,
            detail={"title": meeting.title, "scheduled_for": scheduled_for.isoformat()},
        )
    return meeting


def agenda_build_from_ready(
    *, actor: Actor, meeting: Meeting, expected_version: int, chosen: Sequence[Case] = ()
) -> list[AgendaItem]:
    """Add every case ready for decision, and any chosen cases, not already on the agenda.

    New items follow the existing ones: red first, then amber, then green, then by decision deadline.
    """
    _check(actor)
    _open(meeting)
    for case in chosen:
        if case.status not in DISCUSSABLE:
            raise DomainError(
                CASE_NOT_OPEN.format(case=case.reference, status=CaseStatus(case.status).label.lower())
            )
    with transaction.atomic(durable=True):
        on_agenda = set(meeting.items.values_list("case_id", flat=True))
        ready = list(Case.objects.filter(status=CaseStatus.READY_FOR_DECISION).exclude(pk__in=on_agenda))
        extra = [c for c in chosen if c.pk not in on_agenda and c.pk not in {r.pk for r in ready}]
        adding = sorted(
            {c.pk: c for c in [*ready, *extra]}.values(),
            key=lambda c: (RAG_ORDER.get(c.rag, len(RAG_ORDER)), c.decision_due_at, c.reference),
        )
        if not adding:
            raise DomainError(NOTHING_TO_ADD)
        save_versioned(meeting, expected_version=expected_version, values={}, actor_user=actor.user)
        start = meeting.items.aggregate(last=Max("order"))["last"] or 0
        items = AgendaItem.objects.bulk_create(
            [
                AgendaItem(meeting=meeting, case=case, order=start + i, created_by=actor.user)
                for i, case in enumerate(adding, start=1)
            ]
        )
        audit_record(
            actor=actor,
            action=AuditAction.MEETING_AGENDA_BUILT,
            obj=meeting,
            detail={"added": [c.reference for c in adding], "chosen": [c.reference for c in extra]},
        )
    return items


def attendance_record(
    *,
    actor: Actor,
    meeting: Meeting,
    agency: Agency,
    name: str,
    role: str = "",
    status: Attendance.Status = Attendance.Status.PRESENT,
) -> Attendance:
    """Record who attends (or sends apologies) for an agency."""
    _check(actor)
    _open(meeting)
    if not name.strip():
        raise DomainError(NO_NAME)
    status = Attendance.Status(status)
    with transaction.atomic(durable=True):
        attendee = Attendance.objects.create(
            meeting=meeting,
            agency=agency,
            name=name.strip(),
            role=role.strip(),
            status=status,
            created_by=actor.user,
        )
        audit_record(
            actor=actor,
            action=AuditAction.MEETING_ATTENDANCE_RECORDED,
            obj=meeting,
            detail={"agency": agency.name, "name": attendee.name, "status": status.value},
        )
    return attendee


def meeting_start(*, actor: Actor, meeting: Meeting, expected_version: int) -> Meeting:
    _check(actor)
    _open(meeting)
    if meeting.status != MeetingStatus.SCHEDULED:
        raise DomainError(NOT_SCHEDULED)
    if not meeting.items.exists():
        raise DomainError(EMPTY_AGENDA)
    with transaction.atomic(durable=True):
        save_versioned(
            meeting,
            expected_version=expected_version,
            values={"status": MeetingStatus.IN_PROGRESS, "started_at": timezone.now()},
            actor_user=actor.user,
        )
        audit_record(actor=actor, action=AuditAction.MEETING_STARTED, obj=meeting)
    return meeting


def agenda_item_discussed(*, actor: Actor, item: AgendaItem) -> AgendaItem:
    """Mark an agenda item as discussed (once: the first time stands)."""
    check_not_destroyed(item.case_id)
    _check(actor)
    meeting = item.meeting
    _open(meeting)
    if meeting.status != MeetingStatus.IN_PROGRESS:
        raise DomainError(NOT_IN_PROGRESS)
    if item.discussed_at is not None:
        return item
    with transaction.atomic(durable=True):
        item.discussed_at = timezone.now()
        item.modified_by = actor.user
        item.save(update_fields=["discussed_at", "modified_by", "modified_at"])
        audit_record(
            actor=actor,
            action=AuditAction.MEETING_ITEM_DISCUSSED,
            obj=meeting,
            persons=[str(pk) for pk in item.case.referral.people.values_list("pk", flat=True)],
            detail={"case": item.case.reference, "order": item.order},
        )
    return item


def meeting_close(*, actor: Actor, meeting: Meeting, expected_version: int) -> Meeting:
    _check(actor)
    _open(meeting)
    if meeting.status != MeetingStatus.IN_PROGRESS:
        raise DomainError(NOT_IN_PROGRESS)
    with transaction.atomic(durable=True):
        save_versioned(
            meeting,
            expected_version=expected_version,
            values={"status": MeetingStatus.CLOSED, "closed_at": timezone.now()},
            actor_user=actor.user,
        )
        decided = meeting.items.filter(case__decision__isnull=False).count()
        audit_record(
            actor=actor,
            action=AuditAction.MEETING_CLOSED,
            obj=meeting,
            detail={"items": meeting.items.count(), "decided": decided},
        )
    return meeting
