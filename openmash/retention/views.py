"""Information governance pages: what is due for destruction and when, legal holds, destruction records,
and the retention rules. Every page asks the access policy."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from openmash.access.enforce import authorize, load
from openmash.access.policy import Action, Refusal, decide
from openmash.audit.catalogue import AuditAction
from openmash.audit.services import audit_record
from openmash.cases.models import Case
from openmash.core.actor import Actor
from openmash.core.errors import DomainError
from openmash.retention import services
from openmash.retention.forms import FindCaseForm, HoldForm, LiftForm, RuleForm
from openmash.retention.models import KIND_HELP, DestructionRecord, LegalHold, RecordKind
from openmash.retention.selectors import (
    destruction_due_on,
    destruction_records,
    holds_active,
    retention_context,
    retention_rules,
    retention_schedule,
)

HORIZON_DAYS = 90
NO_SUCH_CASE = "No case has this reference"


def schedule(request: HttpRequest) -> HttpResponse:
    actor = Actor.from_request(request)
    authorize(actor, Action.RETENTION_VIEW, None)
    today = timezone.localdate()
    context = retention_context()
    rows = retention_schedule(until=today + timedelta(days=HORIZON_DAYS), context=context)
    audit_record(
        actor=actor,
        action=AuditAction.RETENTION_VIEWED,
        object_type="retention.schedule",
        detail={"page": "schedule", "cases": [d.case.reference for d in rows][:200]},
    )
    due_now = [d for d in rows if d.due_on <= today and d.hold is None]
    return render(
        request,
        "retention/schedule.html",
        {
            "rows": rows,
            "today": today,
            "horizon": HORIZON_DAYS,
            "due_now": len(due_now),
            "held": sum(1 for d in rows if d.hold is not None),
            "rules": [(rule, KIND_HELP[kind]) for kind, rule in context.rules.items()],
            "may_hold": decide(request.user, Action.LEGAL_HOLD, Case()).allowed,
        },
    )


def rules(request: HttpRequest) -> HttpResponse:
    actor = Actor.from_request(request)
    authorize(actor, Action.RETENTION_VIEW, None)
    return render(
        request,
        "retention/rules.html",
        {
            "rules": [(rule, KIND_HELP[kind]) for kind, rule in retention_rules().items()],
            "may_change": decide(request.user, Action.RETENTION_CONFIGURE).allowed,
        },
    )


def rule_edit(request: HttpRequest, kind: str) -> HttpResponse:
    actor = Actor.from_request(request)
    authorize(actor, Action.RETENTION_CONFIGURE, None)
    if kind not in RecordKind.values:
        raise Http404(kind)
    rule = retention_rules()[kind]
    form = RuleForm(request.POST or None, initial={"version": rule.version, "months": rule.months})
    if request.method == "POST" and form.is_valid():
        try:
            services.retention_rule_change(
                actor=actor,
                kind=RecordKind(kind),
                months=form.cleaned_data["months"],
                expected_version=form.cleaned_data["version"],
            )
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"{RecordKind(kind).label}: kept {form.cleaned_data['months']} months.")
            return redirect("retention:rules")
    return render(request, "retention/rule_edit.html", {"form": form, "rule": rule, "help": KIND_HELP[kind]})


def holds(request: HttpRequest) -> HttpResponse:
    actor = Actor.from_request(request)
    authorize(actor, Action.RETENTION_VIEW, None)
    may_hold = decide(request.user, Action.LEGAL_HOLD, Case()).allowed
    form = FindCaseForm(request.GET or None)
    if may_hold and request.GET and form.is_valid():
        case = Case.objects.filter(reference__iexact=form.cleaned_data["reference"].strip()).first()
        verdict = decide(request.user, Action.LEGAL_HOLD, case) if case is not None else None
        if case is None:
            form.add_error("reference", NO_SUCH_CASE)
        elif verdict is not None and verdict.refusal == Refusal.DESTROYED:
            form.add_error("reference", f"{verdict.reason} There is nothing left to hold.")
        else:
            return redirect("retention:hold-place", case_id=case.pk)
    lifted = LegalHold.objects.filter(lifted_at__isnull=False).select_related(
        "case", "placed_by", "lifted_by"
    )
    return render(
        request,
        "retention/holds.html",
        {"holds": holds_active(), "lifted": lifted[:50], "form": form, "may_hold": may_hold},
    )


def hold_place(request: HttpRequest, case_id: str) -> HttpResponse:
    actor = Actor.from_request(request)
    case, _ = load(actor, Action.LEGAL_HOLD, Case.objects.select_related("referral"), case_id)
    current = LegalHold.objects.filter(case=case, lifted_at__isnull=True).first()
    form = HoldForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.legal_hold_place(actor=actor, case=case, reason=form.cleaned_data["reason"])
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"Case {case.reference} is held: it will not be destroyed.")
            return redirect("retention:holds")
    due = destruction_due_on(case, retention_context())
    return render(
        request,
        "retention/hold_place.html",
        {"case": case, "form": form, "current": current, "due": due},
    )


def hold_lift(request: HttpRequest, hold_id: str) -> HttpResponse:
    actor = Actor.from_request(request)
    case_id = LegalHold.objects.filter(pk=hold_id).values_list("case_id", flat=True).first()
    case, _ = load(actor, Action.LEGAL_HOLD, Case.objects.all(), case_id or hold_id)
    hold = get_object_or_404(LegalHold.objects.select_related("placed_by"), pk=hold_id, case=case)
    form = LiftForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.legal_hold_lift(actor=actor, hold=hold, reason=form.cleaned_data["reason"])
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"The legal hold on case {case.reference} is lifted.")
            return redirect("retention:holds")
    return render(request, "retention/hold_lift.html", {"case": case, "hold": hold, "form": form})


def destroyed(request: HttpRequest) -> HttpResponse:
    actor = Actor.from_request(request)
    authorize(actor, Action.RETENTION_VIEW, None)
    return render(request, "retention/destroyed.html", {"records": destruction_records()[:200]})


def destroyed_detail(request: HttpRequest, record_id: str) -> HttpResponse:
    actor = Actor.from_request(request)
    authorize(actor, Action.RETENTION_VIEW, None)
    record = get_object_or_404(DestructionRecord, pk=record_id)
    removed = [(name.replace("_", " ").capitalize(), count) for name, count in record.removed.items()]
    return render(request, "retention/destroyed_detail.html", {"record": record, "removed": removed})
