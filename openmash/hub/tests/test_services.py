from __future__ import annotations

from datetime import date, datetime, time
from io import StringIO
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from openmash.accounts.roles import Role
from openmash.audit.catalogue import AuditAction
from openmash.audit.models import AuditEvent
from openmash.core.actor import Actor
from openmash.core.errors import CONCURRENT_EDIT, ConcurrentEditError, DomainError
from openmash.hub import services
from openmash.hub.models import (
    Agency,
    AgencyKind,
    AssessmentDomain,
    HubConfiguration,
    HubModel,
    Location,
    RagResponseTime,
    ThresholdLevel,
    TimeUnit,
)
from openmash.hub.selectors import hub_calendar, hub_configuration

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")


@pytest.fixture
def admin(make_user: Any) -> Actor:
    return Actor(user=make_user(Role.HUB_ADMINISTRATOR), role=Role.HUB_ADMINISTRATOR.value)


def test_front_door_preset_sets_rules_agencies_and_defaults(hub: HubConfiguration) -> None:
    assert hub.hub_model == HubModel.FRONT_DOOR
    assert hub.decision_in_hub and hub.screen_all_referrals and not hub.consent_before_search
    kinds = set(hub.core_agencies.values_list("kind", flat=True))
    assert {
        AgencyKind.CHILDRENS_SOCIAL_CARE,
        AgencyKind.POLICE,
        AgencyKind.HEALTH,
        AgencyKind.EDUCATION,
    } <= kinds
    health = Agency.objects.get(kind=AgencyKind.HEALTH)
    assert health.duty_of_confidentiality
    described = {r.rating: r.describe() for r in RagResponseTime.objects.all()}
    assert described == {"red": "4 working hours", "amber": "1 working day", "green": "3 working days"}
    levels = list(ThresholdLevel.objects.values_list("number", "name"))
    assert levels == [(1, "Universal"), (2, "Early help"), (3, "Child in need"), (4, "Child protection")]
    assert all(level.indicators.exists() for level in ThresholdLevel.objects.all())


def test_early_help_preset_needs_consent_and_takes_no_decision(hub: HubConfiguration) -> None:
    config = services.hub_apply_preset(actor=Actor.system("tests"), preset_slug="early-help")
    assert config.hub_model == HubModel.EARLY_HELP
    assert config.consent_before_search and not config.decision_in_hub and config.destroy_record_on_keyworker
    kinds = set(config.core_agencies.values_list("kind", flat=True))
    assert AgencyKind.HEALTH not in kinds  # health only with specific consent, later
    assert {AgencyKind.CHILDRENS_CENTRES, AgencyKind.DISTRICT_COUNCIL, AgencyKind.EARLY_HELP} <= kinds
    assert Agency.objects.get(kind=AgencyKind.POLICE).location == Location.CO_LOCATED  # kept from front door


def test_children_in_need_preset_has_co_located_core_team(db: None) -> None:
    config = services.hub_apply_preset(actor=Actor.system("tests"), preset_slug="children-in-need")
    core = list(config.core_agencies.all())
    assert len(core) == 7
    assert all(a.location == Location.CO_LOCATED for a in core)


def test_applying_a_preset_again_changes_nothing_it_should_not(hub: HubConfiguration, admin: Actor) -> None:
    red = RagResponseTime.objects.get(rating="red")
    services.rag_response_time_update(
        actor=admin,
        response_time=red,
        expected_version=red.version,
        amount=2,
        unit=TimeUnit.WORKING_HOURS,
        runs_out_of_hours=True,
    )
    agencies = Agency.objects.count()
    services.hub_apply_preset(actor=Actor.system("tests"), preset_slug="front-door")
    assert Agency.objects.count() == agencies
    assert RagResponseTime.objects.get(rating="red").describe() == "2 hours, including out of hours"
    assert ThresholdLevel.objects.count() == 4
    assert HubConfiguration.objects.count() == 1


def test_hub_setup_command(db: None) -> None:
    out = StringIO()
    call_command("hub_setup", "--preset", "children-in-need", stdout=out)
    assert "Children in need hub model" in out.getvalue()
    assert hub_configuration().hub_model == HubModel.CHILDREN_IN_NEED
    assert AuditEvent.objects.filter(action=AuditAction.HUB_PRESET_APPLIED).exists()
    with pytest.raises(CommandError):
        call_command("hub_setup", "--preset", "nonsense")


def test_unknown_preset_is_refused(db: None) -> None:
    with pytest.raises(DomainError, match="no hub model preset called 'x'"):
        services.hub_apply_preset(actor=Actor.system("tests"), preset_slug="x")


def test_response_time_change_is_audited_with_before_and_after(hub: HubConfiguration, admin: Actor) -> None:
    amber = RagResponseTime.objects.get(rating="amber")
    services.rag_response_time_update(
        actor=admin,
        response_time=amber,
        expected_version=amber.version,
        amount=6,
        unit=TimeUnit.WORKING_HOURS,
        runs_out_of_hours=False,
    )
    event = AuditEvent.objects.filter(action=AuditAction.RAG_RESPONSE_TIME_CHANGED).get()
    assert event.actor_label == admin.user.username  # type: ignore[union-attr]
    assert event.detail["changes"] == {"amount": ["1", "6"], "unit": ["working_days", "working_hours"]}
    assert event.detail["now"] == "6 working hours"


