"""Writing and verifying the audit trail."""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, models, transaction
from django.db.models import QuerySet
from django.utils import timezone

from openmash.audit.anchor import Checkpoint, anchor_append, anchor_file, anchor_newest, anchor_read
from openmash.audit.catalogue import AuditAction
from openmash.audit.chain import (
    GENESIS_HASH,
    SCHEME_KEYED,
    SCHEME_UNKEYED,
    SCHEMES,
    canonical_payload,
    event_hash,
    keyed_hash,
)
from openmash.audit.models import ERASED, NOTE_KEY, NOTE_MAC_KEY, AuditEvent, AuditNote
from openmash.core.actor import Actor
from openmash.core.prepared import Param, Prepared, PreparedInsert, planned_cursor

log = logging.getLogger(__name__)

CHAIN_LOCK_KEY = 7_041_962  # PostgreSQL advisory lock serialising writers of the main chain
PARTITION_LOCK_BASE = 7_042_000  # plus the partition number: the lock of each other chain


def audit_key() -> bytes:
    """The audit key from the settings (OPENMASH_AUDIT_KEY); never stored in the database."""
    key = getattr(settings, "OPENMASH_AUDIT_KEY", "")
    if not key:
        raise ImproperlyConfigured("OPENMASH_AUDIT_KEY is not set: the audit trail cannot be written.")
    return str(key).encode()


def _payload_of(event: AuditEvent) -> str:
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


