"""An agency's queue of information requests, the return form, nil returns and taking a request."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from openmash.access.enforce import open_request
from openmash.access.policy import Action, contribution_agencies, decide, requests_visible
from openmash.accounts.permissions import Perm, require
from openmash.cases.models import Case
from openmash.consent.models import Disclosure, DisclosureKind
from openmash.core.actor import Actor
from openmash.core.counted_page import page_number
from openmash.core.errors import DomainError
from openmash.core.prepared import Param, Prepared, as_prefetched, pointing_at
from openmash.enquiries.forms import (
    DATE_NO_DAY,
    DATE_NO_MONTH,
    DATE_NO_YEAR,
    HistoryFormSet,
    NilReturnForm,
    ReturnForm,
    WithholdForm,
)
from openmash.enquiries.models import (
    DONE_STATUSES,
    OPEN_STATUSES,
    OUTSTANDING_STATUSES,
    HistoryItem,
    InformationRequest,
    RequestStatus,
)
from openmash.enquiries.selectors import audit_queue, queue_rows, request_lines
from openmash.enquiries.services import (
    HistoryData,
    request_nil_return,
    request_save_return,
    request_take,
    request_withhold,
)
from openmash.hub.calendar_format import format_deadline, time_since
from openmash.hub.models import Agency
from openmash.hub.selectors import hub_configuration
from openmash.people.selectors import provenance
from openmash.referrals.models import Referral, ReferralPerson
from openmash.sources.models import DataSource
from openmash.trawl.models import Trawl

RECENTLY_RETURNED = timedelta(days=30)
QUEUE_PAGE_SIZE = 50
WITHHOLD_FORM = "withhold"  # the value of the hidden "form" field that posts a decision not to share
HISTORY_PREFIX = "history"
TAB_OPEN = "open"
TAB_RETURNED = "returned"
DATE_PART = {DATE_NO_DAY: 0, DATE_NO_MONTH: 1, DATE_NO_YEAR: 2}


@require(Perm.REQUEST_RESPOND)
def queue(request: HttpRequest) -> HttpResponse:
    actor = Actor.from_request(request)
    now = timezone.now()
    tab = TAB_RETURNED if request.GET.get("show") == TAB_RETURNED else TAB_OPEN
    mine = requests_visible(request.user)
    since = now - RECENTLY_RETURNED
    if tab == TAB_OPEN:
        shown = mine.filter(status__in=OPEN_STATUSES).order_by("due_at", "sent_at")
    else:
        shown = mine.filter(status__in=DONE_STATUSES, returned_at__gte=since).order_by("-returned_at")
    # The four counts in one query over the rows that can count (read through the two queue indexes,
    # not the agency's whole history); the list a page at a time (a busy agency's open list is long).
    recent = Q(status__in=DONE_STATUSES, returned_at__gte=since)
    counts = mine.filter(Q(status__in=OUTSTANDING_STATUSES) | recent).aggregate(
        open=Count("pk", filter=Q(status__in=OPEN_STATUSES)),
        overdue=Count("pk", filter=Q(status__in=OPEN_STATUSES, due_at__lt=now)),
        returned=Count("pk", filter=recent),
        waiting=Count("pk", filter=Q(status=RequestStatus.BLOCKED)),
    )
    paginator = Paginator(request_lines(shown), QUEUE_PAGE_SIZE)
    paginator.count = counts["open" if tab == TAB_OPEN else "returned"]
    page = paginator.get_page(request.GET.get("page"))
    rows = queue_rows(page.object_list, now)
    audit_queue(actor=actor, rows=rows, queue="agency_requests", tab=tab, page=page.number)
    # Waiting at the sharing gate: listed with the reason, but without the family's names, which this
    # agency may not see until consent or a lawful basis covers it.
    waiting, waiting_pages = _waiting(request, mine) if tab == TAB_OPEN and counts["waiting"] else ([], {})
    base = {"show": TAB_RETURNED} if tab == TAB_RETURNED else {}
    return render(
        request,
        "enquiries/queue.html",
        {
            "tab": tab,
            "rows": rows,
            "page": page,
            "pagination": {
                "previous": "?" + urlencode({**base, "page": page.previous_page_number()})
                if page.has_previous()
                else "",
                "next": "?" + urlencode({**base, "page": page.next_page_number()}) if page.has_next() else "",
                "numbers": [],
            },
            "waiting": waiting,
            "waiting_pagination": waiting_pages,
            "open_count": counts["open"],
            "returned_count": counts["returned"],
            "overdue_count": counts["overdue"],
            "recent_days": RECENTLY_RETURNED.days,
        },
    )


def _waiting(request: HttpRequest, mine: Any) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The requests waiting at the sharing gate, longest waiting first, a page at a time (``?waiting=N``,
    no count: one row more than a page tells whether there is a next), each as the four things shown."""
    number = page_number(request.GET.get("waiting"), QUEUE_PAGE_SIZE)
    start = (number - 1) * QUEUE_PAGE_SIZE
    rows = list(
        mine.filter(status=RequestStatus.BLOCKED)
        .order_by("sent_at", "pk")
        .values("pk", "case__reference", "case__rag", "sent_at", "blocked_reason")[
            start : start + QUEUE_PAGE_SIZE + 1
        ]
    )
    pages = {
        "previous": "?" + urlencode({"waiting": number - 1}) + "#waiting" if number > 1 else "",
        "next": "?" + urlencode({"waiting": number + 1}) + "#waiting" if len(rows) > QUEUE_PAGE_SIZE else "",
        "numbers": [],
        "label": "Pages of requests waiting",
    }
    return rows[:QUEUE_PAGE_SIZE], pages


