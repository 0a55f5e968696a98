"""Chains per partition: writers that would queue behind one lock write to separate chains, and
`audit_verify` still names a changed, removed or recomputed event on any chain, against the heads of
every chain that each checkpoint records."""

from __future__ import annotations

import hashlib
import hmac
import threading
import time
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from openmash.audit.catalogue import AuditAction
from openmash.audit.models import AuditEvent
from openmash.audit.services import (
    audit_chain_head,
    audit_chain_heads,
    audit_record,
    audit_seal,
    audit_verify_chain,
)
from openmash.audit.tests.test_tamper import actor, anchor, as_attacker, payload, record  # noqa: F401
from openmash.core.actor import Actor

pytestmark = pytest.mark.django_db


def side_chain(n: int, partition: int = 3) -> list[AuditEvent]:
    """Events on another chain, written as a writer that found the main chain busy writes them."""
    events = []
    for i in range(n):
        with transaction.atomic():
            _, previous = audit_chain_head(partition)
            event = AuditEvent(
                occurred_at=timezone.now(),
                actor_label="Another writer",
                action=AuditAction.USERS_VIEWED.value,
                justification=f"side #{i}",
                partition=partition,
            )
            audit_seal(event, previous_hash=previous)
            event.save(force_insert=True)
        events.append(event)
    return events


@pytest.fixture
def two_chains(actor: Actor, anchor: Path) -> tuple[list[AuditEvent], list[AuditEvent]]:  # noqa: F811
    main = record(actor, 2)
    side = side_chain(3)
    main += record(actor, 2)  # interleaved: the side chain's tail is not the trail's newest event
    call_command("audit_checkpoint", stdout=StringIO())
    return main, side


def test_interleaved_chains_verify_and_each_checkpoint_names_every_head(two_chains: Any) -> None:
    main, side = two_chains
    assert side[0].previous_hash == "0" * 64 and side[1].previous_hash == side[0].hash
    assert main[2].previous_hash == main[1].hash  # the main chain skips the side chain's events
    assert [(c, s) for c, s, _ in audit_chain_heads()] == [(0, main[-1].sequence), (3, side[-1].sequence)]
    report = audit_verify_chain()
    assert report.intact, report.problem
    assert report.checked == AuditEvent.objects.count()
    assert {s for _, s, _ in report.checkpoint.heads} == {main[-1].sequence, side[-1].sequence}


def test_removing_a_side_chains_tail_below_the_checkpoint_is_named(two_chains: Any) -> None:
    _, side = two_chains
    as_attacker(("DELETE FROM audit_auditevent WHERE sequence = %s", [side[-1].sequence]))
    report = audit_verify_chain()
    assert report.broken_at == side[-1].sequence
    assert "is missing: events were removed" in report.problem


def test_a_changed_side_chain_event_is_named(two_chains: Any) -> None:
    _, side = two_chains
    as_attacker(("UPDATE audit_auditevent SET justification = 'x' WHERE sequence = %s", [side[1].sequence]))
    report = audit_verify_chain()
    assert report.broken_at == side[1].sequence
    assert "does not carry a valid MAC" in report.problem


def test_with_the_key_a_recomputed_side_chain_tail_still_differs_from_the_checkpoint(two_chains: Any) -> None:
    _, side = two_chains
    key = settings.OPENMASH_AUDIT_KEY.encode()
    as_attacker(("UPDATE audit_auditevent SET justification = 'x' WHERE sequence = %s", [side[1].sequence]))
    previous = side[0].hash
    updates: list[tuple[str, list[object]]] = []
    for event in AuditEvent.objects.filter(partition=3, sequence__gte=side[1].sequence).order_by("sequence"):
        new = hmac.new(key, f"{previous}\n{payload(event)}".encode(), hashlib.sha256).hexdigest()
        updates.append(
            (
                "UPDATE audit_auditevent SET hash = %s, previous_hash = %s WHERE sequence = %s",
                [new, previous, event.sequence],
            )
        )
        previous = new
    as_attacker(*updates)
    report = audit_verify_chain()
    assert report.broken_at == side[-1].sequence
    assert "does not match the checkpoint" in report.problem


