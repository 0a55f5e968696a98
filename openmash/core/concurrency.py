"""Optimistic locking: save only if nobody else saved since the editor opened the record.

When the save is refused, the form is shown again with the person's own typed text still in it, the
refusal in the error summary, and beside it what the other person saved (`show_their_version`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from django import forms
from django.db.models import F, Model
from django.utils import timezone
from django.utils.formats import date_format

from openmash.core.errors import CONCURRENT_EDIT, ConcurrentEditError
from openmash.core.models import VersionedModel

NOT_RECORDED = "Not recorded"


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
        .update(version=F("version") + 1, modified_by=actor_user, modified_at=timezone.now(), **values)
    )
    if updated != 1:
        raise ConcurrentEditError(CONCURRENT_EDIT)
    obj.refresh_from_db()


@dataclass(frozen=True, slots=True)
class TheirVersion:
    """The record as it is saved now, shown beside a refused edit: who saved it last, when, and what."""

    by: str
    at: datetime | None
    rows: list[tuple[str, str]]


def show_their_version(form: forms.Form, obj: VersionedModel, saved: Mapping[str, Any]) -> None:
    """Attach what is saved now to `form`, which the error summary shows under the refusal.

    `saved` maps the form's field names to the stored values (as the form's initial data would);
    each is shown with the field's label, choices by their labels. Hidden fields are left out.
    """
    rows = []
    for name, value in saved.items():
        field = form.fields.get(name)
        if field is None or isinstance(field.widget, forms.HiddenInput):
            continue
        rows.append((str(field.label or name.replace("_", " ").capitalize()), _shown(field, value)))
    by = obj.modified_by or obj.created_by
    form.their_version = TheirVersion(  # type: ignore[attr-defined]
        by=str(by) if by else "someone else", at=obj.modified_at, rows=rows
    )


def _shown(field: forms.Field, value: Any) -> str:
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        return _one(field, value) or NOT_RECORDED
    items = [_one(field, item) for item in value]
    return ", ".join(item for item in items if item) or NOT_RECORDED


def _one(field: forms.Field, value: Any) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, Model):
        return str(value)
    choices = getattr(field, "choices", None)
    if choices is not None:
        labels = {str(key): str(label) for key, label in choices}
        if str(value) in labels:
            return labels[str(value)]
    if isinstance(value, datetime):
        return date_format(timezone.localtime(value), "j F Y H:i")
    if isinstance(value, date):
        return date_format(value, "j F Y")
    if isinstance(value, time):
        return value.strftime("%H:%M")
    return str(value)
