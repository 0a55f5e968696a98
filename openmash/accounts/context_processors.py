from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse

from openmash.accounts.models import User
from openmash.accounts.navigation import NAVIGATION
from openmash.accounts.roles import ROLE_SLUGS


def navigation(request: HttpRequest) -> dict[str, object]:
    role = getattr(request, "active_role", None)
    user = request.user
    if role is None or not isinstance(user, User):
        return {"nav_items": [], "active_role": None, "held_roles": [], "hub_name": ""}
    path = request.path
    items = []
    for item in NAVIGATION[role]:
        if item.url_name == "accounts:home":
            url = reverse("accounts:role-home", args=[ROLE_SLUGS[role]])
            current = path == url
        else:
            url = reverse(item.url_name)
            current = path.startswith(url)
        items.append({"label": item.label, "url": url, "current": current})
    from openmash.hub.selectors import hub_configuration

    return {
        "nav_items": items,
        "active_role": role,
        "held_roles": user.held_roles(),
        "hub_name": hub_configuration().name,
    }
