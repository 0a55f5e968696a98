"""Optimistic locking: save only if nobody else saved since the editor opened the record."""

from __future__ import annotations

from typing import Any

from django.db.models import F

from openmash.core.errors import CONCURRENT_EDIT, ConcurrentEditError
from openmash.core.models import VersionedModel


def changes_between(obj: VersionedModel, values: dict[str, Any]) -> dict[str, list[str]]:
    """Field -> [before, after] for each value that differs, as strings for the audit trail."""
    changed: dict[str, list[str]] = {}
    for name, new in values.items():
        old = getattr(obj, name)
        if old != new:
            changed[name] = [str(old), str(new)]
    return changed


def save_versioned(
    obj: VersionedModel, *, expected_version: int, values: dict[str, Any], actor_user: Any
) -> None:
    """Apply `values` to `obj` if its stored version is still `expected_version`, else refuse.

    Must run inside a transaction; the conditional UPDATE makes the check and the write one step.
    """
    updated = (
        type(obj)
        ._default_manager.filter(pk=obj.pk, version=expected_version)
        .update(version=F("version") + 1, modified_by=actor_user, **values)
    )
    if updated != 1:
        raise ConcurrentEditError(CONCURRENT_EDIT)
    obj.refresh_from_db()
