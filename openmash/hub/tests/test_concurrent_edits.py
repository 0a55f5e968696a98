"""Two administrators change the hub's configuration at once: the second is refused with the message,
keeps what they typed, sees what the first saved, and the first's change stays."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from openmash.accounts.roles import Role
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
from openmash.hub import services
from openmash.hub.models import Agency, AgencyKind, HubConfiguration, RagResponseTime, ThresholdLevel

pytestmark = pytest.mark.django_db


@pytest.fixture
def first(make_user: Any) -> Any:
    return make_user(Role.HUB_ADMINISTRATOR, first_name="Asha", last_name="Patel")


@pytest.fixture
def second(make_user: Any) -> Any:
    return make_user(Role.HUB_ADMINISTRATOR, first_name="Ben", last_name="Lowe")


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def settings_data(version: str, **changes: Any) -> dict[str, Any]:
    config = HubConfiguration.objects.get()
    data = {
        "version": version,
        "name": config.name,
        "hub_model": config.hub_model,
        "consent_before_search": "yes" if config.consent_before_search else "no",
        "decision_in_hub": "yes" if config.decision_in_hub else "no",
        "screen_all_referrals": "yes" if config.screen_all_referrals else "no",
        "destroy_record_on_keyworker": "yes" if config.destroy_record_on_keyworker else "no",
        "partners_see_contributions": "yes" if config.partners_see_contributions else "no",
        "covers_adults": "yes" if config.covers_adults else "no",
        "core_agencies": [str(a.pk) for a in config.core_agencies.all()],
        "day_start": "09:00",
        "day_end": "17:00",
        "threshold_document_title": config.threshold_document_title,
        "threshold_document_version": config.threshold_document_version,
    }
    return data | changes


def test_hub_settings_changed_in_two_places_keep_the_first_save(first: Any, second: Any) -> None:
    asha, ben = client_for(first), client_for(second)
    page = reverse("hub:settings")
    asha_version, ben_version = opened_version(asha.get(page)), opened_version(ben.get(page))

    saved = asha.post(page, settings_data(asha_version, consent_before_search="yes", name="Northshire MASH"))
    assert saved.status_code == 302
    late = ben.post(page, settings_data(ben_version, consent_before_search="no", name="Ben's hub name"))

    assert late.status_code == 200
    assert error_summary(late) == [CONCURRENT_EDIT]
    assert field_text(late, "name") == "Ben's hub name"
    shown = their_version(late)
    assert "Asha Patel" in shown and "Northshire MASH" in shown
    assert "Ask for consent before any request or search? Yes" in shown
    config = HubConfiguration.objects.get()
    assert (config.name, config.consent_before_search) == ("Northshire MASH", True)
    assert AuditEvent.objects.filter(action=AuditAction.HUB_SETTINGS_CHANGED).count() == 1


def test_hub_settings_without_a_version_are_a_form_error(first: Any) -> None:
    data = settings_data("", name="No version")
    del data["version"]
    response = client_for(first).post(reverse("hub:settings"), data)
    assert response.status_code == 200
    assert error_summary(response) == [NO_VERSION]
    assert field_text(response, "name") == "No version"
    assert HubConfiguration.objects.get().name != "No version"


def test_a_response_time_changed_in_two_places_shows_the_first_save(first: Any, second: Any) -> None:
    asha, ben = client_for(first), client_for(second)
    page = reverse("hub:response-time-edit", args=["red"])
    asha_version, ben_version = opened_version(asha.get(page)), opened_version(ben.get(page))
    data = {"unit": "working_hours", "runs_out_of_hours": "no"}
    assert asha.post(page, {**data, "version": asha_version, "amount": "3"}).status_code == 302
    late = ben.post(page, {**data, "version": ben_version, "amount": "7"})
    assert error_summary(late) == [CONCURRENT_EDIT]
    assert field_text(late, "amount") == "7"
    assert "Response time 3" in their_version(late)
    assert RagResponseTime.objects.get(rating="red").amount == 3


def agency_data(agency: Agency, version: str, **changes: str) -> dict[str, str]:
    data = {
        "version": version,
        "name": agency.name,
        "kind": agency.kind,
        "location": agency.location,
        "contact_email": agency.contact_email,
        "lead_email": agency.lead_email,
        "is_active": "on",
    }
    return data | changes


def test_an_agency_changed_in_two_places_keeps_the_first_save(first: Any, second: Any) -> None:
    police = Agency.objects.get(kind=AgencyKind.POLICE)
    asha, ben = client_for(first), client_for(second)
    page = reverse("hub:agency-edit", args=[police.pk])
    asha_version, ben_version = opened_version(asha.get(page)), opened_version(ben.get(page))

    saved = asha.post(
        page, agency_data(police, asha_version, lead_email="mash.lead@northshire.police.example")
    )
    assert saved.status_code == 302
    late = ben.post(page, agency_data(police, ben_version, name="Northshire Constabulary (renamed)"))

    assert late.status_code == 200
    assert error_summary(late) == [CONCURRENT_EDIT]
    assert field_text(late, "name") == "Northshire Constabulary (renamed)"
    assert "mash.lead@northshire.police.example" in their_version(late)
    police.refresh_from_db()
    assert police.lead_email == "mash.lead@northshire.police.example"
    assert police.name != "Northshire Constabulary (renamed)"
    assert AuditEvent.objects.filter(action=AuditAction.AGENCY_CHANGED).count() == 1


def test_an_agency_change_without_a_version_is_a_form_error(first: Any) -> None:
    police = Agency.objects.get(kind=AgencyKind.POLICE)
    data = agency_data(police, "", name="Renamed police")
    del data["version"]
    response = client_for(first).post(reverse("hub:agency-edit", args=[police.pk]), data)
    assert response.status_code == 200
    assert error_summary(response) == [NO_VERSION]
    police.refresh_from_db()
    assert police.name != "Renamed police"


def test_the_agency_service_refuses_an_old_version(first: Any) -> None:
    police = Agency.objects.get(kind=AgencyKind.POLICE)
    opened = police.version
    values = {"name": police.name, "kind": police.kind, "location": police.location}
    services.agency_update(actor=Actor(user=first), agency=police, expected_version=opened, values=values)
    with pytest.raises(ConcurrentEditError):
        services.agency_update(
            actor=Actor(user=first),
            agency=Agency.objects.get(pk=police.pk),
            expected_version=opened,
            values={**values, "name": "Stale"},
        )
    assert Agency.objects.get(pk=police.pk).name != "Stale"


def test_a_threshold_level_changed_in_two_places_keeps_the_first_save(first: Any, second: Any) -> None:
    level = ThresholdLevel.objects.get(number=3)
    asha, ben = client_for(first), client_for(second)
    page = reverse("hub:threshold-level", args=[3])
    asha_version, ben_version = opened_version(asha.get(page)), opened_version(ben.get(page))
    data = {"name": level.name, "typical_response": level.typical_response}

    saved = asha.post(
        page, {**data, "version": asha_version, "description": "Complex needs: Asha's wording."}
    )
    assert saved.status_code == 302
    late = ben.post(page, {**data, "version": ben_version, "description": "Ben's wording."})

    assert late.status_code == 200
    assert error_summary(late) == [CONCURRENT_EDIT]
    assert field_text(late, "description") == "Ben's wording."
    assert "Complex needs: Asha's wording." in their_version(late)
    level.refresh_from_db()
    assert level.description == "Complex needs: Asha's wording."


def test_a_threshold_level_change_without_a_version_is_a_form_error(first: Any) -> None:
    level = ThresholdLevel.objects.get(number=3)
    response = client_for(first).post(
        reverse("hub:threshold-level", args=[3]),
        {"name": level.name, "description": "No version", "typical_response": level.typical_response},
    )
    assert response.status_code == 200
    assert error_summary(response) == [NO_VERSION]
    level.refresh_from_db()
    assert level.description != "No version"
