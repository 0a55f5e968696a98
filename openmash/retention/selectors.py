"""When each closed case is due for destruction, and what the information governance pages list.

`destruction_due_on` is the one place the answer is made: the latest of nothing, the earliest date any
clause gives. A clause is a function of the case and the hub's rules that returns a date, or None when
it does not apply: the retention rule for the kind of case, counted from closure; and the early-help
rule that the hub's collated record is destroyed once the keyworker has it.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone

from openmash.cases.models import Case, CaseStatus, Route
from openmash.core.codes import ContactOutcome
from openmash.decisions.models import Decision
from openmash.hub.models import HubConfiguration
from openmash.hub.selectors import hub_configuration
from openmash.retention.models import (
    DEFAULT_MONTHS,
    DestructionRecord,
    LegalHold,
    RecordKind,
    RetentionRule,
)


def retention_rules() -> dict[str, RetentionRule]:
    """The hub's rule for each kind of case: its own where it set one, else the default (unsaved)."""
    saved = {rule.kind: rule for rule in RetentionRule.objects.all()}
    return {
        kind: saved.get(kind) or RetentionRule(kind=kind, months=DEFAULT_MONTHS[kind], version=0)
        for kind in RecordKind.values
    }


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later (the month's last day where it is shorter)."""
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _decision(case: Case) -> Decision | None:
    try:
        return case.decision
    except Decision.DoesNotExist:
        return None


def retention_kind(case: Case) -> RecordKind:
    """Which retention rule a closed case falls under, from its decision or, without one, its route."""
    if case.screened_at is None:
        return RecordKind.NEVER_SCREENED
    if case.handed_over_at is not None:  # an early-help hub's product, handed to the keyworker
        return RecordKind.EARLY_HELP
    decision = _decision(case)
    if decision is not None:
        if decision.contact_outcome == ContactOutcome.EARLY_HELP:
            return RecordKind.EARLY_HELP
        if decision.contact_outcome == ContactOutcome.CIN_REFERRAL:
            return RecordKind.SOCIAL_CARE
        return RecordKind.CONTACT_NFA
    if case.route == Route.EARLY_HELP:
        return RecordKind.EARLY_HELP
    if case.route == Route.STRATEGY_DISCUSSION:
        return RecordKind.SOCIAL_CARE
    return RecordKind.CONTACT_NFA


@dataclass(frozen=True, slots=True)
class RetentionContext:
    """What the clauses may read besides the case: the hub's rules and its configuration."""

    rules: dict[str, RetentionRule]
    config: HubConfiguration


Clause = Callable[[Case, RetentionContext], date | None]


def closure_rule(case: Case, context: RetentionContext) -> date | None:
    """The retention rule for the kind of case, counted from the day it closed."""
    if case.closed_at is None:
        return None
    months = context.rules[retention_kind(case)].months
    return add_months(timezone.localdate(case.closed_at), months)


def keyworker_rule(case: Case, context: RetentionContext) -> date | None:
    """The early-help rule (the hub's `destroy_record_on_keyworker`): once the keyworker has received
    the collated product, the hub's copy is not kept: due the day it was handed over."""
    if not context.config.destroy_record_on_keyworker or case.handed_over_at is None:
        return None
    return timezone.localdate(case.handed_over_at)


#: Every clause that can make a closed case due; the earliest date wins.
CLAUSES: tuple[Clause, ...] = (closure_rule, keyworker_rule)


def destruction_due_on(
    case: Case, context: RetentionContext, clauses: Iterable[Clause] = CLAUSES
) -> date | None:
    """The day a case's personal data is due for destruction: the earliest any clause gives. None while
    the case is open (only closed cases are ever destroyed). Legal holds are not counted here: a held
    case keeps its due date, and the sweep passes it by (see `retention_schedule`)."""
    if case.status != CaseStatus.CLOSED:
        return None
    dates = [d for d in (clause(case, context) for clause in clauses) if d is not None]
    return min(dates, default=None)


def retention_context() -> RetentionContext:
    return RetentionContext(rules=retention_rules(), config=hub_configuration())


@dataclass(frozen=True, slots=True)
class Due:
    case: Case
    kind: RecordKind
    due_on: date
    hold: LegalHold | None

    @property
    def overdue(self) -> bool:
        return self.due_on <= timezone.localdate()


def _closed_not_destroyed() -> QuerySet[Case]:
    return (
        Case.objects.filter(status=CaseStatus.CLOSED, destruction__isnull=True)
        .select_related("referral", "level", "decision")
        .order_by("closed_at")
    )


def retention_schedule(*, until: date | None = None, context: RetentionContext | None = None) -> list[Due]:
    """Closed cases not yet destroyed, with the day each is due, earliest first; ``until``: only those
    due by then. Held cases are listed with their hold (the sweep never destroys them)."""
    context = context or retention_context()
    rows = _closed_not_destroyed()
    if until is not None:
        # No case closed after this can be due by `until` under the closure rule; the keyworker rule
        # can make a case due the day it was handed over.
        shortest = min(rule.months for rule in context.rules.values())
        window = Q(closed_at__date__lte=add_months(until, -shortest) + timedelta(days=1))
        if context.config.destroy_record_on_keyworker:
            window |= Q(handed_over_at__date__lte=until)
        rows = rows.filter(window)
    holds = {
        h.case_id: h for h in LegalHold.objects.filter(lifted_at__isnull=True).select_related("placed_by")
    }
    schedule = []
    for case in rows.iterator(chunk_size=2000):
        due_on = destruction_due_on(case, context)
        if due_on is None or (until is not None and due_on > until):
            continue
        schedule.append(Due(case=case, kind=retention_kind(case), due_on=due_on, hold=holds.get(case.pk)))
    schedule.sort(key=lambda d: (d.due_on, d.case.reference))
    return schedule


def cases_due(today: date | None = None) -> list[Due]:
    """The cases the sweep destroys today: due by today and not held."""
    return [d for d in retention_schedule(until=today or timezone.localdate()) if d.hold is None]


def holds_active() -> QuerySet[LegalHold]:
    return LegalHold.objects.filter(lifted_at__isnull=True).select_related("case", "placed_by")


def destruction_records() -> QuerySet[DestructionRecord]:
    return DestructionRecord.objects.all()
