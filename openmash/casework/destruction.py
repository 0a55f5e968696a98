"""Destroying a closed case's personal data once the hub's retention rules say so, and the daily sweep.

`case_destroy` removes the personal data from every table that holds it, in one durable transaction,
and leaves a destruction record (a tombstone without personal data) plus the rows the performance
figures and statutory returns count, emptied of everything personal: the case (reference, dates, level,
RAG, route), the referral (reference, dates, source and concern codes), its people (no name, date of
birth, NHS number, address or school: only whether each was a subject and their relationship code),
the requests to agencies (agency, dates, status) and the decision (outcome codes). Rows that are only
personal data go: history items, trawl candidates with their evidence, relationships, households,
identifiers, addresses. The notes of the case's audit events (reasons, names) are erased; the events
themselves, which carry no personal data, stay and the chain still verifies. E-mail files written for
the case (the demo and development write e-mails to files) are deleted once the transaction commits.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count, F, Max, Model, QuerySet
from django.tasks import TaskResult, task
from django.utils import timezone

from openmash.audit.catalogue import AuditAction
from openmash.audit.services import audit_notes_erase, audit_record
from openmash.cases.models import Case, CaseEvent, CaseStatus
from openmash.consent.models import ConsentRecord, Disclosure, LawfulBasisDecision
from openmash.core.actor import Actor
from openmash.core.codes import ContactOutcome
from openmash.core.errors import DomainError
from openmash.core.tasks import run_then_repeat, schedule_repeat
from openmash.decisions.models import Action, AgencyView, Challenge, Decision, OutcomeChallenge
from openmash.enquiries.models import HistoryItem, InformationRequest
from openmash.feedback.models import OutcomeNotification, Recipient
from openmash.hub.selectors import hub_configuration
from openmash.meetings.models import AgendaItem
from openmash.people.models import (
    Household,
    PersonAddition,
    PersonAddress,
    PersonIdentifier,
    PersonRelationship,
)
from openmash.referrals.models import REREFERRAL_WINDOW, Referral, ReferralPerson
from openmash.retention.models import DestructionRecord, DestructionRule, LegalHold, RequestTombstone
from openmash.retention.selectors import (
    Due,
    cases_due,
    destruction_due_on,
    keyworker_rule,
    retention_context,
    retention_kind,
)
from openmash.teams.models import Routing
from openmash.trawl.models import CandidateStatus, Trawl, TrawlCandidate

log = logging.getLogger(__name__)

SWEEP_LOCK_KEY = 7_041_966  # PostgreSQL advisory lock: one scheduler decides at a time
NOT_CLOSED = "Only a closed case is destroyed"
HELD = "This case is under a legal hold: it is not destroyed while the hold is on"
ALREADY = "This case's personal data has already been destroyed"
NOT_DUE = "This case is not yet due for destruction under the hub's retention rules"
ERASED = "[destroyed]"


def _ids(rows: Iterable[Model]) -> list[str]:
    return [str(r.pk) for r in rows]


def _empty(model: type[Model], rows: Any, **blank: Any) -> int:
    """Empty the personal fields of these rows (an UPDATE, no save(): nothing else changes)."""
    return int(model._default_manager.filter(pk__in=list(rows)).update(**blank))


def mail_files(references: Iterable[str]) -> list[Path]:
    """E-mail files on disk (the file-based mail backend) that mention any of these references."""
    mailer: dict[str, Any] = dict(getattr(settings, "MAILERS", {}).get("default", {}))
    if not str(mailer.get("BACKEND", "")).endswith("filebased.EmailBackend"):
        return []
    options: dict[str, Any] = dict(mailer.get("OPTIONS", {}))
    folder = Path(str(options.get("file_path", "")))
    if not folder.is_dir():
        return []
    wanted = [r.encode() for r in references if r]
    found = []
    for path in sorted(folder.iterdir()):
        if path.is_file() and any(ref in path.read_bytes() for ref in wanted):
            found.append(path)
    return found


def _remove_files(paths: list[Path]) -> None:
    for path in paths:
        path.unlink(missing_ok=True)
    if paths:
        log.info("removed %d e-mail files of a destroyed case", len(paths))


def _agency_counts(case: Case) -> list[dict[str, Any]]:
    rows = (
        InformationRequest.objects.filter(case=case)
        .select_related("agency")
        .annotate(items=Count("history"))
        .order_by("agency__name", "sent_at")
    )
    return [
        {
            "agency": r.agency.name,
            "kind": r.agency.kind,
            "status": r.status,
            "returned": r.returned_at is not None,
            "history_items": r.items,
        }
        for r in rows
    ]


def case_destroy(*, actor: Actor, case: Case, today: date | None = None) -> DestructionRecord:
    """Destroy one closed case's personal data, if it is due and not held; return its destruction record."""
    today = today or timezone.localdate()
    with transaction.atomic(durable=True):
        case = (
            Case.objects.select_for_update(of=("self",)).select_related("referral", "level").get(pk=case.pk)
        )
        if DestructionRecord.objects.filter(case=case).exists():
            raise DomainError(ALREADY)
        if case.status != CaseStatus.CLOSED:
            raise DomainError(NOT_CLOSED)
        if LegalHold.objects.filter(case=case, lifted_at__isnull=True).exists():
            raise DomainError(HELD)
        context = retention_context()
        due_on = destruction_due_on(case, context)
        if due_on is None or due_on > today:
            raise DomainError(NOT_DUE)
        kind = retention_kind(case)
        if keyworker_rule(case, context) == due_on:
            rule, months = DestructionRule.KEYWORKER, None
        else:
            rule, months = DestructionRule.RETENTION_PERIOD, context.rules[kind].months
        record = _tombstone(actor, case, kind=kind, rule=rule, months=months, due_on=due_on)
        removed, object_ids = _destroy_rows(case)
        removed["audit_notes"] = audit_notes_erase(object_ids=object_ids)
        files = mail_files([case.reference, case.referral.reference])
        removed["mail_files"] = len(files)
        DestructionRecord.objects.filter(pk=record.pk).update(removed=dict(sorted(removed.items())))
        record.refresh_from_db()
        audit_record(
            actor=actor,
            action=AuditAction.CASE_DESTROYED,
            obj=case,
            detail={
                "case": case.reference,
                "rule": kind.value,
                "due_on": due_on.isoformat(),
                "removed": removed,
            },
        )
        transaction.on_commit(lambda: _remove_files(files), robust=True)
    return record


