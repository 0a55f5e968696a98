"""Reads for the case pages and homes: rows for queues and lists, working time in plain words, and the
referrals a referrer made. Who may see which case is the access policy's answer
(`openmash.access.policy`), never this module's."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from django.db.models import Exists, Model, OuterRef, Prefetch, QuerySet, Subquery
from django.utils import timezone

from openmash.accounts.models import User
from openmash.accounts.roles import Role
from openmash.audit.catalogue import AuditAction
from openmash.audit.services import audit_record
from openmash.cases.destroyed import when_destroyed
from openmash.cases.models import Case, CaseStatus
from openmash.core.actor import Actor
from openmash.core.prepared import Param, Prepared, as_prefetched, as_prefetched_each, as_related_one
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
    concerns: str  # the kinds of concern, in words, joined once here rather than by a filter on every row


def with_list_data(cases: QuerySet[Case]) -> QuerySet[Case]:
    """The children's names and whether the referral repeats an earlier one, in two queries (with the
    destruction record of a destroyed case, whose names are gone)."""
    return (
        cases.select_related("referral", "level", "destruction")
        .prefetch_related(
            Prefetch(
                "referral__people",
                queryset=ReferralPerson.objects.filter(is_subject=True),
                to_attr="subjects",
            )
        )
        .annotate(is_rereferral=_an_earlier_referral())
    )


def _an_earlier_referral() -> Subquery:
    """One earlier referral the case's referral repeats, or null (true when there is one): looked up by
    index for each row a page shows. Asked as EXISTS, PostgreSQL read every re-referral link in the hub
    into a hash instead (0.8 ms at 20,000 cases, and growing with the hub)."""
    earlier = Referral.earlier_referrals.through.objects.filter(from_referral=OuterRef("referral_id"))
    return Subquery(earlier.values("from_referral_id")[:1])


def earlier_referrals(referral: Referral) -> list[Referral]:
    """The child's earlier referrals, newest first, each with its case and decision, loaded once for the
    referral panel and the re-referral warning."""
    earlier = _EARLIER.run(key=referral.pk)
    as_prefetched(referral, "earlier_referrals", earlier)  # the re-referral warning reads them so
    return earlier


# Compiled once (ADR 0040): the referral panel is on every case page.
_EARLIER = Prepared(
    lambda: (
        Referral.objects.filter(later_referrals=Param("key", Referral._meta.pk))
        .select_related("case__decision")
        .order_by("-received_at")
    )
)


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
    return cases.annotate(is_rereferral=_an_earlier_referral()).values(*_LINE_COLUMNS, *annotations)


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
                concerns=", ".join(case.referral.concern_labels()),
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
    number of queries however many agencies were asked. Each query is compiled once (ADR 0040) and its
    rows kept as `prefetch_related` keeps them."""
    requests = _PAGE_REQUESTS.run(key=case.pk)
    as_prefetched(case, "requests", requests)
    as_prefetched_each(requests, "history", lambda: _PAGE_HISTORY.run(key=case.pk))
    decision = _PAGE_DECISION.first(key=case.pk)
    as_related_one(case, "decision", decision)
    if decision is not None:
        for name, rows in _PAGE_DECISION_PARTS.items():
            as_prefetched(decision, name, rows.run(key=decision.pk) if getattr(decision, _has(name)) else [])
    as_prefetched(case, "notifications", _PAGE_NOTICES.run(key=case.pk))
    return case


def _of_case(name: str, *related: str) -> Prepared[Any]:
    """The rows of the case's reverse relation `name` (`decision.views`: of the case's decision), with
    `related`, by the key of the case (or of its decision). Built when first run: the models are then
    all loaded."""
    return Prepared(lambda: _rows_of_case(name, *related))


def _rows_of_case(name: str, *related: str) -> QuerySet[Any]:
    owner, _, relation = name.rpartition(".")
    model = _related(Case, owner) if owner else Case
    return _pointing_at(model, relation, Param("key", model._meta.pk)).select_related(*related)


def _pointing_at(model: type[Model], relation: str, key: object) -> QuerySet[Any]:
    """The rows on the other side of ``model``'s reverse relation ``relation`` whose foreign key is
    ``key`` (a parameter, or an outer query's key)."""
    relation_field = model._meta.get_field(relation)
    by = relation_field.field.attname  # type: ignore[union-attr]
    return relation_field.related_model._default_manager.filter(**{by: key})  # type: ignore[union-attr]


def _page_decision() -> QuerySet[Any]:
    """The case's decision, with whether it has any rows of each part the page shows (its views,
    challenges, actions, outcome challenges): a part with none is not read. Most decisions have no
    challenge or action, and each read costs a round trip."""
    decision = _related(Case, "decision")
    marks = {
        _has(name): Exists(_pointing_at(decision, name, OuterRef("pk"))) for name in _PAGE_DECISION_PARTS
    }
    return _rows_of_case("decision", "lead_agency", "level", "decided_by__agency").annotate(**marks)


def _has(part: str) -> str:
    return f"page_has_{part}"


def _page_history() -> QuerySet[Any]:
    history = _related(_related(Case, "requests"), "history")
    return history._default_manager.filter(request__case_id=Param("key", Case._meta.pk))


_PAGE_REQUESTS = _of_case("requests", "agency")
_PAGE_HISTORY = Prepared(_page_history)
_PAGE_DECISION = Prepared(_page_decision)
_PAGE_DECISION_PARTS = {
    "views": _of_case("decision.views", "agency"),
    "challenges": _of_case("decision.challenges", "agency"),
    "actions": _of_case("decision.actions", "owner_agency"),
    "outcome_challenges": _of_case("decision.outcome_challenges", "notice__agency"),
}
_PAGE_NOTICES = _of_case("notifications", "agency")
