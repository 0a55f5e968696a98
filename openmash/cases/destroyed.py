"""Whether a case's personal data was destroyed under the hub's retention rules, and the guard each service
that writes to a case calls first: a destroyed case takes nothing more (ADR 0027).

The access policy refuses every write on a destroyed case before a page gets this far; this guard is the
same rule in the services themselves, for whatever calls them without a page (the worker, a management
command, the API, the next new view). The destruction record lives in the retention app, a floor above;
the guard reads it through the case's reverse relation (`destruction`) by name, so no floor imports one
above it (ADR 0015).
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from django.db.models import QuerySet

from openmash.cases.models import Case
from openmash.core.dates import format_date
from openmash.core.errors import DomainError

DESTROYED = (
    "This case's personal data was destroyed on {date} under the hub's retention rules: nothing more is "
    "recorded on it."
)

NOTICE = "The personal information on this case was destroyed on {date} under the hub's retention rules."
"""What every page of a destroyed case says (includes/destroyed.html), and its files and API answers."""


class CaseDestroyedError(DomainError):
    """A write on a case whose personal data was destroyed: refused, with the date."""

    def __init__(self, destroyed_at: datetime) -> None:
        super().__init__(DESTROYED.format(date=format_date(destroyed_at)))
        self.destroyed_at = destroyed_at


def _destroyed_at(rows: QuerySet[Case]) -> datetime | None:
    when: datetime | None = rows.values_list("destruction__destroyed_at", flat=True).first()
    return when


def destroyed_at(case_id: UUID | str) -> datetime | None:
    """When the case's personal data was destroyed; None while it is kept."""
    return _destroyed_at(Case.objects.filter(pk=case_id))


def when_destroyed(case: Case) -> datetime | None:
    """The same, read from the case where it was loaded with its destruction record (as case pages load
    it: `select_related("destruction")`), otherwise asked."""
    descriptor = Case.destruction  # the retention app's reverse relation
    if descriptor.is_cached(case):
        record = descriptor.related.get_cached_value(case)
        return getattr(record, "destroyed_at", None)
    return destroyed_at(case.pk)


def check_not_destroyed(case_id: UUID | str) -> None:
    """Refuse a write on a case whose personal data was destroyed (`CaseDestroyedError`, with the date)."""
    when = destroyed_at(case_id)
    if when is not None:
        raise CaseDestroyedError(when)


def check_referral_not_destroyed(referral_id: UUID | str) -> None:
    """The same guard for a write on someone a case's referral names (their identifiers, addresses)."""
    when = _destroyed_at(Case.objects.filter(referral_id=referral_id))
    if when is not None:
        raise CaseDestroyedError(when)
