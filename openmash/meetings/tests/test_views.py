from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from openmash.accounts.roles import Role
from openmash.audit.catalogue import AuditAction
from openmash.audit.models import AuditEvent
from openmash.cases.models import Case
from openmash.core.actor import Actor
from openmash.core.forms import NO_VERSION
from openmash.decisions.models import Outcome
from openmash.decisions.services import ActionData, ChallengeData, ViewData, decision_record
from openmash.hub.models import Agency, AgencyKind, RagRating, ThresholdLevel
from openmash.meetings.models import Meeting, MeetingStatus
from openmash.meetings.services import agenda_build_from_ready, meeting_start
from openmash.meetings.tests.helpers import gathering_case, ready_case, schedule

pytestmark = pytest.mark.django_db


@pytest.fixture
def chair(make_user: Any) -> Any:
    return make_user(Role.MEETING_CHAIR)


@pytest.fixture
def client_for(chair: Any) -> Client:
    client = Client()
    client.force_login(chair)
    return client


def started(chair: Any, *cases: Case) -> Meeting:
    meeting = schedule(chair)
    agenda_build_from_ready(actor=Actor(user=chair), meeting=meeting, expected_version=meeting.version)
    meeting_start(actor=Actor(user=chair), meeting=meeting, expected_version=meeting.version)
    return meeting


