"""The audit trail a page at a time, newer and older from the last event seen (no count of the trail)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from openmash.accounts.roles import Role
from openmash.audit.catalogue import AuditAction
from openmash.audit.models import AuditEvent
from openmash.audit.services import audit_record
from openmash.core.actor import Actor

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer(make_user: Any, settings: Any, tmp_path: Path) -> Client:
    settings.OPENMASH_AUDIT_ANCHOR_DIR = tmp_path / "anchor"
    client = Client()
    client.force_login(make_user(Role.IG_OFFICER))
    return client


def shown(response: Any) -> list[int]:
    return [e.sequence for e in response.context["page"]]


def test_older_and_newer_walk_the_trail_without_gaps_or_repeats(officer: Client) -> None:
    actor = Actor.system("tests")
    for i in range(120):
        audit_record(actor=actor, action=AuditAction.USERS_VIEWED, justification=f"#{i}")
    url = reverse("audit:events")
    first = officer.get(url)
    newest = list(AuditEvent.objects.order_by("-sequence").values_list("sequence", flat=True))
    assert shown(first) == newest[:50]  # the newest being the officer's own look at the trail
    assert len(shown(first)) == 50 and not first.context["page"].newer
    second = officer.get(url + first.context["page"].older)
    assert shown(second)[0] < shown(first)[-1]
    everything = [s for s in newest if s < shown(first)[-1]]
    assert shown(second) == everything[:50]
    back = officer.get(url + second.context["page"].newer)
    assert shown(back) == shown(first)
    assert 'rel="next"' in second.content.decode() and 'rel="prev"' in second.content.decode()


def test_filters_are_kept_in_the_links_and_a_bad_key_shows_the_newest_page(officer: Client) -> None:
    actor = Actor.system("tests")
    for _ in range(55):
        audit_record(actor=actor, action=AuditAction.AUDIT_VERIFIED)
    url = reverse("audit:events")
    first = officer.get(url, {"action": AuditAction.AUDIT_VERIFIED.value})
    older = first.context["page"].older
    assert older.startswith(f"?action={AuditAction.AUDIT_VERIFIED.value}&older=")
    second = officer.get(url + older)
    assert len(shown(second)) == 5
    assert {e.action for e in second.context["page"]} == {AuditAction.AUDIT_VERIFIED.value}
    junk = officer.get(url, {"older": "not-a-number"})
    assert junk.status_code == 200 and not junk.context["page"].newer
