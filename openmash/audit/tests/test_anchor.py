"""The keyed chain, its checkpoints outside the database and the settings that drive them."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from datetime import timedelta
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import connection, transaction
from django.db.utils import DatabaseError
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from openmash.accounts.roles import Role
from openmash.audit.anchor import anchor_read
from openmash.audit.catalogue import AuditAction
from openmash.audit.chain import GENESIS_HASH, SCHEME_KEYED, SCHEME_UNKEYED, chain_hash
from openmash.audit.models import AuditEvent
from openmash.audit.services import _payload_of, audit_record, audit_verify_chain
from openmash.audit.tasks import checkpoint_audit
from openmash.audit.tests.test_tamper import as_attacker, payload
from openmash.core.actor import Actor

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[3]
DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
SYSTEM = Actor.system("tests")


@pytest.fixture
def anchor(settings: Any, tmp_path: Path) -> Path:
    settings.OPENMASH_AUDIT_ANCHOR_DIR = tmp_path / "anchor"
    return settings.OPENMASH_AUDIT_ANCHOR_DIR


def record(n: int) -> list[AuditEvent]:
    return [audit_record(actor=SYSTEM, action=AuditAction.AGENCY_CREATED, object_id=str(i)) for i in range(n)]


def lines(anchor: Path) -> list[dict[str, Any]]:
    path = anchor / "checkpoints.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def write_unkeyed(n: int) -> list[AuditEvent]:
    """Events as the trail held them before the audit key: hashed with plain SHA-256."""
    events = []
    for i in range(n):
        last = AuditEvent.objects.order_by("-sequence").values_list("hash", flat=True).first()
        event = AuditEvent(
            occurred_at=timezone.now(),
            actor_label="system: before the key",
            action=AuditAction.SIGNED_IN.value,
            object_id=str(i),
            previous_hash=last or GENESIS_HASH,
            scheme=SCHEME_UNKEYED,
        )
        event.hash = chain_hash(event.previous_hash, _payload_of(event))
        event.save(force_insert=True)
        events.append(event)
    return events


def test_events_written_before_the_key_still_verify_and_the_first_keyed_one_links_to_them(
    anchor: Path,
) -> None:
    old = write_unkeyed(3)
    new = record(2)
    assert [e.scheme for e in new] == [SCHEME_KEYED, SCHEME_KEYED]
    assert new[0].previous_hash == old[-1].hash
    assert new[0].hash != chain_hash(new[0].previous_hash, payload(new[0]))  # keyed, not plain SHA-256
    call_command("audit_checkpoint", stdout=StringIO())
    [checkpoint] = lines(anchor)
    assert checkpoint["keyed_from"] == new[0].sequence
    report = audit_verify_chain()
    assert report.intact, report.problem
    assert (report.checked, report.keyed) == (5, 2)
    out = StringIO()
    call_command("audit_verify", stdout=out)
    assert (
        f"5 events checked (2 keyed); matches the newest checkpoint (event #{new[-1].sequence}"
        in out.getvalue()
    )


def test_a_changed_event_from_before_the_key_is_still_named(anchor: Path) -> None:
    old = write_unkeyed(3)
    record(1)
    as_attacker(
        ("UPDATE audit_auditevent SET actor_label = 'someone else' WHERE sequence = %s", [old[1].sequence])
    )
    report = audit_verify_chain()
    assert report.broken_at == old[1].sequence
    assert "does not match its stored hash" in report.problem


def test_the_audit_key_setting_is_what_verifies_the_trail(anchor: Path, settings: Any) -> None:
    events = record(3)
    assert audit_verify_chain().intact
    settings.OPENMASH_AUDIT_KEY = "another key that did not write these events"
    report = audit_verify_chain()
    assert report.broken_at == events[0].sequence
    assert "does not carry a valid MAC" in report.problem
    settings.OPENMASH_AUDIT_KEY = ""
    with pytest.raises(ImproperlyConfigured, match="OPENMASH_AUDIT_KEY"):
        record(1)
    assert AuditEvent.objects.count() == 3


def test_audit_checkpoint_writes_to_the_anchor_folder_from_the_settings(anchor: Path, settings: Any) -> None:
    events = record(4)
    out = StringIO()
    call_command("audit_checkpoint", stdout=out)
    assert (
        f"Checkpoint of event #{events[-1].sequence} written to {anchor / 'checkpoints.jsonl'}"
        in out.getvalue()
    )
    [line] = lines(anchor)
    assert (line["sequence"], line["hash"]) == (events[-1].sequence, events[-1].hash)
    again = StringIO()
    call_command("audit_checkpoint", stdout=again)
    assert "Nothing new to anchor" in again.getvalue()
    assert len(lines(anchor)) == 1
    checkpoints, problems = anchor_read(anchor, settings.OPENMASH_AUDIT_KEY.encode())
    assert [c.sequence for c in checkpoints] == [events[-1].sequence] and problems == []


def test_a_checkpoint_is_written_every_n_committed_events(
    anchor: Path, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.OPENMASH_AUDIT_CHECKPOINT_EVERY = 5
    with django_capture_on_commit_callbacks(execute=True):
        events = record(12)
    before = [0] + [e.sequence for e in events[:-1]]  # no event before the first one here
    crossing = [e.sequence for e, b in zip(events, before, strict=True) if e.sequence // 5 != b // 5]
    assert len(crossing) >= 2
    assert [line["sequence"] for line in lines(anchor)] == crossing
    assert audit_verify_chain().intact


def test_an_event_rolled_back_is_never_anchored(
    anchor: Path, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.OPENMASH_AUDIT_CHECKPOINT_EVERY = 1

    def change_that_fails() -> None:
        with transaction.atomic():
            record(1)
            raise RuntimeError("the change failed")

    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError):
            change_that_fails()
        record(1)  # a committed one is, so the setting is in force
    assert len(lines(anchor)) == 1


def test_no_checkpoints_every_n_events_when_set_to_zero(
    anchor: Path, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.OPENMASH_AUDIT_CHECKPOINT_EVERY = 0
    with django_capture_on_commit_callbacks(execute=True):
        record(6)
    assert lines(anchor) == []


def test_a_missing_anchor_is_reported_once_checkpoints_were_due(anchor: Path, settings: Any) -> None:
    settings.OPENMASH_AUDIT_CHECKPOINT_EVERY = 1000
    record(3)
    assert audit_verify_chain().intact  # too few events for a checkpoint to be due
    settings.OPENMASH_AUDIT_CHECKPOINT_EVERY = 3
    report = audit_verify_chain()
    assert "no checkpoint found" in report.problem


@override_settings(TASKS=DATABASE_TASKS, OPENMASH_AUDIT_CHECKPOINT_SECONDS=900)
def test_the_worker_writes_a_checkpoint_and_queues_the_next_one(anchor: Path) -> None:
    events = record(2)
    started = timezone.now()
    assert checkpoint_audit.call() == 1
    assert [line["sequence"] for line in lines(anchor)] == [events[-1].sequence]
    queued = DBTaskResult.objects.filter(task_path="openmash.audit.tasks.checkpoint_audit", status="READY")
    assert queued.count() == 1
    run_after = queued.get().run_after
    assert started + timedelta(seconds=900) <= run_after <= timezone.now() + timedelta(seconds=900)
    assert checkpoint_audit.call() == 0  # nothing new since: no second line
    assert len(lines(anchor)) == 1
    out = StringIO()
    call_command("schedule_sweeps", stdout=out)
    assert "The audit checkpoint is already queued" in out.getvalue()
    assert queued.count() == 1


@override_settings(TASKS=DATABASE_TASKS, OPENMASH_AUDIT_CHECKPOINT_SECONDS=900)
def test_schedule_sweeps_starts_the_audit_checkpoints(anchor: Path) -> None:
    out = StringIO()
    call_command("schedule_sweeps", stdout=out)
    assert "Queued the audit checkpoint" in out.getvalue()
    assert "it runs now and then every 900 seconds" in out.getvalue().split("audit checkpoint", 1)[1]


@pytest.mark.django_db(transaction=True)
def test_emptying_the_database_passes_the_guard_which_still_refuses_changes_afterwards(anchor: Path) -> None:
    record(2)
    call_command("flush", interactive=False, verbosity=0)
    assert not AuditEvent.objects.exists()
    [event] = record(1)
    for sql in (
        "UPDATE audit_auditevent SET justification = 'x' WHERE sequence = %s",
        "DELETE FROM audit_auditevent WHERE sequence = %s",
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(sql, [event.sequence])
    assert AuditEvent.objects.count() == 1


def test_the_audit_trail_page_reports_the_checkpoint_and_a_truncation(anchor: Path, make_user: Any) -> None:
    officer = make_user(Role.IG_OFFICER)
    client = Client()
    client.force_login(officer)
    events = record(5)
    call_command("audit_checkpoint", stdout=StringIO())
    intact = client.post(reverse("audit:verify")).content.decode()
    assert "The audit chain is intact" in intact
    assert f"checkpoint kept outside the database: event #{events[-1].sequence}, recorded" in intact
    as_attacker(("DELETE FROM audit_auditevent WHERE sequence >= %s", [events[3].sequence]))
    broken = client.post(reverse("audit:verify")).content.decode()
    assert "The audit chain is broken" in broken
    assert f"events from #{events[3].sequence} to #{events[-1].sequence} are missing" in broken


def test_dev_settings_make_an_audit_key_once_and_keep_it(tmp_path: Path) -> None:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "DJANGO_SETTINGS_MODULE": "openmash.config.settings.dev",
        "OPENMASH_VAR_DIR": str(tmp_path),
    }
    show = "from django.conf import settings; print(settings.OPENMASH_AUDIT_KEY)"

    def key(**extra: str) -> str:
        run = subprocess.run(
            [sys.executable, "-c", show],
            cwd=ROOT,
            env={**env, **extra},
            capture_output=True,
            text=True,
            check=True,
        )
        return run.stdout.strip()

    first = key()
    assert len(first) >= 32
    assert key() == first
    assert (tmp_path / "audit.key").read_text().strip() == first
    assert stat.S_IMODE((tmp_path / "audit.key").stat().st_mode) == 0o600
    assert (
        key(OPENMASH_AUDIT_KEY="from the environment, not the file") == "from the environment, not the file"
    )
