"""Outcomes for referrers and agencies, the outcome note, and the case page's feedback panel."""

from __future__ import annotations

from typing import Any

import pytest
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from openmash.accounts.roles import Role
from openmash.audit.catalogue import AuditAction
from openmash.audit.models import AuditEvent
from openmash.cases.models import Case
from openmash.core.dates import format_datetime
from openmash.feedback.models import Delivery, OutcomeNotification, Recipient
from openmash.feedback.tests.helpers import decided_case
from openmash.hub.models import AgencyKind
from openmash.hub.selectors import hub_configuration

pytestmark = pytest.mark.django_db
OUTCOMES = reverse("feedback:outcomes")


@pytest.fixture
def people(make_user: Any) -> dict[str, Any]:
    return {
        "referrer": make_user(Role.REFERRER, AgencyKind.EDUCATION),
        "other_referrer": make_user(Role.REFERRER, AgencyKind.EDUCATION),
        "screener": make_user(Role.SCREENING_MANAGER),
        "decider": make_user(
            Role.DECISION_MAKER,
            first_name="Priya",
            last_name="Shah",
            email="priya.shah@csc.invalid",
            phone="01632 960 555",
            job_title="Team manager",
        ),
        "police": make_user(Role.AGENCY_RESEARCHER, AgencyKind.POLICE),
        "health": make_user(Role.AGENCY_RESEARCHER, AgencyKind.HEALTH),
        "education": make_user(Role.AGENCY_RESEARCHER, AgencyKind.EDUCATION),
    }


@pytest.fixture
def cases(people: dict[str, Any]) -> dict[str, Case]:
    """Two decided cases: the referrer's asked police and health; the other referrer's asked police only."""
    common = {"screener": people["screener"], "decider": people["decider"]}
    return {
        "mine": decided_case(referrer=people["referrer"], **common),
        "theirs": decided_case(referrer=people["other_referrer"], kinds=(AgencyKind.POLICE,), **common),
    }


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def notice(case: Case, kind: str | None = None) -> OutcomeNotification:
    if kind is None:
        return case.notifications.get(recipient=Recipient.REFERRER)
    return case.notifications.get(agency__kind=kind)


def listed(response: Any) -> str:
    page = response.content.decode()
    return page.split('data-testid="outcomes"', 1)[1] if 'data-testid="outcomes"' in page else ""


# The list ------------------------------------------------------------------------------------------


def test_referrer_sees_the_outcomes_of_their_own_referrals_only(
    people: dict[str, Any], cases: dict[str, Case]
) -> None:
    response = client_for(people["referrer"]).get(OUTCOMES)
    table = listed(response)
    assert response.status_code == 200
    assert cases["mine"].reference in table
    assert cases["theirs"].reference not in table
    assert "Child in need assessment (s.17)" in table and "Level 3: Child in need" in table
    assert reverse("feedback:note", args=[notice(cases["mine"]).pk]) in table
    # Only the referrer's own notice, not the agencies' notices about the same case.
    assert reverse("feedback:note", args=[notice(cases["mine"], AgencyKind.POLICE).pk]) not in table


def test_agency_sees_the_notices_addressed_to_it_newest_first(
    people: dict[str, Any], cases: dict[str, Case]
) -> None:
    table = listed(client_for(people["police"]).get(OUTCOMES))
    assert table.index(cases["theirs"].reference) < table.index(cases["mine"].reference)
    assert reverse("feedback:note", args=[notice(cases["mine"], AgencyKind.POLICE).pk]) in table
    assert reverse("feedback:note", args=[notice(cases["mine"], AgencyKind.HEALTH).pk]) not in table

    health = listed(client_for(people["health"]).get(OUTCOMES))
    assert cases["mine"].reference in health and cases["theirs"].reference not in health

    education = client_for(people["education"]).get(OUTCOMES).content.decode()
    assert 'data-testid="no-outcomes"' in education
    assert cases["mine"].reference not in education


