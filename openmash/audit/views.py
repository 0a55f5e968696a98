from __future__ import annotations

from functools import cache

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.html import format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_POST

from openmash.access.policy import sees_whole_log
from openmash.accounts.permissions import Perm, require
from openmash.audit.catalogue import AuditAction
from openmash.audit.selectors import audit_events_for, with_notes
from openmash.audit.services import audit_record, audit_verify_chain
from openmash.core.actor import Actor
from openmash.core.keyset import keyset_page

PAGE_SIZE = 50


@cache
def action_options(chosen: str) -> SafeString:
    """The filter's list of actions (over a hundred), written once per choice rather than through the
    template on every page; ``chosen`` is one of the catalogue's values or ""."""
    return format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        (
            (value, mark_safe(" selected") if value == chosen else "", label)
            for value, label in AuditAction.choices
        ),
    )


@require(Perm.AUDIT_VIEW)
def events(request: HttpRequest) -> HttpResponse:
    action = request.GET.get("action", "")
    if action not in AuditAction.values:
        action = ""
    who = request.GET.get("actor", "").strip()[:150]
    object_id = request.GET.get("object", "").strip()[:64]
    user = request.user
    # The hub's officers answer for the whole trail; a partner agency's for what its own staff did.
    scope = "" if sees_whole_log(user) else str(getattr(user, "agency_id", ""))
    rows = audit_events_for(
        actor=Actor.from_request(request),
        action=action,
        actor_label=who,
        object_id=object_id,
        agency_id=scope,
    )
    # Newer / older from the last event seen: as quick on a trail of millions as on a new one.
    page = keyset_page(
        rows,
        fields=["sequence"],
        parse=lambda parts: [int(parts[0])],
        params=request.GET.dict(),
        query={"action": action, "actor": who, "object": object_id},
        size=PAGE_SIZE,
    )
    with_notes(page.rows)  # each event's note read with the page, in one query
    return render(
        request,
        "audit/events.html",
        {
            "page": page,
            "action_options": action_options(action),
            "action": action,
            "who": who,
            "object_id": object_id,
            "agency_scope": getattr(user, "agency", None) if scope else None,
        },
    )


@require(Perm.AUDIT_VIEW)
@require_POST
def verify(request: HttpRequest) -> HttpResponse:
    report = audit_verify_chain()
    audit_record(
        actor=Actor.from_request(request),
        action=AuditAction.AUDIT_VERIFIED,
        detail={"checked": report.checked, "broken_at": report.broken_at},
    )
    return render(request, "audit/verify.html", {"report": report})
