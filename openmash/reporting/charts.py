"""Bar charts drawn on the server as SVG: readable without JavaScript, sharp on a projector, and always
beside the table of the same numbers (docs/adr/0026-reporting-measures-in-the-database.md)."""

from __future__ import annotations

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from openmash.reporting.selectors import Table

BAR = 16
GAP = 10
LABEL_WIDTH = 260
PLOT_WIDTH = 360
NOW_COLOUR = "#1d70b8"  # GOV.UK blue
BEFORE_COLOUR = "#b1b4b6"  # GOV.UK mid grey


def _number(value: object) -> float:
    return float(value) if isinstance(value, int | float) else 0.0


def bar_chart(
    table: Table, *, now_label: str = "This period", before_label: str = "Previous period"
) -> SafeString:
    """Paired horizontal bars, this period over the period before, for each row of the table."""
    if table.chart is None or not table.rows:
        return SafeString("")
    now_col, before_col = table.chart
    peak = max((max(_number(r[now_col]), _number(r[before_col])) for r in table.rows), default=0.0) or 1.0
    row_height = 2 * BAR + GAP
    height = 30 + row_height * len(table.rows)
    width = LABEL_WIDTH + PLOT_WIDTH + 60
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="openmash-chart" role="img" '
        f'viewBox="0 0 {width} {height}" width="100%" aria-labelledby="chart-{table.slug}-title">',
        f'<title id="chart-{table.slug}-title">{escape(table.title)}: '
        "a chart of the table that follows</title>",
        f'<rect x="{LABEL_WIDTH}" y="4" width="12" height="12" fill="{NOW_COLOUR}"/>',
        f'<text x="{LABEL_WIDTH + 18}" y="15" font-size="13" font-family="arial, sans-serif">'
        f"{escape(now_label)}</text>",
        f'<rect x="{LABEL_WIDTH + 140}" y="4" width="12" height="12" fill="{BEFORE_COLOUR}"/>',
        f'<text x="{LABEL_WIDTH + 158}" y="15" font-size="13" font-family="arial, sans-serif">'
        f"{escape(before_label)}</text>",
    ]
    for i, row in enumerate(table.rows):
        y = 30 + i * row_height
        label = str(row[0])
        short = label if len(label) <= 38 else label[:37] + "…"
        parts.append(
            f'<text x="{LABEL_WIDTH - 8}" y="{y + BAR + 4}" text-anchor="end" font-size="13" '
            f'font-family="arial, sans-serif">{escape(short)}</text>'
        )
        for j, (col, colour, name) in enumerate(
            ((now_col, NOW_COLOUR, now_label), (before_col, BEFORE_COLOUR, before_label))
        ):
            value = row[col]
            length = PLOT_WIDTH * _number(value) / peak
            by = y + j * BAR
            shown = "no figure" if value is None else f"{value:g}" if isinstance(value, float) else str(value)
            parts.append(
                f'<rect x="{LABEL_WIDTH}" y="{by}" width="{length:.1f}" height="{BAR - 2}" fill="{colour}">'
                f"<title>{escape(label)}, {escape(name.lower())}: {escape(shown)}</title></rect>"
            )
            parts.append(
                f'<text x="{LABEL_WIDTH + length + 4:.1f}" y="{by + BAR - 3}" font-size="12" '
                f'font-family="arial, sans-serif">{escape(shown)}</text>'
            )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every piece of text above is escaped
