"""The hash chain: how an event's hash is computed from its contents and the previous hash.

Two schemes (ADR 0017). Events written before the audit key existed carry ``SCHEME_UNKEYED``: a plain
SHA-256, which anyone who can read the code and write to the database could recompute. Every event
written since carries ``SCHEME_KEYED``: an HMAC-SHA256 with the audit key, which lives in the
environment and never in the database. The first keyed event links to the last unkeyed one.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime
from typing import Any

GENESIS_HASH = "0" * 64
SCHEME_UNKEYED = 1
SCHEME_KEYED = 2
SCHEMES = {
    SCHEME_UNKEYED: "SHA-256, unkeyed (before the audit key)",
    SCHEME_KEYED: "HMAC-SHA256 with the audit key",
}


def canonical_payload(
    *,
    occurred_at: datetime,
    actor_id: str,
    actor_label: str,
    actor_role: str,
    agency_id: str,
    agency_name: str,
    action: str,
    object_type: str,
    object_id: str,
    persons: list[str],
    justification: str,
    ip_address: str,
    user_agent: str,
    detail: dict[str, Any],
) -> str:
    return json.dumps(
        {
            "occurred_at": occurred_at.astimezone(UTC).isoformat(timespec="microseconds"),
            "actor_id": actor_id,
            "actor_label": actor_label,
            "actor_role": actor_role,
            "agency_id": agency_id,
            "agency_name": agency_name,
            "action": action,
            "object_type": object_type,
            "object_id": object_id,
            "persons": persons,
            "justification": justification,
            "ip_address": ip_address,
            "user_agent": user_agent,
            "detail": detail,
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=True,
        default=str,
    )


def chain_hash(previous_hash: str, payload: str) -> str:
    return hashlib.sha256(f"{previous_hash}\n{payload}".encode()).hexdigest()


def keyed_hash(key: bytes, previous_hash: str, payload: str) -> str:
    return hmac.new(key, f"{previous_hash}\n{payload}".encode(), hashlib.sha256).hexdigest()


def event_hash(scheme: int, key: bytes, previous_hash: str, payload: str) -> str:
    """The hash an event of ``scheme`` must carry; ValueError for a scheme this code does not know."""
    if scheme == SCHEME_KEYED:
        return keyed_hash(key, previous_hash, payload)
    if scheme == SCHEME_UNKEYED:
        return chain_hash(previous_hash, payload)
    raise ValueError(f"unknown audit hash scheme {scheme!r}")
