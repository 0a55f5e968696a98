"""The health endpoints anyone may ask, and the hub administrator's page about background work."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from openmash.accounts.roles import Role
from openmash.audit.catalogue import AuditAction
from openmash.audit.models import AuditEvent
from openmash.audit.services import audit_checkpoint, audit_record
from openmash.core.actor import Actor
from openmash.health.models import WorkerHeartbeat
from openmash.health.selectors import WORKER_NEVER_SEEN
from openmash.health.tasks import heartbeat_record, schedule_heartbeat, worker_heartbeat

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _anchor(settings: Any, tmp_path: Path) -> None:
    settings.OPENMASH_AUDIT_ANCHOR_DIR = tmp_path


def ready(client: Client | None = None) -> tuple[int, dict[str, Any]]:
    response = (client or Client()).get("/health/ready")
    assert response["Content-Type"] == "application/json"
    assert "no-cache" in response["Cache-Control"] or "no-store" in response["Cache-Control"]
    return response.status_code, json.loads(response.content)


def test_liveness_answers_anyone_with_plain_json() -> None:
    response = Client().get("/health/live")
    assert response.status_code == 200 and json.loads(response.content) == {"status": "ok"}
    assert Client().post("/health/live").status_code == 405


def test_ready_when_the_worker_was_seen_and_the_audit_trail_is_anchored(hub: Any) -> None:
    heartbeat_record()
    audit_checkpoint()
    status, body = ready()
    assert status == 200, body
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "migrations", "worker", "audit_checkpoint"}
    assert body["checks"]["migrations"] == {"ok": True, "pending": 0}
    assert body["checks"]["worker"]["ok"] and body["checks"]["worker"]["seen_seconds_ago"] < 60


def test_not_ready_until_a_worker_has_run_the_heartbeat(hub: Any) -> None:
    status, body = ready()
    assert status == 503 and body["status"] == "failing"
    assert WORKER_NEVER_SEEN.startswith("no worker has run the heartbeat: start manage.py db_worker")
    assert body["checks"]["worker"] == {
        "ok": False,
        "detail": WORKER_NEVER_SEEN,
    }
    assert body["checks"]["database"] == {"ok": True}


def test_not_ready_when_the_worker_has_not_been_seen_for_longer_than_the_limit(
    hub: Any, settings: Any
) -> None:
    settings.OPENMASH_WORKER_STALE_SECONDS = 600
    heartbeat_record()
    WorkerHeartbeat.objects.update(seen_at=timezone.now() - timedelta(seconds=601))
    status, body = ready()
    assert status == 503
    assert body["checks"]["worker"]["seen_seconds_ago"] >= 601
    assert "no worker seen for" in body["checks"]["worker"]["detail"]
    settings.OPENMASH_WORKER_STALE_SECONDS = 900  # a longer limit: seen recently enough
    assert ready()[0] == 200


def test_not_ready_when_audit_events_wait_too_long_for_a_checkpoint(hub: Any, settings: Any) -> None:
    settings.OPENMASH_AUDIT_CHECKPOINT_SECONDS = 3600
    heartbeat_record()
    audit_checkpoint()
    assert ready()[0] == 200
    # An event after the newest checkpoint, older than twice the worker's checkpoint interval.
    event = audit_record(actor=Actor.system("tests"), action=AuditAction.HUB_SETTINGS_CHANGED)
    assert ready()[0] == 200  # new, so not yet late
    with pytest.MonkeyPatch.context() as patch:
        later = timezone.now() + timedelta(seconds=7201)
        patch.setattr(timezone, "now", lambda: later)
        status, body = ready()
    assert status == 503
    check = body["checks"]["audit_checkpoint"]
    assert check["ok"] is False and check["unanchored_seconds"] >= 7201
    assert "have no checkpoint yet" in check["detail"]
    audit_checkpoint()  # the worker catches up
    assert AuditEvent.objects.order_by("-sequence").first() == event
    assert ready()[0] == 200


def test_the_answers_name_no_person_or_case(hub: Any, make_user: Any) -> None:
    person = make_user(Role.HUB_ADMINISTRATOR, first_name="Philippa", last_name="Quennell")
    heartbeat_record()
    text = Client().get("/health/ready").content.decode() + Client().get("/health/live").content.decode()
    assert "Philippa" not in text and "Quennell" not in text and person.username not in text


def test_a_signed_in_person_part_way_through_two_factor_can_still_ask(
    hub: Any, make_user: Any, settings: Any
) -> None:
    settings.OPENMASH_MFA_REQUIRED = True
    client = Client()
    client.force_login(make_user(Role.HUB_ADMINISTRATOR))
    assert client.get(reverse("hub:overview")).status_code == 302  # sent to set up two-factor sign-in
    assert client.get("/health/live").status_code == 200


def test_hub_administrators_see_the_last_heartbeat_and_the_queue(hub: Any, make_user: Any) -> None:
    client = Client()
    client.force_login(make_user(Role.HUB_ADMINISTRATOR))
    page = client.get(reverse("health:background-work")).content.decode()
    assert "Never: start" in page
    heartbeat_record()
    page = client.get(reverse("health:background-work")).content.decode()
    assert "Never: start" not in page
    assert 'data-testid="queue-waiting">0' in page
    assert "Background worker" in page and "Working" in page


def test_only_hub_administrators_see_the_background_work_page(hub: Any, make_user: Any) -> None:
    client = Client()
    client.force_login(make_user(Role.DECISION_MAKER))
    assert client.get(reverse("health:background-work")).status_code == 403


def test_the_queue_counts_tasks_waiting_for_a_worker(hub: Any, make_user: Any, settings: Any) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    worker_heartbeat.enqueue()
    schedule_heartbeat(delay=timedelta(minutes=1))  # one is waiting already: nothing more queued
    client = Client()
    client.force_login(make_user(Role.HUB_ADMINISTRATOR))
    page = client.get(reverse("health:background-work")).content.decode()
    assert 'data-testid="queue-waiting">1 (the oldest queued at' in page


def test_each_heartbeat_removes_expired_sessions_and_keeps_live_ones(hub: Any, make_user: Any) -> None:
    """A session ended by idleness stays in the sessions table until removed: the heartbeat removes
    every expired one, each minute, and no one still signed in is signed out."""
    from django.contrib.sessions.models import Session

    live = Client()
    live.force_login(make_user(Role.SCREENING_MANAGER))
    idle = Client()
    idle.force_login(make_user(Role.DECISION_MAKER))
    Session.objects.filter(session_key=idle.session.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    assert Session.objects.count() == 2
    worker_heartbeat.call()
    assert list(Session.objects.values_list("session_key", flat=True)) == [live.session.session_key]
    assert live.get(reverse("health:background-work")).status_code == 403  # signed in, not an administrator
    assert idle.get(reverse("health:background-work")).status_code == 302  # sent to sign in
