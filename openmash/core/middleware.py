"""Responses to a signed-in person are never stored by a browser or a shared cache."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase
from django.utils.cache import add_never_cache_headers


class NoStoreMiddleware:
    """Cache-Control: no-store (and Pragma: no-cache for HTTP/1.0 caches) on every response to a
    signed-in person or API token user: pages, htmx fragments, downloads, redirects, errors. Personal
    data must not be left in a shared computer's browser cache or a proxy. Static files (served
    before this by WhiteNoise, or under STATIC_URL) hold none and may be cached."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        # Read after the view: an API view sets request.user from the token as it runs.
        user = getattr(request, "user", None)
        static = settings.STATIC_URL or "/static/"
        if getattr(user, "is_authenticated", False) and not request.path.startswith(static):
            add_never_cache_headers(response)
            response["Pragma"] = "no-cache"
        return response
