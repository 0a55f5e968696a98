"""Error pages: HTML for people, RFC 9457 problem details for the API (addresses under /api/)."""

from __future__ import annotations

import sys

from django.contrib.sessions.exceptions import SessionInterrupted
from django.core.exceptions import RequestDataTooBig
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template import loader

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
    if isinstance(exception, SessionInterrupted):
        # The session changed underneath the request (signed out in another tab, or its row could not
        # be saved while the database restarted): nothing was lost, the person only needs to retry.
        context = {
            "title": "Sorry, your request was interrupted",
            "explanation": "Your sign-in session changed while OpenMASH was answering. Nothing you had "
            "saved is lost.",
        }
    else:
        context = {
            "title": "Sorry, there is a problem with the request",
            "explanation": "OpenMASH could not read what your browser sent.",
        }
    return HttpResponse(loader.render_to_string("400.html", context), status=400)


def server_error(request: HttpRequest) -> HttpResponse:
    """Django's 500 handler. The pages need no database; while it cannot be reached (PostgreSQL
    restarting, a network fault) the answer is 503 with Retry-After, so people and proxies wait."""
    if is_api_request(request.path):
        return problem_response(500, SERVER_ERROR)
    error = sys.exc_info()[1]
    if isinstance(error, OperationalError | InterfaceError):
        response = HttpResponse(loader.render_to_string("503.html"), status=503)
        response["Retry-After"] = "30"
        return response
    return HttpResponse(loader.render_to_string("500.html"), status=500)
