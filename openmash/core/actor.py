"""Who is acting, passed explicitly to every service (never read from thread-locals)."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from functools import cache
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
    """The client's address, normalised; None when it is not an IP address.

    The peer address Django saw, unless that peer is a proxy named in OPENMASH_TRUSTED_PROXIES: then
    the right-most address in X-Forwarded-For that is not itself a trusted proxy (each proxy appends
    the address it saw, so anything left of that is what the client claimed, and not believed)."""
    from django.conf import settings

    peer = _address(request.META.get("REMOTE_ADDR") or "")
    trusted = _networks(tuple(getattr(settings, "OPENMASH_TRUSTED_PROXIES", ())))
    if peer is None or not trusted or not _within(peer, trusted):
        return None if peer is None else str(peer)
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    for hop in reversed([h.strip() for h in forwarded.split(",") if h.strip()]):
        address = _address(hop)
        if address is None:
            break  # not an address: the hop before it (a trusted proxy) is the last one believed
        peer = address
        if not _within(address, trusted):
            break
    return str(peer)


IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


def _address(raw: str) -> IPAddress | None:
    try:
        address = ipaddress.ip_address(raw)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


@cache
def _networks(entries: tuple[str, ...]) -> tuple[IPNetwork, ...]:
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in entries)


def _within(address: IPAddress, networks: tuple[IPNetwork, ...]) -> bool:
    return any(address.version == network.version and address in network for network in networks)
