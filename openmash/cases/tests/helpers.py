"""Building referrals and cases for tests through the real services."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from openmash.accounts.models import User
from openmash.cases.models import Case, ConsentPosition, Route
from openmash.casework.intake import referral_receive
from openmash.casework.screening import case_screen
from openmash.core.actor import Actor
from openmash.hub.models import Agency, AgencyKind, RagRating, ThresholdLevel
from openmash.referrals.models import Channel, Referral, Relationship
from openmash.referrals.services import PersonData, ReferralData

CHILD_NHS = "9990000018"


def referral_data(**overrides: Any) -> ReferralData:
    values: dict[str, Any] = {
        "referrer_name": "Amira Okafor",
        "referrer_organisation": "Northshire Primary School",
        "referrer_email": "dsl@school.invalid",
        "source": "2A",
        "concerns": "Jayden has arrived hungry on several mornings this half term.",
        "concern_categories": ["neglect"],
        "family_consent": "aware_agrees",
        "referrer_level": 2,
        "people": [
            PersonData(
                given_name="Jayden",
                family_name="Whitmore",
                date_of_birth=date(2018, 5, 4),
                sex="M",
                nhs_number=CHILD_NHS,
                address="1 Elm Road, Northtown",
                postcode="NT1 1AA",
                school="Northshire Primary",
            ),
            PersonData(given_name="Kerry", family_name="Whitmore", relationship=Relationship.MOTHER, sex="F"),
        ],
    }
    values.update(overrides)
    return ReferralData(**values)


def make_referral(
    user: User | None = None, received_at: datetime | None = None, **overrides: Any
) -> Referral:
    actor = Actor(user=user) if user else Actor.system("tests")
    return referral_receive(
        actor=actor, data=referral_data(**overrides), channel=Channel.FORM, received_at=received_at
    )


def screen(
    case: Case,
    screener: User,
    *,
    rag: RagRating = RagRating.AMBER,
    route: Route = Route.MASH_ENQUIRY,
    kinds: tuple[str, ...] = (AgencyKind.POLICE, AgencyKind.HEALTH),
    lawful_basis: bool = True,
) -> Case:
    """Screen the case; by default first record a lawful basis (with the health override) so requests go."""
    agencies = [Agency.objects.get(kind=k) for k in kinds]
    if lawful_basis:
        from openmash.casework.consent import lawful_basis_record

        lawful_basis_record(
            actor=Actor(user=screener),
            case=case,
            reason="Risk of significant harm: consent would place the child at risk",
            health_override=True,
        )
        case.refresh_from_db()
    return case_screen(
        actor=Actor(user=screener),
        case=case,
        expected_version=case.version,
        level=ThresholdLevel.objects.get(number=3),
        indicators=[],
        rag=rag,
        rag_reason="Repeated neglect concerns from school",
        consent_position=ConsentPosition.GIVEN,
        route=route,
        agencies=agencies if route in (Route.MASH_ENQUIRY, Route.STRATEGY_DISCUSSION) else [],
    )
