"""The referral form for professionals, and the page where a referrer follows their referral."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from openmash.access.enforce import load
from openmash.access.policy import Action, decide
from openmash.accounts.models import User
from openmash.accounts.permissions import Perm, require, signed_in
from openmash.audit.catalogue import AuditAction
from openmash.audit.services import audit_record
from openmash.casework.intake import referral_receive
from openmash.core.actor import Actor
from openmash.core.errors import DomainError
from openmash.hub.calendar_format import format_deadline
from openmash.hub.models import ThresholdLevel
from openmash.referrals.forms import MAX_CHILDREN, MAX_HOUSEHOLD, ReferralEntry, ReferralForm
from openmash.referrals.models import Channel, Referral
from openmash.referrals.services import ReferralInvalidError, referral_validate

SENT = "Referral sent: your reference is {reference}"


@require(Perm.REFERRAL_CREATE)
def create(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)  # noqa: S101 - @require lets only signed-in people through
    if request.method != "POST":
        entry = ReferralEntry(initial=ReferralForm.initial_for(user))
        return _form_page(request, entry)
    if "add" in request.POST:
        return _form_page(request, ReferralEntry.with_row_added(request.POST, request.POST["add"]))
    entry = ReferralEntry(request.POST)
    entry.is_valid()
    data = entry.referral_data()
    data.referrer_agency = user.agency
    entry.add_rule_errors(referral_validate(data, on=timezone.localdate()))
    if not entry.has_errors:
        try:
            referral = referral_receive(actor=Actor.from_request(request), data=data, channel=Channel.FORM)
        except ReferralInvalidError as error:
            entry.add_rule_errors(error.errors)
        except DomainError as error:
            entry.form.add_error(None, str(error))
        else:
            messages.success(request, SENT.format(reference=referral.reference))
            return redirect("referrals:detail", referral_id=referral.pk)
    return _form_page(request, entry)


def _form_page(request: HttpRequest, entry: ReferralEntry) -> HttpResponse:
    return render(
        request,
        "referrals/referral_form.html",
        {
            "entry": entry,
            "error_links": entry.error_links() if entry.form.is_bound and entry.has_errors else [],
            "max_children": MAX_CHILDREN,
            "max_household": MAX_HOUSEHOLD,
        },
    )


def _referral_for(*, actor: Actor, pk: UUID | str) -> Referral:
    """The referral, once the policy allows: its referrer, and people who see its case."""
    rows = Referral.objects.select_related(
        "case",
        "case__decision",
        "case__decision__level",
        "case__decision__decided_by",
        "case__decision__decided_by__agency",
        "case__decision__lead_agency",
        "referrer_agency",
    ).prefetch_related("people", "earlier_referrals__case__decision")
    referral, _ = load(actor, Action.REFERRAL_VIEW, rows, pk)
    decision = getattr(referral.case, "decision", None)
    audit_record(
        actor=actor,
        action=AuditAction.REFERRAL_VIEWED,
        obj=referral,
        persons=[str(p.pk) for p in referral.people.all()],
        detail={"reference": referral.reference, "outcome_shown": decision is not None},
    )
    return referral


@signed_in
def detail(request: HttpRequest, referral_id: str) -> HttpResponse:
    referral = _referral_for(actor=Actor.from_request(request), pk=referral_id)
    case = referral.case
    people = list(referral.people.all())
    level: ThresholdLevel | str | None = None
    if referral.referrer_level is not None:
        level = ThresholdLevel.objects.filter(number=referral.referrer_level).first()
        level = level or f"Level {referral.referrer_level}"
    return render(
        request,
        "referrals/referral_detail.html",
        {
            "referral": referral,
            "case": case,
            "decision": getattr(case, "decision", None),
            "children": [p for p in people if p.is_subject],
            "household": [p for p in people if not p.is_subject],
            "referrer_level": level,
            "received": format_deadline(referral.received_at),
            "decision_due": format_deadline(case.decision_due_at),
            "sees_case": decide(request.user, Action.CASE_VIEW, case).allowed,
        },
    )