def _counted_earlier(referral: Referral) -> QuerySet[Any]:
    """This referral's links to earlier referrals that count: to children's social care, in the 365 days
    before it (re-referrals, Annex A's "Number of Referrals in Last 12 Months")."""
    return Referral.earlier_referrals.through.objects.filter(
        from_referral=referral,
        to_referral__received_at__lt=referral.received_at,
        to_referral__received_at__gte=referral.received_at - REREFERRAL_WINDOW,
        to_referral__case__decision__contact_outcome=ContactOutcome.CIN_REFERRAL,
    )


def _keep_counts_of_cut_links(case: Case) -> None:
    """Destruction cuts the links between a family's referrals; each link that counted is kept as a
    count on the later referral (`earlier_referrals_destroyed`), without saying which it was."""
    referral = case.referral
    own = _counted_earlier(referral).count()
    if own:
        Referral.objects.filter(pk=referral.pk).update(
            earlier_referrals_destroyed=F("earlier_referrals_destroyed") + own
        )
    if Decision.objects.filter(case=case, contact_outcome=ContactOutcome.CIN_REFERRAL).exists():
        Referral.objects.filter(
            pk__in=referral.later_referrals.filter(
                received_at__gt=referral.received_at,
                received_at__lte=referral.received_at + REREFERRAL_WINDOW,
            ).values("pk")
        ).update(earlier_referrals_destroyed=F("earlier_referrals_destroyed") + 1)


def _subject_ages(referral: Referral) -> dict[str, int]:
    """Each child's age in whole years on the day the referral arrived (for Annex A, once the date of
    birth is gone)."""
    on = timezone.localdate(referral.received_at)
    ages: dict[str, int] = {}
    for pk, born in ReferralPerson.objects.filter(referral=referral, is_subject=True).values_list(
        "pk", "date_of_birth"
    ):
        if born is not None:
            ages[str(pk)] = on.year - born.year - ((on.month, on.day) < (born.month, born.day))
    return ages


