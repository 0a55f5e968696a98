"""Views: placeholders until the pages are built."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse

from openmash.accounts.permissions import signed_in


@signed_in
def case_consent(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    return HttpResponse("Not built yet", status=501)


@signed_in
def consent_new(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    return HttpResponse("Not built yet", status=501)


@signed_in
def lawful_basis_new(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    return HttpResponse("Not built yet", status=501)


@signed_in
def ask_again(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    return HttpResponse("Not built yet", status=501)


@signed_in
def consent_withdraw(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    return HttpResponse("Not built yet", status=501)
