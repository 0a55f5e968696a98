"""What each role's home page shows. Queues fill as the case workflow arrives."""

from __future__ import annotations

from django.http import HttpRequest

from openmash.accounts.roles import Role
from openmash.audit.models import AuditEvent
from openmash.hub.models import Agency, RagResponseTime
from openmash.hub.selectors import hub_configuration


def home_context(*, role: Role, request: HttpRequest) -> dict[str, object]:
    if role is Role.HUB_ADMINISTRATOR:
        return {
            "hub": hub_configuration(),
            "agency_count": Agency.objects.filter(is_active=True).count(),
            "response_times": list(RagResponseTime.objects.order_by("rating")),
        }
    if role is Role.IG_OFFICER:
        return {"event_count": AuditEvent.objects.count()}
    return {}