def test_two_admins_editing_the_same_response_time(hub: HubConfiguration, admin: Actor) -> None:
    opened_by_both = RagResponseTime.objects.get(rating="green").version
    first = RagResponseTime.objects.get(rating="green")
    services.rag_response_time_update(
        actor=admin,
        response_time=first,
        expected_version=opened_by_both,
        amount=2,
        unit=TimeUnit.WORKING_DAYS,
        runs_out_of_hours=False,
    )
    second = RagResponseTime.objects.get(rating="green")
    with pytest.raises(ConcurrentEditError, match="Someone else changed this record"):
        services.rag_response_time_update(
            actor=admin,
            response_time=second,
            expected_version=opened_by_both,
            amount=5,
            unit=TimeUnit.WORKING_DAYS,
            runs_out_of_hours=False,
        )
    assert RagResponseTime.objects.get(rating="green").amount == 2
    assert str(CONCURRENT_EDIT).startswith("Someone else")


def test_response_time_has_a_sensible_limit(hub: HubConfiguration, admin: Actor) -> None:
    red = RagResponseTime.objects.get(rating="red")
    with pytest.raises(DomainError, match="at most 80 working hours"):
        services.rag_response_time_update(
            actor=admin,
            response_time=red,
            expected_version=red.version,
            amount=81,
            unit=TimeUnit.WORKING_HOURS,
            runs_out_of_hours=False,
        )


def test_settings_update_records_changes_and_refuses_bad_day(hub: HubConfiguration, admin: Actor) -> None:
    police = Agency.objects.get(kind=AgencyKind.POLICE)
    services.hub_settings_update(
        actor=admin,
        config=hub,
        expected_version=hub.version,
        values={"name": "Northshire MASH", "day_start": time(8, 30)},
        core_agencies=[police],
    )
    event = AuditEvent.objects.filter(action=AuditAction.HUB_SETTINGS_CHANGED).get()
    assert event.detail["changes"]["name"] == ["Front Door MASH", "Northshire MASH"]
    assert event.detail["changes"]["core_agencies"][1] == "Police"
    with pytest.raises(DomainError, match="must end after it starts"):
        services.hub_settings_update(
            actor=admin,
            config=hub,
            expected_version=hub.version,
            values={"day_start": time(18, 0)},
            core_agencies=[police],
        )


def test_agency_names_are_unique_whatever_the_case(hub: HubConfiguration, admin: Actor) -> None:
    values = {"name": "police", "kind": AgencyKind.POLICE, "location": Location.VIRTUAL}
    with pytest.raises(DomainError, match="already exists"):
        services.agency_create(actor=admin, values=values)
    agency = services.agency_create(actor=admin, values={**values, "name": "British Transport Police"})
    assert AuditEvent.objects.filter(action=AuditAction.AGENCY_CREATED, object_id=str(agency.pk)).exists()


def test_thresholds_indicators_are_added_and_removed_with_audit(hub: HubConfiguration, admin: Actor) -> None:
    level = ThresholdLevel.objects.get(number=3)
    indicator = services.threshold_indicator_add(
        actor=admin, level=level, domain=AssessmentDomain.FAMILY, text="Family facing eviction"
    )
    assert level.indicators.filter(text="Family facing eviction").exists()
    indicator_id = str(indicator.pk)
    services.threshold_indicator_remove(actor=admin, indicator=indicator)
    assert not level.indicators.filter(text="Family facing eviction").exists()
    actions = list(AuditEvent.objects.filter(object_id=indicator_id).values_list("action", flat=True))
    assert actions == [AuditAction.THRESHOLD_INDICATOR_ADDED, AuditAction.THRESHOLD_INDICATOR_REMOVED]


def test_calendar_uses_hub_hours_and_closure_days(hub: HubConfiguration, admin: Actor) -> None:
    services.closure_day_add(actor=admin, day=date(2026, 12, 24), reason="Christmas Eve closure")
    with pytest.raises(DomainError, match="already a closure day"):
        services.closure_day_add(actor=admin, day=date(2026, 12, 24), reason="again")
    calendar = hub_calendar()
    assert not calendar.is_working_day(date(2026, 12, 24))
    assert not calendar.is_working_day(date(2026, 12, 28))  # Boxing Day substitute bank holiday
    start = datetime(2026, 12, 23, 15, 0, tzinfo=LONDON)
    # 2 hours on the 23rd, closure on the 24th, bank holidays 25th and 28th, weekend: 2 more on the 29th
    assert calendar.add_working_time(start, _hours(4)) == datetime(2026, 12, 29, 11, 0, tzinfo=LONDON)


def _hours(n: int) -> Any:
    from datetime import timedelta

    return timedelta(hours=n)
