"""Reads for the case pages and homes: rows for queues and lists, working time in plain words, and the
referrals a referrer made. Who may see which case is the access policy's answer
(`openmash.access.policy`), never this module's."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Exists, Model, OuterRef, Prefetch, QuerySet, prefetch_related_objects
from django.utils import timezone

from openmash.accounts.models import User
from openmash.accounts.roles import Role
from openmash.audit.catalogue import AuditAction
from openmash.audit.services import audit_record
from openmash.cases.models import Case, CaseStatus
from openmash.core.actor import Actor
from openmash.core.worktime import WorkingCalendar
from openmash.hub.calendar_format import format_deadline
from openmash.hub.selectors import hub_calendar
from openmash.referrals.models import Referral, ReferralPerson

RERATABLE = frozenset({CaseStatus.INFORMATION_GATHERING, CaseStatus.READY_FOR_DECISION})
DECIDABLE = RERATABLE
STATUS_TAGS = {
    CaseStatus.NEW: "govuk-tag--blue",
    CaseStatus.INFORMATION_GATHERING: "govuk-tag--yellow",
    CaseStatus.READY_FOR_DECISION: "govuk-tag--turquoise",
    CaseStatus.DECIDED: "govuk-tag--green",
    CaseStatus.CLOSED: "govuk-tag--grey",
}


def referrals_made_by(user: object) -> QuerySet[Referral]:
    if not isinstance(user, User) or not user.has_role(Role.REFERRER):
        return Referral.objects.none()
    return Referral.objects.filter(made_by=user).select_related("case").order_by("-received_at")


# Working time in plain words ------------------------------------------------------------------


def plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def describe_working_time(elapsed: timedelta, day_length: timedelta) -> str:
    """'25 minutes', '3 hours', '1 day 2 hours': a working day is the hub's day, not 24 hours."""
    minutes = int(elapsed.total_seconds() // 60)
    if minutes <= 0:
        return "No working time yet"
    if minutes < 60:
        return plural(minutes, "minute")
    days, rest = divmod(minutes, int(day_length.total_seconds() // 60))
    parts = []
    if days:
        parts.append(plural(days, "day"))
    if rest // 60:
        parts.append(plural(rest // 60, "hour"))
    return " ".join(parts)


def waiting_for(received_at: datetime, now: datetime, calendar: WorkingCalendar) -> str:
    return describe_working_time(
        calendar.working_time_between(received_at, now), calendar.working_day_length()
    )


# Rows for queues and lists ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CaseRow:
    case: Case
    children: str
    received: str
    waiting: str
    decision_due: str
    overdue: bool
    rereferral: bool
    status_tag: str


def with_list_data(cases: QuerySet[Case]) -> QuerySet[Case]:
    """The children's names and whether the referral repeats an earlier one, in two queries."""
    earlier = Referral.earlier_referrals.through.objects.filter(from_referral=OuterRef("referral_id"))
    return (
        cases.select_related("referral", "level")
        .prefetch_related(
            Prefetch(
                "referral__people",
                queryset=ReferralPerson.objects.filter(is_subject=True),
                to_attr="subjects",
            )
        )
        .annotate(is_rereferral=Exists(earlier))
    )


def earlier_referrals(referral: Referral) -> list[Referral]:
    """The child's earlier referrals, newest first, each with its case and decision, loaded once for the
    referral panel and the re-referral warning."""
    prefetch_related_objects(
        [referral],
        Prefetch(
            "earlier_referrals",
            queryset=Referral.objects.select_related("case__decision").order_by("-received_at"),
        ),
    )
    return list(referral.earlier_referrals.all())


def children_of(case: Case) -> str:
    subjects = getattr(case.referral, "subjects", None)
    if subjects is None:  # from the people the page loaded already, when it did
        subjects = [p for p in case.referral.people.all() if p.is_subject]
    return ", ".join(str(p) for p in subjects) or "No one named"


def case_rows(cases: Iterable[Case], *, now: datetime | None = None) -> list[CaseRow]:
    now = now or timezone.now()
    calendar = hub_calendar()
    rows = []
    for case in cases:
        open_ = case.status in (CaseStatus.NEW, *RERATABLE)
        rows.append(
            CaseRow(
                case=case,
                children=children_of(case),
                received=format_deadline(case.referral.received_at),
                waiting=waiting_for(case.referral.received_at, now, calendar),
                decision_due=format_deadline(case.decision_due_at),
                overdue=open_ and case.decision_due_at < now,
                rereferral=bool(getattr(case, "is_rereferral", False)),
                status_tag=STATUS_TAGS[CaseStatus(case.status)],
            )
        )
    return rows


def audit_list(actor: Actor, *, queue: str, cases: Sequence[Case], **detail: object) -> None:
    """Lists name children: who saw which, on which list, is recorded like any other read."""
    persons = [str(p.pk) for c in cases for p in getattr(c.referral, "subjects", [])]
    audit_record(
        actor=actor,
        action=AuditAction.QUEUE_VIEWED,
        object_type="cases.case",
        persons=persons,
        detail={"queue": queue, "cases": [c.reference for c in cases], **detail},
    )


# The case page -------------------------------------------------------------------------------------


def _related(model: type[Model], name: str) -> type[Model]:
    """The model at the other end of ``name``, without importing the app that defines it."""
    related = model._meta.get_field(name).related_model
    if not isinstance(related, type):
        raise TypeError(f"{model.__name__}.{name} is not a relation")
    return related


def with_page_data(case: Case) -> Case:
    """Load, in one query each, what the case page's partials show for every request, the decision and
    every outcome notice (agencies, history, views, challenges, actions), so that the page costs the same
    number of queries however many agencies were asked."""
    request = _related(Case, "requests")
    decision = _related(Case, "decision")
    notice = _related(Case, "notifications")
    prefetch_related_objects(
        [case],
        Prefetch("requests", queryset=request._default_manager.select_related("agency")),
        "requests__history",
        Prefetch(
            "decision",
            queryset=decision._default_manager.select_related("lead_agency", "level", "decided_by__agency"),
        ),
        Prefetch(
            "decision__views", queryset=_related(decision, "views")._default_manager.select_related("agency")
        ),
        Prefetch(
            "decision__challenges",
            queryset=_related(decision, "challenges")._default_manager.select_related("agency"),
        ),
        Prefetch(
            "decision__actions",
            queryset=_related(decision, "actions")._default_manager.select_related("owner_agency"),
        ),
        Prefetch(
            "decision__outcome_challenges",
            queryset=_related(decision, "outcome_challenges")._default_manager.select_related(
                "notice__agency"
            ),
        ),
        Prefetch("notifications", queryset=notice._default_manager.select_related("agency")),
    )
    return case
