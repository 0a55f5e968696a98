"""Asking the policy from a view: a refusal is audited as a refusal, then answered as the policy says.

`authorize` raises `AccessRefusedError`; `AccessMiddleware` turns it into the answer a person sees:
404 where the object's existence is itself personal data, 403 with the reason, or the sharing-gate
explanation (never the family) for an agency whose request waits.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django.db.models import Exists, Model, OuterRef, QuerySet, Subquery
from django.http import HttpRequest

from openmash.access.policy import NOT_FOUND, Action, Refusal, Verdict, decide, role_level
from openmash.audit.catalogue import AuditAction
from openmash.audit.services import audit_record
from openmash.cases.models import Case
from openmash.core.actor import Actor
from openmash.core.prepared import Param, Prepared, as_prefetched
from openmash.enquiries.models import InformationRequest
from openmash.hub.models import ThresholdLevel
from openmash.referrals.models import Referral, ReferralPerson

M = TypeVar("M", bound=Model)


class AccessRefusedError(Exception):
    def __init__(self, verdict: Verdict, obj: object = None) -> None:
        super().__init__(verdict.reason)
        self.verdict = verdict
        self.obj = obj


def refusal_recorded(
    *, actor: Actor, action: str, verdict: Verdict, object_type: str = "", object_id: str = ""
) -> None:
    """Who tried what, on which object, and why it was refused; no one's personal data."""
    if actor.user is None:
        return
    audit_record(
        actor=actor,
        action=AuditAction.ACCESS_REFUSED,
        object_type=object_type,
        object_id=object_id,
        detail={
            "action": str(action),
            "refusal": str(verdict.refusal or Refusal.FORBIDDEN),
            "reason": verdict.reason[:300],
        },
    )


def authorize(actor: Actor, action: Action, obj: Model | None) -> Verdict:
    """The policy's answer when it allows; otherwise the refusal is audited and raised."""
    verdict = decide(actor.user, action, obj)
    if not verdict:
        refusal_recorded(
            actor=actor,
            action=action,
            verdict=verdict,
            object_type=obj._meta.label_lower if obj is not None else "",
            object_id=str(obj.pk) if obj is not None else "",
        )
        raise AccessRefusedError(verdict, obj)
    return verdict


def load(actor: Actor, action: Action, rows: QuerySet[M] | Prepared[M], pk: object) -> tuple[M, Verdict]:
    """One object by primary key, if the policy lets this person do this to it; a missing one is refused
    the same way as one the person may not see (its absence is not told apart from its existence).
    ``rows`` may be a query prepared with a ``pk`` parameter (see :func:`by_key`)."""
    if isinstance(rows, Prepared):
        obj = rows.first(pk=pk)
    else:
        # By key, so unordered: `.first()` would add ORDER BY id, which Django compiles by comparing it
        # with every selected column (over a hundred for a case with its referral), for no difference.
        obj = next(iter(rows.filter(pk=pk).order_by()[:1]), None)
    if obj is None:
        verdict = role_level(actor.user, action)
        verdict = verdict if not verdict else NOT_FOUND
        refusal_recorded(
            actor=actor,
            action=action,
            verdict=verdict,
            object_type=rows.model._meta.label_lower,
            object_id=str(pk)[:64],
        )
        raise AccessRefusedError(verdict)
    return obj, authorize(actor, action, obj)


# Opening one object for a view: load, ask the policy, then audit the read -------------------------------


def by_key(rows: Callable[[], QuerySet[M]]) -> Prepared[M]:
    """`rows` (a function giving the query) as one object by key, its SQL compiled once (ADR 0040)."""

    def build() -> QuerySet[M]:
        query = rows()
        return query.filter(pk=Param("pk", query.model._meta.pk)).order_by()[:1]

    return Prepared(build)


# The referral's people once, for the audit and for every panel of the page that names them: read by a
# prepared query of their own and kept as the referral's prefetched people (a prefetch_related would
# compile its query on every page). With its destruction record, if it was destroyed, so its pages can
# say so.
_REFERRAL_PEOPLE = Prepared(
    lambda: ReferralPerson.objects.filter(referral_id=Param("referral", Referral._meta.pk))
)
_REFERRAL_PEOPLE_KEYS = Prepared(
    lambda: ReferralPerson.objects.filter(referral_id=Param("referral", Referral._meta.pk)).values_list(
        "pk", flat=True
    )
)


class _CasesWithTheirPeople(Prepared[Case]):
    def run(self, **values: object) -> list[Case]:
        cases = super().run(**values)
        for case in cases:
            as_prefetched(case.referral, "people", _REFERRAL_PEOPLE.run(referral=case.referral_id))
        return cases


def _case_page_rows() -> QuerySet[Case]:
    """The case with what its page shows beside it. For the referral panel: whether the child was
    referred before (most were not, and their earlier referrals are then not read) and the name of the
    level of need the referrer gave, in the same read."""
    earlier = Referral.earlier_referrals.through.objects.filter(from_referral=OuterRef("referral_id"))
    level = ThresholdLevel.objects.filter(number=OuterRef("referral__referrer_level"))
    return (
        Case.objects.select_related("referral", "level", "screened_by__agency", "destruction")
        .annotate(
            page_has_earlier=Exists(earlier),
            page_referrer_level=Subquery(
                level.order_by(*(ThresholdLevel._meta.ordering or ())).values("name")[:1]  # as `.first()`
            ),
        )
        .filter(pk=Param("pk", Case._meta.pk))
        .order_by()[:1]
    )


_CASE_PAGE_ROWS = _CasesWithTheirPeople(_case_page_rows)
_REQUEST_PAGE_ROWS = by_key(
    lambda: InformationRequest.objects.select_related(
        "case", "case__referral", "case__destruction", "case__level", "agency", "taken_by", "returned_by"
    )
)


def open_case(
    request: HttpRequest,
    case_id: object,
    action: Action = Action.CASE_VIEW,
    *,
    purpose: str = "view",
    audit: bool = True,
) -> tuple[Actor, Case, Verdict]:
    """The case, once the policy allows this action; its opening is audited, naming its people, unless
    the caller audits (a page that records what it showed in an event of its own, naming the people:
    one event for one read, not two)."""
    actor = Actor.from_request(request)
    case, verdict = load(actor, action, _CASE_PAGE_ROWS, case_id)
    if audit:
        audit_record(
            actor=actor,
            action=AuditAction.CASE_VIEWED,
            obj=case,
            persons=case_people_keys(case),
            detail={"purpose": purpose},
        )
    return actor, case, verdict


def case_people_keys(case: Case) -> list[str]:
    """The keys of the people on a case opened by :func:`open_case`, for the audit event of its read:
    the referral's people it keeps (no read of its own)."""
    return [str(p.pk) for p in case.referral.people.all()]


def open_request(
    request: HttpRequest, request_id: object, action: Action = Action.REQUEST_VIEW, *, audit: bool = True
) -> tuple[Actor, InformationRequest]:
    """The agency's request, once the policy allows; its opening is audited unless the caller audits."""
    actor = Actor.from_request(request)
    info, _ = load(actor, action, _REQUEST_PAGE_ROWS, request_id)
    if audit:
        audit_record(
            actor=actor,
            action=AuditAction.REQUEST_VIEWED,
            obj=info,
            persons=[str(p) for p in _REFERRAL_PEOPLE_KEYS.run(referral=info.case.referral_id)],
            detail={"case": info.case.reference},
        )
    return actor, info
