"""Who is acting, passed explicitly to every service (never read from thread-locals)."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

if TYPE_CHECKING:
    from django.http import HttpRequest

    from openmash.accounts.models import User


@dataclass(frozen=True, slots=True)
class Actor:
    """A signed-in person acting in one of their roles, or the system itself (user is None)."""

    user: User | None
    role: str = ""
    ip_address: str | None = None
    user_agent: str = ""
    system_name: str = ""

    @classmethod
    def from_request(cls, request: HttpRequest) -> Actor:
        # The signed-in person (the project's user model), or None for an anonymous visitor.
        signed_in = getattr(request.user, "is_authenticated", False)
        return cls(
            user=cast("User", request.user) if signed_in else None,
            role=str(getattr(request, "active_role", "") or ""),
            ip_address=client_ip(request),
            user_agent=request.headers.get("User-Agent", "")[:500],
        )

    @classmethod
    def system(cls, name: str) -> Actor:
        return cls(user=None, system_name=name)

    @property
    def label(self) -> str:
        if self.user is not None:
            return self.user.get_username()
        return f"system:{self.system_name or 'openmash'}"


def client_ip(request: HttpRequest) -> str | None:
    """The peer address Django saw, normalised; None when it is not an IP address."""
    raw = request.META.get("REMOTE_ADDR") or ""
    try:
        return str(ipaddress.ip_address(raw))
    except ValueError:
        return None
