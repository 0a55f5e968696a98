"""A case's consent page: the consents and lawful-basis decisions recorded, each request's state at the
sharing gate, and the forms that change them (record consent, withdraw it, record a lawful basis, and ask
the gate again for every waiting request).

Screening managers and decision makers may change consent; anyone who sees every case may read it. An
agency researcher never sees this page: what a family agreed to is the hub's record, not the agencies'.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from openmash.access.enforce import open_case
from openmash.access.policy import Action, decide
from openmash.accounts.permissions import Perm, require, signed_in
from openmash.cases.models import Case
from openmash.casework import consent as casework
from openmash.consent.forms import BasisEntry, ConsentEntry, ConsentForm, LawfulBasisForm, WithdrawForm
from openmash.consent.models import (
    SPECIAL_CATEGORY_BASIS,
    ConsentDecision,
    ConsentRecord,
    LawfulBasisDecision,
    health_override_text,
)
from openmash.core.actor import Actor
from openmash.core.errors import DomainError
from openmash.enquiries.models import OUTSTANDING_STATUSES, InformationRequest, RequestStatus
from openmash.hub.calendar_format import format_deadline
from openmash.hub.selectors import hub_configuration

CONSENT_RECORDED = "Consent recorded: {decision} by {person}."
BASIS_RECORDED = "Lawful basis recorded: {basis}."
CONSENT_WITHDRAWN = "Consent from {person} withdrawn. Nothing more is searched or shared under it."
ASKED_AGAIN = "Asked the sharing gate again for every unanswered request."
NOW_ASKED = "Now asked: {deadlines}."
NOW_WAITING = "Now waiting for consent or a lawful basis: {agencies}."
NOTHING_CHANGED = "No request changed."
NOTHING_TO_ASK = "There are no unanswered requests on this case to ask about again."
HUB_RULE_EARLY_HELP = (
    "This hub asks for consent before any request or search: no agency is asked until consent that "
    "covers it has been recorded."
)
HUB_RULE = (
    "An agency is asked when consent covers it, or when a lawful basis to proceed without consent has "
    "been recorded. Health agencies need consent that names health information, or a decision to set "
    "aside their duty of confidentiality."
)


@dataclass(frozen=True, slots=True)
class RequestState:
    """One information request as the gate left it: sent (with its due time or outcome) or waiting."""

    request: InformationRequest
    waiting: bool
    due: str


def request_states(case: Case) -> list[RequestState]:
    requests = case.requests.select_related("agency").order_by("agency__name")
    return [
        RequestState(
            request=r,
            waiting=r.status == RequestStatus.BLOCKED,
            due=format_deadline(r.due_at) if r.due_at else "",
        )
        for r in requests
    ]


def _snapshot(case: Case) -> dict[UUID, str]:
    return dict(case.requests.values_list("pk", "status"))


def _and(names: Sequence[str]) -> str:
    names = list(names)
    if not names:
        return ""
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def what_changed(case: Case, before: dict[UUID, str]) -> str:
    """'Now asked: Health by 2pm on ...' and 'Now waiting ...: Police', or that nothing changed."""
    after = list(case.requests.select_related("agency").order_by("agency__name"))
    blocked = RequestStatus.BLOCKED
    sent = [r for r in after if before.get(r.pk) == blocked and r.status != blocked]
    waiting = [r for r in after if r.pk in before and before[r.pk] != blocked and r.status == blocked]
    parts = []
    if sent:
        groups: dict[datetime | None, list[str]] = {}
        for r in sent:
            groups.setdefault(r.due_at, []).append(r.agency.name)
        deadlines = "; ".join(
            f"{_and(names)} by {format_deadline(due)}" if due else _and(names)
            for due, names in groups.items()
        )
        parts.append(NOW_ASKED.format(deadlines=deadlines))
    if waiting:
        parts.append(NOW_WAITING.format(agencies=_and([r.agency.name for r in waiting])))
    return " ".join(parts) or NOTHING_CHANGED


def _person(user: Any) -> str:
    if user is None:
        return "OpenMASH (automatic)"
    return f"{user.get_full_name() or user.get_username()}, {user.agency.name}"


@dataclass(frozen=True, slots=True)
class ConsentRow:
    record: ConsentRecord
    state: str
    tag: str
    for_whom: str
    scope: str
    recorded_by: str
    withdrawn_by: str


@dataclass(frozen=True, slots=True)
class BasisRow:
    record: LawfulBasisDecision
    scope: str
    decided_by: str


def _scope(all_agencies: bool, record: ConsentRecord | LawfulBasisDecision) -> str:
    return "All agencies" if all_agencies else ", ".join(a.name for a in record.agencies.all())


def consent_rows(case: Case) -> list[ConsentRow]:
    records = case.consents.select_related(
        "given_by", "child", "recorded_by__agency", "withdrawn_by__agency"
    ).prefetch_related("agencies")
    rows = []
    words = case.referral.subject_words
    for c in records:
        if c.decision == ConsentDecision.REFUSED:
            state, tag = "Refused", "govuk-tag--red"
        elif c.withdrawn_at is not None:
            state, tag = "Withdrawn", "govuk-tag--grey"
        else:
            state, tag = "Given", "govuk-tag--green"
        for_whom = f"A named {words.noun}: {c.child}" if c.child else c.get_for_whom_display()
        rows.append(
            ConsentRow(
                record=c,
                state=state,
                tag=tag,
                for_whom=for_whom,
                scope=_scope(c.all_agencies, c),
                recorded_by=_person(c.recorded_by),
                withdrawn_by=_person(c.withdrawn_by) if c.withdrawn_at else "",
            )
        )
    return rows


def basis_rows(case: Case) -> list[BasisRow]:
    records = case.lawful_bases.select_related("decided_by__agency").prefetch_related("agencies")
    return [
        BasisRow(record=b, scope=_scope(b.all_agencies, b), decided_by=_person(b.decided_by)) for b in records
    ]


def _children(case: Case) -> str:
    return ", ".join(str(p) for p in case.referral.people.all() if p.is_subject) or "No one named"


# The consent page ------------------------------------------------------------------------------------


@signed_in
def case_consent(request: HttpRequest, case_id: UUID) -> HttpResponse:
    _, case, _ = open_case(request, case_id, Action.CONSENT_VIEW, purpose="consent")
    states = request_states(case)
    config = hub_configuration()
    return render(
        request,
        "consent/case.html",
        {
            "case": case,
            "children": _children(case),
            "consents": consent_rows(case),
            "bases": basis_rows(case),
            "states": states,
            "waiting_count": sum(s.waiting for s in states),
            "unanswered": any(s.waiting or s.request.is_open for s in states),
            "hub_rule": HUB_RULE_EARLY_HELP if config.consent_before_search else HUB_RULE,
            "may_change": decide(request.user, Action.CONSENT_RECORD, case).allowed,
            "special_category_basis": SPECIAL_CATEGORY_BASIS,
            "health_override_text": health_override_text(case.referral.subject_words),
        },
    )


def _given_at(day: Any) -> datetime:
    """Today means now; an earlier day (its time not asked for) is recorded at midday in the hub's zone."""
    if day == timezone.localdate():
        return timezone.now()
    return timezone.make_aware(datetime.combine(day, time(12, 0)))


