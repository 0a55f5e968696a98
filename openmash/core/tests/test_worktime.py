"""Tests for the working-time clock (pure Python: no database, no Django)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from openmash.core.worktime import (
    AWARE_WORKING_HOURS_ERROR,
    CLOSURE_NOT_A_DATE_ERROR,
    DATETIME_NOT_A_DATE_ERROR,
    DAY_END_NOT_AFTER_START_ERROR,
    EMPTY_WORKING_WEEKDAYS_ERROR,
    INVALID_WEEKDAY_ERROR,
    NAIVE_DATETIME_ERROR,
    NEGATIVE_DAYS_ERROR,
    NEGATIVE_DURATION_ERROR,
    UNKNOWN_TIMEZONE_ERROR,
    WorkingCalendar,
    add_elapsed,
)

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
HOUR = timedelta(hours=1)
CAL = WorkingCalendar()
SEVEN_DAYS = frozenset(range(7))
# 7-day calendar whose working hours cover the 01:00-02:00 hour the clocks skip or repeat.
NIGHT = WorkingCalendar(day_start=time(0, 0), day_end=time(4, 0), working_weekdays=SEVEN_DAYS)

SPRING_FORWARD = [date(2026, 3, 29), date(2027, 3, 28)]
FALL_BACK = [date(2026, 10, 25), date(2027, 10, 31)]
TRANSITIONS_UTC = [
    datetime(2026, 3, 29, 1, tzinfo=UTC),
    datetime(2026, 10, 25, 1, tzinfo=UTC),
    datetime(2027, 3, 28, 1, tzinfo=UTC),
    datetime(2027, 10, 31, 1, tzinfo=UTC),
    datetime(2028, 3, 26, 1, tzinfo=UTC),
    datetime(2028, 10, 29, 1, tzinfo=UTC),
]


def lon(year: int, month: int, day: int, hour: int = 0, minute: int = 0, fold: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=LONDON, fold=fold)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def assert_london(result: datetime, expected: datetime) -> None:
    """Same instant, same London wall clock and offset, and in the calendar's zone.

    (Aware datetimes sharing a tzinfo compare by wall clock, so compare in UTC too.)
    """
    assert isinstance(result.tzinfo, ZoneInfo)
    assert result.tzinfo.key == "Europe/London"
    assert result.astimezone(UTC) == expected.astimezone(UTC)
    assert result.utcoffset() == expected.utcoffset()
    assert result.replace(tzinfo=None) == expected.replace(tzinfo=None)


# -- configuration -------------------------------------------------------------


def test_defaults() -> None:
    assert CAL.timezone == "Europe/London"
    assert (CAL.day_start, CAL.day_end) == (time(9), time(17))
    assert frozenset({0, 1, 2, 3, 4}) == CAL.working_weekdays
    assert CAL.working_day_length() == timedelta(hours=8)
    assert NIGHT.working_day_length() == timedelta(hours=4)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"day_start": time(9), "day_end": time(9)}, DAY_END_NOT_AFTER_START_ERROR),
        ({"day_start": time(17), "day_end": time(9)}, DAY_END_NOT_AFTER_START_ERROR),
        ({"working_weekdays": frozenset()}, EMPTY_WORKING_WEEKDAYS_ERROR),
        ({"working_weekdays": frozenset({0, 7})}, INVALID_WEEKDAY_ERROR),
        ({"working_weekdays": frozenset({-1})}, INVALID_WEEKDAY_ERROR),
        ({"day_start": time(9, tzinfo=UTC)}, AWARE_WORKING_HOURS_ERROR),
        ({"extra_closures": frozenset({datetime(2026, 6, 1, tzinfo=UTC)})}, CLOSURE_NOT_A_DATE_ERROR),
        ({"timezone": "Europe/Nowhere"}, UNKNOWN_TIMEZONE_ERROR.format(timezone="Europe/Nowhere")),
    ],
)
def test_invalid_configuration_is_rejected(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        WorkingCalendar(**kwargs)  # type: ignore[arg-type]


def test_calendar_is_hashable_and_coerces_sets() -> None:
    calendar = WorkingCalendar(working_weekdays={0, 1, 2}, extra_closures={date(2026, 6, 1)})  # type: ignore[arg-type]
    assert isinstance(calendar.working_weekdays, frozenset)
    assert isinstance(calendar.extra_closures, frozenset)
    same = WorkingCalendar(
        working_weekdays=frozenset({0, 1, 2}), extra_closures=frozenset({date(2026, 6, 1)})
    )
    assert calendar == same
    assert hash(calendar) == hash(same)


# -- input validation ------------------------------------------------------------

NAIVE = datetime(2026, 6, 1, 10, 0)  # noqa: DTZ001 - deliberately naive
AWARE = lon(2026, 6, 1, 10)


@pytest.mark.parametrize(
    "call",
    [
        lambda: CAL.add_working_time(NAIVE, HOUR),
        lambda: CAL.add_working_days(NAIVE, 1),
        lambda: CAL.working_time_between(NAIVE, AWARE),
        lambda: CAL.working_time_between(AWARE, NAIVE),
        lambda: CAL.next_opening(NAIVE),
        lambda: CAL.add_elapsed(NAIVE, HOUR),
        lambda: add_elapsed(NAIVE, HOUR),
    ],
)
def test_naive_datetimes_are_rejected(call: Callable[[], object]) -> None:
    with pytest.raises(ValueError, match=re.escape(NAIVE_DATETIME_ERROR)):
        call()


def test_negative_amounts_are_rejected() -> None:
    with pytest.raises(ValueError, match=re.escape(NEGATIVE_DURATION_ERROR)):
        CAL.add_working_time(AWARE, -HOUR)
    with pytest.raises(ValueError, match=re.escape(NEGATIVE_DAYS_ERROR)):
        CAL.add_working_days(AWARE, -1)
    with pytest.raises(ValueError, match=re.escape(NEGATIVE_DURATION_ERROR)):
        add_elapsed(AWARE, -HOUR)


def test_is_working_day_rejects_datetimes() -> None:
    with pytest.raises(TypeError, match=re.escape(DATETIME_NOT_A_DATE_ERROR)):
        CAL.is_working_day(AWARE)


# -- working days and bank holidays ---------------------------------------------------


def test_weekends_are_not_working_days() -> None:
    week = [date(2026, 6, 1) + timedelta(days=n) for n in range(7)]  # Monday 1 June 2026
    assert [CAL.is_working_day(d) for d in week] == [True] * 5 + [False] * 2


def test_bank_holidays_are_the_holidays_library_values() -> None:
    for year in (2026, 2027):
        expected = dict(holidays.country_holidays("GB", subdiv="ENG", years=year))
        assert CAL.bank_holidays(year) == expected
        # England and Wales share their bank holidays.
        assert dict(holidays.country_holidays("GB", subdiv="WLS", years=year)) == expected


@pytest.mark.parametrize(
    "closed",
    [
        date(2026, 4, 3),  # Good Friday 2026
        date(2026, 4, 6),  # Easter Monday 2026
        date(2026, 12, 25),  # Christmas Day 2026 (Friday)
        date(2026, 12, 28),  # Boxing Day substitute (26th is a Saturday)
        date(2027, 1, 1),  # New Year's Day 2027 (Friday)
        date(2027, 3, 26),  # Good Friday 2027
        date(2027, 3, 29),  # Easter Monday 2027
        date(2027, 5, 3),  # early May bank holiday 2027
        date(2027, 12, 27),  # Christmas Day substitute (25th is a Saturday)
        date(2027, 12, 28),  # Boxing Day substitute (26th is a Sunday)
    ],
)
def test_england_bank_holidays_are_closed(closed: date) -> None:
    assert closed in CAL.bank_holidays(closed.year)
    assert closed.weekday() < 5
    assert not CAL.is_working_day(closed)


def test_bank_holiday_names_and_substitutes_from_library() -> None:
    assert CAL.bank_holidays(2026)[date(2026, 12, 26)] == "Boxing Day"
    assert "observed" in CAL.bank_holidays(2026)[date(2026, 12, 28)]
    assert CAL.bank_holidays(2027)[date(2027, 3, 29)] == "Easter Monday"
    assert CAL.bank_holidays(2027)[date(2027, 3, 26)] == "Good Friday"
    assert date(2026, 12, 29) not in CAL.bank_holidays(2026)
    assert CAL.is_working_day(date(2026, 12, 29))


def test_any_year_is_computed_lazily() -> None:
    assert date(1990, 12, 25) in CAL.bank_holidays(1990)
    assert date(2094, 12, 25) in CAL.bank_holidays(2094)
    assert not CAL.is_working_day(date(2094, 12, 25))  # a Friday
    assert not CAL.is_working_day(date(2094, 12, 28))  # Boxing Day substitute


def test_bank_holidays_returns_a_copy() -> None:
    copy = CAL.bank_holidays(2026)
    copy.clear()
    assert CAL.bank_holidays(2026)
    assert not CAL.is_working_day(date(2026, 12, 25))


def test_seven_day_calendar_still_closes_on_bank_holidays() -> None:
    weekend_working = WorkingCalendar(working_weekdays=SEVEN_DAYS)
    assert weekend_working.is_working_day(date(2026, 6, 6))  # Saturday
    assert weekend_working.is_working_day(date(2026, 6, 7))  # Sunday
    assert not weekend_working.is_working_day(date(2026, 12, 25))


def test_extra_closures() -> None:
    closure = date(2026, 6, 1)  # a Monday
    calendar = WorkingCalendar(extra_closures=frozenset({closure}))
    assert CAL.is_working_day(closure)
    assert not calendar.is_working_day(closure)
    # Red from Friday 15:00: 2h Friday, Monday closed, 2h Tuesday.
    assert_london(calendar.add_working_time(lon(2026, 5, 29, 15), 4 * HOUR), lon(2026, 6, 2, 11))
    assert_london(calendar.next_opening(lon(2026, 6, 1, 10)), lon(2026, 6, 2, 9))
    assert calendar.working_time_between(lon(2026, 5, 29, 9), lon(2026, 6, 2, 17)) == 16 * HOUR


# -- out-of-hours starts ----------------------------------------------------------


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        (lon(2026, 6, 2, 7, 30), lon(2026, 6, 2, 9)),  # before opening
        (lon(2026, 6, 2, 9), lon(2026, 6, 2, 9)),  # at opening
        (lon(2026, 6, 2, 12, 15), lon(2026, 6, 2, 12, 15)),  # open
        (lon(2026, 6, 2, 17), lon(2026, 6, 3, 9)),  # at closing
        (lon(2026, 6, 2, 23, 59), lon(2026, 6, 3, 9)),  # late evening
        (lon(2026, 6, 5, 18), lon(2026, 6, 8, 9)),  # Friday evening
        (lon(2026, 6, 6, 10), lon(2026, 6, 8, 9)),  # Saturday
        (lon(2027, 3, 26, 10), lon(2027, 3, 30, 9)),  # Good Friday -> after Easter Monday
        (lon(2026, 12, 24, 17, 30), lon(2026, 12, 29, 9)),  # Christmas Eve evening
        (utc(2026, 6, 2, 8, 30), lon(2026, 6, 2, 9, 30)),  # UTC input, open in London (BST)
    ],
)
def test_next_opening(at: datetime, expected: datetime) -> None:
    assert_london(CAL.next_opening(at), expected)


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        (lon(2026, 6, 1, 7, 30), lon(2026, 6, 1, 13)),  # before opening: from 09:00
        (lon(2026, 6, 1, 18), lon(2026, 6, 2, 13)),  # after close: from next day 09:00
        (lon(2026, 6, 6, 10), lon(2026, 6, 8, 13)),  # Saturday: from Monday 09:00
        (lon(2027, 3, 29, 10), lon(2027, 3, 30, 13)),  # Easter Monday: from Tuesday 09:00
    ],
)
def test_out_of_hours_start_counts_from_next_opening(start: datetime, expected: datetime) -> None:
    assert_london(CAL.add_working_time(start, 4 * HOUR), expected)


def test_zero_duration_is_next_opening() -> None:
    assert_london(CAL.add_working_time(lon(2026, 6, 5, 17), timedelta(0)), lon(2026, 6, 8, 9))
    assert_london(CAL.add_working_time(lon(2026, 6, 5, 11), timedelta(0)), lon(2026, 6, 5, 11))


def test_deadline_using_up_the_day_is_at_close_not_next_opening() -> None:
    assert_london(CAL.add_working_time(lon(2026, 6, 5, 13), 4 * HOUR), lon(2026, 6, 5, 17))


# -- RAG deadlines -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        (lon(2026, 6, 2, 10), lon(2026, 6, 2, 14)),  # Tuesday morning
        (lon(2026, 6, 2, 15), lon(2026, 6, 3, 11)),  # spills into Wednesday
        (lon(2026, 6, 5, 15), lon(2026, 6, 8, 11)),  # Friday -> Monday
        (lon(2026, 12, 24, 15), lon(2026, 12, 29, 11)),  # Christmas Eve: 25th, weekend, 28th closed
        (lon(2027, 12, 24, 14), lon(2027, 12, 29, 10)),  # 2027: 27th and 28th are substitutes
    ],
)
def test_red_four_working_hours(start: datetime, expected: datetime) -> None:
    assert_london(CAL.add_working_time(start, 4 * HOUR), expected)


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        (lon(2026, 6, 2, 10, 30), lon(2026, 6, 3, 10, 30)),  # same clock position next day
        (lon(2026, 6, 2, 9), lon(2026, 6, 2, 17)),  # at opening: due at close
        (lon(2026, 6, 2, 7), lon(2026, 6, 2, 17)),  # before opening: due at close
        (lon(2026, 6, 5, 18), lon(2026, 6, 8, 17)),  # Friday 18:00 -> Monday 17:00
        (lon(2026, 6, 6, 12), lon(2026, 6, 8, 17)),  # Saturday -> Monday 17:00
        (lon(2026, 12, 23, 16), lon(2026, 12, 24, 16)),
        (lon(2026, 12, 24, 11), lon(2026, 12, 29, 11)),
    ],
)
def test_amber_one_working_day(start: datetime, expected: datetime) -> None:
    assert_london(CAL.add_working_days(start, 1), expected)
    assert CAL.add_working_days(start, 1) == CAL.add_working_time(start, CAL.working_day_length())


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        (lon(2026, 6, 2, 10), lon(2026, 6, 5, 10)),  # Tuesday -> Friday
        (lon(2026, 6, 4, 10), lon(2026, 6, 9, 10)),  # Thursday -> Tuesday
        (lon(2026, 12, 23, 14), lon(2026, 12, 30, 14)),  # 24th, 29th, 30th
        (lon(2026, 12, 30, 12), lon(2027, 1, 5, 12)),  # 31st, (1 Jan closed) 4th, 5th
        (lon(2027, 12, 24, 10), lon(2027, 12, 31, 10)),  # 29th, 30th, 31st
        (lon(2027, 3, 25, 16), lon(2027, 4, 1, 16)),  # Easter: 26th-29th closed; 30th, 31st, 1st
    ],
)
def test_green_three_working_days(start: datetime, expected: datetime) -> None:
    assert_london(CAL.add_working_days(start, 3), expected)


def test_red_out_of_hours_is_elapsed_time() -> None:
    assert_london(CAL.add_elapsed(lon(2026, 6, 6, 22), 4 * HOUR), lon(2026, 6, 7, 2))
    assert_london(add_elapsed(utc(2026, 6, 6, 21), 4 * HOUR), lon(2026, 6, 7, 2))


def test_elapsed_add_across_spring_forward_gap_is_real_hours() -> None:
    # Saturday 23:00 GMT + 4 real hours = 03:00 UTC = Sunday 04:00 BST.
    result = CAL.add_elapsed(lon(2026, 3, 28, 23), 4 * HOUR)
    assert_london(result, lon(2026, 3, 29, 4))
    assert result.astimezone(UTC) == utc(2026, 3, 29, 3)
    assert result - lon(2026, 3, 28, 23) == 5 * HOUR  # wall clock moved five hours


def test_elapsed_add_across_fall_back_is_real_hours() -> None:
    # Saturday 23:00 BST (22:00 UTC) + 4 real hours = 02:00 UTC = Sunday 02:00 GMT.
    result = add_elapsed(lon(2026, 10, 24, 23), 4 * HOUR)
    assert_london(result, lon(2026, 10, 25, 2))
    assert result.astimezone(UTC) == utc(2026, 10, 25, 2)


# -- daylight saving (Monday-Friday 09:00-17:00) ---------------------------------------------


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        (lon(2026, 3, 27, 15), lon(2026, 3, 30, 11)),  # GMT -> BST (29 March 2026)
        (lon(2026, 10, 23, 15), lon(2026, 10, 26, 11)),  # BST -> GMT (25 October 2026)
        (lon(2027, 3, 25, 15), lon(2027, 3, 30, 11)),  # GMT -> BST (28 March 2027), over Easter
        (lon(2027, 10, 29, 15), lon(2027, 11, 1, 11)),  # BST -> GMT (31 October 2027)
    ],
)
def test_dst_change_does_not_shift_red_deadline(start: datetime, expected: datetime) -> None:
    result = CAL.add_working_time(start, 4 * HOUR)
    assert_london(result, expected)
    assert result.hour == 11
    assert result.utcoffset() != start.utcoffset()


def test_dst_change_does_not_shift_amber_or_span() -> None:
    assert_london(CAL.add_working_days(lon(2026, 3, 27, 10), 1), lon(2026, 3, 30, 10))
    assert_london(CAL.add_working_days(lon(2026, 10, 23, 10), 1), lon(2026, 10, 26, 10))
    assert CAL.working_time_between(lon(2026, 3, 27, 9), lon(2026, 3, 30, 17)) == 16 * HOUR
    assert CAL.working_time_between(lon(2026, 10, 23, 9), lon(2026, 10, 26, 17)) == 16 * HOUR


@pytest.mark.parametrize("sunday", SPRING_FORWARD + FALL_BACK)
def test_dst_sunday_in_seven_day_calendar(sunday: date) -> None:
    calendar = WorkingCalendar(working_weekdays=SEVEN_DAYS)
    saturday = sunday - timedelta(days=1)
    start = lon(saturday.year, saturday.month, saturday.day, 15)
    expected = lon(sunday.year, sunday.month, sunday.day, 11)
    assert_london(calendar.add_working_time(start, 4 * HOUR), expected)
    assert_london(calendar.add_working_days(start, 1), expected.replace(hour=15))
    sunday_close = lon(sunday.year, sunday.month, sunday.day, 17)
    assert calendar.working_time_between(start.replace(hour=9), sunday_close) == 16 * HOUR


# -- daylight saving inside working hours (7 days, 00:00-04:00) ---------------------------


@pytest.mark.parametrize("sunday", SPRING_FORWARD)
def test_spring_forward_gap_inside_working_hours(sunday: date) -> None:
    y, m, d = sunday.year, sunday.month, sunday.day
    opening = lon(y, m, d, 0)  # 00:00 GMT
    transition = datetime(y, m, d, 1, tzinfo=UTC)  # 01:00 GMT becomes 02:00 BST
    # Nominal wall-clock day: four working hours although only three real hours pass.
    assert NIGHT.working_time_between(opening, lon(y, m, d, 4)) == 4 * HOUR
    assert_london(NIGHT.add_working_time(opening, 4 * HOUR), lon(y, m, d, 4))
    assert_london(NIGHT.add_working_time(opening, 2 * HOUR), lon(y, m, d, 2))
    assert_london(NIGHT.add_working_time(opening, timedelta(minutes=59)), lon(y, m, d, 0, 59))
    # 01:30 does not exist: the deadline moves to the moment the clocks change.
    in_gap = NIGHT.add_working_time(opening, timedelta(minutes=90))
    assert in_gap.astimezone(UTC) == transition
    assert (in_gap.hour, in_gap.minute, in_gap.utcoffset()) == (2, 0, HOUR)
    # One working day from Saturday 02:00 GMT is Sunday 02:00 BST: same clock position.
    assert_london(NIGHT.add_working_days(lon(y, m, d - 1, 2), 1), lon(y, m, d, 2))


@pytest.mark.parametrize("sunday", FALL_BACK)
def test_fall_back_overlap_inside_working_hours(sunday: date) -> None:
    y, m, d = sunday.year, sunday.month, sunday.day
    opening = lon(y, m, d, 0)  # 00:00 BST
    # Nominal wall-clock day: four working hours although five real hours pass.
    assert NIGHT.working_time_between(opening, lon(y, m, d, 4)) == 4 * HOUR
    # 01:30 happens twice; the deadline is the first (BST) occurrence.
    first = NIGHT.add_working_time(opening, timedelta(minutes=90))
    assert first.astimezone(UTC) == datetime(y, m, d, 0, 30, tzinfo=UTC)
    assert first.utcoffset() == HOUR
    # A clock already running in the repeated hour stays in the second (GMT) occurrence.
    second_start = lon(y, m, d, 1, 30, fold=1)
    assert second_start.astimezone(UTC) == datetime(y, m, d, 1, 30, tzinfo=UTC)
    later = NIGHT.add_working_time(second_start, timedelta(minutes=10))
    assert later.astimezone(UTC) == datetime(y, m, d, 1, 40, tzinfo=UTC)
    assert NIGHT.working_time_between(second_start, later) == timedelta(minutes=10)
    # One working day from Saturday 03:00 BST is Sunday 03:00 GMT: same clock position.
    assert_london(NIGHT.add_working_days(lon(y, m, d - 1, 3), 1), lon(y, m, d, 3))


def test_opening_time_inside_spring_forward_gap() -> None:
    calendar = WorkingCalendar(day_start=time(1, 30), day_end=time(5), working_weekdays=SEVEN_DAYS)
    opened = calendar.next_opening(lon(2026, 3, 28, 6))
    assert opened.astimezone(UTC) == utc(2026, 3, 29, 1)  # 02:00 BST, when the clocks change
    assert_london(calendar.next_opening(lon(2026, 3, 29, 6)), lon(2026, 3, 30, 1, 30))


# -- working time between -----------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (lon(2026, 6, 1, 8), lon(2026, 6, 1, 10, 30), timedelta(hours=1, minutes=30)),
        (lon(2026, 6, 5, 16), lon(2026, 6, 8, 10), 2 * HOUR),
        (lon(2026, 6, 6, 10), lon(2026, 6, 7, 15), timedelta(0)),  # weekend only
        (lon(2026, 6, 1, 12), lon(2026, 6, 1, 12), timedelta(0)),
        (lon(2026, 12, 24, 9), lon(2027, 1, 4, 17), 5 * 8 * HOUR),  # 24, 29, 30, 31 Dec; 4 Jan
    ],
)
def test_working_time_between(start: datetime, end: datetime, expected: timedelta) -> None:
    assert CAL.working_time_between(start, end) == expected
    assert CAL.working_time_between(end, start) == -expected


def test_working_time_between_over_a_year() -> None:
    # 2026: 261 weekdays, 8 of them bank holidays (Boxing Day falls on a Saturday).
    year_2026 = CAL.working_time_between(utc(2026, 1, 1), utc(2027, 1, 1))
    assert year_2026 == 253 * 8 * HOUR
    assert_london(CAL.add_working_time(lon(2026, 1, 1), year_2026), lon(2026, 12, 31, 17))


# -- properties ---------------------------------------------------------------------

ZONES = st.sampled_from([UTC, LONDON, NEW_YORK])
INSTANTS = st.datetimes(
    min_value=datetime(2026, 1, 1),  # noqa: DTZ001 - hypothesis bounds are naive
    max_value=datetime(2028, 12, 31, 23, 59),  # noqa: DTZ001
    timezones=ZONES,
    allow_imaginary=False,
)
NEAR_DST = st.builds(
    lambda transition, offset: transition + offset,
    st.sampled_from(TRANSITIONS_UTC),
    st.timedeltas(min_value=timedelta(days=-3), max_value=timedelta(days=3)),
)
UP_TO_TEN_DAYS = st.timedeltas(min_value=timedelta(0), max_value=10 * CAL.working_day_length())


@settings(max_examples=300, deadline=None, database=None)
@given(start=INSTANTS | NEAR_DST, duration=UP_TO_TEN_DAYS)
def test_working_time_between_inverts_add_working_time(start: datetime, duration: timedelta) -> None:
    deadline = CAL.add_working_time(start, duration)
    assert CAL.working_time_between(start, deadline) == duration
    assert CAL.working_time_between(CAL.next_opening(start), deadline) == duration
    assert CAL.working_time_between(deadline, start) == -duration
    # The deadline is inside working hours (closing time included) on a working day.
    assert isinstance(deadline.tzinfo, ZoneInfo)
    assert deadline.tzinfo.key == "Europe/London"
    assert CAL.is_working_day(deadline.date())
    assert time(9) <= deadline.time() <= time(17)
    assert deadline.astimezone(UTC) >= start.astimezone(UTC)


@settings(max_examples=200, deadline=None, database=None)
@given(start=INSTANTS | NEAR_DST, days=st.integers(min_value=0, max_value=10))
def test_add_working_days_keeps_clock_position(start: datetime, days: int) -> None:
    opened = CAL.next_opening(start)
    deadline = CAL.add_working_days(start, days)
    assert deadline == CAL.add_working_time(start, days * CAL.working_day_length())
    if days and opened.time() != time(9):
        assert deadline.time() == opened.time()


@settings(max_examples=300, deadline=None, database=None)
@given(
    start=NEAR_DST,
    first=st.timedeltas(min_value=timedelta(0), max_value=timedelta(hours=12)),
    second=st.timedeltas(min_value=timedelta(0), max_value=timedelta(hours=12)),
)
def test_night_calendar_is_monotonic_across_dst(start: datetime, first: timedelta, second: timedelta) -> None:
    shorter, longer = sorted((first, second))
    early = NIGHT.add_working_time(start, shorter)
    late = NIGHT.add_working_time(start, longer)
    assert start.astimezone(UTC) <= early.astimezone(UTC) <= late.astimezone(UTC)
    # Exact inverse, except a deadline moved out of the spring gap (at most an hour later).
    counted = NIGHT.working_time_between(start, late)
    assert longer <= counted <= longer + HOUR


def _walked(calendar: WorkingCalendar, start: datetime, end: datetime) -> timedelta:
    """Working time between two instants walked a day at a time, as it was counted before the whole days
    between were counted at once: the yardstick for that count."""
    if end.astimezone(UTC) < start.astimezone(UTC):
        return -_walked(calendar, end, start)
    begin = start.astimezone(UTC).astimezone(LONDON).replace(tzinfo=None)
    finish = end.astimezone(UTC).astimezone(LONDON).replace(tzinfo=None)
    total = timedelta(0)
    day = begin.date()
    while day <= finish.date():
        if calendar.is_working_day(day):
            lower = max(begin, datetime.combine(day, calendar.day_start))
            upper = min(finish, datetime.combine(day, calendar.day_end))
            if upper > lower:
                total += upper - lower
        day += timedelta(days=1)
    return total


CALENDARS = st.builds(
    lambda weekdays, closures, hours: WorkingCalendar(
        working_weekdays=weekdays, extra_closures=closures, day_start=hours[0], day_end=hours[1]
    ),
    st.frozensets(st.integers(min_value=0, max_value=6), min_size=1),
    st.frozensets(st.dates(min_value=date(2025, 12, 1), max_value=date(2029, 1, 31)), max_size=12),
    st.sampled_from(
        [(time(9), time(17)), (time(0), time(4)), (time(8, 30), time(18)), (time(0), time(23, 59))]
    ),
)
WIDER = st.datetimes(
    min_value=datetime(2025, 12, 1),  # noqa: DTZ001 - hypothesis bounds are naive
    max_value=datetime(2029, 1, 31, 23, 59),  # noqa: DTZ001
    timezones=ZONES,
    allow_imaginary=False,
)


@settings(max_examples=400, deadline=None, database=None)
@given(calendar=CALENDARS, start=WIDER | NEAR_DST, end=WIDER | NEAR_DST)
def test_whole_days_counted_at_once_give_the_day_by_day_sum(
    calendar: WorkingCalendar, start: datetime, end: datetime
) -> None:
    """Any working week, closures (on working days or not, one or many) and hours; any two instants up to
    three years apart, in either order, near the clocks changing too: the same working time as walking
    the days one by one."""
    assert calendar.working_time_between(start, end) == _walked(calendar, start, end)
