"""What each role's home page shows: each domain app provides the context for the roles it serves."""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module

from django.http import HttpRequest

from openmash.accounts.roles import Role
from openmash.accounts.selectors import pending_role_grants_for
from openmash.audit.models import AuditEvent
from openmash.core.actor import Actor
from openmash.hub.models import Agency
from openmash.hub.selectors import hub_configuration, response_times_in_order

# role -> "module:function" returning that role's home context for the request.
HOME_PROVIDERS: dict[Role, str] = {
    Role.REFERRER: "openmash.referrals.homes:referrer_home",
    Role.SCREENING_MANAGER: "openmash.cases.homes:screening_home",
    Role.MEETING_CHAIR: "openmash.cases.homes:chair_home",
    Role.AGENCY_RESEARCHER: "openmash.enquiries.homes:researcher_home",
    Role.DECISION_MAKER: "openmash.decisions.homes:decision_maker_home",
}


def home_context(*, role: Role, request: HttpRequest) -> dict[str, object]:
    if role is Role.HUB_ADMINISTRATOR:
        return {
            "hub": hub_configuration(),
            "agency_count": Agency.objects.filter(is_active=True).count(),
            "response_times": response_times_in_order(),
            "waiting_grants": pending_role_grants_for(actor=Actor.from_request(request)).count(),
        }
    if role is Role.IG_OFFICER:
        return {"event_count": AuditEvent.objects.count()}
    provider = HOME_PROVIDERS.get(role)
    if provider is None:
        return {}
    module, name = provider.split(":")
    function: Callable[[HttpRequest], dict[str, object]] = getattr(import_module(module), name)
    return function(request)
