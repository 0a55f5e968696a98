"""The trawl pages: run a search of the agency's records, review candidates, confirm or reject each,
look at a confirmed record and add its events to the return."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from openmash.access.enforce import open_request
from openmash.access.policy import Action, contribution_agencies, decide
from openmash.accounts.permissions import Perm, require
from openmash.audit.catalogue import AuditAction
from openmash.audit.services import audit_record
from openmash.casework.household import household_member_add
from openmash.core.actor import Actor
from openmash.core.concurrency import show_their_version
from openmash.core.errors import ConcurrentEditError, DomainError
from openmash.enquiries.models import HistoryItem, InformationRequest, RequestStatus
from openmash.people.selectors import addition_of, households_on, people_on, provenance
from openmash.referrals.models import ReferralPerson
from openmash.trawl import services
from openmash.trawl.forms import HouseholdMemberForm, TrawlItemForm
from openmash.trawl.models import CandidateStatus, Trawl, TrawlCandidate, field_label, field_shown
from openmash.trawl.runner import searched_in

REASON_MAX = 1000


@dataclass
class PersonCandidates:
    person: ReferralPerson
    candidates: list[TrawlCandidate] = field(default_factory=list)
    refused: str = ""
    not_searched: bool = False
    """Added to the case after this search started: the next search looks for them."""
    provenance: str = ""
    """How they came to be on the case ("Named on the referral", "Added by Police researcher ...")."""


def _grouped(trawl: Trawl | None, people: Iterable[ReferralPerson]) -> list[PersonCandidates]:
    groups = {p.pk: PersonCandidates(person=p) for p in people}
    if trawl is None:
        return list(groups.values())
    for group in groups.values():
        group.not_searched = not searched_in(trawl, group.person)
    for row in trawl.refused:
        for pk, group in groups.items():
            if str(pk) == row.get("person"):
                group.refused = str(row.get("reason", ""))
    for candidate in trawl.candidates.select_related("source", "decided_by", "carried_from__trawl").order_by(
        "-match_probability", "source__name", "record_id"
    ):
        if candidate.person_id in groups:
            groups[candidate.person_id].candidates.append(candidate)
    return list(groups.values())


def _request(
    request: HttpRequest, request_id: str, *, audit: bool = True, write: bool = False
) -> InformationRequest:
    """The agency's request, once the policy allows searching for it (never while it waits at the gate);
    with ``write``, once it allows changing the search or the return (never on a destroyed case)."""
    action = Action.TRAWL_RECORD if write else Action.REQUEST_TRAWL
    _, info = open_request(request, request_id, action, audit=audit)
    return info


def _candidate(info: InformationRequest, candidate_id: str) -> TrawlCandidate:
    return get_object_or_404(
        TrawlCandidate.objects.select_related("trawl__request", "source", "load", "person"),
        pk=candidate_id,
        trawl__request=info,
    )


@require(Perm.REQUEST_RESPOND)
def trawl_page(request: HttpRequest, request_id: str) -> HttpResponse:
    actor = Actor.from_request(request)
    info = _request(request, request_id)
    trawl = services.latest_trawl(info)
    blocked = info.status == RequestStatus.BLOCKED
    people = (
        []
        if blocked
        else list(
            info.case.referral.people.order_by("-is_subject", "family_name").select_related(
                "addition__agency", "addition__created_by"
            )
        )
    )
    groups = _grouped(trawl, people)
    agencies = contribution_agencies(request.user, info.case) if people else frozenset()
    for group in groups:
        group.provenance = provenance(group.person, agencies)
    shown = [c.pk for g in groups for c in g.candidates]
    if shown:
        audit_record(
            actor=actor,
            action=AuditAction.TRAWL_VIEWED,
            obj=info,
            persons=[g.person.pk for g in groups if g.candidates],
            detail={"case": info.case.reference, "candidates": len(shown)},
        )
    return render(
        request,
        "trawl/trawl.html",
        {
            "info": info,
            "case": info.case,
            "blocked": blocked,
            "sources": services.searchable_sources(info),
            "trawl": trawl,
            "groups": groups,
            "waiting": [g.person for g in groups if g.not_searched],
            "may_run": info.is_open
            and not blocked
            and decide(request.user, Action.TRAWL_RECORD, info).allowed,
            "may_add_person": decide(request.user, Action.REQUEST_ADD_PERSON, info).allowed,
            # Who this request added: each may be removed again if added in error (on the people pages).
            "added_here": [
                p for p in people if (a := addition_of(p)) is not None and a.request_id == info.pk
            ],
        },
    )


@require(Perm.REQUEST_RESPOND)
def person_add(request: HttpRequest, request_id: str) -> HttpResponse:
    """Add someone the referral did not name, found in the agency's records (a parent's new partner
    living with the child), so the hub sees them and the next search looks for them."""
    actor, info = open_request(request, request_id, Action.REQUEST_ADD_PERSON)
    case = info.case
    form = HouseholdMemberForm(
        request.POST if request.method == "POST" else None,
        people=people_on(case),
        households=households_on(case),
        words=case.referral.subject_words,
    )
    if request.method == "POST" and form.is_valid():
        try:
            person = household_member_add(actor=actor, request=info, member=form.member())
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                f"{person} added to case {case.reference}. Search {info.agency.name}'s records"
                f"{' again' if services.latest_trawl(info) else ''} to look for them.",
            )
            return redirect(f"{_page_url(info)}#people")
    return render(
        request,
        "trawl/add_person.html",
        {"form": form, "info": info, "case": case, "cancel": _page_url(info)},
    )


@require(Perm.REQUEST_RESPOND)
@require_POST
def trawl_run(request: HttpRequest, request_id: str) -> HttpResponse:
    info = _request(request, request_id, audit=False, write=True)
    try:
        services.trawl_start(actor=Actor.from_request(request), request=info)
    except DomainError as error:
        messages.error(request, str(error))
    return redirect("trawl:page", request_id=info.pk)


@require(Perm.REQUEST_RESPOND)
@require_GET
def trawl_progress(request: HttpRequest, request_id: str) -> HttpResponse:
    """The progress panel alone, polled by htmx; once the trawl has finished the page reloads."""
    info = _request(request, request_id, audit=False)
    trawl = services.latest_trawl(info)
    response = render(request, "trawl/_progress.html", {"info": info, "case": info.case, "trawl": trawl})
    if trawl is None or trawl.is_finished:
        response["HX-Refresh"] = "true"
    return response


@require(Perm.REQUEST_RESPOND)
@require_POST
def candidate_decide(request: HttpRequest, request_id: str, candidate_id: str) -> HttpResponse:
    info = _request(request, request_id, audit=False, write=True)
    candidate = _candidate(info, candidate_id)
    decision = request.POST.get("decision")
    reason = request.POST.get("reason", "")[:REASON_MAX]
    actor = Actor.from_request(request)
    try:
        if decision == "confirm":
            services.candidate_confirm(actor=actor, candidate=candidate, reason=reason)
            messages.success(
                request,
                f"Confirmed: {candidate.source.name} record {candidate.record_id} is "
                f"{candidate.person.given_name} {candidate.person.family_name}.",
            )
            return redirect("trawl:record", request_id=info.pk, candidate_id=candidate.pk)
        if decision == "reject":
            services.candidate_reject(actor=actor, candidate=candidate, reason=reason)
            messages.success(
                request,
                f"Rejected: {candidate.source.name} record {candidate.record_id} is not "
                f"{candidate.person.given_name} {candidate.person.family_name}.",
            )
        elif decision == "undo":
            removed = services.candidate_undo(actor=actor, candidate=candidate, reason=reason)
            taken = (
                f" {removed} event{'s' if removed != 1 else ''} from it taken out of your return."
                if removed
                else ""
            )
            messages.success(
                request,
                f"Decision undone: {candidate.source.name} record {candidate.record_id} "
                f"is to review again.{taken}",
            )
        else:
            messages.error(request, "Choose whether this record is the same person")
    except DomainError as error:
        messages.error(request, str(error))
    return redirect(f"{_page_url(info)}#person-{candidate.person_id}")


def _page_url(info: InformationRequest) -> str:
    return reverse("trawl:page", kwargs={"request_id": info.pk})


@require(Perm.REQUEST_RESPOND)
def candidate_record(request: HttpRequest, request_id: str, candidate_id: str) -> HttpResponse:
    info = _request(request, request_id, audit=False, write=request.method == "POST")
    candidate = _candidate(info, candidate_id)
    actor = Actor.from_request(request)
    errors: list[tuple[str, str]] = []
    if request.method == "POST":
        keys = request.POST.getlist("event")
        try:
            items = services.events_add(actor=actor, candidate=candidate, event_keys=keys)
        except DomainError as error:
            errors.append(("#events", str(error)))
        else:
            count = len(items)
            plural = "s" if count != 1 else ""
            done = f"{count} event{plural} added to your return for case {info.case.reference}."
            messages.success(request, done if count else "Those events were already in your return.")
            return redirect("trawl:record", request_id=info.pk, candidate_id=candidate.pk)
    try:
        record = services.candidate_record(actor=actor, candidate=candidate)
    except DomainError as error:
        messages.error(request, str(error))
        return redirect(f"{_page_url(info)}#person-{candidate.person_id}")
    added = set(
        info.history.filter(
            source_system=candidate.source.name, source_record_id=candidate.record_id
        ).values_list("event_key", flat=True)
    )
    context: dict[str, Any] = {
        "info": info,
        "case": info.case,
        "candidate": candidate,
        "record": record,
        "added": added,
        "errors": errors,
        "may_add": info.is_open
        and candidate.status == CandidateStatus.CONFIRMED
        and decide(request.user, Action.TRAWL_RECORD, info).allowed,
        "identity_rows": _identity_rows(record.identity if record else {}),
        "detail_rows": _detail_rows(record.details if record else {}),
    }
    return render(request, "trawl/record.html", context, status=400 if errors else 200)


_IDENTITY_LABELS = (
    ("record_id", "Record"),
    ("given_name", "Given name"),
    ("surname", "Surname"),
    ("date_of_birth", "Date of birth"),
    ("sex", "Sex"),
    ("address", "Address"),
    ("postcode", "Postcode"),
    ("nhs_number", "NHS number"),
    ("other_id", "Other identifier"),
)


def _identity_rows(identity: Any) -> list[tuple[str, str, date | None]]:
    return [
        (label, *field_shown(key, identity.get(key))) for key, label in _IDENTITY_LABELS if key in identity
    ]


def _detail_rows(details: Any) -> list[tuple[str, str, date | None]]:
    """The record's other fields, labelled and formatted ("warning_markers" as "Warning markers")."""
    return [(field_label(str(key)), *field_shown(str(key), value)) for key, value in dict(details).items()]


