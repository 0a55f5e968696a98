"""Read the hub's configuration and working calendar at most once while a page is served."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from openmash.hub.selectors import read_once_per_request


class ReadConfigurationOnceMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with read_once_per_request():
            return self.get_response(request)
