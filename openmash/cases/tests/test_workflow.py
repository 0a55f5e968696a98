from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.utils import timezone

from openmash.accounts.roles import Role
from openmash.audit.catalogue import AuditAction
from openmash.audit.models import AuditEvent
from openmash.cases.models import Case, CaseStatus, Route
from openmash.cases.services import case_transition
from openmash.cases.tests.helpers import make_referral, screen
from openmash.cases.transitions import ALLOWED
from openmash.casework.screening import case_rerate
from openmash.core.actor import Actor
from openmash.core.errors import ConcurrentEditError, DomainError
from openmash.decisions.models import LevelChange, Outcome
from openmash.decisions.services import ViewData, decision_record
from openmash.enquiries.models import InformationRequest
from openmash.enquiries.services import (
    HistoryData,
    request_nil_return,
    request_save_return,
    request_take,
    requests_mark_overdue,
)
from openmash.feedback.models import Delivery
from openmash.hub.models import Agency, AgencyKind, RagRating, ThresholdLevel

pytestmark = pytest.mark.django_db(transaction=True)
LONDON = ZoneInfo("Europe/London")


@pytest.fixture
def people(make_user: Any, hub: Any) -> dict[str, Any]:
    Agency.objects.filter(kind=AgencyKind.POLICE).update(
        contact_email="mash@police.invalid", lead_email="lead@police.invalid"
    )
    return {
        "referrer": make_user(Role.REFERRER, AgencyKind.EDUCATION),
        "screener": make_user(Role.SCREENING_MANAGER),
        "police": make_user(Role.AGENCY_RESEARCHER, AgencyKind.POLICE),
        "health": make_user(Role.AGENCY_RESEARCHER, AgencyKind.HEALTH),
        "decider": make_user(Role.DECISION_MAKER),
    }


def test_referral_to_closure(people: dict[str, Any]) -> None:
    received = datetime(2026, 11, 20, 10, 0, tzinfo=LONDON)  # a Friday
    referral = make_referral(people["referrer"], received_at=received)
    case = referral.case
    assert case.status == CaseStatus.NEW
    assert case.decision_due_at == datetime(2026, 11, 23, 10, 0, tzinfo=LONDON)  # one working day: Monday

    screen(case, people["screener"], rag=RagRating.AMBER)
    case.refresh_from_db()
    assert case.status == CaseStatus.INFORMATION_GATHERING
    requests = {r.agency.kind: r for r in case.requests.select_related("agency")}
    assert set(requests) == {AgencyKind.POLICE, AgencyKind.HEALTH}

    police = requests[AgencyKind.POLICE]
    request_take(actor=Actor(user=people["police"]), request=police)
    police.refresh_from_db()
    request_save_return(
        actor=Actor(user=people["police"]),
        request=police,
        expected_version=police.version,
        summary="Two domestic incidents at the address",
        risk_factors="Violence in the home",
        protective_factors="Grandmother nearby",
        history=[
            HistoryData(date(2026, 9, 1), "domestic_abuse", "Officers attended", "high", "INC-2026-0001")
        ],
        submit=True,
    )
    case.refresh_from_db()
    assert case.status == CaseStatus.INFORMATION_GATHERING  # health still to come

    health = requests[AgencyKind.HEALTH]
    health.refresh_from_db()
    with pytest.raises(DomainError, match="addressed to Health"):
        request_nil_return(
            actor=Actor(user=people["police"]), request=health, expected_version=health.version
        )
    request_nil_return(actor=Actor(user=people["health"]), request=health, expected_version=health.version)
    case.refresh_from_db()
    assert case.status == CaseStatus.READY_FOR_DECISION

    decision = decision_record(
        actor=Actor(user=people["decider"]),
        case=case,
        expected_version=case.version,
        outcome=Outcome.S17_ASSESSMENT,
        level=ThresholdLevel.objects.get(number=3),
        rationale="Neglect with domestic abuse",
        views=[ViewData(police.agency, "agree")],
    )
    assert decision.level_change == LevelChange.ESCALATED  # the school thought level 2
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED
    recipients = sorted(m.to[0] for m in mail.outbox if "Outcome of referral" in m.subject)
    assert recipients == ["dsl@school.invalid", "mash@police.invalid"]
    deliveries = dict(case.notifications.values_list("recipient", "delivery"))
    assert deliveries["referrer"] == Delivery.SENT
    assert set(case.notifications.values_list("delivery", flat=True)) == {Delivery.SENT, Delivery.NO_ADDRESS}
    statuses = list(case.events.filter(kind="status").values_list("to_value", flat=True))
    assert statuses == ["information_gathering", "ready_for_decision", "decided", "closed"]


def test_routing_without_enquiry_decides_at_screening(people: dict[str, Any]) -> None:
    case = make_referral(people["referrer"]).case
    screen(case, people["screener"], route=Route.EARLY_HELP)
    case.refresh_from_db()
    # Decided at screening, and handed to the early help team: open until the team accepts it.
    assert case.status == CaseStatus.DECIDED
    assert case.routings.get().team.name == "Early help team"
    assert case.decision.outcome == Outcome.EARLY_HELP
    assert case.decision.lead_agency.kind == AgencyKind.EARLY_HELP  # type: ignore[union-attr]
    assert not case.requests.exists()


