"""Each retention rule decides when its kind of closed case is due for destruction (a test per rule that
fails when the rule is ignored); the defaults; changing a rule; legal holds; who may do what."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from openmash.access.policy import Action, decide
from openmash.accounts.roles import Role
from openmash.cases.models import Case, CaseStatus, Route
from openmash.cases.tests.helpers import make_referral
from openmash.casework.destruction import case_destroy
from openmash.core.actor import Actor
from openmash.core.errors import ConcurrentEditError, DomainError
from openmash.hub.models import AgencyKind
from openmash.hub.selectors import hub_configuration
from openmash.retention.models import DEFAULT_MONTHS, RecordKind
from openmash.retention.selectors import (
    add_months,
    cases_due,
    destruction_due_on,
    retention_context,
    retention_kind,
    retention_rules,
)
from openmash.retention.services import (
    ALREADY_HELD,
    MONTHS_RANGE,
    legal_hold_lift,
    legal_hold_place,
    retention_rule_change,
)

pytestmark = pytest.mark.django_db

#: How each kind of case ends up closed (set directly: the rules read only these facts).
SHAPES: dict[RecordKind, dict[str, Any]] = {
    RecordKind.NEVER_SCREENED: {"route": "", "screened": False},
    RecordKind.CONTACT_NFA: {"route": Route.NFA, "screened": True},
    RecordKind.SOCIAL_CARE: {"route": Route.STRATEGY_DISCUSSION, "screened": True},
    RecordKind.EARLY_HELP: {"route": Route.EARLY_HELP, "screened": True},
}


def closed_case(kind: RecordKind, closed_at: datetime) -> Case:
    case = make_referral().case
    shape = SHAPES[kind]
    Case.objects.filter(pk=case.pk).update(
        status=CaseStatus.CLOSED,
        rag="green",
        route=shape["route"],
        screened_at=closed_at - timedelta(days=1) if shape["screened"] else None,
        closed_at=closed_at,
    )
    case.refresh_from_db()
    return case


def _at(day: Any) -> datetime:
    return timezone.make_aware(datetime.combine(day, datetime.min.time()).replace(hour=12))


@pytest.fixture
def admin(hub: Any, make_user: Any) -> Actor:
    return Actor(user=make_user(Role.HUB_ADMINISTRATOR))


@pytest.mark.parametrize("kind", list(RecordKind))
def test_each_rule_decides_when_its_kind_of_closed_case_is_due(kind: RecordKind, admin: Actor) -> None:
    today = timezone.localdate()
    # Every other kind is kept far longer, so only this kind's rule can make these cases due.
    for other in RecordKind:
        retention_rule_change(actor=admin, kind=other, months=5 if other == kind else 600, expected_version=0)
    past = closed_case(kind, _at(add_months(today, -5) - timedelta(days=2)))
    recent = closed_case(kind, _at(add_months(today, -4)))
    assert retention_kind(past) == kind
    due = cases_due(today)
    assert [d.case.pk for d in due] == [past.pk]
    assert due[0].due_on == add_months(timezone.localdate(past.closed_at), 5)
    recent_due = destruction_due_on(recent, retention_context())
    assert recent_due == add_months(timezone.localdate(recent.closed_at), 5)


def test_the_defaults_are_what_the_readme_says_until_the_hub_changes_them(hub: Any) -> None:
    months = {kind: rule.months for kind, rule in retention_rules().items()}
    assert months == {
        "contact_nfa": 24,
        "social_care": 72,
        "early_help": 72,
        "never_screened": 12,
    }
    assert months == DEFAULT_MONTHS
    # A contact closed 13 months ago with no further action is not due under the default; one closed
    # 25 months ago is.
    today = timezone.localdate()
    closed_case(RecordKind.CONTACT_NFA, _at(add_months(today, -13)))
    old = closed_case(RecordKind.CONTACT_NFA, _at(add_months(today, -25)))
    assert [d.case.pk for d in cases_due(today)] == [old.pk]


@pytest.mark.parametrize("rule_on", [True, False])
def test_the_keyworker_rule_makes_a_handed_over_case_due_the_day_the_keyworker_has_it(
    hub: Any, rule_on: bool
) -> None:
    """`destroy_record_on_keyworker`: on, the hub's record goes once the keyworker has the product;
    off, the early-help case is kept for the early-help rule's months."""
    config = hub_configuration()
    config.destroy_record_on_keyworker = rule_on
    config.save()
    today = timezone.localdate()
    handed = closed_case(RecordKind.EARLY_HELP, _at(today - timedelta(days=3)))
    Case.objects.filter(pk=handed.pk).update(handed_over_at=handed.closed_at)
    handed.refresh_from_db()
    due_on = destruction_due_on(handed, retention_context())
    if rule_on:
        assert due_on == today - timedelta(days=3)
        assert [d.case.pk for d in cases_due(today)] == [handed.pk]
    else:
        assert due_on == add_months(today - timedelta(days=3), DEFAULT_MONTHS[RecordKind.EARLY_HELP])
        assert cases_due(today) == []


