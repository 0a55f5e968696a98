"""Screening queue, case list, case page, screening and re-rating."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Page, Paginator
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from openmash.access.enforce import AccessRefusedError, authorize, open_case
from openmash.access.policy import (
    Action,
    Refusal,
    cases_visible,
    contribution_agencies,
    decide,
    role_level,
    writable,
)
from openmash.accounts.models import User
from openmash.accounts.permissions import Perm, require, signed_in
from openmash.cases.forms import (
    KEYWORKER_ERROR_FIELDS,
    RERATE_ERROR_FIELDS,
    SCREEN_ERROR_FIELDS,
    AllocationForm,
    AskFurtherForm,
    HandOverForm,
    KeyworkerForm,
    RerateForm,
    RouteAgainForm,
    ScreeningForm,
    TriageForm,
)
from openmash.cases.models import (
    ENQUIRY_ROUTES,
    AgencyAsked,
    Case,
    CaseEvent,
    CaseStatus,
    ConsentPosition,
    Keyworker,
    Route,
)
from openmash.cases.selectors import (
    DECIDABLE,
    RERATABLE,
    STATUS_TAGS,
    audit_list,
    case_lines,
    case_rows,
    children_of,
    earlier_referrals,
    list_values,
    plural,
    with_list_data,
    with_page_data,
)
from openmash.cases.services import NOT_NEW, case_allocate
from openmash.casework.handover import case_hand_over, health_named_not_asked, keyworker_appoint
from openmash.casework.routing import case_route_again
from openmash.casework.screening import (
    ASK_NO_REASON,
    case_ask_further,
    case_rerate,
    out_of_hours_warning,
    screening_record,
)
from openmash.casework.triage import triage_decide
from openmash.core.actor import Actor
from openmash.core.counted_page import counted_page
from openmash.core.errors import CONCURRENT_EDIT, ConcurrentEditError, DomainError
from openmash.core.prepared import Param, Prepared, as_prefetched
from openmash.enquiries.disclosures import returns_viewed
from openmash.enquiries.models import OPEN_STATUSES, OUTSTANDING_STATUSES, InformationRequest, RequestStatus
from openmash.hub.calendar_format import format_deadline
from openmash.hub.models import (
    CHILDREN_ONLY_KINDS,
    RagRating,
    ThresholdIndicator,
    level_label,
)
from openmash.hub.selectors import hub_calendar, hub_configuration
from openmash.people.models import PersonAddition
from openmash.people.selectors import people_added_in_searches
from openmash.referrals.models import ADULT_WORDS
from openmash.teams.models import ROUTE_SPECIALISMS

PAGE_SIZE = 50


def _page(request: HttpRequest, items: QuerySet[Case, dict[str, Any]]) -> Page[dict[str, Any]]:
    return Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))


def _with_query(path: str, params: dict[str, str]) -> str:
    query = urlencode({k: v for k, v in params.items() if v})
    return f"{path}?{query}" if query else path


def _page_links(page: Page[Any], params: dict[str, str]) -> dict[str, Any]:
    """Previous, next and numbered links for the GOV.UK pagination component, keeping the filters."""

    def href(number: int) -> str:
        return "?" + urlencode({**params, "page": number})

    numbers: list[dict[str, object]] = []
    for number in page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1):
        if number == Paginator.ELLIPSIS:
            numbers.append({"ellipsis": True})
        else:
            numbers.append({"number": number, "href": href(int(number)), "current": number == page.number})
    return {
        "previous": href(page.previous_page_number()) if page.has_previous() else "",
        "next": href(page.next_page_number()) if page.has_next() else "",
        "numbers": numbers if page.paginator.num_pages > 1 else [],
    }


# Screening queue and case list ---------------------------------------------------------------


@require(Perm.CASE_SCREEN)
def queue(request: HttpRequest) -> HttpResponse:
    """New contacts, oldest first: the front door works the queue from the top. Searchable by reference
    or the child's name, and filtered by RAG rating, status and how long the contact has waited."""
    filters = QueueFilters.from_query(request.GET)
    # Notifications the hub triages in bulk wait on the triage list, not here.
    waiting = list_values(
        filters.apply(cases_visible(request.user).filter(in_triage=False), now=timezone.now())
    ).order_by("referral__received_at", "created_at")
    page = counted_page(waiting, request.GET.get("page"), PAGE_SIZE)  # open contacts: a short list
    cases = case_lines(page.object_list)
    audit_list(
        Actor.from_request(request),
        queue="screening",
        cases=cases,
        page=page.number,
        searched=bool(filters.q),  # the words searched may be a name: not kept in the trail
        rag=filters.rag or "all",
        status=filters.status,
        age=filters.age or "any",
    )
    rows = case_rows(cases)
    return render(
        request,
        "cases/queue.html",
        {
            "rows": rows,
            "page": page,
            "pagination": _page_links(page, filters.params()),
            "day_length": _hours(hub_calendar().working_day_length()),
            "filters": filters,
            "rag_choices": [("", "Any"), ("unrated", "Not rated yet"), *RagRating.choices],
            "status_choices": QUEUE_STATUSES,
            "age_choices": QUEUE_AGES,
        },
    )


