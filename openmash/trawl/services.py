"""The trawl: search an agency's data sources for everyone on a case, through the gate, and turn the
events of records a researcher confirms into history items of the agency's return.

Every step is the researcher's: the search (allowed person by person by the sharing gate), each
confirmation or rejection, each look at a confirmed record and each event added. All are audited.
Nothing found is shared by the trawl itself; the return is shared when the researcher submits it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from openmash.audit.catalogue import AuditAction
from openmash.audit.services import audit_record
from openmash.cases.destroyed import check_not_destroyed
from openmash.core.actor import Actor
from openmash.core.concurrency import save_versioned
from openmash.core.errors import CONCURRENT_EDIT, ConcurrentEditError, DomainError
from openmash.enquiries.models import (
    HistoryItem,
    HistoryType,
    InformationRequest,
    RequestStatus,
    Significance,
)
from openmash.enquiries.services import check_researcher, request_take
from openmash.hub.models import AgencyKind
from openmash.linkage.sources import SourceEvent, SourceRecord
from openmash.referrals.models import ReferralPerson
from openmash.sources.index import SourceUnavailable, fetch_records
from openmash.trawl.models import CandidateStatus, Trawl, TrawlCandidate, TrawlStatus
from openmash.trawl.runner import searchable_sources
from openmash.trawl.tasks import run_trawl

log = logging.getLogger(__name__)
NO_SOURCES = (
    "Your agency has no data source loaded, so there is nothing to search. "
    "A hub administrator can connect one under Data sources."
)
NOT_CONFIRMED = "Confirm that this record is the same person before looking at it or using it."
ALREADY_DECIDED = "This candidate has already been {status}."


def _check_request_open(request: InformationRequest) -> None:
    request.refresh_from_db(fields=["status", "blocked_reason", "unblock_hint", "ended_reason", "version"])
    if request.status == RequestStatus.BLOCKED:
        raise DomainError(f"{request.blocked_reason} {request.unblock_hint}".strip())
    if request.status == RequestStatus.WITHDRAWN:
        raise DomainError(f"This request is closed as no longer needed. {request.ended_reason}".strip())
    if not request.is_open:
        raise DomainError("This request has already been answered.")


def trawl_start(*, actor: Actor, request: InformationRequest) -> Trawl:
    """Queue a trawl of the agency's sources for this request (the worker runs it)."""
    check_not_destroyed(request.case_id)
    check_researcher(actor, request)
    _check_request_open(request)
    running = request.trawls.filter(status__in=[TrawlStatus.QUEUED, TrawlStatus.RUNNING]).first()
    if running is not None:
        return running
    if not searchable_sources(request):
        raise DomainError(NO_SOURCES)
    if request.status == RequestStatus.OPEN:
        request_take(actor=actor, request=request)
    people = list(request.case.referral.people.all())
    assert actor.user is not None  # noqa: S101 - check_researcher() passed
    with transaction.atomic():
        trawl = Trawl.objects.create(
            request=request, started_by=actor.user, people_total=len(people), created_by=actor.user
        )
        audit_record(
            actor=actor,
            action=AuditAction.TRAWL_STARTED,
            obj=request,
            persons=[p.pk for p in people],
            detail={"case": request.case.reference, "trawl": str(trawl.pk)},
        )
        trawl_id = str(trawl.pk)
        transaction.on_commit(lambda: run_trawl.enqueue(trawl_id))
    return trawl


def _decide(actor: Actor, candidate: TrawlCandidate, status: CandidateStatus, reason: str) -> TrawlCandidate:
    check_not_destroyed(candidate.trawl.request.case_id)
    request = candidate.trawl.request
    check_researcher(actor, request)
    _check_request_open(request)
    if candidate.status != CandidateStatus.PROPOSED:
        raise DomainError(ALREADY_DECIDED.format(status=candidate.get_status_display().split(":")[0].lower()))
    with transaction.atomic():
        updated = TrawlCandidate.objects.filter(pk=candidate.pk, status=CandidateStatus.PROPOSED).update(
            status=status, decided_by=actor.user, decided_at=timezone.now(), reason=reason.strip()
        )
        if not updated:
            raise DomainError("Someone else decided this candidate a moment ago.")
        candidate.refresh_from_db()
        _audit_match(
            actor,
            candidate,
            AuditAction.MATCH_CONFIRMED
            if status == CandidateStatus.CONFIRMED
            else AuditAction.MATCH_REJECTED,
            reason,
            probability=round(candidate.match_probability, 4),
        )
    return candidate


