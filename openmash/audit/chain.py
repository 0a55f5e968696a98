"""The hash chain: how an event's hash is computed from its contents and the previous hash."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

GENESIS_HASH = "0" * 64


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
