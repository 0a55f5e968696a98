from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from openmash.accounts.roles import Role
from openmash.audit.catalogue import AuditAction
from openmash.audit.models import AuditEvent
from openmash.hub.models import Agency, AgencyKind, ClosureDay, HubConfiguration, RagResponseTime

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(make_user: Any) -> Client:
    client = Client()
    client.force_login(make_user(Role.HUB_ADMINISTRATOR))
    return client


def post_red(client: Client, **overrides: str) -> Any:
    red = RagResponseTime.objects.get(rating="red")
    data = {"version": str(red.version), "amount": "2", "unit": "working_hours", "runs_out_of_hours": "no"}
    return client.post(reverse("hub:response-time-edit", args=["red"]), {**data, **overrides})


def test_response_time_saved(admin_client: Client) -> None:
    response = post_red(admin_client, runs_out_of_hours="yes")
    assert response.status_code == 302
    page = admin_client.get(response["Location"]).content.decode()
    assert "Red response time saved: 2 hours, including out of hours." in page


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("amount", "", "Enter response time"),
        ("amount", "abc", "Response time must be a whole number"),
        ("amount", "0", "Response time must be at least 1"),
        ("unit", "", "Select counted in"),
        ("runs_out_of_hours", "", "Select yes or no"),
        ("amount", "200", "A response time can be at most 80 working hours."),
    ],
)
def test_bad_response_time_shows_error_summary_and_saves_nothing(
    admin_client: Client, field: str, value: str, message: str
) -> None:
    response = post_red(admin_client, **{field: value})
    html = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in html and message in html
    assert RagResponseTime.objects.get(rating="red").amount == 4
    assert not AuditEvent.objects.filter(action=AuditAction.RAG_RESPONSE_TIME_CHANGED).exists()


def test_concurrent_edit_is_refused_with_a_clear_message(admin_client: Client, make_user: Any) -> None:
    stale = str(RagResponseTime.objects.get(rating="red").version)
    assert post_red(admin_client, amount="3").status_code == 302
    other = Client()
    other.force_login(make_user(Role.HUB_ADMINISTRATOR))
    response = post_red(other, amount="6", version=stale)
    assert "Someone else changed this record while you were editing it." in response.content.decode()
    assert RagResponseTime.objects.get(rating="red").amount == 3


def test_hub_settings_form(admin_client: Client) -> None:
    config = HubConfiguration.objects.get()
    police = Agency.objects.get(kind=AgencyKind.POLICE)
    data = {
        "version": str(config.version),
        "name": "Northshire MASH",
        "hub_model": "children_in_need",
        "consent_before_search": "no",
        "decision_in_hub": "yes",
        "screen_all_referrals": "no",
        "destroy_record_on_keyworker": "no",
        "partners_see_contributions": "no",
        "covers_adults": "yes",
        "core_agencies": [str(police.pk)],
        "day_start": "08:30",
        "day_end": "08:00",
        "threshold_document_title": "Continuum",
        "threshold_document_version": "2",
    }
    bad = admin_client.post(reverse("hub:settings"), data)
    assert "The working day must end after it starts" in bad.content.decode()
    good = admin_client.post(reverse("hub:settings"), {**data, "day_end": "16:30"})
    assert good.status_code == 302
    config.refresh_from_db()
    assert (config.name, config.hub_model, config.day_end.hour) == ("Northshire MASH", "children_in_need", 16)
    assert list(config.core_agencies.all()) == [police]


def test_agency_added_in_the_product(admin_client: Client) -> None:
    data = {"name": "Northshire Women's Aid", "kind": "other", "location": "virtual", "is_active": "on"}
    assert admin_client.post(reverse("hub:agency-create"), data).status_code == 302
    assert Agency.objects.filter(name="Northshire Women's Aid", location="virtual").exists()
    duplicate = admin_client.post(reverse("hub:agency-create"), {**data, "name": "northshire women's aid"})
    assert "An agency with this name already exists." in duplicate.content.decode()


def test_closure_day_added_and_listed_with_bank_holidays(admin_client: Client) -> None:
    response = admin_client.post(reverse("hub:closure-add"), {"date": "24/12/2026", "reason": "Hub closed"})
    assert response.status_code == 302
    page = admin_client.get(response["Location"]).content.decode()
    assert "Thursday 24 December 2026" in page and "Hub closed" in page
    assert "Monday 28 December 2026" in page  # substitute Boxing Day, from the holidays library
    bad = admin_client.post(reverse("hub:closure-add"), {"date": "31/02/2026", "reason": "x"})
    assert "Date must be a real date, like 24/12/2026" in bad.content.decode()
    assert ClosureDay.objects.count() == 1


def test_indicator_added_to_a_level(admin_client: Client) -> None:
    url = reverse("hub:threshold-level", args=[2])
    data = {"form": "indicator", "indicator-domain": "family", "indicator-text": "Parent recently bereaved"}
    assert admin_client.post(url, data).status_code == 302
    assert "Parent recently bereaved" in admin_client.get(reverse("hub:thresholds")).content.decode()
    empty = admin_client.post(url, {"form": "indicator", "indicator-domain": "family", "indicator-text": ""})
    assert "Enter indicator" in empty.content.decode()
