"""The hub administrator's side: the rules and the triage choice on Hub settings, and the list of teams."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from openmash.accounts.roles import Role
from openmash.audit.catalogue import AuditAction
from openmash.audit.models import AuditEvent
from openmash.hub.models import HubConfiguration, Specialism, Team

pytestmark = pytest.mark.django_db


def _settings(config: HubConfiguration, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "version": str(config.version),
        "name": config.name,
        "hub_model": config.hub_model,
        "consent_before_search": "no",
        "decision_in_hub": "yes",
        "screen_all_referrals": "no",
        "destroy_record_on_keyworker": "no",
        "partners_see_contributions": "no",
        "covers_adults": "no",
        "core_agencies": [str(a.pk) for a in config.core_agencies.all()],
        "day_start": "09:00",
        "day_end": "17:00",
        "threshold_document_title": config.threshold_document_title,
        "threshold_document_version": config.threshold_document_version,
        "triage_source": "6",
        "triage_concern": "domestic_abuse",
        "triage_grading": "medium",
    }
    data.update(changes)
    return data


def test_the_administrator_sets_the_adults_rule_and_the_triage_choice(make_user: Any) -> None:
    admin = Client()
    admin.force_login(make_user(Role.HUB_ADMINISTRATOR))
    config = HubConfiguration.objects.get()
    assert config.covers_adults is True  # the front-door preset
    response = admin.post(reverse("hub:settings"), _settings(config))
    assert response.status_code == 302
    config.refresh_from_db()
    assert config.covers_adults is False
    assert (config.triage_source, config.triage_concern, config.triage_grading) == (
        "6",
        "domestic_abuse",
        "medium",
    )
    overview = admin.get(reverse("hub:overview")).content.decode()
    assert "Police notifications about domestic abuse graded medium" in overview


def test_the_administrator_adds_a_team_and_its_members(make_user: Any) -> None:
    admin_user = make_user(Role.HUB_ADMINISTRATOR)
    officer = make_user(Role.AGENCY_RESEARCHER, "police", first_name="Dee", last_name="Ashford")
    admin = Client()
    admin.force_login(admin_user)
    assert Team.objects.count() == 6  # the preset's teams
    page = admin.get(reverse("teams:manage")).content.decode()
    assert "Domestic abuse team" in page and "Adults at risk team" in page
    data = {
        "name": "Honour-based abuse team",
        "specialism": Specialism.DOMESTIC_ABUSE,
        "contact_email": "hba@northshire.invalid",
        "members": [str(officer.pk)],
        "is_active": "on",
    }
    assert admin.post(reverse("teams:create"), data).status_code == 302
    team = Team.objects.get(name="Honour-based abuse team")
    assert list(team.members.all()) == [officer]
    assert AuditEvent.objects.filter(action=AuditAction.TEAM_CREATED, object_id=str(team.pk)).exists()
    # A member finds the team among theirs; a researcher in no team is told so.
    member = Client()
    member.force_login(officer)
    assert "Honour-based abuse team" in member.get(reverse("teams:list")).content.decode()
    other = Client()
    other.force_login(make_user(Role.AGENCY_RESEARCHER, "police"))
    assert "You are not a member of any specialist team." in other.get(reverse("teams:list")).content.decode()
    # Retiring it: the same page, with the version it was opened at.
    edit = {**data, "version": str(team.version), "is_active": ""}
    assert admin.post(reverse("teams:edit", args=[team.pk]), edit).status_code == 302
    team.refresh_from_db()
    assert team.is_active is False
