"""Who may use the decision pages: every role in children's social care, police and health.

The expectations are written out by hand, not derived from the policy under test: only a decision maker in
children's social care may see the queue or record a decision. A decision maker's grant held in another
agency gives nothing (decisions belong to children's social care).
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from openmash.accounts.models import RoleGrant
from openmash.accounts.roles import Role
from openmash.cases.models import Case, CaseStatus
from openmash.cases.tests.helpers import make_referral, screen
from openmash.decisions.models import Decision
from openmash.hub.models import AgencyKind, ThresholdLevel

pytestmark = pytest.mark.django_db

R = Role
CSC, POLICE, HEALTH = AgencyKind.CHILDRENS_SOCIAL_CARE, AgencyKind.POLICE, AgencyKind.HEALTH
ALLOWED = {(R.DECISION_MAKER, CSC)}


@pytest.fixture
def case(make_user: Any) -> Case:
    case = make_referral(make_user(R.REFERRER, AgencyKind.EDUCATION)).case
    screen(case, make_user(R.SCREENING_MANAGER), kinds=(POLICE, HEALTH))
    case.refresh_from_db()
    return case


def decision(case: Case) -> dict[str, str]:
    return {
        "version": str(case.version),
        "outcome": "nfa",
        "level": str(ThresholdLevel.objects.get(number=1).pk),
        "rationale": "No role for services",
        "proceed_reason": "Nothing any agency holds would change this",
    }


@pytest.mark.parametrize("kind", [CSC, POLICE, HEALTH], ids=lambda k: k.value)
@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_role_and_agency_matrix(role: Role, kind: AgencyKind, case: Case, make_user: Any) -> None:
    client = Client()
    client.force_login(make_user(role, kind))
    allowed = (role, kind) in ALLOWED
    record = reverse("decisions:record", args=[case.pk])

    assert client.get(reverse("decisions:queue")).status_code == (200 if allowed else 403)
    assert client.get(record).status_code == (200 if allowed else 403)
    response = client.post(record, decision(case))
    assert response.status_code == (302 if allowed else 403)
    assert Decision.objects.filter(case=case).exists() == allowed
    case.refresh_from_db()
    assert case.status == (CaseStatus.DECIDED if allowed else CaseStatus.INFORMATION_GATHERING)


def test_nobody_signed_in_is_sent_to_sign_in(case: Case) -> None:
    client = Client()
    record = reverse("decisions:record", args=[case.pk])
    for response in (
        client.get(reverse("decisions:queue")),
        client.get(record),
        client.post(record, decision(case)),
    ):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:sign-in"))
    assert not Decision.objects.exists()


def test_a_case_that_does_not_exist_is_not_found(make_user: Any) -> None:
    client = Client()
    client.force_login(make_user(R.DECISION_MAKER, CSC))
    assert client.get(reverse("decisions:record", args=[uuid.uuid4()])).status_code == 404


def test_a_second_role_does_not_widen_a_refused_agency(case: Case, make_user: Any) -> None:
    """A police officer granted decision maker and researcher still cannot decide."""
    client = Client()
    officer = make_user(R.AGENCY_RESEARCHER, POLICE)
    RoleGrant.objects.create(user=officer, role=R.DECISION_MAKER)
    client.force_login(officer)
    assert client.get(reverse("decisions:record", args=[case.pk])).status_code == 403