QUEUE_STATUSES = [("new", "Awaiting screening"), ("open", "Any open case")]
QUEUE_AGES = [
    ("", "Any age"),
    ("1", "Older than 1 day"),
    ("3", "Older than 3 days"),
    ("7", "Older than 7 days"),
]


@dataclass(frozen=True, slots=True)
class QueueFilters:
    """The screening queue's search and filters, read from the query string (anything unknown ignored)."""

    q: str = ""
    rag: str = ""
    status: str = "new"
    age: str = ""

    @classmethod
    def from_query(cls, query: Any) -> QueueFilters:
        rag = query.get("rag", "")
        status = query.get("status", "new")
        age = query.get("age", "")
        return cls(
            q=" ".join(str(query.get("q", "")).split())[:100],
            rag=rag if rag in {"unrated", *RagRating.values} else "",
            status=status if status in dict(QUEUE_STATUSES) else "new",
            age=age if age in dict(QUEUE_AGES) else "",
        )

    def params(self) -> dict[str, str]:
        values = {"q": self.q, "rag": self.rag, "status": self.status, "age": self.age}
        return {k: v for k, v in values.items() if v and not (k == "status" and v == "new")}

    def apply(self, cases: QuerySet[Case], *, now: datetime) -> QuerySet[Case]:
        if self.status == "new":
            cases = cases.filter(status=CaseStatus.NEW)
        else:
            cases = cases.exclude(status__in=[CaseStatus.DECIDED, CaseStatus.CLOSED])
        if self.rag == "unrated":
            cases = cases.filter(rag="")
        elif self.rag:
            cases = cases.filter(rag=self.rag)
        if self.age:
            cases = cases.filter(referral__received_at__lte=now - timedelta(days=int(self.age)))
        for word in self.q.split():
            matches = Case.objects.filter(
                Q(reference__icontains=word)
                | Q(referral__reference__icontains=word)
                | Q(referral__people__is_subject=True, referral__people__given_name__icontains=word)
                | Q(referral__people__is_subject=True, referral__people__family_name__icontains=word)
            )
            cases = cases.filter(pk__in=matches.values("pk"))
        return cases


def _hours(length: timedelta) -> str:
    hours = length.total_seconds() / 3600
    return plural(int(hours), "hour") if hours.is_integer() else f"{hours:g} hours"


@signed_in
def case_list(request: HttpRequest) -> HttpResponse:
    authorize(Actor.from_request(request), Action.CASES_LIST, None)
    status = request.GET.get("status", "")
    status = status if status in CaseStatus.values else ""
    rag = request.GET.get("rag", "")
    rag = rag if rag in RagRating.values else ""
    visible = cases_visible(request.user)
    if rag:
        visible = visible.filter(rag=rag)
    counts = dict(visible.values_list("status").annotate(n=Count("pk")).order_by())
    chosen = visible.filter(status=status) if status else visible
    page = _page(request, list_values(chosen).order_by("-referral__received_at", "-created_at"))
    cases = case_lines(page.object_list)
    audit_list(
        Actor.from_request(request),
        queue="cases",
        cases=cases,
        page=page.number,
        status=status or "all",
        rag=rag or "all",
    )
    tabs = [
        {
            "label": label,
            "count": sum(counts.values()) if not value else counts.get(value, 0),
            "href": _with_query(request.path, {"status": value, "rag": rag}),
            "current": value == status,
        }
        for value, label in [("", "All cases"), *CaseStatus.choices]
    ]
    params = {k: v for k, v in (("status", status), ("rag", rag)) if v}
    return render(
        request,
        "cases/list.html",
        {
            "rows": case_rows(cases),
            "page": page,
            "pagination": _page_links(page, params),
            "tabs": tabs,
            "status": status,
            "rag": rag,
            "rag_choices": RagRating.choices,
            "status_label": CaseStatus(status).label if status else "",
        },
    )