def test_every_transition_allowed_or_refused(people: dict[str, Any]) -> None:
    for source in CaseStatus:
        for target in CaseStatus:
            case = make_referral(people["referrer"]).case
            Case.objects.filter(pk=case.pk).update(status=source, rag="amber")
            case.refresh_from_db()
            if (source, target) in ALLOWED:
                case_transition(actor=Actor.system("t"), case=case, target=target)
                case.refresh_from_db()
                assert case.status == target
            else:
                with pytest.raises(DomainError, match="cannot become"):
                    case_transition(actor=Actor.system("t"), case=case, target=target)
                case.refresh_from_db()
                assert case.status == source


def test_rerating_recomputes_open_deadlines_and_is_audited(people: dict[str, Any]) -> None:
    case = make_referral(people["referrer"]).case
    sent = datetime(2026, 11, 24, 10, 0, tzinfo=LONDON)  # Tuesday
    from unittest import mock

    with mock.patch("openmash.cases.services.timezone.now", return_value=sent):
        screen(case, people["screener"], rag=RagRating.GREEN)
    due = {r.agency.kind: r.due_at for r in case.requests.all()}
    assert due[AgencyKind.POLICE] == datetime(2026, 11, 27, 10, 0, tzinfo=LONDON)  # 3 working days
    case.refresh_from_db()
    case_rerate(
        actor=Actor(user=people["screener"]),
        case=case,
        expected_version=case.version,
        rag=RagRating.RED,
        reason="Police report a new incident",
    )
    due = {r.agency.kind: r.due_at for r in case.requests.all()}
    assert due[AgencyKind.POLICE] == datetime(2026, 11, 24, 14, 0, tzinfo=LONDON)  # 4 working hours
    event = AuditEvent.objects.get(action=AuditAction.CASE_RERATED)
    assert event.reason == "Police report a new incident"
    assert event.detail["from"] == "green"
    with pytest.raises(DomainError, match="reason"):
        case_rerate(
            actor=Actor(user=people["screener"]),
            case=case,
            expected_version=case.version + 1,
            rag=RagRating.AMBER,
            reason=" ",
        )


def test_overdue_sweep_marks_once_and_tells_the_lead(people: dict[str, Any]) -> None:
    case = make_referral(people["referrer"]).case
    screen(case, people["screener"], rag=RagRating.RED)
    later = timezone.now() + timedelta(days=10)
    marked = requests_mark_overdue(now=later)
    assert {r.agency.kind for r in marked} == {AgencyKind.POLICE, AgencyKind.HEALTH}
    assert [m.to for m in mail.outbox if m.subject.startswith("Overdue")] == [["lead@police.invalid"]]
    assert requests_mark_overdue(now=later + timedelta(hours=1)) == []
    assert InformationRequest.objects.filter(overdue_since__isnull=False).count() == 2


def test_two_researchers_saving_the_same_return(people: dict[str, Any], make_user: Any) -> None:
    case = make_referral(people["referrer"]).case
    screen(case, people["screener"])
    request = case.requests.get(agency__kind=AgencyKind.POLICE)
    other = make_user(Role.AGENCY_RESEARCHER, AgencyKind.POLICE)
    opened = request.version
    request_save_return(
        actor=Actor(user=people["police"]),
        request=request,
        expected_version=opened,
        summary="First",
        risk_factors="",
        protective_factors="",
        history=[],
        submit=False,
    )
    stale = InformationRequest.objects.get(pk=request.pk)
    with pytest.raises(ConcurrentEditError):
        request_save_return(
            actor=Actor(user=other),
            request=stale,
            expected_version=opened,
            summary="Second",
            risk_factors="",
            protective_factors="",
            history=[],
            submit=False,
        )
    assert InformationRequest.objects.get(pk=request.pk).summary == "First"


def test_deciding_without_every_agency_needs_a_reason(people: dict[str, Any]) -> None:
    case = make_referral(people["referrer"]).case
    screen(case, people["screener"])
    case.refresh_from_db()
    kwargs = {
        "actor": Actor(user=people["decider"]),
        "case": case,
        "outcome": Outcome.NFA,
        "level": ThresholdLevel.objects.get(number=1),
        "rationale": "No role for services",
    }
    with pytest.raises(DomainError, match="Give a reason for going ahead without Health, Police"):
        decision_record(expected_version=case.version, **kwargs)
    decision = decision_record(expected_version=case.version, proceed_reason="Strategy needed now", **kwargs)
    assert decision.proceeded_without == ["Health", "Police"]
    assert decision.level_change == LevelChange.DE_ESCALATED


def test_two_decision_makers_on_one_case(people: dict[str, Any], make_user: Any) -> None:
    case = make_referral(people["referrer"]).case
    screen(case, people["screener"])
    case.refresh_from_db()
    opened = case.version
    kwargs = {
        "outcome": Outcome.NFA,
        "level": ThresholdLevel.objects.get(number=1),
        "rationale": "r",
        "proceed_reason": "urgent",
    }
    decision_record(actor=Actor(user=people["decider"]), case=case, expected_version=opened, **kwargs)
    stale = Case.objects.get(pk=case.pk)
    stale.version = opened
    stale.status = CaseStatus.READY_FOR_DECISION
    with pytest.raises((ConcurrentEditError, DomainError)):
        decision_record(
            actor=Actor(user=make_user(Role.DECISION_MAKER)), case=stale, expected_version=opened, **kwargs
        )