def _request_tombstones(record: DestructionRecord, case: Case) -> None:
    """Per request, what the contributions measure counted in rows destruction removes."""
    requests = (
        InformationRequest.objects.filter(case=case)
        .annotate(
            n_history=Count("history", distinct=True),
            n_trawls=Count("trawls", distinct=True),
            last_trawl=Max("trawls__created_at"),
        )
        .order_by("sent_at")
    )
    confirmed: dict[Any, dict[str, Any]] = {
        r["trawl__request_id"]: dict(r)
        for r in TrawlCandidate.objects.filter(trawl__request__case=case, status=CandidateStatus.CONFIRMED)
        .values("trawl__request_id")
        .annotate(n=Count("pk"), last=Max("decided_at"))
        .order_by()
    }
    RequestTombstone.objects.bulk_create(
        [
            RequestTombstone(
                record=record,
                request=r,
                history_items=r.n_history,
                trawls=r.n_trawls,
                trawled_at=r.last_trawl,
                matches_confirmed=confirmed.get(r.pk, {}).get("n", 0),
                confirmed_at=confirmed.get(r.pk, {}).get("last"),
            )
            for r in requests
        ]
    )


def _tombstone(
    actor: Actor, case: Case, *, kind: str, rule: str, months: int | None, due_on: date
) -> DestructionRecord:
    decision = Decision.objects.filter(case=case).first()
    people = list(ReferralPerson.objects.filter(referral=case.referral).values_list("is_subject", flat=True))
    _keep_counts_of_cut_links(case)
    cut = Referral.objects.filter(pk=case.referral.pk).values_list("earlier_referrals_destroyed", flat=True)
    record = DestructionRecord.objects.create(
        case=case,
        case_reference=case.reference,
        referral_reference=case.referral.reference,
        received_at=case.referral.received_at,
        screened_at=case.screened_at,
        closed_at=case.closed_at,
        destroyed_at=timezone.now(),
        hub_model=hub_configuration().hub_model,
        level=case.level.number if case.level else None,
        rag=case.rag,
        route=case.route,
        outcome=decision.outcome if decision else "",
        contact_outcome=decision.contact_outcome if decision else "",
        referral_outcome=decision.referral_outcome if decision else "",
        source=case.referral.source,
        kind=kind,
        rule=rule,
        months=months,
        due_on=due_on,
        people=len(people),
        subjects=sum(people),
        agencies=_agency_counts(case),
        subject_ages=_subject_ages(case.referral),
        referrals_in_last_12_months=cut.get(),
        destroyed_by=actor.label,
        created_by=actor.user,
    )
    _request_tombstones(record, case)
    return record


