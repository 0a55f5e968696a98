"""Home page context for the roles this app serves: the screening manager and the meeting chair."""

from __future__ import annotations

from django.db.models import Case as SqlCase
from django.db.models import F, IntegerField, Value, When
from django.http import HttpRequest
from django.utils import timezone

from openmash.access.policy import Action, cases_visible, decide, meetings_visible
from openmash.accounts.permissions import Perm, can
from openmash.cases.models import CaseStatus
from openmash.cases.selectors import audit_list, case_lines, case_rows, list_values
from openmash.core.actor import Actor
from openmash.enquiries.selectors import with_next_deadline
from openmash.hub.calendar_format import format_deadline
from openmash.hub.models import RagRating
from openmash.meetings.selectors import upcoming_meetings

OLDEST_SHOWN = 5
GATHERING_SHOWN = 10


def screening_home(request: HttpRequest) -> dict[str, object]:
    """How many contacts wait, the oldest few, and the cases waiting on agencies by nearest deadline."""
    user = request.user
    if not can(user, Perm.CASE_SCREEN):
        return {}
    visible = cases_visible(user)
    new = visible.filter(status=CaseStatus.NEW)
    oldest = case_lines(list_values(new).order_by("referral__received_at", "created_at")[:OLDEST_SHOWN])
    gathering_all = visible.filter(status=CaseStatus.INFORMATION_GATHERING)
    gathering = case_lines(
        list_values(with_next_deadline(gathering_all), "next_due").order_by(
            F("next_due").asc(nulls_last=True), "referral__received_at"
        )[:GATHERING_SHOWN]
    )
    now = timezone.now()
    next_due = {c.pk: c.next_due for c in gathering}
    audit_list(Actor.from_request(request), queue="screening home", cases=[*oldest, *gathering])
    return {
        "new_count": new.count(),
        "oldest": case_rows(oldest, now=now),
        "gathering_count": gathering_all.count(),
        "gathering": [
            {
                "row": row,
                "next_due": format_deadline(due) if due else "",
                "next_overdue": bool(due and due < now),
            }
            for row in case_rows(gathering, now=now)
            for due in [next_due[row.case.pk]]
        ],
    }


def chair_home(request: HttpRequest) -> dict[str, object]:
    """Cases ready for a decision are the ones the multi-agency meeting discusses: red first."""
    user = request.user
    if not decide(user, Action.CASES_LIST):
        return {}
    severity = SqlCase(
        *(When(rag=rating.value, then=Value(i)) for i, rating in enumerate(RagRating)),
        default=Value(len(RagRating)),
        output_field=IntegerField(),
    )
    ready = case_lines(
        list_values(cases_visible(user).filter(status=CaseStatus.READY_FOR_DECISION))
        .annotate(severity=severity)
        .order_by("severity", "decision_due_at")
    )
    audit_list(Actor.from_request(request), queue="ready for discussion", cases=ready)
    rows = case_rows(ready)
    meetings = [
        {"meeting": m, "when": format_deadline(m.scheduled_for)}
        for m in upcoming_meetings(meetings_visible(user)).order_by("scheduled_for")[:5]
    ]
    return {
        "ready": [{"row": row, "ready_since": format_deadline(row.case.status_changed_at)} for row in rows],
        "meetings": meetings,
    }
