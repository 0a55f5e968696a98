"""The trawl's search, run by the worker (`tasks.run_trawl`): every source of the agency for every
person on the case that the sharing gate allows, the candidates recorded with their evidence, and the
progress kept so the researcher can watch it. The services start a trawl and decide its candidates."""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from openmash.accounts.roles import Role
from openmash.audit.catalogue import AuditAction
from openmash.audit.services import audit_record
from openmash.consent.gate import Purpose
from openmash.consent.services import gate_check
from openmash.core.actor import Actor
from openmash.enquiries.models import InformationRequest
from openmash.linkage.engine import Candidate, SearchResult
from openmash.linkage.engine.search import query_rows
from openmash.referrals.models import ReferralPerson
from openmash.sources.index import SourceUnavailable, index_for
from openmash.sources.models import DataSource, LoadStatus, SourceLoad
from openmash.trawl.models import CandidateStatus, Trawl, TrawlCandidate, TrawlStatus

log = logging.getLogger(__name__)

#: Candidates proposed per person and source.
TOP = 5


def searchable_sources(request: InformationRequest) -> list[DataSource]:
    return list(
        DataSource.objects.filter(
            agency=request.agency, is_active=True, current_load__status=LoadStatus.LOADED
        ).select_related("current_load")
    )


def query_for(person: ReferralPerson) -> dict[str, object]:
    """The person as the engine's query record."""
    return {
        "record_id": str(person.pk),
        "given_name": person.given_name,
        "surname": person.family_name,
        "date_of_birth": person.date_of_birth,
        "sex": {"M": "male", "F": "female"}.get(person.sex),
        "postcode": person.postcode,
        "address": person.address,
        "nhs_number": person.nhs_number,
    }


def people_searched(trawl: Trawl) -> list[ReferralPerson]:
    """The people a trawl searches, in the order it searches them: those on the case when it started.
    Someone added while it runs waits for the next search (and a resumed trawl's count of people done
    still points at the same people)."""
    people = trawl.request.case.referral.people.filter(created_at__lte=trawl.created_at)
    return list(people.order_by("-is_subject", "family_name", "given_name", "pk"))


def searched_in(trawl: Trawl, person: ReferralPerson) -> bool:
    """Whether `trawl` looks (or looked) for `person`: they were on the case when it started."""
    return person.created_at <= trawl.created_at


def trawl_run(trawl: Trawl) -> Trawl:
    """Search every source for every person the gate allows; record candidates and progress.

    A trawl whose worker stopped part-way (see `trawls_resume_stalled`) carries on from the first
    person not yet searched: each person's candidates are written in one transaction with the count
    of people done, so nobody is searched twice and nothing is half-written."""
    if trawl.is_finished:
        return trawl
    request = trawl.request
    actor = Actor(user=trawl.started_by, role=Role.AGENCY_RESEARCHER.value)
    resumed = trawl.status == TrawlStatus.RUNNING
    now = timezone.now()
    Trawl.objects.filter(pk=trawl.pk).update(
        status=TrawlStatus.RUNNING,
        started_at=trawl.started_at or now,
        heartbeat_at=now,
        attempts=trawl.attempts + 1,
    )
    skip = trawl.people_done if resumed else 0
    sources = searchable_sources(request)
    people = people_searched(trawl)
    searched: list[dict[str, Any]] = (
        trawl.searched
        if resumed and trawl.searched
        else [
            {
                "source_id": str(s.pk),
                "source": s.name,
                "load": str(s.current_load_id),
                "records": s.current_load.records if s.current_load else 0,
            }
            for s in sources
        ]
    )
    refused: list[dict[str, str]] = list(trawl.refused) if resumed else []
    by_source = {entry["source_id"]: entry for entry in searched}
    decided = earlier_decisions(trawl)
    pool = ThreadPoolExecutor(max_workers=search_threads(len(sources)), thread_name_prefix="trawl-search")
    try:
        for done, person in enumerate(people, start=1):
            if done <= skip:
                continue  # searched before the worker stopped
            with transaction.atomic():
                decision = gate_check(
                    actor=actor,
                    case=request.case,
                    agency=request.agency,
                    purpose=Purpose.SEARCH,
                    person=person,
                )
                if not decision.allowed:
                    refused.append({"person": str(person.pk), "name": str(person), "reason": decision.reason})
                else:
                    outcome = _search_person(actor, trawl, person, sources, decided, pool)
                    for source_id, problem in outcome.unavailable.items():
                        if source_id in by_source:
                            by_source[source_id]["unavailable"] = problem
                    for source_id, found in outcome.found.items():
                        if source_id in by_source:
                            entry = by_source[source_id]
                            entry["people_done"] = entry.get("people_done", 0) + 1
                            entry["candidates"] = entry.get("candidates", 0) + found
                Trawl.objects.filter(pk=trawl.pk).update(
                    people_done=done, searched=searched, refused=refused, heartbeat_at=timezone.now()
                )
    except Exception as error:  # noqa: BLE001 - the researcher sees the trawl failed and can run it again
        log.exception("trawl %s failed", trawl.pk)
        Trawl.objects.filter(pk=trawl.pk).update(
            status=TrawlStatus.FAILED,
            finished_at=timezone.now(),
            error=f"{type(error).__name__}: {error}"[:2000],
        )
    else:
        Trawl.objects.filter(pk=trawl.pk).update(status=TrawlStatus.DONE, finished_at=timezone.now())
    finally:
        pool.shutdown(wait=True)
    trawl.refresh_from_db()
    return trawl


