"""Reads of the hub's configuration (no personal data: not audited)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

from django.db.models.signals import post_delete, post_save

from openmash.core.prepared import Prepared
from openmash.core.worktime import WorkingCalendar
from openmash.hub.models import Agency, ClosureDay, HubConfiguration, RagRating, RagResponseTime

T = TypeVar("T")
# While a page is served (openmash.hub.middleware), the configuration and the calendar are read once
# however many parts of the page ask; any change to either forgets them (the signals below).
_READ_THIS_REQUEST: ContextVar[dict[str, Any] | None] = ContextVar("hub_read_this_request", default=None)


@contextmanager
def read_once_per_request() -> Iterator[None]:
    token = _READ_THIS_REQUEST.set({})
    try:
        yield
    finally:
        _READ_THIS_REQUEST.reset(token)


def forget_read_configuration(**_: object) -> None:
    """After a change to the configuration or the closure days: read them afresh."""
    memo = _READ_THIS_REQUEST.get()
    if memo is not None:
        memo.clear()


# Connected here, beside the memo: the middleware that makes the memo imports this module.
for _model in (HubConfiguration, ClosureDay):
    post_save.connect(
        forget_read_configuration, sender=_model, dispatch_uid=f"hub-forget-saved-{_model.__name__}"
    )
    post_delete.connect(
        forget_read_configuration, sender=_model, dispatch_uid=f"hub-forget-deleted-{_model.__name__}"
    )


def _once(name: str, read: Callable[[], T]) -> T:
    memo = _READ_THIS_REQUEST.get()
    if memo is None:
        return read()
    if name not in memo:
        memo[name] = read()
    value: T = memo[name]
    return value


# Read by nearly every page: compiled once (ADR 0040).
_CONFIGURATION = Prepared(lambda: HubConfiguration.objects.order_by("created_at")[:1])


def _read_configuration() -> HubConfiguration:
    config = _CONFIGURATION.first()
    if config is None:
        config = HubConfiguration.objects.create()
    return config


def hub_configuration() -> HubConfiguration:
    """The hub's one configuration row; a default one until `hub_setup` has run."""
    return _once("configuration", _read_configuration)


_ACTIVE_AGENCIES = Prepared(lambda: Agency.objects.filter(is_active=True))


def active_agencies() -> list[Agency]:
    """The hub's agencies still taking part, in their order (by name): a long form's "which agency"
    lists, read by a query compiled once (ADR 0040)."""
    return _ACTIVE_AGENCIES.run()


_CLOSURE_DATES = Prepared(lambda: ClosureDay.objects.values_list("date", flat=True))


def _read_calendar() -> WorkingCalendar:
    config = hub_configuration()
    closures = frozenset(_CLOSURE_DATES.run())
    return WorkingCalendar(
        timezone=config.time_zone,
        day_start=config.day_start,
        day_end=config.day_end,
        extra_closures=closures,
    )


def hub_calendar() -> WorkingCalendar:
    return _once("calendar", _read_calendar)


def response_time(rating: RagRating) -> RagResponseTime:
    return RagResponseTime.objects.get(rating=rating)


def response_times_in_order() -> list[RagResponseTime]:
    """Red, amber, green: the order people read them in."""
    order = {rating.value: index for index, rating in enumerate(RagRating)}
    return sorted(RagResponseTime.objects.all(), key=lambda r: order[r.rating])