# The case page --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    at: datetime
    when: str
    title: str
    by: str
    reason: str


def _event_entry(event: CaseEvent, agencies: frozenset[object] = frozenset()) -> HistoryEntry:
    if event.kind == CaseEvent.Kind.PERSON_REMOVED:
        title = "Someone added to the case in error was removed"
    elif event.kind == CaseEvent.Kind.RERATED:
        title = (
            f"RAG rating changed from {_label(RagRating, event.from_value)} "
            f"to {_label(RagRating, event.to_value)}"
        )
    else:
        title = f"{_label(CaseStatus, event.to_value)}"
        if event.from_value:
            title = f"{_label(CaseStatus, event.from_value)} to {title.lower()}"
    # Someone found during an agency's search and removed by it: who and why are that agency's to tell.
    told = event.from_value != "search" or getattr(event.created_by, "agency_id", None) in agencies
    return HistoryEntry(
        at=event.at,
        when=format_deadline(event.at),
        title=title,
        by=_person(event.created_by) if told else "a partner agency",
        reason=event.reason if told else "",
    )


def _label(choices: Any, value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def _person(user: User | None) -> str:
    if user is None:
        return "OpenMASH (automatic)"
    return f"{user.get_full_name() or user.username}, {user.agency.name}"


def _addition_entry(addition: PersonAddition, agencies: frozenset[object]) -> HistoryEntry:
    """Someone an agency's researcher added while answering its request: which agency and why, only for
    a reader who sees that agency's returned information."""
    told = addition.told(agencies)
    return HistoryEntry(
        at=addition.created_at,
        when=format_deadline(addition.created_at),
        title=f"{addition.person} added to the case during the search",
        by=addition.by if told else "a partner agency",
        reason=addition.reason if told else "",
    )


# What every case page reads of its case, by the case's key: compiled once (ADR 0040).
_CASE_EVENTS = Prepared(
    lambda: CaseEvent.objects.filter(case_id=Param("case", Case._meta.pk)).select_related(
        "created_by__agency"
    )
)
_AGENCIES_ASKED = Prepared(
    lambda: AgencyAsked.objects.filter(case_id=Param("case", Case._meta.pk)).select_related("agency")
)


_INDICATORS = Prepared(
    lambda: (
        Case.indicators.through.objects.filter(case_id=Param("case", Case._meta.pk))
        .select_related("thresholdindicator__level")
        .order_by(*(f"thresholdindicator__{o}" for o in ThresholdIndicator._meta.ordering or ()))
    )
)


def case_history(case: Case, agencies: frozenset[object] = frozenset()) -> list[HistoryEntry]:
    """The case's own history, newest first: received, screened, each status change and re-rating, and
    each person an agency added during its search (told as `agencies`' contributions are)."""
    referral = case.referral
    entries = [
        HistoryEntry(
            at=referral.received_at,
            when=format_deadline(referral.received_at),
            title="Contact received",
            by=f"{referral.referrer_name}, {referral.referrer_organisation}",
            reason=referral.get_channel_display(),
        )
    ]
    events = _CASE_EVENTS.run(case=case.pk)
    if case.screened_at is not None:
        # The rating given at screening: the first re-rating started from it, if there was one.
        rerated = [e for e in events if e.kind == CaseEvent.Kind.RERATED]
        rated = rerated[0].from_value if rerated else case.rag
        level = f"level {case.level.number} ({case.level.name.lower()}), " if case.level else ""
        entries.append(
            HistoryEntry(
                at=case.screened_at,
                when=format_deadline(case.screened_at),
                title=f"Screened: {level}rated {_label(RagRating, rated).lower()}",
                by=_person(case.screened_by),
                reason=case.rag_reason,
            )
        )
    entries.extend(_event_entry(e, agencies) for e in events)
    entries.extend(_addition_entry(a, agencies) for a in people_added_in_searches(case))
    return sorted(entries, key=lambda e: e.at, reverse=True)


def referral_context(case: Case, user: object) -> dict[str, Any]:
    """What the referral panel shows, on the case page and beside the screening form. Both open the case
    with the read that says whether the child was referred before and names the referrer's level of need
    (access.enforce's case page rows): the earlier referrals are read only if there are some."""
    referral = case.referral
    level_name = getattr(case, "page_referrer_level")  # noqa: B009 - an annotation the model does not declare
    number = referral.referrer_level
    referrer_level = (
        level_label(number, level_name) if number is not None and level_name is not None else None
    )
    if getattr(case, "page_has_earlier"):  # noqa: B009
        earlier = earlier_referrals(referral)
    else:
        earlier = []
        as_prefetched(referral, "earlier_referrals", earlier)  # the panel reads none
    return {
        "referral": referral,
        "people": list(referral.people.all()),
        "received": format_deadline(referral.received_at),
        "referrer_level": referrer_level,
        # The earlier cases this person may open, linked from the re-referral warning.
        "earlier_viewable": {
            r.case.pk
            for r in earlier
            if getattr(r, "case", None) is not None and decide(user, Action.CASE_VIEW, r.case).allowed
        },
    }


@signed_in
def detail(request: HttpRequest, case_id: str) -> HttpResponse:
    user = request.user
    try:
        actor, case, _ = open_case(request, case_id)
    except AccessRefusedError as refused:
        waiting = refused.verdict.request
        if refused.verdict.refusal in (Refusal.BLOCKED, Refusal.WITHDRAWN) and waiting is not None:
            # An agency whose request waits at the sharing gate may not see the family yet: its request page
            # says why, and what would let the request go.
            return redirect("enquiries:detail", request_id=waiting.pk)
        if refused.verdict.refusal == Refusal.REFERRER and isinstance(refused.obj, Case):
            # A referrer sees the referral they sent and its outcome, on the referral's own page.
            return redirect("referrals:detail", referral_id=refused.obj.referral_id)
        raise
    with_page_data(case)
    shown = contribution_agencies(user, case)
    returns_viewed(actor=actor, case=case, where="Case page", agencies=shown)
    now = timezone.now()
    open_ = case.status in (CaseStatus.NEW, *RERATABLE)
    decision_in_hub = hub_configuration().decision_in_hub
    # Only a case screened to a specialist team's route has been routed to a team.
    routings = (
        list(case.routings.select_related("team").order_by("routed_at"))
        if case.route in ROUTE_SPECIALISMS
        else []
    )
    context = {
        "case": case,
        "status_tag": STATUS_TAGS[CaseStatus(case.status)],
        "children": children_of(case),
        "decision_due": format_deadline(case.decision_due_at),
        "decision_overdue": open_ and case.decision_due_at < now,
        "is_open": open_,
        "indicators": [i.thresholdindicator for i in _INDICATORS.run(case=case.pk)],
        "agencies_asked": [a.agency for a in _AGENCIES_ASKED.run(case=case.pk)],
        "screened_by": _person(case.screened_by) if case.screened_by else "",
        "screened_when": format_deadline(case.screened_at) if case.screened_at else "",
        "history": case_history(case, shown),
        "may_screen": case.status == CaseStatus.NEW and decide(user, Action.CASE_SCREEN, case).allowed,
        "may_rerate": case.status in RERATABLE and decide(user, Action.CASE_RERATE, case).allowed,
        "may_decide": case.status in DECIDABLE and decide(user, Action.CASE_DECIDE, case).allowed,
        "decision_in_hub": decision_in_hub,
        "may_hand_over": not decision_in_hub
        and case.status in RERATABLE
        and decide(user, Action.CASE_HAND_OVER, case).allowed,
        # Keyworkers are appointed only where the hub makes no decision (early help).
        "keyworker": None
        if decision_in_hub and case.handed_over_at is None
        else Keyworker.objects.filter(case=case).select_related("agency").first(),
        "health_offer": not decision_in_hub and case.status in RERATABLE and health_named_not_asked(case),
        "routings": routings,
        "may_route_again": case.status == CaseStatus.DECIDED
        and bool(routings)
        and all(r.status == "sent_back" for r in routings)
        and decide(user, Action.CASE_ROUTE_AGAIN, case).allowed,
        "may_allocate": decide(user, Action.CASE_ALLOCATE, case).allowed,
        "may_see_consent": decide(user, Action.CONSENT_VIEW, case).allowed,
        "may_record_consent": decide(user, Action.CONSENT_RECORD, case).allowed,
        # Per notice and per challenge the same answer: the role, on a case whose data is kept.
        "may_resend_outcomes": role_level(user, Action.OUTCOME_RESEND).allowed and writable(case).allowed,
        "may_answer_challenges": role_level(user, Action.CHALLENGE_ANSWER).allowed and writable(case).allowed,
        "shown_agencies": shown,
        "out_of_hours": out_of_hours_warning(case, now),
        "waiting": sorted(
            (r for r in case.requests.all() if r.status == RequestStatus.BLOCKED), key=lambda r: r.agency.name
        ),
        **referral_context(case, request.user),
    }
    return render(request, "cases/detail.html", context)


# Screening -------------------------------------------------------------------------------------


@require(Perm.CASE_SCREEN)
def screen(request: HttpRequest, case_id: str) -> HttpResponse:
    actor, case, _ = open_case(request, case_id, Action.CASE_SCREEN, purpose="screen")
    if request.method != "POST" and case.status != CaseStatus.NEW:
        return redirect("cases:detail", case_id=case.pk)
    words = case.referral.subject_words
    core = list(hub_configuration().core_agencies.filter(is_active=True).order_by("name"))
    # Schools and the services for young people are not asked about an adult at risk to start with.
    not_ticked = [a for a in core if a.kind in CHILDREN_ONLY_KINDS] if words == ADULT_WORDS else []
    form = ScreeningForm(
        request.POST if request.method == "POST" else None,
        initial={"version": case.version, "agencies": [str(a.pk) for a in core if a not in not_ticked]},
        people=list(case.referral.people.all()),
        words=words,
        not_ticked=[a.name for a in not_ticked],
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        route = Route(data["route"])
        try:
            # Everything the form says is valid; refuse a stale page before recording consent, so a
            # refusal saves nothing at all.
            if case.status != CaseStatus.NEW:
                raise DomainError(NOT_NEW)
            if data["version"] != case.version:
                raise ConcurrentEditError(CONCURRENT_EDIT)
            # One durable transaction: if the screening is refused (someone screened it a moment ago),
            # the consent recorded with it is not kept either.
            screening_record(
                actor=actor,
                case=case,
                expected_version=data["version"],
                level=data["level"],
                indicators=data["indicators"],
                rag=RagRating(data["rag"]),
                rag_reason=data["rag_reason"],
                consent_position=ConsentPosition(data["consent_position"]),
                route=route,
                agencies=data["agencies"] if route in ENQUIRY_ROUTES else [],
                notes=data["notes"],
                consent=data["consent"],
                basis=data["basis"],
            )
        except ConcurrentEditError as error:
            form.add_error(None, str(error))
        except DomainError as error:
            form.add_error(SCREEN_ERROR_FIELDS.get(str(error)), str(error))
        else:
            messages.success(request, screened_banner(case, route))
            return redirect("cases:detail", case_id=case.pk)
    return render(
        request,
        "cases/screen.html",
        {
            "case": case,
            "form": form,
            "children": children_of(case),
            "already_recorded": [str(c) for c in case.consents.select_related("given_by")]
            + [f"Lawful basis: {b.get_art6_display()}" for b in case.lawful_bases.all()],
            **referral_context(case, request.user),
        },
    )


def screened_banner(case: Case, route: Route) -> str:
    if route not in ENQUIRY_ROUTES:
        return (
            f"{case.reference} screened and routed: {route.label}. "
            "The screening is recorded as the decision and the outcome goes to the referrer."
        )
    requests = list(case.requests.select_related("agency").order_by("due_at", "agency__name"))
    sent = [r for r in requests if r.status != RequestStatus.BLOCKED]
    waiting = sorted((r for r in requests if r.status == RequestStatus.BLOCKED), key=lambda r: r.agency.name)
    text = f"{case.reference} screened: {route.label}, rated {case.get_rag_display().lower()}."
    if sent:
        text += f" Information requested from {_deadlines(sent)}."
    if waiting:  # which, and why, in the warning on the case page
        text += (
            f" {len(waiting)} agenc{'y is' if len(waiting) == 1 else 'ies are'} waiting for consent or a "
            "lawful basis: see below."
        )
    return text


def _deadlines(requests: Iterable[InformationRequest]) -> str:
    """'Health and Police by 2pm on Tuesday 24 November 2026', grouping agencies due at the same time."""
    groups: dict[datetime, list[str]] = {}
    for request in requests:
        if request.due_at is not None:
            groups.setdefault(request.due_at, []).append(request.agency.name)
    return "; ".join(f"{_and(names)} by {format_deadline(due)}" for due, names in groups.items())


def _and(names: list[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


# Re-rating -------------------------------------------------------------------------------------


@require(Perm.CASE_SCREEN)
def rerate(request: HttpRequest, case_id: str) -> HttpResponse:
    actor, case, _ = open_case(request, case_id, Action.CASE_RERATE, purpose="rerate")
    if request.method != "POST" and case.status not in RERATABLE:
        return redirect("cases:detail", case_id=case.pk)
    current = case.rag
    form = RerateForm(
        request.POST if request.method == "POST" else None, current=current, initial={"version": case.version}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            case_rerate(
                actor=actor,
                case=case,
                expected_version=data["version"],
                rag=data["rag"],
                reason=data["reason"],
            )
        except ConcurrentEditError as error:
            form.add_error(None, str(error))
        except DomainError as error:
            form.add_error(RERATE_ERROR_FIELDS.get(str(error)), str(error))
        else:
            messages.success(request, rerated_banner(case))
            return redirect("cases:detail", case_id=case.pk)
    open_requests = case.requests.filter(status__in=OPEN_STATUSES).select_related("agency")
    return render(
        request,
        "cases/rerate.html",
        {
            "case": case,
            "form": form,
            "children": children_of(case),
            "current_rag": RagRating(current) if current else None,
            "open_requests": [(r, format_deadline(r.due_at)) for r in open_requests],
        },
    )


def ask_further(request: HttpRequest, case_id: str) -> HttpResponse:
    actor, case, _ = open_case(request, case_id, Action.CASE_ASK_FURTHER, purpose="ask another agency")
    if request.method != "POST" and case.status not in RERATABLE:
        return redirect("cases:detail", case_id=case.pk)
    form = AskFurtherForm(
        request.POST if request.method == "POST" else None, case=case, initial={"version": case.version}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            asked = case_ask_further(
                actor=actor,
                case=case,
                expected_version=data["version"],
                agencies=data["agencies"],
                reason=data["reason"],
            )
        except ConcurrentEditError as error:
            form.add_error(None, str(error))
        except DomainError as error:
            form.add_error("reason" if str(error) == ASK_NO_REASON else None, str(error))
        else:
            names = ", ".join(a.name for a in asked)
            messages.success(request, f"{names} asked for information on case {case.reference}.")
            return redirect("cases:detail", case_id=case.pk)
    return render(
        request,
        "cases/ask_further.html",
        {"case": case, "form": form, "children": children_of(case)},
        status=400 if form.errors else 200,
    )


def rerated_banner(case: Case) -> str:
    open_requests = case.requests.filter(status__in=OPEN_STATUSES).select_related("agency")
    head = f"{case.reference} is now rated {case.get_rag_display().lower()}."
    if not open_requests:
        return f"{head} No information requests are open, so no deadlines changed."
    return f"{head} New deadlines: {_deadlines(open_requests.order_by('due_at', 'agency__name'))}."


# Triage: notifications the hub triages in bulk (screen_all_referrals off) ----------------------------------


@signed_in
def triage(request: HttpRequest) -> HttpResponse:
    actor = Actor.from_request(request)
    authorize(actor, Action.TRIAGE, None)
    waiting = list(
        with_list_data(cases_visible(request.user).filter(status=CaseStatus.NEW, in_triage=True)).order_by(
            "referral__received_at", "created_at"
        )[:TRIAGE_PAGE]
    )
    form = TriageForm(request.POST if request.method == "POST" else None, cases=waiting)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            done = triage_decide(
                actor=actor,
                cases=data["cases"],
                choice=data["choice"],
                level=data["level"],
                reason=data["reason"],
                team=data["team"],
            )
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"{plural(done, 'notification')} triaged: {data['choice'].label}.")
            return redirect("cases:triage")
    audit_list(actor, queue="triage", cases=waiting)
    return render(
        request,
        "cases/triage.html",
        {
            "rows": case_rows(waiting),
            "form": form,
            "chosen": set(request.POST.getlist("cases")),
            "screen_all": hub_configuration().screen_all_referrals,
        },
        status=400 if form.errors else 200,
    )


TRIAGE_PAGE = 200


# Early help: the keyworker and the hand-over --------------------------------------------------------------


@signed_in
def keyworker(request: HttpRequest, case_id: str) -> HttpResponse:
    actor, case, _ = open_case(request, case_id, Action.CASE_HAND_OVER, purpose="appoint the keyworker")
    current = Keyworker.objects.filter(case=case).first()
    initial: dict[str, Any] = {"version": case.version}
    if current is not None:
        initial.update(
            name=current.name, agency=str(current.agency_id), email=current.email, phone=current.phone
        )
    form = KeyworkerForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            keyworker_appoint(
                actor=actor,
                case=case,
                expected_version=data["version"],
                name=data["name"],
                agency=data["agency"],
                email=data["email"],
                phone=data["phone"],
            )
        except ConcurrentEditError as error:
            form.add_error(None, str(error))
        except DomainError as error:
            form.add_error(KEYWORKER_ERROR_FIELDS.get(str(error)), str(error))
        else:
            messages.success(request, f"Keyworker appointed on case {case.reference}.")
            return redirect("cases:detail", case_id=case.pk)
    return render(
        request,
        "cases/keyworker.html",
        {
            "case": case,
            "form": form,
            "children": children_of(case),
            "decision_in_hub": hub_configuration().decision_in_hub,
        },
        status=400 if form.errors else 200,
    )


@signed_in
def hand_over(request: HttpRequest, case_id: str) -> HttpResponse:
    actor, case, _ = open_case(request, case_id, Action.CASE_HAND_OVER, purpose="hand over the product")
    form = HandOverForm(request.POST if request.method == "POST" else None, initial={"version": case.version})
    if request.method == "POST" and form.is_valid():
        try:
            case_hand_over(actor=actor, case=case, expected_version=form.cleaned_data["version"])
        except ConcurrentEditError as error:
            form.add_error(None, str(error))
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request, f"Product for case {case.reference} handed to the keyworker. The case is closed."
            )
            return redirect("cases:detail", case_id=case.pk)
    open_requests = case.requests.filter(status__in=OUTSTANDING_STATUSES).select_related("agency")
    return render(
        request,
        "cases/hand_over.html",
        {
            "case": case,
            "form": form,
            "children": children_of(case),
            "keyworker": Keyworker.objects.filter(case=case).select_related("agency").first(),
            "open_requests": list(open_requests.order_by("agency__name")),
            "decision_in_hub": hub_configuration().decision_in_hub,
        },
        status=400 if form.errors else 200,
    )


# Routing a case a specialist team sent back ---------------------------------------------------------------


@signed_in
def route_again(request: HttpRequest, case_id: str) -> HttpResponse:
    actor, case, _ = open_case(request, case_id, Action.CASE_ROUTE_AGAIN, purpose="route to another team")
    form = RouteAgainForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            routing = case_route_again(
                actor=actor, case=case, team=form.cleaned_data["team"], reason=form.cleaned_data["reason"]
            )
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"Case {case.reference} routed to the {routing.team.name}.")
            return redirect("cases:detail", case_id=case.pk)
    return render(
        request,
        "cases/route_again.html",
        {
            "case": case,
            "form": form,
            "children": children_of(case),
            "routings": list(case.routings.select_related("team").order_by("routed_at")),
        },
        status=400 if form.errors else 200,
    )


# Allocation (Annex A list 3) --------------------------------------------------------------------------


def allocate(request: HttpRequest, case_id: str) -> HttpResponse:
    actor, case, _ = open_case(request, case_id, Action.CASE_ALLOCATE, purpose="allocate")
    initial = {"version": case.version, "team": case.allocated_team, "worker": case.allocated_worker}
    form = AllocationForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            case_allocate(
                actor=actor,
                case=case,
                expected_version=data["version"],
                team=data["team"],
                worker=data["worker"],
            )
        except ConcurrentEditError as error:
            form.add_error(None, str(error))
        except DomainError as error:
            form.add_error("team", str(error))
        else:
            messages.success(request, f"{case.reference} is allocated to {case.allocated_team}.")
            return redirect("cases:detail", case_id=case.pk)
    return render(
        request,
        "cases/allocate.html",
        {"case": case, "form": form, "children": children_of(case)},
        status=400 if form.errors else 200,
    )
