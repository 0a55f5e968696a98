"""Working-time clock for MASH response deadlines.

This module is pure Python (no Django) so it can be used from models, tasks,
management commands and tests alike.

A hub sets RAG response times for partner agencies (defaults: red 4 working
hours, amber 1 working day, green 3 working days).  Deadlines are counted in
the hub's :class:`WorkingCalendar`:

* working days are the configured weekdays (Monday to Friday by default),
  less England and Wales bank holidays and any extra hub closure dates;
* working hours are ``day_start``..``day_end`` local wall-clock time in the
  calendar's time zone (``Europe/London`` by default);
* bank holidays come from the maintained ``holidays`` library
  (``holidays.country_holidays("GB", subdiv="ENG", ...)``; England and Wales
  share the same bank holidays), computed lazily per year and cached, so any
  year works without a hand-written list.  Every date the library lists for
  the year is a closure, including substitute ("observed") days.  Outside the
  range the library covers (currently 1872-2100) it lists no holidays, so
  only weekends and extra closures apply there.

When red "runs out of hours" the deadline is plain elapsed time; use
:func:`add_elapsed` (or :meth:`WorkingCalendar.add_elapsed`) for that.

Rules
-----
Wall-clock working time
    Working time is counted on the local wall clock, one day at a time: every
    working day is worth exactly ``day_end - day_start`` however the clocks
    change that day.  So a daylight-saving change never moves a deadline by an
    hour: 4 working hours from Friday 15:00 GMT, before the clocks go forward,
    is Monday 11:00 BST.

Out-of-hours starts
    The clock starts at the next opening (:meth:`WorkingCalendar.next_opening`):
    a start before ``day_start`` on a working day counts from ``day_start``
    that day; a start at or after ``day_end``, or on a non-working day (weekend,
    bank holiday, extra closure), counts from ``day_start`` on the next working
    day.  Opening hours are the half-open interval ``[day_start, day_end)``.

Deadlines at close
    A deadline that uses up the last of a working day is at ``day_end`` that
    day (not at the next opening).  A zero duration gives the next opening.

Working days
    ``add_working_days(start, n)`` is exactly
    ``add_working_time(start, n * working_day_length())``: the deadline is at
    the same wall-clock position in the working day ``n`` working days later.
    A start outside hours counts from the next opening, so Friday 18:00 plus
    one working day is Monday 17:00, and Tuesday 09:00 plus one working day is
    Tuesday 17:00.

Daylight-saving edge cases (only if working hours cover 01:00-02:00)
    A deadline that falls on a wall-clock time that does not exist (the
    spring-forward gap) is moved to the first real instant after the gap, the
    moment the clocks change.  A deadline on a wall-clock time that happens
    twice (autumn) is the first occurrence, unless the clock was already
    running in the second occurrence that day.  Working time between two
    instants counts wall-clock time, so the repeated hour counts once and the
    skipped hour counts as if it had happened.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import MAXYEAR, MINYEAR, UTC, date, datetime, time, timedelta
from types import MappingProxyType
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

__all__ = [
    "AWARE_WORKING_HOURS_ERROR",
    "BANK_HOLIDAY_COUNTRY",
    "BANK_HOLIDAY_SUBDIVISION",
    "CLOSURE_NOT_A_DATE_ERROR",
    "DATETIME_NOT_A_DATE_ERROR",
    "DAY_END_NOT_AFTER_START_ERROR",
    "DEFAULT_DAY_END",
    "DEFAULT_DAY_START",
    "DEFAULT_TIMEZONE",
    "DEFAULT_WORKING_WEEKDAYS",
    "EMPTY_WORKING_WEEKDAYS_ERROR",
    "INVALID_WEEKDAY_ERROR",
    "NAIVE_DATETIME_ERROR",
    "NEGATIVE_DAYS_ERROR",
    "NEGATIVE_DURATION_ERROR",
    "NOT_A_DATETIME_ERROR",
    "NOT_A_TIME_ERROR",
    "NOT_A_TIMEDELTA_ERROR",
    "NOT_AN_INTEGER_ERROR",
    "UNKNOWN_TIMEZONE_ERROR",
    "WorkingCalendar",
    "add_elapsed",
]

DEFAULT_TIMEZONE = "Europe/London"
DEFAULT_DAY_START = time(9, 0)
DEFAULT_DAY_END = time(17, 0)
DEFAULT_WORKING_WEEKDAYS: frozenset[int] = frozenset({0, 1, 2, 3, 4})

#: Bank holidays for England and Wales (the two share one list).
BANK_HOLIDAY_COUNTRY = "GB"
BANK_HOLIDAY_SUBDIVISION = "ENG"

NAIVE_DATETIME_ERROR = "Working-time calculations need a timezone-aware datetime; got a naive one."
NOT_A_DATETIME_ERROR = "Expected a timezone-aware datetime."
NOT_A_TIMEDELTA_ERROR = "Expected a timedelta duration."
NOT_AN_INTEGER_ERROR = "The number of working days must be an integer."
NEGATIVE_DURATION_ERROR = "The duration must not be negative."
NEGATIVE_DAYS_ERROR = "The number of working days must not be negative."
DATETIME_NOT_A_DATE_ERROR = (
    "Expected a calendar date, not a datetime; convert it to the hub's local date first."
)
NOT_A_TIME_ERROR = "day_start and day_end must be datetime.time values."
AWARE_WORKING_HOURS_ERROR = "day_start and day_end must be naive local wall-clock times (no tzinfo)."
DAY_END_NOT_AFTER_START_ERROR = "day_end must be later than day_start."
EMPTY_WORKING_WEEKDAYS_ERROR = "working_weekdays must contain at least one weekday."
INVALID_WEEKDAY_ERROR = "working_weekdays must contain only integers 0 (Monday) to 6 (Sunday)."
CLOSURE_NOT_A_DATE_ERROR = "extra_closures must contain dates, not datetimes."
UNKNOWN_TIMEZONE_ERROR = "Unknown time zone: {timezone!r}."

_ONE_DAY = timedelta(days=1)
_ZERO = timedelta(0)
_RESOLUTION = timedelta(microseconds=1)


@functools.cache
def _bank_holidays_for_year(year: int) -> Mapping[date, str]:
    """England and Wales bank holidays falling in ``year`` (cached per year).

    Neighbouring years are asked for too, so that a substitute day the library
    files under an adjacent year is still found by its own date.
    """
    years = range(max(MINYEAR, year - 1), min(MAXYEAR, year + 1) + 1)
    calendar = holidays.country_holidays(BANK_HOLIDAY_COUNTRY, subdiv=BANK_HOLIDAY_SUBDIVISION, years=years)
    return MappingProxyType({day: name for day, name in sorted(calendar.items()) if day.year == year})


def _load_zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError) as exc:
        raise ValueError(UNKNOWN_TIMEZONE_ERROR.format(timezone=name)) from exc


def _require_aware(value: object) -> datetime:
    if not isinstance(value, datetime):
        raise TypeError(NOT_A_DATETIME_ERROR)
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(NAIVE_DATETIME_ERROR)
    return value


def _require_duration(value: object) -> timedelta:
    if not isinstance(value, timedelta):
        raise TypeError(NOT_A_TIMEDELTA_ERROR)
    if value < _ZERO:
        raise ValueError(NEGATIVE_DURATION_ERROR)
    return value


def add_elapsed(start: datetime, duration: timedelta, timezone: str = DEFAULT_TIMEZONE) -> datetime:
    """Add absolute (elapsed, 24/7) time, for red when it runs out of hours.

    The sum is done in UTC, so 4 hours across the spring-forward gap is 4 real
    hours (Saturday 23:00 GMT + 4h = Sunday 04:00 BST).  The result is an aware
    datetime in ``timezone``.
    """
    instant = _require_aware(start)
    amount = _require_duration(duration)
    return (instant.astimezone(UTC) + amount).astimezone(_load_zone(timezone))


@dataclass(frozen=True)
class WorkingCalendar:
    """A hub's working calendar; see the module docstring for the rules.

    ``working_weekdays`` uses ``date.weekday()`` numbers (Monday is 0).
    ``extra_closures`` are local dates on which the hub is closed in addition
    to bank holidays (e.g. local closure days).
    """

    timezone: str = DEFAULT_TIMEZONE
    day_start: time = DEFAULT_DAY_START
    day_end: time = DEFAULT_DAY_END
    working_weekdays: frozenset[int] = DEFAULT_WORKING_WEEKDAYS
    extra_closures: frozenset[date] = frozenset()
    _zone: ZoneInfo = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_zone", _load_zone(self.timezone))

        for value in (self.day_start, self.day_end):
            if not isinstance(value, time):
                raise TypeError(NOT_A_TIME_ERROR)
            if value.tzinfo is not None:
                raise ValueError(AWARE_WORKING_HOURS_ERROR)
        if self.day_end <= self.day_start:
            raise ValueError(DAY_END_NOT_AFTER_START_ERROR)

        weekdays = frozenset(self.working_weekdays)
        if not weekdays:
            raise ValueError(EMPTY_WORKING_WEEKDAYS_ERROR)
        for weekday in weekdays:
            if not isinstance(weekday, int) or isinstance(weekday, bool) or not 0 <= weekday <= 6:
                raise ValueError(INVALID_WEEKDAY_ERROR)
        object.__setattr__(self, "working_weekdays", weekdays)

        closures = frozenset(self.extra_closures)
        for closure in closures:
            if isinstance(closure, datetime) or not isinstance(closure, date):
                raise ValueError(CLOSURE_NOT_A_DATE_ERROR)
        object.__setattr__(self, "extra_closures", closures)

    # -- days ---------------------------------------------------------------

    def bank_holidays(self, year: int) -> dict[date, str]:
        """England and Wales bank holidays in ``year``, from ``holidays``.

        Computed on first use for each year and cached; the returned dict is a
        copy the caller may change.
        """
        return dict(_bank_holidays_for_year(year))

    def is_working_day(self, d: date) -> bool:
        """Whether local date ``d`` is a working day for this hub."""
        if isinstance(d, datetime):
            raise TypeError(DATETIME_NOT_A_DATE_ERROR)
        return (
            d.weekday() in self.working_weekdays
            and d not in self.extra_closures
            and d not in _bank_holidays_for_year(d.year)
        )

    def working_day_length(self) -> timedelta:
        """Working time in one working day (``day_end - day_start``)."""
        return self._closing(date(2000, 1, 1)) - self._opening(date(2000, 1, 1))

    # -- instants -----------------------------------------------------------

    def next_opening(self, at: datetime) -> datetime:
        """The earliest instant at or after ``at`` when the hub is open.

        Returns ``at`` itself (in the calendar's zone) during working hours.
        """
        cursor = self._next_opening_wall(self._wall(_require_aware(at)))
        return self._from_wall(cursor, cursor.fold)

    def add_working_time(self, start: datetime, duration: timedelta) -> datetime:
        """The instant ``duration`` of working time after ``start``.

        The clock starts at :meth:`next_opening` of ``start`` and runs only
        during working hours on working days, counted on the local wall clock.
        A deadline that ends a working day exactly is at ``day_end`` that day.
        """
        instant = _require_aware(start)
        remaining = _require_duration(duration)
        cursor = self._next_opening_wall(self._wall(instant))
        while True:
            available = self._closing(cursor.date()) - cursor
            if remaining <= available:
                # Keep the fold so that a clock already running in a repeated
                # (autumn) hour stays in the second occurrence.
                return self._from_wall(cursor + remaining, cursor.fold)
            remaining -= available
            cursor = self._opening(self._next_working_day(cursor.date()))

    def add_working_days(self, start: datetime, days: int) -> datetime:
        """The deadline ``days`` full working days after ``start``.

        Defined as ``add_working_time(start, days * working_day_length())``:
        the same wall-clock working position ``days`` working days later,
        counting from the next opening when ``start`` is out of hours (Friday
        18:00 + 1 working day = Monday 17:00; Tuesday 10:30 + 1 = Wednesday
        10:30; Tuesday 09:00 + 1 = Tuesday 17:00).
        """
        if not isinstance(days, int) or isinstance(days, bool):
            raise TypeError(NOT_AN_INTEGER_ERROR)
        if days < 0:
            raise ValueError(NEGATIVE_DAYS_ERROR)
        return self.add_working_time(start, days * self.working_day_length())

    def working_time_between(self, start: datetime, end: datetime) -> timedelta:
        """Working time from ``start`` to ``end``; negative if ``end`` < ``start``.

        Counts wall-clock working hours on each working day in the span, so it
        inverts :meth:`add_working_time`:
        ``working_time_between(start, add_working_time(start, d)) == d``
        (except when the deadline was moved out of a spring-forward gap).
        Linear in the number of calendar days spanned.
        """
        first = _require_aware(start)
        last = _require_aware(end)
        if last.astimezone(UTC) < first.astimezone(UTC):
            return -self.working_time_between(last, first)
        begin = self._wall(first)
        finish = self._wall(last)
        first_day, last_day = begin.date(), finish.date()
        if first_day == last_day:
            return self._open_within(first_day, begin, finish)
        # The first and last days in part; every working day between them whole (a day's working hours
        # on the wall clock are the same length on any day). Counted, not walked a day at a time: a
        # queue asks this of each of its fifty rows.
        whole = self._working_days(first_day + _ONE_DAY, last_day)
        return (
            self._open_within(first_day, begin, finish)
            + self._open_within(last_day, begin, finish)
            + whole * self.working_day_length()
        )

    def _open_within(self, day: date, begin: datetime, finish: datetime) -> timedelta:
        """Working time on local ``day`` between the wall-clock times ``begin`` and ``finish``."""
        if not self.is_working_day(day):
            return _ZERO
        lower = max(begin, self._opening(day))
        upper = min(finish, self._closing(day))
        return upper - lower if upper > lower else _ZERO

    def _working_days(self, first: date, stop: date) -> int:
        """The working days from ``first`` up to, not including, ``stop``: the working weekdays among
        them, less the bank holidays and closures that fall on one."""
        if stop <= first:
            return 0
        weeks, rest = divmod((stop - first).days, 7)
        weekday = first.weekday()
        count = weeks * len(self.working_weekdays) + sum(
            1 for k in range(rest) if (weekday + k) % 7 in self.working_weekdays
        )
        closed = set(self.extra_closures)
        for year in range(first.year, stop.year + 1):
            closed.update(_bank_holidays_for_year(year))
        return count - sum(1 for d in closed if first <= d < stop and d.weekday() in self.working_weekdays)

    def add_elapsed(self, start: datetime, duration: timedelta) -> datetime:
        """Absolute-time deadline in this calendar's zone; see :func:`add_elapsed`."""
        return add_elapsed(start, duration, self.timezone)

    # -- wall-clock helpers (naive local datetimes) ---------------------------

    def _opening(self, day: date) -> datetime:
        return datetime.combine(day, self.day_start)

    def _closing(self, day: date) -> datetime:
        return datetime.combine(day, self.day_end)

    def _next_working_day(self, day: date) -> date:
        day += _ONE_DAY
        while not self.is_working_day(day):
            day += _ONE_DAY
        return day

    def _next_opening_wall(self, wall: datetime) -> datetime:
        """Next opening on the wall clock; ``wall`` itself (fold kept) if open."""
        day = wall.date()
        if self.is_working_day(day):
            if wall < self._opening(day):
                return self._opening(day)
            if wall < self._closing(day):
                return wall
        return self._opening(self._next_working_day(day))

    def _wall(self, instant: datetime) -> datetime:
        """Local wall-clock time of an aware instant (naive, fold kept)."""
        # Via UTC: astimezone() to the instant's own zone would not normalise.
        return instant.astimezone(UTC).astimezone(self._zone).replace(tzinfo=None)

    def _from_wall(self, wall: datetime, fold: int) -> datetime:
        """Aware instant for a local wall-clock time.

        An ambiguous wall time takes ``fold`` (0 = first occurrence).  A wall
        time in a gap is moved forward to the instant the clocks changed.
        """
        candidate = wall.replace(tzinfo=self._zone, fold=fold)
        if self._wall(candidate) == wall:
            return candidate.astimezone(UTC).astimezone(self._zone)
        # ``wall`` does not exist.  Its two readings lie either side of the
        # transition; search between them for the transition instant.
        readings = sorted(wall.replace(tzinfo=self._zone, fold=f).astimezone(UTC) for f in (0, 1))
        low, high = readings[0], readings[1]
        while high - low > _RESOLUTION:
            middle = low + (high - low) // 2
            if self._wall(middle) >= wall:
                high = middle
            else:
                low = middle
        return high.astimezone(self._zone)
