"""The case product: the summary, each agency's contribution, the chronology and the genogram, as a
page and as a PDF pack for meetings (OFFICIAL-SENSITIVE on every page).

Only information an agency has returned appears; every view and download is audited and each
agency's returned information shown or exported goes in the disclosure log.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe

from openmash.access.enforce import case_people_keys, open_case
from openmash.access.policy import Action, contribution_agencies
from openmash.accounts.permissions import signed_in
from openmash.audit.catalogue import AuditAction
from openmash.audit.services import audit_record
from openmash.cases.models import Case
from openmash.chronology.selectors import chronology
from openmash.core.actor import Actor
from openmash.enquiries.disclosures import CASE_PRODUCT_VIEWED, PRODUCT_PACK_DOWNLOADED, returns_shown
from openmash.enquiries.models import RequestStatus
from openmash.genogram import relationship_list, render_svg
from openmash.hub.selectors import hub_configuration
from openmash.people.selectors import family_for, people_on

MARKING = "OFFICIAL-SENSITIVE"


def _case(request: HttpRequest, case_id: str, purpose: str) -> tuple[Actor, Case, frozenset[object]]:
    # Each page audits its read itself, naming the people: one event, not a second "case viewed".
    actor, case, _ = open_case(request, case_id, Action.CASE_VIEW, purpose=purpose, audit=False)
    return actor, case, contribution_agencies(request.user, case)


def product_context(case: Case, *, id_prefix: str, agencies: frozenset[object]) -> dict[str, Any]:
    """Everything the page and the pack show, read once; only ``agencies``' returns (the policy's answer)."""
    today = timezone.localdate()
    config = hub_configuration()
    requests = list(
        case.requests.select_related("agency", "returned_by")
        .prefetch_related("history")
        .order_by("agency__name")
    )
    returned = [r for r in requests if r.status == RequestStatus.RETURNED and r.agency_id in agencies]
    outstanding = [r for r in requests if r.status != RequestStatus.RETURNED]
    withheld_from_reader = [
        r for r in requests if r.status == RequestStatus.RETURNED and r.agency_id not in agencies
    ]
    family = family_for(case, agencies=agencies)
    decision = getattr(case, "decision", None)  # RelatedObjectDoesNotExist is an AttributeError
    entries = chronology(case, agencies=agencies)
    return {
        "case": case,
        "referral": case.referral,
        "people": people_on(case),
        "subjects": [p for p in people_on(case) if p.is_subject],
        "decision": decision,
        "decision_in_hub": config.decision_in_hub,
        "hub_name": config.name,
        "contributions": [{"request": r, "history_count": len(r.history.all())} for r in returned],
        "outstanding": outstanding,
        "not_shown": withheld_from_reader,
        "entries": entries,
        "significant_count": sum(1 for e in entries if e.significant),
        # The renderer escapes every name and label it writes into the SVG.
        "svg": mark_safe(render_svg(family, as_of=today, id_prefix=id_prefix)),  # noqa: S308
        "sentences": relationship_list(family, as_of=today),
        "family_size": len(family.people),
        "today": today,
        "marking": MARKING,
    }


@signed_in
def case_product(request: HttpRequest, case_id: str) -> HttpResponse:
    actor, case, shown = _case(request, case_id, "case product")
    context = product_context(case, id_prefix="product-genogram", agencies=shown)
    audit_record(
        actor=actor,
        action=AuditAction.CASE_PRODUCT_VIEWED,
        obj=case,
        persons=case_people_keys(case),
        detail={"case": case.reference, "agencies": len(context["contributions"])},
    )
    returns_shown(actor=actor, case=case, shown=CASE_PRODUCT_VIEWED, agencies=shown)
    return render(request, "product/case.html", context)


@signed_in
def case_pack(request: HttpRequest, case_id: str) -> HttpResponse:
    from weasyprint import HTML

    actor, case, shown = _case(request, case_id, "case pack")
    context = product_context(case, id_prefix="pack-genogram", agencies=shown)
    user = actor.user
    context["produced_by"] = (
        f"{user.get_full_name() or user.get_username()}, {user.agency.name}"
        if user is not None
        else actor.label
    )
    context["produced_at"] = timezone.localtime()
    html = render_to_string("product/pack.html", context, request=request)
    pdf = HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf()
    audit_record(
        actor=actor,
        action=AuditAction.CASE_PACK_DOWNLOADED,
        obj=case,
        persons=case_people_keys(case),
        detail={"case": case.reference, "format": "pdf", "bytes": len(pdf or b"")},
    )
    returns_shown(actor=actor, case=case, shown=PRODUCT_PACK_DOWNLOADED, agencies=shown)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="case-pack-{case.reference}.pdf"'
    response["Cache-Control"] = "no-store"
    return response
