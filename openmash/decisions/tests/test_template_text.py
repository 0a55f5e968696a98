"""Names a user can change are shown as written, never run as template code (an agency named with
template tags once rendered as "Police 49" and could print a password hash)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from openmash.accounts.roles import Role
from openmash.cases.tests.helpers import make_referral, screen
from openmash.hub.models import Agency, AgencyKind

pytestmark = pytest.mark.django_db

NAME = "Police {{ 7|add:42 }} {{ user.password }}"


def test_an_agency_name_with_template_tags_is_shown_as_written(make_user: Any) -> None:
    Agency.objects.filter(kind=AgencyKind.POLICE).update(name=NAME)
    case = screen(make_referral().case, make_user(Role.SCREENING_MANAGER))
    decider = make_user(Role.DECISION_MAKER)
    client = Client()
    client.force_login(decider)
    page = client.get(reverse("decisions:record", args=[case.pk])).content.decode()
    outstanding = page.split('data-testid="outstanding"')[1].split("</ul>")[0]
    assert "Police {{ 7|add:42 }} {{ user.password }}" in outstanding
    assert "Police 49" not in page and "argon2" not in page