def test_viewing_marks_the_notices_read_and_is_audited(
    people: dict[str, Any], cases: dict[str, Case]
) -> None:
    police_notice = notice(cases["mine"], AgencyKind.POLICE)
    health_notice = notice(cases["mine"], AgencyKind.HEALTH)
    client = client_for(people["police"])

    first = listed(client.get(OUTCOMES))
    assert first.count(">New</strong>") == 2
    police_notice.refresh_from_db()
    health_notice.refresh_from_db()
    assert police_notice.read_at is not None
    assert health_notice.read_at is None  # police reading does not mark health's notice
    event = AuditEvent.objects.filter(action=AuditAction.OUTCOME_VIEWED).latest("sequence")
    assert event.actor_id == str(people["police"].pk)
    assert event.detail["newly_read"] == 2
    assert set(event.detail["cases"]) == {cases["mine"].reference, cases["theirs"].reference}
    assert set(event.persons) >= {str(p) for p in cases["mine"].referral.people.values_list("pk", flat=True)}

    second = listed(client.get(OUTCOMES))
    assert ">New</strong>" not in second
    assert AuditEvent.objects.filter(action=AuditAction.OUTCOME_VIEWED).count() == 2


def test_delivery_status_is_shown(people: dict[str, Any], cases: dict[str, Case]) -> None:
    OutcomeNotification.objects.filter(pk=notice(cases["mine"]).pk).update(
        delivery=Delivery.SENT, sent_at=timezone.now()
    )
    OutcomeNotification.objects.filter(pk=notice(cases["theirs"]).pk).update(delivery=Delivery.FAILED)
    mine = listed(client_for(people["referrer"]).get(OUTCOMES))
    assert ">Sent</strong>" in mine
    theirs = listed(client_for(people["other_referrer"]).get(OUTCOMES))
    assert ">Not delivered</strong>" in theirs


@pytest.mark.parametrize(
    ("role", "kind"),
    [
        (Role.SCREENING_MANAGER, AgencyKind.CHILDRENS_SOCIAL_CARE),
        (Role.DECISION_MAKER, AgencyKind.CHILDRENS_SOCIAL_CARE),
        (Role.HUB_ADMINISTRATOR, AgencyKind.POLICE),
        (Role.IG_OFFICER, AgencyKind.HEALTH),
    ],
)
def test_roles_without_outcomes_are_refused(role: Role, kind: str, make_user: Any) -> None:
    assert client_for(make_user(role, kind)).get(OUTCOMES).status_code == 403


# The outcome note ----------------------------------------------------------------------------------