def _return_initial(info: InformationRequest) -> dict[str, Any]:
    return {
        "version": info.version,
        "summary": info.summary,
        "risk_factors": info.risk_factors,
        "protective_factors": info.protective_factors,
    }


def _history_initial(items: Iterable[HistoryItem]) -> list[dict[str, Any]]:
    """The form's rows: the items the agency wrote (a search's items are shown apart)."""
    return [
        {
            "occurred_on": item.occurred_on,
            "kind": item.kind,
            "description": item.description,
            "significance": item.significance,
            "source_reference": item.source_reference,
        }
        for item in items
        if not item.source_system
    ]


def _anchor(bound: forms.BoundField, error: str = "") -> str:
    """Where an error summary link should land: the date part that is missing, or the first radio."""
    if isinstance(bound.field.widget, forms.MultiWidget):
        return f"{bound.auto_id}_{DATE_PART.get(error, 0)}"
    if isinstance(bound.field.widget, forms.RadioSelect):
        return f"{bound.auto_id}_1"  # crispy-forms-gds numbers the radios from 1
    return str(bound.auto_id)


def _form_errors(form: forms.Form | None, label: str = "") -> list[tuple[str, str]]:
    if form is None or not form.is_bound or not form.errors:
        return []
    prefix = f"{label}: " if label else ""
    visible = form.visible_fields()
    first = _anchor(visible[0]) if visible else ""
    errors = [(f"#{first}", f"{prefix}{error}") for error in form.non_field_errors()]
    for bound in visible:
        errors.extend((f"#{_anchor(bound, str(error))}", f"{prefix}{error}") for error in bound.errors)
    return errors


# The request page's reads by key: compiled once (ADR 0040).
_REQUEST_HISTORY = Prepared(
    lambda: HistoryItem.objects.filter(
        request_id=Param("request", InformationRequest._meta.pk)
    ).select_related("trawl_candidate__person")
)
_LOADED_SOURCE = Prepared(
    lambda: DataSource.objects.filter(
        agency_id=Param("agency", Agency._meta.pk), is_active=True, current_load__isnull=False
    ).values_list("pk")[:1]
)
_LATEST_TRAWL = Prepared(
    lambda: Trawl.objects.filter(request_id=Param("request", InformationRequest._meta.pk)).order_by(
        *(Trawl._meta.ordering or ())
    )[:1]  # as `.first()` orders
)
_REQUEST_PEOPLE = Prepared(
    lambda: ReferralPerson.objects.filter(referral_id=Param("referral", Referral._meta.pk)).select_related(
        "addition__agency", "addition__created_by"
    )
)