def _destroy_rows(case: Case) -> tuple[dict[str, int], set[str]]:
    """Remove or empty every row of the case that holds personal data. Returns the counts by kind of
    record, and the primary keys of every object of the case (to find its audit notes)."""
    removed: Counter[str] = Counter()
    referral = case.referral
    people = list(ReferralPerson.objects.filter(referral=referral))
    person_ids = [p.pk for p in people]
    requests = list(InformationRequest.objects.filter(case=case))
    decision = Decision.objects.filter(case=case).first()
    groups: dict[str, list[Model]] = {
        "history_items": list(HistoryItem.objects.filter(request__case=case)),
        "trawls": list(Trawl.objects.filter(request__case=case)),
        "trawl_candidates": list(TrawlCandidate.objects.filter(trawl__request__case=case)),
        "relationships": list(PersonRelationship.objects.filter(case=case)),
        "households": list(Household.objects.filter(case=case)),
        "people_added": list(PersonAddition.objects.filter(case=case)),
        "identifiers": list(PersonIdentifier.objects.filter(person_id__in=person_ids)),
        "addresses": list(PersonAddress.objects.filter(person_id__in=person_ids)),
    }
    kept: dict[str, list[Model]] = {
        "case_events": list(CaseEvent.objects.filter(case=case)),
        "notices": list(OutcomeNotification.objects.filter(case=case)),
        "consents": list(ConsentRecord.objects.filter(case=case)),
        "lawful_bases": list(LawfulBasisDecision.objects.filter(case=case)),
        "agenda_items": list(AgendaItem.objects.filter(case=case)),
        "legal_holds": list(LegalHold.objects.filter(case=case)),
    }
    if decision is not None:
        kept["agency_views"] = list(AgencyView.objects.filter(decision=decision))
        kept["challenges"] = list(Challenge.objects.filter(decision=decision))
        kept["outcome_challenges"] = list(OutcomeChallenge.objects.filter(decision=decision))
        kept["actions"] = list(Action.objects.filter(decision=decision))
    object_ids = {str(case.pk), str(referral.pk), *_ids(people), *_ids(requests)}
    if decision is not None:
        object_ids.add(str(decision.pk))
    for rows in (*groups.values(), *kept.values()):
        object_ids.update(_ids(rows))

    # Rows that are nothing but personal data: removed (children before parents).
    for name in (
        "history_items",
        "trawl_candidates",
        "trawls",
        "relationships",
        "households",
        "people_added",
    ):
        rows = groups[name]
        if rows:
            type(rows[0])._default_manager.filter(pk__in=[r.pk for r in rows]).delete()
        removed[name] = len(rows)
    for name in ("identifiers", "addresses"):
        rows = groups[name]
        if rows:
            type(rows[0])._default_manager.filter(pk__in=[r.pk for r in rows]).delete()
        removed[name] = len(rows)

    # Rows the figures count: kept, emptied of everything personal.
    removed["people"] = _empty(
        ReferralPerson,
        person_ids,
        given_name="",
        family_name="",
        date_of_birth=None,
        date_of_death=None,
        address="",
        postcode="",
        nhs_number="",
        school="",
    )
    _empty(
        Referral,
        [referral.pk],
        referrer_name=ERASED,
        referrer_organisation=ERASED,
        referrer_job_title="",
        referrer_email="",
        referrer_phone="",
        concerns=ERASED,
    )
    referral.earlier_referrals.clear()
    referral.later_referrals.clear()
    _empty(Case, [case.pk], rag_reason="", screening_notes="")
    _empty(CaseEvent, [r.pk for r in kept["case_events"]], reason="")
    removed["returns"] = _empty(
        InformationRequest,
        [r.pk for r in requests],
        summary="",
        risk_factors="",
        protective_factors="",
        blocked_reason="",
        unblock_hint="",
        ended_reason="",
    )
    if decision is not None:
        removed["decisions"] = _empty(
            Decision,
            [decision.pk],
            rationale=ERASED,
            information_considered="",
            participants="",
            proceed_reason="",
            other_service="",
        )
        _empty(AgencyView, [r.pk for r in kept["agency_views"]], comment="")
        removed["challenges"] = _empty(
            Challenge, [r.pk for r in kept["challenges"]], challenge=ERASED, resolution="", escalated_to=""
        )
        removed["challenges"] += _empty(
            OutcomeChallenge, [r.pk for r in kept["outcome_challenges"]], reasons=ERASED, answer=""
        )
        _empty(Action, [r.pk for r in kept["actions"]], description=ERASED, owner="")
    _empty(
        OutcomeNotification,
        [n.pk for n in kept["notices"] if n.recipient == Recipient.REFERRER],  # type: ignore[attr-defined]
        email="",
    )
    _empty(OutcomeNotification, [n.pk for n in kept["notices"]], error="", given_up_reason="")
    removed["consents"] = _empty(ConsentRecord, [r.pk for r in kept["consents"]], withdrawal_note="")
    _empty(LawfulBasisDecision, [r.pk for r in kept["lawful_bases"]], reason=ERASED)
    removed["disclosure_log"] = Disclosure.objects.filter(case=case).update(
        item_summary=ERASED, reason="", to_description=ERASED
    )
    _empty(LegalHold, [r.pk for r in kept["legal_holds"]], reason=ERASED, lift_reason="")
    # A specialist team's reason for sending the case back may describe the family.
    Routing.objects.filter(case=case).exclude(sent_back_reason="").update(sent_back_reason=ERASED)
    return dict(removed), object_ids


# The sweep ------------------------------------------------------------------------------------------------


@dataclass
class SweepResult:
    due: list[Due]
    destroyed: list[DestructionRecord] = field(default_factory=list)
    refused: list[tuple[Due, str]] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.destroyed)


def retention_sweep(
    *, actor: Actor | None = None, today: date | None = None, dry_run: bool = False
) -> SweepResult:
    """Destroy every closed case due by ``today`` and not held, each in its own transaction; with
    ``dry_run``, only say which. A case that cannot be destroyed is reported and the sweep goes on."""
    actor = actor or Actor.system("retention_sweep")
    today = today or timezone.localdate()
    result = SweepResult(due=cases_due(today))
    if dry_run:
        return result
    for due in result.due:
        try:
            result.destroyed.append(case_destroy(actor=actor, case=due.case, today=today))
        except DomainError as refusal:
            result.refused.append((due, str(refusal)))
    return result


@task
def sweep_retention() -> int:
    """Destroy the cases due today, then queue tomorrow's sweep."""
    return run_then_repeat(
        lambda: retention_sweep(),
        schedule=schedule_retention_sweep,
        seconds=settings.RETENTION_SWEEP_SECONDS,
        done="destroyed the personal data of %d closed cases under the retention rules",
    )


def schedule_retention_sweep(*, delay: timedelta | None = None) -> TaskResult | None:
    return schedule_repeat(sweep_retention, lock_key=SWEEP_LOCK_KEY, delay=delay)
