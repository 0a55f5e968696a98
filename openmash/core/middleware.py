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


class OneCommitPerReadMiddleware:
    """On PostgreSQL, what reading a page writes (its audit event, the disclosure log's lines for the
    agency returns it shows) is committed together, once, when the page is ready: one flush to disk
    per page rather than one per record written (docs/adr/0035-one-commit-per-page-read.md).

    Only for GET and HEAD, whose writes are records of the reading. A refused read answers 403 or 404
    and its refusal is committed; a page that fails (5xx) showed nothing and keeps nothing of it. A
    streamed download writes after the page returns, each record in its own commit, as before. Not on
    SQLite, whose transactions take the database's one write lock when they begin: a read held open
    for a page would stop every other writer for as long."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        from django.db import connection, transaction

        if request.method not in ("GET", "HEAD") or connection.vendor != "postgresql":
            return self.get_response(request)
        # Inside a caller's transaction (a test's) this is a savepoint: the page's writes still go in a
        # block of their own, so a service that insists on a transaction of its own (durable) fails in
        # the tests as it would fail in production.
        with transaction.atomic():
            response = self.get_response(request)
            if response.status_code >= 500:
                transaction.set_rollback(True)
        return response
