"""How a measure's cell reads on a page: a missing figure says so, a date in the one GOV.UK style."""

from __future__ import annotations

from datetime import date

from django import template

from openmash.core.dates import format_date

register = template.Library()

NO_FIGURE = "No figure"


@register.filter
def cell(value: object) -> str:
    if value is None or value == "":
        return NO_FIGURE
    if isinstance(value, date):
        return format_date(value)
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


@register.filter
def numeric(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
