"""Bar charts drawn on the server as SVG with Altair and vl-convert: readable without JavaScript, sharp on
a projector and in the monthly PDF, and always beside the table of the same numbers
(docs/adr/0026-reporting-measures-in-the-database.md).

Altair writes a Vega-Lite specification from the table's numbers; vl-convert (Vega in an embedded
JavaScript engine, no browser) renders it to SVG. Vega escapes the text it draws, and the SVG is then
parsed and written again through an allow-list of elements and attributes, so nothing in a label (an
agency's name, a withheld item's reason) can add markup, a script, a style or a link to the page. The
`<svg>` is an image (`role="img"`) named by its own `<title>` and described by a `<desc>` that says
every figure in words; each bar keeps a `<title>` of its own ("Police, this period: 5").

The first chart a process draws starts vl-convert's engine (about a second); after that a chart takes
well under a tenth of a second, and the same chart is drawn once (a small cache keyed by the
specification). `warm()` starts the engine ahead of the first page (gunicorn calls it in each worker).
"""

from __future__ import annotations

import json
import re
import threading
import xml.etree.ElementTree as ET  # noqa: S405 - parses vl-convert's own output, never a person's input
from functools import lru_cache
from typing import Any

from django.utils.safestring import SafeString, mark_safe

from openmash.reporting.selectors import Table

SVG_NS = "http://www.w3.org/2000/svg"
NOW_COLOUR = "#1d70b8"  # GOV.UK blue
BEFORE_COLOUR = "#505a5f"  # GOV.UK dark grey: 7:1 against white, so a bar reads without its colour
FONT = "Arial"
BAR = 20
LABEL_WIDTH = 280
PLOT_WIDTH = 420

#: What may stay in a chart: the elements and attributes Vega's SVG renderer writes for bar charts.
ELEMENTS = {"svg", "g", "path", "rect", "line", "text", "tspan", "title", "desc", "clipPath", "defs"}
ATTRIBUTES = {
    "class",
    "d",
    "x",
    "y",
    "x1",
    "x2",
    "y1",
    "y2",
    "dx",
    "dy",
    "width",
    "height",
    "viewBox",
    "transform",
    "fill",
    "fill-opacity",
    "stroke",
    "stroke-width",
    "stroke-opacity",
    "stroke-miterlimit",
    "stroke-dasharray",
    "opacity",
    "font-family",
    "font-size",
    "font-weight",
    "text-anchor",
    "dominant-baseline",
    "display",
    "pointer-events",
    "aria-label",
    "aria-hidden",
    "id",
    "clip-path",
    "version",
}
URL_REF = re.compile(r"^url\(#([A-Za-z0-9_-]+)\)$")


def _number(value: object) -> float:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0.0


def shown(value: object) -> str:
    """A figure as the table writes it ("no figure" for none)."""
    if value is None or value == "":
        return "no figure"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def chart_values(table: Table, now_label: str, before_label: str) -> list[dict[str, Any]]:
    """The chart's data: two bars per row of the table, this period and the period before."""
    assert table.chart is not None  # noqa: S101 - callers check
    now_col, before_col = table.chart
    values: list[dict[str, Any]] = []
    for index, row in enumerate(table.rows):
        label = str(row[0])
        for column, series in ((now_col, now_label), (before_col, before_label)):
            value = row[column]
            values.append(
                {
                    "row": index,
                    "label": label,
                    "series": series,
                    "value": _number(value),
                    "shown": shown(value),
                    "title": f"{label}, {series.lower()}: {shown(value)}",
                }
            )
    return values


def chart_spec(table: Table, now_label: str, before_label: str) -> dict[str, Any]:
    """The Vega-Lite specification Altair writes for the table: paired horizontal bars."""
    import altair as alt  # loaded when a chart is drawn, not at start-up

    values = chart_values(table, now_label, before_label)
    series = [now_label, before_label]
    base = alt.Chart(alt.Data(values=values))
    y = alt.Y(
        "label:N",
        sort=None,
        title=None,
        axis=alt.Axis(labelLimit=LABEL_WIDTH - 10, labelFontSize=16, ticks=False, domain=False),
    )
    offset = alt.YOffset("series:N", sort=series)
    x = alt.X("value:Q", title=None, axis=alt.Axis(labelFontSize=14, tickCount=5, format=",~f"))
    bars = base.mark_bar(height=BAR - 2).encode(
        y=y,
        yOffset=offset,
        x=x,
        color=alt.Color(
            "series:N",
            scale=alt.Scale(domain=series, range=[NOW_COLOUR, BEFORE_COLOUR]),
            legend=alt.Legend(
                title=None, orient="top", labelFontSize=16, symbolSize=150, symbolType="square"
            ),
        ),
        description="title:N",
    )
    figures = base.mark_text(align="left", baseline="middle", dx=4, fontSize=14, color="#0b0c0c").encode(
        y=y, yOffset=offset, x=x, text="shown:N"
    )
    chart = (
        alt.layer(bars, figures)
        .properties(width=PLOT_WIDTH, height=alt.Step(BAR))
        .configure(font=FONT, background="white")
        .configure_view(stroke=None)
        .configure_axis(labelColor="#0b0c0c", gridColor="#dddddd")
        .configure_legend(labelColor="#0b0c0c")
    )
    spec: dict[str, Any] = chart.to_dict()
    return spec