#: (person, source, record) -> the candidate whose decision a new search keeps.
Decided = dict[tuple[Any, Any, str], TrawlCandidate]


def earlier_decisions(trawl: Trawl) -> Decided:
    """What researchers last decided, in earlier searches of this request, about each record for each
    person: the newest search that proposed the record counts (an undone decision leaves the record
    to review). One query for the whole trawl."""
    latest: Decided = {}
    earlier = (
        TrawlCandidate.objects.filter(trawl__request_id=trawl.request_id)
        .exclude(trawl=trawl)
        .order_by("trawl__created_at", "created_at")
    )
    for candidate in earlier:
        latest[(candidate.person_id, candidate.source_id, candidate.record_id)] = candidate
    return {key: c for key, c in latest.items() if c.status != CandidateStatus.PROPOSED}


def search_threads(sources: int) -> int:
    """Threads searching one person's sources at once: TRAWL_SEARCH_THREADS, else one per core up
    to four, and never more than there are sources."""
    configured = int(settings.TRAWL_SEARCH_THREADS)
    wanted = configured if configured > 0 else min(4, os.cpu_count() or 1)
    return max(1, min(wanted, sources))


@dataclass
class _Outcome:
    found: dict[str, int] = field(default_factory=dict)
    """Per source searched, the candidates proposed."""
    unavailable: dict[str, str] = field(default_factory=dict)
    """Per source that could not be searched, why."""


def _search_person(
    actor: Actor,
    trawl: Trawl,
    person: ReferralPerson,
    sources: Sequence[DataSource],
    decided: Decided,
    pool: ThreadPoolExecutor,
) -> _Outcome:
    """Search every source for the person; reports the candidates per source and the sources that
    could not be searched, and why (the researcher is told: "no candidates" must never stand in for
    "not searched"). The sources are searched at once on ``pool`` (the indexes are read-only and
    shared); candidates are written here, in the caller's transaction, in the sources' order."""
    outcome = _Outcome()
    query = query_rows([query_for(person)])[0]
    searches: list[tuple[DataSource, SourceLoad, Future[SearchResult]]] = []
    for source in sources:
        load = source.current_load
        assert load is not None  # noqa: S101 - searchable_sources() keeps loaded sources only
        try:
            index = index_for(load)
        except SourceUnavailable as error:
            outcome.unavailable[str(source.pk)] = str(error)
            continue
        searches.append(
            (source, load, pool.submit(index.search_features, query, top=TOP, threshold=source.threshold))
        )
    found = carried = 0
    with transaction.atomic():
        for source, load, future in searches:
            result = future.result()
            outcome.found[str(source.pk)] = len(result.candidates)
            for candidate in result.candidates:
                before = decided.get((person.pk, source.pk, candidate.record_id))
                TrawlCandidate.objects.create(
                    trawl=trawl,
                    person=person,
                    source=source,
                    load=load,
                    record_id=candidate.record_id,
                    rank=candidate.rank,
                    match_probability=candidate.match_probability,
                    match_weight=candidate.match_weight,
                    evidence=evidence_of(candidate),
                    created_by=actor.user,
                    # A search again keeps what a researcher already decided about the same record.
                    status=before.status if before else CandidateStatus.PROPOSED,
                    decided_by_id=before.decided_by_id if before else None,
                    decided_at=before.decided_at if before else None,
                    reason=before.reason if before else "",
                    carried_from=before,
                )
                found += 1
                carried += before is not None
        unavailable = outcome.unavailable
        audit_record(
            actor=actor,
            action=AuditAction.TRAWL_SEARCHED,
            obj=trawl.request,
            persons=[person.pk],
            detail={
                "case": trawl.request.case.reference,
                "sources": [s.name for s in sources if str(s.pk) not in unavailable],
                "not_searched": [s.name for s in sources if str(s.pk) in unavailable],
                "candidates": found,
                "decisions_kept": carried,
            },
        )
    return outcome