def test_schedule_form_errors_then_success(client_for: Client) -> None:
    url = reverse("meetings:schedule")
    response = client_for.post(url, {"title": "", "on_0": "31", "on_1": "2", "on_2": "2030", "at": "9"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "<title>Error: " in body
    assert "Enter a title for the meeting" in body
    assert "Date of the meeting must be a real date" in body
    assert "Start time must be a time, like 09:30" in body
    response = client_for.post(
        url, {"title": "Daily", "on_0": "1", "on_1": "1", "on_2": "2020", "at": "09:30"}
    )
    assert "The meeting must be today or in the future" in response.content.decode()
    response = client_for.post(
        url, {"title": "Daily", "on_0": "1", "on_1": "1", "on_2": "2030", "at": "09:30"}
    )
    meeting = Meeting.objects.get()
    assert response["Location"] == reverse("meetings:detail", args=[meeting.pk])
    assert meeting.scheduled_for.hour == 9 and meeting.scheduled_for.minute == 30


def test_meeting_page_builds_agenda_records_attendance_starts_and_closes(
    client_for: Client, chair: Any, make_user: Any
) -> None:
    case = ready_case(make_user, rag=RagRating.RED)
    meeting = schedule(chair)
    detail = reverse("meetings:detail", args=[meeting.pk])
    case_page = reverse("cases:detail", args=[case.pk])
    body = client_for.get(detail).content.decode()
    # A chair sees only the cases on the agendas of the meetings they chair: not this one, yet.
    assert case.reference not in body
    assert client_for.get(case_page).status_code == 404

    # A chair does not choose the cases (that would show them every case): a decision maker does.
    assert "Build the agenda" not in body
    refused = client_for.post(reverse("meetings:agenda", args=[meeting.pk]), {"version": meeting.version})
    assert refused.status_code == 403
    decider = Client()
    decider.force_login(make_user(Role.DECISION_MAKER))
    assert "Build the agenda" in decider.get(detail).content.decode()
    decider.post(reverse("meetings:agenda", args=[meeting.pk]), {"version": meeting.version})
    body = client_for.get(detail).content.decode()
    assert case.reference in body
    assert client_for.get(case_page).status_code == 200  # on the agenda of the chair's meeting
    assert "J.W. (8 years)" in body or "J.W. (" in body
    assert "Jayden" not in body  # initials on the agenda
    assert "2 of 2 agencies" in body

    police = Agency.objects.get(kind=AgencyKind.POLICE)
    response = client_for.post(reverse("meetings:attendance", args=[meeting.pk]), {"status": "present"})
    assert response.status_code == 400
    assert "Select the agency" in response.content.decode()
    client_for.post(
        reverse("meetings:attendance", args=[meeting.pk]),
        {"agency": police.pk, "name": "DS Patel", "role": "Detective sergeant", "status": "present"},
    )
    assert "DS Patel" in client_for.get(detail).content.decode()

    meeting.refresh_from_db()
    client_for.post(reverse("meetings:start", args=[meeting.pk]), {"version": meeting.version})
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.IN_PROGRESS
    # Minutes only once closed.
    assert client_for.get(reverse("meetings:minutes", args=[meeting.pk]))["Location"] == detail
    stale = client_for.post(reverse("meetings:close", args=[meeting.pk]), {"version": meeting.version - 1})
    assert stale.status_code == 400 and "Someone else changed this record" in stale.content.decode()
    assert f'href="{detail}">Reload this page' in stale.content.decode()  # the meeting page, not the POST
    response = client_for.post(reverse("meetings:close", args=[meeting.pk]), {"version": meeting.version})
    assert response["Location"] == reverse("meetings:minutes", args=[meeting.pk])
    assert AuditEvent.objects.filter(action=AuditAction.MEETING_VIEWED, object_id=str(meeting.pk)).exists()


def test_screen_shows_one_case_without_full_names_or_addresses(
    client_for: Client, chair: Any, make_user: Any
) -> None:
    first = ready_case(make_user, given="Rory", family="Cole", rag=RagRating.RED)
    second = ready_case(make_user, given="Amy", family="Brook", rag=RagRating.AMBER)
    meeting = started(chair)
    agenda = client_for.get(reverse("meetings:detail", args=[meeting.pk])).content.decode()
    assert agenda.index(first.reference) < agenda.index(second.reference)  # red first, in agenda order
    url = reverse("meetings:screen", args=[meeting.pk])
    body = client_for.get(url, {"item": 1}).content.decode()
    assert first.reference in body and second.reference not in body
    assert "R.C., " in body and "Case 1 of 2" in body
    assert "Neglect" in body  # concern category
    assert "Violence in the home" in body and "Grandmother nearby" in body
    assert "Officers attended R.C.&#x27;s home at [address], [address] twice." in body
    assert "incident at [address]" in body  # significant chronology entry
    for secret in ("Rory", "Cole", "Elm Road", "Northtown", "NT1 1AA"):
        assert secret not in body, secret
    assert 'id="next-case"' in body and 'id="previous-case"' not in body
    assert "meetings/screen.js" in body
    # The chair is not a decision maker: no link to record a decision.
    assert reverse("decisions:record", args=[first.pk]) not in body

    body = client_for.get(url, {"item": 99}).content.decode()
    assert second.reference in body and "Case 2 of 2" in body and 'id="next-case"' not in body
    assert AuditEvent.objects.filter(action=AuditAction.MEETING_SCREEN_VIEWED).count() == 2


def test_decision_link_returns_to_the_screen(make_user: Any, chair: Any) -> None:
    case = ready_case(make_user)
    meeting = started(chair)
    decider = make_user(Role.DECISION_MAKER)
    client = Client()
    client.force_login(decider)
    screen = reverse("meetings:screen", args=[meeting.pk]) + "?item=1"
    body = client.get(screen).content.decode()
    record = reverse("decisions:record", args=[case.pk]) + "?next=%2Fmeetings%2F"
    assert record in body.replace("&amp;", "&")
    police, health = (Agency.objects.get(kind=k) for k in (AgencyKind.POLICE, AgencyKind.HEALTH))
    response = client.post(
        reverse("decisions:record", args=[case.pk])
        + "?next="
        + screen.replace("?", "%3F").replace("=", "%3D"),
        {
            "version": case.version,
            "outcome": "nfa",
            "level": ThresholdLevel.objects.get(number=1).pk,
            "rationale": "No role for services",
            f"view_{police.pk}": "agree",
            f"view_{health.pk}": "agree",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == screen

    other = ready_case(make_user, given="Amy", family="Brook")
    evil = client.post(
        reverse("decisions:record", args=[other.pk]) + "?next=https://evil.example/",
        {
            "version": other.version,
            "outcome": "nfa",
            "level": ThresholdLevel.objects.get(number=1).pk,
            "rationale": "No role for services",
            f"view_{police.pk}": "agree",
            f"view_{health.pk}": "agree",
        },
    )
    assert evil["Location"] == reverse("cases:detail", args=[other.pk])  # no open redirect


def test_minutes_list_decisions_with_views_challenges_actions_and_attendance(
    client_for: Client, chair: Any, make_user: Any
) -> None:
    from datetime import date

    from openmash.meetings.services import attendance_record, meeting_close

    decided = ready_case(make_user, given="Rory", family="Cole")
    undecided = ready_case(make_user, given="Amy", family="Brook")
    meeting = started(chair)
    police = Agency.objects.get(kind=AgencyKind.POLICE)
    attendance_record(actor=Actor(user=chair), meeting=meeting, agency=police, name="DS Patel")
    decision_record(
        actor=Actor(user=make_user(Role.DECISION_MAKER)),
        case=decided,
        expected_version=decided.version,
        outcome=Outcome.S47_STRATEGY,
        level=ThresholdLevel.objects.get(number=4),
        rationale="Rory Cole is at risk of significant harm",
        views=[ViewData(police, "disagree", "Police would prefer s.17")],
        challenges=[ChallengeData(raised_by="DS Patel", challenge="Threshold not met", agency=police)],
        actions=[
            ActionData(description="Hold strategy discussion", owner="Team manager", due_on=date(2030, 1, 2))
        ],
    )
    meeting.refresh_from_db()
    meeting_close(actor=Actor(user=chair), meeting=meeting, expected_version=meeting.version)
    body = client_for.get(reverse("meetings:minutes", args=[meeting.pk])).content.decode()
    assert "1 of 2 decided" in body
    assert "Strategy discussion (s.47)" in body
    assert "R.C. is at risk of significant harm" in body
    assert "Police: disagrees – Police would prefer s.17" in body
    assert "DS Patel (Police): Threshold not met" in body
    assert "Hold strategy discussion – Team manager, by 2 January 2030" in body
    assert "DS Patel" in body and "Present" in body
    assert undecided.reference in body and "No decision recorded at this meeting" in body
    assert "meetings/print.js" in body
    assert AuditEvent.objects.filter(action=AuditAction.MEETING_MINUTES_VIEWED).exists()


def test_closed_meeting_cannot_be_changed(client_for: Client, chair: Any, make_user: Any) -> None:
    from openmash.meetings.services import meeting_close

    ready_case(make_user)
    meeting = started(chair)
    meeting_close(actor=Actor(user=chair), meeting=meeting, expected_version=meeting.version)
    body = client_for.get(reverse("meetings:detail", args=[meeting.pk])).content.decode()
    assert "Record attendance" not in body and "Read the minutes" in body
    response = client_for.post(
        reverse("meetings:attendance", args=[meeting.pk]),
        {"agency": Agency.objects.get(kind=AgencyKind.POLICE).pk, "name": "X", "status": "present"},
    )
    assert response.status_code == 400
    assert "This meeting is closed" in response.content.decode()


def test_a_form_sent_without_its_version_gets_an_error_summary_that_says_what_to_do(
    chair: Any, make_user: Any
) -> None:
    """A page that lost its hidden version (an old tab, a broken form) is answered with the meeting
    page and a GOV.UK error summary telling the person to reload, never a bare 400 or "Enter version"."""
    ready_case(make_user)
    gathering_case(make_user)
    meeting = schedule(chair)
    decider = Client()
    decider.force_login(make_user(Role.DECISION_MAKER))
    runner = Client()
    runner.force_login(chair)
    for client, name in ((decider, "meetings:agenda"), (runner, "meetings:start")):
        response = client.post(reverse(name, args=[meeting.pk]), {})
        body = response.content.decode()
        assert response.status_code == 400
        assert "<title>Error: " in body
        assert 'data-testid="error-summary"' in body
        assert "Enter version" not in body
        assert NO_VERSION in body
        assert "<h1" in body and meeting.title in body  # the meeting page, not a bare error
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.SCHEDULED and not meeting.items.exists()


def test_agenda_form_carries_its_version_when_cases_are_still_gathering_information(
    make_user: Any, chair: Any
) -> None:
    ready_case(make_user)
    waiting = gathering_case(make_user)
    meeting = schedule(chair)
    decider = Client()
    decider.force_login(make_user(Role.DECISION_MAKER))
    body = decider.get(reverse("meetings:detail", args=[meeting.pk])).content.decode()
    form = body[body.index(reverse("meetings:agenda", args=[meeting.pk])) :]
    form = form[: form.index("</form>")]
    assert waiting.reference in form
    assert f'name="version" value="{meeting.version}"' in form


@pytest.mark.parametrize(
    ("day", "warning"),
    [
        ("6", "This meeting is on a Sunday, when the hub is closed"),  # Sunday 6 January 2030
        ("1", "This meeting is on a bank holiday (New Year"),  # Tuesday 1 January 2030
        ("7", None),  # Monday 7 January 2030
    ],
)
def test_a_meeting_on_a_weekend_or_bank_holiday_is_scheduled_with_a_warning(
    client_for: Client, day: str, warning: str | None
) -> None:
    response = client_for.post(
        reverse("meetings:schedule"),
        {"title": "Daily", "on_0": day, "on_1": "1", "on_2": "2030", "at": "09:30"},
        follow=True,
    )
    body = response.content.decode().replace("&#x27;", "'")
    assert Meeting.objects.count() == 1
    if warning:
        assert warning in body
    else:
        assert "when the hub is closed" not in body