def test_agency_downloads_an_outcome_note_to_file(people: dict[str, Any], cases: dict[str, Case]) -> None:
    case = cases["mine"]
    police_notice = notice(case, AgencyKind.POLICE)
    response = client_for(people["police"]).get(reverse("feedback:note", args=[police_notice.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert (
        response["Content-Disposition"] == f'attachment; filename="outcome-note-{case.reference}-police.txt"'
    )
    note = response.content.decode()
    lines = note.strip().splitlines()
    assert lines[0] == "OFFICIAL-SENSITIVE" and lines[-1] == "OFFICIAL-SENSITIVE"
    expected = [
        f"Case reference:      {case.reference}",
        f"Referral reference:  {case.referral.reference}",
        "Outcome:             Child in need assessment (s.17)",
        "Level of need:       Level 3: Child in need",
        f"Decided on:          {timezone.localtime(case.decision.decided_at):%-d %B %Y, %H:%M}",
        "Decision maker:      Priya Shah, Team manager",
        "Email:               priya.shah@csc.invalid",
        "Telephone:           01632 960 555",
        "For:                 Police (an agency asked for information)",
    ]
    for line in expected:
        assert line in lines, line
    assert hub_configuration().name in note
    # No details about the child or family go into another agency's system from here.
    assert "Jayden" not in note and "Whitmore" not in note and "hungry" not in note

    event = AuditEvent.objects.get(action=AuditAction.OUTCOME_NOTE_DOWNLOADED)
    assert event.object_id == str(police_notice.pk)
    assert event.actor_id == str(people["police"].pk)
    police_notice.refresh_from_db()
    assert police_notice.read_at is not None


def test_referrer_downloads_the_note_for_their_own_referral(
    people: dict[str, Any], cases: dict[str, Case]
) -> None:
    mine = notice(cases["mine"])
    response = client_for(people["referrer"]).get(reverse("feedback:note", args=[mine.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith(f'outcome-note-{cases["mine"].reference}-referrer.txt"')
    assert "(the referrer)" in response.content.decode()


@pytest.mark.parametrize(
    ("who", "whose"),
    [
        ("health", ("mine", AgencyKind.POLICE)),  # another agency's notice
        ("education", ("mine", AgencyKind.POLICE)),  # an agency never asked
        ("police", ("mine", None)),  # the referrer's notice
        ("referrer", ("mine", AgencyKind.POLICE)),  # an agency's notice about your own referral
        ("other_referrer", ("mine", None)),  # someone else's referral
    ],
)
def test_nobody_else_can_download_a_note(
    who: str, whose: tuple[str, str | None], people: dict[str, Any], cases: dict[str, Case]
) -> None:
    target = notice(cases[whose[0]], whose[1])
    response = client_for(people[who]).get(reverse("feedback:note", args=[target.pk]))
    assert response.status_code == 404
    assert not AuditEvent.objects.filter(action=AuditAction.OUTCOME_NOTE_DOWNLOADED).exists()
    target.refresh_from_db()
    assert target.read_at is None


# The case page's feedback panel --------------------------------------------------------------------


def test_case_feedback_panel_lists_each_notice_with_its_delivery(
    people: dict[str, Any], cases: dict[str, Case]
) -> None:
    case = cases["mine"]
    sent_at = timezone.now()
    OutcomeNotification.objects.filter(pk=notice(case).pk).update(delivery=Delivery.SENT, sent_at=sent_at)
    OutcomeNotification.objects.filter(pk=notice(case, AgencyKind.POLICE).pk).update(
        delivery=Delivery.FAILED, error="Connection refused"
    )
    OutcomeNotification.objects.filter(pk=notice(case, AgencyKind.HEALTH).pk).update(
        delivery=Delivery.NO_ADDRESS
    )
    html = render_to_string("feedback/_case_feedback.html", {"case": case})
    rows = html.split('<tr class="govuk-table__row">')[2:]
    assert len(rows) == 3
    referrer_row = next(r for r in rows if "Referrer:" in r)
    assert case.referral.referrer_name in referrer_row
    assert "govuk-tag--green" in referrer_row
    assert format_datetime(sent_at) in referrer_row
    police_row = next(r for r in rows if "Police" in r)
    assert "govuk-tag--red" in police_row and "Connection refused" in police_row
    health_row = next(r for r in rows if "Health" in r)
    assert "No email address" in health_row and "Not sent" in health_row


def test_case_feedback_panel_before_any_decision(people: dict[str, Any]) -> None:
    from openmash.cases.tests.helpers import make_referral

    case = make_referral(people["referrer"]).case
    html = render_to_string("feedback/_case_feedback.html", {"case": case})
    assert 'data-testid="case-feedback-none"' in html


def test_only_the_page_shown_is_marked_read(
    people: dict[str, Any], cases: dict[str, Case], monkeypatch: Any
) -> None:
    monkeypatch.setattr("openmash.feedback.views.PAGE_SIZE", 1)
    client = client_for(people["police"])
    first = client.get(OUTCOMES).content.decode()
    assert cases["theirs"].reference in first and cases["mine"].reference not in first
    assert 'href="?page=2"' in first
    assert notice(cases["theirs"], AgencyKind.POLICE).read_at is not None
    assert notice(cases["mine"], AgencyKind.POLICE).read_at is None
    client.get(OUTCOMES, {"page": 2})
    assert notice(cases["mine"], AgencyKind.POLICE).read_at is not None
