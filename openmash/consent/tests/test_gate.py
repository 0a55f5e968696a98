"""The sharing gate's rules, one by one, through the real services."""

from __future__ import annotations

from typing import Any

import pytest

from openmash.accounts.roles import Role
from openmash.audit.catalogue import AuditAction
from openmash.audit.models import AuditEvent
from openmash.cases.models import Case
from openmash.cases.tests.helpers import make_referral, screen
from openmash.casework.consent import consent_record, consent_withdraw, lawful_basis_record
from openmash.consent.gate import Purpose
from openmash.consent.models import ConsentDecision, Disclosure, DisclosureKind, ForWhom, InformedHow
from openmash.consent.services import gate_check
from openmash.core.actor import Actor
from openmash.core.errors import DomainError
from openmash.enquiries.models import RequestStatus
from openmash.enquiries.services import HistoryData, request_save_return, requests_recheck
from openmash.hub.models import Agency, AgencyKind
from openmash.hub.services import hub_apply_preset

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(make_user: Any) -> dict[str, Any]:
    return {
        "screener": make_user(Role.SCREENING_MANAGER),
        "police": make_user(Role.AGENCY_RESEARCHER, AgencyKind.POLICE),
        "health": make_user(Role.AGENCY_RESEARCHER, AgencyKind.HEALTH),
        "referrer": make_user(Role.REFERRER, AgencyKind.EDUCATION),
    }


def new_case(people: dict[str, Any]) -> Case:
    return make_referral(people["referrer"]).case


def mother(case: Case) -> Any:
    return case.referral.people.get(is_subject=False)


def child(case: Case) -> Any:
    return case.referral.people.get(is_subject=True)


def consent(case: Case, people: dict[str, Any], **kwargs: Any) -> Any:
    values: dict[str, Any] = {
        "given_by": mother(case),
        "for_whom": ForWhom.HOUSEHOLD,
        "decision": ConsentDecision.GIVEN,
        "informed_how": InformedHow.WRITTEN,
        "privacy_notice_version": "2026-04",
    }
    values.update(kwargs)
    return consent_record(actor=Actor(user=people["screener"]), case=case, **values)


def ask(case: Case, kind: str, purpose: Purpose = Purpose.SEARCH, person: Any = None) -> Any:
    agency = Agency.objects.get(kind=kind)
    return gate_check(actor=Actor.system("test"), case=case, agency=agency, purpose=purpose, person=person)


def test_nothing_recorded_refuses_with_reason_and_remedy(people: dict[str, Any]) -> None:
    case = new_case(people)
    police = ask(case, AgencyKind.POLICE)
    assert not police.allowed
    assert police.reason == "No consent or lawful basis to proceed without consent covers Police."
    assert "Record consent that covers Police" in police.unblock
    health = ask(case, AgencyKind.HEALTH)
    assert "duty of confidentiality" in health.reason
    assert AuditEvent.objects.filter(action=AuditAction.GATE_REFUSED).count() == 2


def test_consent_not_naming_health_covers_police_but_not_health(people: dict[str, Any]) -> None:
    case = new_case(people)
    consent(case, people, includes_health=False)
    assert ask(case, AgencyKind.POLICE).allowed
    assert not ask(case, AgencyKind.HEALTH).allowed
    consent(case, people, includes_health=True)
    decision = ask(case, AgencyKind.HEALTH)
    assert decision.allowed
    assert "including health information" in decision.basis_text


def test_lawful_basis_needs_the_override_for_health(people: dict[str, Any]) -> None:
    case = new_case(people)
    lawful_basis_record(actor=Actor(user=people["screener"]), case=case, reason="Risk of significant harm")
    assert ask(case, AgencyKind.POLICE).allowed
    assert not ask(case, AgencyKind.HEALTH).allowed
    lawful_basis_record(
        actor=Actor(user=people["screener"]),
        case=case,
        reason="Injuries need health history",
        health_override=True,
    )
    decision = ask(case, AgencyKind.HEALTH)
    assert decision.allowed
    assert "Art 9(2)(g)" in decision.basis_text
    assert "duty of confidentiality is set aside" in decision.basis_text


