"""After the decision, the referrer or an agency told the outcome can challenge it; a decision maker
answers; the challenge and its answer stay with the decision."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from openmash.accounts.roles import Role
from openmash.audit.catalogue import AuditAction
from openmash.audit.models import AuditEvent
from openmash.cases.models import Case
from openmash.decisions.models import OutcomeChallenge
from openmash.feedback.tests.helpers import decided_case
from openmash.hub.models import AgencyKind

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(make_user: Any) -> dict[str, Any]:
    return {
        "referrer": make_user(Role.REFERRER, AgencyKind.EDUCATION),
        "other_referrer": make_user(Role.REFERRER, AgencyKind.EDUCATION),
        "screener": make_user(Role.SCREENING_MANAGER),
        "decider": make_user(Role.DECISION_MAKER),
        "police": make_user(Role.AGENCY_RESEARCHER, AgencyKind.POLICE),
        "probation": make_user(Role.AGENCY_RESEARCHER, AgencyKind.PROBATION),
    }


@pytest.fixture
def case(people: dict[str, Any]) -> Case:
    return decided_case(referrer=people["referrer"], screener=people["screener"], decider=people["decider"])


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_referrer_challenges_and_a_decision_maker_answers(people: dict[str, Any], case: Case) -> None:
    notice = case.notifications.get(recipient="referrer")
    referrer = _client(people["referrer"])
    outcomes = referrer.get(reverse("feedback:outcomes")).content.decode()
    assert reverse("decisions:challenge", args=[notice.pk]) in outcomes

    empty = referrer.post(reverse("decisions:challenge", args=[notice.pk]), {"reasons": "   "})
    assert empty.status_code == 400
    assert "Explain why you disagree with the outcome" in empty.content.decode()
    assert not OutcomeChallenge.objects.exists()

    sent = referrer.post(
        reverse("decisions:challenge", args=[notice.pk]), {"reasons": "He told his teacher more today"}
    )
    assert sent.status_code == 302
    challenge = OutcomeChallenge.objects.get()
    assert challenge.raised_by == people["referrer"] and challenge.is_open
    assert "Challenge waiting for an answer" in referrer.get(reverse("feedback:outcomes")).content.decode()
    # One open challenge per notice.
    again = referrer.post(reverse("decisions:challenge", args=[notice.pk]), {"reasons": "And again"})
    assert again.status_code == 400 and OutcomeChallenge.objects.count() == 1

    decider = _client(people["decider"])
    queue = decider.get(reverse("decisions:queue")).content.decode()
    assert reverse("decisions:challenge-answer", args=[challenge.pk]) in queue
    bad = decider.post(reverse("decisions:challenge-answer", args=[challenge.pk]), {"answer": "Noted"})
    assert bad.status_code == 400
    assert "Select whether the decision stands" in bad.content.decode()
    answered = decider.post(
        reverse("decisions:challenge-answer", args=[challenge.pk]),
        {"result": "review", "answer": "We will reconvene with the school tomorrow"},
    )
    assert answered.status_code == 302
    challenge.refresh_from_db()
    assert challenge.result == "review" and challenge.answered_by == people["decider"]
    case_page = decider.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "He told his teacher more today" in case_page
    assert "We will reconvene with the school tomorrow" in case_page
    assert "The decision will be reviewed" in referrer.get(reverse("feedback:outcomes")).content.decode()
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {AuditAction.OUTCOME_CHALLENGED, AuditAction.OUTCOME_CHALLENGE_ANSWERED} <= actions


def test_only_the_notices_own_addressee_challenges_and_only_a_decision_maker_answers(
    people: dict[str, Any], case: Case
) -> None:
    to_police = case.notifications.get(agency__kind=AgencyKind.POLICE)
    to_referrer = case.notifications.get(recipient="referrer")
    data = {"reasons": "Disagree"}
    for who, notice in (("probation", to_police), ("other_referrer", to_referrer), ("referrer", to_police)):
        response = _client(people[who]).post(reverse("decisions:challenge", args=[notice.pk]), data)
        assert response.status_code in (403, 404), who
    assert not OutcomeChallenge.objects.exists()
    police = _client(people["police"])
    assert police.post(reverse("decisions:challenge", args=[to_police.pk]), data).status_code == 302
    challenge = OutcomeChallenge.objects.get()
    for who in ("police", "screener", "referrer"):
        response = _client(people[who]).post(
            reverse("decisions:challenge-answer", args=[challenge.pk]), {"result": "stands", "answer": "No"}
        )
        assert response.status_code in (403, 404), who
    challenge.refresh_from_db()
    assert challenge.is_open
