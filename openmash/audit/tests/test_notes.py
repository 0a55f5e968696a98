"""Free text beside the chain: an event's reason and the names it needs live in its note, not in the
event; erasing the note (a destroyed case) leaves the chain intact; changing a note is still seen."""

from __future__ import annotations

from typing import Any

import pytest

from openmash.accounts.roles import Role
from openmash.audit.catalogue import AuditAction
from openmash.audit.models import AuditEvent, AuditNote
from openmash.audit.services import audit_notes_erase, audit_record, audit_verify_chain
from openmash.core.actor import Actor

pytestmark = pytest.mark.django_db


@pytest.fixture
def actor(make_user: Any, settings: Any, tmp_path: Any) -> Actor:
    settings.OPENMASH_AUDIT_ANCHOR_DIR = tmp_path
    return Actor(user=make_user(Role.DECISION_MAKER))


def _event(actor: Actor) -> AuditEvent:
    return audit_record(
        actor=actor,
        action=AuditAction.RELATIONSHIP_ADDED,
        object_type="people.personrelationship",
        object_id="rel-1",
        justification="Jayden Whitmore's mother asked us to record it",
        personal={"relationship": "Kerry Whitmore is the mother of Jayden Whitmore"},
        detail={"case": "C-2026-00001"},
    )


def test_the_event_keeps_no_free_text_and_its_note_keeps_the_words(actor: Actor) -> None:
    event = AuditEvent.objects.get(pk=_event(actor).pk)
    assert event.justification == "" and "Whitmore" not in str(event.detail)
    assert event.reason == "Jayden Whitmore's mother asked us to record it"
    assert event.note is not None and event.note.detail["relationship"].startswith("Kerry Whitmore")


def test_erasing_the_note_keeps_the_chain_intact(actor: Actor) -> None:
    event = _event(actor)
    audit_record(actor=actor, action=AuditAction.SIGNED_OUT, obj=actor.user)
    assert audit_notes_erase(object_ids=["rel-1"]) == 1
    assert "Whitmore" not in AuditEvent.objects.get(pk=event.pk).reason
    report = audit_verify_chain()
    assert report.intact, report.problem


def test_a_note_changed_while_it_exists_is_named(actor: Actor) -> None:
    event = _event(actor)
    AuditNote.objects.filter(pk=event.note_id).update(justification="Nothing happened")
    report = audit_verify_chain()
    assert not report.intact
    assert f"the note of event #{event.sequence}" in report.problem
