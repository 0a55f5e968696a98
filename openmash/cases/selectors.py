"""Reads for the case pages and homes: rows for queues and lists, working time in plain words, and the
referrals a referrer made. Who may see which case is the access policy's answer
(`openmash.access.policy`), never this module's."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from django.db.models import Exists, Model, OuterRef, Prefetch, QuerySet, prefetch_related_objects
from django.utils import timezone

from openmash.accounts.models import User
from openmash.accounts.roles import Role
from openmash.audit.catalogue import AuditAction
from openmash.audit.services import audit_record
from openmash.cases.destroyed import when_destroyed
from openmash.cases.models import Case, CaseStatus
from openmash.core.actor import Actor
from openmash.core.worktime import WorkingCalendar
from openmash.hub.calendar_format import format_deadline
from openmash.hub.models import level_label
from openmash.hub.selectors import hub_calendar
from openmash.referrals.models import Referral, ReferralPerson, concern_labels
from openmash.referrals.selectors import PersonLine, people_on_referrals

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
    case: Case | CaseLine
    children: str
    received: str
    waiting: str
    decision_due: str
    overdue: bool
    rereferral: bool
    status_tag: str


def with_list_data(cases: QuerySet[Case]) -> QuerySet[Case]:
    """The children's names and whether the referral repeats an earlier one, in two queries (with the
    destruction record of a destroyed case, whose names are gone)."""
    earlier = Referral.earlier_referrals.through.objects.filter(from_referral=OuterRef("referral_id"))
    return (
        cases.select_related("referral", "level", "destruction")
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


NAMES_DESTROYED = "Names destroyed"
"""In a list, in place of the children's names once the case's personal data was destroyed."""


def children_of(case: Case | CaseLine) -> str:
    subjects = getattr(case.referral, "subjects", None)
    if subjects is None and isinstance(case.referral, Referral):  # the people the page loaded already
        subjects = [p for p in case.referral.people.all() if p.is_subject]
    named = ", ".join(name for name in (str(p).strip() for p in subjects or ()) if name)
    if named:
        return named
    # Nameless: a destroyed case says so (lists read the destruction's date with the case).
    destroyed = case.destroyed_at if isinstance(case, CaseLine) else when_destroyed(case)
    return NAMES_DESTROYED if destroyed is not None else "No one named"


# A list's cases read as plain values (docs/adr/0037-list-rows-read-as-values.md): a page of fifty cases
# built as case, referral, level and people objects cost several times the reading.


def _labels(model: type[Model], name: str) -> dict[str, str]:
    field = model._meta.get_field(name)
    return {str(value): str(label) for value, label in getattr(field, "flatchoices", ())}


_CASE_STATUS = _labels(Case, "status")
_CASE_RAG = _labels(Case, "rag")
_SOURCE = _labels(Referral, "source")
_GRADING = _labels(Referral, "risk_grading")


@dataclass(frozen=True, slots=True)
class ReferralLine:
    """What a list shows of a case's referral."""

    received_at: datetime
    referrer_organisation: str
    source: str
    concern_categories: list[str]
    risk_grading: str
    subjects: list[PersonLine]

    def get_source_display(self) -> str:
        return _SOURCE.get(self.source, self.source)

    def get_risk_grading_display(self) -> str:
        return _GRADING.get(self.risk_grading, self.risk_grading)

    def concern_labels(self) -> list[str]:
        return concern_labels(self.concern_categories)


@dataclass(frozen=True, slots=True)
class CaseLine:
    """What a list shows of a case: the values the rows and the list's audit event use."""

    pk: UUID
    reference: str
    status: str
    rag: str
    decision_due_at: datetime
    status_changed_at: datetime
    level: str
    referral: ReferralLine
    is_rereferral: bool
    next_due: datetime | None = None
    destroyed_at: datetime | None = None
    """When the case's personal data was destroyed (its names with it); None while it is kept."""

    @property
    def id(self) -> UUID:
        return self.pk

    def get_status_display(self) -> str:
        return _CASE_STATUS.get(self.status, self.status)

    def get_rag_display(self) -> str:
        return _CASE_RAG.get(self.rag, self.rag)


_LINE_COLUMNS = (
    "pk",
    "reference",
    "status",
    "rag",
    "decision_due_at",
    "status_changed_at",
    "level__number",
    "level__name",
    "referral_id",
    "referral__received_at",
    "referral__referrer_organisation",
    "referral__source",
    "referral__concern_categories",
    "referral__risk_grading",
    "is_rereferral",
    "destruction__destroyed_at",
)


def list_values(cases: QuerySet[Case], *annotations: str) -> QuerySet[Case, dict[str, Any]]:
    """A list's cases as the values its rows show, with whether each repeats an earlier referral and
    any of the query's ``annotations`` (order and slice it, then :func:`case_lines`)."""
    earlier = Referral.earlier_referrals.through.objects.filter(from_referral=OuterRef("referral_id"))
    return cases.annotate(is_rereferral=Exists(earlier)).values(*_LINE_COLUMNS, *annotations)


def case_lines(values: Iterable[dict[str, Any]]) -> list[CaseLine]:
    """The cases :func:`list_values` read, each with its people referred (one query for them all)."""
    rows = list(values)
    subjects = people_on_referrals((v["referral_id"] for v in rows), subjects_only=True) if rows else {}
    return [
        CaseLine(
            pk=v["pk"],
            reference=v["reference"],
            status=v["status"],
            rag=v["rag"],
            decision_due_at=v["decision_due_at"],
            status_changed_at=v["status_changed_at"],
            level=level_label(v["level__number"], v["level__name"]) if v["level__number"] is not None else "",
            referral=ReferralLine(
                received_at=v["referral__received_at"],
                referrer_organisation=v["referral__referrer_organisation"],
                source=v["referral__source"],
                concern_categories=list(v["referral__concern_categories"] or []),
                risk_grading=v["referral__risk_grading"],
                subjects=subjects.get(v["referral_id"], []),
            ),
            is_rereferral=bool(v["is_rereferral"]),
            next_due=v.get("next_due"),
            destroyed_at=v["destruction__destroyed_at"],
        )
        for v in rows
    ]


def case_rows(cases: Iterable[Case | CaseLine], *, now: datetime | None = None) -> list[CaseRow]:
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


def audit_list(actor: Actor, *, queue: str, cases: Sequence[Case | CaseLine], **detail: object) -> None:
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
