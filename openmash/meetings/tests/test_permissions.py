"""Who may use the meeting pages: every role in children's social care, police and health.

Expectations written by hand: hub staff who see every case (screening manager and decision maker in
children's social care) may view every meeting; a meeting chair in any agency views and runs the
meetings they chair (and no other: 404); only the chair or a decision maker may schedule and run them.
Everyone else is refused; anonymous people are sent to sign in.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from openmash.accounts.roles import Role
from openmash.core.actor import Actor
from openmash.hub.models import AgencyKind
from openmash.meetings.models import Meeting
from openmash.meetings.services import agenda_build_from_ready
from openmash.meetings.tests.helpers import ready_case, schedule

pytestmark = pytest.mark.django_db

R = Role
CSC, POLICE, HEALTH = AgencyKind.CHILDRENS_SOCIAL_CARE, AgencyKind.POLICE, AgencyKind.HEALTH
VIEW = {
    (R.SCREENING_MANAGER, CSC),
    (R.DECISION_MAKER, CSC),
    (R.MEETING_CHAIR, CSC),
    (R.MEETING_CHAIR, POLICE),
    (R.MEETING_CHAIR, HEALTH),
}
RUN = {(R.DECISION_MAKER, CSC), (R.MEETING_CHAIR, CSC), (R.MEETING_CHAIR, POLICE), (R.MEETING_CHAIR, HEALTH)}
# Choosing a meeting's cases shows every case waiting: only hub staff who see every case and run meetings.
BUILD = {(R.DECISION_MAKER, CSC)}


@pytest.fixture
def meeting(make_user: Any) -> Meeting:
    ready_case(make_user)
    return schedule(make_user(R.MEETING_CHAIR))


@pytest.mark.parametrize("kind", [CSC, POLICE, HEALTH], ids=lambda k: k.value)
@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_role_and_agency_matrix(role: Role, kind: AgencyKind, meeting: Meeting, make_user: Any) -> None:
    client = Client()
    user = make_user(role, kind)
    client.force_login(user)
    if role == R.MEETING_CHAIR:
        meeting = schedule(user)  # a chair sees the meetings they chair
    views, runs, builds = (role, kind) in VIEW, (role, kind) in RUN, (role, kind) in BUILD
    pk = [meeting.pk]

    assert client.get(reverse("meetings:list")).status_code == (200 if views else 403)
    assert client.get(reverse("meetings:detail", args=pk)).status_code == (200 if views else 403)
    assert client.get(reverse("meetings:minutes", args=pk)).status_code == (302 if views else 403)
    assert client.get(reverse("meetings:schedule")).status_code == (200 if runs else 403)
    agenda = client.post(reverse("meetings:agenda", args=pk), {"version": meeting.version})
    assert agenda.status_code == (302 if builds else 403)
    # A decision maker just filled the agenda: the screen shows; a viewer of an empty agenda is sent back.
    screen = client.get(reverse("meetings:screen", args=pk)).status_code
    assert screen == (200 if builds else 302 if views else 403)
    if views:
        missing = reverse("meetings:detail", args=[uuid.uuid4()])
        assert client.get(missing).status_code == 404


def test_anonymous_is_sent_to_sign_in(meeting: Meeting) -> None:
    client = Client()
    for url in (
        reverse("meetings:list"),
        reverse("meetings:schedule"),
        reverse("meetings:detail", args=[meeting.pk]),
        reverse("meetings:screen", args=[meeting.pk]),
        reverse("meetings:minutes", args=[meeting.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302 and "/sign-in/" in response["Location"], url
    assert client.post(reverse("meetings:start", args=[meeting.pk]), {"version": 1}).status_code == 302


def test_screening_manager_views_but_cannot_start(meeting: Meeting, make_user: Any) -> None:
    client = Client()
    client.force_login(make_user(R.SCREENING_MANAGER))
    body = client.get(reverse("meetings:detail", args=[meeting.pk])).content.decode()
    assert "Record attendance" not in body and "Start meeting" not in body
    assert client.post(reverse("meetings:start", args=[meeting.pk]), {"version": 1}).status_code == 403
    assert client.post(reverse("meetings:close", args=[meeting.pk]), {"version": 1}).status_code == 403


def test_a_chair_does_not_see_another_chairs_meeting_or_its_cases(meeting: Meeting, make_user: Any) -> None:
    """A meeting chair sees the cases on their own meetings' agendas, not every case."""
    owner = Client()
    owner.force_login(meeting.chair)
    agenda_build_from_ready(
        actor=Actor(user=meeting.chair), meeting=meeting, expected_version=meeting.version
    )
    case = meeting.items.get().case
    other = Client()
    other.force_login(make_user(R.MEETING_CHAIR, POLICE))
    for url in (
        reverse("meetings:detail", args=[meeting.pk]),
        reverse("meetings:minutes", args=[meeting.pk]),
        reverse("cases:detail", args=[case.pk]),
        reverse("people:case", args=[case.pk]),
        reverse("chronology:case", args=[case.pk]),
    ):
        assert other.get(url).status_code == 404, url
    assert owner.get(reverse("cases:detail", args=[case.pk])).status_code == 200
    assert owner.get(reverse("people:case", args=[case.pk])).status_code == 200
