"""Home page context for the roles this app serves."""

from __future__ import annotations

from django.http import HttpRequest


def screening_home(request: HttpRequest) -> dict[str, object]:
    return {}


def chair_home(request: HttpRequest) -> dict[str, object]:
    return {}
