"""A trawl whose worker stopped part-way is found by the recovery sweep and carries on from the next
person: nobody is searched twice, and the trawl completes."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from openmash.audit.catalogue import AuditAction
from openmash.audit.models import AuditEvent
from openmash.core.actor import Actor
from openmash.enquiries.models import InformationRequest
from openmash.enquiries.tests.test_views import make_case, make_people, request_to
from openmash.hub.models import AgencyKind
from openmash.sources.tests.helpers import police_source
from openmash.trawl.models import Trawl, TrawlStatus
from openmash.trawl.runner import MAX_TRAWL_ATTEMPTS, trawl_run, trawls_stalled
from openmash.trawl.services import trawl_start

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(make_user: Any) -> dict[str, Any]:
    return make_people(make_user)


@pytest.fixture
def police_request(people: dict[str, Any], tmp_path: Path) -> InformationRequest:
    police_source(tmp_path)
    return request_to(make_case(people), AgencyKind.POLICE)


def _died_after_first_person(trawl: Trawl, *, minutes_ago: int, attempts: int = 1) -> None:
    """What a worker killed after searching the first person leaves behind."""
    then = timezone.now() - timedelta(minutes=minutes_ago)
    Trawl.objects.filter(pk=trawl.pk).update(
        status=TrawlStatus.RUNNING, started_at=then, heartbeat_at=then, people_done=1, attempts=attempts
    )


def test_a_stalled_trawl_resumes_from_the_next_person_and_completes(
    people: dict[str, Any], police_request: InformationRequest, settings: Any
) -> None:
    settings.TRAWL_STALE_MINUTES = 10
    trawl = trawl_start(actor=Actor(user=people["police"]), request=police_request)
    _died_after_first_person(trawl, minutes_ago=30)

    resume, given_up = trawls_stalled()
    assert [t.pk for t in resume] == [trawl.pk] and given_up == []
    done = trawl_run(resume[0])  # what the re-queued task runs

    assert (done.status, done.people_done, done.people_total) == (TrawlStatus.DONE, 2, 2)
    # The first person (the child, searched before the worker stopped) is not searched again.
    searched = AuditEvent.objects.filter(action=AuditAction.TRAWL_SEARCHED)
    assert searched.count() == 1
    assert not done.candidates.filter(person__is_subject=True).exists()
    assert done.candidates.filter(person__given_name="Kerry").exists()
    assert done.attempts == 2


def test_the_stale_time_setting_decides_what_counts_as_stopped(
    people: dict[str, Any], police_request: InformationRequest, settings: Any
) -> None:
    trawl = trawl_start(actor=Actor(user=people["police"]), request=police_request)
    _died_after_first_person(trawl, minutes_ago=30)
    settings.TRAWL_STALE_MINUTES = 60
    assert trawls_stalled() == ([], [])
    settings.TRAWL_STALE_MINUTES = 20
    assert [t.pk for t in trawls_stalled()[0]] == [trawl.pk]


def test_a_trawl_that_keeps_stopping_is_failed_with_the_reason(
    people: dict[str, Any], police_request: InformationRequest, settings: Any
) -> None:
    settings.TRAWL_STALE_MINUTES = 10
    trawl = trawl_start(actor=Actor(user=people["police"]), request=police_request)
    _died_after_first_person(trawl, minutes_ago=30, attempts=MAX_TRAWL_ATTEMPTS)
    resume, given_up = trawls_stalled()
    assert resume == [] and [t.pk for t in given_up] == [trawl.pk]
    trawl.refresh_from_db()
    assert trawl.status == TrawlStatus.FAILED
    assert "run it again" in trawl.error
