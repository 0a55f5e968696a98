"""Hubs set to each preset, and the cases the rule tests walk through the real services."""

from __future__ import annotations

from datetime import date
from typing import Any

from openmash.cases.models import Case
from openmash.cases.tests.helpers import make_referral
from openmash.core.actor import Actor
from openmash.hub.models import HubConfiguration
from openmash.hub.selectors import hub_configuration
from openmash.hub.services import hub_apply_preset
from openmash.referrals.models import Relationship
from openmash.referrals.services import PersonData

PRESETS = ("front-door", "children-in-need", "early-help")


def apply(preset: str) -> HubConfiguration:
    hub_apply_preset(actor=Actor.system("tests"), preset_slug=preset)
    return hub_configuration()


def police_da_notification(user: Any = None, grading: str = "standard") -> Case:
    """A police domestic-abuse notification with its DASH grading: what hubs most often triage."""
    return make_referral(
        user,
        source="6",
        referrer_organisation="Northshire Police",
        concerns="Police attended a verbal argument at the home; the children were asleep upstairs.",
        concern_categories=["domestic_abuse"],
        risk_grading=grading,
    ).case


def adult_at_risk(**overrides: Any) -> Any:
    """A referral about an adult at risk (adult safeguarding)."""
    values: dict[str, Any] = {
        "concern_categories": ["adult_at_risk"],
        "concerns": "A neighbour reports a frail man left without food by his carer.",
        "people": [
            PersonData(
                given_name="Walter",
                family_name="Crane",
                date_of_birth=date(1941, 3, 2),
                sex="M",
                address="4 Mill Lane, Northtown",
            ),
            PersonData(given_name="Dana", family_name="Crane", relationship=Relationship.CARER, sex="F"),
        ],
    }
    values.update(overrides)
    return make_referral(**values)