def _audit_match(
    actor: Actor, candidate: TrawlCandidate, action: AuditAction, reason: str, **detail: Any
) -> None:
    audit_record(
        actor=actor,
        action=action,
        obj=candidate,
        persons=[candidate.person_id],
        justification=reason.strip(),
        detail={
            "case": candidate.trawl.request.case.reference,
            "source": candidate.source.name,
            "record": candidate.record_id,
            **detail,
        },
    )


def candidate_confirm(*, actor: Actor, candidate: TrawlCandidate, reason: str = "") -> TrawlCandidate:
    return _decide(actor, candidate, CandidateStatus.CONFIRMED, reason)


def candidate_reject(*, actor: Actor, candidate: TrawlCandidate, reason: str = "") -> TrawlCandidate:
    return _decide(actor, candidate, CandidateStatus.REJECTED, reason)


def candidate_undo(*, actor: Actor, candidate: TrawlCandidate, reason: str = "") -> int:
    """Put a decided candidate back to review while the return is still a draft. Undoing a
    confirmation takes the record's events out of the draft return (they were only ever there
    because the record was confirmed). Returns how many events were taken out."""
    check_not_destroyed(candidate.trawl.request.case_id)
    request = candidate.trawl.request
    check_researcher(actor, request)
    _check_request_open(request)
    if candidate.status == CandidateStatus.PROPOSED:
        raise DomainError("This candidate has not been decided yet.")
    previous = candidate.status
    with transaction.atomic():
        updated = TrawlCandidate.objects.filter(pk=candidate.pk, status=previous).update(
            status=CandidateStatus.PROPOSED, decided_by=None, decided_at=None, reason="", carried_from=None
        )
        if not updated:
            raise DomainError("Someone else changed this decision a moment ago.")
        removed = 0
        if previous == CandidateStatus.CONFIRMED:
            removed = _events_out(request, candidate)
        _audit_match(actor, candidate, AuditAction.MATCH_UNDONE, reason, was=previous, events_removed=removed)
    candidate.refresh_from_db()
    return removed


def _events_out(request: InformationRequest, candidate: TrawlCandidate) -> int:
    """Take the events found in this candidate's record out of the draft return; an event another
    confirmed person's record holds too stays, no longer naming this person. Returns how many went."""
    removed = 0
    items = request.history.filter(source_system=candidate.source.name).filter(
        Q(source_record_id=candidate.record_id) | Q(subjects=candidate.person)
    )
    for item in items.distinct():
        others = [p for p in item.subjects.all() if p.pk != candidate.person_id]
        if not others:
            item.delete()
            removed += 1
            continue
        item.subjects.remove(candidate.person)
        if item.source_record_id == candidate.record_id:
            keeper = TrawlCandidate.objects.filter(
                trawl__request=request,
                source=candidate.source,
                person__in=others,
                status=CandidateStatus.CONFIRMED,
            ).first()
            if keeper is not None:
                item.trawl_candidate, item.source_record_id = keeper, keeper.record_id
                item.save(update_fields=["trawl_candidate", "source_record_id"])
    return removed


def candidate_record(*, actor: Actor, candidate: TrawlCandidate) -> SourceRecord | None:
    """The full agency record of a confirmed match (``None`` if the source no longer holds it)."""
    check_researcher(actor, candidate.trawl.request)
    if candidate.status != CandidateStatus.CONFIRMED:
        raise DomainError(NOT_CONFIRMED)
    try:
        record = fetch_records(candidate.source, candidate.load, [candidate.record_id]).get(
            candidate.record_id
        )
    except SourceUnavailable as error:
        raise DomainError(str(error)) from None
    audit_record(
        actor=actor,
        action=AuditAction.SOURCE_RECORD_VIEWED,
        obj=candidate,
        persons=[candidate.person_id],
        detail={"source": candidate.source.name, "record": candidate.record_id},
    )
    return record


