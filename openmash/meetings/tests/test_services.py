from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from openmash.accounts.roles import Role
from openmash.audit.catalogue import AuditAction
from openmash.audit.models import AuditEvent
from openmash.cases.models import CaseStatus
from openmash.cases.tests.helpers import make_referral, screen
from openmash.core.actor import Actor
from openmash.core.errors import ConcurrentEditError, DomainError
from openmash.decisions.models import Outcome
from openmash.decisions.services import decision_record
from openmash.hub.models import Agency, AgencyKind, RagRating, ThresholdLevel
from openmash.meetings.models import Attendance, MeetingStatus
from openmash.meetings.selectors import age, minutes_items
from openmash.meetings.services import (
    EMPTY_AGENDA,
    IN_THE_PAST,
    MEETING_CLOSED,
    NOT_ALLOWED,
    NOT_IN_PROGRESS,
    NOTHING_TO_ADD,
    agenda_build_from_ready,
    agenda_item_discussed,
    attendance_record,
    meeting_close,
    meeting_schedule,
    meeting_start,
)
from openmash.meetings.tests.helpers import ready_case, schedule

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def chair(make_user: Any) -> Any:
    return make_user(Role.MEETING_CHAIR)


def test_schedule_is_audited_and_refuses_the_past_and_other_roles(chair: Any, make_user: Any) -> None:
    meeting = schedule(chair)
    assert meeting.status == MeetingStatus.SCHEDULED
    assert meeting.chair == chair
    assert AuditEvent.objects.filter(action=AuditAction.MEETING_SCHEDULED, object_id=str(meeting.pk)).exists()
    with pytest.raises(DomainError, match=IN_THE_PAST):
        meeting_schedule(
            actor=Actor(user=chair), title="Late", scheduled_for=timezone.now() - timedelta(days=2)
        )
    with pytest.raises(DomainError, match=NOT_ALLOWED):
        schedule(make_user(Role.SCREENING_MANAGER))
    decider = make_user(Role.DECISION_MAKER)
    assert schedule(decider).chair == decider


def test_agenda_from_ready_cases_red_first_plus_chosen(chair: Any, make_user: Any) -> None:
    amber = ready_case(make_user, given="Amy", family="Brook", rag=RagRating.AMBER)
    red = ready_case(make_user, given="Rory", family="Cole", rag=RagRating.RED)
    gathering = make_referral(make_user(Role.REFERRER, AgencyKind.EDUCATION)).case
    screen(gathering, make_user(Role.SCREENING_MANAGER), rag=RagRating.GREEN)
    gathering.refresh_from_db()
    assert gathering.status == CaseStatus.INFORMATION_GATHERING
    meeting = schedule(chair)

    items = agenda_build_from_ready(
        actor=Actor(user=chair), meeting=meeting, expected_version=meeting.version
    )
    assert [i.case for i in items] == [red, amber]
    assert [i.order for i in items] == [1, 2]

    meeting.refresh_from_db()
    with pytest.raises(DomainError, match=NOTHING_TO_ADD):
        agenda_build_from_ready(actor=Actor(user=chair), meeting=meeting, expected_version=meeting.version)
    with pytest.raises(ConcurrentEditError):
        agenda_build_from_ready(
            actor=Actor(user=chair), meeting=meeting, expected_version=1, chosen=[gathering]
        )
    added = agenda_build_from_ready(
        actor=Actor(user=chair), meeting=meeting, expected_version=meeting.version, chosen=[gathering]
    )
    assert [(i.case, i.order) for i in added] == [(gathering, 3)]
    event = AuditEvent.objects.filter(action=AuditAction.MEETING_AGENDA_BUILT).order_by("-sequence").first()
    assert event is not None and event.detail["chosen"] == [gathering.reference]


def test_attendance_start_discuss_close_and_minutes(chair: Any, make_user: Any) -> None:
    case = ready_case(make_user)
    meeting = schedule(chair)
    actor = Actor(user=chair)
    with pytest.raises(DomainError, match=EMPTY_AGENDA):
        meeting_start(actor=actor, meeting=meeting, expected_version=meeting.version)
    police = Agency.objects.get(kind=AgencyKind.POLICE)
    with pytest.raises(DomainError, match="Enter the name"):
        attendance_record(actor=actor, meeting=meeting, agency=police, name="  ")
    attendance_record(actor=actor, meeting=meeting, agency=police, name="DS Patel", role="Detective sergeant")
    attendance_record(
        actor=actor,
        meeting=meeting,
        agency=Agency.objects.get(kind=AgencyKind.HEALTH),
        name="Nurse Green",
        status=Attendance.Status.APOLOGIES,
    )
    (item,) = agenda_build_from_ready(actor=actor, meeting=meeting, expected_version=meeting.version)
    with pytest.raises(DomainError, match=NOT_IN_PROGRESS):
        agenda_item_discussed(actor=actor, item=item)
    meeting_start(actor=actor, meeting=meeting, expected_version=meeting.version)
    assert meeting.status == MeetingStatus.IN_PROGRESS and meeting.started_at is not None
    agenda_item_discussed(actor=actor, item=item)
    assert item.discussed_at is not None

    decider = make_user(Role.DECISION_MAKER)
    decision_record(
        actor=Actor(user=decider),
        case=case,
        expected_version=case.version,
        outcome=Outcome.S17_ASSESSMENT,
        level=ThresholdLevel.objects.get(number=3),
        rationale="Jayden Whitmore needs an assessment",
    )
    meeting_close(actor=actor, meeting=meeting, expected_version=meeting.version)
    assert meeting.status == MeetingStatus.CLOSED
    with pytest.raises(DomainError, match=MEETING_CLOSED):
        attendance_record(actor=actor, meeting=meeting, agency=police, name="Late arrival")
    (minute,) = minutes_items(meeting)
    assert minute.decision is not None and minute.decision.outcome == Outcome.S17_ASSESSMENT
    assert minute.rationale == "J.W. needs an assessment"  # names in the rationale become initials
    actions = set(AuditEvent.objects.filter(object_id=str(meeting.pk)).values_list("action", flat=True))
    assert {
        AuditAction.MEETING_ATTENDANCE_RECORDED,
        AuditAction.MEETING_STARTED,
        AuditAction.MEETING_ITEM_DISCUSSED,
        AuditAction.MEETING_CLOSED,
    } <= actions


def test_age_in_years_months_or_unborn() -> None:
    from datetime import date

    today = date(2026, 11, 26)
    assert age(date(2018, 11, 27), today) == "7 years"
    assert age(date(2018, 11, 26), today) == "8 years"
    assert age(date(2026, 10, 26), today) == "1 month"
    assert age(date(2027, 1, 1), today) == "Unborn"
    assert age(None, today) == "Age not known"
