"""Deadlines as people read them: local time, day and date."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast
from zoneinfo import ZoneInfo

from django.utils.timesince import timesince

from openmash.core.dates import MONTHS, WEEKDAYS

LONDON = ZoneInfo("Europe/London")


NOT_YET_DUE = "when consent or a lawful basis allows the request to go"


def format_deadline(when: datetime | None) -> str:
    """ "9am on Friday 4 December 2026", "4:30pm on ..." (London time)."""
    if when is None:
        return NOT_YET_DUE
    local = when.astimezone(LONDON)
    hour12 = local.hour % 12 or 12
    clock = f"{hour12}:{local.minute:02d}" if local.minute else str(hour12)
    noon = "pm" if local.hour >= 12 else "am"
    # The names written out, not strftime's %A and %B: strftime was most of this function's time, and a
    # queue page formats two deadlines on each of its fifty rows.
    return f"{clock}{noon} on {WEEKDAYS[local.weekday()]} {local.day} {MONTHS[local.month - 1]} {local.year}"


class _Unit:
    """One unit's words ("1 day", "3 days"), as Django's English strings for ``timesince`` give them,
    without a translation look-up for each: a queue page says how overdue each of its fifty rows is."""

    def __init__(self, unit: str) -> None:
        self.unit = unit

    def __mod__(self, values: dict[str, Any]) -> str:
        count = values["num"]
        return f"{count} {self.unit}" if count == 1 else f"{count} {self.unit}s"


_UNITS = {unit: _Unit(unit) for unit in ("year", "month", "week", "day", "hour", "minute")}


def time_since(then: datetime, now: datetime) -> str:
    """How long ago ``then`` was at ``now``, in two adjacent units at most ("2 weeks, 3 days"): Django's
    ``timesince(then, now, depth=2)``, its words in English."""
    # Django's own units are lazy strings formatted with ``%`` as these are; its stub says plain str.
    return timesince(then, now, depth=2, time_strings=cast(dict[str, str], _UNITS))
