"""Reads of the hub's configuration (no personal data: not audited)."""

from __future__ import annotations

from openmash.core.worktime import WorkingCalendar
from openmash.hub.models import ClosureDay, HubConfiguration, RagRating, RagResponseTime


def hub_configuration() -> HubConfiguration:
    """The hub's one configuration row; a default one until `hub_setup` has run."""
    config = HubConfiguration.objects.order_by("created_at").first()
    if config is None:
        config = HubConfiguration.objects.create()
    return config


def hub_calendar() -> WorkingCalendar:
    config = hub_configuration()
    closures = frozenset(ClosureDay.objects.values_list("date", flat=True))
    return WorkingCalendar(
        timezone=config.time_zone,
        day_start=config.day_start,
        day_end=config.day_end,
        extra_closures=closures,
    )


def response_time(rating: RagRating) -> RagResponseTime:
    return RagResponseTime.objects.get(rating=rating)


def response_times_in_order() -> list[RagResponseTime]:
    """Red, amber, green: the order people read them in."""
    order = {rating.value: index for index, rating in enumerate(RagRating)}
    return sorted(RagResponseTime.objects.all(), key=lambda r: order[r.rating])