_KIND_RULES: tuple[tuple[str, HistoryType], ...] = (
    (r"domestic", HistoryType.DOMESTIC_ABUSE),
    (r"missing", HistoryType.MISSING),
    (r"exclu|suspen", HistoryType.EXCLUSION),
    (r"missed|did not attend|\bdna\b|was not brought", HistoryType.MISSED_APPOINTMENT),
    (
        r"crime|offence|offend|assault|arrest|convict|caution|licence|order|court|sentence|outcome",
        HistoryType.CRIME,
    ),
    (r"tenan|arrears|homeless|evict|housing", HistoryType.HOUSING),
    (r"assess|plan|package|safeguarding|review", HistoryType.ASSESSMENT),
    (r"incident|anti.?social|asb|concern|warning", HistoryType.INCIDENT),
)


def history_type(event: SourceEvent, agency_kind: str) -> HistoryType:
    """The chronology category of an agency event, from its kind and the agency it comes from."""
    text = event.kind.replace("_", " ").lower()
    for pattern, kind in _KIND_RULES:
        if re.search(pattern, text):
            return kind
    if re.search(r"attend|appointment|registration|condition|admission|encounter|health", text):
        if agency_kind == AgencyKind.EDUCATION:
            return HistoryType.SCHOOL_ATTENDANCE
        return HistoryType.HEALTH_ATTENDANCE
    return HistoryType.OTHER


def events_add(*, actor: Actor, candidate: TrawlCandidate, event_keys: Iterable[str]) -> list[HistoryItem]:
    """Add the chosen events of a confirmed record to the agency's draft return, as history items
    carrying the source system, the record and the agency's own reference. Events already in the
    return are not added twice."""
    check_not_destroyed(candidate.trawl.request.case_id)
    request = candidate.trawl.request
    check_researcher(actor, request)
    _check_request_open(request)
    if candidate.status != CandidateStatus.CONFIRMED:
        raise DomainError(NOT_CONFIRMED)
    keys = set(event_keys)
    if not keys:
        raise DomainError("Select at least one event to add to your return")
    try:
        record = fetch_records(candidate.source, candidate.load, [candidate.record_id]).get(
            candidate.record_id
        )
    except SourceUnavailable as error:
        raise DomainError(str(error)) from None
    if record is None:
        raise DomainError(f"{candidate.source.name} no longer holds record {candidate.record_id}")
    chosen = [e for e in record.events if e.key in keys]
    if len(chosen) != len(keys):
        raise DomainError("Some of the selected events are no longer in the agency's record; look again")
    already = set(
        request.history.filter(
            source_record_id=candidate.record_id, source_system=candidate.source.name
        ).values_list("event_key", flat=True)
    )
    today = timezone.localdate()
    items = []
    joined = 0
    with transaction.atomic():
        for event in chosen:
            if event.key in already:
                continue
            # The same incident found in another person's record (the father's and the child's) is
            # one event that concerns both, not a second row.
            found = (
                request.history.filter(source_system=candidate.source.name, event_key=event.key)
                .order_by("created_at")
                .first()
            )
            if found is not None:
                _also_concerns(actor, found, event, candidate.person)
                joined += 1
                continue
            item = HistoryItem.objects.create(
                request=request,
                occurred_on=min(event.occurred_on, today),
                kind=history_type(event, request.agency.kind),
                description=_description(event, candidate.person),
                significance=event.significance,
                source_reference=(event.source_reference or f"record {candidate.record_id}")[:100],
                source_system=candidate.source.name,
                source_record_id=candidate.record_id,
                trawl_candidate=candidate,
                event_key=event.key,
                created_by=actor.user,
            )
            item.subjects.add(candidate.person)
            items.append(item)
        audit_record(
            actor=actor,
            action=AuditAction.TRAWL_EVENTS_ADDED,
            obj=request,
            persons=[candidate.person_id],
            detail={
                "case": request.case.reference,
                "source": candidate.source.name,
                "record": candidate.record_id,
                "events": len(items),
                "already_in_return_for_another_person": joined,
            },
        )
    return items


