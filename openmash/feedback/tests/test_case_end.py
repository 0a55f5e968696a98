"""When the case is decided, the requests still outstanding end, each agency hears what it needs to,
failed notices are tried again with a growing wait, and a person can send one again or give it up."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from openmash.accounts.roles import Role
from openmash.audit.catalogue import AuditAction
from openmash.audit.models import AuditEvent
from openmash.cases.models import Case, CaseStatus
from openmash.cases.tests.helpers import make_referral, screen
from openmash.core.actor import Actor
from openmash.core.errors import DomainError
from openmash.decisions.models import Outcome
from openmash.decisions.services import decision_record
from openmash.enquiries.models import RequestStatus
from openmash.enquiries.services import request_nil_return, request_take
from openmash.feedback.delivery import feedback_deliver, notices_retry_due
from openmash.feedback.models import Delivery, OutcomeNotification
from openmash.hub.models import Agency, AgencyKind, ThresholdLevel
from openmash.trawl.services import trawl_start

pytestmark = pytest.mark.django_db

LOCMEM = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
# A real SMTP client against a port nobody listens on: the send fails as it would with a mail server down.
REFUSED = {
    "default": {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "OPTIONS": {"host": "127.0.0.1", "port": 9, "timeout": 1},
    }
}


@pytest.fixture
def people(make_user: Any) -> dict[str, Any]:
    return {
        "referrer": make_user(Role.REFERRER, AgencyKind.EDUCATION),
        "screener": make_user(Role.SCREENING_MANAGER),
        "decider": make_user(Role.DECISION_MAKER),
        "police": make_user(Role.AGENCY_RESEARCHER, AgencyKind.POLICE),
        "health": make_user(Role.AGENCY_RESEARCHER, AgencyKind.HEALTH),
    }


def _decide(case: Case, decider: Any) -> None:
    case.refresh_from_db()
    decision_record(
        actor=Actor(user=decider),
        case=case,
        expected_version=case.version,
        outcome=Outcome.S17_ASSESSMENT,
        level=ThresholdLevel.objects.get(number=3),
        rationale="Neglect with domestic abuse",
        proceed_reason="Strategy needed today",
    )
    case.refresh_from_db()


@pytest.fixture
def police_answered(people: dict[str, Any]) -> Case:
    """Police returned (a nil return); health took its request but never answered; then decided."""
    for kind in (AgencyKind.POLICE, AgencyKind.HEALTH):
        Agency.objects.filter(kind=kind).update(contact_email=f"mash.{kind}@agency.invalid")
    case = make_referral(people["referrer"], referrer_email="teacher@school.invalid").case
    screen(case, people["screener"], kinds=(AgencyKind.POLICE, AgencyKind.HEALTH))
    police = case.requests.get(agency__kind=AgencyKind.POLICE)
    request_nil_return(actor=Actor(user=people["police"]), request=police, expected_version=police.version)
    health = case.requests.get(agency__kind=AgencyKind.HEALTH)
    request_take(actor=Actor(user=people["health"]), request=health)
    _decide(case, people["decider"])
    return case


def test_deciding_ends_every_outstanding_request_and_the_agency_sees_it_closed(
    people: dict[str, Any], police_answered: Case
) -> None:
    case = police_answered
    health = case.requests.get(agency__kind=AgencyKind.HEALTH)
    assert health.status == RequestStatus.WITHDRAWN
    assert health.ended_at is not None
    assert "decided" in health.ended_reason
    # The request that was answered keeps its answer.
    assert case.requests.get(agency__kind=AgencyKind.POLICE).status == RequestStatus.NIL_RETURN
    ended = AuditEvent.objects.filter(action=AuditAction.REQUEST_ENDED)
    assert [e.object_id for e in ended] == [str(health.pk)]

    client = Client()
    client.force_login(people["health"])
    page = client.get(reverse("enquiries:detail", args=[health.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "This request is closed" in html and "do not search" in html
    child = case.referral.people.get(is_subject=True)
    assert child.family_name not in html  # no reason to see the family any more
    # The trawl refuses it, in words.
    with pytest.raises(DomainError, match="no longer needed"):
        trawl_start(actor=Actor(user=people["health"], role=Role.AGENCY_RESEARCHER.value), request=health)
    # Its open requests no longer list it.
    queue = client.get(reverse("enquiries:queue")).content.decode()
    assert "Not started" not in queue and "In progress" not in queue


def test_only_agencies_that_answered_are_thanked(settings: Any, police_answered: Case) -> None:
    settings.MAILERS = LOCMEM
    feedback_deliver(case_id=police_answered.pk)
    by_recipient = {m.to[0]: m.body for m in mail.outbox}
    police = police_answered.notifications.get(agency__kind=AgencyKind.POLICE)
    health = police_answered.notifications.get(agency__kind=AgencyKind.HEALTH)
    assert police.contributed and not health.contributed
    assert "Thank you for the information" in by_recipient[police.email]
    assert "Thank you for the information" not in by_recipient[health.email]
    assert "decided without information from" in by_recipient[health.email]


def test_a_failed_notice_is_tried_again_after_a_growing_wait_then_the_case_closes(
    settings: Any, police_answered: Case
) -> None:
    settings.OUTCOME_RETRY_MINUTES = 7
    settings.OUTCOME_MAX_ATTEMPTS = 4
    case = police_answered
    settings.MAILERS = REFUSED
    before = timezone.now()
    feedback_deliver(case_id=case.pk, retry_failed=False)
    failed = list(case.notifications.filter(delivery=Delivery.FAILED))
    assert len(failed) == case.notifications.exclude(email="").count() > 0
    for notice in failed:
        assert notice.attempts == 1
        assert (
            before + timedelta(minutes=7) <= notice.next_attempt_at <= timezone.now() + timedelta(minutes=7)
        )
    case.refresh_from_db()
    assert case.status == CaseStatus.DECIDED

    # Not due yet: nothing is tried.
    assert notices_retry_due() == []
    # Due, and the mail server still down: the wait doubles.
    second = timezone.now() + timedelta(minutes=8)
    assert len(notices_retry_due(now=second)) == len(failed)
    for notice in case.notifications.filter(delivery=Delivery.FAILED):
        assert notice.attempts == 2
        # 7 minutes, then 14.
        assert timedelta(minutes=13) < notice.next_attempt_at - timezone.now() <= timedelta(minutes=14)

    # The server is back: the next sweep sends them and the case closes.
    settings.MAILERS = LOCMEM
    assert len(notices_retry_due(now=timezone.now() + timedelta(hours=1))) == len(failed)
    assert set(case.notifications.values_list("delivery", flat=True)) <= {Delivery.SENT, Delivery.NO_ADDRESS}
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED


def test_after_the_hubs_number_of_tries_a_person_must_act(settings: Any, police_answered: Case) -> None:
    settings.OUTCOME_MAX_ATTEMPTS = 1
    settings.MAILERS = REFUSED
    feedback_deliver(case_id=police_answered.pk, retry_failed=False)
    failed = police_answered.notifications.filter(delivery=Delivery.FAILED)
    assert failed.exists()
    assert not failed.filter(next_attempt_at__isnull=False).exists()
    assert notices_retry_due(now=timezone.now() + timedelta(days=30)) == []


def _failed_notice(settings: Any, case: Case) -> OutcomeNotification:
    settings.MAILERS = REFUSED
    feedback_deliver(case_id=case.pk, retry_failed=False)
    return case.notifications.filter(delivery=Delivery.FAILED).order_by("created_at").first()


def test_a_decision_maker_sends_a_failed_notice_again_to_a_corrected_address(
    settings: Any, people: dict[str, Any], police_answered: Case, django_capture_on_commit_callbacks: Any
) -> None:
    notice = _failed_notice(settings, police_answered)
    client = Client()
    client.force_login(people["decider"])
    case_page = client.get(reverse("cases:detail", args=[police_answered.pk])).content.decode()
    assert reverse("feedback:failed", args=[notice.pk]) in case_page
    page = client.get(reverse("feedback:failed", args=[notice.pk]))
    assert page.status_code == 200 and "was not sent" in page.content.decode()

    bad = client.post(reverse("feedback:resend", args=[notice.pk]), {"email": "not an address"})
    assert bad.status_code == 400
    assert "govuk-error-summary" in bad.content.decode()
    notice.refresh_from_db()
    assert notice.delivery == Delivery.FAILED  # nothing changed

    settings.MAILERS = LOCMEM
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(
            reverse("feedback:resend", args=[notice.pk]), {"email": "safeguarding@new.invalid"}
        )
    assert sent.status_code == 302
    notice.refresh_from_db()
    assert notice.email == "safeguarding@new.invalid"
    assert notice.delivery == Delivery.SENT  # the task ran (immediate backend in tests)
    assert any(m.to == ["safeguarding@new.invalid"] for m in mail.outbox)
    assert AuditEvent.objects.filter(action=AuditAction.OUTCOME_RESEND, object_id=str(notice.pk)).exists()


def test_giving_up_needs_a_reason_and_closes_the_case_when_nothing_else_waits(
    settings: Any, people: dict[str, Any], police_answered: Case
) -> None:
    settings.MAILERS = REFUSED
    feedback_deliver(case_id=police_answered.pk, retry_failed=False)
    client = Client()
    client.force_login(people["decider"])
    failed = list(police_answered.notifications.filter(delivery=Delivery.FAILED))
    empty = client.post(reverse("feedback:give-up", args=[failed[0].pk]), {"reason": "  "})
    assert empty.status_code == 400
    assert "Explain why this notice will not be sent" in empty.content.decode()
    for notice in failed:
        response = client.post(
            reverse("feedback:give-up", args=[notice.pk]), {"reason": "Told by telephone on 4 December"}
        )
        assert response.status_code == 302
        police_answered.refresh_from_db()
        expected = CaseStatus.CLOSED if notice is failed[-1] else CaseStatus.DECIDED
        assert police_answered.status == expected
    notice = failed[0]
    notice.refresh_from_db()
    assert (
        notice.delivery == Delivery.GIVEN_UP and notice.given_up_reason == "Told by telephone on 4 December"
    )


def test_only_a_decision_maker_may_resend_or_give_up(
    settings: Any, people: dict[str, Any], police_answered: Case
) -> None:
    notice = _failed_notice(settings, police_answered)
    for who in ("police", "referrer", "screener"):
        client = Client()
        client.force_login(people[who])
        assert client.get(reverse("feedback:failed", args=[notice.pk])).status_code in (403, 404)
        response = client.post(reverse("feedback:give-up", args=[notice.pk]), {"reason": "No"})
        assert response.status_code in (403, 404)
    notice.refresh_from_db()
    assert notice.delivery == Delivery.FAILED
