"""On PostgreSQL a page read commits what it writes once: the case page's audit event and its disclosure-log
lines land in one transaction; a refused read is still committed; a failed page keeps nothing."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.test import Client, RequestFactory
from django.urls import reverse

from openmash.accounts.roles import Role
from openmash.audit.catalogue import AuditAction
from openmash.audit.models import AuditEvent
from openmash.audit.services import audit_record
from openmash.cases.tests.helpers import make_referral, screen
from openmash.consent.models import Disclosure, DisclosureKind
from openmash.consent.tests.test_transparency import incident, submit_return
from openmash.core.actor import Actor
from openmash.core.middleware import OneCommitPerReadMiddleware
from openmash.hub.models import AgencyKind

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="one commit per read is PostgreSQL's"),
]


def transaction_of(row: Any) -> str:
    """The transaction that wrote a row (PostgreSQL's xmin)."""
    meta = row._meta
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT xmin::text FROM {meta.db_table} WHERE {meta.pk.column} = %s",  # noqa: S608 - our names
            [row.pk],
        )
        return str(cursor.fetchone()[0])


def test_the_case_pages_audit_event_and_disclosure_lines_are_one_commit(make_user: Any) -> None:
    screener = make_user(Role.SCREENING_MANAGER)
    police = make_user(Role.AGENCY_RESEARCHER, AgencyKind.POLICE)
    decider = make_user(Role.DECISION_MAKER)
    case = make_referral(make_user(Role.REFERRER, AgencyKind.EDUCATION)).case
    screen(case, screener, kinds=(AgencyKind.POLICE,))
    submit_return(police, case, AgencyKind.POLICE, [incident("INC-2026-0001")])

    client = Client()
    client.force_login(decider)
    assert client.get(reverse("cases:detail", args=[case.pk])).status_code == 200

    event = AuditEvent.objects.filter(action=AuditAction.CASE_VIEWED, actor_id=str(decider.pk)).get()
    line = Disclosure.objects.get(kind=DisclosureKind.VIEWED, by_user=decider)
    assert transaction_of(line) == transaction_of(event)

    # A second view is a transaction of its own.
    client.get(reverse("cases:detail", args=[case.pk]))
    later = AuditEvent.objects.filter(action=AuditAction.CASE_VIEWED, actor_id=str(decider.pk)).latest(
        "sequence"
    )
    assert transaction_of(later) != transaction_of(event)


def test_a_refused_read_is_still_committed(make_user: Any) -> None:
    case = make_referral(make_user(Role.REFERRER, AgencyKind.EDUCATION)).case
    outsider = make_user(Role.AGENCY_RESEARCHER, AgencyKind.HEALTH)  # no request about this family
    client = Client()
    client.force_login(outsider)
    assert client.get(reverse("cases:detail", args=[case.pk])).status_code == 404
    refused = AuditEvent.objects.get(action=AuditAction.ACCESS_REFUSED, actor_id=str(outsider.pk))
    assert refused.object_id == str(case.pk)


def test_a_page_that_fails_keeps_nothing_it_wrote(make_user: Any) -> None:
    reader = make_user(Role.SCREENING_MANAGER)

    def failing_page(request: HttpRequest) -> HttpResponse:
        audit_record(actor=Actor(user=reader), action=AuditAction.CASE_VIEWED, object_type="cases.case")
        return HttpResponse("Sorry, there is a problem with the service", status=500)

    def working_page(request: HttpRequest) -> HttpResponse:
        audit_record(actor=Actor(user=reader), action=AuditAction.CASE_VIEWED, object_type="cases.case")
        return HttpResponse("A page")

    assert OneCommitPerReadMiddleware(failing_page)(RequestFactory().get("/")).status_code == 500
    assert not AuditEvent.objects.filter(actor_id=str(reader.pk)).exists()
    assert OneCommitPerReadMiddleware(working_page)(RequestFactory().get("/")).status_code == 200
    assert AuditEvent.objects.filter(actor_id=str(reader.pk)).count() == 1


def test_pages_whose_reading_marks_outcome_notices_read_work_inside_the_pages_transaction(
    make_user: Any,
) -> None:
    """The outcomes list and the outcome note mark notices read as they are shown: inside the page's one
    transaction (a durable block there failed the page with a 500 on PostgreSQL)."""
    from openmash.feedback.models import OutcomeNotification
    from openmash.feedback.tests.helpers import decided_case

    police = make_user(Role.AGENCY_RESEARCHER, AgencyKind.POLICE)
    case = decided_case(
        referrer=make_user(Role.REFERRER, AgencyKind.EDUCATION),
        screener=make_user(Role.SCREENING_MANAGER),
        decider=make_user(Role.DECISION_MAKER),
        kinds=(AgencyKind.POLICE,),
    )
    notice = case.notifications.get(agency__kind=AgencyKind.POLICE)
    client = Client(raise_request_exception=False)
    client.force_login(police)

    assert client.get(reverse("feedback:outcomes")).status_code == 200
    notice.refresh_from_db()
    assert notice.read_at is not None
    viewed = AuditEvent.objects.get(action=AuditAction.OUTCOME_VIEWED, actor_id=str(police.pk))

    OutcomeNotification.objects.filter(pk=notice.pk).update(read_at=None)
    assert client.get(reverse("feedback:note", args=[notice.pk])).status_code == 200
    notice.refresh_from_db()
    assert notice.read_at is not None
    downloaded = AuditEvent.objects.get(action=AuditAction.OUTCOME_NOTE_DOWNLOADED, actor_id=str(police.pk))
    assert transaction_of(downloaded) != transaction_of(viewed)