def test_an_event_moved_to_another_chain_breaks_both(two_chains: Any) -> None:
    main, _ = two_chains
    as_attacker(("UPDATE audit_auditevent SET partition = 3 WHERE sequence = %s", [main[2].sequence]))
    report = audit_verify_chain()
    assert not report.intact
    assert report.broken_at == main[2].sequence


def test_every_chains_head_is_read_from_the_head_index_however_long_the_trail(
    actor: Actor,  # noqa: F811
) -> None:
    """A checkpoint names every chain's newest event. It reads one index entry a chain, and the highest
    chain's number: not the whole trail, which grew by an event a page view (94 ms at 350,000 events
    when every event was grouped by chain). A chain the hub no longer writes to is still named."""
    record(actor, 3)
    side_chain(2, partition=2)
    side_chain(1, partition=5)
    record(actor, 1)
    with CaptureQueriesContext(connection) as captured:
        heads = audit_chain_heads()
    newest = {}
    for event in AuditEvent.objects.order_by("sequence"):
        newest[event.partition or 0] = (event.sequence, event.hash)
    assert heads == [(chain, *newest[chain]) for chain in sorted(newest)]
    assert [chain for chain, _, _ in heads] == [0, 2, 5]
    reads = [q["sql"] for q in captured.captured_queries]
    assert len(reads) == 1 + 6  # the highest chain, then chains 0 to 5
    assert all("GROUP BY" not in sql for sql in reads)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for sql in reads:
                cursor.execute("EXPLAIN " + sql)
                plan = "\n".join(row[0] for row in cursor.fetchall())
                assert "audit_partition_head" in plan and "Seq Scan" not in plan, plan


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's planner")
def test_a_chain_head_is_one_index_entry_even_before_the_trail_is_analysed() -> None:
    """Every audited page reads its chain's head under the chain's lock. On a trail the planner has no
    statistics for (a new hub, or a burst of writes before autovacuum), ordering by sequence alone made
    PostgreSQL read and sort the whole main chain on each write."""
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE audit_auditevent SET (autovacuum_enabled = false)")
        cursor.execute(
            "INSERT INTO audit_auditevent (occurred_at, actor_id, actor_label, actor_role, agency_id, "
            "agency_name, action, object_type, object_id, persons, justification, ip_address, user_agent, "
            "detail, previous_hash, hash, scheme) SELECT now(), '', 'x', '', '', '', 'cases.viewed', '', '', "
            "'[]', '', '', '', '{}', md5(i::text), md5(i::text) || md5((i + 1)::text), 1 "
            "FROM generate_series(1, 5000) AS i"
        )
    for partition in (0, 3):
        with CaptureQueriesContext(connection) as captured:
            audit_chain_head(partition)
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN " + captured.captured_queries[-1]["sql"])
            plan = "\n".join(row[0] for row in cursor.fetchall())
        assert "audit_partition_head" in plan, plan
        assert "Sort" not in plan, plan


