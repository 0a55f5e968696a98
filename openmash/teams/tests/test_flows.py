"""Routing to a specialist team, the early-help hand-over and the triage list, through the services and
the pages a person uses."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from openmash.access.policy import Action, decide
from openmash.accounts.roles import Role
from openmash.audit.catalogue import AuditAction
from openmash.audit.models import AuditEvent
from openmash.cases.models import CaseStatus, Route
from openmash.cases.tests.helpers import make_referral, screen
from openmash.casework.handover import case_hand_over, health_named_not_asked, keyworker_appoint
from openmash.casework.routing import case_route_again, routed_case_accept
from openmash.casework.triage import TriageChoice, triage_decide
from openmash.consent.models import ConsentDecision, ForWhom, InformedHow
from openmash.core.actor import Actor
from openmash.core.errors import DomainError
from openmash.enquiries.models import RequestStatus
from openmash.feedback.models import SETTLED
from openmash.hub.models import Agency, AgencyKind, Specialism, Team, ThresholdLevel
from openmash.teams.models import Routing, RoutingStatus
from openmash.teams.services import NO_SEND_BACK_REASON, routing_send_back
from openmash.teams.tests.helpers import apply, police_da_notification

pytestmark = pytest.mark.django_db


def _da_team(*members: Any) -> Team:
    team = Team.objects.get(specialism=Specialism.DOMESTIC_ABUSE)
    team.members.set(members)
    return team


def test_a_domestic_abuse_route_waits_for_the_team_and_closes_once_accepted(
    make_user: Any, django_capture_on_commit_callbacks: Any
) -> None:
    screener = make_user(Role.SCREENING_MANAGER)
    member = make_user(Role.AGENCY_RESEARCHER, AgencyKind.POLICE, email="da.officer@police.invalid")
    outsider = make_user(Role.AGENCY_RESEARCHER, AgencyKind.POLICE, email="other@police.invalid")
    team = _da_team(member)
    case = make_referral().case
    with django_capture_on_commit_callbacks(execute=True):
        screen(case, screener, route=Route.DOMESTIC_ABUSE, lawful_basis=False)
    case.refresh_from_db()
    routing = Routing.objects.get(case=case)
    assert routing.team == team and routing.status == RoutingStatus.WAITING
    # The members are told; the outcome notices are settled, yet the case stays open for the team.
    told = [m for m in mail.outbox if "routed to the Domestic abuse team" in m.subject]
    assert told and told[0].to == ["da.officer@police.invalid"]
    assert case.reference in told[0].subject
    assert not case.notifications.exclude(delivery__in=SETTLED).exists()
    assert case.status == CaseStatus.DECIDED
    # Members see the case; others in the same agency do not.
    assert decide(member, Action.CASE_VIEW, case)
    assert not decide(outsider, Action.CASE_VIEW, case)
    assert decide(member, Action.ROUTING_ANSWER, routing)
    assert not decide(outsider, Action.ROUTING_ANSWER, routing)

    routed_case_accept(actor=Actor(user=member), routing=routing, expected_version=routing.version)
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED
    assert AuditEvent.objects.filter(action=AuditAction.ROUTING_ACCEPTED, object_id=str(routing.pk)).exists()


def test_a_team_sends_a_case_back_with_a_reason_and_the_front_door_routes_it_again(
    make_user: Any, django_capture_on_commit_callbacks: Any
) -> None:
    screener = make_user(Role.SCREENING_MANAGER)
    member = make_user(Role.AGENCY_RESEARCHER, AgencyKind.POLICE)
    _da_team(member)
    exploitation = Team.objects.get(specialism=Specialism.EXPLOITATION)
    exploitation.members.set([member])
    case = make_referral().case
    with django_capture_on_commit_callbacks(execute=True):
        screen(case, screener, route=Route.DOMESTIC_ABUSE, lawful_basis=False)
    routing = Routing.objects.get(case=case)
    with pytest.raises(DomainError, match=NO_SEND_BACK_REASON):
        routing_send_back(
            actor=Actor(user=member), routing=routing, expected_version=routing.version, reason=" "
        )
    routing_send_back(
        actor=Actor(user=member),
        routing=routing,
        expected_version=routing.version,
        reason="The concern is exploitation, not domestic abuse",
    )
    case.refresh_from_db()
    assert case.status == CaseStatus.DECIDED  # not closed: no team has it
    client = Client()
    client.force_login(screener)
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "The concern is exploitation, not domestic abuse" in page
    assert reverse("cases:route-again", args=[case.pk]) in page
    again = case_route_again(actor=Actor(user=screener), case=case, team=exploitation, reason="Exploitation")
    assert again.status == RoutingStatus.WAITING and again.team == exploitation
    routed_case_accept(actor=Actor(user=member), routing=again, expected_version=again.version)
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED


def test_a_route_without_a_team_closes_at_screening_as_before(
    make_user: Any, django_capture_on_commit_callbacks: Any
) -> None:
    screener = make_user(Role.SCREENING_MANAGER)
    Team.objects.filter(specialism=Specialism.HATE_CRIME).update(is_active=False)
    case = make_referral().case
    with django_capture_on_commit_callbacks(execute=True):
        screen(case, screener, route=Route.HATE_CRIME, lawful_basis=False)
    case.refresh_from_db()
    assert not Routing.objects.filter(case=case).exists()
    assert case.status == CaseStatus.CLOSED


def test_the_keyworker_conversation_offers_the_health_search_and_the_hand_over_ends_open_requests(
    make_user: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from openmash.casework.consent import consent_record

    apply("early-help")
    screener = make_user(Role.SCREENING_MANAGER)
    keyworker_colleague = make_user(Role.AGENCY_RESEARCHER, AgencyKind.EARLY_HELP)
    police = make_user(Role.AGENCY_RESEARCHER, AgencyKind.POLICE)
    case = make_referral().case
    mother = case.referral.people.get(is_subject=False)
    consent_record(
        actor=Actor(user=screener),
        case=case,
        given_by=mother,
        for_whom=ForWhom.HOUSEHOLD,
        decision=ConsentDecision.GIVEN,
        informed_how=InformedHow.VERBAL,
        privacy_notice_version="2026-04",
    )
    case.refresh_from_db()
    screen(case, screener, kinds=(AgencyKind.POLICE,), lawful_basis=False)
    case.refresh_from_db()
    early_help = Agency.objects.get(kind=AgencyKind.EARLY_HELP)
    keyworker_appoint(
        actor=Actor(user=screener),
        case=case,
        expected_version=case.version,
        name="Sam Keyes",
        agency=early_help,
        email="sam.keyes@earlyhelp.invalid",
    )
    assert not health_named_not_asked(case)
    # The keyworker's conversation with the family: consent that names Health.
    consent_record(
        actor=Actor(user=screener),
        case=case,
        given_by=mother,
        for_whom=ForWhom.HOUSEHOLD,
        decision=ConsentDecision.GIVEN,
        informed_how=InformedHow.VERBAL,
        privacy_notice_version="2026-04",
        includes_health=True,
    )
    assert health_named_not_asked(case)
    client = Client()
    client.force_login(screener)
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "Ask Health for a second search" in page
    assert "Record the decision" not in page

    assert not decide(keyworker_colleague, Action.CASE_VIEW, case)
    case.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        case_hand_over(actor=Actor(user=screener), case=case, expected_version=case.version)
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED and case.handed_over_at is not None
    police_request = case.requests.get(agency__kind=AgencyKind.POLICE)
    assert police_request.status == RequestStatus.WITHDRAWN
    assert not decide(police, Action.REQUEST_TRAWL, police_request)
    assert [m.to for m in mail.outbox if "handed to you" in m.subject] == [["sam.keyes@earlyhelp.invalid"]]
    # The keyworker's agency sees the product and finds it on its list.
    assert decide(keyworker_colleague, Action.CASE_VIEW, case)
    colleague = Client()
    colleague.force_login(keyworker_colleague)
    listed = colleague.get(reverse("teams:handed-over")).content.decode()
    assert case.reference in listed
    assert colleague.get(reverse("product:case", args=[case.pk])).status_code == 200


def test_one_triage_decision_for_many_notifications_each_audited(make_user: Any) -> None:
    apply("children-in-need")
    screener = make_user(Role.SCREENING_MANAGER)
    cases = [police_da_notification() for _ in range(3)]
    assert all(c.in_triage for c in cases)
    client = Client()
    client.force_login(screener)
    response = client.post(
        reverse("cases:triage"),
        {
            "cases": [str(c.pk) for c in cases[:2]],
            "choice": TriageChoice.NFA,
            "level": "1",
            "reason": "Standard risk; no children present; shared with the school",
        },
    )
    assert response.status_code == 302
    for case in cases:
        case.refresh_from_db()
    assert [c.status for c in cases[:2]] == [CaseStatus.DECIDED, CaseStatus.DECIDED] or all(
        c.status == CaseStatus.CLOSED for c in cases[:2]
    )
    assert cases[2].status == CaseStatus.NEW and cases[2].in_triage
    for case in cases[:2]:
        assert AuditEvent.objects.filter(action=AuditAction.CASE_TRIAGED, object_id=str(case.pk)).count() == 1
        assert (
            AuditEvent.objects.filter(action=AuditAction.CASE_SCREENED, object_id=str(case.pk)).count() == 1
        )
    page = client.get(reverse("cases:triage")).content.decode()
    assert cases[2].reference in page and cases[0].reference not in page


def test_triage_can_route_to_a_team_or_move_to_full_screening(make_user: Any) -> None:
    apply("early-help")
    screener = make_user(Role.SCREENING_MANAGER)
    member = make_user(Role.AGENCY_RESEARCHER, AgencyKind.POLICE)
    team = _da_team(member)
    first, second = police_da_notification(), police_da_notification()
    level = ThresholdLevel.objects.get(number=2)
    triage_decide(
        actor=Actor(user=screener),
        cases=[first],
        choice=TriageChoice.TEAM,
        level=level,
        reason="DA",
        team=team,
    )
    triage_decide(
        actor=Actor(user=screener), cases=[second], choice=TriageChoice.SCREEN, level=level, reason="More"
    )
    assert Routing.objects.get(case=first).team == team
    second.refresh_from_db()
    assert second.status == CaseStatus.NEW and not second.in_triage
    with pytest.raises(DomainError):
        triage_decide(
            actor=Actor(user=screener), cases=[second], choice=TriageChoice.NFA, level=level, reason="x"
        )


def test_the_team_queue_shows_routed_cases_and_a_member_accepts_there(
    make_user: Any, django_capture_on_commit_callbacks: Any
) -> None:
    screener = make_user(Role.SCREENING_MANAGER)
    member = make_user(Role.AGENCY_RESEARCHER, AgencyKind.POLICE)
    team = _da_team(member)
    case = make_referral().case
    with django_capture_on_commit_callbacks(execute=True):
        screen(case, screener, route=Route.DOMESTIC_ABUSE, lawful_basis=False)
    routing = Routing.objects.get(case=case)
    client = Client()
    client.force_login(member)
    page = client.get(reverse("teams:queue", args=[team.pk])).content.decode()
    assert case.reference in page and "Jayden Whitmore" in page
    assert client.get(reverse("teams:list")).content.decode().count(team.name) >= 1
    client.post(reverse("teams:accept", args=[routing.pk]), {"version": routing.version})
    routing.refresh_from_db()
    assert routing.status == RoutingStatus.ACCEPTED
    assert AuditEvent.objects.filter(
        action=AuditAction.QUEUE_VIEWED, detail__queue=f"team: {team.name}"
    ).exists()
