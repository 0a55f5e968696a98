"""Deadlines as people read them: local time, day and date."""

from __future__ import annotations

from datetime import datetime
from typing import Final
from zoneinfo import ZoneInfo

from django.utils.timesince import MONTHS_DAYS, TIME_CHUNKS, TIME_STRINGS_KEYS

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


#: Django's ``timesince`` units (year, month, week, day, hour, minute) and the seconds of those below a
#: month, read from it rather than copied.
_UNITS: Final = tuple(TIME_STRINGS_KEYS)


def _words(count: int, unit: str) -> str:
    """ "1 day", "3 days", with a no-break space, as Django's English strings and ``avoid_wrapping``."""
    return f"{count}\xa0{unit}" if count == 1 else f"{count}\xa0{unit}s"


def time_since(then: datetime, now: datetime) -> str:
    """How long ago ``then`` was at ``now``, in two adjacent units at most ("2 weeks, 3 days"): the words
    of Django's ``timesince(then, now, depth=2)`` in English, worked out as it works them out (years and
    months by the calendar, from a pivot day; then weeks, days, hours and minutes), without its lazy
    translated strings: a queue page says how overdue each of its fifty rows is (20 µs a row that way)."""
    if now.tzinfo is not None and then.tzinfo is not None and now.tzinfo is not then.tzinfo:
        now = now.astimezone(then.tzinfo)
    delta = now - then
    if delta.days * 86400 + delta.seconds <= 0:  # not yet: microseconds are ignored
        return _words(0, "minute")
    total_months = (now.year - then.year) * 12 + (now.month - then.month)
    if then.day > now.day or (then.day == now.day and then.time() > now.time()):
        total_months -= 1
    years, months = divmod(total_months, 12)
    pivot = then
    if years or months:
        year, month = then.year + years, then.month + months
        if month > 12:
            month -= 12
            year += 1
        pivot = datetime(  # noqa: DTZ001 - then's own zone, naive if it is
            year,
            month,
            min(MONTHS_DAYS[month - 1], then.day),
            then.hour,
            then.minute,
            then.second,
            tzinfo=then.tzinfo,
        )
    remaining = (now - pivot).total_seconds()
    counts = [years, months]
    for seconds in TIME_CHUNKS:
        count = int(remaining // seconds)
        counts.append(count)
        remaining -= seconds * count
    parts = list(zip(counts, _UNITS, strict=True))
    first = next((i for i, (count, _) in enumerate(parts) if count), None)
    if first is None:
        return _words(0, "minute")
    # The first unit that is not nought and the next, unless that one is nought.
    return ", ".join(_words(count, unit) for count, unit in parts[first : first + 2] if count)
