"""Two researchers change the wording of one event found by trawl: the second is told, keeps what they
typed, sees what the first saved, and the first's redaction stays."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from openmash.audit.catalogue import AuditAction
from openmash.audit.models import AuditEvent
from openmash.core.actor import Actor
from openmash.core.errors import ConcurrentEditError
from openmash.core.tests.editing import (
    CONCURRENT_EDIT,
    NO_VERSION,
    error_summary,
    field_text,
    opened_version,
    their_version,
)
from openmash.enquiries.models import HistoryItem, InformationRequest
from openmash.enquiries.tests.test_views import make_case, make_people, request_to
from openmash.hub.models import AgencyKind
from openmash.sources.tests.helpers import police_source
from openmash.trawl.services import (
    candidate_confirm,
    candidate_record,
    events_add,
    trawl_item_edit,
    trawl_start,
)

pytestmark = pytest.mark.django_db

REDACTED = "Jayden was present at a domestic incident at home."
UNREDACTED = "Jayden was present at a domestic incident at home; the neighbour Sam Brook called it in."


@pytest.fixture
def people(make_user: Any) -> dict[str, Any]:
    return make_people(make_user)


@pytest.fixture
def item(people: dict[str, Any], tmp_path: Path, django_capture_on_commit_callbacks: Any) -> HistoryItem:
    police_source(tmp_path)
    info: InformationRequest = request_to(make_case(people), AgencyKind.POLICE)
    actor = Actor(user=people["police"])
    with django_capture_on_commit_callbacks(execute=True):
        trawl = trawl_start(actor=actor, request=info)
    jayden = trawl.candidates.filter(person__given_name="Jayden").order_by("-match_probability").first()
    assert jayden is not None
    candidate_confirm(actor=actor, candidate=jayden)
    record = candidate_record(actor=actor, candidate=jayden)
    assert record is not None
    [added] = events_add(actor=actor, candidate=jayden, event_keys=[record.events[1].key])
    return added


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def edit_url(item: HistoryItem) -> str:
    return reverse("trawl:edit-item", args=[item.request_id, item.pk])


def test_a_redaction_saved_in_one_tab_is_not_undone_by_the_other(
    people: dict[str, Any], item: HistoryItem
) -> None:
    priya, tom = client_for(people["police"]), client_for(people["police2"])
    priya_version = opened_version(priya.get(edit_url(item)))
    tom_version = opened_version(tom.get(edit_url(item)))
    assert priya_version == tom_version

    saved = priya.post(
        edit_url(item), {"version": priya_version, "description": REDACTED, "significance": "medium"}
    )
    assert saved.status_code == 302
    late = tom.post(
        edit_url(item), {"version": tom_version, "description": UNREDACTED, "significance": "high"}
    )

    assert late.status_code == 409
    assert error_summary(late) == [CONCURRENT_EDIT]
    assert field_text(late, "description") == UNREDACTED  # Tom's typing is kept
    shown = their_version(late)
    assert "Priya Shah" in shown and REDACTED in shown and "Medium" in shown
    item.refresh_from_db()
    assert (item.description, item.significance) == (REDACTED, "medium")  # the redaction stays
    assert AuditEvent.objects.filter(action=AuditAction.TRAWL_EVENT_EDITED).count() == 1


def test_the_service_refuses_an_edit_from_an_old_version(people: dict[str, Any], item: HistoryItem) -> None:
    opened = item.version
    trawl_item_edit(
        actor=Actor(user=people["police"]),
        item=item,
        expected_version=opened,
        description=REDACTED,
        significance="medium",
    )
    stale = HistoryItem.objects.get(pk=item.pk)
    with pytest.raises(ConcurrentEditError):
        trawl_item_edit(
            actor=Actor(user=people["police2"]),
            item=stale,
            expected_version=opened,
            description=UNREDACTED,
            significance="medium",
        )
    stale.refresh_from_db()
    assert stale.description == REDACTED


def test_a_save_without_a_version_is_a_form_error_and_changes_nothing(
    people: dict[str, Any], item: HistoryItem
) -> None:
    before = item.description
    response = client_for(people["police"]).post(
        edit_url(item), {"description": UNREDACTED, "significance": "high"}
    )
    assert response.status_code == 400
    assert error_summary(response) == [NO_VERSION]
    assert field_text(response, "description") == UNREDACTED
    item.refresh_from_db()
    assert item.description == before
