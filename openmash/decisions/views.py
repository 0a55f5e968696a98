"""The decision queue and the decision form."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from openmash.access.enforce import load, open_case
from openmash.access.policy import Action, cases_decidable, writable
from openmash.accounts.permissions import Perm, require, signed_in
from openmash.cases.models import Case, CaseStatus
from openmash.core.actor import Actor
from openmash.core.dates import format_datetime
from openmash.core.errors import DomainError
from openmash.core.prepared import Prepared
from openmash.decisions.challenge_forms import AnswerForm, ChallengeForm
from openmash.decisions.forms import DecisionForm, OutstandingRequest
from openmash.decisions.models import OutcomeChallenge
from openmash.decisions.selectors import (
    DECIDABLE,
    agencies_asked,
    agencies_told,
    decision_of,
    decision_queue,
    open_challenges,
    requests_of,
)
from openmash.decisions.services import (
    NOT_READY,
    decision_record,
    outcome_challenge_answer,
    outcome_challenge_raise,
)
from openmash.enquiries.disclosures import returns_viewed
from openmash.enquiries.models import OUTSTANDING_STATUSES, InformationRequest, RequestStatus
from openmash.feedback.models import OutcomeNotification
from openmash.hub.calendar_format import format_deadline
from openmash.hub.models import ThresholdLevel
from openmash.hub.selectors import hub_configuration

RECORDED = "Decision recorded. The outcome has been sent to the referrer{agencies}."
ALREADY_DECIDED = (
    "{who} recorded a decision on this case at {when}, while you were working on yours. "
    "Your decision has not been saved: read theirs on the case page."
)


@dataclass(frozen=True, slots=True)
class ReturnSummary:
    request: InformationRequest
    due: str
    overdue: bool


@require(Perm.DECISION_RECORD)
def queue(request: HttpRequest) -> HttpResponse:
    rows = decision_queue(actor=Actor.from_request(request), decidable=cases_decidable(request.user))
    return render(
        request,
        "decisions/queue.html",
        {
            "ready": [r for r in rows if r.ready],
            "gathering": [r for r in rows if not r.ready],
            # Those the policy lets be answered: none on a case whose personal data was destroyed.
            "challenges": [c for c in open_challenges() if writable(c.decision.case)],
            "decision_in_hub": hub_configuration().decision_in_hub,
        },
    )


_LEVELS = Prepared(lambda: ThresholdLevel.objects.order_by("number"))  # compiled once (ADR 0040)


@require(Perm.DECISION_RECORD)
def record(request: HttpRequest, case_id: str) -> HttpResponse:
    actor, case, _ = open_case(request, case_id, Action.CASE_DECIDE, purpose="decide")
    decidable = case.status in DECIDABLE
    if not decidable and request.method != "POST":
        return render(request, "decisions/not_decidable.html", {"case": case, "decision": decision_of(case)})
    now = timezone.now()
    returns = [
        ReturnSummary(request=r, due=format_deadline(r.due_at), overdue=r.is_overdue(now))
        for r in requests_of(case)
    ]
    outstanding = [
        OutstandingRequest(
            agency=item.request.agency.name,
            due=item.due,
            overdue=item.overdue,
            waiting=item.request.status == RequestStatus.BLOCKED,
        )
        for item in returns
        if item.request.status in OUTSTANDING_STATUSES
    ]
    form = DecisionForm(
        request.POST if request.method == "POST" else None,
        initial={"version": case.version},
        agencies=agencies_asked(case),
        levels=_LEVELS.run(),
        referrer_level=case.referral.referrer_level,
        screened_level=case.level,
        outstanding=outstanding if decidable else [],
        subject=case.referral.subject_words.short,
    )
    # A form sent back for one more challenge or action is shown again as typed: nothing checked or saved.
    if request.method == "POST" and not (decidable and form.adding):
        valid = form.is_valid()
        if not decidable:
            form.add_error(None, _refusal(case))
        elif valid:
            try:
                decision_record(actor=actor, case=case, **form.service_kwargs())
            except DomainError as error:
                form.add_service_error(error)
            else:
                told = agencies_told(case)
                agencies = f" and {told} {'agency' if told == 1 else 'agencies'}" if told else ""
                messages.success(request, RECORDED.format(agencies=agencies))
                back = request.GET.get("next", "")
                if back and url_has_allowed_host_and_scheme(
                    back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
                ):
                    return redirect(back)  # e.g. back to the meeting screen
                return redirect("cases:detail", case_id=case.pk)
    returns_viewed(actor=actor, case=case, where="Decision page")
    return render(
        request,
        "decisions/record.html",
        {
            "case": case,
            "form": form,
            "returns": returns,
            "people": list(case.referral.people.all()),
            "decision_due": format_deadline(case.decision_due_at),
            "decision_overdue": case.decision_due_at <= now,
        },
    )


def _refusal(case: Case) -> str:
    """Why a case that can no longer be decided was refused: usually someone decided it first."""
    decision = decision_of(case)
    if decision is None:
        return NOT_READY.format(status=CaseStatus(case.status).label.lower())
    when = format_datetime(decision.decided_at)
    return ALREADY_DECIDED.format(who=decision.decided_by, when=when)


# Challenges to an outcome, after it is sent ----------------------------------------------------------

NOTICES = OutcomeNotification.objects.select_related("agency", "case", "case__referral", "case__decision")


@signed_in
def challenge_raise(request: HttpRequest, notice_id: str) -> HttpResponse:
    actor = Actor.from_request(request)
    notice, _ = load(actor, Action.OUTCOME_CHALLENGE, NOTICES, notice_id)
    form = ChallengeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            outcome_challenge_raise(actor=actor, notice=notice, reasons=form.cleaned_data["reasons"])
        except DomainError as error:
            form.add_error("reasons", str(error))
        else:
            messages.success(
                request,
                f"Your challenge to the outcome of case {notice.case.reference} is recorded. "
                "A decision maker will answer it; the answer appears under Outcomes.",
            )
            return redirect("feedback:outcomes")
    earlier = list(notice.challenges.order_by("raised_at"))
    return render(
        request,
        "decisions/challenge.html",
        {"notice": notice, "case": notice.case, "form": form, "earlier": earlier},
        status=400 if form.errors else 200,
    )


@signed_in
def challenge_answer(request: HttpRequest, challenge_id: str) -> HttpResponse:
    actor = Actor.from_request(request)
    rows = OutcomeChallenge.objects.select_related("decision__case", "notice__agency", "raised_by")
    challenge, _ = load(actor, Action.CHALLENGE_ANSWER, rows, challenge_id)
    form = AnswerForm(request.POST if request.method == "POST" and challenge.is_open else None)
    if request.method == "POST" and challenge.is_open and form.is_valid():
        try:
            outcome_challenge_answer(
                actor=actor,
                challenge=challenge,
                answer=form.cleaned_data["answer"],
                result=form.cleaned_data["result"],
            )
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                f"Your answer to the challenge on case {challenge.decision.case.reference} is recorded.",
            )
            return redirect("cases:detail", case_id=challenge.decision.case_id)
    return render(
        request,
        "decisions/challenge_answer.html",
        {"challenge": challenge, "case": challenge.decision.case, "form": form},
        status=400 if form.errors else 200,
    )
