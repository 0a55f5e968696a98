"""One partner agency's scorecard: its timeliness and contributions against the hub's targets."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.utils import timezone

from openmash.hub.models import Agency, RagRating
from openmash.reporting.period import Filters, Period
from openmash.reporting.selectors import Table, agency_timeliness, contributions


def rag_for_percent(value: float | None, target: int, band: int) -> str:
    """Green at or above the target, amber within `band` points below, red beneath; none without a figure."""
    if value is None:
        return ""
    if value >= target:
        return RagRating.GREEN
    if value >= target - band:
        return RagRating.AMBER
    return RagRating.RED


@dataclass
class Scorecard:
    agency: Agency
    period: Period
    table: Table
    target: int


def scorecard(agency: Agency, period: Period, now: datetime | None = None) -> Scorecard:
    now = now or timezone.now()
    target = settings.OPENMASH_REQUESTS_ON_TIME_TARGET
    band = settings.OPENMASH_REQUESTS_ON_TIME_AMBER_BAND
    filters = Filters(agency=agency.pk)
    times = agency_timeliness(period, filters, now).rows
    t = times[0] if times else [agency.name, None, None, 0, 0, 0, None, None, 0, 0]
    given = contributions(period, filters).table("agencies").rows
    c = given[0] if given else [agency.name, 0, 0, 0, 0, 0, 0, 0, 0]
    overdue = t[8]
    rows: list[list[object]] = [
        [
            "Requests answered by the deadline (%)",
            t[1],
            t[2],
            f"{target}% or more",
            rag_for_percent(t[1] if isinstance(t[1], float) else None, target, band),
        ],
        ["Requests overdue now", overdue, None, "None", RagRating.GREEN if overdue == 0 else RagRating.RED],
        [
            "Deadlines missed in the period",
            t[9],
            None,
            "None",
            RagRating.GREEN if t[9] == 0 else RagRating.RED,
        ],
        ["Median working hours to answer", t[6], None, "", ""],
        ["90th percentile working hours to answer", t[7], None, "", ""],
        ["Requests received", c[1], c[2], "", ""],
        ["Returns", c[3], None, "", ""],
        ["Nil returns", c[4], None, "", ""],
        ["History items shared", c[5], None, "", ""],
        ["Items withheld, with a reason", c[6], None, "", ""],
        ["Trawls run", c[7], None, "", ""],
        ["Matches confirmed", c[8], None, "", ""],
    ]
    table = Table(
        "scorecard",
        f"{agency.name}: timeliness and contributions",
        ["Measure", "This period", "Previous period", "Hub target", "RAG"],
        rows,
        chart=None,
        rag=4,
    )
    return Scorecard(agency, period, table, target)