def audit_record(
    *,
    actor: Actor,
    action: AuditAction,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    persons: Iterable[object] = (),
    justification: str = "",
    detail: dict[str, Any] | None = None,
    personal: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event to the chain, in the caller's transaction (or its own, outside one).

    Free text (``justification``) and anything naming people (``personal``) go in the event's note,
    beside the chain, where destroying the case can reach them; the event itself keeps no personal data.
    """
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
    note: AuditNote | None = None
    detail = dict(detail or {})
    key = audit_key()
    if justification or personal:
        note = AuditNote(object_id=object_id, justification=justification, detail=personal or {})
        detail[NOTE_KEY] = str(note.pk)
        detail[NOTE_MAC_KEY] = note_mac(key, note)
    user = actor.user
    agency = getattr(user, "agency", None) if user is not None else None
    # No savepoint of its own: an event that cannot be written fails the caller's whole transaction.
    with transaction.atomic(savepoint=False):
        partition, last_sequence, last_hash = _take_a_chain()
        event = AuditEvent(
            occurred_at=timezone.now(),
            actor_id=str(user.pk) if user is not None else "",
            actor_label=actor.label,
            actor_role=actor.role,
            agency_id=str(agency.pk) if agency is not None else "",
            agency_name=str(agency) if agency is not None else "",
            action=action.value,
            object_type=object_type,
            object_id=object_id,
            persons=[str(p) for p in persons],
            justification="",
            ip_address=actor.ip_address or "",
            user_agent=actor.user_agent,
            detail=detail,
            partition=partition or None,
        )
        audit_seal(event, previous_hash=last_hash, key=key)
        _INSERT_EVENT.insert([event])  # as event.save(force_insert=True), its SQL built once
        if note is not None:
            note.save(force_insert=True)
            event._note = note
        every = settings.OPENMASH_AUDIT_CHECKPOINT_EVERY
        if every > 0 and event.sequence // every != last_sequence // every:
            # Once the event is committed (a rolled-back one must not be anchored).
            transaction.on_commit(partial(_checkpoint_committed, event.sequence, event.hash), robust=True)
    return event


def note_mac(key: bytes, note: AuditNote) -> str:
    """A MAC of a note's words, kept in its event (and so in the chain): a note changed while it exists
    is seen by `audit_verify`; once erased, only the erasure is."""
    words = canonical_payload_of_note(str(note.pk), note.justification, dict(note.detail))
    return keyed_hash(key, GENESIS_HASH, words)


def canonical_payload_of_note(note_id: str, justification: str, detail: dict[str, Any]) -> str:
    return json.dumps(
        {"note": note_id, "justification": justification, "detail": detail},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=True,
        default=str,
    )


def audit_notes_erase(*, object_ids: Iterable[str]) -> int:
    """Erase the notes of events about these objects (a destroyed case's): their reasons and the names
    they carry. The events, and the chain, are untouched. Returns how many notes were erased."""
    ids = sorted({str(i) for i in object_ids if i})
    erased = 0
    for start in range(0, len(ids), 500):
        erased += AuditNote.objects.filter(
            object_id__in=ids[start : start + 500], erased_at__isnull=True
        ).update(justification=ERASED, detail={}, erased_at=timezone.now())
    return erased


def _chain_lock(partition: int) -> int:
    return CHAIN_LOCK_KEY if partition == 0 else PARTITION_LOCK_BASE + partition


def _take_a_chain() -> tuple[int, int, str]:
    """Lock one of the chains for this transaction: its number, and the sequence number and hash of its
    newest event. On PostgreSQL a writer takes the first free chain, starting from the one its
    connection used last (the main chain at first), so that one transaction's events stay on one chain
    and a quiet hub writes one chain; it waits only when every chain is busy. The locks are tried and
    the head is read in one call (`openmash_audit_take_chain`, migration 0007): the head with a
    snapshot taken once the lock is held, so an event committed on the chain just before is seen. SQLite
    lets one writer in at a time anyway: always the main chain."""
    if connection.vendor != "postgresql":
        return (0, *audit_chain_head(0))
    count = max(1, settings.OPENMASH_AUDIT_CHAINS)
    first = getattr(connection, "openmash_audit_chain", 0)
    if first >= count:
        first = 0
    with planned_cursor(connection) as cursor:  # sent with every event: planned once per connection
        cursor.execute(_TAKE_A_CHAIN, [[_chain_lock(partition) for partition in range(count)], first])
        partition, sequence, hash_ = cursor.fetchone()
    connection.openmash_audit_chain = partition  # type: ignore[attr-defined]
    return (partition, 0, GENESIS_HASH) if sequence is None else (partition, sequence, hash_)


_TAKE_A_CHAIN = "SELECT chain, head_sequence, head_hash FROM openmash_audit_take_chain(%s::bigint[], %s)"


def audit_chain_head(partition: int = 0) -> tuple[int, str]:
    """The sequence number and hash of the newest event of one chain (0: the main chain); the caller
    holds that chain's lock (`_take_a_chain`, or the main chain's CHAIN_LOCK_KEY for a bulk load)."""
    last = _newest(partition)
    return last if last is not None else (0, GENESIS_HASH)


def _newest(chain: int) -> tuple[int, str] | None:
    """(sequence, hash) of one chain's newest event, from the chains' head index; None for a chain
    with no event."""
    return _CHAIN_HEAD.first(partition=chain) if chain else _MAIN_CHAIN_HEAD.first()


def _head(events: QuerySet[AuditEvent]) -> QuerySet[AuditEvent, tuple[int, str]]:
    # Ordered as the chains' head index is (partition, sequence descending), so that PostgreSQL reads one
    # index entry whatever its statistics say; ordered by sequence alone, a planner that believes the
    # table small (a new hub, before autovacuum has analysed it) reads and sorts the whole main chain.
    return events.order_by("partition", "-sequence").values_list("sequence", "hash")[:1]


# Read before every event is written: compiled once (ADR 0040).
_INSERT_EVENT = PreparedInsert(AuditEvent)
_MAIN_CHAIN_HEAD = Prepared(lambda: _head(AuditEvent.objects.filter(partition__isnull=True)))
_CHAIN_HEAD = Prepared(
    lambda: _head(
        AuditEvent.objects.filter(partition=Param("partition", AuditEvent._meta.get_field("partition")))
    )
)


def audit_chain_heads() -> list[tuple[int, int, str]]:
    """(chain, sequence, hash) of every chain's newest event, oldest chain first. Each chain's head is
    one entry of the chains' head index, as every write reads it, and the highest chain one more: a
    checkpoint (every OPENMASH_AUDIT_CHECKPOINT_EVERY events, on the page whose event crossed it)
    costs the same on a trail of millions of events as on a new one. Grouping the whole trail by
    chain read every event (94 ms at 350,000 events). Chains are numbered from 0; a hub that once ran
    with more chains than now still has its higher chains read."""
    highest = AuditEvent.objects.aggregate(highest=models.Max("partition"))["highest"] or 0
    heads = []
    for chain in range(highest + 1):
        last = _newest(chain)
        if last is not None:
            heads.append((chain, *last))
    return heads


def audit_seal(event: AuditEvent, *, previous_hash: str, key: bytes | None = None) -> str:
    """Chain ``event`` after ``previous_hash``: the keyed scheme, and its hash. The one place an
    event's hash is made (`audit_record`, and bulk loaders that write many events in one go under
    the chain lock). Returns the hash, the next event's ``previous_hash``."""
    event.previous_hash = previous_hash
    event.scheme = SCHEME_KEYED
    event.hash = keyed_hash(key if key is not None else audit_key(), previous_hash, _payload_of(event))
    return event.hash


def _first_keyed_sequence() -> int | None:
    """The first keyed event: keyed events follow the unkeyed ones, so a binary search on the primary
    key finds it in a few dozen index look-ups however long the unkeyed part of the trail is."""
    bounds = AuditEvent.objects.aggregate(low=models.Min("sequence"), high=models.Max("sequence"))
    low, high = bounds["low"], bounds["high"]
    if low is None:
        return None
    found: int | None = None
    while low <= high:
        middle = (low + high) // 2
        row = AuditEvent.objects.filter(sequence__gte=middle).values_list("sequence", "scheme").first()
        if row is None:
            break
        sequence, scheme = row
        if scheme == SCHEME_KEYED:
            found, high = sequence, middle - 1
        else:
            low = sequence + 1
    return found


