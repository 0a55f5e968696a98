"""Decided cases with their outcome notices, built through the real services."""

from __future__ import annotations

from typing import Any

from openmash.accounts.models import User
from openmash.cases.models import Case
from openmash.cases.tests.helpers import make_referral, screen
from openmash.core.actor import Actor
from openmash.decisions.models import Outcome
from openmash.decisions.services import decision_record
from openmash.hub.models import AgencyKind, ThresholdLevel


def decided_case(
    *,
    referrer: User | None,
    screener: User,
    decider: User,
    kinds: tuple[str, ...] = (AgencyKind.POLICE, AgencyKind.HEALTH),
    outcome: Outcome = Outcome.S17_ASSESSMENT,
    **referral: Any,
) -> Case:
    """A referral screened to ask `kinds`, then decided without waiting: one notice per agency + referrer."""
    case = make_referral(referrer, **referral).case
    screen(case, screener, kinds=kinds)
    case.refresh_from_db()
    decision_record(
        actor=Actor(user=decider),
        case=case,
        expected_version=case.version,
        outcome=outcome,
        level=ThresholdLevel.objects.get(number=3),
        rationale="Neglect with domestic abuse",
        proceed_reason="Strategy needed today",
    )
    case.refresh_from_db()
    return case