def _about(event: SourceEvent, person: ReferralPerson) -> str:
    role = dict(event.details).get("role")
    about = f"{person.given_name} {person.family_name}".strip()
    return f"{about} ({role})" if role else about


def _description(event: SourceEvent, person: ReferralPerson) -> str:
    return f"{_about(event, person)}: {event.description}"


def _also_concerns(actor: Actor, item: HistoryItem, event: SourceEvent, person: ReferralPerson) -> None:
    """The event is in this person's record too: they become one of its subjects, and (unless the
    researcher has changed the words) the description names them beside the first person."""
    if item.subjects.filter(pk=person.pk).exists():
        return
    item.subjects.add(person)
    if item.edited:
        return  # the researcher's words stand; they may add this person's part by changing them
    prefix, sep, rest = item.description.partition(": ")
    if sep and rest == event.description:
        words = f"{prefix}; {_about(event, person)}: {rest}"
    else:
        words = f"{item.description} {_description(event, person)}"
    save_versioned(
        item,
        expected_version=item.version,
        values={"description": words},
        actor_user=actor.user,
    )


def _check_trawl_item(actor: Actor, item: HistoryItem, doing: str) -> None:
    check_not_destroyed(item.request.case_id)
    check_researcher(actor, item.request)
    _check_request_open(item.request)
    if not item.from_trawl:
        raise DomainError(f"Only events added from your agency's records are {doing} here")


def _audit_item(actor: Actor, item: HistoryItem, action: AuditAction, **detail: Any) -> None:
    audit_record(
        actor=actor,
        action=action,
        obj=item.request,
        persons=[p.pk for p in item.subjects.all()],
        detail={
            "case": item.request.case.reference,
            "source": item.source_system,
            "record": item.source_record_id,
            **detail,
        },
    )


def trawl_item_remove(*, actor: Actor, item: HistoryItem) -> None:
    """Take an event found by trawl out of a return that has not been submitted."""
    _check_trawl_item(actor, item, "removed")
    with transaction.atomic():
        _audit_item(actor, item, AuditAction.TRAWL_EVENT_REMOVED)
        item.delete()


NO_DESCRIPTION = "Enter what happened"
NO_SIGNIFICANCE = "Select how significant the event is"


def trawl_item_edit(
    *, actor: Actor, item: HistoryItem, expected_version: int, description: str, significance: str
) -> HistoryItem:
    """Change the words or significance of an event found by trawl before the return is shared: to
    leave out what is not relevant or proportionate (a third party's details, say). The system,
    record and reference stay; the item is marked edited, and the change is audited (what changed,
    not the words). Refused with `ConcurrentEditError` if someone saved the event after
    `expected_version`, so one researcher's redaction is never undone by another's older page."""
    _check_trawl_item(actor, item, "edited")
    description = description.strip()
    if not description:
        raise DomainError(NO_DESCRIPTION)
    if significance not in Significance.values:
        raise DomainError(NO_SIGNIFICANCE)
    if item.version != expected_version:
        raise ConcurrentEditError(CONCURRENT_EDIT)
    changed = [
        name
        for name, value in (("description", description), ("significance", significance))
        if getattr(item, name) != value
    ]
    if not changed:
        return item
    with transaction.atomic():
        save_versioned(
            item,
            expected_version=expected_version,
            values={"description": description, "significance": significance, "edited": True},
            actor_user=actor.user,
        )
        _audit_item(
            actor, item, AuditAction.TRAWL_EVENT_EDITED, reference=item.source_reference, changed=changed
        )
    return item


def latest_trawl(request: InformationRequest) -> Trawl | None:
    return request.trawls.first()