def audit_anchor_dir() -> Path:
    return Path(settings.OPENMASH_AUDIT_ANCHOR_DIR)


def _write_checkpoint(sequence: int, hash_: str) -> Checkpoint:
    heads = tuple(audit_chain_heads())  # each chain's newest event, so that no chain's tail goes unanchored
    checkpoint = Checkpoint(
        sequence=sequence,
        hash=hash_,
        at=timezone.now(),
        keyed_from=_first_keyed_sequence(),
        heads=heads if len(heads) > 1 else (),
    )
    anchor_append(audit_anchor_dir(), checkpoint, audit_key())
    return checkpoint


def _checkpoint_committed(sequence: int, hash_: str) -> None:
    _write_checkpoint(sequence, hash_)
    log.info("audit checkpoint written at event #%d", sequence)


def audit_checkpoint() -> Checkpoint | None:
    """Write a checkpoint of the newest event to the anchor, unless the newest checkpoint already
    names it. None when there is nothing new to anchor."""
    last = AuditEvent.objects.order_by("-sequence").values_list("sequence", "hash").first()
    if last is None:
        return None
    heads = tuple(audit_chain_heads())
    checkpoints, _ = anchor_read(audit_anchor_dir(), audit_key())
    if any(c.sequence == last[0] and c.hash == last[1] and (c.heads or heads) == heads for c in checkpoints):
        return None
    return _write_checkpoint(*last)


@dataclass(frozen=True, slots=True)
class ChainReport:
    checked: int
    broken_at: int | None
    problem: str
    keyed: int = 0
    checkpoint: Checkpoint | None = None  # the newest checkpoint compared with the trail

    @property
    def intact(self) -> bool:
        return not self.problem


TAMPERED = "event #{seq} ({action}, {when}) does not match its stored hash: its contents were changed"
FORGED = (
    "event #{seq} ({action}, {when}) does not carry a valid MAC: it was changed, or written without "
    "the audit key"
)
RELINKED = (
    "event #{seq} ({action}, {when}) does not follow event #{prev}: "
    "an event before it was removed, inserted or changed"
)
DOWNGRADED = (
    "event #{seq} ({action}, {when}) is marked as written before the audit key, but {why}: "
    "it was changed and marked so that the unkeyed hash would pass"
)
UNKNOWN_SCHEME = "event #{seq} ({action}, {when}) names an unknown hash scheme ({scheme})"
DIFFERS = (
    "event #{seq} does not match the checkpoint of {at}: it, or an event before it{since}, "
    "was changed and the later hashes recomputed"
)
GONE = "event #{seq}, recorded by the checkpoint of {at}, is missing: events were removed"
TRUNCATED = (
    "events from #{first} to #{last} are missing: the checkpoint of {at} records event #{last}, "
    "but the trail ends at {end}"
)
NO_ANCHOR = (
    "no checkpoint found in {path}, though {keyed} events were written with the audit key: "
    "the anchor is missing, so removed events could not be seen"
)


def _when(event: AuditEvent) -> str:
    return event.occurred_at.isoformat(timespec="seconds")