def test_an_open_case_is_never_due(hub: Any) -> None:
    case = make_referral().case
    Case.objects.filter(pk=case.pk).update(closed_at=timezone.now() - timedelta(days=4000))
    case.refresh_from_db()
    assert destruction_due_on(case, retention_context()) is None
    assert cases_due() == []


def test_a_rule_change_needs_the_version_the_person_saw_and_a_sensible_number(admin: Actor) -> None:
    rule = retention_rule_change(actor=admin, kind=RecordKind.EARLY_HELP, months=36, expected_version=0)
    assert retention_rules()[RecordKind.EARLY_HELP].months == 36
    with pytest.raises(ConcurrentEditError):
        retention_rule_change(actor=admin, kind=RecordKind.EARLY_HELP, months=48, expected_version=0)
    with pytest.raises(DomainError, match=MONTHS_RANGE):
        retention_rule_change(actor=admin, kind=rule.kind, months=0, expected_version=rule.version)
    retention_rule_change(actor=admin, kind=rule.kind, months=48, expected_version=rule.version)
    assert retention_rules()[RecordKind.EARLY_HELP].months == 48


def test_one_hold_at_a_time_and_a_held_case_is_not_swept(hub: Any, make_user: Any) -> None:
    ig = Actor(user=make_user(Role.IG_OFFICER))
    case = closed_case(RecordKind.CONTACT_NFA, timezone.now() - timedelta(days=3650))
    hold = legal_hold_place(actor=ig, case=case, reason="Subject access request SAR-2026-114")
    with pytest.raises(DomainError, match=ALREADY_HELD):
        legal_hold_place(actor=ig, case=case, reason="Again")
    assert cases_due() == []
    legal_hold_lift(actor=ig, hold=hold, reason="Answered")
    assert [d.case.pk for d in cases_due()] == [case.pk]


def test_who_may_see_the_schedule_change_the_rules_and_hold_cases(hub: Any, make_user: Any) -> None:
    case = make_referral().case
    hub_ig = make_user(Role.IG_OFFICER)
    health_ig = make_user(Role.IG_OFFICER, AgencyKind.HEALTH)
    admin = make_user(Role.HUB_ADMINISTRATOR)
    screener = make_user(Role.SCREENING_MANAGER)
    people = {"hub_ig": hub_ig, "health_ig": health_ig, "admin": admin, "screener": screener}
    answers = {
        name: (
            decide(user, Action.RETENTION_VIEW).allowed,
            decide(user, Action.RETENTION_CONFIGURE).allowed,
            decide(user, Action.LEGAL_HOLD, case).allowed,
        )
        for name, user in people.items()
    }
    assert answers == {
        "hub_ig": (True, True, True),
        "health_ig": (False, False, False),
        "admin": (True, True, False),
        "screener": (False, False, False),
    }


def test_no_one_adds_people_to_a_destroyed_case(hub: Any, make_user: Any) -> None:
    decider = make_user(Role.DECISION_MAKER)
    case = closed_case(RecordKind.CONTACT_NFA, timezone.now() - timedelta(days=3650))
    assert decide(decider, Action.PEOPLE_CHANGE, case).correction
    case_destroy(actor=Actor(user=decider), case=case)
    refused = decide(decider, Action.PEOPLE_CHANGE, case)
    assert not refused and "destroyed" in refused.reason


def test_a_destroyed_case_page_says_its_personal_information_was_destroyed(
    hub: Any, make_user: Any, settings: Any, tmp_path: Any
) -> None:
    settings.OPENMASH_AUDIT_ANCHOR_DIR = tmp_path
    decider = make_user(Role.DECISION_MAKER)
    case = closed_case(RecordKind.CONTACT_NFA, timezone.now() - timedelta(days=3650))
    client = Client()
    client.force_login(decider)
    before = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert 'data-testid="destroyed"' not in before
    case_destroy(actor=Actor(user=decider), case=case)
    after = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "The personal information on this case was destroyed on" in after
    assert "under the hub&#x27;s retention rules" in after or "under the hub's retention rules" in after
