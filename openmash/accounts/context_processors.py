from __future__ import annotations

from functools import cache

from django.http import HttpRequest
from django.urls import get_script_prefix, reverse

from openmash.access.policy import Action, decide
from openmash.accounts.models import User
from openmash.accounts.navigation import NAVIGATION
from openmash.accounts.roles import ROLE_SLUGS
from openmash.hub.selectors import hub_configuration


@cache
def _url(prefix: str, name: str, *args: str) -> str:
    """A navigation link, reversed once per process (and script prefix), not on every page."""
    return reverse(name, args=list(args) or None)


def navigation(request: HttpRequest) -> dict[str, object]:
    """The active role's navigation; only the link that best matches the page is marked current."""
    role = getattr(request, "active_role", None)
    user = getattr(request, "user", None)
    if role is None or not isinstance(user, User):
        return {"nav_items": [], "active_role": None, "held_roles": [], "hub_name": ""}
    path = request.path
    items = []
    for item in NAVIGATION[role]:
        if item.action and not decide(user, Action(item.action)).allowed:
            continue
        prefix = get_script_prefix()
        if item.url_name == "accounts:home":
            url = _url(prefix, "accounts:role-home", ROLE_SLUGS[role])
        else:
            url = _url(prefix, item.url_name)
        items.append({"label": item.label, "url": url, "current": False})
    matches = [i for i in items if path == i["url"] or (path.startswith(str(i["url"])) and i["url"] != "/")]
    if matches:
        best = max(matches, key=lambda i: len(str(i["url"])))
        best["current"] = True
    return {
        "nav_items": items,
        "active_role": role,
        "held_roles": user.held_roles(),
        "hub_name": hub_configuration().name,
    }
