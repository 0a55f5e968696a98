"""What someone with direct database access (but not the audit key) could do to the trail, and what
`audit_verify` says about it. Each attack is carried out with SQL, bypassing the application."""

from __future__ import annotations

import hashlib
import hmac
import json
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.db.utils import DatabaseError

from openmash.accounts.roles import Role
from openmash.audit.catalogue import AuditAction
from openmash.audit.chain import canonical_payload
from openmash.audit.models import AuditEvent
from openmash.audit.services import audit_record, audit_verify_chain
from openmash.core.actor import Actor

pytestmark = pytest.mark.django_db

SQLITE_TRIGGERS = {
    "audit_append_only_update": "BEFORE UPDATE",
    "audit_append_only_delete": "BEFORE DELETE",
}


@pytest.fixture
def actor(make_user: Any) -> Actor:
    user = make_user(Role.HUB_ADMINISTRATOR)
    return Actor(user=user, role=Role.HUB_ADMINISTRATOR.value, ip_address="10.1.2.3", user_agent="Browser")


@pytest.fixture
def anchor(settings: Any, tmp_path: Path) -> Path:
    settings.OPENMASH_AUDIT_ANCHOR_DIR = tmp_path / "anchor"
    return settings.OPENMASH_AUDIT_ANCHOR_DIR


def record(actor: Actor, n: int) -> list[AuditEvent]:
    return [
        audit_record(actor=actor, action=AuditAction.USERS_VIEWED, persons=[f"p-{i}"], justification=f"#{i}")
        for i in range(n)
    ]