def audit_verify_chain() -> ChainReport:
    """Walk the chain from the first event, check each hash by its scheme, and compare the trail with
    the anchor's checkpoints; name the first event missing or changed."""
    key = audit_key()
    checkpoints, anchor_problems = anchor_read(audit_anchor_dir(), key)
    newest = max(checkpoints, key=lambda c: c.sequence, default=None)
    if anchor_problems:
        return ChainReport(checked=0, broken_at=None, problem=anchor_problems[0].problem, checkpoint=newest)
    keyed_from = min((c.keyed_from for c in checkpoints if c.keyed_from is not None), default=None)
    # What each checkpoint recorded: the newest event of each chain (or, before chains, of the one).
    pending = sorted(
        {point for c in checkpoints for point in c.points()}, key=lambda c: (c.sequence, c.at)
    )  # not yet reached
    matched_since: int | str = "start"  # the newest checkpoint matched so far

    def report(problem: str, at: int | None) -> ChainReport:
        return ChainReport(checked, at, problem, keyed, newest)

    previous: dict[int, str] = {}  # each chain's hash so far
    previous_seq: int | str = "start"
    previous_in: dict[int, int | str] = {}
    checked = keyed = 0
    seen_keyed = False
    notes: dict[str, tuple[str, int, str]] = {}  # note id -> its MAC, its event, the problem if changed
    for event in AuditEvent.objects.order_by("sequence").iterator(chunk_size=2000):
        seq, when = event.sequence, _when(event)
        while pending and pending[0].sequence < seq:
            gone = pending.pop(0)
            return report(
                GONE.format(seq=gone.sequence, at=gone.at.isoformat(timespec="seconds")), gone.sequence
            )
        chain = event.partition or 0
        if event.previous_hash != previous.get(chain, GENESIS_HASH):
            prev = previous_in.get(chain, "start")
            return report(RELINKED.format(seq=seq, action=event.action, when=when, prev=prev), seq)
        if event.scheme == SCHEME_UNKEYED and (seen_keyed or (keyed_from is not None and seq >= keyed_from)):
            why = (
                "a keyed event came before it"
                if seen_keyed
                else f"the anchor says keyed events begin at #{keyed_from}"
            )
            return report(DOWNGRADED.format(seq=seq, action=event.action, when=when, why=why), seq)
        if event.scheme not in SCHEMES:
            return report(
                UNKNOWN_SCHEME.format(seq=seq, action=event.action, when=when, scheme=event.scheme), seq
            )
        if not hmac_equal(event_hash(event.scheme, key, event.previous_hash, _payload_of(event)), event.hash):
            text = FORGED if event.scheme == SCHEME_KEYED else TAMPERED
            return report(text.format(seq=seq, action=event.action, when=when), seq)
        while pending and pending[0].sequence == seq:
            checkpoint = pending.pop(0)
            if checkpoint.hash != event.hash:
                at = checkpoint.at.isoformat(timespec="seconds")
                since = "" if matched_since == "start" else f" and after event #{matched_since}"
                return report(DIFFERS.format(seq=seq, at=at, since=since), seq)
            matched_since = seq
        if event.scheme == SCHEME_KEYED and NOTE_MAC_KEY in event.detail:
            noted = NOTE_CHANGED.format(seq=seq, action=event.action, when=when)
            notes[str(event.detail.get(NOTE_KEY, ""))] = (str(event.detail[NOTE_MAC_KEY]), seq, noted)
        seen_keyed = seen_keyed or event.scheme == SCHEME_KEYED
        keyed += event.scheme == SCHEME_KEYED
        previous[chain], previous_in[chain], previous_seq = event.hash, seq, seq
        checked += 1
    if pending:
        last = pending[-1]
        end = "the start" if previous_seq == "start" else f"event #{previous_seq}"
        first = 1 if previous_seq == "start" else int(previous_seq) + 1
        at = last.at.isoformat(timespec="seconds")
        return report(TRUNCATED.format(first=first, last=last.sequence, at=at, end=end), first)
    every = settings.OPENMASH_AUDIT_CHECKPOINT_EVERY
    if newest is None and every > 0 and keyed >= every:
        return report(NO_ANCHOR.format(path=anchor_file(audit_anchor_dir()), keyed=keyed), None)
    changed = _changed_note(key, notes)
    if changed is not None:
        return report(notes[changed][2], notes[changed][1])
    return report("", None)


NOTE_CHANGED = (
    "the note of event #{seq} ({action}, {when}) does not match the MAC its event carries: its words "
    "were changed, or it is missing"
)


def _changed_note(key: bytes, notes: dict[str, tuple[str, int, str]]) -> str | None:
    """The note of the first event whose note was changed (or removed) since it was written; erased
    notes pass (their erasure is itself audited with the destruction of their case)."""
    ids = sorted(notes, key=lambda note_id: notes[note_id][1])
    for start in range(0, len(ids), 1000):
        chunk = ids[start : start + 1000]
        present = {str(n.pk): n for n in AuditNote.objects.filter(pk__in=chunk)}
        for note_id in chunk:
            note = present.get(note_id)
            if note is None or (
                note.erased_at is None and not hmac_equal(note_mac(key, note), notes[note_id][0])
            ):
                return note_id
    return None


def hmac_equal(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


@dataclass(frozen=True, slots=True)
class AnchorLag:
    """How far the anchor is behind the trail: the newest checkpoint, and the oldest event after it."""

    checkpoint: Checkpoint | None
    oldest_unanchored_at: datetime | None  # the oldest event no checkpoint covers yet
    unanchored: bool


def audit_anchor_lag() -> AnchorLag:
    """The newest checkpoint and the oldest event written after it (for health checks and the hub
    administrator's page; the worker writes a checkpoint every OPENMASH_AUDIT_CHECKPOINT_SECONDS)."""
    newest = anchor_newest(audit_anchor_dir(), audit_key())
    after = AuditEvent.objects.order_by("sequence")
    if newest is not None:
        after = after.filter(sequence__gt=newest.sequence)
    oldest = after.values_list("occurred_at", flat=True).first()
    return AnchorLag(checkpoint=newest, oldest_unanchored_at=oldest, unanchored=oldest is not None)
