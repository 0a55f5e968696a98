"""How overdue a request is, as a queue's rows say it: the same words as Django's ``timesince`` with two
units, for any two moments (the queue draws its own words, without a translation look-up per row)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.utils.timesince import timesince
from hypothesis import given, settings
from hypothesis import strategies as st

from openmash.hub.calendar_format import LONDON, time_since

# Hypothesis takes naive bounds and gives each moment one of the zones.
moments = st.datetimes(
    min_value=datetime(2020, 1, 1),  # noqa: DTZ001
    max_value=datetime(2030, 12, 31),  # noqa: DTZ001
    timezones=st.sampled_from([UTC, LONDON]),
)


@settings(max_examples=400, deadline=None)
@given(then=moments, later=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=900)))
def test_the_words_are_djangos_for_any_two_moments(then: datetime, later: timedelta) -> None:
    now = then + later
    assert time_since(then, now) == timesince(then, now, depth=2)


@settings(max_examples=400, deadline=None)
@given(
    then=moments,
    earlier_or_later=st.timedeltas(min_value=timedelta(days=-30), max_value=timedelta(days=1200)),
    zone=st.sampled_from([UTC, LONDON]),
)
def test_the_words_are_djangos_whatever_zone_now_is_read_in(
    then: datetime, earlier_or_later: timedelta, zone: object
) -> None:
    """A deadline read from the database (UTC) against now in London, and the other way round, across
    the clocks changing, and a moment not yet reached."""
    now = (then + earlier_or_later).astimezone(zone)  # type: ignore[arg-type]
    assert time_since(then, now) == timesince(then, now, depth=2)


def test_the_words_read_as_a_person_reads_them() -> None:
    due = datetime(2026, 3, 2, 9, 0, tzinfo=LONDON)
    assert time_since(due, due + timedelta(days=1, hours=3)) == "1\xa0day, 3\xa0hours"
    assert time_since(due, due + timedelta(days=16)) == "2\xa0weeks, 2\xa0days"
    assert time_since(due, due + timedelta(minutes=1)) == "1\xa0minute"
    assert time_since(due, due) == "0\xa0minutes"
    assert time_since(due, due - timedelta(hours=2)) == "0\xa0minutes"  # not yet due