COMPARISON_LABELS = {
    "given_name": "Given name",
    "surname": "Surname",
    "date_of_birth": "Date of birth",
    "location": "Address and postcode",
    "sex": "Sex",
    "nhs_number": "NHS number",
    "other_id": "Other identifier",
}


def _level_text(level: str, index: int) -> str:
    if index == 0:
        return "Not recorded on one side"
    if level == "all other":
        return "Different"
    if level == "exact":
        return "Same"
    level = _PLAIN_LEVELS.get(level, level)
    return level[0].upper() + level[1:]


#: Comparison levels in words a researcher reads without knowing string metrics.
_PLAIN_LEVELS = {
    "Jaro-Winkler >= 0.92": "very similar spelling",
    "Jaro-Winkler >= 0.80": "similar spelling",
}


def evidence_of(candidate: Candidate) -> list[dict[str, object]]:
    """The candidate's evidence as stored and shown: per field, what was compared and its weight."""
    return [
        {
            "comparison": e.comparison,
            "label": COMPARISON_LABELS.get(e.comparison, e.comparison.replace("_", " ").capitalize()),
            "level_text": _level_text(e.level, e.level_index),
            "direction": "for" if e.match_weight > 0.05 else "against" if e.match_weight < -0.05 else "none",
            "level": e.level,
            "level_index": e.level_index,
            "weight": round(e.match_weight, 3),
            "tf_adjustment": round(e.tf_adjustment, 3),
            "query": e.query_value,
            "record": e.record_value,
        }
        for e in candidate.evidence
    ]


#: A trawl whose worker stopped is started again this many times at most, then marked failed.
MAX_TRAWL_ATTEMPTS = 3


def trawls_stalled(*, now: datetime | None = None) -> tuple[list[Trawl], list[Trawl]]:
    """Trawls whose worker stopped: running, with no sign of progress for TRAWL_STALE_MINUTES.
    Returns (to resume, given up): one tried MAX_TRAWL_ATTEMPTS times is marked failed with the
    reason, so the researcher can run it again."""
    now = now or timezone.now()
    minutes = int(settings.TRAWL_STALE_MINUTES)
    cutoff = now - timedelta(minutes=minutes)
    resume, given_up = [], []
    running = Trawl.objects.filter(status=TrawlStatus.RUNNING).select_related(
        "request__case__referral", "request__agency", "started_by"
    )
    for trawl in running:
        seen = trawl.heartbeat_at or trawl.started_at or trawl.created_at
        if seen > cutoff:
            continue
        if trawl.attempts >= MAX_TRAWL_ATTEMPTS:
            Trawl.objects.filter(pk=trawl.pk, status=TrawlStatus.RUNNING).update(
                status=TrawlStatus.FAILED,
                finished_at=now,
                error=f"The search stopped {trawl.attempts} times without finishing; run it again.",
            )
            given_up.append(trawl)
        else:
            resume.append(trawl)
    return resume, given_up
