"""The three hub rules, for each of the three hub presets: each test fails if the rule is ignored.

- decision_in_hub (front door and children in need: on; early help: off): off, no decision is recorded;
  the product is handed to the keyworker and the case closes. On, the keyworker hand-over is refused.
- screen_all_referrals (front door: on; the others: off): off, the notifications the hub chose (police
  domestic abuse graded standard) go to the triage list, not the screening queue.
- covers_adults (front door: on; the others: off): on, an adult at risk may be referred.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from openmash.accounts.roles import Role
from openmash.cases.models import CaseStatus
from openmash.cases.tests.helpers import make_referral, screen
from openmash.casework.handover import HUB_DECIDES, case_hand_over, keyworker_appoint
from openmash.core.actor import Actor
from openmash.core.errors import DomainError
from openmash.decisions.models import Decision, Outcome
from openmash.decisions.services import NO_DECISION_IN_HUB, decision_record
from openmash.enquiries.models import OUTSTANDING_STATUSES
from openmash.hub.models import Agency, AgencyKind, ThresholdLevel
from openmash.referrals.services import CHILD_TOO_OLD, ReferralInvalidError
from openmash.teams.tests.helpers import PRESETS, adult_at_risk, apply, police_da_notification

pytestmark = pytest.mark.django_db

DECIDES = {"front-door": True, "children-in-need": True, "early-help": False}
SCREENS_ALL = {"front-door": True, "children-in-need": False, "early-help": False}
ADULTS = {"front-door": True, "children-in-need": False, "early-help": False}


@pytest.mark.parametrize("preset", PRESETS)
def test_decision_in_hub_decides_or_hands_the_product_to_the_keyworker(preset: str, make_user: Any) -> None:
    config = apply(preset)
    assert config.decision_in_hub is DECIDES[preset]
    screener = make_user(Role.SCREENING_MANAGER)
    decider = make_user(Role.DECISION_MAKER)
    case = screen(make_referral().case, screener)
    case.refresh_from_db()
    early_help = Agency.objects.get(kind=AgencyKind.EARLY_HELP)

    if DECIDES[preset]:
        with pytest.raises(DomainError, match=HUB_DECIDES):
            keyworker_appoint(
                actor=Actor(user=screener),
                case=case,
                expected_version=case.version,
                name="Sam Keyes",
                agency=early_help,
                email="sam.keyes@earlyhelp.invalid",
            )
        decision_record(
            actor=Actor(user=decider),
            case=case,
            expected_version=case.version,
            outcome=Outcome.S17_ASSESSMENT,
            level=ThresholdLevel.objects.get(number=3),
            rationale="Needs an assessment",
            proceed_reason="Enough is known",
        )
        case.refresh_from_db()
        assert case.status in (CaseStatus.DECIDED, CaseStatus.CLOSED)
        assert case.handed_over_at is None
        return

    with pytest.raises(DomainError, match=NO_DECISION_IN_HUB):
        decision_record(
            actor=Actor(user=decider),
            case=case,
            expected_version=case.version,
            outcome=Outcome.EARLY_HELP,
            level=ThresholdLevel.objects.get(number=2),
            rationale="Early help",
            lead_agency=early_help,
            proceed_reason="Enough is known",
        )
    keyworker_appoint(
        actor=Actor(user=screener),
        case=case,
        expected_version=case.version,
        name="Sam Keyes",
        agency=early_help,
        email="sam.keyes@earlyhelp.invalid",
    )
    case.refresh_from_db()
    case_hand_over(actor=Actor(user=screener), case=case, expected_version=case.version)
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED
    assert case.handed_over_at is not None
    assert not Decision.objects.filter(case=case).exists()
    assert case.requests.exists()
    assert not case.requests.filter(status__in=OUTSTANDING_STATUSES).exists()


@pytest.mark.parametrize("preset", PRESETS)
def test_screen_all_referrals_off_sends_the_chosen_notifications_to_the_triage_list(
    preset: str, make_user: Any
) -> None:
    config = apply(preset)
    assert config.screen_all_referrals is SCREENS_ALL[preset]
    screener = make_user(Role.SCREENING_MANAGER)
    standard = police_da_notification(grading="standard")
    high = police_da_notification(grading="high")
    school = make_referral().case
    client = Client()
    client.force_login(screener)
    queue = client.get(reverse("cases:queue")).content.decode()
    triage = client.get(reverse("cases:triage")).content.decode()

    # Notifications the hub did not choose are screened as ever, whatever the rule.
    assert school.reference in queue and high.reference in queue
    assert school.reference not in triage and high.reference not in triage
    if SCREENS_ALL[preset]:
        assert standard.reference in queue
        assert standard.reference not in triage
    else:
        assert standard.reference not in queue
        assert standard.reference in triage


@pytest.mark.parametrize("preset", PRESETS)
def test_covers_adults_lets_an_adult_at_risk_be_referred(preset: str, make_user: Any) -> None:
    config = apply(preset)
    assert config.covers_adults is ADULTS[preset]
    if ADULTS[preset]:
        referral = adult_at_risk()
        assert referral.case.status == CaseStatus.NEW
        assert referral.people.get(is_subject=True).given_name == "Walter"
    else:
        with pytest.raises(ReferralInvalidError) as refused:
            adult_at_risk()
        assert CHILD_TOO_OLD in refused.value.errors["people.0.date_of_birth"]
