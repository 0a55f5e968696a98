"""Deadlines as people read them: local time, day and date."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")


NOT_YET_DUE = "when consent or a lawful basis allows the request to go"


def format_deadline(when: datetime | None) -> str:
    if when is None:
        return NOT_YET_DUE
    local = when.astimezone(LONDON)
    hour = local.strftime("%I:%M%p").lstrip("0").lower().replace(":00", "")
    return f"{hour} on {local:%A} {local.day} {local:%B %Y}"
