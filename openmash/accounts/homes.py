"""What each role's home page shows: each domain app provides the context for the roles it serves
(home panels are interface modules, on the top floor with the views, so they import each other directly)."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest

from openmash.accounts.roles import Role
from openmash.accounts.selectors import pending_role_grants_for
from openmash.audit.models import AuditEvent
from openmash.cases.homes import chair_home, screening_home
from openmash.core.actor import Actor
from openmash.decisions.homes import decision_maker_home
from openmash.enquiries.homes import researcher_home
from openmash.hub.models import Agency
from openmash.hub.selectors import hub_configuration, response_times_in_order
from openmash.referrals.homes import referrer_home
from openmash.reporting.homes import performance_home

# role -> the function giving that role's home context for the request.
HOME_PROVIDERS: dict[Role, Callable[[HttpRequest], dict[str, object]]] = {
    Role.REFERRER: referrer_home,
    Role.SCREENING_MANAGER: screening_home,
    Role.MEETING_CHAIR: chair_home,
    Role.AGENCY_RESEARCHER: researcher_home,
    Role.DECISION_MAKER: decision_maker_home,
    Role.PERFORMANCE_MANAGER: performance_home,
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
    return provider(request)
