"""Outcomes for referrers and partner agencies, and the outcome note an agency files in its own system."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.http import require_POST

from openmash.access.enforce import authorize, load
from openmash.access.policy import Action, writable
from openmash.accounts.models import User
from openmash.accounts.permissions import signed_in
from openmash.accounts.roles import Role
from openmash.core.actor import Actor
from openmash.core.errors import DomainError
from openmash.feedback.forms import GiveUpForm, ResendForm
from openmash.feedback.models import OutcomeNotification
from openmash.feedback.selectors import outcome_notices_for
from openmash.feedback.services import (
    notice_give_up,
    notice_resend,
    outcome_note_downloaded,
    outcome_notices_read,
)
from openmash.hub.selectors import hub_configuration

PAGE_SIZE = 50


@signed_in
def outcomes(request: HttpRequest) -> HttpResponse:
    user = request.user
    authorize(Actor.from_request(request), Action.OUTCOMES_LIST, None)
    assert isinstance(user, User)  # noqa: S101 - the policy checked it
    page = Paginator(outcome_notices_for(user), PAGE_SIZE).get_page(request.GET.get("page"))
    notices: list[OutcomeNotification] = list(page.object_list)
    unread = {n.pk for n in notices if n.read_at is None}
    outcome_notices_read(actor=Actor.from_request(request), notices=notices)
    return render(
        request,
        "feedback/outcomes.html",
        {
            "page": page,
            "rows": [_row(n, unread) for n in notices],
            "as_referrer": user.has_role(Role.REFERRER),
            "as_researcher": user.has_role(Role.AGENCY_RESEARCHER),
        },
    )


def _row(notice: OutcomeNotification, unread: set[UUID]) -> dict[str, object]:
    """A notice in the list, with what the policy allows on its case: a challenge, never on a case whose
    personal data was destroyed, whose notice is never new (seeing it marks nothing read) and says when."""
    kept = writable(notice.case).allowed
    return {
        "notice": notice,
        "new": kept and notice.pk in unread,
        "may_challenge": kept,
        "destroyed": not kept,
    }


@signed_in
def outcome_note(request: HttpRequest, notice_id: str) -> HttpResponse:
    rows = OutcomeNotification.objects.select_related(
        "agency", "case", "case__referral", "case__decision", "case__destruction"
    )
    notice, _ = load(Actor.from_request(request), Action.OUTCOME_VIEW, rows, notice_id)
    decision = getattr(notice.case, "decision", None)
    if decision is None:
        raise Http404("Not decided")
    outcome_note_downloaded(actor=Actor.from_request(request), notice=notice)
    body = render_to_string(
        "feedback/outcome_note.txt",
        {
            "notice": notice,
            "case": notice.case,
            "decision": decision,
            "hub": hub_configuration(),
            "downloaded_by": request.user,
            "downloaded_at": timezone.now(),
        },
    )
    addressee = slugify(notice.agency.name) if notice.agency else "referrer"
    response = HttpResponse(body, content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="outcome-note-{notice.case.reference}-{addressee}.txt"'
    )
    response["Cache-Control"] = "no-store"
    return response


# A notice that could not be sent: send it again, or give it up with a reason --------------------------

FAILED_ROWS = OutcomeNotification.objects.select_related("agency", "case", "case__referral")


def _failed_page(
    request: HttpRequest,
    notice: OutcomeNotification,
    resend: ResendForm,
    give_up: GiveUpForm,
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "feedback/failed.html",
        {"notice": notice, "case": notice.case, "resend": resend, "give_up": give_up},
        status=status,
    )


@signed_in
def failed_notice(request: HttpRequest, notice_id: str) -> HttpResponse:
    notice, _ = load(Actor.from_request(request), Action.OUTCOME_RESEND, FAILED_ROWS, notice_id)
    return _failed_page(request, notice, ResendForm(initial={"email": notice.email}), GiveUpForm())


@signed_in
@require_POST
def resend_notice(request: HttpRequest, notice_id: str) -> HttpResponse:
    actor = Actor.from_request(request)
    notice, _ = load(actor, Action.OUTCOME_RESEND, FAILED_ROWS, notice_id)
    form = ResendForm(request.POST)
    if not form.is_valid():
        return _failed_page(request, notice, form, GiveUpForm(), status=400)
    try:
        notice_resend(actor=actor, notice=notice, email=form.cleaned_data["email"])
    except DomainError as error:
        form.add_error(None, str(error))
        return _failed_page(request, notice, form, GiveUpForm(), status=409)
    messages.success(request, f"The outcome notice to {_addressee(notice)} will be sent again in a moment.")
    return redirect(reverse("cases:detail", args=[notice.case_id]) + "#outcome-feedback")


@signed_in
@require_POST
def give_up_notice(request: HttpRequest, notice_id: str) -> HttpResponse:
    actor = Actor.from_request(request)
    notice, _ = load(actor, Action.OUTCOME_RESEND, FAILED_ROWS, notice_id)
    form = GiveUpForm(request.POST)
    if not form.is_valid():
        return _failed_page(request, notice, ResendForm(initial={"email": notice.email}), form, status=400)
    try:
        notice_give_up(actor=actor, notice=notice, reason=form.cleaned_data["reason"])
    except DomainError as error:
        form.add_error("reason", str(error))
        return _failed_page(request, notice, ResendForm(initial={"email": notice.email}), form, status=409)
    messages.success(request, f"The outcome notice to {_addressee(notice)} will not be sent.")
    return redirect(reverse("cases:detail", args=[notice.case_id]) + "#outcome-feedback")


def _addressee(notice: OutcomeNotification) -> str:
    return notice.agency.name if notice.agency else "the referrer"