_engine_lock = threading.Lock()


@lru_cache(maxsize=256)
def _render(spec_json: str) -> str:
    import vl_convert  # loaded when a chart is drawn, not at start-up

    with _engine_lock:
        svg: str = vl_convert.vegalite_to_svg(json.loads(spec_json))
    return svg


def render_svg(spec: dict[str, Any]) -> str:
    """vl-convert's SVG for a Vega-Lite specification (drawn once per distinct specification)."""
    return _render(json.dumps(spec, sort_keys=True, default=str))


def clear_cache() -> None:
    _render.cache_clear()


def warm() -> None:
    """Start vl-convert's engine now rather than on the first page that draws a chart."""
    render_svg(
        chart_spec(Table("warm", "Warm", ["", "a", "b"], [["x", 1, 2]]), "This period", "Previous period")
    )


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def sanitise(svg: str, *, prefix: str) -> ET.Element:
    """vl-convert's SVG, parsed and kept to the allow-list: unknown elements (a script, a foreign object,
    an image) go with everything in them; unknown attributes (event handlers, styles, links) go; every
    `id` and `url(#...)` reference is given the chart's own prefix, so two charts on a page never share
    one."""
    root = ET.fromstring(svg)  # noqa: S314 - vl-convert's output, from numbers and escaped labels
    if _local(root.tag) != "svg":
        raise ValueError("vl-convert did not return an SVG")

    def clean(element: ET.Element) -> None:
        for child in list(element):
            if not isinstance(child.tag, str) or _local(child.tag) not in ELEMENTS:
                element.remove(child)
                continue
            clean(child)
        for name in list(element.attrib):
            local = _local(name)
            value = element.attrib.pop(name)
            if local not in ATTRIBUTES:
                continue
            if local == "id":
                value = f"{prefix}-{value}"
            elif local == "clip-path":
                ref = URL_REF.match(value)
                if ref is None:
                    continue
                value = f"url(#{prefix}-{ref.group(1)})"
            elif local != "aria-label" and ("url(" in value or "javascript:" in value.lower()):
                continue  # only a clip path may point anywhere, and only inside the chart
            element.set(local, value)
        element.tag = _local(element.tag)

    clean(root)
    return root


def _bar_titles(root: ET.Element) -> None:
    """Each bar's name, as Vega gives it in `aria-label`, becomes the bar's own `<title>` (a tooltip on
    hover); inside an image the marks are not announced one by one, the `<desc>` says it all."""
    for element in root.iter():
        label = element.attrib.pop("aria-label", None)
        if label and element.tag == "path" and "role-mark" not in element.attrib.get("class", ""):
            title = ET.Element("title")
            title.text = label
            element.insert(0, title)
    for element in root.iter():
        element.attrib.pop("aria-hidden", None)


def description(table: Table, now_label: str, before_label: str) -> str:
    """Every figure of the chart in words, for someone who cannot see it."""
    assert table.chart is not None  # noqa: S101 - callers check
    now_col, before_col = table.chart
    now, before = now_label.lower(), before_label.lower()
    parts = [f"{r[0]}: {shown(r[now_col])} {now}, {shown(r[before_col])} {before}" for r in table.rows]
    return "; ".join(parts) + "."


def bar_chart(
    table: Table,
    *,
    key: str = "",
    now_label: str = "This period",
    before_label: str = "Previous period",
) -> SafeString:
    """Paired horizontal bars, this period and the period before, for each row of the table, as an SVG
    image to put in the page (empty when the table has no chart or no rows). `key` tells two charts of
    the same page apart (their `id`s)."""
    if table.chart is None or not table.rows:
        return SafeString("")
    prefix = "chart-" + re.sub(r"[^A-Za-z0-9_-]", "-", key or table.slug)
    root = sanitise(render_svg(chart_spec(table, now_label, before_label)), prefix=prefix)
    _bar_titles(root)
    for name in ("role", "aria-roledescription", "class"):
        root.attrib.pop(name, None)
    for element in root.iter():
        if element is not root:
            for name in ("role", "aria-roledescription"):
                element.attrib.pop(name, None)
    width, height = root.get("width", "600"), root.get("height", "200")
    root.set("viewBox", f"0 0 {width} {height}")  # drawn at its own size, shrunk to a narrow column
    root.set("class", "openmash-chart")
    root.set("role", "img")
    root.set("aria-labelledby", f"{prefix}-title")
    root.set("aria-describedby", f"{prefix}-desc")
    title = ET.Element("title", {"id": f"{prefix}-title"})
    title.text = f"{table.title}: a chart of the table that follows"
    desc = ET.Element("desc", {"id": f"{prefix}-desc"})
    desc.text = description(table, now_label, before_label)
    root.insert(0, desc)
    root.insert(0, title)
    ET.register_namespace("", SVG_NS)
    root.set("xmlns", SVG_NS)
    markup = ET.tostring(root, encoding="unicode", short_empty_elements=True)
    return mark_safe(markup)  # noqa: S308 - parsed and rebuilt from the allow-list above; text escaped