@require(Perm.CONSENT_RECORD)
def consent_new(request: HttpRequest, case_id: UUID) -> HttpResponse:
    actor, case, _ = open_case(request, case_id, Action.CONSENT_RECORD, purpose="record consent")
    form = ConsentForm(request.POST or None, people=list(case.referral.people.all()))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        entry: ConsentEntry = data["entry"]
        decision = ConsentDecision(data["decision"])
        before = _snapshot(case)
        try:
            casework.consent_record(
                actor=actor,
                case=case,
                given_by=entry.given_by,
                for_whom=entry.for_whom,
                child=entry.child,
                decision=decision,
                informed_how=entry.informed_how,
                privacy_notice_version=entry.privacy_notice_version,
                given_at=_given_at(data["given_on"]),
                all_agencies=data["all_agencies"],
                agencies=data["agency_list"],
                includes_health=entry.includes_health,
            )
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            head = CONSENT_RECORDED.format(decision=decision.label.lower(), person=entry.given_by)
            messages.success(request, f"{head} {what_changed(case, before)}")
            return redirect("consent:case", case_id=case.pk)
    return render(
        request,
        "consent/record.html",
        {"case": case, "children": _children(case), "form": form},
    )


@require(Perm.CONSENT_RECORD)
def lawful_basis_new(request: HttpRequest, case_id: UUID) -> HttpResponse:
    actor, case, _ = open_case(request, case_id, Action.CONSENT_RECORD, purpose="record lawful basis")
    form = LawfulBasisForm(request.POST or None, words=case.referral.subject_words)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        entry: BasisEntry = data["entry"]
        before = _snapshot(case)
        try:
            basis = casework.lawful_basis_record(
                actor=actor,
                case=case,
                reason=entry.reason,
                art6=entry.art6,
                special_category=entry.special_category,
                health_override=entry.health_override,
                all_agencies=data["all_agencies"],
                agencies=data["agency_list"],
            )
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            head = BASIS_RECORDED.format(basis=basis.get_art6_display())
            messages.success(request, f"{head} {what_changed(case, before)}")
            return redirect("consent:case", case_id=case.pk)
    return render(
        request,
        "consent/lawful_basis.html",
        {"case": case, "children": _children(case), "form": form},
    )


@require(Perm.CONSENT_RECORD)
@require_POST
def ask_again(request: HttpRequest, case_id: UUID) -> HttpResponse:
    """The second trawl: consent or a basis arrived (or was withdrawn), so ask the gate for every request."""
    actor, case, _ = open_case(request, case_id, Action.CONSENT_RECORD, purpose="ask again")
    before = _snapshot(case)
    if not any(status in OUTSTANDING_STATUSES for status in before.values()):
        messages.info(request, NOTHING_TO_ASK)
        return redirect("consent:case", case_id=case.pk)
    changed = casework.ask_again(actor=actor, case=case)
    text = f"{ASKED_AGAIN} {what_changed(case, before)}"
    if changed:
        messages.success(request, text)
    else:
        messages.info(request, text)
    return redirect("consent:case", case_id=case.pk)


@require(Perm.CONSENT_RECORD)
def consent_withdraw(request: HttpRequest, consent_id: UUID) -> HttpResponse:
    actor = Actor.from_request(request)
    record = ConsentRecord.objects.select_related("given_by", "child").filter(pk=consent_id).first()
    if record is None:
        raise Http404("No such consent")
    _, case, _ = open_case(request, record.case_id, Action.CONSENT_RECORD, purpose="withdraw consent")
    form = WithdrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        before = _snapshot(case)
        try:
            casework.consent_withdraw(actor=actor, consent=record, note=form.cleaned_data["note"])
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            head = CONSENT_WITHDRAWN.format(person=record.given_by)
            messages.success(request, f"{head} {what_changed(case, before)}")
            return redirect("consent:case", case_id=case.pk)
    row = next(r for r in consent_rows(case) if r.record.pk == record.pk)
    return render(
        request,
        "consent/withdraw.html",
        {
            "case": case,
            "children": _children(case),
            "form": form,
            "row": row,
            "may_withdraw": record.is_active,
        },
    )