def as_attacker(*statements: tuple[str, list[object]]) -> None:
    """Run SQL as the database's owner would: the append-only triggers set aside for the change."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_append_only")
        else:
            for name in SQLITE_TRIGGERS:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
        for sql, params in statements:
            cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER audit_append_only")
        else:
            for name, when in SQLITE_TRIGGERS.items():
                op = when.split()[1]
                cursor.execute(
                    f"CREATE TRIGGER {name} {when} ON audit_auditevent BEGIN SELECT RAISE(ABORT, "
                    f"'audit events are append-only: {op} refused on audit_auditevent'); END"
                )


def payload(event: AuditEvent) -> str:
    return canonical_payload(
        occurred_at=event.occurred_at,
        actor_id=event.actor_id,
        actor_label=event.actor_label,
        actor_role=event.actor_role,
        agency_id=event.agency_id,
        agency_name=event.agency_name,
        action=event.action,
        object_type=event.object_type,
        object_id=event.object_id,
        persons=list(event.persons),
        justification=event.justification,
        ip_address=event.ip_address,
        user_agent=event.user_agent,
        detail=dict(event.detail),
    )


def rewrite_from(event: AuditEvent, justification: str, digest: Any) -> None:
    """Change one event, then recompute its hash and every later one with ``digest(previous, payload)``
    so that each event again links to the one before it."""
    as_attacker(
        (
            "UPDATE audit_auditevent SET justification = %s WHERE sequence = %s",
            [justification, event.sequence],
        )
    )
    before = AuditEvent.objects.filter(sequence__lt=event.sequence).order_by("-sequence").first()
    previous = before.hash if before else "0" * 64
    updates: list[tuple[str, list[object]]] = []
    for later in AuditEvent.objects.filter(sequence__gte=event.sequence).order_by("sequence"):
        new_hash = digest(previous, payload(later))
        sql = "UPDATE audit_auditevent SET previous_hash = %s, hash = %s WHERE sequence = %s"
        updates.append((sql, [previous, new_hash, later.sequence]))
        previous = new_hash
    as_attacker(*updates)


def unkeyed(previous: str, text: str) -> str:
    """The published, unkeyed algorithm: all an attacker without the key can compute."""
    return hashlib.sha256(f"{previous}\n{text}".encode()).hexdigest()


def wrong_key(previous: str, text: str) -> str:
    """The keyed algorithm's structure, with a key that is not the hub's."""
    return hmac.new(b"a key the attacker made up", f"{previous}\n{text}".encode(), hashlib.sha256).hexdigest()


def verify_fails(match: str) -> str:
    with pytest.raises(CommandError, match=match) as raised:
        call_command("audit_verify", stdout=StringIO())
    return str(raised.value)


def test_deleting_the_newest_100_events_is_reported_as_truncation(actor: Actor, anchor: Path) -> None:
    events = record(actor, 150)
    call_command("audit_checkpoint", stdout=StringIO())
    first_gone = events[50]
    as_attacker(("DELETE FROM audit_auditevent WHERE sequence >= %s", [first_gone.sequence]))
    assert AuditEvent.objects.order_by("-sequence").first() == events[49]
    message = verify_fails(rf"#{first_gone.sequence}\b.*missing")
    assert f"#{events[-1].sequence}" in message
    assert not audit_verify_chain().intact


def test_a_changed_event_with_every_later_hash_recomputed_is_named(actor: Actor, anchor: Path) -> None:
    events = record(actor, 20)
    call_command("audit_checkpoint", stdout=StringIO())
    rewrite_from(events[5], "Nothing to see", unkeyed)
    verify_fails(rf"event #{events[5].sequence} \(accounts.users_viewed")
    assert audit_verify_chain().broken_at == events[5].sequence


def test_a_recomputed_tail_is_named_even_before_any_checkpoint(actor: Actor, anchor: Path) -> None:
    events = record(actor, 8)
    rewrite_from(events[3], "Nothing to see", unkeyed)
    verify_fails(rf"event #{events[3].sequence} \(")


def test_a_forgery_with_the_right_structure_but_the_wrong_key_is_named(actor: Actor, anchor: Path) -> None:
    events = record(actor, 12)
    call_command("audit_checkpoint", stdout=StringIO())
    rewrite_from(events[7], "Forged", wrong_key)
    verify_fails(rf"event #{events[7].sequence} \(")


def test_a_downgrade_to_the_unkeyed_scheme_is_named(actor: Actor, anchor: Path) -> None:
    """Marking keyed events as old, unkeyed ones so that the unkeyed algorithm would apply."""
    events = record(actor, 10)
    call_command("audit_checkpoint", stdout=StringIO())
    as_attacker(("UPDATE audit_auditevent SET scheme = 1 WHERE sequence >= %s", [events[0].sequence]))
    rewrite_from(events[4], "Downgraded", unkeyed)
    verify_fails(rf"event #{events[0].sequence} \(")


def test_with_the_key_stolen_a_recomputed_tail_still_differs_from_the_checkpoint(
    actor: Actor, anchor: Path, settings: Any
) -> None:
    events = record(actor, 10)
    call_command("audit_checkpoint", stdout=StringIO())
    key = settings.OPENMASH_AUDIT_KEY.encode()
    rewrite_from(
        events[2], "Rewritten", lambda p, t: hmac.new(key, f"{p}\n{t}".encode(), hashlib.sha256).hexdigest()
    )
    verify_fails(rf"event #{events[-1].sequence} does not match the checkpoint")


def test_a_forged_checkpoint_is_reported(actor: Actor, anchor: Path) -> None:
    events = record(actor, 5)
    call_command("audit_checkpoint", stdout=StringIO())
    [line] = (anchor / "checkpoints.jsonl").read_text().splitlines()
    forged = json.loads(line)
    forged["sequence"] = events[2].sequence
    forged["hash"] = events[2].hash
    with (anchor / "checkpoints.jsonl").open("a") as f:
        f.write(json.dumps(forged) + "\n")
    verify_fails("checkpoint on line 2 .* not carry a valid MAC")


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite triggers")
def test_sqlite_refuses_raw_update_and_delete(actor: Actor) -> None:
    [event] = record(actor, 1)
    for sql in (
        "UPDATE audit_auditevent SET justification = 'x' WHERE sequence = %s",
        "DELETE FROM audit_auditevent WHERE sequence = %s",
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(sql, [event.sequence])
    assert AuditEvent.objects.get(pk=event.pk).reason == "#0"