@require(Perm.REQUEST_RESPOND)
@require_POST
def item_remove(request: HttpRequest, request_id: str, item_id: str) -> HttpResponse:
    info = _request(request, request_id, audit=False, write=True)
    item = get_object_or_404(HistoryItem, pk=item_id, request=info)
    try:
        services.trawl_item_remove(actor=Actor.from_request(request), item=item)
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"Removed the {item.occurred_on:%-d %B %Y} event from your return.")
    return redirect(f"{_request_url(info)}#trawl-items")


@require(Perm.REQUEST_RESPOND)
def item_edit(request: HttpRequest, request_id: str, item_id: str) -> HttpResponse:
    """Change the words or significance of an event found by trawl, before the return is shared."""
    # Showing the event is a read of the family's information (audited); saving is audited as an edit.
    posted = request.method == "POST"
    info = _request(request, request_id, audit=not posted, write=posted)
    item = get_object_or_404(HistoryItem, pk=item_id, request=info)
    if not item.from_trawl:
        raise Http404("Not an event from the agency's records")
    form = TrawlItemForm(request.POST if request.method == "POST" else None, initial=_item_initial(item))
    conflict = False
    if request.method == "POST" and form.is_valid():
        try:
            services.trawl_item_edit(
                actor=Actor.from_request(request),
                item=item,
                expected_version=form.cleaned_data["version"],
                description=form.cleaned_data["description"],
                significance=form.cleaned_data["significance"],
            )
        except ConcurrentEditError as error:
            # Their words stay in the form; what the other researcher saved is shown beside them.
            conflict = True
            form.add_error(None, str(error))
            item.refresh_from_db()
            show_their_version(form, item, _item_initial(item))
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"Saved the {item.occurred_on:%-d %B %Y} event in your return.")
            return redirect(f"{_request_url(info)}#trawl-items")
    return render(
        request,
        "trawl/item_edit.html",
        {"form": form, "info": info, "item": item, "cancel": f"{_request_url(info)}#trawl-items"},
        status=409 if conflict else 400 if form.errors else 200,
    )


def _item_initial(item: HistoryItem) -> dict[str, Any]:
    return {"version": item.version, "description": item.description, "significance": item.significance}


def _request_url(info: InformationRequest) -> str:
    return reverse("enquiries:detail", kwargs={"request_id": info.pk})
