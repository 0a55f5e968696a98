"""Dates and times in the one GOV.UK style, and landmarks that appear only when they hold something."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time
from pathlib import Path

import pytest
from django.template import Context, Template, TemplateSyntaxError
from django.test import override_settings

from openmash.core.dates import format_date, format_datetime, format_time

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (time(13, 30), "1:30pm"),
        (time(10, 0), "10am"),
        (time(9, 5), "9:05am"),
        (time(12, 0), "midday"),
        (time(0, 0), "midnight"),
        (time(12, 45), "12:45pm"),
        (time(0, 15), "12:15am"),
    ],
)
def test_times_read_as_the_gov_uk_style_guide_writes_them(moment: time, expected: str) -> None:
    assert format_time(moment) == expected


def test_dates_read_day_month_year_in_full() -> None:
    assert format_date(date(2026, 12, 5)) == "5 December 2026"
    assert format_date(date(2026, 12, 5), weekday=True) == "Saturday 5 December 2026"


@override_settings(TIME_ZONE="Europe/London")
def test_a_moment_is_shown_in_the_hubs_local_time_time_first() -> None:
    # 12:30 UTC in June is 1:30pm British Summer Time; in December it is 12:30pm.
    assert format_datetime(datetime(2026, 6, 5, 12, 30, tzinfo=UTC)) == "1:30pm on 5 June 2026"
    assert format_datetime(datetime(2026, 12, 5, 12, 30, tzinfo=UTC)) == "12:30pm on 5 December 2026"
    # Late on the last evening of the month in UTC is already the next day and month in London.
    assert format_date(datetime(2026, 6, 30, 23, 30, tzinfo=UTC)) == "1 July 2026"
    assert format_time(datetime(2026, 6, 5, 12, 30, 5, tzinfo=UTC), seconds=True) == "1:30:05pm"


@override_settings(TIME_ZONE="Europe/London")
def test_the_filters_need_no_load_and_print_nothing_for_nothing() -> None:
    template = Template(
        "{{ d|govuk_date }}|{{ d|govuk_date:'weekday' }}|{{ dt|govuk_datetime }}|{{ dt|govuk_time }}|"
        "{{ dt|govuk_datetime:'weekday,seconds' }}|{{ none|govuk_date|default:'Not known' }}"
    )
    out = template.render(
        Context({"d": date(2026, 12, 5), "dt": datetime(2026, 12, 5, 17, 0, tzinfo=UTC), "none": None})
    )
    assert out == (
        "5 December 2026|Saturday 5 December 2026|5pm on 5 December 2026|5pm|"
        "5:00:00pm on Saturday 5 December 2026|Not known"
    )


# Machine-readable formats (a <time datetime>, a sort key) are not shown to people.
MACHINE_FORMATS = {"c", "Y-m-d", "U"}


def test_every_template_shows_dates_through_the_one_filter() -> None:
    found = [
        f"{path.relative_to(ROOT)}: {match.group(0)}"
        for path in ROOT.rglob("templates/**/*.html")
        for match in re.finditer(r"\|(?:date|time):[\"']([^\"']*)[\"']", path.read_text())
        if match.group(1) not in MACHINE_FORMATS
    ]
    assert found == []


def test_a_landmark_is_written_only_around_something() -> None:
    template = Template(
        '<div>{% landmark_if_content "nav" "Back" %}{{ link }}{% endlandmark_if_content %}</div>'
    )
    assert template.render(Context({"link": ""})) == "<div></div>"
    assert template.render(Context({"link": "Back to the case"})) == (
        '<div><nav aria-label="Back">Back to the case</nav></div>'
    )


def test_a_landmark_is_only_a_landmark_element() -> None:
    with pytest.raises(TemplateSyntaxError):
        Template('{% landmark_if_content "div" "Back" %}x{% endlandmark_if_content %}')


def test_a_rag_rating_reads_as_a_coloured_tag_and_no_rating_as_nothing() -> None:
    tag = Template("{% rag_tag rag %}")
    assert (
        tag.render(Context({"rag": "amber"}))
        == '<strong class="govuk-tag openmash-rag--amber">Amber</strong>'
    )
    assert tag.render(Context({"rag": ""})) == ""
    assert tag.render(Context({"rag": '"><script>'})) == (
        '<strong class="govuk-tag openmash-rag--&quot;&gt;&lt;script&gt;">&quot;&gt;&lt;script&gt;</strong>'
    )


def test_no_rating_can_say_so_in_small_text_or_to_a_screen_reader_only() -> None:
    shown = Template('{% rag_tag rag unrated="Not yet rated" %}')
    hidden = Template('{% rag_tag rag unrated="Not rated" unrated_hidden=True %}')
    assert shown.render(Context({"rag": ""})) == '<span class="govuk-body-s">Not yet rated</span>'
    assert hidden.render(Context({"rag": ""})) == '<span class="govuk-visually-hidden">Not rated</span>'
    # A rated case shows its tag, whatever the words for no rating.
    red = '<strong class="govuk-tag openmash-rag--red">Red</strong>'
    assert shown.render(Context({"rag": "red"})) == red
    assert hidden.render(Context({"rag": "red"})) == red


def test_the_words_for_no_rating_are_escaped() -> None:
    tag = Template("{% rag_tag rag unrated=words %}")
    assert tag.render(Context({"rag": "", "words": "<b>Not & rated</b>"})) == (
        '<span class="govuk-body-s">&lt;b&gt;Not &amp; rated&lt;/b&gt;</span>'
    )
