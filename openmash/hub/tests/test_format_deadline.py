"""A deadline in words, as strftime's English names and 12-hour clock would write it, at every minute of
the day and every day of the week and month, either side of the clocks changing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from openmash.hub.calendar_format import LONDON, NOT_YET_DUE, format_deadline


def _by_strftime(when: datetime) -> str:
    local = when.astimezone(LONDON)
    hour = local.strftime("%I:%M%p").lstrip("0").lower().replace(":00", "")
    return f"{hour} on {local:%A} {local.day} {local:%B %Y}"


# Hypothesis takes naive bounds and gives each moment a zone.
moments = st.datetimes(
    min_value=datetime(2000, 1, 1),  # noqa: DTZ001
    max_value=datetime(2060, 12, 31),  # noqa: DTZ001
    timezones=st.sampled_from([UTC, LONDON]),
)


@given(moments)
def test_as_strftime_writes_it(when: datetime) -> None:
    assert format_deadline(when) == _by_strftime(when)


def test_examples_people_read() -> None:
    assert format_deadline(datetime(2026, 12, 4, 9, 0, tzinfo=UTC)) == "9am on Friday 4 December 2026"
    assert format_deadline(datetime(2026, 12, 4, 16, 30, tzinfo=UTC)) == "4:30pm on Friday 4 December 2026"
    assert format_deadline(datetime(2026, 12, 4, 0, 5, tzinfo=UTC)) == "12:05am on Friday 4 December 2026"
    assert format_deadline(datetime(2026, 7, 1, 11, 0, tzinfo=UTC)) == "12pm on Wednesday 1 July 2026"  # BST
    assert format_deadline(None) == NOT_YET_DUE


def test_every_minute_of_a_day_the_clocks_go_back() -> None:
    start = datetime(2026, 10, 24, 23, 0, tzinfo=UTC)
    for minute in range(26 * 60):
        when = start + timedelta(minutes=minute)
        assert format_deadline(when) == _by_strftime(when)
