"""Home page context for the roles this app serves."""

from __future__ import annotations

from django.http import HttpRequest


def decision_maker_home(request: HttpRequest) -> dict[str, object]:
    return {}
