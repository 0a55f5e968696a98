"""API errors as RFC 9457 problem details (application/problem+json)."""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpResponse
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler

from openmash.core.errors import DomainError
from openmash.core.parsers import too_large

PROBLEM_TYPES = {
    400: ("validation-error", "Your request has invalid fields"),
    401: ("not-authenticated", "Authentication is required"),
    403: ("forbidden", "You may not do this"),
    404: ("not-found", "Not found"),
    405: ("method-not-allowed", "Method not allowed"),
    409: ("conflict", "The request conflicts with the current state"),
    406: ("not-acceptable", "Only application/json is available"),
    413: ("too-large", "The request body is too large"),
    415: ("unsupported-media-type", "Send application/json"),
    422: ("refused", "The request was understood but refused"),
    500: ("server-error", "Something went wrong on our side"),
}
SERVER_ERROR = (
    "The server could not finish this request. Try again later, and tell the hub if it keeps happening."
)


def _flatten(detail: Any, prefix: str = "") -> list[dict[str, str]]:
    """DRF's nested error detail as a flat list of {field, message}, fields as JSON pointers."""
    errors: list[dict[str, str]] = []
    if isinstance(detail, dict):
        for key, value in detail.items():
            if key == api_settings.NON_FIELD_ERRORS_KEY:
                name = prefix
            else:
                name = f"{prefix}/{str(key).replace('~', '~0').replace('/', '~1')}"
            errors.extend(_flatten(value, name))
    elif isinstance(detail, list):
        if all(isinstance(item, (str, exceptions.ErrorDetail)) for item in detail):
            errors.extend({"pointer": prefix or "/", "detail": str(item)} for item in detail)
        else:
            for index, item in enumerate(detail):
                errors.extend(_flatten(item, f"{prefix}/{index}"))
    else:
        errors.append({"pointer": prefix or "/", "detail": str(detail)})
    return errors


PROBLEM_CONTENT_TYPE = "application/problem+json"


def problem_body(status_code: int, detail: str, errors: list[dict[str, str]] | None = None) -> dict[str, Any]:
    slug, title = PROBLEM_TYPES.get(status_code, ("error", "Error"))
    body: dict[str, Any] = {
        "type": f"https://openmash.invalid/problems/{slug}",
        "title": title,
        "status": status_code,
        "detail": detail,
    }
    if errors:
        body["errors"] = errors
    return body


def problem(status_code: int, detail: str, errors: list[dict[str, str]] | None = None) -> Response:
    return Response(
        problem_body(status_code, detail, errors), status=status_code, content_type=PROBLEM_CONTENT_TYPE
    )


def problem_response(status_code: int, detail: str | None = None) -> HttpResponse:
    """Problem details outside the API framework: Django's own error pages for /api/ addresses."""
    text = detail or PROBLEM_TYPES.get(status_code, ("", "Error"))[1]
    return HttpResponse(
        json.dumps(problem_body(status_code, text)), status=status_code, content_type=PROBLEM_CONTENT_TYPE
    )


def is_api_request(path: str) -> bool:
    return path == "/api" or path.startswith("/api/")


def problem_details_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DomainError):
        return problem(status.HTTP_422_UNPROCESSABLE_ENTITY, str(exc))
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    if isinstance(exc, RequestDataTooBig):
        exc = too_large()
    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        errors = _flatten(exc.detail)
        count = len(errors)
        fields = "1 field needs" if count == 1 else f"{count} fields need"
        detail = f"{fields} correcting; nothing was saved."
        result = problem(response.status_code, detail, errors)
    else:
        detail = str(getattr(exc, "detail", "")) or PROBLEM_TYPES.get(response.status_code, ("", "Error"))[1]
        result = problem(response.status_code, detail)
    for header in ("WWW-Authenticate", "Allow", "Retry-After"):
        if header in response:
            result[header] = response[header]
    return result
