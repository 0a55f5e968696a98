"""The charts: Altair and vl-convert draw the bars the table holds, and nothing in a label becomes markup.

Each test reads the SVG as a browser would (parsed as XML): the bars, their lengths and their names."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET  # noqa: S405 - parses the product's own output
from datetime import date
from typing import Any

import pytest

from openmash.reporting import charts, selectors
from openmash.reporting.period import Filters, Period
from openmash.reporting.tests.hub import build

DECEMBER = Period(date(2026, 12, 1), date(2026, 12, 31))
SVG = "{http://www.w3.org/2000/svg}"
BAR_PATH = re.compile(r"^M([\d.]+),([\d.]+)h([\d.]+)v([\d.]+)h-?[\d.]+Z$")


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 - the product's own output


def bars(root: ET.Element) -> list[tuple[str, float]]:
    """Each bar's own title and drawn length, top to bottom."""
    found = []
    for path in root.iter(f"{SVG}path"):
        title = path.find(f"{SVG}title")
        shape = BAR_PATH.match(path.get("d", ""))
        if title is not None and shape:
            found.append((title.text or "", float(shape.group(3))))
    return found


def test_the_chart_draws_each_rows_bars_as_long_as_its_figures(hub: Any, make_user: Any) -> None:
    """December's contacts by source (tests/hub.py): schools 2 this period and 1 before, police 1 and 0,
    individuals 1 and 0. The longest bar is the largest figure; the others are in proportion."""
    build(make_user)
    table = selectors.volumes(DECEMBER, Filters()).table("sources")
    root = parse(charts.bar_chart(table, key="volumes-sources"))
    drawn = bars(root)
    assert [title for title, _ in drawn] == [
        "1A: Individual: family member, relative or carer, this period: 1",
        "1A: Individual: family member, relative or carer, previous period: 0",
        "2A: Schools, this period: 2",
        "2A: Schools, previous period: 1",
        "6: Police, this period: 1",
        "6: Police, previous period: 0",
    ]
    lengths = dict(drawn)
    longest = lengths["2A: Schools, this period: 2"]
    assert longest > 0
    assert lengths["2A: Schools, previous period: 1"] == pytest.approx(longest / 2, abs=0.5)
    assert lengths["6: Police, this period: 1"] == pytest.approx(longest / 2, abs=0.5)
    assert lengths["6: Police, previous period: 0"] == 0
    # The figures are written beside the bars, and the legend names the two periods.
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert texts.count("2") >= 1 and "This period" in texts and "Previous period" in texts


def test_the_chart_is_an_image_named_and_described_in_words(hub: Any, make_user: Any) -> None:
    build(make_user)
    table = selectors.volumes(DECEMBER, Filters()).table("sources")
    root = parse(charts.bar_chart(table, key="volumes-sources"))
    assert root.get("role") == "img"
    title = root.find(f"{SVG}title")
    desc = root.find(f"{SVG}desc")
    assert title is not None and desc is not None
    assert root.get("aria-labelledby") == title.get("id") == "chart-volumes-sources-title"
    assert root.get("aria-describedby") == desc.get("id")
    assert title.text == (
        "Contacts and referrals by source (CIN referral source code): a chart of the table that follows"
    )
    assert desc.text is not None and "2A: Schools: 2 this period, 1 previous period" in desc.text
    # No script, no style, no link anywhere; nothing else in the image is announced on its own.
    tags = {element.tag.removeprefix(SVG) for element in root.iter()}
    assert tags <= charts.ELEMENTS
    for element in root.iter():
        assert not {"style", "href", "role"} & set(element.attrib) or element is root
        assert not any(name.startswith("on") for name in element.attrib)


def test_a_label_cannot_add_markup_to_the_page() -> None:
    """An agency's name or a reason is text a person typed: it is drawn as text, never as markup."""
    evil = '<script>alert(1)</script><a href="javascript:x" onclick="y">z</a>" onload="alert(2)'
    table = selectors.Table("withheld", "Reasons </title><script>t</script>", ["", "a", "b"], [[evil, 3, 1]])
    markup = str(charts.bar_chart(table, key="x"))
    root = parse(markup)
    assert "<script" not in markup and "<a " not in markup and "&lt;script&gt;alert(1)" in markup
    assert not [e for e in root.iter() if e.tag.removeprefix(SVG) in {"script", "a", "foreignObject"}]
    assert not [e for e in root.iter() if {"onload", "onclick", "href"} & set(e.attrib)]
    titles = [title for title, _ in bars(root)]
    assert titles[0] == f"{evil}, this period: 3"  # the words kept as they were typed, as text


def test_two_charts_on_one_page_share_no_id() -> None:
    table = selectors.Table("t", "T", ["", "a", "b"], [["Police", 2, 1]])
    first = parse(charts.bar_chart(table, key="timeliness-agencies"))
    second = parse(charts.bar_chart(table, key="contributions-agencies"))
    ids = [e.get("id") for root in (first, second) for e in root.iter() if e.get("id")]
    assert len(ids) == len(set(ids)) >= 4


def test_no_chart_without_rows_or_comparison() -> None:
    assert charts.bar_chart(selectors.Table("t", "T", ["", "a", "b"], [])) == ""
    assert charts.bar_chart(selectors.Table("t", "T", ["", "a", "b"], [["x", 1, 2]], chart=None)) == ""


def test_a_missing_figure_is_said_and_drawn_as_no_bar() -> None:
    table = selectors.Table("t", "T", ["", "a", "b"], [["Health", None, 2.5]])
    root = parse(charts.bar_chart(table))
    assert bars(root)[0] == ("Health, this period: no figure", 0.0)
    assert bars(root)[1][0] == "Health, previous period: 2.5"
    desc = root.find(f"{SVG}desc")
    assert desc is not None and desc.text == "Health: no figure this period, 2.5 previous period."
