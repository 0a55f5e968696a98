"""The role a person is working in: chosen by them from the roles they hold, kept in the session."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from openmash.accounts.models import User
from openmash.accounts.roles import Role

ACTIVE_ROLE_KEY = "openmash_active_role"


def active_role_for(request: HttpRequest) -> Role | None:
    user = request.user
    if not isinstance(user, User):
        return None
    held = user.held_roles()
    if not held:
        return None
    chosen = request.session.get(ACTIVE_ROLE_KEY)
    for role in held:
        if role.value == chosen:
            return role
    return held[0]


class ActiveRoleMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.active_role = active_role_for(request)  # type: ignore[attr-defined]
        return self.get_response(request)
