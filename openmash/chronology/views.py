from __future__ import annotations

import dataclasses

# A cell a spreadsheet would run as a formula (=, +, -, @ and the like) is written quoted, as text.
from defusedcsv import csv
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from openmash.access.enforce import case_people_keys, open_case
from openmash.access.policy import Action, contribution_agencies
from openmash.accounts.permissions import signed_in
from openmash.audit.catalogue import AuditAction
from openmash.audit.services import audit_record
from openmash.cases.models import Case
from openmash.chronology.selectors import Filters, chronology, filter_choices
from openmash.core.actor import Actor
from openmash.enquiries.disclosures import CHRONOLOGY_CSV_EXPORTED, CHRONOLOGY_VIEWED, returns_shown


def _case(request: HttpRequest, case_id: str, purpose: str) -> tuple[Actor, Case, frozenset[object]]:
    # Each page audits its read itself, naming the people: one event, not a second "case viewed".
    actor, case, _ = open_case(request, case_id, Action.CASE_VIEW, purpose=purpose, audit=False)
    return actor, case, contribution_agencies(request.user, case)


def _filters(request: HttpRequest) -> Filters:
    return Filters(
        agency=request.GET.get("agency", "")[:200],
        person=request.GET.get("person", "")[:200],
        category=request.GET.get("category", "")[:60],
        significance=request.GET.get("significance", "")[:10],
    )


@signed_in
def case_chronology(request: HttpRequest, case_id: str) -> HttpResponse:
    actor, case, shown = _case(request, case_id, "chronology")
    filters = _filters(request)
    everything = chronology(case, agencies=shown)
    entries = [e for e in everything if filters.keep(e)]
    audit_record(
        actor=actor,
        action=AuditAction.CHRONOLOGY_VIEWED,
        obj=case,
        persons=case_people_keys(case),
        detail={"filters": dataclasses.asdict(filters), "entries": len(entries)},
    )
    returns_shown(actor=actor, case=case, shown=CHRONOLOGY_VIEWED, agencies=shown)
    return render(
        request,
        "chronology/case.html",
        {
            "case": case,
            "entries": entries,
            "total": len(everything),
            "filters": filters,
            "choices": filter_choices(everything),
            "people": [str(p) for p in case.referral.people.all()],
            "query": request.GET.urlencode(),
        },
    )


@signed_in
def case_chronology_csv(request: HttpRequest, case_id: str) -> HttpResponse:
    actor, case, shown = _case(request, case_id, "chronology export")
    filters = _filters(request)
    entries = chronology(case, filters, agencies=shown)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="chronology-{case.reference}.csv"'
    writer = csv.writer(response)
    writer.writerow(
        [
            "date",
            "agency",
            "category",
            "significance",
            "description",
            "source_reference",
            "source_system",
            "source_record",
        ]
    )
    for e in entries:
        writer.writerow(
            [
                e.on.isoformat(),
                e.agency,
                e.category_label,
                e.significance_label,
                e.description,
                e.source_reference,
                e.source_system,
                e.source_record,
            ]
        )
    audit_record(
        actor=actor,
        action=AuditAction.CHRONOLOGY_EXPORTED,
        obj=case,
        persons=case_people_keys(case),
        detail={"entries": len(entries), "format": "csv"},
    )
    returns_shown(actor=actor, case=case, shown=CHRONOLOGY_CSV_EXPORTED, agencies=shown)
    return response
