"""The retention rules page: a hub administrator changes a rule and the schedule follows it; the form
says what is wrong; a partner agency's officer is refused."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from openmash.accounts.roles import Role
from openmash.audit.catalogue import AuditAction
from openmash.audit.models import AuditEvent
from openmash.hub.models import AgencyKind
from openmash.retention.selectors import retention_rules
from openmash.retention.services import MONTHS_RANGE

pytestmark = pytest.mark.django_db


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_hub_administrator_changes_a_rule(make_user: Any) -> None:
    client = _client(make_user(Role.HUB_ADMINISTRATOR))
    url = reverse("retention:rule-edit", args=["contact_nfa"])
    page = client.get(url).content.decode()
    assert 'value="24"' in page
    refused = client.post(url, {"version": "0", "months": "0"}).content.decode()
    assert MONTHS_RANGE in refused and "govuk-error-summary" in refused
    assert client.post(url, {"version": "0", "months": "36"}).status_code == 302
    assert retention_rules()["contact_nfa"].months == 36
    listed = client.get(reverse("retention:rules")).content.decode()
    assert 'data-testid="months-contact_nfa">36<' in listed
    assert AuditEvent.objects.filter(action=AuditAction.RETENTION_RULE_CHANGED).get().detail["months"] == [
        24,
        36,
    ]
    # The page opened before the change is out of date: its version no longer matches.
    stale = client.post(url, {"version": "0", "months": "48"}).content.decode()
    assert "Someone else changed this record" in stale
    assert retention_rules()["contact_nfa"].months == 36


def test_a_partner_agency_officer_is_refused_the_hub_retention(make_user: Any) -> None:
    client = _client(make_user(Role.IG_OFFICER, AgencyKind.HEALTH))
    for name in ("retention:schedule", "retention:rules", "retention:holds", "retention:destroyed"):
        assert client.get(reverse(name)).status_code == 403
    assert (
        client.post(reverse("retention:rule-edit", args=["contact_nfa"]), {"months": "1"}).status_code == 403
    )
    assert retention_rules()["contact_nfa"].months == 24
