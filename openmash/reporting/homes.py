"""The performance manager's home: the partnership dashboard for the last four weeks."""

from __future__ import annotations

from django.http import HttpRequest

from openmash.access.enforce import authorize
from openmash.access.policy import Action
from openmash.core.actor import Actor
from openmash.reporting.period import Filters
from openmash.reporting.views import dashboard_context, default_period


def performance_home(request: HttpRequest) -> dict[str, object]:
    authorize(Actor.from_request(request), Action.REPORTS_VIEW, None)
    return dashboard_context(default_period(), Filters())
