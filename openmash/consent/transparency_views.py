"""Views: placeholders until the pages are built."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse

from openmash.accounts.permissions import signed_in


@signed_in
def disclosures(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    return HttpResponse("Not built yet", status=501)


@signed_in
def transparency_report(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    return HttpResponse("Not built yet", status=501)


@signed_in
def transparency_report_pdf(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    return HttpResponse("Not built yet", status=501)
