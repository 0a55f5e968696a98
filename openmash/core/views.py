"""Error pages: HTML for people, RFC 9457 problem details for the API (addresses under /api/)."""

from __future__ import annotations

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.defaults import bad_request as html_bad_request
from django.views.defaults import server_error as html_server_error

from openmash.core.api import SERVER_ERROR, is_api_request, problem_response, too_large


def forbidden(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if is_api_request(request.path):
        return problem_response(403)
    return render(request, "403.html", status=403)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if is_api_request(request.path):
        return problem_response(404, "There is nothing at this address in the API.")
    return render(request, "404.html", status=404)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if is_api_request(request.path):
        if isinstance(exception, RequestDataTooBig):
            return problem_response(413, str(too_large().detail))
        return problem_response(400, "The request could not be read.")
    return html_bad_request(request, exception or Exception("bad request"))


def server_error(request: HttpRequest) -> HttpResponse:
    if is_api_request(request.path):
        return problem_response(500, SERVER_ERROR)
    return html_server_error(request)