def _render_detail(
    request: HttpRequest,
    info: InformationRequest,
    *,
    form: ReturnForm | None = None,
    formset: Any = None,
    nil_form: NilReturnForm | None = None,
    withhold_form: WithholdForm | None = None,
    page_errors: Sequence[str] = (),
) -> HttpResponse:
    now = timezone.now()
    # The request's history once, for the form, the draft check and the search's items.
    history = pointing_at(_REQUEST_HISTORY.run(request=info.pk), "request", info)
    if withhold_form is None:
        withhold_form = WithholdForm()
    if form is None:
        form = ReturnForm(initial=_return_initial(info))
    if formset is None:
        formset = HistoryFormSet(prefix=HISTORY_PREFIX, initial=_history_initial(history))
    if nil_form is None:
        nil_form = NilReturnForm(initial={"version": info.version})
    errors: list[tuple[str, str]] = [("#main-content", message) for message in page_errors]
    errors += _form_errors(form)
    if formset.is_bound:
        errors += [("#history", str(error)) for error in formset.non_form_errors()]
        for number, row in enumerate(formset.forms, start=1):
            errors += _form_errors(row, f"History item {number}")
    errors += _form_errors(nil_form)
    errors += _form_errors(withhold_form)
    referral = info.case.referral
    blocked = info.status == RequestStatus.BLOCKED
    ended = info.status == RequestStatus.WITHDRAWN
    # While the request waits at the sharing gate the agency sees why, but not who the family are; once
    # it is no longer needed the agency has no reason to see them either.
    people = (
        []
        if blocked or ended
        else pointing_at(_REQUEST_PEOPLE.run(referral=referral.pk), "referral", referral)
    )
    if people:
        as_prefetched(referral, "people", people)  # the sharing gate reads them, as the referral's people
    agencies = contribution_agencies(request.user, info.case) if people else frozenset()
    for person in people:
        setattr(person, "provenance", provenance(person, agencies))  # noqa: B010 - shown with each person
    # The work on the request (take, return, nil return, withholding), as the policy allows: never on a
    # case whose personal data was destroyed.
    may_respond = decide(request.user, Action.REQUEST_RESPOND, info).allowed
    return render(
        request,
        "enquiries/detail.html",
        {
            "blocked": blocked,
            "ended": ended,
            "hub": hub_configuration() if blocked else None,  # whom to ask about a waiting request
            "withhold_form": withhold_form,
            "withheld": withheld_by_request(info),
            "info": info,
            "case": info.case,
            "referral": referral,
            "children": [p for p in people if p.is_subject],
            "household": [p for p in people if not p.is_subject],
            "due": format_deadline(info.due_at),
            "overdue": info.is_overdue(now),
            "overdue_by": time_since(info.due_at, now) if info.due_at and info.due_at < now else "",
            "may_respond": may_respond,
            "may_take": may_respond and info.status == RequestStatus.OPEN,
            "may_add_person": bool(people) and decide(request.user, Action.REQUEST_ADD_PERSON, info).allowed,
            "show_form": may_respond and not blocked and not ended and (info.is_open or form.is_bound),
            "form": form,
            "formset": formset,
            "nil_form": nil_form,
            "has_draft": bool(info.summary or info.risk_factors or info.protective_factors or history),
            "trawl_items": [item for item in history if item.source_system],
            "has_sources": bool(_LOADED_SOURCE.run(agency=info.agency_id)),
            "latest_trawl": _LATEST_TRAWL.first(request=info.pk),
            "errors": errors,
        },
    )


def withheld_by_request(info: InformationRequest) -> list[Disclosure]:
    """The agency's recorded decisions not to share, for this request, oldest first."""
    return _WITHHELD.run(case=info.case_id, agency=info.agency_id, item=str(info.pk))


_WITHHELD = Prepared(
    lambda: (
        Disclosure.objects.filter(
            kind=DisclosureKind.WITHHELD,
            case_id=Param("case", Case._meta.pk),
            from_agency_id=Param("agency", Agency._meta.pk),
            item_id=Param("item", Disclosure._meta.get_field("item_id")),
        )
        .select_related("by_user")
        .order_by("at", "id")
    )
)


