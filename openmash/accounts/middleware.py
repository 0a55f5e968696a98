"""The role a person is working in: chosen by them from the roles they hold, kept in the session."""

from __future__ import annotations

import time
from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.functional import LazyObject, empty

from openmash.accounts.models import User
from openmash.accounts.roles import Role

ACTIVE_ROLE_KEY = "openmash_active_role"
RENEWED_KEY = "openmash_renewed_at"


class IdleRenewalMiddleware:
    """Renew a signed-in person's idle timer, writing the session at most once every
    SESSION_RENEW_SECONDS rather than on every page: a page then costs no session write (and no commit)
    when the last renewal is recent. The session ends between SESSION_IDLE_MINUTES less that interval
    and SESSION_IDLE_MINUTES after the last page."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        session = getattr(request, "session", None)
        user = getattr(request, "user", None)
        if session is None or user is None or not user.is_authenticated:
            return response
        now = int(time.time())
        renewed = session.get(RENEWED_KEY)
        stale = not isinstance(renewed, int) or now - renewed >= settings.SESSION_RENEW_SECONDS
        if stale or session.modified:  # a session saved anyway is renewed anyway: note when
            session[RENEWED_KEY] = now  # marks the session changed: Django saves it with a new expiry
        return response


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


def person_itself(user: object) -> object:
    """The person a request's ``user`` stands for, not the lazy stand-ins that the authentication and
    two-factor middleware each wrap around it (one inside the other): every attribute read through them
    costs a failed look-up and a second one, and a page's access checks read hundreds."""
    while isinstance(user, LazyObject):
        if user._wrapped is empty:
            user._setup()
        user = user._wrapped
    return user


class ActiveRoleMiddleware:
    """The role the person works in (``request.active_role``); from here on ``request.user`` is the
    person themselves (:func:`person_itself`), read once."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if hasattr(request, "user"):
            request.user = person_itself(request.user)  # type: ignore[assignment]
        request.active_role = active_role_for(request)  # type: ignore[attr-defined]
        return self.get_response(request)


NO_DEVICE_KEY = "openmash_no_authenticator"
#: Pages a signed-in person can reach before giving a two-factor code.
TWO_FACTOR_OPEN = (
    "accounts:sign-in",
    "accounts:sign-out",
    "accounts:two-factor",
    "accounts:two-factor-setup",
)


class TwoFactorMiddleware:
    """After the password, a person with an authenticator must give its code, and (when the hub
    requires two-factor sign-in) a person without one must set one up, before any other page."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self._open: set[str] | None = None

    def _open_paths(self) -> set[str]:
        if self._open is None:
            self._open = {reverse(name) for name in TWO_FACTOR_OPEN}
        return self._open

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            isinstance(user, User)
            and not user.is_verified()  # type: ignore[attr-defined]  # set by django-otp's middleware
            and request.path not in self._open_paths()
            and not request.path.startswith((settings.STATIC_URL or "/static/", "/api/", "/health/"))
        ):
            from openmash.accounts import mfa

            # Remember, for this session, that the person has no authenticator (one query, not one a page).
            if request.session.get(NO_DEVICE_KEY) == str(user.pk) and not mfa.required():
                return self.get_response(request)
            if mfa.has_device(user):
                return redirect(
                    f"{reverse('accounts:two-factor')}?{urlencode({'next': request.get_full_path()})}"
                )
            if not mfa.required():
                request.session[NO_DEVICE_KEY] = str(user.pk)
                return self.get_response(request)
            return redirect(
                f"{reverse('accounts:two-factor-setup')}?{urlencode({'next': request.get_full_path()})}"
            )
        return self.get_response(request)