def _waiting_for_a_chain() -> bool:
    """Whether a writer is waiting for a chain's lock (every chain it may write is busy)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
        return bool(cursor.fetchone()[0])


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite lets one writer in at a time: it always writes the main chain",
)
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("chains", [1, 3])
def test_writers_spread_over_as_many_chains_as_the_setting_says_and_each_verifies(
    chains: int,
    settings: Any,
    anchor: Path,  # noqa: F811
) -> None:
    """OPENMASH_AUDIT_CHAINS writers at once each hold a chain; one more writer waits for a chain rather
    than starting another, so the trail has exactly that many chains; each chain verifies, and a changed
    event on one of them is named."""
    settings.OPENMASH_AUDIT_CHAINS = chains
    all_holding = threading.Barrier(chains + 1)
    release = threading.Event()
    failures: list[BaseException] = []

    def write(name: str, *, hold: bool) -> None:
        try:
            with transaction.atomic():
                for _ in range(2):  # one transaction's events stay on one chain
                    audit_record(actor=Actor.system(name), action=AuditAction.USERS_VIEWED)
                if hold:
                    all_holding.wait(timeout=60)
                    release.wait(timeout=60)
        except BaseException as error:  # reported by the test below
            failures.append(error)
        finally:
            connection.close()

    holders = [
        threading.Thread(target=write, args=(f"writer {i}",), kwargs={"hold": True}) for i in range(chains)
    ]
    for thread in holders:
        thread.start()
    all_holding.wait(timeout=60)  # every holder is inside its transaction, its chain locked
    one_more = threading.Thread(target=write, args=("one more writer",), kwargs={"hold": False})
    one_more.start()
    # Until it waits for a chain, or (were the setting ignored) has written on a chain of its own.
    for _ in range(6000):
        if not one_more.is_alive() or _waiting_for_a_chain():
            break
        time.sleep(0.01)
    release.set()
    for thread in [*holders, one_more]:
        thread.join(timeout=60)
    assert not failures, failures

    stored = list(AuditEvent.objects.order_by("sequence").values_list("actor_label", "partition"))
    assert len(stored) == 2 * (chains + 1)
    assert {partition or 0 for _, partition in stored} == set(range(chains))
    by_writer: dict[str, set[int]] = {}
    for label, partition in stored:
        by_writer.setdefault(label, set()).add(partition or 0)
    assert all(len(used) == 1 for used in by_writer.values()), by_writer

    call_command("audit_checkpoint", stdout=StringIO())
    out = StringIO()
    call_command("audit_verify", stdout=out)
    assert f"Audit chain intact: {len(stored)} events checked" in out.getvalue()
    heads = audit_verify_chain().checkpoint.heads
    assert {chain for chain, _, _ in heads} == (set(range(chains)) if chains > 1 else set())

    last_chain = max(partition or 0 for _, partition in stored)
    changed = AuditEvent.objects.filter(partition=last_chain or None).order_by("sequence").first()
    as_attacker(("UPDATE audit_auditevent SET justification = 'x' WHERE sequence = %s", [changed.sequence]))
    with pytest.raises(CommandError, match=rf"event #{changed.sequence} \(accounts.users_viewed"):
        call_command("audit_verify", stdout=StringIO())


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite lets one writer in at a time: the next writer starts after the last has committed",
)
@pytest.mark.django_db(transaction=True)
def test_a_writer_that_waited_for_the_chain_writes_after_the_event_committed_while_it_waited(
    settings: Any,
    anchor: Path,  # noqa: F811
) -> None:
    """With one chain, a second writer waits for the first's lock; once the first commits, the second's
    event follows the first's (its previous hash is the first's hash): the head is read after the lock
    is held, not before, so the chain does not fork."""
    settings.OPENMASH_AUDIT_CHAINS = 1
    holding = threading.Event()
    release = threading.Event()
    failures: list[BaseException] = []

    def first() -> None:
        try:
            with transaction.atomic():
                audit_record(actor=Actor.system("first writer"), action=AuditAction.USERS_VIEWED)
                holding.set()
                release.wait(timeout=60)
        except BaseException as error:  # reported below
            failures.append(error)
        finally:
            connection.close()

    def second() -> None:
        try:
            audit_record(actor=Actor.system("second writer"), action=AuditAction.USERS_VIEWED)
        except BaseException as error:  # reported below
            failures.append(error)
        finally:
            connection.close()

    writers = [threading.Thread(target=first), threading.Thread(target=second)]
    writers[0].start()
    assert holding.wait(timeout=60)
    writers[1].start()
    for _ in range(6000):  # until the second waits for the chain's lock
        if _waiting_for_a_chain():
            break
        time.sleep(0.01)
    release.set()
    for thread in writers:
        thread.join(timeout=60)
    assert not failures, failures
    events = {e.actor_label: e for e in AuditEvent.objects.all()}
    assert events["system:second writer"].previous_hash == events["system:first writer"].hash
    out = StringIO()
    call_command("audit_verify", stdout=out)
    assert "Audit chain intact: 2 events checked" in out.getvalue()
