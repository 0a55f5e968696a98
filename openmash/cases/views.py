"""Views: placeholders until the pages are built."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse

from openmash.accounts.permissions import signed_in


@signed_in
def case_list(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    return HttpResponse("Not built yet", status=501)


@signed_in
def queue(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    return HttpResponse("Not built yet", status=501)


@signed_in
def detail(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    return HttpResponse("Not built yet", status=501)


@signed_in
def screen(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    return HttpResponse("Not built yet", status=501)


@signed_in
def rerate(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    return HttpResponse("Not built yet", status=501)
