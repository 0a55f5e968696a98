"""Dates and times as the GOV.UK style guide writes them: "5 December 2026", "1:30pm", "10am", "midday",
"midnight", and a moment as "1:30pm on 5 December 2026". A datetime is shown in the hub's local time
(``TIME_ZONE``). The template filters in ``openmash.core.templatetags.govuk`` use these."""

from __future__ import annotations

from datetime import date, datetime, time

from django.utils import timezone

MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def _local(value: datetime) -> datetime:
    return timezone.localtime(value) if timezone.is_aware(value) else value


def format_date(value: date | datetime, *, weekday: bool = False) -> str:
    """ "5 December 2026", or "Saturday 5 December 2026" with ``weekday``."""
    day = _local(value).date() if isinstance(value, datetime) else value
    text = f"{day.day} {MONTHS[day.month - 1]} {day.year}"
    return f"{WEEKDAYS[day.weekday()]} {text}" if weekday else text


def format_time(value: time | datetime, *, seconds: bool = False) -> str:
    """ "1:30pm", "10am", "midday", "midnight" (with ``seconds``: "1:30:05pm", for the audit trail)."""
    moment = _local(value).time() if isinstance(value, datetime) else value
    if not seconds or not moment.second:
        if (moment.hour, moment.minute) == (0, 0):
            return "midnight"
        if (moment.hour, moment.minute) == (12, 0):
            return "midday"
    hour = moment.hour % 12 or 12
    suffix = "am" if moment.hour < 12 else "pm"
    if seconds:
        return f"{hour}:{moment.minute:02d}:{moment.second:02d}{suffix}"
    if moment.minute:
        return f"{hour}:{moment.minute:02d}{suffix}"
    return f"{hour}{suffix}"


def format_datetime(value: datetime, *, weekday: bool = False, seconds: bool = False) -> str:
    """ "1:30pm on 5 December 2026", the GOV.UK order ("by 5:30pm on Monday 6 January 2026")."""
    local = _local(value)  # once, for both halves
    return f"{format_time(local.time(), seconds=seconds)} on {format_date(local.date(), weekday=weekday)}"
