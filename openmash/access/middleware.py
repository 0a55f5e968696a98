"""The page a person sees when the access policy refuses: a refusal raised anywhere in a view becomes
404 (not found: whether a case exists is itself personal data), 403 with the reason (for a change to a case
whose personal data was destroyed, that it can no longer be changed, and since when), or the "you cannot
see this case yet" page that names the request and its remedy."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from openmash.access.enforce import AccessRefusedError
from openmash.access.policy import Refusal, standings_remembered
from openmash.core.views import not_found


def refused_response(request: HttpRequest, refused: AccessRefusedError) -> HttpResponse:
    verdict = refused.verdict
    if verdict.refusal in (Refusal.BLOCKED, Refusal.WITHDRAWN) and verdict.request is not None:
        return render(
            request,
            "access/waiting.html",
            {"verdict": verdict, "info": verdict.request, "withdrawn": verdict.refusal == Refusal.WITHDRAWN},
            status=403,
        )
    if verdict.refusal in (Refusal.FORBIDDEN, Refusal.CLOSED, Refusal.DESTROYED):
        destroyed = verdict.refusal == Refusal.DESTROYED
        return render(request, "403.html", {"reason": verdict.reason, "destroyed": destroyed}, status=403)
    return not_found(request)


class AccessMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method in ("GET", "HEAD"):  # a read changes no one's standing on a case
            with standings_remembered():
                return self.get_response(request)
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> Any:
        if isinstance(exception, AccessRefusedError):
            return refused_response(request, exception)
        return None
