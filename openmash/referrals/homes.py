"""Home page context for the roles this app serves."""

from __future__ import annotations

from collections import defaultdict

from django.core.paginator import Paginator
from django.http import HttpRequest

from openmash.audit.catalogue import AuditAction
from openmash.audit.services import audit_record
from openmash.cases.destroyed import when_destroyed
from openmash.cases.selectors import NAMES_DESTROYED, referrals_made_by
from openmash.core.actor import Actor
from openmash.feedback.selectors import unread_outcome_count
from openmash.hub.selectors import hub_configuration
from openmash.referrals.models import Referral, ReferralPerson, referral_form_words

PAGE_SIZE = 25


def referrer_home(request: HttpRequest) -> dict[str, object]:
    """The referrer's own referrals, newest first, each with its child, status and outcome."""
    queryset = referrals_made_by(request.user).select_related("case__decision", "case__destruction")
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    referrals: list[Referral] = list(page.object_list)
    children: dict[object, list[ReferralPerson]] = defaultdict(list)
    for child in ReferralPerson.objects.filter(referral__in=referrals, is_subject=True).order_by(
        "given_name"
    ):
        children[child.referral_id].append(child)
    if referrals:
        audit_record(
            actor=Actor.from_request(request),
            action=AuditAction.QUEUE_VIEWED,
            persons=[str(c.pk) for r in referrals for c in children[r.pk]],
            detail={"list": "your referrals", "referrals": [r.reference for r in referrals]},
        )
    rows = [
        {
            "referral": r,
            "case": r.case,
            "children": ", ".join(f"{c.given_name} {c.family_name}" for c in children[r.pk])
            if when_destroyed(r.case) is None
            else NAMES_DESTROYED,
            "decision": getattr(r.case, "decision", None),
        }
        for r in referrals
    ]
    return {
        "rows": rows,
        "page": page,
        "unread_outcomes": unread_outcome_count(request.user),
        # "Referrals you make about a child (or adult)": the referral form's words.
        "words": referral_form_words(covers_adults=hub_configuration().covers_adults),
    }
