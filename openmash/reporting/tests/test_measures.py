"""Each measure on the hand-built hub (tests/hub.py): the right answers are worked out there by hand."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from openmash.core.worktime import WorkingCalendar
from openmash.enquiries.models import RequestStatus
from openmash.hub.models import Agency, AgencyKind, RagRating
from openmash.reporting import selectors
from openmash.reporting.period import LONDON, Filters, Period
from openmash.reporting.scorecard import scorecard
from openmash.reporting.tests.hub import NOW, ask, at, build, contact, open_case

pytestmark = pytest.mark.django_db

DECEMBER = Period(date(2026, 12, 1), date(2026, 12, 31))


def rows(table: selectors.Table) -> dict[object, list[object]]:
    return {r[0]: r[1:] for r in table.rows}


@pytest.fixture
def hub(hub: Any, make_user: Any) -> Any:
    return build(make_user)


def test_the_period_before_is_as_long_and_ends_the_day_before() -> None:
    assert DECEMBER.previous == Period(date(2026, 11, 1), date(2026, 11, 30))
    assert Period(date(2027, 1, 1), date(2027, 1, 31)).previous == Period(
        date(2026, 12, 1), date(2026, 12, 31)
    )
    assert Period(date(2026, 1, 1), date(2026, 3, 31)).previous == Period(
        date(2025, 10, 1), date(2025, 12, 31)
    )
    assert Period(date(2026, 12, 3), date(2026, 12, 9)).previous == Period(
        date(2026, 11, 26), date(2026, 12, 2)
    )
    assert DECEMBER.start == at(2026, 12, 1, 0) and DECEMBER.end == at(2027, 1, 1, 0)


def test_the_deadlines_fall_where_working_time_puts_them(hub: Any) -> None:
    r = hub.refs
    # Friday 16:30 + one working day, over the weekend: Monday 16:30.
    assert r["c1"].decision_due_at == at(2026, 12, 7, 16, 30)
    # Thursday 24 December 15:00 + 8 working hours: 2 that day, none on Christmas Day, the weekend or
    # the Boxing Day substitute bank holiday (Monday 28), 6 on Tuesday 29.
    assert r["c3"].decision_due_at == at(2026, 12, 29, 15)
    assert r["p3"].due_at == at(2026, 12, 29, 16)
    assert r["c4"].decision_due_at == at(2026, 12, 8, 17)


def test_volumes(hub: Any) -> None:
    m = selectors.volumes(DECEMBER, Filters())
    totals = rows(m.table("totals"))
    assert totals["Contacts received"] == [4, 1]
    assert totals["Became referrals to children's social care"] == [2, 1]
    assert totals["Contact to referral conversion (%)"] == [50.0, 100.0]
    assert totals["Decided"] == [3, 1]
    assert totals["No further action"] == [1, 0]
    assert totals["No further action rate, of those decided (%)"] == [33.3, 0.0]
    sources = rows(m.table("sources"))
    assert sources == {
        "1A: Individual: family member, relative or carer": [1, 0, 0, 0],
        "2A: Schools": [2, 1, 2, 1],
        "6: Police": [1, 0, 0, 0],
    }
    assert list(sources) == ["1A: Individual: family member, relative or carer", "2A: Schools", "6: Police"]
    categories = rows(m.table("categories"))
    assert categories == {
        "Neglect": [2, 1],
        "Physical abuse": [1, 0],
        "Domestic abuse": [1, 0],
        "Other": [1, 0],
    }
    assert rows(m.table("routes")) == {
        "No further action or signposting": [1, 0],
        "MASH enquiry": [2, 1],
    }
    assert m.summary[0].startswith("4 contacts this period (1 the period before); 2 became referrals")


def test_volumes_filtered_by_source_agency_and_rag(hub: Any) -> None:
    by_source = rows(selectors.volumes(DECEMBER, Filters(source="2A")).table("totals"))
    assert by_source["Contacts received"] == [2, 1]
    red = rows(selectors.volumes(DECEMBER, Filters(rag=RagRating.RED)).table("totals"))
    assert red["Contacts received"] == [1, 0] and red["No further action"] == [1, 0]
    police = Agency.objects.get(kind=AgencyKind.POLICE)
    from_police = rows(selectors.volumes(DECEMBER, Filters(agency=police.pk)).table("totals"))
    assert from_police["Contacts received"] == [1, 0]


def test_timeliness(hub: Any) -> None:
    m = selectors.timeliness(DECEMBER, Filters(), now=NOW)
    hub_rows = rows(m.table("hub"))
    assert hub_rows["Contacts screened"] == [3, 1]
    assert hub_rows["Screened within target"] == [2, 1]  # R1 (over the weekend) and R3; not R2
    assert hub_rows["Screened within target (%)"] == [66.7, 100.0]
    assert hub_rows["Decisions made"] == [3, 1]
    assert hub_rows["Decided within target"] == [1, 1]  # R1 only; R2 and R3 were late
    assert hub_rows["Waiting for screening past the target now"][0] == 1  # R4
    agencies = rows(m.table("agencies"))
    # Police: R1 3 working hours and R3 7 (over Christmas and the bank holiday), both in time; in
    # November R0 was late. Median 5, 90th percentile (nearest rank of 2) 7.
    assert agencies["Police"] == [100.0, 0.0, 2, 2, 2, 5.0, 7.0, 0, 0]
    # Health: R1's nil return took 15 working hours (6 + 8 + 1), a day late; R3 never answered.
    assert agencies["Health"] == [0.0, None, 2, 1, 0, 15.0, 15.0, 1, 2]


def test_working_hours_use_the_hub_calendar(hub: Any) -> None:
    hours = selectors.hours_to_return(DECEMBER, Filters())
    police = Agency.objects.get(kind=AgencyKind.POLICE)
    # Thursday 24 December 16:00 to Tuesday 29 December 15:00 is 119 hours on the clock, 7 working.
    assert sorted(hours[police.pk]) == [3.0, 7.0]


def test_contributions(hub: Any) -> None:
    m = selectors.contributions(DECEMBER, Filters())
    table = rows(m.table("agencies"))
    assert table["Police"] == [2, 1, 2, 0, 4, 1, 1, 1]
    assert table["Health"] == [2, 0, 0, 1, 0, 0, 0, 0]
    assert m.table("withheld").rows == [["Police", "Would prejudice an investigation", 1]]
    assert m.summary[0] == (
        "Partner agencies received 4 requests this period and answered 3 of them (2 returns, 1 nil returns)."
    )


def test_decisions(hub: Any) -> None:
    m = selectors.decisions(DECEMBER, Filters())
    assert rows(m.table("outcomes")) == {
        "No further action": [1, 0, "No Further Action", "No Further Action"],
        "Child in need assessment (s.17)": [1, 1, "CIN Referral", "Assessment required"],
        "Strategy discussion (s.47)": [1, 0, "CIN Referral", "Strategy discussion and/or Section 47 enquiry"],
    }
    assert rows(m.table("levels")) == {
        "Escalated": [1, 0],
        "De-escalated": [1, 0],
        "Same as the referrer's view": [0, 1],
        "Referrer gave no view": [1, 0],
    }
    assert rows(m.table("scrutiny")) == {
        "All decisions": [3, 1],
        "An agency disagreed": [1, 0],
        "The outcome was challenged": [1, 0],
        "Made without some agencies' information": [1, 0],
    }


def test_rereferrals_count_the_same_child_under_a_misspelt_name(hub: Any) -> None:
    m = selectors.rereferrals(DECEMBER, Filters())
    assert rows(m.table("rate")) == {
        "Referrals to children's social care": [2, 1],
        "Re-referrals within 12 months": [1, 0],  # R1 follows R0; R3's earlier referral is 404 days before
        "Re-referral rate (%)": [50.0, 0.0],
    }
    r = hub.refs
    assert m.table("list").rows == [
        [r["r1"].reference, date(2026, 12, 4), r["r0"].reference, date(2026, 11, 2)]
    ]


def test_scorecards_colour_against_the_hub_target(hub: Any, settings: Any) -> None:
    police = Agency.objects.get(kind=AgencyKind.POLICE)
    health = Agency.objects.get(kind=AgencyKind.HEALTH)
    card = rows(scorecard(police, DECEMBER, now=NOW).table)
    assert card["Requests answered by the deadline (%)"] == [100.0, 0.0, "90% or more", RagRating.GREEN]
    assert card["Requests overdue now"][0] == 0 and card["Requests overdue now"][3] == RagRating.GREEN
    health_card = rows(scorecard(health, DECEMBER, now=NOW).table)
    assert health_card["Requests answered by the deadline (%)"][3] == RagRating.RED
    assert health_card["Requests overdue now"] == [1, None, "None", RagRating.RED]
    assert health_card["Nil returns"][0] == 1
    # The amber band: 0% is red 15 points below 90%, amber when the band reaches down to 0.
    settings.OPENMASH_REQUESTS_ON_TIME_AMBER_BAND = 90
    assert rows(scorecard(health, DECEMBER, now=NOW).table)["Requests answered by the deadline (%)"][3] == (
        RagRating.AMBER
    )
    settings.OPENMASH_REQUESTS_ON_TIME_TARGET = 0
    assert rows(scorecard(health, DECEMBER, now=NOW).table)["Requests answered by the deadline (%)"][3] == (
        RagRating.GREEN
    )


@pytest.mark.parametrize("slug", list(selectors.MEASURES))
def test_each_measure_reads_a_fixed_number_of_queries(hub: Any, slug: str) -> None:
    """Aggregates in the database: adding cases adds no queries."""
    with CaptureQueriesContext(connection) as before:
        selectors.measure(slug, DECEMBER, Filters())
    for day in (9, 10, 11):
        open_case(contact(at(2026, 12, day, 10), source="1A"), screened_at=at(2026, 12, day, 11))
    with CaptureQueriesContext(connection) as after:
        selectors.measure(slug, DECEMBER, Filters())
    assert len(after) == len(before)


def test_a_request_not_yet_due_counts_neither_way(hub: Any) -> None:
    """Police asked on R2 (red: 4 working hours) at 16:00 on Thursday 31 December: due at noon on Monday
    4 January (1 hour on the 31st; New Year's Day and the weekend closed; 3 on Monday)."""
    late = ask(hub.refs["c2"], AgencyKind.POLICE, sent_at=at(2026, 12, 31, 16), status=RequestStatus.OPEN)
    assert late.due_at == at(2027, 1, 4, 12)
    before_due = rows(selectors.timeliness(DECEMBER, Filters(), now=at(2027, 1, 4, 10)).table("agencies"))
    assert before_due["Police"][:3] == [100.0, 0.0, 3]  # 2 of 2 counted; the third not due yet
    after_due = rows(selectors.timeliness(DECEMBER, Filters(), now=NOW).table("agencies"))
    assert after_due["Police"][:3] == [66.7, 0.0, 3]
    assert after_due["Police"][7:] == [1, 0]  # overdue now; its deadline was missed in January, not December


def wall_seconds(instant: datetime) -> float:
    """Seconds since 1970 on the London wall clock, as PostgreSQL's EXTRACT(EPOCH ...) gives them."""
    return (instant.astimezone(LONDON).replace(tzinfo=None) - datetime(1970, 1, 1)).total_seconds()  # noqa: DTZ001


def test_the_working_clock_counts_as_the_calendar_does() -> None:
    """Random pairs of instants over two years, with a hub closure day and the clock changes: the
    running-total clock and the calendar's day-by-day count agree to the second."""
    calendar = WorkingCalendar(extra_closures=frozenset({date(2026, 12, 31)}))
    clock = selectors.WorkingClock(calendar, date(2026, 1, 1), date(2027, 12, 31))
    chance = random.Random(15)
    start = at(2026, 1, 1, 0)
    for _ in range(400):
        a = start + timedelta(minutes=chance.randrange(0, 600 * 24 * 60))
        b = a + timedelta(minutes=chance.randrange(0, 20 * 24 * 60))
        expected = calendar.working_time_between(a, b).total_seconds() / 3600
        assert clock.hours_between(a, b) == pytest.approx(expected, abs=1e-9), (a, b)
        # The same from the wall-clock seconds PostgreSQL gives (EXTRACT(EPOCH FROM x AT TIME ZONE ...)).
        local = clock.hours_between_local(wall_seconds(a), wall_seconds(b))
        assert local == pytest.approx(expected, abs=1e-9), (a, b)


@pytest.mark.parametrize("slug", list(selectors.MEASURES))
def test_the_dashboards_brief_reading_says_what_the_full_measure_says(hub: Any, slug: str) -> None:
    full = selectors.measure(slug, DECEMBER, Filters())
    brief = selectors.measure(slug, DECEMBER, Filters(), brief=True)
    assert brief.summary == full.summary