@require(Perm.REQUEST_RESPOND)
def detail(request: HttpRequest, request_id: str) -> HttpResponse:
    posted = request.method == "POST"
    actor, info = open_request(request, request_id, Action.REQUEST_RESPOND if posted else Action.REQUEST_VIEW)
    if not posted:
        return _render_detail(request, info)
    if request.POST.get("form") == WITHHOLD_FORM:
        return _withhold(request, actor, info)
    if info.status == RequestStatus.BLOCKED:
        return _render_detail(request, info, page_errors=[blocked_message(info)])
    submitting = request.POST.get("action") == "submit"
    form = ReturnForm(request.POST, submitting=submitting)
    formset = HistoryFormSet(request.POST, prefix=HISTORY_PREFIX)
    if form.is_valid() and formset.is_valid():
        history = [HistoryData(**row.cleaned_data) for row in formset.forms if row.cleaned_data]
        try:
            request_save_return(
                actor=actor,
                request=info,
                expected_version=form.cleaned_data["version"],
                summary=form.cleaned_data["summary"],
                risk_factors=form.cleaned_data["risk_factors"],
                protective_factors=form.cleaned_data["protective_factors"],
                history=history,
                submit=submitting,
            )
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            reference = info.case.reference
            if submitting:
                messages.success(request, f"Return sent to the hub for case {reference}.")
                return redirect("enquiries:queue")
            messages.success(
                request, f"Draft saved for case {reference}. It has not been sent to the hub yet."
            )
            return redirect("enquiries:detail", request_id=info.pk)
    return _render_detail(request, info, form=form, formset=formset)


def blocked_message(info: InformationRequest) -> str:
    """Why a waiting request cannot be worked on yet, and what would let it go."""
    return f"{info.blocked_reason} {info.unblock_hint}".strip() or str(RequestStatus.BLOCKED.label)


def _withhold(request: HttpRequest, actor: Actor, info: InformationRequest) -> HttpResponse:
    if info.status == RequestStatus.BLOCKED:
        return _render_detail(request, info, page_errors=[blocked_message(info)])
    form = WithholdForm(request.POST)
    if form.is_valid():
        try:
            request_withhold(
                actor=actor, request=info, what=form.cleaned_data["what"], reason=form.cleaned_data["reason"]
            )
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                f"Decision not to share recorded for case {info.case.reference}: {form.cleaned_data['what']}",
            )
            return redirect(reverse("enquiries:detail", args=[info.pk]) + "#withheld")
    return _render_detail(request, info, withhold_form=form)


@require(Perm.REQUEST_RESPOND)
@require_POST
def take(request: HttpRequest, request_id: str) -> HttpResponse:
    actor, info = open_request(request, request_id, Action.REQUEST_RESPOND)
    if info.status == RequestStatus.BLOCKED:
        return _render_detail(request, info, page_errors=[blocked_message(info)])
    try:
        request_take(actor=actor, request=info)
    except DomainError as error:
        info.refresh_from_db()
        return _render_detail(request, info, page_errors=[str(error)])
    messages.success(request, f"You have taken the request for case {info.case.reference}.")
    return redirect(reverse("enquiries:detail", args=[info.pk]) + "#return")


@require(Perm.REQUEST_RESPOND)
@require_POST
def nil_return(request: HttpRequest, request_id: str) -> HttpResponse:
    actor, info = open_request(request, request_id, Action.REQUEST_RESPOND)
    if info.status == RequestStatus.BLOCKED:
        return _render_detail(request, info, page_errors=[blocked_message(info)])
    nil_form = NilReturnForm(request.POST)
    if nil_form.is_valid():
        try:
            request_nil_return(actor=actor, request=info, expected_version=nil_form.cleaned_data["version"])
        except DomainError as error:
            nil_form.add_error(None, str(error))
        else:
            messages.success(
                request, f"Nil return sent for case {info.case.reference}: not known to {info.agency.name}."
            )
            return redirect("enquiries:queue")
    return _render_detail(request, info, nil_form=nil_form)
