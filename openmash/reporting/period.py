"""The period a report covers, the one before it, and the filters a person chose."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from uuid import UUID
from zoneinfo import ZoneInfo

from django.db.models import Q

from openmash.core.dates import format_date

LONDON = ZoneInfo("Europe/London")


@dataclass(frozen=True, slots=True)
class Period:
    """Whole days on the hub's wall clock, first and last day included."""

    first: date
    last: date

    def __post_init__(self) -> None:
        if self.last < self.first:
            raise ValueError("A period ends on or after the day it starts")

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    @property
    def whole_months(self) -> int:
        """How many calendar months the period covers exactly (0 when it is not whole months)."""
        if self.first.day != 1 or (self.last + timedelta(days=1)).day != 1:
            return 0
        return (self.last.year - self.first.year) * 12 + self.last.month - self.first.month + 1

    @property
    def previous(self) -> Period:
        """The period just before this one: as many calendar months for whole months (December is
        compared with November), otherwise as many days."""
        last = self.first - timedelta(days=1)
        months = self.whole_months
        if months:
            index = self.first.year * 12 + self.first.month - 1 - months
            return Period(date(index // 12, index % 12 + 1, 1), last)
        return Period(last - timedelta(days=self.days - 1), last)

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first, time(0, 0), tzinfo=LONDON)

    @property
    def end(self) -> datetime:
        """The first instant after the period."""
        return datetime.combine(self.last + timedelta(days=1), time(0, 0), tzinfo=LONDON)

    def within(self, field: str) -> Q:
        return Q(**{f"{field}__gte": self.start, f"{field}__lt": self.end})

    def either(self, field: str) -> Q:
        """This period or the one before: the rows a comparison reads."""
        return Q(**{f"{field}__gte": self.previous.start, f"{field}__lt": self.end})

    @property
    def label(self) -> str:
        return f"{format_date(self.first)} to {format_date(self.last)}"

    @classmethod
    def last_days(cls, today: date, days: int = 28) -> Period:
        """The `days` whole days up to and including today."""
        return cls(today - timedelta(days=days - 1), today)


@dataclass(frozen=True, slots=True)
class Filters:
    """What a person narrowed the figures to: a partner agency, a referral source code, a RAG rating."""

    agency: UUID | None = None
    """An agency's primary key, or None for every agency."""
    source: str = ""
    rag: str = ""

    def any(self) -> bool:
        return bool(self.agency or self.source or self.rag)