def test_only_allowed_roles_decide_to_proceed_without_consent(people: dict[str, Any]) -> None:
    case = new_case(people)
    with pytest.raises(DomainError, match="Only a screening manager or decision maker"):
        lawful_basis_record(actor=Actor(user=people["police"]), case=case, reason="Because")
    with pytest.raises(DomainError, match="Explain why"):
        lawful_basis_record(actor=Actor(user=people["screener"]), case=case, reason="  ")


def test_consent_scoped_to_agencies_and_people(people: dict[str, Any]) -> None:
    case = new_case(people)
    police = Agency.objects.get(kind=AgencyKind.POLICE)
    consent(case, people, all_agencies=False, agencies=[police], for_whom=ForWhom.SELF)
    assert ask(case, AgencyKind.POLICE, person=mother(case)).allowed
    assert not ask(case, AgencyKind.POLICE, person=child(case)).allowed  # she consented for herself only
    assert not ask(case, AgencyKind.POLICE).allowed  # nor for the child as a whole case
    assert not ask(case, AgencyKind.EDUCATION, person=mother(case)).allowed
    consent(case, people, for_whom=ForWhom.CHILD, child=child(case), all_agencies=False, agencies=[police])
    assert ask(case, AgencyKind.POLICE).allowed


def test_refused_consent_is_recorded_and_explained(people: dict[str, Any]) -> None:
    case = new_case(people)
    consent(case, people, decision=ConsentDecision.REFUSED)
    decision = ask(case, AgencyKind.POLICE)
    assert not decision.allowed
    assert "Consent was asked for and refused on" in decision.reason


def test_early_help_hub_needs_consent_even_with_a_lawful_basis(people: dict[str, Any]) -> None:
    hub_apply_preset(actor=Actor.system("t"), preset_slug="early-help")
    case = new_case(people)
    lawful_basis_record(actor=Actor(user=people["screener"]), case=case, reason="Risk", health_override=True)
    decision = ask(case, AgencyKind.POLICE)
    assert not decision.allowed
    assert "early help hub asks for consent before any request or search" in decision.reason
    consent(case, people)
    assert ask(case, AgencyKind.POLICE).allowed


def test_requests_wait_then_go_when_consent_arrives(people: dict[str, Any]) -> None:
    case = new_case(people)
    screen(case, people["screener"], lawful_basis=False)
    requests = {r.agency.kind: r for r in case.requests.select_related("agency")}
    assert {r.status for r in requests.values()} == {RequestStatus.BLOCKED}
    assert all(r.due_at is None for r in requests.values())
    assert "Record consent" in requests[AgencyKind.POLICE].unblock_hint
    consent(case, people, includes_health=False)  # unblocks police at once, not health
    states = dict(case.requests.values_list("agency__kind", "status"))
    assert states == {AgencyKind.POLICE: RequestStatus.OPEN, AgencyKind.HEALTH: RequestStatus.BLOCKED}
    assert case.requests.get(agency__kind=AgencyKind.POLICE).due_at is not None


def test_withdrawal_stops_further_sharing_but_keeps_what_was_shared(people: dict[str, Any]) -> None:
    case = new_case(people)
    given = consent(case, people, includes_health=True)
    screen(case, people["screener"], lawful_basis=False)
    police = case.requests.get(agency__kind=AgencyKind.POLICE)
    request_save_return(
        actor=Actor(user=people["police"]),
        request=police,
        expected_version=police.version,
        summary="Known",
        risk_factors="",
        protective_factors="",
        history=[HistoryData(police.sent_at.date(), "incident", "Attended", "high", "INC-1")],
        submit=True,
    )
    shared = Disclosure.objects.filter(kind=DisclosureKind.SHARED, case=case)
    assert shared.count() == 2  # the return and its history item, each with its basis
    assert all(d.consent_id == given.pk for d in shared)
    consent_withdraw(actor=Actor(user=people["screener"]), consent=given, note="Mother withdrew by phone")
    health = case.requests.get(agency__kind=AgencyKind.HEALTH)
    assert health.status == RequestStatus.BLOCKED
    assert "withdrawn" in health.blocked_reason
    with pytest.raises(DomainError):
        request_save_return(
            actor=Actor(user=people["health"]),
            request=health,
            expected_version=health.version,
            summary="x",
            risk_factors="",
            protective_factors="",
            history=[],
            submit=True,
        )
    assert Disclosure.objects.filter(kind=DisclosureKind.SHARED, case=case).count() == 2
    assert requests_recheck(actor=Actor.system("t"), case=case) == []  # nothing more changes
