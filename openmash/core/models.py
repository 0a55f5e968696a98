"""Base model for every domain record: a UUID key and who made or last changed it, and when."""

from __future__ import annotations

import uuid
from functools import cache
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.encoding import force_str
from django.utils.hashable import make_hashable


@cache
def _labels(field: models.Field[Any, Any]) -> dict[Any, Any]:
    """A field's choices by value, read once: its choices are the code's, fixed while it runs."""
    return dict(make_hashable(field.flatchoices))


class BaseModel(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    modified_at = models.DateTimeField(auto_now=True)
    modified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        abstract = True

    def _get_FIELD_display(self, field: models.Field[Any, Any]) -> Any:  # noqa: N802 - Django's name
        """``get_<field>_display()``, as Django's, from the field's choices read once rather than on
        every call: a queue's or a case page's rows each show a status, a kind and a significance."""
        value = getattr(self, field.attname)
        return force_str(_labels(field).get(make_hashable(value), value), strings_only=True)


class VersionedModel(BaseModel):
    """A record edited by several people: `version` detects concurrent edits (optimistic locking)."""

    version = models.PositiveIntegerField(default=1)

    class Meta:
        abstract = True


class Counter(models.Model):
    """Numbered references (R-2026-00042): one row per series, incremented under a row lock."""

    name = models.CharField(max_length=40, primary_key=True)
    value = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name}={self.value}"


def next_number(series: str) -> int:
    """The next number in a series; call inside the transaction that uses it."""
    Counter.objects.get_or_create(name=series)
    counter = Counter.objects.select_for_update().get(name=series)
    counter.value += 1
    counter.save(update_fields=["value"])
    return counter.value
