from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.db.utils import DatabaseError

from openmash.accounts.roles import Role
from openmash.audit.catalogue import AuditAction
from openmash.audit.chain import GENESIS_HASH
from openmash.audit.models import APPEND_ONLY, AuditEvent
from openmash.audit.services import audit_record, audit_verify_chain
from openmash.audit.tests.test_tamper import as_attacker
from openmash.core.actor import Actor

pytestmark = pytest.mark.django_db


def record_three(actor: Actor) -> list[AuditEvent]:
    return [
        audit_record(actor=actor, action=AuditAction.SIGNED_IN, obj=actor.user),
        audit_record(
            actor=actor, action=AuditAction.USERS_VIEWED, persons=["p-1", "p-2"], justification="Checking"
        ),
        audit_record(actor=actor, action=AuditAction.SIGNED_OUT, obj=actor.user),
    ]


@pytest.fixture
def actor(make_user: Any) -> Actor:
    user = make_user(Role.HUB_ADMINISTRATOR)
    role = Role.HUB_ADMINISTRATOR.value
    return Actor(user=user, role=role, ip_address="10.1.2.3", user_agent="Test browser")


def tamper(sql: str, params: list[object]) -> None:
    """What someone with direct database access could do, bypassing the application."""
    as_attacker((sql, params))


def test_each_event_links_to_the_one_before(actor: Actor) -> None:
    first, second, third = record_three(actor)
    assert first.previous_hash in (GENESIS_HASH, *AuditEvent.objects.values_list("hash", flat=True))
    assert second.previous_hash == first.hash
    assert third.previous_hash == second.hash
    assert len({first.hash, second.hash, third.hash}) == 3


def test_event_records_who_where_and_about_whom(actor: Actor) -> None:
    _, viewed, _ = record_three(actor)
    stored = AuditEvent.objects.get(pk=viewed.pk)
    assert stored.actor_label == actor.user.username  # type: ignore[union-attr]
    assert stored.agency_name == actor.user.agency.name  # type: ignore[union-attr]
    assert stored.actor_role == "hub_administrator"
    assert stored.ip_address == "10.1.2.3"
    assert stored.user_agent == "Test browser"
    assert stored.persons == ["p-1", "p-2"]
    assert stored.reason == "Checking"
    assert stored.occurred_at.utcoffset().total_seconds() == 0  # type: ignore[union-attr]


def test_intact_chain_verifies(actor: Actor) -> None:
    record_three(actor)
    report = audit_verify_chain()
    assert report.intact
    assert report.checked == AuditEvent.objects.count()
    out = StringIO()
    call_command("audit_verify", stdout=out)
    assert "Audit chain intact" in out.getvalue()


def test_changed_event_is_named_by_audit_verify(actor: Actor) -> None:
    _, viewed, _ = record_three(actor)
    sql = "UPDATE audit_auditevent SET justification = %s WHERE sequence = %s"
    tamper(sql, ["Nothing to see", viewed.sequence])
    report = audit_verify_chain()
    assert report.broken_at == viewed.sequence
    with pytest.raises(CommandError, match=rf"event #{viewed.sequence} \(accounts.users_viewed"):
        call_command("audit_verify")


def test_removed_event_is_detected_at_the_next_one(actor: Actor) -> None:
    _, viewed, after = record_three(actor)
    tamper("DELETE FROM audit_auditevent WHERE sequence = %s", [viewed.sequence])
    report = audit_verify_chain()
    assert report.broken_at == after.sequence
    assert "does not follow" in report.problem


def test_application_cannot_change_or_delete_events(actor: Actor) -> None:
    event, _, _ = record_three(actor)
    event.justification = "changed"
    with pytest.raises(PermissionError, match=APPEND_ONLY):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).update(justification="changed")
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().delete()


def test_event_rolls_back_with_the_change_it_records(actor: Actor) -> None:
    before = AuditEvent.objects.count()

    def change_that_fails() -> None:
        with transaction.atomic():
            audit_record(actor=actor, action=AuditAction.AGENCY_CREATED)
            raise RuntimeError("the change failed")

    with pytest.raises(RuntimeError):
        change_that_fails()
    assert AuditEvent.objects.count() == before


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger exists on PostgreSQL")
def test_postgresql_refuses_raw_update_and_delete(actor: Actor) -> None:
    event, _, _ = record_three(actor)
    for sql in (
        "UPDATE audit_auditevent SET justification = 'x' WHERE sequence = %s",
        "DELETE FROM audit_auditevent WHERE sequence = %s",
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(sql, [event.sequence])
    assert AuditEvent.objects.get(pk=event.pk).justification == ""
