"""The sharing gate says whose consent would let a request go in the words of who was referred: a parent
or carer for a child, the adult at risk (or someone who may decide for them) for an adult."""

from __future__ import annotations

from typing import Any

import pytest

from openmash.cases.tests.helpers import make_referral
from openmash.consent.gate import Purpose, evaluate
from openmash.decisions.tests.test_views import people  # noqa: F401
from openmash.hub.models import Agency, AgencyKind
from openmash.hub.selectors import hub_configuration
from openmash.referrals.tests.test_subject_words import ADULT_AT_RISK

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("referral", "whom"),
    [
        ({}, "a parent or carer"),
        (ADULT_AT_RISK, "the adult at risk (or someone who may decide for them)"),
    ],
    ids=["child", "adult at risk"],
)
def test_consent_first_hub_asks_for_consent_from_whoever_may_give_it(
    people: dict[str, Any],  # noqa: F811
    referral: dict[str, Any],
    whom: str,
) -> None:
    config = hub_configuration()
    config.consent_before_search = True
    config.save()
    case = make_referral(people["referrer"], **referral).case
    police = Agency.objects.get(kind=AgencyKind.POLICE)

    decision = evaluate(config=config, case=case, agency=police, purpose=Purpose.SEARCH)

    assert not decision.allowed
    assert decision.unblock == f"Record consent from {whom} that covers {police.name}."
