"""The typed permission catalogue and the policy that answers `can(user, permission)`."""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from openmash.accounts.models import User
from openmash.accounts.roles import Role
from openmash.audit.catalogue import AuditAction
from openmash.audit.services import audit_record
from openmash.core.actor import Actor


class Perm(StrEnum):
    HUB_VIEW_CONFIGURATION = "hub.view_configuration"
    HUB_CONFIGURE = "hub.configure"
    USERS_MANAGE = "accounts.manage_users"
    AUDIT_VIEW = "audit.view"
    PERFORMANCE_VIEW = "reporting.view"
    REFERRAL_CREATE = "referrals.create"
    CASE_SCREEN = "cases.screen"
    CASE_VIEW_ALL = "cases.view_all"
    REQUEST_RESPOND = "enquiries.respond"
    DECISION_RECORD = "decisions.record"
    CONSENT_RECORD = "consent.record"
    TRANSPARENCY_REPORT = "consent.transparency_report"
    SOURCES_MANAGE = "sources.manage"


ROLE_PERMISSIONS: dict[Role, frozenset[Perm]] = {
    Role.REFERRER: frozenset({Perm.REFERRAL_CREATE}),
    Role.SCREENING_MANAGER: frozenset(
        {Perm.HUB_VIEW_CONFIGURATION, Perm.CASE_SCREEN, Perm.CASE_VIEW_ALL, Perm.CONSENT_RECORD}
    ),
    Role.AGENCY_RESEARCHER: frozenset({Perm.REQUEST_RESPOND}),
    Role.DECISION_MAKER: frozenset(
        {Perm.HUB_VIEW_CONFIGURATION, Perm.DECISION_RECORD, Perm.CASE_VIEW_ALL, Perm.CONSENT_RECORD}
    ),
    Role.MEETING_CHAIR: frozenset(),  # a chair sees the cases on their meetings' agendas (access policy)
    Role.IG_OFFICER: frozenset({Perm.AUDIT_VIEW, Perm.HUB_VIEW_CONFIGURATION, Perm.TRANSPARENCY_REPORT}),
    Role.PERFORMANCE_MANAGER: frozenset({Perm.PERFORMANCE_VIEW, Perm.HUB_VIEW_CONFIGURATION}),
    Role.HUB_ADMINISTRATOR: frozenset(
        {Perm.HUB_CONFIGURE, Perm.HUB_VIEW_CONFIGURATION, Perm.USERS_MANAGE, Perm.SOURCES_MANAGE}
    ),
}


def can(user: object, perm: Perm) -> bool:
    """Whether this person, through any role they hold in their agency, has the permission."""
    if not isinstance(user, User) or not user.is_active:
        return False
    return any(perm in ROLE_PERMISSIONS[role] for role in user.held_roles())


def refused(request: HttpRequest, action: str, reason: str) -> None:
    """A refusal is audited as a refusal: who asked for what, and why not (never anyone's data)."""
    audit_record(
        actor=Actor.from_request(request),
        action=AuditAction.ACCESS_REFUSED,
        object_type="page",
        detail={"action": action, "refusal": "forbidden", "reason": reason, "path": request.path[:300]},
    )


def require(perm: Perm) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """View decorator: sign-in first, then the permission, else 403."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not can(request.user, perm):
                refused(request, perm.value, "Your roles do not include this permission")
                raise PermissionDenied(perm.value)
            return view(request, *args, **kwargs)

        wrapped.required_permission = perm  # type: ignore[attr-defined]
        return wrapped

    return decorator


def signed_in(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """View decorator for pages any signed-in person with at least one role may see."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not isinstance(request.user, User) or not request.user.held_roles():
            refused(request, "signed_in", "No role in the hub")
            raise PermissionDenied("no role")
        return view(request, *args, **kwargs)

    return wrapped
